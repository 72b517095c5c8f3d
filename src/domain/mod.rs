//! The bottom layer: Django's field rules and the values every other layer passes around; it
//! depends on nothing else in the crate.

pub mod accounts;
pub mod audit_action;
pub mod fields;
pub mod html;
pub mod import_context;
pub mod mail_mode;
pub mod random;
pub mod report;
pub mod rows;
pub mod secret;
pub mod status;
