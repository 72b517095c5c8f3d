//! Query results read into structs: a struct names its fields once, in `SELECT` order, and `query_all`/`query_one` return it.

use rusqlite::types::FromSql;
use rusqlite::{Connection, OptionalExtension, Params, Row};

/// A result row read left to right, one column (or one nested struct's columns) at a time.
pub struct Columns<'a, 'stmt> {
    row: &'a Row<'stmt>,
    next: usize,
}

impl Columns<'_, '_> {
    /// Reads the next value and moves past the columns it used.
    pub fn read<T: FromColumns>(&mut self) -> rusqlite::Result<T> {
        T::from_columns(self)
    }
}

/// A value made of consecutive columns: one column for a plain SQL value, several for a struct
/// declared with `from_columns!`.
pub trait FromColumns: Sized {
    fn from_columns(columns: &mut Columns<'_, '_>) -> rusqlite::Result<Self>;

    /// Reads a whole row, from its first column (the shape `query_map` and `query_row` take).
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Self::from_columns(&mut Columns { row, next: 0 })
    }
}

impl<T: FromSql> FromColumns for T {
    fn from_columns(columns: &mut Columns<'_, '_>) -> rusqlite::Result<Self> {
        let value = columns.row.get(columns.next);
        columns.next += 1;
        value
    }
}

/// Reads a struct from consecutive columns, its fields listed in `SELECT` order:
/// `from_columns!(OuItem: id, name, user_count);`.
macro_rules! from_columns {
    ($type:ident: $($field:ident),+ $(,)?) => {
        impl $crate::db::columns::FromColumns for $type {
            fn from_columns(
                columns: &mut $crate::db::columns::Columns<'_, '_>,
            ) -> rusqlite::Result<Self> {
                Ok(Self {
                    $($field: columns.read()?,)+
                })
            }
        }
    };
}
pub(crate) use from_columns;

/// Every row a query returns.
pub fn query_all<T: FromColumns>(
    conn: &Connection,
    sql: &str,
    params: impl Params,
) -> rusqlite::Result<Vec<T>> {
    conn.prepare(sql)?.query_map(params, T::from_row)?.collect()
}

/// The first row a query returns, if any.
pub fn query_one<T: FromColumns>(
    conn: &Connection,
    sql: &str,
    params: impl Params,
) -> rusqlite::Result<Option<T>> {
    conn.query_row(sql, params, T::from_row).optional()
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Pair {
        left: i64,
        right: Option<String>,
    }
    from_columns!(Pair: right, left);

    struct Nested {
        first: String,
        pair: Pair,
        last: bool,
    }
    from_columns!(Nested: first, pair, last);

    #[test]
    fn fields_read_the_columns_in_the_order_listed_and_nested_structs_continue_the_count() {
        let conn = Connection::open_in_memory().unwrap();
        let nested: Nested = query_one(&conn, "SELECT 'a', NULL, 7, 1", [])
            .unwrap()
            .unwrap();
        assert_eq!(nested.first, "a");
        assert_eq!((nested.pair.left, nested.pair.right), (7, None));
        assert!(nested.last);
        let none: Option<Pair> = query_one(&conn, "SELECT 'x', 1 WHERE 0", []).unwrap();
        assert!(none.is_none());
        let all: Vec<i64> = query_all(&conn, "SELECT value FROM json_each('[3,1,2]')", []).unwrap();
        assert_eq!(all, [3, 1, 2]);
    }

    #[test]
    fn a_wrong_column_type_names_its_index() {
        let conn = Connection::open_in_memory().unwrap();
        let err = query_one::<Pair>(&conn, "SELECT 'x', 'not a number'", [])
            .err()
            .unwrap();
        assert!(
            matches!(err, rusqlite::Error::InvalidColumnType(1, ..)),
            "{err}"
        );
    }

    #[test]
    fn a_status_reads_as_its_enum_and_an_unknown_word_is_an_error() {
        use crate::domain::status::{ImportStatus, InvitationStatus};
        let conn = Connection::open_in_memory().unwrap();
        let read: Option<(ImportStatus, InvitationStatus)> = conn
            .query_row("SELECT 'interrupted', 'sent'", [], |row| {
                Ok((row.get(0)?, row.get(1)?))
            })
            .ok();
        assert_eq!(
            read,
            Some((ImportStatus::Interrupted, InvitationStatus::Sent))
        );
        let unknown = query_one::<ImportStatus>(&conn, "SELECT 'Done'", []);
        let message = unknown.err().map(|err| err.to_string()).unwrap_or_default();
        assert!(message.contains("unknown import status"), "{message}");
    }
}
