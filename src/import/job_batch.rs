//! Writes one planned batch of an import job inside its transaction: all the batch's users in one
//! go, a savepoint per row only when the project's database refuses one, then every row's outcome.

use super::plan::{DirectorySnapshot, NewUser, PlannedRow, RowOutcome, taken_in_directory};
use crate::db::import_store::ImportStore;
use crate::db::imports::CreatedUser;

/// What one batch writes with: the import's id and the directory as of this transaction.
pub(super) struct BatchWriter<'a> {
    pub directory: &'a DirectorySnapshot,
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
        for (row, hash) in batch.iter_mut().zip(hashes.iter_mut()) {
            if let (RowOutcome::Create(user), Some(_)) = (&row.outcome, &hash)
                && let Err(problem) =
                    taken_in_directory(&user.username, &user.email, self.directory)
            {
                row.outcome = RowOutcome::Fail(problem);
                *hash = None;
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
