//! The outcome of checking a password against a stored Django hash, shared by both hasher modules.

/// Outcome of checking a password against a stored Django hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PasswordCheck {
    /// The password matches; `must_update` means Django would re-hash it on login.
    Correct {
        /// True when the hash is not `pbkdf2_sha256` at the target iterations with a full salt.
        must_update: bool,
    },
    /// The hash is valid but the password does not match.
    Wrong,
    /// The stored value is unusable (`!…`) or empty.
    Unusable,
    /// A Django algorithm that Roster recognises but does not verify.
    Unsupported {
        /// The Django algorithm name, e.g. `argon2`.
        algorithm: String,
    },
    /// Unknown algorithm or a pbkdf2 hash that cannot be parsed.
    Malformed,
}
