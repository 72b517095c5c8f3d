//! The trigram index that finds the users whose username, name or e-mail contain a search term.
//
// Migration V11 creates the FTS5 table; its triggers and its contents are rendered from the user
// map here, because Django may rebuild the user table (a migration's table remake drops every
// trigger on it) and because a custom user model names its table and name columns differently.
// `Db::migrate` calls `ensure` at every start: missing or outdated triggers are recreated and the
// index refilled in one transaction. The list asks `is_current` before each use and scans when the
// triggers are gone, so a search never misses a user Django wrote after dropping them.

use rusqlite::types::Value;
use rusqlite::{Connection, params_from_iter};

use super::user_table::UserTable;

/// The FTS5 table (trigram tokenizer, contentless, no positions): rowid = user id.
const INDEX: &str = "roster_user_search";

/// Shortest term the index can serve: a trigram index has no entries for one or two characters.
pub const MIN_INDEXED_CHARS: usize = 3;

/// The text searched for a user row (`alias` is `"u."`, `"new."` or `"old."`): username, name and
/// e-mail joined by U+001F, which no search term contains, so a match lies inside one field (or
/// across first and last name). The list's `LIKE` and the index read this same expression.
pub fn searched_text(users: &UserTable, alias: &str) -> String {
    format!(
        "{alias}username || char(31) || {} || char(31) || {alias}email",
        users.searched_name(alias)
    )
}

/// The three triggers that keep the index in step with the user table, as `sqlite_master` stores
/// them (name, SQL).
fn triggers(users: &UserTable) -> [(String, String); 3] {
    let table = users.table();
    let (new, old) = (searched_text(users, "new."), searched_text(users, "old."));
    let add = format!("INSERT INTO {INDEX} (rowid, text) VALUES (new.id, {new});");
    let remove = format!("DELETE FROM {INDEX} WHERE rowid = old.id;");
    let mut watched = vec!["id".to_string(), "username".into(), "email".into()];
    watched.extend(users.name_sort_columns(""));
    let trigger = |suffix: &str, rest: String| {
        let name = format!("{INDEX}_{suffix}");
        let sql = format!("CREATE TRIGGER {name} {rest}");
        (name, sql)
    };
    [
        trigger("insert", format!("AFTER INSERT ON {table} BEGIN {add} END")),
        trigger(
            "update",
            format!(
                "AFTER UPDATE OF {} ON {table} \
                 WHEN old.id IS NOT new.id OR ({old}) IS NOT ({new}) BEGIN {remove} {add} END",
                watched.join(", ")
            ),
        ),
        trigger(
            "delete",
            format!("AFTER DELETE ON {table} BEGIN {remove} END"),
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

/// Recreates the triggers and refills the index unless they are current; returns how many users
/// were indexed (0 when nothing had to be done). One write transaction.
pub fn ensure(conn: &Connection, users: &UserTable) -> rusqlite::Result<Option<usize>> {
    if is_current(conn, users)? {
        return Ok(None);
    }
    let tx = conn.unchecked_transaction()?;
    for (name, _) in triggers(users) {
        tx.execute_batch(&format!("DROP TRIGGER IF EXISTS {name}"))?;
    }
    tx.execute_batch(&format!(
        "INSERT INTO {INDEX} ({INDEX}) VALUES ('delete-all')"
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

/// Rows a search examines in table order before it asks the index instead: a term that many
/// users contain finds enough of them sooner than the index would (the lists of common trigrams
/// are long); a rare one would otherwise be compared with every user.
const SCAN_BEFORE_INDEX: usize = 2000;

/// Up to `wanted` ids of users for whom `conditions` (the list's, with `values`, including the
/// `LIKE` for `term`) hold, or `None` when the index cannot serve `term` (shorter than
/// `MIN_INDEXED_CHARS`, or triggers missing since Django rebuilt the table): then the caller scans.
/// The first `SCAN_BEFORE_INDEX` users are checked in table order; if they yield `wanted`
/// matches, those are the answer, else the index names the candidates that the same conditions
/// check, so the answer is the scan's.
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
    let sql = format!(
        "SELECT u.id FROM {INDEX} s CROSS JOIN {} u ON u.id = s.rowid \
         WHERE s.{INDEX} MATCH ? AND {conditions} LIMIT ?",
        users.table()
    );
    let mut all = vec![Value::Text(match_query(term))];
    all.extend_from_slice(values);
    all.push(Value::Integer(wanted as i64));
    super::user_list::read_ids(conn, &sql, all).map(Some)
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
        let mut scanned = crate::db::user_list::read_ids(conn, &sql, all).unwrap();
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
        for term in terms {
            let (indexed, scanned) = both_ways(&conn, term);
            assert_eq!(indexed.as_ref(), Some(&scanned), "{term:?}");
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
        conn.execute(
            "UPDATE auth_user SET last_name = 'Brewster', email = 'gb@navy.mil' WHERE id = ?1",
            [id],
        )
        .unwrap();
        assert_eq!(both_ways(&conn, "hopper").0, Some(vec![]));
        assert_eq!(both_ways(&conn, "brewster").0, Some(vec![id]));
        assert_eq!(both_ways(&conn, "navy.mil").0, Some(vec![id]));
        // A save that changes no searched field (Django's login sets last_login) keeps the entry.
        conn.execute(
            "UPDATE auth_user SET last_login = '2026-01-02 00:00:00', username = username WHERE id = ?1",
            [id],
        )
        .unwrap();
        assert_eq!(both_ways(&conn, "brewster").0, Some(vec![id]));
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
        // (With legacy renames: Roster's audit trigger names auth_user, so SQLite's checked rename
        // refuses while the table is gone, a limit of V8, not of this index.)
        let ddl: String = conn
            .query_row(
                "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'auth_user'",
                [],
                |row| row.get(0),
            )
            .unwrap();
        conn.execute_batch(&format!(
            "PRAGMA foreign_keys = OFF; PRAGMA legacy_alter_table = ON; BEGIN; {}; \
             INSERT INTO new__auth_user SELECT * FROM auth_user; DROP TABLE auth_user; \
             ALTER TABLE new__auth_user RENAME TO auth_user; COMMIT; \
             PRAGMA legacy_alter_table = OFF; PRAGMA foreign_keys = ON;",
            ddl.replacen("\"auth_user\"", "\"new__auth_user\"", 1)
        ))
        .unwrap();
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
}
