//! Bearer tokens for the import API: shown once when created, stored only as a SHA-256.

use rusqlite::{Connection, ErrorCode, OptionalExtension, params};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::columns::{from_columns, query_all};

use crate::domain::random::random_string;

/// Every token starts with this, so a leaked one is easy to recognise (and to grep for).
pub const PREFIX: &str = "rst_";
/// Random characters after the prefix.
const RANDOM_LEN: usize = 40;
/// Longest token name (the table's CHECK).
pub const NAME_MAX: usize = 100;

/// Why a token could not be created.
#[derive(Debug, thiserror::Error)]
pub enum CreateTokenError {
    #[error("the name is empty")]
    Empty,
    #[error("the name is longer than {NAME_MAX} characters")]
    TooLong,
    #[error("the name may hold only letters, digits, spaces and - _ . @")]
    Invalid,
    #[error("a token named \"{0}\" already exists (revoked tokens keep their name)")]
    Exists(String),
    #[error(transparent)]
    Database(#[from] rusqlite::Error),
}

/// A token as admins see it: never the token or its hash.
#[derive(Debug, Clone)]
pub struct ApiTokenInfo {
    pub name: String,
    pub created_at: String,
    pub created_by: String,
    pub last_used_at: Option<String>,
    pub revoked_at: Option<String>,
}
from_columns!(ApiTokenInfo: name, created_at, created_by, last_used_at, revoked_at);

/// What a presented bearer token turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Authenticated {
    Valid { id: i64, name: String },
    Revoked,
    Unknown,
}

/// The SHA-256 (hex) stored instead of the token.
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A new random token (every backend's).
pub fn new_token() -> String {
    format!("{PREFIX}{}", random_string(RANDOM_LEN))
}

/// The trimmed name, if it is acceptable.
pub fn valid_name(name: &str) -> Result<&str, CreateTokenError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(CreateTokenError::Empty);
    }
    if name.chars().count() > NAME_MAX {
        return Err(CreateTokenError::TooLong);
    }
    if !name
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_' | '.' | '@'))
    {
        return Err(CreateTokenError::Invalid);
    }
    Ok(name)
}

/// Creates a token named `name` (unique without regard to case) and returns it; this is the only
/// time the plaintext exists outside the client.
pub fn create(conn: &Connection, name: &str, created_by: &str) -> Result<String, CreateTokenError> {
    let name = valid_name(name)?;
    let token = new_token();
    match conn.execute(
        "INSERT INTO roster_api_token (name, token_hash, created_at, created_by) \
         VALUES (?1, ?2, ?3, ?4)",
        params![name, token_hash(&token), super::now_text(), created_by],
    ) {
        Ok(_) => Ok(token),
        Err(rusqlite::Error::SqliteFailure(e, _)) if e.code == ErrorCode::ConstraintViolation => {
            Err(CreateTokenError::Exists(name.to_string()))
        }
        Err(e) => Err(e.into()),
    }
}

/// Revokes the active token named `name`; false when there is none.
pub fn revoke(conn: &Connection, name: &str) -> rusqlite::Result<bool> {
    let changed = conn.execute(
        "UPDATE roster_api_token SET revoked_at = ?2 WHERE name = ?1 AND revoked_at IS NULL",
        params![name.trim(), super::now_text()],
    )?;
    Ok(changed > 0)
}

/// Every token, oldest first.
pub fn list(conn: &Connection) -> rusqlite::Result<Vec<ApiTokenInfo>> {
    query_all(
        conn,
        "SELECT name, created_at, created_by, last_used_at, revoked_at FROM roster_api_token \
         ORDER BY id",
        [],
    )
}

/// A token's row as found by the presented token's hash.
#[derive(Debug, Clone)]
pub struct StoredToken {
    pub id: i64,
    pub name: String,
    pub hash: String,
    pub revoked: bool,
}

/// The hash to look a presented token up by, or `None` when it cannot be a Roster token.
pub fn presented_hash(token: &str) -> Option<String> {
    (token.starts_with(PREFIX) && token.len() == PREFIX.len() + RANDOM_LEN)
        .then(|| token_hash(token))
}

/// What a presented token (hashed to `hash`) is, given the row its hash found; every backend's
/// rule. A valid one still has to be recorded as used.
pub fn verdict(hash: &str, found: Option<StoredToken>) -> Authenticated {
    match found {
        Some(row) if bool::from(row.hash.as_bytes().ct_eq(hash.as_bytes())) => {
            if row.revoked {
                Authenticated::Revoked
            } else {
                Authenticated::Valid {
                    id: row.id,
                    name: row.name,
                }
            }
        }
        _ => Authenticated::Unknown,
    }
}

/// Looks a presented token up by its hash and, when it is valid, records that it was used.
pub fn authenticate(conn: &Connection, token: &str) -> rusqlite::Result<Authenticated> {
    let Some(hash) = presented_hash(token) else {
        return Ok(Authenticated::Unknown);
    };
    let found = conn
        .query_row(
            "SELECT id, name, token_hash, revoked_at IS NOT NULL FROM roster_api_token \
             WHERE token_hash = ?1",
            [&hash],
            |row| {
                Ok(StoredToken {
                    id: row.get(0)?,
                    name: row.get(1)?,
                    hash: row.get(2)?,
                    revoked: row.get(3)?,
                })
            },
        )
        .optional()?;
    let verdict = verdict(&hash, found);
    if let Authenticated::Valid { id, .. } = &verdict {
        conn.execute(
            "UPDATE roster_api_token SET last_used_at = ?2 WHERE id = ?1",
            params![id, super::now_text()],
        )?;
    }
    Ok(verdict)
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::db::test_db::migrated as db;

    #[test]
    fn create_authenticate_revoke() {
        let (_dir, conn) = db();
        let token = create(&conn, " ci ", "admin").unwrap();
        assert!(token.starts_with(PREFIX) && token.len() == 44);
        let stored: String = conn
            .query_row("SELECT token_hash FROM roster_api_token", [], |r| r.get(0))
            .unwrap();
        assert_eq!(stored, token_hash(&token));
        assert_ne!(stored, token);
        assert!(matches!(
            create(&conn, "CI", "admin"),
            Err(CreateTokenError::Exists(_))
        ));
        assert!(matches!(
            create(&conn, "a\nb", "admin"),
            Err(CreateTokenError::Invalid)
        ));
        assert!(matches!(
            create(&conn, "  ", "admin"),
            Err(CreateTokenError::Empty)
        ));
        assert!(list(&conn).unwrap()[0].last_used_at.is_none());
        assert!(matches!(
            authenticate(&conn, &token).unwrap(),
            Authenticated::Valid { ref name, .. } if name == "ci"
        ));
        assert!(list(&conn).unwrap()[0].last_used_at.is_some());
        let mut wrong = token.clone();
        wrong.pop();
        wrong.push('!');
        assert_eq!(authenticate(&conn, &wrong).unwrap(), Authenticated::Unknown);
        assert_eq!(authenticate(&conn, "").unwrap(), Authenticated::Unknown);
        assert!(revoke(&conn, "Ci").unwrap());
        assert!(!revoke(&conn, "ci").unwrap(), "already revoked");
        assert_eq!(authenticate(&conn, &token).unwrap(), Authenticated::Revoked);
        assert!(list(&conn).unwrap()[0].revoked_at.is_some());
    }
}
