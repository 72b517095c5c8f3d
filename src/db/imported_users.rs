//! The inserts of imported users (user row, default group, profile), many users per statement.

use rusqlite::Connection;
use rusqlite::types::ValueRef;

use super::multi_row::{ROWS_PER_INSERT, bind_all, insert_chunked};
use super::user_table::UserTable;
use super::users::insert_user_parts;
use crate::domain::rows::NewUser;

/// Parameters each user takes in the users' `INSERT` (`?1`, the joined time, is shared).
const USER_PARAMETERS: usize = 5;

/// The inserts of an imported user, their SQL rendered once for the database's user model (an
/// import writes thousands of users with them).
pub struct ImportedUserInserts {
    users: std::sync::Arc<UserTable>,
    /// The users' `INSERT` for a whole chunk of [`ROWS_PER_INSERT`] users.
    full_user_sql: String,
    group_head: String,
}

impl ImportedUserInserts {
    /// The inserts for the database `conn` is open on.
    pub fn new(conn: &Connection) -> Self {
        let users = UserTable::of(conn);
        let (groups, user_column, group_column) = users.groups();
        let group_head = format!("INSERT INTO {groups} ({user_column}, {group_column}) VALUES");
        let full_user_sql = user_sql(&users, ROWS_PER_INSERT);
        Self {
            users,
            full_user_sql,
            group_head,
        }
    }

    /// Inserts an imported user: active, not staff, not superuser, in the default group, with
    /// profile. Call it inside `insert_refusable`: a refused insert is undone by its savepoint.
    #[cfg(test)]
    pub fn insert(
        &self,
        conn: &Connection,
        user: &NewUser,
        password_hash: &str,
        group_id: i64,
        import_id: i64,
        now: &str,
    ) -> rusqlite::Result<i64> {
        let inserted = self.insert_users(conn, &[(user, password_hash)], now)?;
        self.link(conn, &inserted, group_id, import_id)?;
        Ok(inserted[0].0)
    }

    /// Inserts the users' rows alone (active, not staff, not superuser; [`Self::link`] adds their
    /// group and profile), `(user, password field)` each, [`ROWS_PER_INSERT`] per statement with
    /// one joined time. Returns each new id with its user, in the given order: the ids come from
    /// `RETURNING id, username`, matched by username (unique in the table), since SQLite does not
    /// promise the order of returned rows. A user the database did not store (a project trigger's
    /// `RAISE(IGNORE)`) is reported as a refusal, so the caller's savepoint undoes the statement.
    /// Inside `insert_refusable`, as [`Self::insert`].
    pub fn insert_users<'u>(
        &self,
        conn: &Connection,
        users: &[(&'u NewUser, &str)],
        now: &str,
    ) -> rusqlite::Result<Vec<(i64, &'u NewUser)>> {
        let joined = self.users.stored_datetime(now);
        let mut inserted = Vec::with_capacity(users.len());
        for chunk in users.chunks(ROWS_PER_INSERT) {
            let mut statement = if chunk.len() == ROWS_PER_INSERT {
                conn.prepare_cached(&self.full_user_sql)?
            } else {
                conn.prepare_cached(&user_sql(&self.users, chunk.len()))?
            };
            statement.raw_bind_parameter(1, &joined)?;
            for (index, &(user, password_hash)) in chunk.iter().enumerate() {
                bind_all(
                    &mut statement,
                    2 + index * USER_PARAMETERS,
                    &[
                        &password_hash,
                        &user.username,
                        &user.last_name,
                        &user.email,
                        &user.first_name,
                    ],
                )?;
            }
            let ids = returned_ids(statement.raw_query(), chunk)?;
            inserted.extend(
                ids.into_iter()
                    .zip(chunk)
                    .map(|(id, &(user, _))| (id, user)),
            );
        }
        Ok(inserted)
    }

    /// Puts users just inserted (id and values) in the default group and gives them their
    /// profile, many users per statement. Inside `insert_refusable`, as [`Self::insert`].
    pub fn link(
        &self,
        conn: &Connection,
        users: &[(i64, &NewUser)],
        group_id: i64,
        import_id: i64,
    ) -> rusqlite::Result<()> {
        insert_chunked(conn, &self.group_head, 2, users, |stmt, first, (id, _)| {
            bind_all(stmt, first, &[id, &group_id])
        })?;
        insert_chunked(
            conn,
            "INSERT INTO roster_user_profile (user_id, organizational_unit_id, job_title, import_id) \
             VALUES",
            4,
            users,
            |stmt, first, (id, user)| {
                bind_all(
                    stmt,
                    first,
                    &[
                        id,
                        &user.organizational_unit_id,
                        &user.job_title,
                        &import_id,
                    ],
                )
            },
        )
    }
}

/// The `INSERT OR FAIL … RETURNING id, username` of `rows` users: `?1` is the joined time, user
/// `k`'s password, username, last name, e-mail and first name are `?(2 + 5k)` to `?(6 + 5k)`.
///
/// OR FAIL: a refused insert is not undone by the statement itself but by the savepoint every
/// caller holds (`insert_refusable`), so SQLite keeps no statement journal, which the search
/// index's insert trigger would otherwise make it copy every touched page into.
fn user_sql(users: &UserTable, rows: usize) -> String {
    let mut head = String::new();
    let tuples: Vec<String> = (0..rows)
        .map(|k| {
            let p = |i: usize| format!("?{}", 2 + k * USER_PARAMETERS + i);
            let (insert, values) = insert_user_parts(
                users,
                "INSERT OR FAIL",
                "0",
                [&p(0), &p(1), &p(3), "?1"],
                (&p(4), &p(2)),
            );
            head = insert;
            values
        })
        .collect();
    format!("{head} VALUES {} RETURNING id, username", tuples.join(", "))
}

/// The new ids of `chunk`'s users, in `chunk`'s order, from the rows `RETURNING id, username`
/// gave back (in whatever order).
fn returned_ids(
    mut rows: rusqlite::Rows<'_>,
    chunk: &[(&NewUser, &str)],
) -> rusqlite::Result<Vec<i64>> {
    let mut ids: Vec<Option<i64>> = vec![None; chunk.len()];
    let mut next = 0;
    while let Some(row) = rows.next()? {
        let id: i64 = row.get(0)?;
        let username = match row.get_ref(1)? {
            ValueRef::Text(text) => text,
            _ => b"",
        };
        let is_named = |user: &NewUser| user.username.as_bytes() == username;
        // In practice the rows come back in insertion order; search only when they do not.
        let index = match chunk.get(next) {
            Some((user, _)) if is_named(user) => Some(next),
            _ => chunk.iter().position(|(user, _)| is_named(user)),
        };
        if let Some(slot) = index.and_then(|index| ids.get_mut(index)) {
            *slot = Some(id);
        }
        next += 1;
    }
    ids.into_iter()
        .map(|id| id.ok_or_else(not_stored))
        .collect()
}

/// A refusal (as `insert_refusable` knows them) for a user the insert did not store.
fn not_stored() -> rusqlite::Error {
    rusqlite::Error::SqliteFailure(
        rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CONSTRAINT_TRIGGER),
        Some("a trigger skipped the user (RAISE(IGNORE)), so it was not stored".to_string()),
    )
}
