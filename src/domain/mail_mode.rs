//! How an SMTP connection is encrypted: stored by the database, used by the mail layer.

/// How the SMTP connection is encrypted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    /// Plain SMTP (`EMAIL_USE_TLS` and `EMAIL_USE_SSL` both off).
    None,
    /// Plain connection upgraded with STARTTLS (`EMAIL_USE_TLS`, usually port 587).
    StartTls,
    /// TLS from the first byte (`EMAIL_USE_SSL`, usually port 465).
    Implicit,
}
