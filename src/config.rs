//! The validated, typed configuration built once from the command line and passed in.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};

use crate::cli::{Cli, MailArgs};
pub use crate::db::user_model::UserModelName;
pub use crate::domain::accounts::{AccountSettings, SecretKeyFallbacks, SecretKeySource};
use crate::import::ImportSettings;
pub mod current_mail;
mod postgres;

pub use current_mail::{CurrentMail, MailField, MailLocks};
pub use postgres::PostgresConfig;

use crate::mail::{MailSettings, Secret, TlsMode};

/// Settings shared by every command.
#[derive(Debug, Clone)]
pub struct Config {
    pub database: PathBuf,
    pub import: ImportSettings,
    pub mail: MailSettings,
    pub accounts: AccountSettings,
    /// Mail settings given by flag or environment, which the Mail page cannot change.
    pub mail_locks: MailLocks,
    /// Django's `AUTH_USER_MODEL` (`ROSTER_USER_MODEL`).
    pub user_model: UserModelName,
    /// Django's `USE_TZ` (`ROSTER_USE_TZ`): false stores user datetimes as naive local time in
    /// `accounts.time_zone`.
    pub use_tz: bool,
}

impl AccountSettings {
    /// Defaults for a database at `database`: local base URL, generated key file, 72 h, UTC.
    pub fn defaults_for(database: &Path) -> Self {
        Self {
            base_url: DEFAULT_BASE_URL.to_string(),
            secret_key: SecretKeySource::File(default_secret_file(database)),
            secret_key_fallbacks: SecretKeyFallbacks::default(),
            reset_timeout_secs: crate::auth::tokens::DEFAULT_RESET_TIMEOUT_SECS,
            time_zone: chrono_tz::UTC,
            site_name: DEFAULT_SITE_NAME.to_string(),
        }
    }
}

/// `Some(TIME_ZONE)` when Django runs with `USE_TZ = False`.
fn naive_local_time(use_tz: bool, accounts: &AccountSettings) -> Option<chrono_tz::Tz> {
    (!use_tz).then_some(accounts.time_zone)
}

fn default_secret_file(database: &Path) -> PathBuf {
    let mut name = database.as_os_str().to_owned();
    name.push(".secret-key");
    PathBuf::from(name)
}

impl Config {
    /// The database, with the user model and datetime storage the settings describe.
    pub fn db(&self) -> crate::db::Db {
        crate::db::Db::new(&self.database)
            .with_user_model(self.user_model.clone())
            .with_naive_local_time(self.naive_local_time())
    }

    /// `Some(TIME_ZONE)` when Django runs with `USE_TZ = False` (user datetimes are naive local
    /// time there).
    pub fn naive_local_time(&self) -> Option<chrono_tz::Tz> {
        naive_local_time(self.use_tz, &self.accounts)
    }

    /// Validates the global flags.
    pub fn new(database: PathBuf, pbkdf2_iterations: u32, max_rows: usize) -> anyhow::Result<Self> {
        refuse_database_url(&database)?;
        let import = import_settings(pbkdf2_iterations, max_rows)?;
        Ok(Self {
            accounts: AccountSettings::defaults_for(&database),
            database,
            import,
            mail: MailSettings {
                host: None,
                port: 25,
                username: None,
                password: None,
                tls: TlsMode::None,
                timeout: Duration::from_secs(10),
                from: "webmaster@localhost".to_string(),
                extra_root_pem: None,
            },
            mail_locks: MailLocks::default(),
            user_model: UserModelName::default(),
            use_tz: true,
        })
    }

    /// Builds and validates the whole configuration from the command line.
    pub fn from_cli(cli: &Cli) -> anyhow::Result<Self> {
        let config = Self::new(cli.database.clone(), cli.pbkdf2_iterations, cli.max_rows)?;
        config.with_cli(cli)
    }

    /// `serve` on PostgreSQL: as [`Config::from_cli`], `database` the URL without its password (for
    /// messages; nothing opens it). The caller checks that the secret key is given.
    pub fn for_postgres(cli: &Cli, shown_url: &str) -> anyhow::Result<Self> {
        let mut config = Self::new(PathBuf::new(), cli.pbkdf2_iterations, cli.max_rows)?;
        config.database = shown_url.into();
        config.with_cli(cli)
    }

    /// The flags beyond the database's, validated, on top of `self`.
    fn with_cli(mut self, cli: &Cli) -> anyhow::Result<Self> {
        self.mail = mail_settings(&cli.mail)?;
        self.mail_locks = mail_locks(cli);
        let a = &cli.accounts;
        self.user_model = UserModelName::parse(&a.user_model).map_err(anyhow::Error::msg)?;
        self.use_tz = a.use_tz;
        let default_key = SecretKeySource::File(default_secret_file(&cli.database));
        self.accounts = account_settings(cli, default_key)?;
        Ok(self)
    }
}

/// Django's account settings from the flags; `default_key` when neither `ROSTER_SECRET_KEY` nor
/// `ROSTER_SECRET_KEY_FILE` is given.
fn account_settings(cli: &Cli, default_key: SecretKeySource) -> anyhow::Result<AccountSettings> {
    let a = &cli.accounts;
    let base_url = match &a.base_url {
        Some(given) => {
            parse_base_url(given).map_err(|problem| anyhow::anyhow!("ROSTER_BASE_URL {problem}"))?
        }
        None => DEFAULT_BASE_URL.to_string(),
    };
    if a.password_reset_timeout < 60 {
        bail!(
            "ROSTER_PASSWORD_RESET_TIMEOUT must be at least 60 seconds (Django's default is 259200)"
        );
    }
    let time_zone: chrono_tz::Tz = a.time_zone.parse().map_err(|_| {
        anyhow::anyhow!(
            "ROSTER_TIME_ZONE \"{}\" is not a time zone name like UTC or Europe/Berlin",
            a.time_zone
        )
    })?;
    let site_name = site_name(&a.site_name)?;
    Ok(AccountSettings {
        base_url,
        secret_key: match (&a.secret_key, &a.secret_key_file) {
            (Some(key), _) if !key.is_empty() => SecretKeySource::Given(key.clone()),
            (_, Some(path)) => SecretKeySource::File(path.clone()),
            _ => default_key,
        },
        secret_key_fallbacks: SecretKeyFallbacks(
            a.secret_key_fallbacks
                .iter()
                .filter(|key| !key.is_empty())
                .cloned()
                .collect(),
        ),
        reset_timeout_secs: a.password_reset_timeout,
        time_zone,
        site_name,
    })
}

/// Where links in mails point when `ROSTER_BASE_URL` is not set.
pub const DEFAULT_BASE_URL: &str = "http://127.0.0.1:8000";

/// The name pages and mails show when none is set.
pub const DEFAULT_SITE_NAME: &str = "Roster";

/// `ROSTER_SITE_NAME`, trimmed: 1 to 60 characters on one line.
fn site_name(given: &str) -> anyhow::Result<String> {
    let name = given.trim();
    if name.is_empty() || name.chars().count() > 60 || name.chars().any(char::is_control) {
        bail!(
            "ROSTER_SITE_NAME \"{given}\" must be 1 to 60 characters on one line, e.g. \"Acme Accounts\""
        );
    }
    Ok(name.to_string())
}

/// A site link (`base_url`) without its trailing slash, or what is wrong with it.
pub fn parse_base_url(given: &str) -> Result<String, String> {
    let base_url = given.trim().trim_end_matches('/').to_string();
    let scheme_ok = base_url.starts_with("http://") || base_url.starts_with("https://");
    if !scheme_ok || base_url.len() < 10 || base_url.chars().any(char::is_whitespace) {
        return Err(format!(
            "\"{given}\" must be an http:// or https:// address, e.g. https://roster.example.com"
        ));
    }
    Ok(base_url)
}

/// The mail settings a flag or variable gave, which then win over the Mail page.
fn mail_locks(cli: &Cli) -> MailLocks {
    let m = &cli.mail;
    let mut locks = MailLocks::default();
    let given = |value: &Option<String>| value.as_deref().is_some_and(|v| !v.trim().is_empty());
    if given(&m.email_host) {
        locks.lock(MailField::Host, "ROSTER_EMAIL_HOST");
    }
    if m.email_port.is_some() {
        locks.lock(MailField::Port, "ROSTER_EMAIL_PORT");
    }
    if m.email_use_tls {
        locks.lock(MailField::Encryption, "ROSTER_EMAIL_USE_TLS");
    } else if m.email_use_ssl {
        locks.lock(MailField::Encryption, "ROSTER_EMAIL_USE_SSL");
    }
    if given(&m.email_host_user) {
        locks.lock(MailField::Login, "ROSTER_EMAIL_HOST_USER");
    }
    if given(&m.email_host_password) {
        locks.lock(MailField::Password, "ROSTER_EMAIL_HOST_PASSWORD");
    }
    if given(&m.default_from_email) {
        locks.lock(MailField::From, "ROSTER_DEFAULT_FROM_EMAIL");
    }
    if given(&cli.accounts.base_url) {
        locks.lock(MailField::BaseUrl, "ROSTER_BASE_URL");
    }
    locks
}

/// Refuses `scheme://…` database URLs (PostgreSQL, MySQL, …): Roster works with SQLite files only.
fn refuse_database_url(database: &Path) -> anyhow::Result<()> {
    let text = database.to_string_lossy();
    let Some((scheme, _)) = text.split_once("://") else {
        return Ok(());
    };
    let is_scheme = !scheme.is_empty()
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !is_scheme {
        return Ok(());
    }
    let what = match scheme.to_ascii_lowercase().as_str() {
        "postgres" | "postgresql" => {
            "PostgreSQL URLs work for every command (`serve` for part of the web pages so far)"
                .to_string()
        }
        other => format!("\"{other}://\" database URLs are not supported"),
    };
    bail!(
        "ROSTER_DATABASE \"{scheme}://…\" is a database URL: {what}. Roster works with an SQLite \
         file only: give its path, e.g. --database /srv/django/db.sqlite3 (Django's \
         DATABASES[\"default\"][\"NAME\"])"
    )
}

/// The import's settings, validated.
fn import_settings(pbkdf2_iterations: u32, max_rows: usize) -> anyhow::Result<ImportSettings> {
    if pbkdf2_iterations == 0 {
        bail!("ROSTER_PBKDF2_ITERATIONS must be at least 1 (Django 6.1 uses 1500000)");
    }
    if max_rows == 0 {
        bail!("ROSTER_MAX_ROWS must be at least 1");
    }
    Ok(ImportSettings {
        max_rows,
        pbkdf2_iterations,
    })
}

fn mail_settings(m: &MailArgs) -> anyhow::Result<MailSettings> {
    if m.email_use_tls && m.email_use_ssl {
        bail!(
            "ROSTER_EMAIL_USE_TLS and ROSTER_EMAIL_USE_SSL are mutually exclusive: use SSL for \
             implicit TLS (port 465), TLS for STARTTLS (port 587)"
        );
    }
    if m.email_timeout == 0 {
        bail!("ROSTER_EMAIL_TIMEOUT must be at least 1 second");
    }
    let tls = match (m.email_use_tls, m.email_use_ssl) {
        (true, _) => TlsMode::StartTls,
        (_, true) => TlsMode::Implicit,
        _ => TlsMode::None,
    };
    let port = m.email_port.unwrap_or(match tls {
        TlsMode::Implicit => 465,
        TlsMode::StartTls => 587,
        TlsMode::None => 25,
    });
    let from = m
        .default_from_email
        .as_deref()
        .unwrap_or("webmaster@localhost")
        .trim()
        .to_string();
    if !from.contains('@') {
        bail!("ROSTER_DEFAULT_FROM_EMAIL \"{from}\" is not an e-mail address");
    }
    if let Some(path) = &m.email_ca_file
        && !path.is_file()
    {
        bail!("ROSTER_EMAIL_CA_FILE {} does not exist", path.display());
    }
    Ok(MailSettings {
        host: m.email_host.clone().filter(|h| !h.trim().is_empty()),
        port,
        username: m.email_host_user.clone().filter(|u| !u.is_empty()),
        password: m
            .email_host_password
            .clone()
            .filter(|p| !p.is_empty())
            .map(Secret::new),
        tls,
        timeout: Duration::from_secs(m.email_timeout),
        from,
        extra_root_pem: m.email_ca_file.clone(),
    })
}

/// Settings of `roster serve`.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    pub bind: SocketAddr,
    pub max_upload_bytes: usize,
}

impl ServeConfig {
    /// Validates the serve flags.
    pub fn new(bind: &str, max_upload_bytes: usize) -> anyhow::Result<Self> {
        let bind = bind.parse().with_context(|| {
            format!("ROSTER_BIND \"{bind}\" is not an address like 127.0.0.1:8000")
        })?;
        if max_upload_bytes < 1024 {
            bail!("ROSTER_MAX_UPLOAD_BYTES must be at least 1024");
        }
        Ok(Self {
            bind,
            max_upload_bytes,
        })
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[test]
    fn mail_settings_given_by_flag_or_variable_are_locked_and_defaults_are_not() {
        let cli = Cli::try_parse_from([
            "roster",
            "--email-host",
            "smtp.example.com",
            "--email-use-ssl",
            "--base-url",
            "https://roster.example.com/",
            "migrate",
        ])
        .unwrap();
        let config = Config::from_cli(&cli).unwrap();
        let locks = &config.mail_locks;
        assert_eq!(locks.locked_by(MailField::Host), Some("ROSTER_EMAIL_HOST"));
        assert_eq!(
            locks.locked_by(MailField::Encryption),
            Some("ROSTER_EMAIL_USE_SSL")
        );
        assert_eq!(locks.locked_by(MailField::BaseUrl), Some("ROSTER_BASE_URL"));
        assert_eq!(config.accounts.base_url, "https://roster.example.com");
        for free in [
            MailField::Port,
            MailField::Login,
            MailField::Password,
            MailField::From,
        ] {
            assert_eq!(locks.locked_by(free), None, "{free:?}");
        }
        assert_eq!(config.mail.from, "webmaster@localhost");
        assert_eq!(config.mail.port, 465);
        assert!(parse_base_url("ftp://x.example.com").is_err());
    }
}
