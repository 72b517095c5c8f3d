//! The trigram index against the scan: hostile text, edits, Django's table remakes, a held lock.

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
