//! `ROSTER_USER_MODEL=accounts.User`: Roster on a real Django project with its own user model
//! (cookiecutter-style, one `name` field), made by Django 5.2 (tests/fixtures/django/README.md).

use std::path::{Path, PathBuf};

use crate::admin_panel::save_user;
use crate::helpers::*;

const NAMED: &str = "tests/fixtures/django/named_user_project.sqlite3";
const MODEL: (&str, &str) = ("ROSTER_USER_MODEL", "accounts.User");
const ADA: &str = "Ada;Lovelace;ada@example.com;ada;;;Ada-pass-2026!";

/// A copy of a fixture database in a fresh temp dir.
fn copy_of(fixture: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.sqlite3");
    std::fs::copy(fixture, &db).unwrap();
    (dir, db)
}

fn text(db: &Path, sql: &str) -> String {
    rusqlite::Connection::open(db)
        .unwrap()
        .query_row(sql, [], |r| r.get::<_, Option<String>>(0))
        .unwrap()
        .unwrap_or_default()
}

/// Runs `roster import` on a CSV holding `row` (after the header) next to `db`; panics unless it succeeds.
fn import_row(db: &Path, row: &str, env: &[(&str, &str)]) {
    let csv = db.with_file_name("team.csv");
    std::fs::write(&csv, format!("{HEADER}\n{row}\n")).unwrap();
    let out = roster_with(db, &["import", csv.to_str().unwrap()], env, None);
    assert!(out.status.success(), "{}", stderr(&out));
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn users_are_imported_edited_and_logged_in_through_the_projects_user_model() {
    let (_dir, db) = copy_of(NAMED);
    import_row(
        &db,
        "Ada;Lovelace;ada@example.com;ada;;Engineer;Ada-pass-2026!",
        &[MODEL],
    );

    // Everything went into Django's accounts_user and its link table; no shadow auth tables.
    let tables = text(
        &db,
        "SELECT group_concat(name, ' ') FROM (SELECT name FROM sqlite_master \
         WHERE type = 'table' AND name LIKE '%user%' AND name NOT LIKE 'roster%' ORDER BY name)",
    );
    assert_eq!(
        tables,
        "accounts_user accounts_user_groups accounts_user_user_permissions"
    );
    assert_eq!(
        text(
            &db,
            "SELECT COUNT(*) || '' FROM django_content_type WHERE app_label = 'auth' AND model = 'user'"
        ),
        "0"
    );
    assert_eq!(
        text(
            &db,
            "SELECT name || '|' || email || '|' || is_active || is_staff || is_superuser || '|' || \
             substr(password, 1, 14) || '|' || (last_login IS NULL) FROM accounts_user WHERE username = 'ada'"
        ),
        "Ada Lovelace|ada@example.com|100|pbkdf2_sha256$|1"
    );
    assert_eq!(
        text(
            &db,
            "SELECT group_concat(g.name) FROM accounts_user_groups l JOIN auth_group g ON g.id = l.group_id \
             JOIN accounts_user u ON u.id = l.user_id WHERE u.username = 'ada'"
        ),
        "Default User"
    );

    let app = spawn_app_configured(
        |path| {
            std::fs::copy(&db, path).unwrap();
        },
        |config| config.user_model = roster::config::UserModelName::parse(MODEL.1).unwrap(),
    );
    assert!(
        app.setup_path.is_none(),
        "Django's superuser counts: no setup link"
    );
    // Django's superuser, with the Argon2 hash Django made, signs in to Roster.
    app.login("boss", "Boss-pass-2026!");
    let (code, list) = app.page("/users?q=Danvers");
    assert_eq!(code, 200);
    assert!(
        list.contains("Carol Danvers") && !list.contains("Lovelace"),
        "{list}"
    );
    let carol: i64 = text(
        &app.db_path,
        "SELECT id || '' FROM accounts_user WHERE username = 'carol'",
    )
    .parse()
    .unwrap();
    let res = save_user(&app, carol, &[("email", "carol.d@example.com")], &[]);
    assert_eq!(res.status().as_u16(), 303, "{}", res.text().unwrap());
    assert_eq!(
        text(
            &app.db_path,
            "SELECT name || '|' || email || '|' || is_staff || is_superuser || '|' || \
             (SELECT group_concat(g.name) FROM accounts_user_groups l JOIN auth_group g ON g.id = l.group_id \
              WHERE l.user_id = u.id) FROM accounts_user u WHERE username = 'carol'"
        ),
        "Carol Danvers|carol.d@example.com|00|Editors"
    );
    // The imported user signs in; the login is stored in Django's table.
    let ada = app.second_browser();
    ada.login("ada", "Ada-pass-2026!");
    assert_ne!(
        text(
            &app.db_path,
            "SELECT last_login FROM accounts_user WHERE username = 'ada'"
        ),
        ""
    );
}

#[test]
fn a_required_text_field_of_the_model_gets_an_empty_string_as_django_gives_it() {
    // mkproject.sh's accounts.User(AbstractUser) adds `department = CharField(blank=True)`:
    // NOT NULL without a database default, which Django fills with "".
    let (_dir, db) = copy_of("tests/fixtures/django/custom_user_project.sqlite3");
    import_row(&db, ADA, &[MODEL]);
    assert_eq!(
        text(
            &db,
            "SELECT first_name || '|' || last_name || '|[' || department || ']' \
             FROM accounts_user WHERE username = 'ada'"
        ),
        "Ada|Lovelace|[]"
    );
}

#[test]
fn user_models_roster_cannot_fill_are_refused_before_anything_is_written() {
    let (_dir, db) = copy_of(NAMED);
    // A model with a required integer field and no database default.
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute_batch(
            "CREATE TABLE shop_member (id integer NOT NULL PRIMARY KEY AUTOINCREMENT, \
             password varchar(128) NOT NULL, last_login datetime NULL, is_superuser bool NOT NULL, \
             username varchar(150) NOT NULL UNIQUE, email varchar(254) NOT NULL UNIQUE, \
             is_staff bool NOT NULL, is_active bool NOT NULL, date_joined datetime NOT NULL, \
             name varchar(255) NOT NULL, badge_no integer NOT NULL, prefs text NOT NULL \
             CHECK ((JSON_VALID(\"prefs\") OR \"prefs\" IS NULL)));
             PRAGMA journal_mode = DELETE;",
        )
        .unwrap();
    let before = std::fs::read(&db).unwrap();
    let refused = |model: &str, says: &[&str]| {
        let out = roster_with(&db, &["migrate"], &[("ROSTER_USER_MODEL", model)], None);
        assert!(!out.status.success(), "{model}");
        let text = stderr(&out);
        for needle in says {
            assert!(text.contains(needle), "{model}: {needle} in {text}");
        }
        assert_eq!(
            std::fs::read(&db).unwrap(),
            before,
            "{model}: file untouched"
        );
    };
    refused(
        "shop.Member",
        &[
            "badge_no (INTEGER)",
            "prefs (TEXT)",
            "db_default",
            "Nothing was written",
        ],
    );
    refused(
        "accounts.Person",
        &["no table accounts_person", "Nothing was written"],
    );
    refused("accounts", &["app_label.Model"]);

    // A project file that does not exist is not created for a custom model.
    let missing = db.with_file_name("missing.sqlite3");
    let out = roster_with(&missing, &["migrate"], &[MODEL], None);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("does not exist"), "{}", stderr(&out));
    assert!(!missing.exists());
}

/// The UTC instant a stored naive datetime means in `zone`.
fn as_utc(stored: &str, zone: chrono_tz::Tz) -> chrono::DateTime<chrono::Utc> {
    use chrono::TimeZone;
    let naive = chrono::NaiveDateTime::parse_from_str(stored, "%Y-%m-%d %H:%M:%S%.f").unwrap();
    zone.from_local_datetime(&naive)
        .earliest()
        .unwrap()
        .with_timezone(&chrono::Utc)
}

#[test]
fn with_use_tz_false_user_datetimes_are_stored_as_local_time_like_django() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.sqlite3");
    let tokyo = [
        ("ROSTER_USE_TZ", "False"),
        ("ROSTER_TIME_ZONE", "Asia/Tokyo"),
    ];
    let before = chrono::Utc::now();
    import_row(&db, ADA, &tokyo);
    let after = chrono::Utc::now();
    let joined = text(
        &db,
        "SELECT date_joined FROM auth_user WHERE username = 'ada'",
    );
    // Django with USE_TZ = False and TIME_ZONE = "Asia/Tokyo" writes the naive Tokyo wall clock.
    let meant = as_utc(&joined, chrono_tz::Asia::Tokyo);
    assert!(
        meant >= before - chrono::Duration::seconds(1) && meant <= after,
        "{joined} is not Tokyo time now"
    );
    // Roster's own records stay UTC.
    let started = text(&db, "SELECT started_at FROM roster_import");
    let started = as_utc(&started, chrono_tz::UTC);
    assert!(started >= before - chrono::Duration::seconds(1) && started <= after);

    // Default USE_TZ = True: UTC, whatever the time zone.
    let utc_dir = tempfile::tempdir().unwrap();
    let db_utc = utc_dir.path().join("db.sqlite3");
    import_row(&db_utc, ADA, &[("ROSTER_TIME_ZONE", "Asia/Tokyo")]);
    let joined = text(
        &db_utc,
        "SELECT date_joined FROM auth_user WHERE username = 'ada'",
    );
    let meant = as_utc(&joined, chrono_tz::UTC);
    assert!(meant >= before - chrono::Duration::seconds(1) && meant <= chrono::Utc::now());

    let out = roster_with(&db, &["migrate"], &[("ROSTER_USE_TZ", "maybe")], None);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("use-tz"), "{}", stderr(&out));
}
