//! Writes one planned batch of an import job inside its transaction: all the batch's users in one
//! go, a savepoint per row only when the project's database refuses one, then every row's outcome.

use super::plan::{DirectorySnapshot, NewUser, PlannedRow, RowOutcome, taken_in_directory};
use crate::db::import_store::ImportStore;
use crate::db::imports::CreatedUser;

/// What one batch writes with: the import's id and the directory as of this transaction.
pub(super) struct BatchWriter<'a> {
    pub directory: &'a DirectorySnapshot,
    /// Users were added to the directory since the batch was planned: its rows are checked again.
    pub directory_grew: bool,
    pub import_id: i64,
    /// Queue a set-password invitation for each user created without a password.
    pub invite: bool,
}

/// A batch row as written: its final outcome and the user it created, if it did.
pub(super) struct WrittenRow {
    pub row: PlannedRow,
    pub created: Option<i64>,
}

impl BatchWriter<'_> {
    /// Writes the users of the creatable rows (`hashes` holds one password field per creatable
    /// row, `None` for the others), then records every row's outcome, in file order; inside the
    /// store's batch transaction.
    pub fn write<S: ImportStore>(
        &self,
        store: &mut S,
        mut batch: Vec<PlannedRow>,
        mut hashes: Vec<Option<String>>,
    ) -> Result<Vec<WrittenRow>, S::Error> {
        // Rows whose user another import created meanwhile fail; the others are written.
        if self.directory_grew {
            for (row, hash) in batch.iter_mut().zip(hashes.iter_mut()) {
                if let (RowOutcome::Create(user), Some(_)) = (&row.outcome, &hash)
                    && let Err(problem) =
                        taken_in_directory(&user.username, &user.email, self.directory)
                {
                    row.outcome = RowOutcome::Fail(problem);
                    *hash = None;
                }
            }
        }
        let (indexes, to_write): (Vec<usize>, Vec<(&NewUser, &str)>) = batch
            .iter()
            .zip(&hashes)
            .enumerate()
            .filter_map(|(index, (row, hash))| match (&row.outcome, hash) {
                (RowOutcome::Create(user), Some(hash)) => Some((index, (user, hash.as_str()))),
                _ => None,
            })
            .unzip();
        // All the batch's users in one go: a savepoint per row costs a copy of every page each
        // user touches on SQLite, a round trip each on PostgreSQL. When the project refuses a
        // user, the batch is rolled back and written again row by row, so only that row fails.
        let written: Vec<Result<i64, String>> =
            match store.insert_users(&to_write, self.import_id, self.invite)? {
                Ok(ids) => ids.into_iter().map(Ok).collect(),
                Err(_) => to_write
                    .iter()
                    .map(|&one| {
                        let id = store.insert_users(&[one], self.import_id, self.invite)?;
                        Ok(id.map(|ids| ids[0]))
                    })
                    .collect::<Result<_, S::Error>>()?,
            };
        let mut created_by_row = vec![None; batch.len()];
        for (index, outcome) in indexes.into_iter().zip(written) {
            match outcome {
                Ok(user_id) => created_by_row[index] = Some(user_id),
                Err(refusal) => batch[index].outcome = RowOutcome::Fail(refused_row(&refusal)),
            }
        }
        let ids: Vec<i64> = created_by_row.iter().flatten().copied().collect();
        let fingerprints = store.fingerprints(&ids)?;
        let rows: Vec<(&PlannedRow, Option<CreatedUser<'_>>)> = batch
            .iter()
            .zip(&created_by_row)
            .map(|(row, created)| {
                let user = created.map(|id| CreatedUser {
                    id,
                    fingerprint: fingerprints.get(&id).map(String::as_str),
                });
                (row, user)
            })
            .collect();
        store.insert_rows(self.import_id, &rows)?;
        Ok(batch
            .into_iter()
            .zip(created_by_row)
            .map(|(row, created)| WrittenRow { row, created })
            .collect())
    }
}

/// The row error for an insert the project's own trigger or constraint refused.
fn refused_row(refusal: &str) -> crate::import::RowError {
    crate::import::RowError {
        code: crate::import::RowErrorCode::RefusedByDatabase,
        column: None,
        message: format!(
            "The database refused this user: {}. A trigger or constraint of the Django project \
             rejects it; change the row so the project accepts it, or ask its developers.",
            crate::import::visible(refusal)
        ),
    }
}

#[cfg(test)]
mod tests {
    use rusqlite::Connection;

    use crate::db::import_store::SqliteImportStore;
    use crate::db::user_fingerprint::{new_users_are_as_written, of_user};
    use crate::domain::import_context::{ImportContext, ImportSource};
    use crate::import::ImportSettings;
    use crate::import::job::ImportJob;
    use crate::import::parse::RowReader;

    const HEADER: &str =
        "first_name;last_name;email;username;organizational_unit;job_title;password";

    /// Imports `rows` through the job and returns, for every created row, the fingerprint stored
    /// with it and the user's fingerprint read from the database now.
    fn import(conn: &mut Connection, rows: &str) -> (i64, Vec<(String, Option<String>)>) {
        let text = format!("{HEADER}\n{rows}");
        let total = RowReader::new(&text, 1000).unwrap().count();
        let context =
            ImportContext::new(None, "cli:test".into(), ImportSource::Cli, "f.csv".into());
        let settings = ImportSettings {
            pbkdf2_iterations: 1000,
            ..ImportSettings::default()
        };
        let mut store = SqliteImportStore::new(conn);
        let job = ImportJob::begin(&mut store, context, settings, total).unwrap();
        let import_id = job.import_id();
        let read = RowReader::new(&text, 1000).unwrap().map(Result::unwrap);
        let report = job.run(&mut store, read, |_| {}).unwrap();
        drop(store);
        assert_eq!(report.failed, 0);
        let mut stmt = conn
            .prepare("SELECT user_id, user_fingerprint FROM roster_import_row WHERE import_id = ?1")
            .unwrap();
        let stored: Vec<(i64, String)> = stmt
            .query_map([import_id], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let pairs = stored
            .into_iter()
            .map(|(id, written)| (written, of_user(conn, id).unwrap()))
            .collect();
        (import_id, pairs)
    }

    #[test]
    fn fingerprints_made_from_the_written_values_equal_the_ones_read_back() {
        let (_dir, mut conn) = crate::db::test_db::migrated();
        crate::db::ous::add(&conn, "Équipe Paris", "2026-12-01 00:00:00").unwrap();
        assert!(new_users_are_as_written(&conn).unwrap());
        let (_, pairs) = import(
            &mut conn,
            "Ädä;Lovelace;ada@Example.COM;ada;équipe paris;Analyst;\n\
             Grace;Hopper;grace@example.com;grace;;;\n\
             Ｋen;O'Neil;ken@example.com;Ｋen;;\"Head\nof IT\";Long-enough-Pw-2026\n",
        );
        assert_eq!(pairs.len(), 3);
        for (written, now) in pairs {
            assert_eq!(Some(written), now);
        }
    }

    #[test]
    fn more_rows_than_one_insert_takes_each_get_their_user_link_profile_and_row() {
        let (_dir, mut conn) = crate::db::test_db::migrated();
        let rows: String = (0..150)
            .map(|i| format!("F{i};L{i};u{i}@example.com;u{i};;Job {i};\n"))
            .collect();
        let (import_id, pairs) = import(&mut conn, &rows);
        assert_eq!(pairs.len(), 150);
        // Made beside the inserts (a batch of 64 or more), each the one its user reads back.
        for (written, now) in &pairs {
            assert_eq!(Some(written), now.as_ref());
        }
        let count = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
        // Each row's user, with its own group link, profile (its job title) and import row.
        assert_eq!(
            count(
                "SELECT COUNT(*) FROM roster_import_row r JOIN auth_user u ON u.id = r.user_id \
                 JOIN auth_user_groups g ON g.user_id = u.id \
                 JOIN roster_user_profile p ON p.user_id = u.id \
                 WHERE r.username = u.username AND r.line = CAST(substr(u.username, 2) AS INTEGER) + 2 \
                 AND p.job_title = 'Job ' || substr(u.username, 2) AND p.import_id = r.import_id"
            ),
            150
        );
        assert_eq!(count("SELECT COUNT(*) FROM auth_user_groups"), 150);
        assert_eq!(count("SELECT COUNT(*) FROM roster_user_profile"), 150);
        let plan = crate::db::undo::undo_plan(&conn, import_id).unwrap();
        assert_eq!(
            plan.remove.len(),
            150,
            "undo removes exactly the import's users"
        );
        assert!(plan.keep.is_empty());
    }

    #[test]
    fn a_project_trigger_that_changes_new_users_makes_the_import_read_them_back() {
        let (_dir, mut conn) = crate::db::test_db::migrated();
        conn.execute_batch(
            "CREATE TRIGGER shop_upper_names AFTER INSERT ON auth_user BEGIN \
             UPDATE auth_user SET first_name = upper(NEW.first_name) WHERE id = NEW.id; END;",
        )
        .unwrap();
        assert!(!new_users_are_as_written(&conn).unwrap());
        let (import_id, pairs) = import(
            &mut conn,
            "ada;Lovelace;ada@example.com;ada;;;\ngrace;Hopper;grace@example.com;grace;;;\n",
        );
        let first: String = conn
            .query_row(
                "SELECT first_name FROM auth_user WHERE username = 'ada'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(first, "ADA", "the project's trigger ran");
        for (written, now) in pairs {
            assert_eq!(Some(written), now, "stored as the trigger left the user");
        }
        let plan = crate::db::undo::undo_plan(&conn, import_id).unwrap();
        assert_eq!(
            plan.remove.len(),
            2,
            "undo sees both users as imported: {plan:?}"
        );
    }
}
