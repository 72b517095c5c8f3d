//! A password in plain text (an import row's before it is hashed, the mail server's login).

use std::fmt;

/// A plaintext password; it never prints, so a struct holding one can derive `Debug`.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Secret(String);

impl Secret {
    /// Wraps a plaintext password.
    pub fn new(value: String) -> Self {
        Self(value)
    }
    /// The plaintext, for hashing, storing or sending to the mail server only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}
