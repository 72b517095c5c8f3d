//! `roster --database postgres://… migrate` on a real server: Django's exact schema on an empty
//! database, only `roster_` tables on a Django-made one, idempotent, the audit log append-only and
//! the delete rules as on SQLite.

use std::path::Path;
use std::process::Output;

use super::cluster::{cluster, new_database};
use super::schema::{DJANGO_DUMP, difference, django_statements};
use crate::helpers::roster_with;

/// Runs roster with `--database URL` (the password, if any, is in the URL or `env`).
pub fn roster_pg(url: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
    roster_with(Path::new(url), args, env, None)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn tables(client: &mut postgres::Client) -> Vec<String> {
    client
        .query(
            "SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' ORDER BY 1",
            &[],
        )
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect()
}

const ROSTER_TABLES: [&str; 11] = [
    "roster_api_token",
    "roster_audit",
    "roster_import",
    "roster_import_row",
    "roster_invitation",
    "roster_mail_settings",
    "roster_organizational_unit",
    "roster_rate_limit",
    "roster_schema_history",
    "roster_session",
    "roster_user_profile",
];

#[test]
fn on_an_empty_database_migrate_creates_djangos_exact_schema_and_rosters_tables() {
    let pg = cluster();
    let db = new_database("empty");
    let url = pg.url(&db, "?sslmode=require");
    let started = std::time::Instant::now();
    let out = roster_pg(&url, &["migrate"], &[]);
    let first_run = started.elapsed();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let said = text(&out.stdout);
    assert!(
        said.contains(&format!(
            "Database postgres://roster@127.0.0.1:{}/{db} is up to date (Django's tables created).",
            pg.port
        )),
        "{said}"
    );
    assert!(!said.contains(&pg.password) && !text(&out.stderr).contains(&pg.password));

    let dump = pg.schema_dump(&db);
    let (django, roster) = (django_statements(DJANGO_DUMP), django_statements(&dump));
    assert!(django == roster, "{}", difference(&django, &roster));

    let mut client = pg.client(&db);
    let mut expected: Vec<String> = [
        "auth_group",
        "auth_group_permissions",
        "auth_permission",
        "auth_user",
        "auth_user_groups",
        "auth_user_user_permissions",
        "django_admin_log",
        "django_content_type",
        "django_migrations",
        "django_session",
    ]
    .iter()
    .chain(ROSTER_TABLES.iter())
    .map(|name| name.to_string())
    .collect();
    expected.sort();
    assert_eq!(tables(&mut client), expected);
    let recorded: i64 = client
        .query_one(
            "SELECT COUNT(*) FROM django_migrations WHERE app IN ('admin', 'auth', 'contenttypes', 'sessions')",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(recorded, 18, "the migrations Django 4.2 to 6.1 record");
    let permissions = super::count(&mut client, "auth_permission");
    assert_eq!(
        permissions, 24,
        "Django's default permissions for six models"
    );

    // A second run changes nothing and says so.
    let started = std::time::Instant::now();
    let again = roster_pg(&url, &["migrate"], &[]);
    let second_run = started.elapsed();
    assert!(again.status.success(), "{}", text(&again.stderr));
    assert!(
        text(&again.stdout).ends_with("is up to date.\n"),
        "{}",
        text(&again.stdout)
    );
    let without_keys = |dump: &str| -> String {
        // pg_dump's \restrict key is random per run.
        dump.lines()
            .filter(|line| !line.starts_with("\\restrict") && !line.starts_with("\\unrestrict"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(without_keys(&pg.schema_dump(&db)), without_keys(&dump));
    let versions: Vec<i32> = client
        .query("SELECT version FROM roster_schema_history", &[])
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect();
    assert_eq!(versions, [12, 13, 14, 15]);
    eprintln!("migrate of an empty database: {first_run:?}; again: {second_run:?}");
}

#[test]
fn on_a_database_django_made_migrate_only_adds_rosters_tables() {
    let pg = cluster();
    let db = new_database("django");
    let mut client = pg.client(&db);
    client.batch_execute(DJANGO_DUMP).unwrap();
    // pg_dump sets an empty search_path; the tests' own checks use public again.
    drop(client);
    let mut client = pg.client(&db);
    client
        .batch_execute(
            "INSERT INTO django_migrations (app, name, applied) VALUES ('inventory', '0001_initial', now());
             INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, email,
                 is_staff, is_active, date_joined)
             VALUES ('!', true, 'djadmin', '', '', 'djadmin@example.com', true, true, now());",
        )
        .unwrap();
    let before = tables(&mut client);

    let out = roster_pg(&pg.url(&db, ""), &["migrate"], &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).ends_with("is up to date.\n"),
        "no Django tables made: {}",
        text(&out.stdout)
    );
    let after = tables(&mut client);
    let added: Vec<&String> = after.iter().filter(|t| !before.contains(t)).collect();
    assert_eq!(added, ROSTER_TABLES.iter().collect::<Vec<_>>());
    // Django's own statements (inventory's included) are exactly what they were.
    let dump = pg.schema_dump(&db);
    let ours = django_statements(&dump);
    let djangos = django_statements(DJANGO_DUMP);
    assert!(ours == djangos, "{}", difference(&djangos, &ours));
    assert!(dump.contains("CREATE TABLE public.inventory_item"));
    assert_eq!(super::count(&mut client, "auth_user"), 1);
}

#[test]
fn a_database_with_django_history_but_no_user_table_is_refused() {
    let pg = cluster();
    let db = new_database("swapped");
    let mut client = pg.client(&db);
    client
        .batch_execute(
            "CREATE TABLE django_migrations (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                 app varchar(255) NOT NULL, name varchar(255) NOT NULL, applied timestamptz NOT NULL);
             CREATE TABLE accounts_user (id bigint PRIMARY KEY);",
        )
        .unwrap();
    let out = roster_pg(&pg.url(&db, ""), &["migrate"], &[]);
    assert!(!out.status.success());
    let said = text(&out.stderr);
    assert!(said.contains("no auth_user table"), "{said}");
    assert!(said.contains("manage.py migrate"), "{said}");
    assert!(!tables(&mut client).iter().any(|t| t.starts_with("roster_")));
}

#[test]
fn the_audit_log_is_append_only_but_follows_a_deleted_actor() {
    let pg = cluster();
    let db = new_database("audit");
    let out = roster_pg(&pg.url(&db, "?sslmode=disable"), &["migrate"], &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let mut client = pg.client(&db);
    client
        .batch_execute(
            "INSERT INTO auth_user (id, password, is_superuser, username, first_name, last_name,
                 email, is_staff, is_active, date_joined)
             VALUES (7, '!', true, 'boss', '', '', 'boss@example.com', true, true, now());
             INSERT INTO roster_audit (at, actor_user_id, actor, action) VALUES (now(), 7, 'boss', 'login');
             INSERT INTO roster_session (key_hash, user_id, password_fingerprint, created_at, expires_at)
                 VALUES ('k', 7, 'f', now(), now());
             INSERT INTO roster_import (started_at, actor_user_id, actor, source, file_name, rows_total,
                 created, failed, passwordless) VALUES (now(), 7, 'boss', 'cli', 'a.csv', 1, 1, 0, 0);",
        )
        .unwrap();
    for forbidden in [
        "UPDATE roster_audit SET action = 'nothing'",
        "UPDATE roster_audit SET actor_user_id = NULL, actor = 'someone else'",
        "DELETE FROM roster_audit",
        "TRUNCATE roster_audit",
    ] {
        let err = client.batch_execute(forbidden).unwrap_err();
        let message = err.as_db_error().map(|e| e.message().to_string());
        assert_eq!(
            message.as_deref(),
            Some("roster_audit is append-only"),
            "{forbidden}: {err}"
        );
    }
    // Django deletes the user: the entry stays with its actor's name; sessions go, imports stay.
    client
        .batch_execute("DELETE FROM auth_user WHERE id = 7")
        .unwrap();
    let row = client
        .query_one("SELECT actor_user_id, actor, action FROM roster_audit", &[])
        .unwrap();
    let (actor_id, actor, action): (Option<i32>, String, String) =
        (row.get(0), row.get(1), row.get(2));
    assert_eq!(
        (actor_id, actor.as_str(), action.as_str()),
        (None, "boss", "login")
    );
    let counts = client
        .query_one(
            "SELECT (SELECT COUNT(*) FROM roster_session),
                    (SELECT COUNT(*) FROM roster_import WHERE actor_user_id IS NULL)",
            &[],
        )
        .unwrap();
    assert_eq!((counts.get::<_, i64>(0), counts.get::<_, i64>(1)), (0, 1));
}

#[test]
fn serve_with_a_postgres_url_and_no_secret_key_says_in_one_line_what_to_set() {
    for url in [
        "postgres://app@127.0.0.1:1/shop",
        "postgresql://app:topsecret@127.0.0.1:1/shop",
    ] {
        let out = roster_pg(url, &["serve"], &[]);
        assert!(!out.status.success());
        let said = text(&out.stderr);
        assert_eq!(said.lines().count(), 1, "{said}");
        assert!(
            said.contains("ROSTER_SECRET_KEY") && said.contains("must use the same key"),
            "{said}"
        );
        assert!(!said.contains("topsecret"), "{said}");
    }
}

#[test]
fn two_migrates_at_once_take_turns() {
    let pg = cluster();
    let db = new_database("together");
    let url = pg.url(&db, "?sslmode=disable");
    let runs: Vec<Output> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..3)
            .map(|_| scope.spawn(|| roster_pg(&url, &["migrate"], &[])))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for out in &runs {
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    let created = runs
        .iter()
        .filter(|out| text(&out.stdout).contains("(Django's tables created)"))
        .count();
    assert_eq!(
        created, 1,
        "one run made Django's tables, the others found them"
    );
    let mut client = pg.client(&db);
    assert_eq!(super::count(&mut client, "django_migrations"), 18);
}
