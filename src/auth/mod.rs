//! Django-compatible authentication pieces: password hashers and reset tokens.

pub mod hashers;
mod legacy_hashers;
pub mod password_validation;
pub mod reset;
pub mod secret;
pub mod tokens;
