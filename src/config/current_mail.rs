//! The mail settings in force: a flag or `ROSTER_EMAIL_*` variable wins, then the value saved on
//! the Mail page, then the default. Every sender and check reads them through [`load`].

use rusqlite::Connection;

use super::{AccountSettings, Config};
use crate::db::mail_settings::StoredMail;
use crate::mail::MailSettings;

/// A setting the Mail page edits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailField {
    Host,
    Port,
    Encryption,
    Login,
    Password,
    From,
    BaseUrl,
}

impl MailField {
    pub const ALL: [MailField; 7] = [
        Self::Host,
        Self::Port,
        Self::Encryption,
        Self::Login,
        Self::Password,
        Self::From,
        Self::BaseUrl,
    ];

    /// The name used in form fields and audit entries.
    pub fn name(self) -> &'static str {
        match self {
            Self::Host => "host",
            Self::Port => "port",
            Self::Encryption => "encryption",
            Self::Login => "login",
            Self::Password => "password",
            Self::From => "from",
            Self::BaseUrl => "base_url",
        }
    }
}

/// Settings given on the command line or in the environment, with the variable that set them;
/// the Mail page shows them read-only.
#[derive(Debug, Clone, Default)]
pub struct MailLocks(Vec<(MailField, &'static str)>);

impl MailLocks {
    /// Records that `variable` (or its flag) set `field`.
    pub fn lock(&mut self, field: MailField, variable: &'static str) {
        self.0.retain(|(f, _)| *f != field);
        self.0.push((field, variable));
    }

    /// The variable that set `field`, if one did.
    pub fn locked_by(&self, field: MailField) -> Option<&'static str> {
        self.0.iter().find(|(f, _)| *f == field).map(|(_, v)| *v)
    }
}

/// The settings in force now, and where they came from.
#[derive(Debug, Clone)]
pub struct CurrentMail {
    pub mail: MailSettings,
    /// The configured accounts settings with the site link (`base_url`) in force.
    pub accounts: AccountSettings,
    pub locks: MailLocks,
}

/// Reads the saved settings and merges them under the configured ones.
pub fn load(config: &Config, conn: &Connection) -> rusqlite::Result<CurrentMail> {
    Ok(merge(config, &crate::db::mail_settings::load(conn)?))
}

/// For the command line: the saved settings when the database exists, else the configured ones.
pub fn load_for_command(config: &Config, db: &crate::db::Db) -> CurrentMail {
    if !config.database.exists() {
        return merge(config, &StoredMail::default());
    }
    match db.connect().and_then(|conn| load(config, &conn)) {
        Ok(current) => current,
        Err(err) => {
            tracing::warn!(error = %err, "the Mail page's saved settings could not be read");
            merge(config, &StoredMail::default())
        }
    }
}

/// A saved value counts unless a flag or variable set the field; a saved empty text means "none".
pub fn merge(config: &Config, stored: &StoredMail) -> CurrentMail {
    merge_parts(&config.mail, &config.accounts, &config.mail_locks, stored)
}

/// [`merge`] from the parts of any backend's configuration: the configured `mail` and `accounts`
/// settings, and which of them `locks` says a flag or variable set.
pub fn merge_parts(
    mail: &MailSettings,
    accounts: &AccountSettings,
    locks: &MailLocks,
    stored: &StoredMail,
) -> CurrentMail {
    let locks = locks.clone();
    let free = |field| locks.locked_by(field).is_none();
    let mut mail = mail.clone();
    let mut accounts = accounts.clone();
    let text = |saved: &Option<String>, configured: Option<String>, field| match saved {
        Some(value) if free(field) => Some(value.clone()).filter(|v| !v.trim().is_empty()),
        _ => configured,
    };
    mail.host = text(&stored.host, mail.host.take(), MailField::Host);
    mail.username = text(&stored.username, mail.username.take(), MailField::Login);
    mail.password = match &stored.password {
        Some(saved) if free(MailField::Password) => {
            Some(saved.clone()).filter(|p| !p.expose().trim().is_empty())
        }
        _ => mail.password.take(),
    };
    if let Some(tls) = stored.tls.filter(|_| free(MailField::Encryption)) {
        mail.tls = tls;
    }
    if let Some(port) = stored.port.filter(|_| free(MailField::Port)) {
        mail.port = port;
    }
    if let Some(from) = text(&stored.from, None, MailField::From) {
        mail.from = from;
    }
    if let Some(base_url) = text(&stored.base_url, None, MailField::BaseUrl) {
        accounts.base_url = base_url;
    }
    CurrentMail {
        mail,
        accounts,
        locks,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::TlsMode;

    #[test]
    fn a_variable_wins_over_a_saved_value_and_a_saved_value_over_the_default() {
        let mut config = Config::new("/tmp/x.sqlite3".into(), 1000, 10).unwrap();
        config.mail.host = Some("env.example.com".into());
        config.mail_locks.lock(MailField::Host, "ROSTER_EMAIL_HOST");
        let stored = StoredMail {
            host: Some("saved.example.com".into()),
            port: Some(2525),
            tls: Some(TlsMode::StartTls),
            username: Some(String::new()),
            from: Some("roster@example.com".into()),
            base_url: Some("https://roster.example.com".into()),
            ..StoredMail::default()
        };
        let current = merge(&config, &stored);
        assert_eq!(current.mail.host.as_deref(), Some("env.example.com"));
        assert_eq!(current.mail.port, 2525);
        assert_eq!(current.mail.tls, TlsMode::StartTls);
        assert_eq!(current.mail.username, None);
        assert_eq!(current.mail.from, "roster@example.com");
        assert_eq!(current.accounts.base_url, "https://roster.example.com");
        let untouched = merge(&config, &StoredMail::default());
        assert_eq!(untouched.mail.port, 25);
        assert_eq!(untouched.accounts.base_url, "http://127.0.0.1:8000");
    }
}
