//! `roster import`: the same engine as the web page, with JSON output, error report and exit codes.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;

use super::accounts::cli_actor;
use super::exit_codes::{EXIT_FAILURE, EXIT_PARTIAL};
use super::stdout::say;
use crate::cli::ImportOptions;
use crate::config::{Config, CurrentMail};
use crate::db::Db;
use crate::db::import_store::{ImportStore, SqliteImportStore};
use crate::db::invitation_store::InvitationOutbox;
use crate::import::report::{error_report_csv, rejected_json};
use crate::import::service::{Choices, Invitations, Mailer, StreamedOutcome, import_streamed};
use crate::import::{ImportContext, ImportReport, ImportSettings, ImportSource};
use crate::mail::MailSettings;

pub(super) fn import(
    db: &Db,
    config: &Config,
    file: &Path,
    options: &ImportOptions,
) -> anyhow::Result<ExitCode> {
    let current = crate::config::current_mail::load_for_command(config, db);
    import_to(
        &mut SqliteImportStore::new(&mut db.connect()?),
        file,
        options,
        &config.import,
        &current.mail,
        Some(mailer(db, &current)),
    )
}

/// Invitations go out under the mail settings in force and are recorded in `db` (any backend).
pub(super) fn mailer<'a>(db: &'a dyn InvitationOutbox, current: &'a CurrentMail) -> Mailer<'a> {
    Mailer {
        db,
        mail: &current.mail,
        accounts: &current.accounts,
    }
}

/// `roster import` on any backend's store: `mail` decides the mail gate; invitations go out
/// through `mailer` (`None` where they cannot be sent, and `--invite` was refused before).
pub(super) fn import_to<St: ImportStore>(
    store: &mut St,
    file: &Path,
    options: &ImportOptions,
    settings: &ImportSettings,
    mail: &MailSettings,
    mailer: Option<Mailer<'_>>,
) -> anyhow::Result<ExitCode>
where
    St::Error: std::error::Error + Send + Sync + 'static,
{
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let reject = |rejection: &crate::import::FileError| -> anyhow::Result<ExitCode> {
        if options.json {
            say!(
                "{}",
                serde_json::to_string_pretty(&rejected_json(rejection))?
            )?;
        } else {
            eprintln!(
                "{}: rejected, nothing imported.\n{}",
                file.display(),
                rejection.message
            );
        }
        Ok(ExitCode::from(EXIT_FAILURE))
    };
    let context = ImportContext::new(
        None,
        cli_actor(),
        ImportSource::Cli,
        file.file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
    );
    let choices = Choices {
        allow_without_mail: options.allow_without_mail,
        invite: options.invite,
        allow_weak_passwords: options.allow_weak_passwords,
    };
    let bar = progress_bar(options.json);
    let outcome = import_streamed(
        store,
        bytes,
        context,
        choices,
        options.dry_run,
        settings,
        || crate::mail::check(mail),
        |p| {
            if let Some(bar) = &bar {
                bar.set_length(p.total as u64);
                bar.set_position(p.done as u64);
            }
        },
        mailer,
    )?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let (report, gate, invitations, notices) = match outcome {
        StreamedOutcome::Rejected(rejection) => return reject(&rejection),
        StreamedOutcome::Processed {
            report,
            gate,
            invitations,
            notices,
        } => (report, gate, invitations, notices),
    };
    if let Some(check) = &gate.check
        && !options.json
    {
        eprintln!("Mail server check ({}): {}", check.server, check.message);
        if gate.mail_failed() && !options.allow_without_mail {
            eprintln!(
                "Rows without a password are skipped (mail_server_unavailable); use --allow-without-mail to import them anyway."
            );
        }
    }
    // The rows are written by now: a report that cannot be written must not read as a failed import.
    let finished = |what_failed: &str| {
        let run = if options.dry_run {
            "The dry run"
        } else {
            "The import"
        };
        format!(
            "{run} finished ({} rows, {} failed) but {what_failed} could not be written",
            report.rows_total, report.failed
        )
    };
    if let Some(path) = &options.error_report {
        write_error_report(path, &report.failures).with_context(|| finished("its error report"))?;
    }
    print_outcome(
        file,
        options,
        &report,
        notices,
        &invitations,
        gate.mail_failed(),
    )
    .with_context(|| finished("its report"))?;
    if let Invitations::Unsent(err) = invitations {
        return Err(err);
    }
    Ok(if report.failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_PARTIAL)
    })
}

/// The import's report on standard output: JSON, or the summary and the invitations' line.
fn print_outcome(
    file: &Path,
    options: &ImportOptions,
    report: &ImportReport,
    notices: Vec<String>,
    invitations: &Invitations,
    mail_failed: bool,
) -> anyhow::Result<()> {
    if options.json {
        let mut json = report.to_json();
        json.notices = notices;
        return say!("{}", serde_json::to_string_pretty(&json)?);
    }
    notices.iter().for_each(|notice| eprintln!("{notice}"));
    print_summary(
        file,
        report,
        options.dry_run,
        options.error_report.as_deref(),
    )
    .context("cannot write to standard output")?;
    match invitations {
        Invitations::Sent { sent, failed } => {
            say!("Set-password invitations: {sent} sent, {failed} failed.")?;
        }
        Invitations::NotQueued if options.invite && !options.dry_run && mail_failed => {
            eprintln!("No invitations sent: the mail server check failed.");
        }
        _ => {}
    }
    Ok(())
}

fn print_summary(
    file: &Path,
    report: &ImportReport,
    dry_run: bool,
    error_report: Option<&Path>,
) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    let verb = if dry_run {
        "would be created"
    } else {
        "created"
    };
    writeln!(
        out,
        "{}: {} rows, {} {verb}, {} failed; {} {} no password.",
        file.display(),
        report.rows_total,
        report.created,
        report.failed,
        report.passwordless,
        if dry_run { "would have" } else { "have" },
    )?;
    for row in &report.failures {
        writeln!(
            out,
            "  {} ({}): {}: {}",
            row.location(),
            display_or_dash(&row.summary.person.username),
            row.code,
            row.message
        )?;
    }
    if report.passwordless > 0 {
        writeln!(
            out,
            "Users without a password cannot log in until they use Forgot Password or an admin sets one."
        )?;
    }
    if let Some(path) = error_report {
        writeln!(out, "Error report written to {}.", path.display())?;
    }
    Ok(())
}

/// The failed rows as `.xlsx` (Text-typed columns) when the path ends in `.xlsx`, else as CSV.
fn write_error_report(path: &Path, failures: &[crate::import::ReportRow]) -> anyhow::Result<()> {
    let bytes = if is_xlsx(path) {
        crate::import::workbook::error_report_xlsx(failures)?
    } else {
        error_report_csv(failures)
    };
    std::fs::write(path, bytes)
        .with_context(|| format!("cannot write the error report to {}", path.display()))
}

/// Whether a path names an `.xlsx` file (any letter case).
pub(super) fn is_xlsx(path: &Path) -> bool {
    path.extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("xlsx"))
}

fn display_or_dash(value: &str) -> &str {
    if value.is_empty() { "-" } else { value }
}

/// A progress bar on stderr when it is a terminal and the output is not JSON; `None` otherwise.
fn progress_bar(json: bool) -> Option<indicatif::ProgressBar> {
    if json || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(0);
    let style =
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} rows  {per_sec}  {eta} left")
            .ok()?;
    bar.set_style(style);
    Some(bar)
}
