//! The import's reads and writes on PostgreSQL (`ImportStore`): a batch's users, group
//! memberships, profiles and row outcomes each go in as one multi-row statement over arrays.
//! The import's own row in `roster_import` is written by `import_record.rs`.

use std::collections::HashMap;

use postgres::error::SqlState;
use postgres::{Client, Error as PgError, Statement};

use super::import_record::{self, set_status};
use super::import_rows::{INSERT_ROWS, insert_rows};
use super::import_statements::UserStatements;
use super::{end_transaction, record_audit};
use crate::db::audit::AuditEntry;
use crate::db::directory::{add_unit, add_user};
use crate::db::import_store::{BatchCounts, ImportStore};
use crate::db::imports::CreatedUser;
use crate::db::user_fingerprint::Fingerprint;
use crate::db::users::UserRecord;
use crate::domain::import_context::{DEFAULT_GROUP, ImportContext};
use crate::domain::rows::{DirectorySnapshot, NewUser, PlannedRow, RowOutcome};
use crate::domain::status::ImportStatus;

/// Imports write their batches in turn (a transaction-level advisory lock), so the users one
/// batch commits are in the directory the next batch is checked against, and ids grow in the
/// order batches commit.
const IMPORT_LOCK: i64 = 0x526f_7374_6572_4931; // "RosterI1"

/// The PostgreSQL implementation, on one connection; statements are prepared once.
pub struct PgImportStore {
    client: Client,
    sql: std::sync::Arc<UserStatements>,
    statements: HashMap<String, Statement>,
    group_id: i64,
    seen_max_user_id: i64,
    /// The fingerprints of the users the current batch wrote, by id.
    fingerprints: HashMap<i64, String>,
}

impl PgImportStore {
    pub fn new(client: Client) -> Self {
        Self {
            client,
            sql: std::sync::Arc::new(UserStatements::new(&super::users())),
            statements: HashMap::new(),
            group_id: 0,
            seen_max_user_id: 0,
            fingerprints: HashMap::new(),
        }
    }

    /// `sql` prepared on this connection (once).
    fn statement(&mut self, sql: &str) -> Result<Statement, postgres::Error> {
        if let Some(statement) = self.statements.get(sql) {
            return Ok(statement.clone());
        }
        let statement = self.client.prepare(sql)?;
        self.statements.insert(sql.to_string(), statement.clone());
        Ok(statement)
    }

    /// Adds the users with an id above the highest seen; remembers the new highest. True when
    /// there were any.
    fn add_users_after(
        &mut self,
        directory: &mut DirectorySnapshot,
    ) -> Result<bool, postgres::Error> {
        // Most often nobody else wrote: one index lookup then, not a scan (a growing table's
        // statistics lag, so the planner may not use the index for `id >`).
        if self.max_user_id()? <= self.seen_max_user_id {
            return Ok(false);
        }
        let sql = self.sql.clone();
        let statement = self.statement(&sql.users_after)?;
        for row in self.client.query(&statement, &[&self.seen_max_user_id])? {
            self.seen_max_user_id = self.seen_max_user_id.max(row.get(0));
            add_user(directory, row.get(1), row.get(2));
        }
        Ok(true)
    }

    fn max_user_id(&mut self) -> Result<i64, postgres::Error> {
        let sql = self.sql.clone();
        let statement = self.statement(&sql.max_user_id)?;
        Ok(self.client.query_one(&statement, &[])?.get(0))
    }
}

/// Whether the project's database refused a write (a constraint, or a trigger raising an error),
/// which fails a row, not the import.
fn is_refusal(err: &postgres::Error) -> bool {
    err.code()
        .is_some_and(|code| code.code().starts_with("23") || *code == SqlState::RAISE_EXCEPTION)
}

impl ImportStore for PgImportStore {
    type Error = postgres::Error;

    fn snapshot(&mut self) -> Result<DirectorySnapshot, postgres::Error> {
        let mut snapshot = DirectorySnapshot::default();
        for row in self.client.query(&self.sql.all_users, &[])? {
            add_user(&mut snapshot, row.get(0), row.get(1));
        }
        for row in self.client.query(
            "SELECT id::bigint, name FROM roster_organizational_unit",
            &[],
        )? {
            add_unit(&mut snapshot, row.get(1), row.get(0));
        }
        Ok(snapshot)
    }

    fn begin(
        &mut self,
        context: &ImportContext,
        rows_total: usize,
    ) -> Result<(DirectorySnapshot, i64), postgres::Error> {
        self.client.batch_execute("BEGIN")?;
        let begun = (|| {
            self.client
                .execute("SELECT pg_advisory_xact_lock($1)", &[&IMPORT_LOCK])?;
            let directory = self.snapshot()?;
            self.seen_max_user_id = self.max_user_id()?;
            self.client.execute(
                "INSERT INTO auth_group (name) VALUES ($1) ON CONFLICT (name) DO NOTHING",
                &[&DEFAULT_GROUP],
            )?;
            self.group_id = self
                .client
                .query_one(
                    "SELECT id::bigint FROM auth_group WHERE name = $1",
                    &[&DEFAULT_GROUP],
                )?
                .get(0);
            let import_id = import_record::create(&mut self.client, context, rows_total)?;
            Ok((directory, import_id))
        })();
        end_transaction(&mut self.client, begun)
    }

    fn catch_up(&mut self, directory: &mut DirectorySnapshot) -> Result<(), postgres::Error> {
        self.add_users_after(directory).map(drop)
    }

    fn write_batch<T>(
        &mut self,
        write: impl FnOnce(&mut Self) -> Result<T, postgres::Error>,
    ) -> Result<T, postgres::Error> {
        self.client.batch_execute("BEGIN")?;
        self.fingerprints.clear();
        let written = self
            .client
            .execute("SELECT pg_advisory_xact_lock($1)", &[&IMPORT_LOCK])
            .and_then(|_| write(self))
            .and_then(|value| {
                // Our own new users are claimed by the planner already; skip them next time.
                self.seen_max_user_id = self.max_user_id()?;
                Ok(value)
            });
        end_transaction(&mut self.client, written)
    }

    fn recheck(
        &mut self,
        directory: &mut DirectorySnapshot,
        batch: &[PlannedRow],
    ) -> Result<bool, postgres::Error> {
        let mut grew = self.add_users_after(directory)?;
        // Users committed out of id order (by a writer other than Roster's imports) with one of
        // the batch's usernames, found through Django's unique index.
        let usernames: Vec<&str> = batch
            .iter()
            .filter_map(|row| match &row.outcome {
                RowOutcome::Create(user) => Some(user.username.as_str()),
                RowOutcome::Fail(_) => None,
            })
            .collect();
        let sql = self.sql.clone();
        let statement = self.statement(&sql.named_users)?;
        for row in self.client.query(&statement, &[&usernames])? {
            add_user(directory, row.get(0), row.get(1));
            grew = true;
        }
        Ok(grew)
    }

    fn insert_users(
        &mut self,
        users: &[(&NewUser, &str)],
        import_id: i64,
        invite: bool,
    ) -> Result<Result<Vec<i64>, String>, postgres::Error> {
        if users.is_empty() {
            return Ok(Ok(Vec::new()));
        }
        // The text columns in the insert's order (`import_statements.rs`): password, username,
        // first and last name, e-mail, then (after the unit) the job title.
        let mut texts: [Vec<&str>; 6] = Default::default();
        for &(user, hash) in users {
            let values = [
                hash,
                &user.username,
                &user.first_name,
                &user.last_name,
                &user.email,
                &user.job_title,
            ];
            for (column, value) in texts.iter_mut().zip(values) {
                column.push(value);
            }
        }
        let units: Vec<Option<i64>> = users
            .iter()
            .map(|(user, _)| user.organizational_unit_id)
            .collect();
        let invited: Vec<bool> = users
            .iter()
            .map(|(user, _)| invite && user.password.is_none())
            .collect();
        let sql = self.sql.clone();
        let statement = self.statement(&sql.insert_users)?;
        self.client.batch_execute("SAVEPOINT roster_insert")?;
        let [
            hashes,
            usernames,
            first_names,
            last_names,
            emails,
            job_titles,
        ] = &texts;
        let params: [&(dyn postgres::types::ToSql + Sync); 10] = [
            hashes,
            usernames,
            first_names,
            last_names,
            emails,
            &units,
            job_titles,
            &invited,
            &self.group_id,
            &import_id,
        ];
        let inserted = self.client.query(&statement, &params);
        match inserted {
            Ok(rows) => {
                let ids: HashMap<&str, i64> =
                    rows.iter().map(|row| (row.get(1), row.get(0))).collect();
                let Some(in_order) = usernames
                    .iter()
                    .map(|name| ids.get(*name).copied())
                    .collect::<Option<Vec<i64>>>()
                else {
                    // A project trigger renamed a user as it was stored; the profile and the
                    // invitation follow the name Roster gave, so none of the batch may stay.
                    self.client
                        .batch_execute("ROLLBACK TO roster_insert; RELEASE roster_insert")?;
                    return Ok(Err(
                        "a trigger changed the username as it was stored".to_string()
                    ));
                };
                self.client.batch_execute("RELEASE roster_insert")?;
                let group = self.group_id.to_string();
                for row in &rows {
                    // The 12 fields `user_fingerprint` digests on SQLite, as text in its order:
                    // username, names, e-mail, password, the three flags as 0/1, unit, job
                    // title, group ids, permission ids.
                    let mut digest = Fingerprint::default();
                    for i in 1..=10 {
                        digest.add(row.get::<_, &str>(i).as_bytes());
                    }
                    digest.add(group.as_bytes());
                    digest.add(b"");
                    self.fingerprints.insert(row.get(0), digest.hex());
                }
                Ok(Ok(in_order))
            }
            Err(err) if is_refusal(&err) => {
                self.client
                    .batch_execute("ROLLBACK TO roster_insert; RELEASE roster_insert")?;
                let message = err
                    .as_db_error()
                    .map_or_else(|| err.to_string(), |db| db.message().to_string());
                Ok(Err(message))
            }
            Err(err) => Err(err),
        }
    }

    /// The fingerprints `insert_users` made from what it wrote in this batch.
    fn fingerprints(&mut self, _user_ids: &[i64]) -> Result<HashMap<i64, String>, postgres::Error> {
        Ok(std::mem::take(&mut self.fingerprints))
    }

    fn insert_rows(
        &mut self,
        import_id: i64,
        rows: &[(&PlannedRow, Option<CreatedUser<'_>>)],
    ) -> Result<(), postgres::Error> {
        let statement = self.statement(INSERT_ROWS)?;
        insert_rows(&mut self.client, &statement, import_id, rows)
    }

    fn record_progress(
        &mut self,
        import_id: i64,
        (done, created, failed, passwordless): BatchCounts,
    ) -> Result<(), postgres::Error> {
        let statement = self.statement(
            "UPDATE roster_import SET rows_done = $1, created = $2, failed = $3, \
             passwordless = $4 WHERE id = $5",
        )?;
        self.client.execute(
            &statement,
            &[
                &(done as i64),
                &(created as i64),
                &(failed as i64),
                &(passwordless as i64),
                &import_id,
            ],
        )?;
        Ok(())
    }

    fn finish(&mut self, import_id: i64, audit: &AuditEntry<'_>) -> Result<(), postgres::Error> {
        self.client.batch_execute("BEGIN")?;
        let finished = set_status(&mut self.client, import_id, ImportStatus::Done)
            .and_then(|()| record_audit(&mut self.client, audit));
        end_transaction(&mut self.client, finished)
    }

    fn mark_interrupted(&mut self, import_id: i64) -> Result<(), postgres::Error> {
        set_status(&mut self.client, import_id, ImportStatus::Interrupted)
    }

    fn created_user(&mut self, import_id: i64) -> Result<(UserRecord, Option<String>), PgError> {
        super::invitations::created_user(&mut self.client, import_id)
    }

    fn record_audit(&mut self, entry: &AuditEntry<'_>) -> Result<(), PgError> {
        record_audit(&mut self.client, entry)
    }
}
