//! One non-interactive import, as the CLI and the API run it: two streaming passes over the text
//! (plan and count, then write in batches), with the mail check and policy in between.

use rusqlite::Connection;

use super::apply::{MailCheckRecord, passwordless_policy};
use super::job::{ImportJob, Progress};
use super::parse::{RowReader, no_rows};
use super::plan::{DirectorySnapshot, PlanTally, Planner};
use super::{FileError, ImportContext, ImportReport, ImportSettings, PasswordlessPolicy};
use crate::db;
use crate::mail::CheckOutcome;

/// The caller's choices.
#[derive(Debug, Clone, Copy, Default)]
pub struct RunOptions {
    /// Validate and report only.
    pub dry_run: bool,
    /// Import rows without a password even when the mail check fails.
    pub allow_without_mail: bool,
    /// Queue set-password invitations (only when mail works).
    pub invite: bool,
}

/// What happened.
#[derive(Debug)]
pub struct RunOutcome {
    pub report: ImportReport,
    /// The mail check, run when the file has rows without a password.
    pub mail_check: Option<CheckOutcome>,
    /// Invitations were queued and should now be sent (after the commit).
    pub invitations_queued: bool,
}

/// Imports decoded CSV text. A file-level rejection is `Ok(Err(..))`: nothing was written.
/// `context` names the actor, source and file; its mail fields are filled in here.
pub fn run(
    conn: &mut Connection,
    text: &str,
    mut context: ImportContext,
    options: RunOptions,
    settings: &ImportSettings,
    check_mail: impl FnOnce() -> CheckOutcome,
    on_progress: impl FnMut(Progress),
) -> rusqlite::Result<Result<RunOutcome, FileError>> {
    let directory = db::directory::snapshot(conn)?;
    let first = match tally(
        text,
        settings.max_rows,
        &directory,
        &PasswordlessPolicy::Allowed,
    ) {
        Ok(first) => first,
        Err(rejection) => return Ok(Err(rejection)),
    };
    let check = (first.passwordless > 0).then(check_mail);
    let mail_failed = check.as_ref().is_some_and(|c| !c.ok());
    let policy = passwordless_policy(check.as_ref(), options.allow_without_mail);
    if options.dry_run {
        let counted = if policy == PasswordlessPolicy::Allowed {
            first
        } else {
            match tally(text, settings.max_rows, &directory, &policy) {
                Ok(counted) => counted,
                Err(rejection) => return Ok(Err(rejection)),
            }
        };
        let report = ImportReport::from_tally(counted);
        return Ok(Ok(RunOutcome {
            report,
            mail_check: check,
            invitations_queued: false,
        }));
    }
    drop(directory);
    context.passwordless = policy;
    context.mail_check = check.as_ref().map(MailCheckRecord::of);
    context.allowed_without_mail = options.allow_without_mail && mail_failed;
    context.invite = options.invite && !mail_failed;
    let invite = context.invite;
    let job = ImportJob::begin(conn, context, *settings, first.rows_total)?;
    let rows = match RowReader::new(text, settings.max_rows) {
        Ok(rows) => rows,
        Err(rejection) => return Ok(Err(rejection)),
    };
    // The first pass accepted every row, so the second reads the same rows without error.
    let report = job.run(conn, rows.map_while(Result::ok), on_progress)?;
    let invitations_queued = invite && report.passwordless > 0;
    Ok(Ok(RunOutcome {
        report,
        mail_check: check,
        invitations_queued,
    }))
}

/// Plans every row of the text, keeping only counts and failed rows.
pub fn tally(
    text: &str,
    max_rows: usize,
    directory: &DirectorySnapshot,
    policy: &PasswordlessPolicy,
) -> Result<PlanTally, FileError> {
    let mut planner = Planner::new(directory.clone(), policy.clone());
    let mut tally = PlanTally::default();
    for row in RowReader::new(text, max_rows)? {
        tally.add(planner.plan_row(&row?));
    }
    if tally.rows_total == 0 {
        return Err(no_rows());
    }
    Ok(tally)
}
