//! Mail settings, named after Django's (`EMAIL_HOST`, `EMAIL_PORT`, ...) with a `ROSTER_` prefix.

use std::path::PathBuf;
use std::time::Duration;

pub use crate::domain::mail_mode::TlsMode;
pub use crate::domain::secret::Secret;

/// Validated mail settings; the password never prints.
#[derive(Clone, Debug)]
pub struct MailSettings {
    /// SMTP server host; `None` means mail is not configured.
    pub host: Option<String>,
    pub port: u16,
    /// Login for AUTH; AUTH is used only when both user and password are set.
    pub username: Option<String>,
    pub password: Option<Secret>,
    pub tls: TlsMode,
    /// Limit for connecting and for each SMTP reply.
    pub timeout: Duration,
    /// The From address of every mail.
    pub from: String,
    /// An extra PEM root certificate to trust (an internal CA), besides the public web roots.
    pub extra_root_pem: Option<PathBuf>,
}

impl MailSettings {
    /// Whether AUTH credentials are set.
    pub fn has_credentials(&self) -> bool {
        self.username.as_deref().is_some_and(|u| !u.is_empty())
            && self
                .password
                .as_ref()
                .is_some_and(|p| !p.expose().is_empty())
    }
}

/// The trimmed host, or `None` when mail is not configured.
pub(crate) fn configured_host(settings: &MailSettings) -> Option<&str> {
    settings
        .host
        .as_deref()
        .map(str::trim)
        .filter(|h| !h.is_empty())
}
