//! Rows outside Roster that point at users (a project's foreign keys to the user table), which an undo
//! must not delete or orphan.

use rusqlite::Connection;

use super::user_table::{UserTable, quoted};

/// `rows` rows of `table` point at `username` through `columns`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserReference {
    pub username: String,
    pub table: String,
    /// The referencing column(s), comma-separated.
    pub columns: String,
    pub rows: i64,
}

/// One foreign key of some table to the user table: (child column, auth_user column) pairs.
struct ForeignKey {
    table: String,
    pairs: Vec<(String, String)>,
}

/// Every row outside Roster's and Django's user-link tables that refers to one of `user_ids`,
/// counted per user, table and foreign key; found through each table's declared foreign keys.
pub fn references_to(conn: &Connection, user_ids: &[i64]) -> rusqlite::Result<Vec<UserReference>> {
    if user_ids.is_empty() {
        return Ok(Vec::new());
    }
    let ids = serde_json::to_string(user_ids).expect("integers serialize");
    let mut found = Vec::new();
    let users = UserTable::of(conn);
    for key in foreign_keys_to_users(conn, &users)? {
        let join = join_on(&key.pairs);
        let sql = format!(
            "SELECT u.username, COUNT(*) FROM {} AS t JOIN {} AS u ON {join} \
             WHERE u.id IN (SELECT value FROM json_each(?1)) GROUP BY u.id ORDER BY u.username",
            quoted(&key.table),
            users.table()
        );
        let columns = column_list(&key.pairs);
        let mut stmt = conn.prepare(&sql)?;
        let rows = stmt.query_map([&ids], |row| {
            Ok(UserReference {
                username: row.get(0)?,
                table: key.table.clone(),
                columns: columns.clone(),
                rows: row.get(1)?,
            })
        })?;
        for row in rows {
            found.push(row?);
        }
    }
    found.sort_by(|a, b| (&a.username, &a.table).cmp(&(&b.username, &b.table)));
    Ok(found)
}

/// `t.a = u.b AND …` for a foreign key's (column of `t`, user table column) pairs (every backend's).
pub fn join_on(pairs: &[(String, String)]) -> String {
    let equal = |(from, to): &(String, String)| format!("t.{} = u.{}", quoted(from), quoted(to));
    pairs.iter().map(equal).collect::<Vec<_>>().join(" AND ")
}

/// The referencing columns of a foreign key's pairs, comma-separated, as messages name them.
pub fn column_list(pairs: &[(String, String)]) -> String {
    let columns: Vec<&str> = pairs.iter().map(|(from, _)| from.as_str()).collect();
    columns.join(", ")
}

/// The foreign keys to the user table declared by tables that are neither Roster's nor removed
/// with the user (its group and permission links), read from `PRAGMA foreign_key_list`.
fn foreign_keys_to_users(
    conn: &Connection,
    users: &UserTable,
) -> rusqlite::Result<Vec<ForeignKey>> {
    let mut stmt = conn.prepare(
        "SELECT m.name, f.id, f.\"from\", COALESCE(f.\"to\", 'id') \
         FROM sqlite_master AS m JOIN pragma_foreign_key_list(m.name) AS f \
         WHERE m.type = 'table' AND lower(f.\"table\") = lower(?1) \
         AND m.name NOT LIKE 'roster\\_%' ESCAPE '\\' \
         ORDER BY m.name, f.id, f.seq",
    )?;
    let mut keys: Vec<(i64, ForeignKey)> = Vec::new();
    let rows = stmt.query_map([users.name()], |row| {
        Ok((
            row.get::<_, String>(0)?,
            row.get::<_, i64>(1)?,
            row.get::<_, String>(2)?,
            row.get::<_, String>(3)?,
        ))
    })?;
    for row in rows {
        let (table, id, from, to) = row?;
        if users.link_table_names().contains(&table.as_str()) {
            continue;
        }
        match keys.last_mut() {
            Some((last_id, key)) if *last_id == id && key.table == table => {
                key.pairs.push((from, to));
            }
            _ => keys.push((
                id,
                ForeignKey {
                    table,
                    pairs: vec![(from, to)],
                },
            )),
        }
    }
    Ok(keys.into_iter().map(|(_, key)| key).collect())
}

/// "ada: 2 rows in blog_post (author_id); bob: …", for messages and the audit log.
pub fn describe(references: &[UserReference]) -> String {
    references
        .iter()
        .map(|r| {
            let rows = if r.rows == 1 { "row" } else { "rows" };
            format!(
                "{}: {} {rows} in {} ({})",
                r.username, r.rows, r.table, r.columns
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_rows_through_any_declared_key_and_skips_the_tables_undo_clears() {
        let (_dir, conn) = crate::db::test_db::migrated();
        crate::db::test_db::add_plain_users(&conn, &[(1, "ann"), (2, "ben"), (3, "cy")]);
        conn.execute_batch(
            "INSERT INTO auth_group (id, name) VALUES (1, 'Default User'); \
             INSERT INTO auth_user_groups (user_id, group_id) VALUES (1, 1), (2, 1); \
             CREATE TABLE \"odd \"\"name\" (id INTEGER PRIMARY KEY, \
               \"by name\" TEXT REFERENCES AUTH_USER (username)); \
             INSERT INTO \"odd \"\"name\" (\"by name\") VALUES ('ben'), ('ben'), ('cy'); \
             CREATE TABLE blog_post (id INTEGER PRIMARY KEY, author_id INTEGER REFERENCES auth_user); \
             INSERT INTO blog_post (author_id) VALUES (1), (3);",
        )
        .unwrap();
        let found = references_to(&conn, &[1, 2]).unwrap();
        assert_eq!(
            describe(&found),
            "ann: 1 row in blog_post (author_id); ben: 2 rows in odd \"name (by name)"
        );
        assert!(references_to(&conn, &[]).unwrap().is_empty());
    }
}
