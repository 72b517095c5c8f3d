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
