//! Loads what an import must not collide with: existing usernames, e-mails and organizational units.

use rusqlite::Connection;

use super::user_table::UserTable;
use crate::domain::fields::{ascii_casefold, unit_casefold};
use crate::domain::rows::DirectorySnapshot;

/// Reads every username, e-mail and OU name, case-folded the way Django compares them on SQLite.
pub fn snapshot(conn: &Connection) -> rusqlite::Result<DirectorySnapshot> {
    let mut snapshot = DirectorySnapshot::default();
    add_users_after(conn, &mut snapshot, 0)?;
    let mut stmt = conn.prepare("SELECT id, name FROM roster_organizational_unit")?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        let name: String = row.get(1)?;
        add_unit(&mut snapshot, &name, row.get(0)?);
    }
    Ok(snapshot)
}

/// Adds an organizational unit to a snapshot, by its case-folded name (every backend's snapshot).
pub fn add_unit(snapshot: &mut DirectorySnapshot, name: &str, id: i64) {
    snapshot
        .organizational_units
        .insert(unit_casefold(name), id);
}

/// Adds a user's username and e-mail to a snapshot, case-folded (every backend's snapshot).
pub fn add_user(snapshot: &mut DirectorySnapshot, username: &str, email: &str) {
    snapshot.usernames.insert(ascii_casefold(username));
    if !email.is_empty() {
        snapshot.emails.insert(ascii_casefold(email));
    }
}

/// Adds users with an id above `after` (created since the snapshot was taken); returns the
/// highest id seen, to pass next time.
pub fn add_users_after(
    conn: &Connection,
    snapshot: &mut DirectorySnapshot,
    after: i64,
) -> rusqlite::Result<i64> {
    let mut stmt = conn.prepare(&format!(
        "SELECT id, username, email FROM {} WHERE id > ?1",
        UserTable::of(conn).table()
    ))?;
    let mut rows = stmt.query([after])?;
    let mut highest = after;
    while let Some(row) = rows.next()? {
        highest = highest.max(row.get(0)?);
        let username: String = row.get(1)?;
        let email: String = row.get(2)?;
        add_user(snapshot, &username, &email);
    }
    Ok(highest)
}
