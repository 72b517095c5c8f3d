//! Password reset links and tokens: the base URL, the secret keys, the timeout and the time zone.

use std::path::PathBuf;

/// Where the secret key comes from.
#[derive(Clone)]
pub enum SecretKeySource {
    /// Given in ROSTER_SECRET_KEY.
    Given(String),
    /// Read from this file, generated there on first use.
    File(PathBuf),
    /// Neither given nor with a default place (a PostgreSQL database has no folder to keep a
    /// generated key in): whatever needs the key refuses, naming the settings to set.
    Unset,
}

impl std::fmt::Debug for SecretKeySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Given(_) => f.write_str("Given(***)"),
            Self::File(path) => f.debug_tuple("File").field(path).finish(),
            Self::Unset => f.write_str("Unset"),
        }
    }
}

/// Older secret keys (Django's `SECRET_KEY_FALLBACKS`), never shown in debug output.
#[derive(Clone, Default)]
pub struct SecretKeyFallbacks(pub Vec<String>);

impl std::fmt::Debug for SecretKeyFallbacks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SecretKeyFallbacks({} keys)", self.0.len())
    }
}

/// Password reset links and tokens.
#[derive(Debug, Clone)]
pub struct AccountSettings {
    /// Public base URL without a trailing slash, e.g. `https://roster.example.com`.
    pub base_url: String,
    pub secret_key: SecretKeySource,
    /// Django's SECRET_KEY_FALLBACKS: tokens signed with these still verify; new ones never use them.
    pub secret_key_fallbacks: SecretKeyFallbacks,
    /// Django's PASSWORD_RESET_TIMEOUT in seconds.
    pub reset_timeout_secs: i64,
    /// Django's TIME_ZONE: token timestamps count local seconds in it.
    pub time_zone: chrono_tz::Tz,
    /// The name people see in pages and mails (`ROSTER_SITE_NAME`).
    pub site_name: String,
}
