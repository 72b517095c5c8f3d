//! Roster next to a real Django project: database URLs, swapped user models, reset links signed
//! with SECRET_KEY_FALLBACKS.

use std::path::Path;

use crate::helpers::*;

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn database_urls_are_refused_with_a_clear_message() {
    // PostgreSQL URLs reach `migrate` (tests/integration/postgres/).
    for (url, says) in [
        (
            "mysql://app@db.internal/shop",
            "\"mysql://\" database URLs are not supported",
        ),
        (
            "sqlite://app@db.internal/shop",
            "\"sqlite://\" database URLs are not supported",
        ),
    ] {
        let out = roster(Path::new(url), &["migrate"]);
        assert!(!out.status.success(), "{url}");
        let text = stderr(&out);
        assert!(text.contains(says), "{url}: {text}");
        assert!(text.contains("SQLite file"), "{url}: {text}");
        let scheme = url.split_once(':').unwrap().0;
        assert!(
            !Path::new(&format!("{scheme}:")).exists(),
            "no file or folder made"
        );
    }
    // A plain relative or absolute path is no URL.
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("shop.sqlite3");
    assert!(roster(&db, &["migrate"]).status.success());
}

/// The tables of a database file, sorted.
fn tables(db: &Path) -> Vec<String> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut stmt = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .unwrap();
    stmt.query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn a_swapped_user_model_is_refused_before_anything_is_written() {
    // Made by Django 4.2 with AUTH_USER_MODEL = "accounts.User" (tests/fixtures/django/README.md).
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.sqlite3");
    std::fs::copy("tests/fixtures/django/custom_user_project.sqlite3", &db).unwrap();
    let before = std::fs::read(&db).unwrap();
    let csv = dir.path().join("people.csv");
    std::fs::write(
        &csv,
        format!("{HEADER}\nA;B;boss2@example.com;boss;;;pw-123-abc\n"),
    )
    .unwrap();
    for args in [
        vec!["migrate"],
        vec!["import", csv.to_str().unwrap()],
        vec!["ou", "list"],
    ] {
        let out = roster(&db, &args);
        assert!(!out.status.success(), "{args:?} must fail");
        let text = stderr(&out);
        for needle in [
            "custom user model",
            "accounts.user",
            "ROSTER_USER_MODEL",
            "Nothing was written",
        ] {
            assert!(text.contains(needle), "{args:?}: {needle} in {text}");
        }
    }
    assert_eq!(std::fs::read(&db).unwrap(), before, "the file is untouched");
    assert!(
        !tables(&db).contains(&"auth_user".to_string()),
        "no shadow auth_user"
    );

    // A database an older Roster already gave a shadow auth_user is refused as well.
    let conn = rusqlite::Connection::open(&db).unwrap();
    let auth_user_ddl = include_str!("../../migrations/V1__django_schema.sql")
        .lines()
        .find(|l| l.contains("TABLE IF NOT EXISTS \"auth_user\" ("))
        .unwrap();
    conn.execute_batch(auth_user_ddl).unwrap();
    drop(conn);
    let out = roster(&db, &["migrate"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("accounts.user (table accounts_user)"),
        "{}",
        stderr(&out)
    );

    let out = roster_with(
        &db,
        &["migrate"],
        &[("ROSTER_USER_MODEL", "accounts.User")],
        None,
    );
    assert!(
        out.status.success(),
        "told the model, Roster uses it: {}",
        stderr(&out)
    );
}

#[test]
fn reset_links_signed_with_a_fallback_key_are_accepted() {
    const CURRENT: &str = "the-rotated-in-secret-key-0123456789-abcdefghijklmnop";
    const OLD: &str = "the-old-secret-key-still-in-fallbacks-0123456789-abcd";
    const GONE: &str = "a-key-that-was-dropped-from-the-fallbacks-0123456789";
    let app = spawn_app_configured(seed_admin, |config| {
        config.accounts.secret_key = roster::config::SecretKeySource::Given(CURRENT.into());
        config.accounts.secret_key_fallbacks =
            roster::config::SecretKeyFallbacks(vec![GONE.replace("dropped", "other"), OLD.into()]);
    });
    let admin_id = app.user_id(ADMIN);
    let admin = crate::web_security::token_fields(&app, admin_id);
    let user = roster::auth::tokens::TokenUser {
        pk: admin_id,
        password: admin[0].as_deref().expect("a password"),
        last_login: admin[1].as_deref(),
        email: admin[2].as_deref().expect("an email"),
    };
    let uid = roster::auth::tokens::uidb64_encode(admin_id);
    let now = roster::auth::tokens::django_timestamp(chrono::Utc::now().timestamp(), 0);
    let status = |key: &str| {
        let token = roster::auth::tokens::make_token(&user, key, now);
        app.second_browser()
            .get(&format!("/reset/{uid}/{token}/"))
            .status()
            .as_u16()
    };
    assert_eq!(status(CURRENT), 303, "the current key");
    assert_eq!(status(OLD), 303, "a key in SECRET_KEY_FALLBACKS");
    assert_eq!(status(GONE), 400, "a key in neither");
}

#[test]
fn secret_key_fallbacks_come_from_the_environment_and_stay_hidden() {
    let cli = <roster::cli::Cli as clap::Parser>::try_parse_from([
        "roster",
        "--secret-key-fallbacks",
        "old-key-1,old-key-2",
        "migrate",
    ])
    .unwrap();
    let config = roster::config::Config::from_cli(&cli).unwrap();
    assert_eq!(
        config.accounts.secret_key_fallbacks.0,
        ["old-key-1", "old-key-2"]
    );
    let shown = format!("{config:?}");
    assert!(!shown.contains("old-key"), "never printed: {shown}");
}

/// A migrated database in a temporary folder, with the project's `trigger` added.
fn database_with_trigger(trigger: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.sqlite3");
    migrate(&db);
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute_batch(trigger)
        .unwrap();
    (dir, db)
}

#[test]
fn a_project_trigger_refusing_a_row_fails_that_row_and_finishes_the_import() {
    let (dir, db) = database_with_trigger(
        "CREATE TRIGGER shop_no_test_users BEFORE INSERT ON auth_user \
         WHEN NEW.username LIKE 'test%' \
         BEGIN SELECT RAISE(ABORT, 'shop policy: no test accounts'); END;",
    );
    let csv = dir.path().join("people.csv");
    std::fs::write(
        &csv,
        format!(
            "{HEADER}\nA;One;one@example.com;one;;;pw-one-123\n\
             T;Test;test@example.com;testuser;;;pw-test-123\n\
             C;Three;three@example.com;three;;;pw-three-123\n"
        ),
    )
    .unwrap();
    let out = roster(&db, &["import", csv.to_str().unwrap(), "--json"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["created"], 2);
    assert_eq!(json["failed"], 1);
    let error = &json["errors"][0];
    assert_eq!(error["line"], 3);
    assert_eq!(error["code"], "refused_by_database");
    let message = error["message"].as_str().unwrap();
    assert!(
        message.contains("shop policy: no test accounts"),
        "{message}"
    );
    assert!(!message.contains("1811"), "no raw SQLite code: {message}");
    let conn = rusqlite::Connection::open(&db).unwrap();
    let status: String = conn
        .query_row("SELECT status FROM roster_import", [], |r| r.get(0))
        .unwrap();
    assert_eq!(status, "done", "the import record is finished");
    let users: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM auth_user WHERE username IN ('one', 'three')",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(users, 2);
}

#[test]
fn a_refusal_after_the_user_insert_leaves_no_half_written_user_and_the_rest_once() {
    // The import writes a batch's users in one go; a refusal there rolls the batch back and
    // writes it again row by row. Here the project refuses the profile row, after the user's own
    // insert went through: that user must be gone entirely, every other one created exactly once.
    let (dir, db) = database_with_trigger(
        "CREATE TRIGGER shop_no_interns AFTER INSERT ON roster_user_profile \
         WHEN NEW.job_title = 'Intern' \
         BEGIN SELECT RAISE(ABORT, 'shop policy: no interns'); END;",
    );
    let rows: String = (0..50)
        .map(|i| {
            let job = if i == 17 { "Intern" } else { "Engineer" };
            format!("F{i};L{i};u{i}@example.com;u{i};;{job};\n")
        })
        .collect();
    let json = import_some_refused(dir.path(), &db, &rows);
    assert_eq!(json["created"], 49);
    assert_eq!(json["failed"], 1);
    assert_eq!(json["errors"][0]["line"], 19);
    assert_eq!(json["errors"][0]["code"], "refused_by_database");
    let conn = rusqlite::Connection::open(&db).unwrap();
    let count = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
    assert_eq!(
        count("SELECT COUNT(*) FROM auth_user WHERE username = 'u17'"),
        0
    );
    assert_eq!(count("SELECT COUNT(*) FROM auth_user"), 49);
    assert_eq!(count("SELECT COUNT(DISTINCT username) FROM auth_user"), 49);
    assert_eq!(count("SELECT COUNT(*) FROM auth_user_groups"), 49);
    assert_eq!(count("SELECT COUNT(*) FROM roster_user_profile"), 49);
    // Every created row points at its own user and keeps that user's fingerprint.
    assert_eq!(
        count(
            "SELECT COUNT(*) FROM roster_import_row r JOIN auth_user u ON u.id = r.user_id \
             WHERE u.username = r.username AND length(r.user_fingerprint) = 64"
        ),
        49
    );
    assert_eq!(
        count("SELECT COUNT(*) FROM roster_import_row WHERE user_id IS NULL AND code IS NOT NULL"),
        1
    );
}

#[test]
fn a_user_refused_after_its_own_insert_with_fail_leaves_nothing_behind() {
    // The import inserts users with `INSERT OR FAIL` (no statement journal), so a refusal that
    // SQLite does not undo by itself, here RAISE(FAIL) after the user's row is written, must be
    // undone by the import's savepoints: no user, no group link, no profile for that row.
    let (dir, db) = database_with_trigger(
        "CREATE TRIGGER shop_fail_late AFTER INSERT ON auth_user \
         WHEN NEW.username = 'u7' \
         BEGIN SELECT RAISE(FAIL, 'shop policy: u7 is reserved'); END;",
    );
    let rows: String = (0..20)
        .map(|i| format!("F{i};L{i};u{i}@example.com;u{i};;Engineer;\n"))
        .collect();
    let json = import_some_refused(dir.path(), &db, &rows);
    assert_eq!(json["created"], 19);
    assert_eq!(json["errors"][0]["line"], 9);
    assert_eq!(json["errors"][0]["code"], "refused_by_database");
    let conn = rusqlite::Connection::open(&db).unwrap();
    let count = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
    assert_eq!(
        count("SELECT COUNT(*) FROM auth_user WHERE username = 'u7'"),
        0
    );
    assert_eq!(count("SELECT COUNT(*) FROM auth_user"), 19);
    assert_eq!(count("SELECT COUNT(*) FROM auth_user_groups"), 19);
    assert_eq!(count("SELECT COUNT(*) FROM roster_user_profile"), 19);
}

#[test]
fn a_user_a_project_trigger_skips_fails_its_row_and_every_other_row_names_its_own_user() {
    // RAISE(IGNORE) makes SQLite skip the user's row without an error. With one statement per
    // user the import took the previous user's id for it (undo would then remove that user); the
    // users' RETURNING lists only the stored ones, so the skipped row fails as refused.
    let (dir, db) = database_with_trigger(
        "CREATE TRIGGER shop_skip BEFORE INSERT ON auth_user WHEN NEW.username = 'u70' \
         BEGIN SELECT RAISE(IGNORE); END;",
    );
    let rows: String = (0..100)
        .map(|i| format!("F{i};L{i};u{i}@example.com;u{i};;Engineer;\n"))
        .collect();
    let json = import_some_refused(dir.path(), &db, &rows);
    assert_eq!(json["created"], 99);
    assert_eq!(json["failed"], 1);
    assert_eq!(json["errors"][0]["line"], 72);
    assert_eq!(json["errors"][0]["code"], "refused_by_database");
    let conn = rusqlite::Connection::open(&db).unwrap();
    let count = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
    assert_eq!(count("SELECT COUNT(*) FROM auth_user"), 99);
    assert_eq!(
        count(
            "SELECT COUNT(*) FROM roster_import_row r JOIN auth_user u ON u.id = r.user_id \
             WHERE u.username = r.username"
        ),
        99
    );
    assert_eq!(
        count("SELECT COUNT(DISTINCT user_id) FROM roster_import_row"),
        99
    );
    assert_eq!(count("SELECT COUNT(*) FROM roster_user_profile"), 99);
}

/// Imports `rows` (after the header, no passwords, mail not required) into `db`, expecting some
/// rows refused (exit code 3), and returns the JSON report.
fn import_some_refused(
    dir: &std::path::Path,
    db: &std::path::Path,
    rows: &str,
) -> serde_json::Value {
    let csv = dir.join("people.csv");
    std::fs::write(&csv, format!("{HEADER}\n{rows}")).unwrap();
    let out = roster(
        db,
        &[
            "import",
            csv.to_str().unwrap(),
            "--json",
            "--allow-without-mail",
        ],
    );
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}
