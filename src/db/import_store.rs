//! The seam between the import engine and a database: the reads and writes an import makes, as one
//! trait with an SQLite implementation (today's functions) and a PostgreSQL one (`postgres/`).

use std::collections::HashMap;

use rusqlite::Connection;

use super::audit::AuditEntry;
use super::imported_users::ImportedUserInserts;
use super::imports::CreatedUser;
use super::users::{UserRecord, insert_refusable};
use super::wal_checkpointer::WalCheckpointer;
use crate::domain::import_context::{DEFAULT_GROUP, ImportContext};
use crate::domain::rows::{DirectorySnapshot, NewUser, PlannedRow};

/// A batch's counts after it is written: (rows done, created, failed, created without password).
pub type BatchCounts = (usize, usize, usize, usize);

/// Everything an import reads and writes, per backend. An import calls, in order: `snapshot`
/// (plan and mail gate), `begin`, then per batch `catch_up`, and `write_batch` whose closure calls
/// `recheck`, `insert_users` (all at once, then one by one when refused), `fingerprints`,
/// `insert_rows` and `record_progress`; then `finish`, or `mark_interrupted` after a failure.
pub trait ImportStore {
    type Error: std::fmt::Display;

    /// Every username, e-mail and organizational unit, case-folded as Django compares them on SQLite.
    fn snapshot(&mut self) -> Result<DirectorySnapshot, Self::Error>;

    /// Records a running import and makes sure Django's default group exists, in one transaction;
    /// returns the directory as of then and the new import's id.
    fn begin(
        &mut self,
        context: &ImportContext,
        rows_total: usize,
    ) -> Result<(DirectorySnapshot, i64), Self::Error>;

    /// Adds users others created since the last look, before a batch is planned (no lock held).
    fn catch_up(&mut self, directory: &mut DirectorySnapshot) -> Result<(), Self::Error>;

    /// Runs `write` in one transaction that holds the import write lock (two imports write their
    /// batches in turn), and commits when it returns `Ok`; rolls back otherwise.
    fn write_batch<T>(
        &mut self,
        write: impl FnOnce(&mut Self) -> Result<T, Self::Error>,
    ) -> Result<T, Self::Error>;

    /// Under the lock: adds to `directory` the users now in the database that may collide with the
    /// batch's rows, so the batch never creates one twice; true when it added any (the batch's
    /// rows must then be checked again).
    fn recheck(
        &mut self,
        directory: &mut DirectorySnapshot,
        batch: &[PlannedRow],
    ) -> Result<bool, Self::Error>;

    /// Inserts the users (active, in the default group, with profile; an invitation queued for
    /// those without a password when `invite`), `hashes[i]` being `users[i]`'s password field, all
    /// or none: `Ok(Err(message))` when the project's database refused one (its trigger or
    /// constraint), with nothing of them written. Returns the new ids in order.
    fn insert_users(
        &mut self,
        users: &[(&NewUser, &str)],
        import_id: i64,
        invite: bool,
    ) -> Result<Result<Vec<i64>, String>, Self::Error>;

    /// The fingerprints (`user_fingerprint`) of the users with these ids, by id.
    fn fingerprints(&mut self, user_ids: &[i64]) -> Result<HashMap<i64, String>, Self::Error>;

    /// Records the rows' outcomes (values as given, minus the password), in order.
    fn insert_rows(
        &mut self,
        import_id: i64,
        rows: &[(&PlannedRow, Option<CreatedUser<'_>>)],
    ) -> Result<(), Self::Error>;

    /// Stores the counts after a batch.
    fn record_progress(&mut self, import_id: i64, counts: BatchCounts) -> Result<(), Self::Error>;

    /// Marks the import done and appends its audit entry, in one transaction.
    fn finish(&mut self, import_id: i64, audit: &AuditEntry<'_>) -> Result<(), Self::Error>;

    /// Marks the import interrupted (its job failed); the finished batches stay.
    fn mark_interrupted(&mut self, import_id: i64) -> Result<(), Self::Error>;

    /// The first user import `import_id` created, with its unit's name (the user `adduser` and
    /// the Add user form created); an error when it created none.
    fn created_user(&mut self, import_id: i64)
    -> Result<(UserRecord, Option<String>), Self::Error>;

    /// Appends an audit entry.
    fn record_audit(&mut self, entry: &AuditEntry<'_>) -> Result<(), Self::Error>;
}

/// The SQLite implementation: today's functions on one connection. SQLite's write lock (`BEGIN
/// IMMEDIATE`) serialises imports, and ids grow in commit order, so catching up reads only the
/// users above the highest id seen.
pub struct SqliteImportStore<'c> {
    conn: &'c mut Connection,
    inserts: Option<ImportedUserInserts>,
    group_id: i64,
    seen_max_user_id: i64,
    /// The batch's time (Django's `date_joined`): one for all the users a batch writes.
    now: String,
    /// Whether this batch's new users are stored exactly as bound (see
    /// [`super::user_fingerprint::new_users_are_as_written`]), so their fingerprints are made from
    /// the values written; else they are read back.
    as_written: bool,
    /// The fingerprints `insert_users` made from the values this batch wrote, by id.
    fingerprints: HashMap<i64, String>,
    /// Checkpoints the WAL beside the import from `begin` on (see [`WalCheckpointer`]).
    checkpointer: Option<WalCheckpointer>,
}

impl<'c> SqliteImportStore<'c> {
    pub fn new(conn: &'c mut Connection) -> Self {
        Self {
            conn,
            inserts: None,
            group_id: 0,
            seen_max_user_id: 0,
            now: String::new(),
            as_written: false,
            fingerprints: HashMap::new(),
            checkpointer: None,
        }
    }

    /// Adds the users above the highest id seen; true when there were any.
    fn catch_up_on(&mut self, directory: &mut DirectorySnapshot) -> rusqlite::Result<bool> {
        let seen = self.seen_max_user_id;
        self.seen_max_user_id = super::directory::add_users_after(self.conn, directory, seen)?;
        Ok(self.seen_max_user_id != seen)
    }
}

impl Drop for SqliteImportStore<'_> {
    /// Waits for the last WAL checkpoint and gives the connection its own back.
    fn drop(&mut self) {
        if let Some(checkpointer) = self.checkpointer.take() {
            checkpointer.stop(self.conn);
        }
    }
}

/// Users from which `insert_users` makes their fingerprints on a thread beside the inserts.
const FINGERPRINTS_BESIDE: usize = 64;

fn max_user_id(conn: &Connection) -> rusqlite::Result<i64> {
    let users = super::user_table::UserTable::of(conn);
    conn.query_row(
        &format!("SELECT COALESCE(MAX(id), 0) FROM {}", users.table()),
        [],
        |r| r.get(0),
    )
}

impl ImportStore for SqliteImportStore<'_> {
    type Error = rusqlite::Error;

    fn snapshot(&mut self) -> rusqlite::Result<DirectorySnapshot> {
        super::directory::snapshot(self.conn)
    }

    fn begin(
        &mut self,
        context: &ImportContext,
        rows_total: usize,
    ) -> rusqlite::Result<(DirectorySnapshot, i64)> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let directory = super::directory::snapshot(&tx)?;
        let seen_max_user_id = max_user_id(&tx)?;
        let group_id = super::users::ensure_group(&tx, DEFAULT_GROUP)?;
        let import_id = super::imports::create(&tx, context, rows_total, &super::now_text())?;
        tx.commit()?;
        self.seen_max_user_id = seen_max_user_id;
        self.group_id = group_id;
        self.inserts = Some(ImportedUserInserts::new(self.conn));
        if self.checkpointer.is_none() {
            self.checkpointer = WalCheckpointer::start(self.conn);
        }
        Ok((directory, import_id))
    }

    fn catch_up(&mut self, directory: &mut DirectorySnapshot) -> rusqlite::Result<()> {
        self.catch_up_on(directory).map(drop)
    }

    fn write_batch<T>(
        &mut self,
        write: impl FnOnce(&mut Self) -> rusqlite::Result<T>,
    ) -> rusqlite::Result<T> {
        self.conn.execute_batch("BEGIN IMMEDIATE")?;
        self.now = super::now_text();
        self.fingerprints.clear();
        let written = super::user_fingerprint::new_users_are_as_written(self.conn)
            .and_then(|as_written| {
                self.as_written = as_written;
                write(self)
            })
            .and_then(|value| {
                // Our own new users are claimed by the planner already; skip them in the next catch-up.
                self.seen_max_user_id = max_user_id(self.conn)?;
                self.conn.execute_batch("COMMIT")?;
                if let Some(checkpointer) = &self.checkpointer {
                    checkpointer.committed();
                }
                Ok(value)
            });
        if written.is_err() && !self.conn.is_autocommit() {
            let _ = self.conn.execute_batch("ROLLBACK");
        }
        written
    }

    fn recheck(
        &mut self,
        directory: &mut DirectorySnapshot,
        _batch: &[PlannedRow],
    ) -> rusqlite::Result<bool> {
        self.catch_up_on(directory)
    }

    fn insert_users(
        &mut self,
        users: &[(&NewUser, &str)],
        import_id: i64,
        invite: bool,
    ) -> rusqlite::Result<Result<Vec<i64>, String>> {
        let inserts = self
            .inserts
            .as_ref()
            .expect("begin prepares the inserts before any batch");
        let (group_id, now, conn) = (self.group_id, self.now.as_str(), &*self.conn);
        let fingerprint_all = || -> Vec<String> {
            users
                .iter()
                .map(|&(user, hash)| super::user_fingerprint::of_new_user(user, hash, group_id))
                .collect()
        };
        // A whole batch's fingerprints are made on another thread while SQLite inserts it (the
        // import's writing thread is its critical path); a single user's right here.
        let (inserted, made) = std::thread::scope(|scope| {
            let beside = (self.as_written && users.len() >= FINGERPRINTS_BESIDE)
                .then(|| scope.spawn(fingerprint_all));
            let inserted = insert_refusable(conn, |tx| {
                let inserted = inserts.insert_users(tx, users, now)?;
                inserts.link(tx, &inserted, group_id, import_id)?;
                for &(user_id, user) in &inserted {
                    if invite && user.password.is_none() {
                        super::invitations::queue(tx, import_id, user_id, now)?;
                    }
                }
                Ok(inserted.into_iter().map(|(id, _)| id).collect::<Vec<i64>>())
            });
            let made = beside.map(|thread| {
                thread
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            });
            (inserted, made)
        });
        let inserted = inserted?;
        if let (Ok(ids), true) = (&inserted, self.as_written) {
            let made = made.unwrap_or_else(fingerprint_all);
            self.fingerprints.extend(ids.iter().copied().zip(made));
        }
        Ok(inserted)
    }

    /// Made from the values written when they are stored as written, else read back in one query.
    fn fingerprints(&mut self, user_ids: &[i64]) -> rusqlite::Result<HashMap<i64, String>> {
        if self.as_written {
            return Ok(std::mem::take(&mut self.fingerprints));
        }
        match (user_ids.iter().min(), user_ids.iter().max()) {
            (Some(&first), Some(&last)) => {
                super::user_fingerprint::of_users_between(self.conn, first, last)
            }
            _ => Ok(HashMap::new()),
        }
    }

    fn insert_rows(
        &mut self,
        import_id: i64,
        rows: &[(&PlannedRow, Option<CreatedUser<'_>>)],
    ) -> rusqlite::Result<()> {
        super::imports::insert_rows(self.conn, import_id, rows)
    }

    fn record_progress(&mut self, import_id: i64, counts: BatchCounts) -> rusqlite::Result<()> {
        super::imports::record_progress(self.conn, import_id, counts)
    }

    fn finish(&mut self, import_id: i64, audit: &AuditEntry<'_>) -> rusqlite::Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        super::imports::finish(&tx, import_id)?;
        super::audit::record(&tx, audit)?;
        tx.commit()
    }

    fn mark_interrupted(&mut self, import_id: i64) -> rusqlite::Result<()> {
        super::imports::mark_interrupted(self.conn, import_id)
    }

    fn created_user(&mut self, import_id: i64) -> rusqlite::Result<(UserRecord, Option<String>)> {
        let created = super::imports::created_user_ids(self.conn, import_id)?;
        let detail = match created.first() {
            Some(&id) => super::users::detail(self.conn, id)?,
            None => None,
        }
        .ok_or(rusqlite::Error::QueryReturnedNoRows)?;
        Ok((detail.user, detail.organizational_unit))
    }

    fn record_audit(&mut self, entry: &AuditEntry<'_>) -> rusqlite::Result<()> {
        super::audit::record(self.conn, entry)
    }
}
