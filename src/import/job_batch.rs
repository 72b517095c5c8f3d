//! Writes one planned batch of an import job inside its transaction: all the batch's users in one
//! go, a savepoint per row only when the project's database refuses one, then every row's outcome.

use rusqlite::Connection;

use super::plan::{DirectorySnapshot, NewUser, PlannedRow, RowOutcome, taken_in_directory};
use crate::db;
use crate::db::imports::CreatedUser;
use crate::db::users::{ImportedUserInserts, insert_refusable};

/// What one batch writes with: the import's ids and the directory as of this transaction.
pub(super) struct BatchWriter<'a> {
    pub inserts: &'a ImportedUserInserts,
    pub directory: &'a DirectorySnapshot,
    pub group_id: i64,
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
    /// row, `None` for the others), then records every row's outcome, in file order.
    pub fn write(
        &self,
        tx: &Connection,
        mut batch: Vec<PlannedRow>,
        mut hashes: Vec<Option<String>>,
    ) -> rusqlite::Result<Vec<WrittenRow>> {
        // Rows whose user another import created meanwhile fail; the others are written.
        for (row, hash) in batch.iter_mut().zip(hashes.iter_mut()) {
            if let (RowOutcome::Create(user), Some(_)) = (&row.outcome, &hash)
                && let Err(problem) =
                    taken_in_directory(&user.username, &user.email, self.directory)
            {
                row.outcome = RowOutcome::Fail(problem);
                *hash = None;
            }
        }
        let to_write: Vec<(usize, &NewUser, &str)> = batch
            .iter()
            .zip(&hashes)
            .enumerate()
            .filter_map(|(index, (row, hash))| match (&row.outcome, hash) {
                (RowOutcome::Create(user), Some(hash)) => Some((index, user, hash.as_str())),
                _ => None,
            })
            .collect();
        // One time for the batch's users (Django's `date_joined`): the batch is written in one go.
        let now = db::now_text();
        // One savepoint for the whole batch: a savepoint per row costs a copy of every page each
        // user touches. When the project refuses a user, the batch is rolled back and written
        // again row by row, so only that row fails.
        let all_at_once = insert_refusable(tx, |tx| {
            to_write
                .iter()
                .map(|&(_, user, hash)| self.insert_user(tx, user, hash, &now))
                .collect::<rusqlite::Result<Vec<i64>>>()
        })?;
        let written: Vec<(usize, Result<i64, String>)> = match all_at_once {
            Ok(ids) => to_write
                .iter()
                .map(|w| w.0)
                .zip(ids.into_iter().map(Ok))
                .collect(),
            Err(_) => to_write
                .iter()
                .map(|&(index, user, hash)| {
                    Ok((
                        index,
                        insert_refusable(tx, |tx| self.insert_user(tx, user, hash, &now))?,
                    ))
                })
                .collect::<rusqlite::Result<_>>()?,
        };
        let mut created_by_row = vec![None; batch.len()];
        for (index, outcome) in written {
            match outcome {
                Ok(user_id) => created_by_row[index] = Some(user_id),
                Err(refusal) => batch[index].outcome = RowOutcome::Fail(refused_row(&refusal)),
            }
        }
        let ids = created_by_row.iter().flatten();
        let fingerprints = match (ids.clone().min(), ids.max()) {
            (Some(&first), Some(&last)) => db::user_fingerprint::of_users_between(tx, first, last)?,
            _ => Default::default(),
        };
        batch
            .into_iter()
            .zip(created_by_row)
            .map(|(row, created)| {
                let user = created.map(|id| CreatedUser {
                    id,
                    fingerprint: fingerprints.get(&id).map(String::as_str),
                });
                db::imports::insert_row(tx, self.import_id, &row, user)?;
                Ok(WrittenRow { row, created })
            })
            .collect()
    }

    /// Inserts one user (with group and profile) and queues its invitation.
    fn insert_user(
        &self,
        tx: &Connection,
        user: &NewUser,
        hash: &str,
        now: &str,
    ) -> rusqlite::Result<i64> {
        let user_id = self
            .inserts
            .insert(tx, user, hash, self.group_id, self.import_id, now)?;
        if self.invite && user.password.is_none() {
            db::invitations::queue(tx, self.import_id, user_id, now)?;
        }
        Ok(user_id)
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
