//! V8's delete rules: a V7 database keeps every row through the rebuild, and a user delete works.

use std::collections::BTreeMap;

use rusqlite::Connection;
use rusqlite::types::Value;

use super::Db;
use super::embedded::migrations;

/// Roster's tables that reference auth_user, rebuilt by V8.
const REBUILT: [&str; 6] = [
    "roster_import",
    "roster_import_row",
    "roster_user_profile",
    "roster_session",
    "roster_invitation",
    "roster_audit",
];

/// A V7 database filled like Roster V7, then migrated to the current schema.
fn v7_filled_and_migrated() -> (tempfile::TempDir, Connection) {
    let dir = tempfile::tempdir().unwrap();
    let (db, conn) = v7_database(&dir);
    fill_like_roster_v7(&conn);
    drop(conn);
    db.migrate().unwrap();
    let conn = db.connect().unwrap();
    (dir, conn)
}

fn v7_database(dir: &tempfile::TempDir) -> (Db, Connection) {
    let db = Db::new(dir.path().join("roster.sqlite3"));
    let mut conn = db.connect().unwrap();
    migrations::runner()
        .set_target(refinery::Target::Version(7))
        .set_migration_table_name("roster_schema_history")
        .run(&mut conn)
        .unwrap();
    (db, conn)
}

/// Three users (an admin, two imported), one import with a created, a failed and an undone row,
/// profiles, sessions, invitations, an OU and audit entries, as Roster V7 writes them.
fn fill_like_roster_v7(conn: &Connection) {
    conn.execute_batch(
        "INSERT INTO auth_user (id, password, is_superuser, username, last_name, email, is_staff, \
           is_active, date_joined, first_name) VALUES \
           (1, '!', 1, 'admin', 'A', 'admin@example.com', 1, 1, '2026-01-01 00:00:00', 'Ad'), \
           (2, '!', 0, 'ada', 'L', 'ada@example.com', 0, 1, '2026-01-02 00:00:00', 'Ada'), \
           (3, '!', 0, 'bob', 'B', 'bob@example.com', 0, 1, '2026-01-02 00:00:00', 'Bob'); \
         INSERT INTO roster_organizational_unit (id, name, created_at) VALUES (1, 'Sales', '2026-01-01'); \
         INSERT INTO roster_import (id, started_at, actor_user_id, actor, source, file_name, rows_total, \
           created, failed, passwordless, mail_check, invite, undone_at, undone_by, status, rows_done, \
           finished_at) VALUES \
           (1, '2026-01-02 10:00:00', 1, 'admin', 'web', 'team.csv', 4, 3, 1, 1, 'ok', 1, NULL, NULL, \
            'done', 4, '2026-01-02 10:00:01'), \
           (2, '2026-01-03 10:00:00', NULL, 'cli:root', 'cli', 'more.csv', 0, 0, 0, 0, NULL, 0, \
            '2026-01-03 11:00:00', 'admin', 'done', 0, '2026-01-03 10:00:01'); \
         INSERT INTO roster_import_row (import_id, line, user_id, first_name, last_name, email, username, \
           organizational_unit, job_title, had_password, code, column_name, message) VALUES \
           (1, 2, 2, 'Ada', 'L', 'ada@example.com', 'ada', 'Sales', 'Analyst', 1, NULL, NULL, NULL), \
           (1, 3, 3, 'Bob', 'B', 'bob@example.com', 'bob', '', '', 0, NULL, NULL, NULL), \
           (1, 4, NULL, 'Cy', 'C', 'not-mail', 'cy', '', '', 1, 'invalid_email', 'email', 'no @'), \
           (1, 5, NULL, 'Dee', 'D', 'dee@example.com', 'dee', '', '', 1, NULL, NULL, NULL); \
         INSERT INTO roster_user_profile (user_id, organizational_unit_id, job_title, import_id) VALUES \
           (2, 1, 'Analyst', 1), (3, NULL, '', 1); \
         INSERT INTO roster_session (key_hash, user_id, password_fingerprint, created_at, expires_at) \
           VALUES ('k1', 1, 'f1', '2026-01-02', '2099-01-01'), ('k2', 2, 'f2', '2026-01-02', '2099-01-01'); \
         INSERT INTO roster_invitation (id, import_id, user_id, status, reason, updated_at) VALUES \
           (1, 1, 3, 'sent', NULL, '2026-01-02'), (2, 1, 2, 'failed', 'refused', '2026-01-02'); \
         DELETE FROM roster_invitation WHERE id = 2; \
         INSERT INTO roster_audit (at, actor_user_id, actor, action, target, detail, client) VALUES \
           ('2026-01-02 10:00:00', 1, 'admin', 'import', 'import:1', '3 created', '127.0.0.1'), \
           ('2026-01-02 11:00:00', 2, 'ada', 'login', '', '', '127.0.0.1'), \
           ('2026-01-02 12:00:00', NULL, 'nobody', 'login_failed', '', '', '127.0.0.1'), \
           ('2026-01-02 13:00:00', 1, 'admin', 'user_changed', 'user:2 (ada)', 'last name', '127.0.0.1');",
    )
    .unwrap();
}

/// Every row of `table`, in rowid order, restricted to `columns`.
fn rows(conn: &Connection, table: &str, columns: &[String]) -> Vec<Vec<Value>> {
    let sql = format!("SELECT {} FROM {table} ORDER BY rowid", columns.join(", "));
    let mut stmt = conn.prepare(&sql).unwrap();
    stmt.query_map([], |row| {
        (0..columns.len()).map(|i| row.get::<_, Value>(i)).collect()
    })
    .unwrap()
    .map(Result::unwrap)
    .collect()
}

fn strings(conn: &Connection, sql: &str) -> Vec<String> {
    let mut stmt = conn.prepare(sql).unwrap();
    stmt.query_map([], |row| row.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

fn columns(conn: &Connection, table: &str) -> Vec<String> {
    strings(
        conn,
        &format!("SELECT name FROM pragma_table_info('{table}') ORDER BY cid"),
    )
}

/// `table.from -> on_delete` for each foreign key of a table to auth_user.
fn user_delete_rules(conn: &Connection, table: &str) -> Vec<String> {
    strings(
        conn,
        &format!(
            "SELECT \"from\" || ' ' || on_delete FROM pragma_foreign_key_list('{table}') \
             WHERE \"table\" = 'auth_user' ORDER BY \"from\""
        ),
    )
}

#[test]
fn a_v7_database_keeps_every_row_and_index_through_the_v8_rebuild() {
    let dir = tempfile::tempdir().unwrap();
    let (db, conn) = v7_database(&dir);
    fill_like_roster_v7(&conn);
    assert!(
        conn.execute("DELETE FROM auth_user WHERE id = 2", [])
            .is_err(),
        "V7 refuses to delete a user Roster touched"
    );
    let before: BTreeMap<&str, (Vec<String>, Vec<Vec<Value>>)> = REBUILT
        .iter()
        .map(|t| {
            let cols = columns(&conn, t);
            let data = rows(&conn, t, &cols);
            (*t, (cols, data))
        })
        .collect();
    let objects =
        "SELECT type || ' ' || name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY 1";
    let objects_before = strings(&conn, objects);
    let not_roster = "SELECT name || ': ' || sql FROM sqlite_master \
                      WHERE tbl_name NOT LIKE 'roster_%' AND sql IS NOT NULL AND name NOT LIKE 'roster_%' ORDER BY name";
    let django_before = strings(&conn, not_roster);
    drop(conn);

    db.migrate().unwrap();
    let conn = db.connect().unwrap();
    for (table, (cols, data)) in &before {
        assert_eq!(&rows(&conn, table, cols), data, "{table} kept every row");
    }
    assert_eq!(
        strings(
            &conn,
            "SELECT username FROM roster_import_row WHERE removed_by_undo = 1"
        ),
        ["dee"],
        "the created row without a user was removed by undo"
    );
    assert_eq!(
        strings(
            &conn,
            "SELECT COALESCE(created_username, '-') FROM roster_import_row ORDER BY id"
        ),
        ["ada", "bob", "-", "-"],
        "the name of each user a row created, from auth_user"
    );
    let objects_after = strings(&conn, objects);
    for object in &objects_before {
        assert!(objects_after.contains(object), "{object} lost");
    }
    assert_eq!(
        strings(&conn, not_roster),
        django_before,
        "Django's DDL untouched"
    );
    assert!(strings(&conn, "SELECT \"table\" FROM pragma_foreign_key_check").is_empty());
    let next_invitation = conn
        .execute(
            "INSERT INTO roster_invitation (import_id, user_id, status, updated_at) VALUES (1, 2, 'pending', 'x')",
            [],
        )
        .map(|_| conn.last_insert_rowid());
    assert_eq!(next_invitation, Ok(3), "id 2 was used before: never again");
    for (table, rules) in [
        ("roster_import", vec!["actor_user_id SET NULL"]),
        ("roster_import_row", vec!["user_id SET NULL"]),
        ("roster_user_profile", vec!["user_id CASCADE"]),
        ("roster_session", vec!["user_id CASCADE"]),
        ("roster_invitation", vec!["user_id CASCADE"]),
        ("roster_audit", vec!["actor_user_id SET NULL"]),
    ] {
        assert_eq!(user_delete_rules(&conn, table), rules, "{table}");
    }
}

#[test]
fn a_roster_row_pointing_at_a_user_deleted_with_foreign_keys_off_does_not_stop_the_upgrade() {
    let dir = tempfile::tempdir().unwrap();
    let (db, conn) = v7_database(&dir);
    fill_like_roster_v7(&conn);
    // The sqlite3 shell starts with foreign keys off.
    conn.execute_batch("PRAGMA foreign_keys = OFF; DELETE FROM auth_user WHERE id = 2;")
        .unwrap();
    drop(conn);
    db.migrate().unwrap();
    let conn = db.connect().unwrap();
    let count = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
    assert_eq!(count("SELECT COUNT(*) FROM roster_import_row"), 4);
    assert_eq!(
        count("SELECT COUNT(*) FROM roster_import_row WHERE user_id = 2"),
        0
    );
    assert_eq!(count("SELECT COUNT(*) FROM roster_audit"), 4);
    assert_eq!(
        count("SELECT COUNT(*) FROM roster_audit WHERE actor_user_id = 2"),
        0
    );
    assert_eq!(
        count("SELECT COUNT(*) FROM roster_session WHERE user_id = 2"),
        0
    );
    assert_eq!(
        count("SELECT COUNT(*) FROM roster_user_profile WHERE user_id = 2"),
        0
    );
}

#[test]
fn deleting_a_user_drops_their_sessions_and_keeps_the_records_with_the_username() {
    let (_dir, conn) = v7_filled_and_migrated();
    for id in [2, 1] {
        conn.execute("DELETE FROM auth_user WHERE id = ?1", [id])
            .unwrap();
    }
    let count = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
    assert_eq!(count("SELECT COUNT(*) FROM roster_session"), 0);
    assert_eq!(count("SELECT COUNT(*) FROM roster_user_profile"), 1);
    assert_eq!(
        strings(
            &conn,
            "SELECT actor || ':' || COALESCE(actor_user_id, 'gone') FROM roster_audit ORDER BY id"
        ),
        ["admin:gone", "ada:gone", "nobody:gone", "admin:gone"]
    );
    assert_eq!(
        strings(
            &conn,
            "SELECT username || ':' || COALESCE(user_id, 'gone') || ':' || removed_by_undo FROM roster_import_row ORDER BY line"
        ),
        ["ada:gone:0", "bob:3:0", "cy:gone:0", "dee:gone:1"]
    );
    assert_eq!(
        strings(
            &conn,
            "SELECT actor || ':' || COALESCE(actor_user_id, 'gone') FROM roster_import ORDER BY id"
        ),
        ["admin:gone", "cli:root:gone"]
    );
}

#[test]
/// (Since V12 the trigger names no other table, so it lets the id become NULL for a living user
/// too; the entry keeps the actor's name.)
fn the_audit_log_stays_append_only_but_for_the_delete_rule() {
    let (_dir, conn) = super::test_db::migrated();
    fill_users_and_audit(&conn);
    for tamper in [
        "UPDATE roster_audit SET actor_user_id = 1 WHERE actor_user_id = 2",
        "UPDATE roster_audit SET detail = 'x', actor_user_id = NULL WHERE actor_user_id = 2",
        "DELETE FROM roster_audit",
    ] {
        let err = conn.execute(tamper, []).unwrap_err().to_string();
        assert!(err.contains("append-only"), "{tamper}: {err}");
    }
    conn.execute("DELETE FROM auth_user WHERE id = 2", [])
        .unwrap();
    let after = strings(
        &conn,
        "SELECT actor || ':' || COALESCE(actor_user_id, 'gone') || ':' || detail FROM roster_audit",
    );
    assert_eq!(after, ["ada:gone:logged in"]);
    let err = conn
        .execute("UPDATE roster_audit SET detail = 'x'", [])
        .unwrap_err();
    assert!(err.to_string().contains("append-only"));
}

fn fill_users_and_audit(conn: &Connection) {
    super::test_db::add_plain_users(conn, &[(1, "admin"), (2, "ada")]);
    conn.execute(
        "INSERT INTO roster_audit (at, actor_user_id, actor, action, detail) VALUES ('2026-01-02', 2, 'ada', 'login', 'logged in')",
        [],
    )
    .unwrap();
}

/// Django's SQLite schema editor alters a table by rebuilding it: a new table, copy, drop, rename,
/// with foreign keys off and SQLite's checked rename, then a foreign key check. On a database with
/// Roster's imports and audit log that must pass (V8's audit trigger named the user table, so the
/// rename failed while the table was gone and Django stopped on roster_import_row's foreign key).
#[test]
fn django_can_rebuild_the_user_table_of_a_roster_database() {
    let (_dir, conn) = v7_filled_and_migrated();
    super::test_db::rebuild_user_table_like_django(&conn);
    let violations: i64 = conn
        .query_row("SELECT COUNT(*) FROM pragma_foreign_key_check", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(violations, 0);
    // The delete rules still hold on the rebuilt table.
    conn.execute("DELETE FROM auth_user WHERE id = 2", [])
        .unwrap();
    assert_eq!(
        strings(
            &conn,
            "SELECT username || ':' || COALESCE(user_id, 'gone') FROM roster_import_row WHERE line = 2"
        ),
        ["ada:gone"]
    );
}
