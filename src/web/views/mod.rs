//! HTML views (maud): small functions composed by the layout; they take view data, never DB handles.

pub mod add_user;
pub mod audit;
pub mod auth;
pub mod history;
pub mod import;
pub mod layout;
pub mod mail;
pub mod ous;
pub mod pager;
pub mod password;
pub mod set_password_links;
pub mod time;
pub mod tokens;
pub mod user_page;
pub mod users;
