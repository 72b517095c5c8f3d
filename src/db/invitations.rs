//! Set-password invitations queued by an import and the outcome of each send.

use rusqlite::{Connection, params};

use super::columns::{from_columns, query_all};
use super::user_table::UserTable;
use crate::domain::status::{InvitationStatus, StoredStatus};

/// An invitation with what is needed to send it and to show its outcome.
#[derive(Debug, Clone)]
pub struct Invitation {
    pub id: i64,
    pub user_id: i64,
    pub username: String,
    pub email: String,
    pub status: InvitationStatus,
    /// Why the last send failed.
    pub reason: Option<String>,
}
from_columns!(Invitation: id, user_id, username, email, status, reason);

/// Queues an invitation for a user created by an import.
pub fn queue(conn: &Connection, import_id: i64, user_id: i64, now: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT OR IGNORE INTO roster_invitation (import_id, user_id, status, updated_at) \
         VALUES (?1, ?2, 'pending', ?3)",
    )?
    .execute(params![import_id, user_id, now])?;
    Ok(())
}

/// Every invitation of an import, by username.
pub fn for_import(conn: &Connection, import_id: i64) -> rusqlite::Result<Vec<Invitation>> {
    let sql = format!(
        "SELECT i.id, i.user_id, u.username, u.email, i.status, i.reason FROM roster_invitation i \
         JOIN {} u ON u.id = i.user_id WHERE i.import_id = ?1 ORDER BY u.username",
        UserTable::of(conn).table()
    );
    query_all(conn, &sql, [import_id])
}

/// Records the outcome of one send.
pub fn mark(
    conn: &Connection,
    id: i64,
    status: InvitationStatus,
    reason: Option<&str>,
    now: &str,
) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE roster_invitation SET status = ?1, reason = ?2, updated_at = ?3 WHERE id = ?4",
        params![status.as_str(), reason, now, id],
    )?;
    Ok(())
}

/// Whether an invitation mail went out to this user (so their first password set by link is
/// the invitation being used).
pub fn was_invited(conn: &Connection, user_id: i64) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM roster_invitation WHERE user_id = ?1 AND status = 'sent')",
        [user_id],
        |row| row.get(0),
    )
}
