//! Server-side login sessions: the cookie holds a random key, the table only its SHA-256.

use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};

use super::users::{UserRecord, find_by_id};
use crate::domain::random::random_string;

/// How long a session lasts (Django's default `SESSION_COOKIE_AGE`, two weeks).
pub const SESSION_AGE: chrono::Duration = chrono::Duration::weeks(2);

pub(crate) fn key_hash(key: &str) -> String {
    hex(&Sha256::digest(key.as_bytes()))
}

/// A fingerprint of the password hash: a password change ends every session made before it.
pub fn password_fingerprint(password_hash: &str) -> String {
    hex(&Sha256::digest(
        format!("roster-session:{password_hash}").as_bytes(),
    ))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Starts a session for the user and returns the cookie value.
pub fn create(conn: &Connection, user: &UserRecord) -> rusqlite::Result<String> {
    let key = random_string(48);
    let now = chrono::Utc::now();
    conn.execute(
        "INSERT INTO roster_session (key_hash, user_id, password_fingerprint, created_at, expires_at) \
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            key_hash(&key),
            user.id,
            password_fingerprint(&user.password),
            super::format_datetime(now),
            super::format_datetime(now + SESSION_AGE)
        ],
    )?;
    Ok(key)
}

/// The user behind a cookie value, if the session is live, the user active and the password unchanged.
pub fn load(conn: &Connection, key: &str) -> rusqlite::Result<Option<UserRecord>> {
    let found: Option<(i64, String)> = conn
        .query_row(
            "SELECT user_id, password_fingerprint FROM roster_session \
             WHERE key_hash = ?1 AND expires_at > ?2",
            params![key_hash(key), super::now_text()],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?;
    let Some((user_id, fingerprint)) = found else {
        return Ok(None);
    };
    let user = find_by_id(conn, user_id)?;
    Ok(user.filter(|u| u.is_active && password_fingerprint(&u.password) == fingerprint))
}

/// Ends the session with this cookie value.
pub fn delete(conn: &Connection, key: &str) -> rusqlite::Result<()> {
    conn.execute(
        "DELETE FROM roster_session WHERE key_hash = ?1",
        [key_hash(key)],
    )?;
    Ok(())
}

/// Removes expired sessions.
pub fn purge_expired(conn: &Connection) -> rusqlite::Result<usize> {
    conn.execute(
        "DELETE FROM roster_session WHERE expires_at <= ?1",
        [super::now_text()],
    )
}
