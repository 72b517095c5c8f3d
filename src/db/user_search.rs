//! The trigram index that finds the users whose username, name or e-mail contain a search term.
//
// Migration V11 creates the FTS5 table and a plain table of pending user ids. Only Roster writes
// the index (Django's SQLite may lack FTS5 or the trigram tokenizer): triggers on the user table,
// rendered here from the user map, note each user whose searched text may have changed in
// `roster_user_search_pending`, which any SQLite can write; `catch_up` moves them into the index.
// Until then the list checks pending users as candidates too, so no search misses a user Django
// wrote. Django's table remakes drop the triggers: `Db::migrate` (every start) recreates them and
// refills the index, and the list scans while they are missing (`is_current`).
// Over 400 lines because half of it is its tests: they compare the index's answers with the
// scan's on hostile text, and follow edits, Django's table remakes and a held write lock.

use std::time::Duration;

use rusqlite::types::Value;
use rusqlite::{Connection, ErrorCode, Transaction, TransactionBehavior, params_from_iter};

use super::user_table::UserTable;

/// The FTS5 table (trigram tokenizer, contentless, no positions): rowid = user id.
const INDEX: &str = "roster_user_search";
/// Ids of users added, changed or deleted since the index last caught up (duplicates allowed).
const PENDING: &str = "roster_user_search_pending";

/// Shortest term the index can serve: a trigram index has no entries for one or two characters.
pub const MIN_INDEXED_CHARS: usize = 3;

/// Pending users a search checks directly; with more, it first indexes them (`catch_up`).
const PENDING_CHECKED: i64 = 1000;

/// The text searched for a user row (`alias` is `"u."`, `"new."` or `"old."`): username, name and
/// e-mail joined by U+001F, which no search term contains, so a match lies inside one field (or
/// across first and last name). The list's `LIKE` and the index read this same expression.
pub fn searched_text(users: &UserTable, alias: &str) -> String {
    format!(
        "{alias}username || char(31) || {} || char(31) || {alias}email",
        users.searched_name(alias)
    )
}

/// The three triggers that note changed users, as `sqlite_master` stores them (name, SQL).
fn triggers(users: &UserTable) -> [(String, String); 3] {
    let table = users.table();
    let (new, old) = (searched_text(users, "new."), searched_text(users, "old."));
    let note = |id: &str| format!("INSERT INTO {PENDING} (user_id) VALUES ({id});");
    let mut watched = vec!["id".to_string(), "username".into(), "email".into()];
    watched.extend(users.name_sort_columns(""));
    let trigger = |suffix: &str, rest: String| {
        let name = format!("{INDEX}_{suffix}");
        let sql = format!("CREATE TRIGGER {name} {rest}");
        (name, sql)
    };
    [
        trigger(
            "insert",
            format!("AFTER INSERT ON {table} BEGIN {} END", note("new.id")),
        ),
        trigger(
            "update",
            format!(
                "AFTER UPDATE OF {} ON {table} \
                 WHEN old.id IS NOT new.id OR ({old}) IS NOT ({new}) BEGIN {} {} END",
                watched.join(", "),
                note("old.id"),
                note("new.id")
            ),
        ),
        trigger(
            "delete",
            format!("AFTER DELETE ON {table} BEGIN {} END", note("old.id")),
        ),
    ]
}

/// Whether the index is complete: its three triggers exist on the user table exactly as this
/// map renders them (Django's table remakes drop them; then the list scans instead).
pub fn is_current(conn: &Connection, users: &UserTable) -> rusqlite::Result<bool> {
    let mut stmt = conn.prepare_cached(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?1 AND tbl_name = ?2",
    )?;
    for (name, expected) in triggers(users) {
        let found: Option<String> = stmt
            .query_map((&name, users.name()), |row| row.get(0))?
            .next()
            .transpose()?;
        if found.as_deref() != Some(expected.as_str()) {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Recreates the triggers and refills the index unless they are current, else indexes the
/// pending users; returns how many users the refill indexed (`None` when the triggers were
/// current). One write transaction.
pub fn ensure(conn: &Connection, users: &UserTable) -> rusqlite::Result<Option<usize>> {
    if is_current(conn, users)? {
        index_pending(conn, users, TransactionBehavior::Deferred)?;
        return Ok(None);
    }
    let tx = conn.unchecked_transaction()?;
    for (name, _) in triggers(users) {
        tx.execute_batch(&format!("DROP TRIGGER IF EXISTS {name}"))?;
    }
    tx.execute_batch(&format!(
        "INSERT INTO {INDEX} ({INDEX}) VALUES ('delete-all'); DELETE FROM {PENDING};"
    ))?;
    for (_, sql) in triggers(users) {
        tx.execute_batch(&sql)?;
    }
    let indexed = tx.execute(
        &format!(
            "INSERT INTO {INDEX} (rowid, text) SELECT u.id, {} FROM {} u",
            searched_text(users, "u."),
            users.table()
        ),
        [],
    )?;
    // One segment instead of the many a bulk fill leaves: fewer pages read per query.
    tx.execute_batch(&format!(
        "INSERT INTO {INDEX} ({INDEX}) VALUES ('optimize')"
    ))?;
    tx.commit()?;
    Ok(Some(indexed))
}

/// Moves the pending users into the index (their entries replaced by their current text, or
/// removed for users gone), in one write transaction.
fn index_pending(
    conn: &Connection,
    users: &UserTable,
    behavior: TransactionBehavior,
) -> rusqlite::Result<()> {
    let tx = Transaction::new_unchecked(conn, behavior)?;
    let last: Option<i64> =
        tx.query_row(&format!("SELECT max(rowid) FROM {PENDING}"), [], |r| {
            r.get(0)
        })?;
    if let Some(last) = last {
        let ids = format!("SELECT DISTINCT user_id FROM {PENDING} WHERE rowid <= ?1");
        tx.execute(
            &format!("DELETE FROM {INDEX} WHERE rowid IN ({ids})"),
            [last],
        )?;
        tx.execute(
            &format!(
                "INSERT INTO {INDEX} (rowid, text) SELECT u.id, {} FROM {} u WHERE u.id IN ({ids})",
                searched_text(users, "u."),
                users.table()
            ),
            [last],
        )?;
        tx.execute(&format!("DELETE FROM {PENDING} WHERE rowid <= ?1"), [last])?;
    }
    tx.commit()
}

/// Before a search: indexes the pending users when there are more than a search should check one
/// by one (after an import), unless another connection holds the write lock (an import running);
/// then the search scans. Never waits for the lock.
pub fn catch_up(conn: &Connection, users: &UserTable) -> rusqlite::Result<()> {
    if pending_count(conn)? <= PENDING_CHECKED || !is_current(conn, users)? {
        return Ok(());
    }
    let waits: i64 = conn.pragma_query_value(None, "busy_timeout", |row| row.get(0))?;
    conn.busy_timeout(Duration::ZERO)?;
    let indexed = index_pending(conn, users, TransactionBehavior::Immediate);
    conn.busy_timeout(Duration::from_millis(waits.max(0) as u64))?;
    match indexed {
        Err(rusqlite::Error::SqliteFailure(e, _)) if e.code == ErrorCode::DatabaseBusy => Ok(()),
        other => other,
    }
}

/// Pending users, counted up to one more than a search checks directly.
fn pending_count(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row(
        &format!("SELECT count(*) FROM (SELECT 1 FROM {PENDING} LIMIT ?1)"),
        [PENDING_CHECKED + 1],
        |row| row.get(0),
    )
}

/// Rows a search examines in table order before it asks the index instead: a term that many
/// users contain finds enough of them sooner than the index would (the lists of common trigrams
/// are long); a rare one would otherwise be compared with every user.
const SCAN_BEFORE_INDEX: usize = 2000;

/// Up to `wanted` ids of users for whom `conditions` (the list's, with `values`, including the
/// `LIKE` for `term`) hold, or `None` when the index cannot serve `term` (shorter than
/// `MIN_INDEXED_CHARS`, triggers missing since Django rebuilt the table, or too many users
/// pending): then the caller scans. The first `SCAN_BEFORE_INDEX` users are checked in table
/// order; if they yield `wanted` matches, those are the answer, else the index and the pending
/// users name the candidates that the same conditions check, so the answer is the scan's.
pub fn first_matches(
    conn: &Connection,
    users: &UserTable,
    term: &str,
    conditions: &str,
    values: &[Value],
    wanted: usize,
) -> rusqlite::Result<Option<Vec<i64>>> {
    if term.chars().count() < MIN_INDEXED_CHARS || !is_current(conn, users)? {
        return Ok(None);
    }
    let pending = pending_count(conn)?;
    if pending > PENDING_CHECKED {
        return Ok(None);
    }
    let sql = format!("SELECT u.id, {conditions} FROM {} u", users.table());
    let mut stmt = conn.prepare(&sql)?;
    let mut rows = stmt.query(params_from_iter(values))?;
    let mut ids = Vec::new();
    for _ in 0..SCAN_BEFORE_INDEX {
        let Some(row) = rows.next()? else {
            return Ok(Some(ids));
        };
        if row.get::<_, Option<bool>>(1)? == Some(true) {
            ids.push(row.get(0)?);
            if ids.len() == wanted {
                return Ok(Some(ids));
            }
        }
    }
    let matched = format!("SELECT rowid AS id FROM {INDEX} WHERE {INDEX} MATCH ?");
    let candidates = if pending == 0 {
        matched
    } else {
        format!("{matched} UNION SELECT user_id FROM {PENDING}")
    };
    let sql = format!(
        "SELECT u.id FROM ({candidates}) c CROSS JOIN {} u ON u.id = c.id \
         WHERE {conditions} LIMIT ?",
        users.table()
    );
    let mut all = vec![Value::Text(match_query(term))];
    all.extend_from_slice(values);
    all.push(Value::Integer(wanted as i64));
    read_ids(conn, &sql, all).map(Some)
}

/// The ids `sql` selects with `values` bound.
pub(super) fn read_ids(
    conn: &Connection,
    sql: &str,
    values: Vec<Value>,
) -> rusqlite::Result<Vec<i64>> {
    conn.prepare(sql)?
        .query_map(params_from_iter(values), |row| row.get(0))?
        .collect()
}

/// The index query for `term` (at least `MIN_INDEXED_CHARS` characters): every distinct trigram of
/// it, quoted, all required. Each user containing `term` has all of them (the index folds case
/// as `LIKE` does for ASCII, and more), so the candidates include every match; the list's `LIKE`
/// then keeps exactly the users the scan would find.
fn match_query(term: &str) -> String {
    let chars: Vec<char> = term.chars().collect();
    let mut trigrams: Vec<String> = Vec::new();
    for window in chars.windows(MIN_INDEXED_CHARS) {
        let trigram: String = window.iter().collect();
        if !trigrams.contains(&trigram) {
            trigrams.push(trigram);
        }
    }
    trigrams
        .iter()
        .map(|t| format!("\"{}\"", t.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(" AND ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Db;

    /// A migrated database holding `SCAN_BEFORE_INDEX + 500` filler users, so users added after
    /// them are found only through the index.
    fn with_fillers() -> (tempfile::TempDir, Db, Connection) {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::new(dir.path().join("roster.sqlite3"));
        db.migrate().unwrap();
        let conn = db.connect().unwrap();
        conn.execute(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1) \
             INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, email, \
                                    is_staff, is_active, date_joined) \
             SELECT '!', 0, 'filler' || i, 'Fill', 'Er', 'filler' || i || '@example.com', 0, 1, \
                    '2026-01-01 00:00:00' FROM n",
            [SCAN_BEFORE_INDEX as i64 + 500],
        )
        .unwrap();
        assert_eq!(ensure(&conn, &UserTable::of(&conn)).unwrap(), None);
        (dir, db, conn)
    }

    fn add_user(conn: &Connection, username: &str, first: &str, last: &str, email: &str) -> i64 {
        conn.execute(
            "INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, email, \
                                    is_staff, is_active, date_joined) \
             VALUES ('!', 0, ?1, ?2, ?3, ?4, 0, 1, '2026-01-01 00:00:00')",
            (username, first, last, email),
        )
        .unwrap();
        conn.last_insert_rowid()
    }

    /// The list's matches for `text`: through the index (`None` if it did not serve), and by the scan.
    fn both_ways(conn: &Connection, text: &str) -> (Option<Vec<i64>>, Vec<i64>) {
        let users = UserTable::of(conn);
        let query = crate::db::user_list::UserQuery {
            text: text.to_string(),
            ..Default::default()
        };
        let (conditions, values) = crate::db::user_list::conditions(&users, &query);
        let indexed = first_matches(conn, &users, text, &conditions, &values, 1001)
            .unwrap()
            .map(|mut ids| {
                ids.sort();
                ids
            });
        let mut all = values.clone();
        all.push(Value::Integer(1001));
        let sql = format!(
            "SELECT u.id FROM {} u WHERE {conditions} LIMIT ?",
            users.table()
        );
        let mut scanned = read_ids(conn, &sql, all).unwrap();
        scanned.sort();
        (indexed, scanned)
    }

    #[test]
    fn the_index_finds_exactly_what_the_scan_finds_on_tricky_values() {
        let (_dir, _db, conn) = with_fillers();
        let tricky = [
            ("zoe.100%_sure", "Zoë", "ÅNGSTRÖM", "zoe@example.com"),
            ("o'brien", "Ada", "Lovelace", "ADA@Example.COM"),
            ("quote\"d", "ÉCOLE", "İstanbul", "back\\slash@example.org"),
            ("strasse", "Straße", "ǅemal", "kelvin\u{212A}k@example.net"),
            ("emoji", "🙂🙃x", "100_%", "e_m%j@example.com"),
        ];
        let ids: Vec<i64> = tricky
            .iter()
            .map(|(u, f, l, e)| add_user(&conn, u, f, l, e))
            .collect();
        assert!(ids.iter().all(|&id| id > SCAN_BEFORE_INDEX as i64));
        let terms = [
            "ZOË",
            "zoë",
            "ngström",
            "NGSTRÖM",
            "ngstrom",
            "0%_",
            "%_s",
            "_%j",
            "o'b",
            "e\"d",
            "k\\s",
            "ÉCO",
            "éco",
            "İst",
            "ist",
            "STRASSE",
            "straße",
            "🙂🙃x",
            "🙂🙃X",
            "ada love",
            "a lo",
            "LOVELACE",
            "@EXAMPLE.c",
            "kkk",
            "k\u{212A}k",
            "ǆem",
            "ǅem",
            "xyz",
            "fill",
        ];
        // First as pending users (checked one by one), then from the index itself.
        for round in ["pending", "indexed"] {
            for term in terms {
                let (indexed, scanned) = both_ways(&conn, term);
                assert_eq!(indexed.as_ref(), Some(&scanned), "{round}: {term:?}");
            }
            ensure(&conn, &UserTable::of(&conn)).unwrap();
            assert_eq!(pending_count(&conn).unwrap(), 0);
        }
        // Found through the index, not by the first rows' scan: an emptied index finds nothing.
        let (_, scanned) = both_ways(&conn, "ada love");
        assert_eq!(scanned, [ids[1]]);
        conn.execute_batch(&format!(
            "INSERT INTO {INDEX} ({INDEX}) VALUES ('delete-all')"
        ))
        .unwrap();
        assert_eq!(both_ways(&conn, "ada love").0, Some(vec![]));
    }

    #[test]
    fn edits_and_deletes_reach_the_index_and_short_terms_scan() {
        let (_dir, _db, conn) = with_fillers();
        let id = add_user(&conn, "grace", "Grace", "Hopper", "grace@example.com");
        assert_eq!(both_ways(&conn, "hopper").0, Some(vec![id]));
        ensure(&conn, &UserTable::of(&conn)).unwrap();
        assert_eq!(both_ways(&conn, "hopper").0, Some(vec![id]));
        conn.execute(
            "UPDATE auth_user SET last_name = 'Brewster', email = 'gb@navy.mil' WHERE id = ?1",
            [id],
        )
        .unwrap();
        assert_eq!(both_ways(&conn, "hopper").0, Some(vec![]));
        assert_eq!(both_ways(&conn, "brewster").0, Some(vec![id]));
        assert_eq!(both_ways(&conn, "navy.mil").0, Some(vec![id]));
        ensure(&conn, &UserTable::of(&conn)).unwrap();
        assert_eq!(both_ways(&conn, "hopper").0, Some(vec![]));
        assert_eq!(both_ways(&conn, "brewster").0, Some(vec![id]));
        // A save that changes no searched field (Django's login sets last_login) keeps the entry.
        conn.execute(
            "UPDATE auth_user SET last_login = '2026-01-02 00:00:00', username = username WHERE id = ?1",
            [id],
        )
        .unwrap();
        assert_eq!(both_ways(&conn, "brewster").0, Some(vec![id]));
        assert_eq!(pending_count(&conn).unwrap(), 0, "nothing searched changed");
        conn.execute("DELETE FROM auth_user WHERE id = ?1", [id])
            .unwrap();
        assert_eq!(both_ways(&conn, "brewster").0, Some(vec![]));
        // One or two characters: the index has no entries that short; the list scans.
        let (indexed, scanned) = both_ways(&conn, "r9");
        assert_eq!(indexed, None);
        assert_eq!(scanned.len(), 111, "filler9, filler90..99, filler900..999");
    }

    #[test]
    fn after_django_rebuilds_the_user_table_the_list_scans_until_migrate_rebuilds_the_index() {
        let (_dir, db, conn) = with_fillers();
        add_user(&conn, "before", "Old", "Timer", "old@example.com");
        // What Django's SQLite schema editor does to alter a field: a new table, copy, drop, rename.
        crate::db::test_db::rebuild_user_table_like_django(&conn);
        let users = UserTable::of(&conn);
        assert!(!is_current(&conn, &users).unwrap());
        let after = add_user(&conn, "djangouser", "Made", "ByDjango", "dj@example.com");
        assert_eq!(both_ways(&conn, "bydjango"), (None, vec![after]));
        db.migrate().unwrap();
        assert!(is_current(&conn, &users).unwrap());
        assert_eq!(both_ways(&conn, "bydjango").0, Some(vec![after]));
        assert_eq!(
            ensure(&conn, &users).unwrap(),
            None,
            "nothing left to rebuild"
        );
    }

    #[test]
    fn a_search_after_an_import_indexes_the_new_users_unless_an_import_holds_the_lock() {
        let (dir, _db, conn) = with_fillers();
        let users = UserTable::of(&conn);
        conn.execute(
            "UPDATE auth_user SET last_name = 'Renamed' WHERE id <= ?1",
            [PENDING_CHECKED + 1],
        )
        .unwrap();
        assert!(pending_count(&conn).unwrap() > PENDING_CHECKED);
        assert_eq!(
            both_ways(&conn, "renamed").0,
            None,
            "too many pending: scan"
        );
        // Another connection writing (an import): the search neither waits nor indexes.
        let writer = Db::new(dir.path().join("roster.sqlite3"))
            .connect()
            .unwrap();
        writer.execute_batch("BEGIN IMMEDIATE").unwrap();
        let started = std::time::Instant::now();
        catch_up(&conn, &users).unwrap();
        assert!(started.elapsed() < Duration::from_secs(5));
        let waits: i64 = conn
            .pragma_query_value(None, "busy_timeout", |row| row.get(0))
            .unwrap();
        assert_eq!(
            waits, 30_000,
            "the connection waits for locks again afterwards"
        );
        assert!(pending_count(&conn).unwrap() > PENDING_CHECKED);
        writer.execute_batch("ROLLBACK").unwrap();
        catch_up(&conn, &users).unwrap();
        assert_eq!(pending_count(&conn).unwrap(), 0);
        let (indexed, scanned) = both_ways(&conn, "renamed");
        assert_eq!(scanned.len(), 1001);
        assert_eq!(indexed.map(|ids| ids.len()), Some(1001));
    }
}
