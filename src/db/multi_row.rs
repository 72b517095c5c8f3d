//! Inserts of many rows per `INSERT` statement, for the rows an import writes per user.
//
// SQLite does some work once per statement executed, whatever its row count: cursors opened and
// closed, foreign key counters checked, the `sqlite_sequence` row of an AUTOINCREMENT table
// updated. An import that wrote one statement per row paid it for every row.

use std::borrow::Cow;

use rusqlite::{Connection, Statement};

/// Rows one statement inserts (at most 64 × 15 parameters, well below SQLite's limit).
pub(crate) const ROWS_PER_INSERT: usize = 64;

/// `head` (`INSERT INTO t (a, b) VALUES`) and `rows` groups of `columns` parameters.
fn values_sql(head: &str, columns: usize, rows: usize) -> String {
    let one = format!("({})", vec!["?"; columns].join(", "));
    format!("{head} {}", vec![one.as_str(); rows].join(", "))
}

/// Inserts `rows` with `head`, [`ROWS_PER_INSERT`] per statement, in order; `bind` binds one row's
/// `columns` values starting at the given 1-based parameter index.
pub(crate) fn insert_chunked<T>(
    conn: &Connection,
    head: &str,
    columns: usize,
    rows: &[T],
    mut bind: impl FnMut(&mut Statement<'_>, usize, &T) -> rusqlite::Result<()>,
) -> rusqlite::Result<()> {
    let full = values_sql(head, columns, ROWS_PER_INSERT);
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        let sql = if chunk.len() == ROWS_PER_INSERT {
            Cow::Borrowed(full.as_str())
        } else {
            Cow::Owned(values_sql(head, columns, chunk.len()))
        };
        let mut stmt = conn.prepare_cached(&sql)?;
        for (index, row) in chunk.iter().enumerate() {
            bind(&mut stmt, index * columns + 1, row)?;
        }
        stmt.raw_execute()?;
    }
    Ok(())
}

/// Binds `values` as consecutive parameters from `first` on.
pub(crate) fn bind_all(
    stmt: &mut Statement<'_>,
    first: usize,
    values: &[&dyn rusqlite::ToSql],
) -> rusqlite::Result<()> {
    for (offset, value) in values.iter().enumerate() {
        stmt.raw_bind_parameter(first + offset, value)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_go_in_whole_and_partial_chunks_in_order() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, a INTEGER, b TEXT)",
        )
        .unwrap();
        let rows: Vec<(i64, String)> = (0..150).map(|i| (i, format!("v{i}"))).collect();
        insert_chunked(
            &conn,
            "INSERT INTO t (a, b) VALUES",
            2,
            &rows,
            |stmt, first, row| bind_all(stmt, first, &[&row.0, &row.1]),
        )
        .unwrap();
        let stored: Vec<(i64, i64, String)> = conn
            .prepare("SELECT id, a, b FROM t ORDER BY id")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(stored.len(), 150);
        for (i, (id, a, b)) in stored.into_iter().enumerate() {
            assert_eq!((id, a, b), (i as i64 + 1, i as i64, format!("v{i}")));
        }
    }
}
