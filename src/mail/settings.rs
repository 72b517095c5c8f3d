//! Mail settings, named after Django's (`EMAIL_HOST`, `EMAIL_PORT`, ...) with a `ROSTER_` prefix.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

pub use crate::domain::mail_mode::TlsMode;

/// Validated mail settings; the password never prints.
#[derive(Clone)]
pub struct MailSettings {
    /// SMTP server host; `None` means mail is not configured.
    pub host: Option<String>,
    pub port: u16,
    /// Login for AUTH; AUTH is used only when both user and password are set.
    pub username: Option<String>,
    pub password: Option<String>,
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
            && self.password.as_deref().is_some_and(|p| !p.is_empty())
    }
}

impl fmt::Debug for MailSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MailSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("tls", &self.tls)
            .field("timeout", &self.timeout)
            .field("from", &self.from)
            .field("extra_root_pem", &self.extra_root_pem)
            .finish()
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
