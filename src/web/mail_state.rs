//! The mail settings in force and their recent check, as every web handler reads them.

use super::AppState;
use super::backend::Backend;
use crate::config::CurrentMail;
use crate::import::service::Mailer;
use crate::mail::check_cache::{API_WAIT, PAGE_WAIT};
use crate::mail::{CheckOutcome, Diagnosis, Freshness, MailSettings};

impl AppState {
    /// The settings in force now: flags and variables, then the Mail page's saved values.
    pub fn current_mail(&self) -> anyhow::Result<CurrentMail> {
        match &self.backend {
            Backend::Sqlite { db, .. } => Ok(crate::config::current_mail::load(
                &self.config,
                &db.connect()?,
            )?),
            Backend::Postgres { pool, .. } => {
                let stored = crate::db::postgres::load_mail_settings(&mut *pool.get()?)?;
                Ok(crate::config::current_mail::merge(&self.config, &stored))
            }
        }
    }

    /// The check of `settings` as a page shows it: a recent result, or one awaited for at most
    /// two seconds (then "still running", which the import gate counts as not passed).
    pub fn page_mail_check(&self, settings: &MailSettings) -> CheckOutcome {
        self.mail_checks
            .outcome(settings, Freshness::Recent, PAGE_WAIT)
    }

    /// The check an API request waits for: a recent result, or one awaited for at most `API_WAIT`.
    pub fn api_mail_check(&self, settings: &MailSettings) -> CheckOutcome {
        self.mail_checks
            .outcome(settings, Freshness::Recent, API_WAIT)
    }

    /// What an import sends its invitations with, under the settings in force.
    pub fn mailer<'a>(&'a self, current: &'a CurrentMail) -> Mailer<'a> {
        Mailer {
            db: self.backend.outbox(),
            mail: &current.mail,
            accounts: &current.accounts,
        }
    }

    /// A check that was still running when a page was shown, replaced by its result if it has
    /// one now (waiting at most two seconds); any other outcome is kept as it is.
    pub fn settle_mail_check(&self, check: Option<CheckOutcome>) -> Option<CheckOutcome> {
        match check {
            Some(pending) if pending.diagnosis == Diagnosis::StillRunning => {
                Some(match self.current_mail() {
                    Ok(current) => self.page_mail_check(&current.mail),
                    Err(err) => {
                        tracing::warn!(error = %err, "mail settings could not be read");
                        pending
                    }
                })
            }
            other => other,
        }
    }
}
