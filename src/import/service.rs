//! The one import service every caller uses (web, CLI, API, the fuzz property): `prepare` reads,
//! plans and decides the mail gate; `commit` writes in batches with progress, then sends invitations.

use rusqlite::Connection;

pub use super::gate::{Choices, MailGate};
use super::job::{ImportJob, Progress};
use super::parse::{ParsedFile, RowReader, no_rows};
use super::plan::{DirectorySnapshot, PasswordlessPolicy, Plan, PlanRules, PlanTally, Planner};
use super::{FileError, ImportContext, ImportReport, ImportSettings, RawRow};
use crate::db;
use crate::db::import_store::{ImportStore, SqliteImportStore};
use crate::db::invitation_store::InvitationOutbox;
use crate::domain::accounts::AccountSettings;
use crate::mail::{CheckOutcome, MailSettings};

/// What an import reads its rows from.
pub trait Source: Sized {
    /// What planning yields: every row (for a preview) or counts and failures (for a stream).
    type Planned;
    /// Plans every row against the directory.
    fn plan(&mut self, planner: Planner) -> Result<Self::Planned, FileError>;
    /// Users the plan creates without a password.
    fn passwordless(planned: &Self::Planned) -> usize;
    /// The report of a plan, as a dry run gives it.
    fn report(planned: Self::Planned) -> ImportReport;
    /// Data rows in the file.
    fn rows_total(&self) -> usize;
    /// What the reader noticed about the file (e.g. which delimiter it read), for the report.
    fn notices(&self) -> Vec<String>;
    /// The rows, in file order, for the commit; each leaves memory once written.
    fn drain(&mut self) -> impl Iterator<Item = RawRow> + Send + '_;
}

/// A source read from uploaded bytes (a file); a whole-file problem rejects them.
pub trait FileSource: Source {
    fn read(bytes: Vec<u8>, max_rows: usize) -> Result<Self, FileError>;
}

/// The whole file parsed into memory, so the web can show and keep a full preview.
impl FileSource for ParsedFile {
    fn read(bytes: Vec<u8>, max_rows: usize) -> Result<Self, FileError> {
        super::parse(&bytes, max_rows)
    }
}

impl Source for ParsedFile {
    type Planned = Plan;
    fn plan(&mut self, planner: Planner) -> Result<Plan, FileError> {
        Ok(planner.plan_file(self))
    }
    fn passwordless(planned: &Plan) -> usize {
        planned.passwordless()
    }
    fn report(planned: Plan) -> ImportReport {
        ImportReport::from_plan(&planned)
    }
    fn rows_total(&self) -> usize {
        self.rows.len()
    }
    fn notices(&self) -> Vec<String> {
        self.notices.clone()
    }
    fn drain(&mut self) -> impl Iterator<Item = RawRow> + Send + '_ {
        self.rows.drain(..)
    }
}

/// Decoded text read in streaming passes (plan and count, then write), as the CLI and the API import.
#[derive(Debug)]
pub struct Streamed {
    text: String,
    max_rows: usize,
    rows_total: usize,
    /// Plan every row (a dry run's report), or, before a commit that plans each row again as it
    /// writes, only as far as the mail gate needs (see [`tally`]).
    plan_every_row: bool,
}

impl FileSource for Streamed {
    fn read(bytes: Vec<u8>, max_rows: usize) -> Result<Self, FileError> {
        Ok(Self {
            text: super::decode::decode(&bytes)?,
            max_rows,
            rows_total: 0,
            plan_every_row: true,
        })
    }
}

impl Source for Streamed {
    type Planned = PlanTally;
    fn plan(&mut self, planner: Planner) -> Result<PlanTally, FileError> {
        let counted = tally(&self.text, self.max_rows, planner, self.plan_every_row)?;
        self.rows_total = counted.rows_total;
        Ok(counted)
    }
    fn passwordless(planned: &PlanTally) -> usize {
        planned.passwordless
    }
    fn report(planned: PlanTally) -> ImportReport {
        ImportReport::from_tally(planned)
    }
    fn rows_total(&self) -> usize {
        self.rows_total
    }
    fn notices(&self) -> Vec<String> {
        super::parse::notices(&self.text)
    }
    fn drain(&mut self) -> impl Iterator<Item = RawRow> + Send + '_ {
        // `plan` read every row without error, so this pass reads the same rows.
        RowReader::new(&self.text, self.max_rows)
            .into_iter()
            .flatten()
            .map_while(Result::ok)
    }
}

/// Plans every row of the text, keeping only counts and failed rows. Reads every row (a file
/// problem rejects the whole file) but, unless `every_row`, plans only until the mail gate is
/// settled: under the first rules (passwordless allowed) until the first user created without a
/// password, and not at all under the gate's rules. Such a tally is exact in `rows_total` and in
/// whether `passwordless` is zero, and is fit only to decide a commit, which plans every row again.
pub fn tally(
    text: &str,
    max_rows: usize,
    mut planner: Planner,
    every_row: bool,
) -> Result<PlanTally, FileError> {
    let mut tally = PlanTally::default();
    let mut settled = !every_row && *planner.passwordless_policy() != PasswordlessPolicy::Allowed;
    let mut reader = RowReader::new(text, max_rows)?;
    while !settled && let Some(row) = reader.next() {
        tally.add(planner.plan_row(&row?));
        settled = !every_row && tally.passwordless > 0;
    }
    // Settled: the rest is only counted, and read only as far as a file problem goes.
    while let Some(row) = reader.skip_row() {
        row?;
        tally.rows_total += 1;
    }
    if tally.rows_total == 0 {
        return Err(no_rows());
    }
    Ok(tally)
}

/// A file ready to commit, or why it is refused as a whole.
#[derive(Debug)]
pub enum Prepared<S: Source> {
    Rejected(FileError),
    Ready {
        source: S,
        /// The plan under the gate's policy: what a commit now would do.
        planned: S::Planned,
        gate: MailGate,
    },
}

/// Reads and plans `bytes` against the database as it is now, running `check_mail` only when the
/// file creates users without a password, and replanning when the gate holds those rows back.
pub fn prepare<S: FileSource>(
    conn: &Connection,
    bytes: Vec<u8>,
    max_rows: usize,
    choices: Choices,
    check_mail: impl FnOnce() -> CheckOutcome,
) -> rusqlite::Result<Prepared<S>> {
    match S::read(bytes, max_rows) {
        Ok(source) => prepare_source(conn, source, choices, check_mail),
        Err(rejection) => Ok(Prepared::Rejected(rejection)),
    }
}

/// [`prepare`] for a source already read (e.g. the one row of the Add user form).
pub fn prepare_source<S: Source>(
    conn: &Connection,
    source: S,
    choices: Choices,
    check_mail: impl FnOnce() -> CheckOutcome,
) -> rusqlite::Result<Prepared<S>> {
    let directory = db::directory::snapshot(conn)?;
    Ok(prepare_against(directory, source, choices, check_mail))
}

/// Plans `source` against `directory` (the database as it is now) and decides the mail gate.
pub fn prepare_against<S: Source>(
    directory: DirectorySnapshot,
    mut source: S,
    choices: Choices,
    check_mail: impl FnOnce() -> CheckOutcome,
) -> Prepared<S> {
    let first_rules = PlanRules {
        passwordless: PasswordlessPolicy::Allowed,
        allow_weak_passwords: choices.allow_weak_passwords,
    };
    let planned = match source.plan(Planner::new(directory.clone(), first_rules)) {
        Ok(planned) => planned,
        Err(rejection) => return Prepared::Rejected(rejection),
    };
    let check = (S::passwordless(&planned) > 0).then(check_mail);
    let gate = MailGate::decide(check, choices);
    let planned = if gate.policy == PasswordlessPolicy::Allowed {
        planned
    } else {
        match source.plan(Planner::new(directory, gate.rules())) {
            Ok(planned) => planned,
            Err(rejection) => return Prepared::Rejected(rejection),
        }
    };
    Prepared::Ready {
        source,
        planned,
        gate,
    }
}

/// Where invitations are sent from once an import has committed.
#[derive(Clone, Copy)]
pub struct Mailer<'a> {
    /// The database the import writes to, which records each invitation's outcome.
    pub db: &'a dyn InvitationOutbox,
    pub mail: &'a MailSettings,
    pub accounts: &'a AccountSettings,
}

/// What became of the invitations an import queued.
#[derive(Debug)]
pub enum Invitations {
    /// None were queued (no invitations asked for, mail failed, or no user without a password).
    NotQueued,
    Sent {
        sent: usize,
        failed: usize,
    },
    /// Sending could not start; the error is logged and the invitations stay pending.
    Unsent(anyhow::Error),
}

/// A committed import.
#[derive(Debug)]
pub struct Committed {
    /// The import it was recorded as.
    pub import_id: i64,
    pub report: ImportReport,
    pub invitations: Invitations,
}

/// Writes every creatable row in batches under the gate's policy, reporting progress after each
/// batch (the first report, before any row, carries the new import's id), then sends the queued
/// invitations through `mailer` (`None` only where invitations are never asked for, as in the
/// engine's own tests). A failure part-way marks the import interrupted; finished batches stay.
pub fn commit<S: Source>(
    conn: &mut Connection,
    source: S,
    context: ImportContext,
    gate: &MailGate,
    settings: &ImportSettings,
    on_progress: impl FnMut(Progress),
    mailer: Option<Mailer<'_>>,
) -> rusqlite::Result<Committed> {
    let mut store = SqliteImportStore::new(conn);
    commit_to(
        &mut store,
        source,
        context,
        gate,
        settings,
        on_progress,
        mailer,
    )
}

/// [`commit`] on any backend's [`ImportStore`].
pub fn commit_to<S: Source, St: ImportStore>(
    store: &mut St,
    mut source: S,
    mut context: ImportContext,
    gate: &MailGate,
    settings: &ImportSettings,
    on_progress: impl FnMut(Progress),
    mailer: Option<Mailer<'_>>,
) -> Result<Committed, St::Error> {
    gate.apply_to(&mut context);
    let job = ImportJob::begin(store, context, *settings, source.rows_total())?;
    let id = job.import_id();
    let report = match job.run(store, source.drain(), on_progress) {
        Ok(report) => report,
        Err(err) => {
            tracing::error!(import_id = id, error = %err, "import failed; finished batches are kept");
            if let Err(err) = store.mark_interrupted(id) {
                tracing::error!(import_id = id, error = %err, "could not mark the import interrupted");
            }
            return Err(err);
        }
    };
    tracing::info!(
        import_id = id,
        created = report.created,
        failed = report.failed,
        "import finished"
    );
    let invitations = match mailer.filter(|_| gate.invite && report.passwordless > 0) {
        None => Invitations::NotQueued,
        Some(mailer) => match mailer.db.invitation_store().and_then(|mut store| {
            crate::auth::reset::send_invitations_with(
                &mut *store,
                mailer.mail,
                mailer.accounts,
                id,
                false,
            )
        }) {
            Ok((sent, failed)) => Invitations::Sent { sent, failed },
            Err(err) => {
                tracing::error!(import_id = id, error = ?err, "sending invitations failed");
                Invitations::Unsent(err)
            }
        },
    };
    Ok(Committed {
        import_id: id,
        report,
        invitations,
    })
}

/// What a streamed import (CLI, API) came to.
#[derive(Debug)]
pub enum StreamedOutcome {
    Rejected(FileError),
    /// The file was processed: committed, or only planned on a dry run.
    Processed {
        report: ImportReport,
        gate: MailGate,
        invitations: Invitations,
        /// What the reader noticed about the file (e.g. a comma delimiter).
        notices: Vec<String>,
    },
}

/// `prepare`, then `commit` unless `dry_run`: the CLI's and the API's whole import, on any
/// backend's [`ImportStore`] (on SQLite: `&mut SqliteImportStore::new(&mut conn)`).
#[allow(clippy::too_many_arguments)]
pub fn import_streamed<St: ImportStore>(
    store: &mut St,
    bytes: Vec<u8>,
    context: ImportContext,
    choices: Choices,
    dry_run: bool,
    settings: &ImportSettings,
    check_mail: impl FnOnce() -> CheckOutcome,
    on_progress: impl FnMut(Progress),
    mailer: Option<Mailer<'_>>,
) -> Result<StreamedOutcome, St::Error> {
    let source = match Streamed::read(bytes, settings.max_rows) {
        Ok(source) => Streamed {
            plan_every_row: dry_run,
            ..source
        },
        Err(rejection) => return Ok(StreamedOutcome::Rejected(rejection)),
    };
    let prepared = prepare_against(store.snapshot()?, source, choices, check_mail);
    let (source, planned, gate) = match prepared {
        Prepared::Rejected(rejection) => return Ok(StreamedOutcome::Rejected(rejection)),
        Prepared::Ready {
            source,
            planned,
            gate,
        } => (source, planned, gate),
    };
    let notices = source.notices();
    if dry_run {
        return Ok(StreamedOutcome::Processed {
            report: Streamed::report(planned),
            gate,
            invitations: Invitations::NotQueued,
            notices,
        });
    }
    drop(planned);
    let committed = commit_to(store, source, context, &gate, settings, on_progress, mailer)?;
    Ok(StreamedOutcome::Processed {
        report: committed.report,
        gate,
        invitations: committed.invitations,
        notices,
    })
}
