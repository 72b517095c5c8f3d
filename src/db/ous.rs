//! Organizational units: Roster's own table, names unique without regard to case (Unicode case folding).

use rusqlite::{Connection, ErrorCode};

use super::columns::{from_columns, query_all};

/// An OU with how many users belong to it.
#[derive(Debug, Clone)]
pub struct OuItem {
    pub id: i64,
    pub name: String,
    pub user_count: i64,
}
from_columns!(OuItem: id, name, user_count);

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
    query_all(
        conn,
        "SELECT ou.id, ou.name, COUNT(p.user_id) FROM roster_organizational_unit ou \
         LEFT JOIN roster_user_profile p ON p.organizational_unit_id = ou.id \
         GROUP BY ou.id ORDER BY ou.name",
        [],
    )
}

/// Creates an OU; the name is trimmed and must be new (case-insensitively).
pub fn add(conn: &Connection, name: &str, now: &str) -> Result<i64, AddOuError> {
    let name = checked_name(name)?;
    if let Some(taken) = same_name(conn, name, None)? {
        return Err(AddOuError::Exists(taken));
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

/// Why an OU could not be renamed or deleted.
#[derive(Debug, thiserror::Error)]
pub enum ChangeOuError {
    #[error("no such organizational unit")]
    NotFound,
    #[error("it still has {0} user(s); move them to another unit first")]
    NotEmpty(i64),
    #[error(transparent)]
    Name(#[from] AddOuError),
}

/// Renames an OU; the new name must be free (case-insensitively) and valid. Returns the old name.
pub fn rename(conn: &Connection, id: i64, name: &str) -> Result<String, ChangeOuError> {
    let old = name_of(conn, id)?;
    let name = checked_name(name)?;
    if let Some(taken) = same_name(conn, name, Some(id)).map_err(AddOuError::Database)? {
        return Err(AddOuError::Exists(taken).into());
    }
    match conn.execute(
        "UPDATE roster_organizational_unit SET name = ?1 WHERE id = ?2",
        rusqlite::params![name, id],
    ) {
        Ok(_) => Ok(old),
        Err(rusqlite::Error::SqliteFailure(e, _)) if e.code == ErrorCode::ConstraintViolation => {
            Err(AddOuError::Exists(name.to_string()).into())
        }
        Err(e) => Err(AddOuError::Database(e).into()),
    }
}

/// Deletes an OU that no user belongs to. Returns its name.
pub fn delete_if_empty(conn: &Connection, id: i64) -> Result<String, ChangeOuError> {
    let name = name_of(conn, id)?;
    let members: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM roster_user_profile WHERE organizational_unit_id = ?1",
            [id],
            |r| r.get(0),
        )
        .map_err(AddOuError::Database)?;
    if members > 0 {
        return Err(ChangeOuError::NotEmpty(members));
    }
    conn.execute("DELETE FROM roster_organizational_unit WHERE id = ?1", [id])
        .map_err(AddOuError::Database)?;
    Ok(name)
}

/// The name trimmed, if it may name a unit (every backend checks names with this).
pub fn checked_name(name: &str) -> Result<&str, AddOuError> {
    let name = name.trim();
    let max = crate::domain::fields::LABEL_MAX;
    if name.is_empty() {
        return Err(AddOuError::Empty);
    }
    if name.chars().count() > max {
        return Err(AddOuError::TooLong { max });
    }
    Ok(name)
}

/// The unit of `units` (id, name), other than `except`, whose name equals `name` under Unicode
/// case folding (every backend's uniqueness pre-check; SQLite's NOCASE constraint folds ASCII only).
pub fn same_name_among(
    units: impl IntoIterator<Item = (i64, String)>,
    name: &str,
    except: Option<i64>,
) -> Option<(i64, String)> {
    let folded = crate::domain::fields::unit_casefold(name);
    units.into_iter().find(|(id, existing)| {
        Some(*id) != except && crate::domain::fields::unit_casefold(existing) == folded
    })
}

fn same_name(
    conn: &Connection,
    name: &str,
    except: Option<i64>,
) -> rusqlite::Result<Option<String>> {
    let mut stmt = conn.prepare("SELECT id, name FROM roster_organizational_unit")?;
    let units = stmt
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect::<rusqlite::Result<Vec<(i64, String)>>>()?;
    Ok(same_name_among(units, name, except).map(|(_, existing)| existing))
}

fn name_of(conn: &Connection, id: i64) -> Result<String, ChangeOuError> {
    use rusqlite::OptionalExtension;
    conn.query_row(
        "SELECT name FROM roster_organizational_unit WHERE id = ?1",
        [id],
        |r| r.get(0),
    )
    .optional()
    .map_err(AddOuError::Database)?
    .ok_or(ChangeOuError::NotFound)
}
