//! One non-interactive import, as the CLI and the API run it: mail check, policy, dry run or commit.

use rusqlite::Connection;

use super::apply::{MailCheckRecord, passwordless_policy, preview, preview_with_mail_check};
use super::job::{ImportJob, Progress};
use super::{ImportContext, ImportReport, ImportSettings, ParsedFile, PasswordlessPolicy};
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

/// Runs the import of a parsed file. `context` names the actor, source and file; its mail fields
/// are filled in here from the check and the options.
pub fn run(
    conn: &mut Connection,
    file: ParsedFile,
    mut context: ImportContext,
    options: RunOptions,
    settings: &ImportSettings,
    check_mail: impl FnOnce() -> CheckOutcome,
    on_progress: impl FnMut(Progress),
) -> rusqlite::Result<RunOutcome> {
    let (plan, check) = preview_with_mail_check(conn, &file, check_mail)?;
    let mail_failed = check.as_ref().is_some_and(|c| !c.ok());
    if options.dry_run {
        let report = if options.allow_without_mail && mail_failed {
            ImportReport::from_plan(&preview(conn, &file, &PasswordlessPolicy::Allowed)?)
        } else {
            ImportReport::from_plan(&plan)
        };
        return Ok(RunOutcome {
            report,
            mail_check: check,
            invitations_queued: false,
        });
    }
    context.passwordless = passwordless_policy(check.as_ref(), options.allow_without_mail);
    context.mail_check = check.as_ref().map(MailCheckRecord::of);
    context.allowed_without_mail = options.allow_without_mail && mail_failed;
    context.invite = options.invite && !mail_failed;
    let invite = context.invite;
    drop(plan);
    let job = ImportJob::begin(conn, &file, context, *settings)?;
    // The job holds its own plan; the parsed file (passwords included) can go now.
    drop(file);
    let report = job.run(conn, on_progress)?;
    let invitations_queued = invite && report.passwordless > 0;
    Ok(RunOutcome {
        report,
        mail_check: check,
        invitations_queued,
    })
}
