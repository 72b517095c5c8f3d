//! Django-compatible authentication pieces: password hashers, the PBKDF2 engine and reset tokens.

pub mod hashers;
mod legacy_hashers;
pub(crate) mod password_validation;
pub mod pbkdf2;
pub mod reset;
pub(crate) mod secret;
pub(crate) mod set_password_links;
pub mod tokens;
mod verdict;
