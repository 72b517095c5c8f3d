//! Open connections kept for the admin pages' reads: a fresh connection starts with an empty page
//! cache and no prepared statements, which at 100,000 users costs a deep page of the user list
//! about 5 ms of index reads that a kept connection has in memory.

use rusqlite::Connection;

use super::Db;

/// How many read connections stay open at most (requests beyond wait for one).
const READERS_MAX: u32 = 8;
/// How long a read waits for a kept connection before it opens its own.
const WAIT_FOR_A_READER: std::time::Duration = std::time::Duration::from_millis(500);

/// Opens connections with Roster's pragmas and drops any that come back inside a transaction.
#[derive(Debug)]
struct Readers(Db);

impl r2d2::ManageConnection for Readers {
    type Connection = Connection;
    type Error = rusqlite::Error;

    fn connect(&self) -> rusqlite::Result<Connection> {
        self.0.connect()
    }

    fn is_valid(&self, conn: &mut Connection) -> rusqlite::Result<()> {
        conn.execute_batch("")
    }

    fn has_broken(&self, conn: &mut Connection) -> bool {
        // A read that failed (or panicked) half-way through a transaction must not hand it on.
        !conn.is_autocommit()
    }
}

/// A pool of read connections to one database, opened as they are first needed.
#[derive(Clone)]
pub struct ReadPool {
    pool: r2d2::Pool<Readers>,
    db: Db,
}

impl ReadPool {
    /// A pool for `db`; nothing is opened until the first read.
    pub fn new(db: Db) -> Self {
        let pool = r2d2::Pool::builder()
            .max_size(READERS_MAX)
            .min_idle(Some(0))
            .test_on_check_out(false)
            .build_unchecked(Readers(db.clone()));
        Self { pool, db }
    }

    /// Runs `work` on a kept connection, or a new one when none is free.
    pub fn read<T, E: From<rusqlite::Error>>(
        &self,
        work: impl FnOnce(&Connection) -> Result<T, E>,
    ) -> Result<T, E> {
        match self.pool.get_timeout(WAIT_FOR_A_READER) {
            Ok(conn) => work(&conn),
            // All busy for a while, or none could be opened (e.g. the file is gone): a direct
            // open reads anyway, or says why it cannot.
            Err(_) => work(&self.db.connect()?),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_connection_left_inside_a_transaction_is_not_handed_on() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::new(dir.path().join("roster.sqlite3"));
        db.migrate().unwrap();
        let pool = ReadPool::new(db);
        pool.read(|conn| conn.execute_batch("BEGIN")).unwrap();
        let in_transaction = pool
            .read(|conn| Ok::<_, rusqlite::Error>(!conn.is_autocommit()))
            .unwrap();
        assert!(!in_transaction);
        // A kept connection sees what another connection committed meanwhile.
        pool.read(|conn| conn.execute_batch("CREATE TEMP TABLE kept (x)"))
            .unwrap();
        let other = Db::new(dir.path().join("roster.sqlite3"))
            .connect()
            .unwrap();
        other
            .execute_batch("INSERT INTO roster_organizational_unit (name, created_at) VALUES ('Sales', '2026-01-01')")
            .unwrap();
        let (kept, units): (i64, i64) = pool
            .read(|conn| {
                conn.query_row(
                    "SELECT (SELECT COUNT(*) FROM temp.sqlite_master WHERE name = 'kept'), \
                     (SELECT COUNT(*) FROM roster_organizational_unit)",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
            })
            .unwrap();
        assert_eq!(
            (kept, units),
            (1, 1),
            "the same connection, and the new row"
        );
    }
}
