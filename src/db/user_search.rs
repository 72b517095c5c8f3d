//! The trigram index that finds the users whose username, name or e-mail contain a search term.
//
// Migration V11 creates the FTS5 table and a plain table of pending user ids. Only Roster writes
// the index (Django's SQLite may lack FTS5 or the trigram tokenizer): triggers on the user table,
// rendered here from the user map, note each user whose searched text may have changed in
// `roster_user_search_pending`, which any SQLite can write; `catch_up` moves them into the index.
// Until then the list checks pending users as candidates too, so no search misses a user Django
// wrote. Django's table remakes drop the triggers: `Db::migrate` (every start) recreates them and
// refills the index, and the list scans while they are missing (`is_current`).
// Its tests (user_search_tests.rs) compare the index's answers with the scan's on hostile text,
// and follow edits, Django's table remakes and a held write lock.

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

/// Whether `name` and `sql` are one of the search index's triggers on the user table, as Roster
/// renders it (an import's users are then known to be stored as written).
pub(super) fn is_search_trigger(users: &UserTable, name: &str, sql: &str) -> bool {
    triggers(users)
        .iter()
        .any(|(own_name, own_sql)| own_name == name && own_sql == sql)
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
#[path = "user_search_tests.rs"]
mod tests;
