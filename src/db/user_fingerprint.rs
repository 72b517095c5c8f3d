//! A digest of everything an import writes about a user, so an undo can tell a user changed since (in Roster or in Django) from one left as imported.

use std::borrow::Cow;
use std::collections::HashMap;

use rusqlite::types::ValueRef;
use rusqlite::{Connection, OptionalExtension, Row};
use sha2::{Digest, Sha256};

use super::user_table::UserTable;
use crate::domain::rows::NewUser;

/// The columns a fingerprint digests, then the user's id, for the users `filter` selects (`u` is
/// the user table). Everything an admin or the project can change is in it: username, names,
/// e-mail, the password field, active, staff and superuser flags, unit, job title, groups and
/// permissions (not the last login, which undo looks at by itself).
fn select_fingerprinted(users: &UserTable, filter: &str) -> String {
    let (groups, groups_user, group) = users.groups();
    let (permissions, permissions_user, permission) = users.permissions();
    format!(
        "SELECT u.username, {}, u.email, u.password, u.is_active, \
         u.is_staff, u.is_superuser, COALESCE(p.organizational_unit_id, ''), COALESCE(p.job_title, ''), \
         COALESCE((SELECT group_concat({group}) FROM (SELECT {group} FROM {groups} \
                   WHERE {groups_user} = u.id ORDER BY {group})), ''), \
         COALESCE((SELECT group_concat({permission}) FROM (SELECT {permission} FROM \
                   {permissions} WHERE {permissions_user} = u.id ORDER BY {permission})), ''), \
         u.id FROM {} u LEFT JOIN roster_user_profile p ON p.user_id = u.id WHERE {filter}",
        users.first_last("u."),
        users.table()
    )
}

/// Digests the first 12 columns of a row of [`select_fingerprinted`].
fn digest_of(r: &Row<'_>) -> rusqlite::Result<String> {
    let mut digest = Fingerprint::default();
    for i in 0..12 {
        let text: Cow<'_, [u8]> = match r.get_ref(i)? {
            ValueRef::Null => Cow::Borrowed(b""),
            ValueRef::Integer(n) => Cow::Owned(n.to_string().into_bytes()),
            ValueRef::Real(x) => Cow::Owned(x.to_string().into_bytes()),
            ValueRef::Text(t) => Cow::Borrowed(t),
            ValueRef::Blob(b) => match String::from_utf8_lossy(b) {
                Cow::Borrowed(s) => Cow::Borrowed(s.as_bytes()),
                Cow::Owned(s) => Cow::Owned(s.into_bytes()),
            },
        };
        digest.add(&text);
    }
    Ok(digest.hex())
}

/// A fingerprint being built from a user's 12 fields as text (every backend digests the same
/// texts: integers and 0/1 flags in decimal, NULL as empty, ids joined by commas).
#[derive(Default)]
pub struct Fingerprint(Sha256);

impl Fingerprint {
    /// Adds the next field, length-prefixed, so no two different rows give the same input.
    pub fn add(&mut self, text: &[u8]) {
        self.0.update((text.len() as u64).to_le_bytes());
        self.0.update(text);
    }

    /// The digest in lower-case hex.
    pub fn hex(self) -> String {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut hex = String::with_capacity(64);
        for byte in self.0.finalize() {
            hex.push(char::from(HEX[usize::from(byte >> 4)]));
            hex.push(char::from(HEX[usize::from(byte & 0xf)]));
        }
        hex
    }
}

/// The fingerprint [`of_user`] reads for a user an import has just written (active, neither staff
/// nor superuser, in group `group_id` only, no permissions, a profile with the user's unit and job
/// title), computed from the values written instead of read back. Only valid where
/// [`new_users_are_as_written`] holds.
pub fn of_new_user(user: &NewUser, password: &str, group_id: i64) -> String {
    let mut digest = Fingerprint::default();
    let unit = user.organizational_unit_id.map(|id| id.to_string());
    let group = group_id.to_string();
    for field in [
        user.username.as_str(),
        &user.first_name,
        &user.last_name,
        &user.email,
        password,
        "1",
        "0",
        "0",
        unit.as_deref().unwrap_or(""),
        &user.job_title,
        &group,
        "",
    ] {
        digest.add(field.as_bytes());
    }
    digest.hex()
}

/// Whether a user an import inserts is stored exactly as bound, so that [`of_new_user`] equals
/// what [`of_user`] would read back: Django's two name columns, the text columns keep text as text
/// (no numeric affinity), ids are never reused (AUTOINCREMENT: no stale group or permission links
/// can belong to a new id), and no trigger can touch what an import writes (the only triggers are
/// the search index's own, exactly as Roster renders them, and the audit log's guards).
/// Anything else, such as a project's own trigger, makes the import read its users back.
pub fn new_users_are_as_written(conn: &Connection) -> rusqlite::Result<bool> {
    let users = UserTable::of(conn);
    if users.names != super::user_table::NameColumns::FirstAndLast {
        return Ok(false);
    }
    let table_sql: Option<String> = conn
        .prepare_cached("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?1")?
        .query_row([users.name()], |r| r.get(0))
        .optional()?;
    if !table_sql.is_some_and(|sql| sql.to_ascii_uppercase().contains("AUTOINCREMENT")) {
        return Ok(false);
    }
    let mut types = conn.prepare_cached(
        "SELECT name, upper(type) FROM pragma_table_info(?1) \
         WHERE name IN ('username', 'first_name', 'last_name', 'email', 'password')",
    )?;
    let columns = types
        .query_map([users.name()], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    // SQLite's affinity rules: only INTEGER, REAL and NUMERIC affinity turn text into numbers.
    let keeps_text = |declared: &str| {
        !declared.contains("INT")
            && (["CHAR", "CLOB", "TEXT", "BLOB"]
                .iter()
                .any(|t| declared.contains(t))
                || declared.is_empty())
    };
    if columns.len() != 5 || !columns.iter().all(|(_, declared)| keeps_text(declared)) {
        return Ok(false);
    }
    let mut triggers = conn.prepare_cached(
        "SELECT name, tbl_name, COALESCE(sql, '') FROM sqlite_master WHERE type = 'trigger'",
    )?;
    let mut rows = triggers.query([])?;
    while let Some(row) = rows.next()? {
        let (name, table, sql): (String, String, String) = (row.get(0)?, row.get(1)?, row.get(2)?);
        let roster_own = table == "roster_audit"
            || (table == users.name()
                && super::user_search::is_search_trigger(&users, &name, &sql));
        if !roster_own {
            return Ok(false);
        }
    }
    Ok(true)
}

/// The user's current fingerprint, or `None` when the user does not exist.
pub fn of_user(conn: &Connection, user_id: i64) -> rusqlite::Result<Option<String>> {
    let users = UserTable::of(conn);
    conn.prepare_cached(&select_fingerprinted(&users, "u.id = ?1"))?
        .query_row([user_id], digest_of)
        .optional()
}

/// The fingerprints of every user whose id lies in `first..=last`, by id, read in one query (an
/// import batch's new users).
pub fn of_users_between(
    conn: &Connection,
    first: i64,
    last: i64,
) -> rusqlite::Result<HashMap<i64, String>> {
    let users = UserTable::of(conn);
    let mut stmt = conn.prepare_cached(&select_fingerprinted(&users, "u.id BETWEEN ?1 AND ?2"))?;
    let mut rows = stmt.query([first, last])?;
    let mut fingerprints = HashMap::new();
    while let Some(row) = rows.next()? {
        fingerprints.insert(row.get(12)?, digest_of(row)?);
    }
    Ok(fingerprints)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::imported_users::ImportedUserInserts;
    use crate::db::users::ensure_group;

    /// The digest as V9 defined it, computed here independently of the query's row reader.
    fn expected(fields: &[&str]) -> String {
        let mut digest = Sha256::new();
        for field in fields {
            digest.update((field.len() as u64).to_le_bytes());
            digest.update(field.as_bytes());
        }
        digest
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    #[test]
    fn a_batch_reads_the_same_fingerprints_as_one_user_at_a_time() {
        let (_dir, conn) = crate::db::test_db::migrated();
        let group = ensure_group(&conn, "Default").unwrap();
        let inserts = ImportedUserInserts::new(&conn);
        conn.execute(
            "INSERT INTO roster_import (started_at, actor, source, file_name, rows_total, created, \
             failed, passwordless) VALUES ('2026-11-30 12:00:00', 'cli:test', 'cli', 'f.csv', 5, 0, 0, 0)",
            [],
        )
        .unwrap();
        let import_id = conn.last_insert_rowid();
        let ids: Vec<i64> = (0..5)
            .map(|i| {
                let user = NewUser {
                    username: format!("user{i}"),
                    email: format!("user{i}@example.com"),
                    first_name: format!("Ädä{i}"),
                    last_name: "Lovelace".to_string(),
                    organizational_unit_id: None,
                    job_title: if i == 2 {
                        String::new()
                    } else {
                        "Engineer".to_string()
                    },
                    password: None,
                };
                let hash = format!("!unusable{i}");
                inserts
                    .insert(&conn, &user, &hash, group, import_id, "2026-11-30 12:00:00")
                    .unwrap()
            })
            .collect();
        let batch = of_users_between(&conn, ids[1], ids[3]).unwrap();
        assert_eq!(batch.len(), 3, "only the users in the range");
        for &id in &ids[1..=3] {
            assert_eq!(batch.get(&id), of_user(&conn, id).unwrap().as_ref());
        }
        // Stored fingerprints stay comparable: the same digest as the V9 definition.
        let group_text = group.to_string();
        let first = ids[1];
        let fields = [
            "user1",
            "Ädä1",
            "Lovelace",
            "user1@example.com",
            "!unusable1",
            "1",
            "0",
            "0",
            "",
            "Engineer",
            group_text.as_str(),
            "",
        ];
        assert_eq!(batch[&first], expected(&fields));
    }
}
