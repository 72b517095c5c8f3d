//! A freshly migrated database in its own temporary directory, for the `db` unit tests.

use rusqlite::Connection;

/// The directory (the database lives while it does) and a connection to the migrated database.
pub(crate) fn migrated() -> (tempfile::TempDir, Connection) {
    let dir = tempfile::tempdir().unwrap();
    let db = super::Db::new(dir.path().join("roster.sqlite3"));
    db.migrate().unwrap();
    let conn = db.connect().unwrap();
    (dir, conn)
}

/// Adds active users with these ids and usernames and nothing else: no password, no names, no
/// e-mail, not staff, joined 2026-01-01.
pub(crate) fn add_plain_users(conn: &Connection, users: &[(i64, &str)]) {
    for (id, username) in users {
        conn.execute(
            "INSERT INTO auth_user (id, password, is_superuser, username, last_name, email, is_staff, \
             is_active, date_joined, first_name) VALUES (?1, '!', 0, ?2, '', '', 0, 1, '2026-01-01 00:00:00', '')",
            rusqlite::params![id, username],
        )
        .unwrap();
    }
}

/// Rebuilds `auth_user` the way Django's SQLite schema editor alters a table: foreign keys off, a
/// new table, copy, drop, SQLite's checked rename, foreign keys on again. Panics if SQLite refuses.
pub(crate) fn rebuild_user_table_like_django(conn: &Connection) {
    let ddl: String = conn
        .query_row(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'auth_user'",
            [],
            |row| row.get(0),
        )
        .unwrap();
    conn.execute_batch(&format!(
        "PRAGMA foreign_keys = OFF; PRAGMA legacy_alter_table = OFF; BEGIN; {}; \
         INSERT INTO new__auth_user SELECT * FROM auth_user; DROP TABLE auth_user; \
         ALTER TABLE new__auth_user RENAME TO auth_user; COMMIT; PRAGMA foreign_keys = ON;",
        ddl.replacen("\"auth_user\"", "\"new__auth_user\"", 1)
    ))
    .expect("Django's rebuild of the user table");
}
