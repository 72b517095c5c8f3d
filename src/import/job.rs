//! A confirmed import, run in batches: each batch hashes its passwords on every core, then writes in
//! one short transaction, so progress can be shown, other requests keep the database, and a crash
//! leaves every user either complete or absent.

use super::job_batch::{BatchWriter, WrittenRow};
use super::parse::RawRow;
use super::plan::{DirectorySnapshot, PlannedRow, Planner, RowOutcome};
use super::{ImportContext, ImportReport, ImportSettings, ReportRow};
use crate::auth::hashers::{make_passwords, make_unusable_password, parallel_width};
use crate::db;
use crate::db::audit::AuditAction;
use crate::db::import_store::ImportStore;

/// Hashing time a batch aims at, so progress moves at least about twice a second.
const BATCH_SECONDS: f64 = 0.5;
/// Most passwords per batch (reached only with cheap hashes, e.g. low iteration counts).
const BATCH_PASSWORDS_MAX: usize = 1024;
/// Most rows per batch when few of them need hashing.
pub const BATCH_ROWS: usize = 2048;

/// Passwords for the next batch: as many as hash in about [`BATCH_SECONDS`] at the measured pace,
/// in whole rounds of `width` (one engine group on every core), at least one round.
pub fn passwords_per_batch(seconds_per_password: f64, width: usize) -> usize {
    let width = width.max(1);
    let round_seconds = seconds_per_password * width as f64;
    let rounds = if round_seconds > 0.0 {
        (BATCH_SECONDS / round_seconds).floor() as usize
    } else {
        usize::MAX
    };
    let most_rounds = (BATCH_PASSWORDS_MAX / width).max(1);
    rounds.clamp(1, most_rounds) * width
}

/// How far an import has got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub import_id: i64,
    pub done: usize,
    pub total: usize,
}

/// A started import: recorded as `running`, ready to plan and write its rows batch by batch.
pub struct ImportJob {
    context: ImportContext,
    batches: BatchPlanner,
    import_id: i64,
    rows_total: usize,
}

/// Plans and hashes the batches, on a thread of its own while the job writes the one before.
struct BatchPlanner {
    settings: ImportSettings,
    planner: Planner,
    /// Passwords the next batch hashes, sized from the pace of the last one.
    batch_passwords: usize,
}

impl ImportJob {
    /// Records the import as running; `rows_total` is the number of data rows the file has.
    pub fn begin<S: ImportStore>(
        store: &mut S,
        context: ImportContext,
        settings: ImportSettings,
        rows_total: usize,
    ) -> Result<Self, S::Error> {
        let (directory, import_id) = store.begin(&context, rows_total)?;
        let planner = Planner::new(directory, context.rules()).expecting(rows_total);
        Ok(Self {
            context,
            batches: BatchPlanner {
                settings,
                planner,
                batch_passwords: parallel_width(),
            },
            import_id,
            rows_total,
        })
    }

    /// The recorded import's id.
    pub fn import_id(&self) -> i64 {
        self.import_id
    }

    /// Plans and writes the rows batch by batch, reporting progress after each commit. A thread
    /// plans (and hashes) the next batch while this one writes the last, so at most three batches
    /// of rows (and of passwords) are held at a time: one planned, one waiting, one being written.
    ///
    /// The planner checks rows against the directory as it was when the import began and against
    /// the file's earlier rows; users other writers create meanwhile are gathered here, in
    /// `others`, and every batch written after any appeared is checked against them again under
    /// the write lock, so the import never creates a user twice.
    pub fn run<S: ImportStore>(
        self,
        store: &mut S,
        rows: impl Iterator<Item = RawRow> + Send,
        mut on_progress: impl FnMut(Progress),
    ) -> Result<ImportReport, S::Error> {
        let Self {
            context,
            mut batches,
            import_id,
            rows_total: total,
        } = self;
        let mut failures = Vec::new();
        let mut counts = Counts::default();
        on_progress(Progress {
            import_id,
            done: 0,
            total,
        });
        let mut others = DirectorySnapshot::default();
        let invite = context.invite;
        std::thread::scope(|scope| {
            // One batch waits while the next is planned: planning never runs far ahead.
            let (planned, receiver) = std::sync::mpsc::sync_channel(1);
            scope.spawn(move || {
                let mut rows = rows.peekable();
                while rows.peek().is_some() {
                    let batch = batches.next_batch(&mut rows);
                    let hashes = batches.hash_batch_and_pace(&batch);
                    if planned.send((batch, hashes)).is_err() {
                        break; // the writer stopped (an error): plan no further
                    }
                }
            });
            for (batch, hashes) in receiver {
                // Users other imports created meanwhile (read without the lock).
                store.catch_up(&mut others)?;
                store.write_batch(|store| {
                    let grew = store.recheck(&mut others, &batch)?;
                    let writer = BatchWriter {
                        directory: &others,
                        directory_grew: grew || !others.usernames.is_empty(),
                        import_id,
                        invite,
                    };
                    for WrittenRow { row, created } in writer.write(store, batch, hashes)? {
                        counts.add(&row, created.is_some());
                        if let RowOutcome::Fail(problem) = row.outcome {
                            failures.push(ReportRow {
                                line: row.line,
                                summary: row.summary,
                                code: problem.code.as_str().to_string(),
                                column: problem.column.map(str::to_string),
                                message: problem.message,
                            });
                        }
                    }
                    store.record_progress(import_id, counts.tuple())
                })?;
                on_progress(Progress {
                    import_id,
                    done: counts.done,
                    total,
                });
            }
            Ok(())
        })?;
        let (target, detail) = (
            format!("import:{import_id}"),
            audit_detail(&context, &counts),
        );
        let audit = db::audit::AuditEntry {
            actor_user_id: context.actor_user_id,
            actor: &context.actor,
            action: AuditAction::Import,
            target: &target,
            detail: &detail,
            client: "",
        };
        store.finish(import_id, &audit)?;
        Ok(ImportReport {
            import_id: Some(import_id),
            rows_total: counts.done,
            created: counts.created,
            failed: counts.failed,
            passwordless: counts.passwordless,
            failures,
        })
    }
}

impl BatchPlanner {
    /// Plans rows until the batch holds `batch_passwords` passwords to hash or `BATCH_ROWS` rows.
    fn next_batch(&mut self, rows: &mut impl Iterator<Item = RawRow>) -> Vec<PlannedRow> {
        let mut batch = Vec::new();
        let mut passwords = 0;
        while passwords < self.batch_passwords && batch.len() < BATCH_ROWS {
            let Some(raw) = rows.next() else { break };
            let row = self.planner.plan_row(&raw);
            passwords +=
                usize::from(matches!(&row.outcome, RowOutcome::Create(u) if u.password.is_some()));
            batch.push(row);
        }
        batch
    }

    /// Hashes the batch and sizes the next one from how long that took.
    fn hash_batch_and_pace(&mut self, batch: &[PlannedRow]) -> Vec<Option<String>> {
        let started = std::time::Instant::now();
        let hashes = self.hash_batch(batch);
        let hashed = batch
            .iter()
            .filter(|row| matches!(&row.outcome, RowOutcome::Create(u) if u.password.is_some()))
            .count();
        if hashed > 0 {
            let pace = started.elapsed().as_secs_f64() / hashed as f64;
            self.batch_passwords = passwords_per_batch(pace, parallel_width());
        }
        hashes
    }

    /// Hashes (or makes unusable passwords for) the batch's creatable rows, in engine groups on every core.
    fn hash_batch(&self, batch: &[PlannedRow]) -> Vec<Option<String>> {
        let passwords: Vec<&str> = batch
            .iter()
            .filter_map(|row| match &row.outcome {
                RowOutcome::Create(user) => user.password.as_ref().map(|secret| secret.expose()),
                RowOutcome::Fail(_) => None,
            })
            .collect();
        let mut hashes = make_passwords(&passwords, self.settings.pbkdf2_iterations).into_iter();
        batch
            .iter()
            .map(|row| match &row.outcome {
                RowOutcome::Create(user) => Some(match &user.password {
                    Some(_) => hashes.next().expect("one hash per password"),
                    None => make_unusable_password(),
                }),
                RowOutcome::Fail(_) => None,
            })
            .collect()
    }
}

/// The detail of the import's audit entry: what it did, and the choices it was made with.
fn audit_detail(c: &ImportContext, counts: &Counts) -> String {
    format!(
        "{} ({}): {} created, {} failed, {} without password{}{}",
        c.file_name,
        c.source.as_str(),
        counts.created,
        counts.failed,
        counts.passwordless,
        if c.allowed_without_mail {
            "; imported without working mail by choice"
        } else {
            ""
        },
        if c.allow_weak_passwords {
            "; weak passwords allowed by choice"
        } else {
            ""
        }
    )
}

#[derive(Debug, Default)]
struct Counts {
    done: usize,
    created: usize,
    failed: usize,
    passwordless: usize,
}

impl Counts {
    /// Counts one written row: created, or failed.
    fn add(&mut self, row: &PlannedRow, created: bool) {
        self.done += 1;
        if created {
            self.created += 1;
            self.passwordless += usize::from(!row.summary.has_password);
        } else {
            self.failed += 1;
        }
    }

    fn tuple(&self) -> (usize, usize, usize, usize) {
        (self.done, self.created, self.failed, self.passwordless)
    }
}

#[cfg(test)]
mod tests;
