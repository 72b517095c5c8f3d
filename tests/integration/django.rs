//! Django compatibility against committed fixtures made by real Django (see tests/fixtures/django/README.md).

use std::collections::BTreeSet;
use std::path::Path;

use crate::helpers::*;

const DJANGO_DDL: &str = include_str!("../fixtures/django/schema_sqlite_master.sql");

fn ddl(db: &Path, filter: &str) -> BTreeSet<String> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut stmt = conn
        .prepare(&format!("SELECT sql || ';' FROM sqlite_master WHERE sql IS NOT NULL AND name <> 'sqlite_sequence' AND {filter}"))
        .unwrap();
    stmt.query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn a_new_database_has_djangos_exact_schema_and_rows() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("new.sqlite3");
    migrate(&db);
    let expected: BTreeSet<String> = DJANGO_DDL
        .lines()
        .filter(|l| l.starts_with("CREATE") && !l.contains("sqlite_sequence"))
        .map(str::to_string)
        .collect();
    // Roster's own indexes on Django's tables (named roster_…) are extra, not a change to them.
    assert_eq!(
        ddl(
            &db,
            "tbl_name NOT LIKE 'roster%' AND name NOT LIKE 'roster%'"
        ),
        expected
    );
    let conn = rusqlite::Connection::open(&db).unwrap();
    let count = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
    assert_eq!(count("SELECT COUNT(*) FROM django_migrations"), 18);
    assert_eq!(count("SELECT COUNT(*) FROM django_content_type"), 6);
    assert_eq!(count("SELECT COUNT(*) FROM auth_permission"), 24);
    assert_eq!(
        count("SELECT id FROM django_content_type WHERE app_label = 'auth' AND model = 'user'"),
        4
    );
    assert_eq!(
        count("SELECT id FROM auth_permission WHERE codename = 'view_session'"),
        24
    );
    let applied: String = conn.query_row("SELECT applied FROM django_migrations WHERE name = '0012_alter_user_first_name_max_length'", [], |r| r.get(0)).unwrap();
    assert_eq!(
        applied.len(),
        "2026-11-21 04:26:55.561972".len(),
        "Django's datetime format: {applied}"
    );
}

#[test]
fn an_existing_django_database_only_gains_roster_tables() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.sqlite3");
    std::fs::copy("tests/fixtures/django/django_project.sqlite3", &db).unwrap();
    let before = ddl(&db, "1 = 1");
    let users_before: Vec<String> = {
        let conn = rusqlite::Connection::open(&db).unwrap();
        let mut stmt = conn
            .prepare("SELECT username || password FROM auth_user ORDER BY id")
            .unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    let out = roster(&db, &["migrate"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let after = ddl(&db, "1 = 1");
    let added: Vec<&String> = after.difference(&before).collect();
    assert!(before.is_subset(&after), "Django's DDL is untouched");
    assert!(!added.is_empty());
    for sql in added {
        assert!(
            // FTS5 names its shadow tables in single quotes ('roster_user_search_data').
            sql.contains("\"roster_") || sql.contains(" roster_") || sql.contains("'roster_"),
            "only roster_ objects are added: {sql}"
        );
    }
    let conn = rusqlite::Connection::open(&db).unwrap();
    let mut stmt = conn
        .prepare("SELECT username || password FROM auth_user ORDER BY id")
        .unwrap();
    let users_after: Vec<String> = stmt
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(users_before, users_after);
    let migrations: i64 = conn
        .query_row("SELECT COUNT(*) FROM django_migrations", [], |r| r.get(0))
        .unwrap();
    assert_eq!(migrations, 18, "no migration recorded twice");

    // Users Django created are duplicates for the import, compared without regard to case.
    let csv = dir.path().join("t.csv");
    std::fs::write(
        &csv,
        format!("{HEADER}\nA;B;new@example.com;EXISTING;;;\nC;D;existing@example.com;fresh;;;\n"),
    )
    .unwrap();
    let out = roster(&db, &["import", csv.to_str().unwrap(), "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["errors"][0]["code"], "duplicate_username");
    assert_eq!(json["errors"][1]["code"], "duplicate_email");
}

#[test]
fn a_superuser_made_by_django_logs_in_to_roster() {
    let app = spawn_app_with(|db| {
        std::fs::copy("tests/fixtures/django/django_project.sqlite3", db).unwrap();
    });
    assert!(
        app.setup_path.is_none(),
        "Django's superuser counts as the admin"
    );
    app.login("djadmin", "django-admin-pw");
    let (status, html) = app.page("/users");
    assert_eq!(status, 200);
    assert!(html.contains("existing") && html.contains("legacy"));
}

#[test]
fn users_django_wrote_beside_the_search_index_are_found_and_django_kept_working() {
    for version in ["4.2", "6.1"] {
        // Made by gen/check_search_index.sh: Django (on its own SQLite 3.40) migrated, checked,
        // flushed a copy, created `djboss` and `zoe`, renamed `ada` to Byron, deleted `alan`.
        let said: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(format!(
                "tests/fixtures/django/search_index_django_checks_{version}.json"
            ))
            .unwrap(),
        )
        .unwrap();
        for step in ["migrate", "check", "migrate_check", "flush"] {
            assert_eq!(said[step], "ok", "{version} {step}: {said}");
        }
        assert_eq!(said["users_after_flush"], 0);
        let fixture = format!("tests/fixtures/django/search_index_{version}.sqlite3");
        let app = spawn_app_with(|db| {
            std::fs::copy(&fixture, db).unwrap();
            let conn = rusqlite::Connection::open(db).unwrap();
            let pending: i64 = conn
                .query_row("SELECT count(*) FROM roster_user_search_pending", [], |r| {
                    r.get(0)
                })
                .unwrap();
            assert!(pending > 0, "Django's writes went through the triggers");
            // More users than a search checks one by one, so the index answers (see user_search.rs).
            conn.execute_batch(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000) \
                 INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, \
                                        email, is_staff, is_active, date_joined) \
                 SELECT '!', 0, 'filler' || i, 'Fill', 'Er', 'filler' || i || '@example.com', 0, 1, \
                        '2026-01-01 00:00:00' FROM n",
            )
            .unwrap();
            seed_admin(db);
            let left: i64 = conn
                .query_row("SELECT count(*) FROM roster_user_search_pending", [], |r| {
                    r.get(0)
                })
                .unwrap();
            assert_eq!(
                left, 1,
                "Roster indexed them at start; only the admin added since waits"
            );
        });
        app.login_admin();
        let found = |term: &str| app.page(&format!("/users?q={term}")).1;
        assert!(
            found("ngstr%C3%B6m-quux").contains("zoe@example.com"),
            "{version}"
        );
        assert!(found("djbos").contains("boss@example.com"), "{version}");
        let byron = found("byron");
        assert!(byron.contains("ada@example.com"), "{version}");
        assert!(!found("lovelace").contains("ada@example.com"), "{version}");
        assert!(!found("turing").contains("alan@example.com"), "{version}");
    }
}
