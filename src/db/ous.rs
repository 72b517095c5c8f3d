//! Organizational units: Roster's own table, names unique without regard to ASCII case.

use rusqlite::{Connection, ErrorCode};

/// An OU with how many users belong to it.
#[derive(Debug, Clone)]
pub struct OuItem {
    pub id: i64,
    pub name: String,
    pub user_count: i64,
}

/// Why an OU could not be created.
#[derive(Debug, thiserror::Error)]
pub enum AddOuError {
    #[error("the name is empty")]
    Empty,
    #[error("the name is longer than {max} characters")]
    TooLong { max: usize },
    #[error("an organizational unit named \"{0}\" already exists")]
    Exists(String),
    #[error(transparent)]
    Database(#[from] rusqlite::Error),
}

/// Every OU, by name.
pub fn list(conn: &Connection) -> rusqlite::Result<Vec<OuItem>> {
    let mut stmt = conn.prepare(
        "SELECT ou.id, ou.name, COUNT(p.user_id) FROM roster_organizational_unit ou \
         LEFT JOIN roster_user_profile p ON p.organizational_unit_id = ou.id \
         GROUP BY ou.id ORDER BY ou.name",
    )?;
    stmt.query_map([], |row| {
        Ok(OuItem {
            id: row.get(0)?,
            name: row.get(1)?,
            user_count: row.get(2)?,
        })
    })?
    .collect()
}

/// Creates an OU; the name is trimmed and must be new (case-insensitively).
pub fn add(conn: &Connection, name: &str, now: &str) -> Result<i64, AddOuError> {
    let name = name.trim();
    let max = crate::import::validate::LABEL_MAX;
    if name.is_empty() {
        return Err(AddOuError::Empty);
    }
    if name.chars().count() > max {
        return Err(AddOuError::TooLong { max });
    }
    match conn.execute(
        "INSERT INTO roster_organizational_unit (name, created_at) VALUES (?1, ?2)",
        [name, now],
    ) {
        Ok(_) => Ok(conn.last_insert_rowid()),
        Err(rusqlite::Error::SqliteFailure(e, _)) if e.code == ErrorCode::ConstraintViolation => {
            Err(AddOuError::Exists(name.to_string()))
        }
        Err(e) => Err(e.into()),
    }
}
