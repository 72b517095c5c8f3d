//! The settings the commands given a PostgreSQL URL use, validated from the same flags as
//! [`super::Config`].

use super::{AccountSettings, MailLocks, SecretKeySource, UserModelName};
use crate::cli::Cli;
use crate::import::ImportSettings;
use crate::mail::MailSettings;

/// The settings the commands ported to PostgreSQL use (`Config` holds an SQLite file's path and
/// refuses a URL, so that nothing opens a file named after one).
#[derive(Debug, Clone)]
pub struct PostgresConfig {
    pub import: ImportSettings,
    /// The mail settings given by flags and environment; the saved ones are merged in by
    /// [`super::current_mail::merge_parts`].
    pub mail: MailSettings,
    /// Mail settings given by flag or environment, which win over the saved ones.
    pub mail_locks: MailLocks,
    /// Reset links and invitations; the secret key must be given (no file next to a URL).
    pub accounts: AccountSettings,
    /// Django's `AUTH_USER_MODEL` (`ROSTER_USER_MODEL`).
    pub user_model: UserModelName,
    /// Django's `USE_TZ` (`ROSTER_USE_TZ`).
    pub use_tz: bool,
}

impl PostgresConfig {
    /// Validates the global flags the PostgreSQL commands use, as [`Config::from_cli`] does.
    pub fn from_cli(cli: &Cli) -> anyhow::Result<Self> {
        Ok(Self {
            import: super::import_settings(cli.pbkdf2_iterations, cli.max_rows)?,
            mail: super::mail_settings(&cli.mail)?,
            mail_locks: super::mail_locks(cli),
            accounts: super::account_settings(cli, SecretKeySource::Unset)?,
            user_model: UserModelName::parse(&cli.accounts.user_model)
                .map_err(anyhow::Error::msg)?,
            use_tz: cli.accounts.use_tz,
        })
    }

    /// As [`Config::naive_local_time`].
    pub fn naive_local_time(&self) -> Option<chrono_tz::Tz> {
        super::naive_local_time(self.use_tz, &self.accounts)
    }
}
