//! Django-compatible authentication pieces: password hashers and reset tokens.

pub mod hashers;
pub mod tokens;
