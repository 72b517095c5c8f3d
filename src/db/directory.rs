//! Loads what an import must not collide with: existing usernames, e-mails and organizational units.

use rusqlite::Connection;

use crate::import::plan::DirectorySnapshot;
use crate::import::rules::ascii_casefold;

/// Reads every username, e-mail and OU name, case-folded the way Django compares them on SQLite.
pub fn snapshot(conn: &Connection) -> rusqlite::Result<DirectorySnapshot> {
    let mut snapshot = DirectorySnapshot::default();
    let mut stmt = conn.prepare("SELECT username, email FROM auth_user")?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        let username: String = row.get(0)?;
        let email: String = row.get(1)?;
        snapshot.usernames.insert(ascii_casefold(&username));
        if !email.is_empty() {
            snapshot.emails.insert(ascii_casefold(&email));
        }
    }
    let mut stmt = conn.prepare("SELECT id, name FROM roster_organizational_unit")?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        let name: String = row.get(1)?;
        snapshot
            .organizational_units
            .insert(ascii_casefold(&name), row.get(0)?);
    }
    Ok(snapshot)
}
