//! `roster --database postgres://… import` on a real server: the same report and the same user
//! values as on SQLite, Django's PBKDF2 hashes, the mail gate, dry runs, a row the project's
//! database refuses, and two imports at once creating each user once.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

use super::cluster::{cluster, new_database};
use super::migrate::roster_pg;
use super::{count, usernames};
use crate::helpers::{HEADER, TEST_ITERATIONS, roster, roster_with};

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn write(dir: &Path, name: &str, content: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
    path
}

/// A database of its own, migrated, and a URL for it.
pub(super) fn migrated_database(label: &str) -> (String, postgres::Client) {
    let pg = cluster();
    let db = new_database(label);
    let url = pg.url(&db, "?sslmode=disable");
    let out = roster_pg(&url, &["migrate"], &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    (url, pg.client(&db))
}

pub(super) fn import_pg(url: &str, file: &Path, flags: &[&str]) -> Output {
    let mut args = vec!["import", file.to_str().unwrap()];
    args.extend_from_slice(flags);
    roster_pg(url, &args, &[])
}

/// What a user is, on either backend, apart from its id and its hash's salt.
#[derive(Debug, PartialEq, Eq)]
struct UserValues {
    names_and_email: (String, String, String),
    flags: (bool, bool, bool),
    logged_in: bool,
    /// `pbkdf2_sha256$<iterations>$` or `!` plus how many random characters follow.
    password_kind: String,
    groups: String,
    unit_and_title: (Option<String>, String),
}

fn password_kind(hash: &str) -> String {
    match hash.strip_prefix('!') {
        Some(rest) => format!("! + {} letters and digits", rest.len()),
        None => hash.splitn(3, '$').take(2).collect::<Vec<_>>().join("$") + "$",
    }
}

const USER_SQL: &str = "SELECT u.username, u.first_name, u.last_name, u.email, u.is_active, \
    u.is_staff, u.is_superuser, u.last_login IS NOT NULL, u.password, \
    (SELECT string_agg(g.name, ',') FROM auth_group g JOIN auth_user_groups ug ON ug.group_id = g.id \
     WHERE ug.user_id = u.id), ou.name, p.job_title \
    FROM auth_user u LEFT JOIN roster_user_profile p ON p.user_id = u.id \
    LEFT JOIN roster_organizational_unit ou ON ou.id = p.organizational_unit_id ORDER BY u.username";

fn pg_users(client: &mut postgres::Client) -> BTreeMap<String, UserValues> {
    client
        .query(USER_SQL, &[])
        .unwrap()
        .iter()
        .map(|r| {
            let hash: String = r.get(8);
            (
                r.get(0),
                UserValues {
                    names_and_email: (r.get(1), r.get(2), r.get(3)),
                    flags: (r.get(4), r.get(5), r.get(6)),
                    logged_in: r.get(7),
                    password_kind: password_kind(&hash),
                    groups: r.get::<_, Option<String>>(9).unwrap_or_default(),
                    unit_and_title: (r.get(10), r.get(11)),
                },
            )
        })
        .collect()
}

fn sqlite_users(db: &Path) -> BTreeMap<String, UserValues> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let sql = USER_SQL.replace("string_agg(g.name, ',')", "group_concat(g.name, ',')");
    let mut stmt = conn.prepare(&sql).unwrap();
    stmt.query_map([], |r| {
        let hash: String = r.get(8)?;
        Ok((
            r.get(0)?,
            UserValues {
                names_and_email: (r.get(1)?, r.get(2)?, r.get(3)?),
                flags: (r.get(4)?, r.get(5)?, r.get(6)?),
                logged_in: r.get(7)?,
                password_kind: password_kind(&hash),
                groups: r.get::<_, Option<String>>(9)?.unwrap_or_default(),
                unit_and_title: (r.get(10)?, r.get(11)?),
            },
        ))
    })
    .unwrap()
    .map(Result::unwrap)
    .collect()
}

/// The rows of the comparison file: a case-blind duplicate of an existing user, a user with a
/// password in a unit (named in other case), one without a password, a bad e-mail, a duplicate
/// in the file, and hostile values.
fn comparison_file() -> String {
    format!(
        "{HEADER}\n\
         Alice;Again;alice2@example.com;alice;;;\n\
         Grace;Hopper;grace@example.com;ghopper;équipe paris;Rear Admiral;Tall-Maple-pw-grace\n\
         Ada;Lovelace;Ada.Lovelace@Example.COM;ada;;Analyst;\n\
         Bob;Bad;not-an-email;bob;;;\n\
         Ada;Again;ada2@example.com;ADA;;;\n\
         \"=cmd|' /C calc'!A0\";<script>x</script>;emile@example.com;émile;;\"Smith; Jr.\";\n"
    )
}

#[test]
fn an_import_reports_and_writes_exactly_what_it_does_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let (url, mut client) = migrated_database("same");
    let sqlite = dir.path().join("roster.sqlite3");
    let first = write(
        dir.path(),
        "first.csv",
        &format!("{HEADER}\nAlice;Liddell;alice@example.com;Alice;;;\n"),
    );
    let file = write(dir.path(), "users.csv", &comparison_file());
    let flags = ["--json", "--allow-without-mail"];

    let out = roster(&sqlite, &["ou", "add", "Équipe Paris"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    client
        .execute(
            "INSERT INTO roster_organizational_unit (name, created_at) VALUES ('Équipe Paris', now())",
            &[],
        )
        .unwrap();
    let mut outputs = Vec::new();
    for path in [&first, &file] {
        let on_sqlite = roster(
            &sqlite,
            &["import", path.to_str().unwrap(), flags[0], flags[1]],
        );
        let started = chrono::Utc::now();
        let on_pg = import_pg(&url, path, &flags);
        let ended = chrono::Utc::now();
        assert_eq!(
            on_pg.status.code(),
            on_sqlite.status.code(),
            "{}",
            text(&on_pg.stderr)
        );
        assert_eq!(text(&on_pg.stdout), text(&on_sqlite.stdout));
        outputs.push((text(&on_pg.stdout), started, ended));
    }
    let (report, started, ended) = &outputs[1];
    for code in [
        "\"duplicate_username\"",
        "\"invalid_email\"",
        "\"duplicate_in_file\"",
    ] {
        assert!(report.contains(code), "{report}");
    }
    assert!(report.contains("\"created\": 3"), "{report}");

    let on_pg = pg_users(&mut client);
    assert_eq!(on_pg, sqlite_users(&sqlite));
    assert_eq!(
        on_pg.keys().collect::<Vec<_>>(),
        ["Alice", "ada", "ghopper", "émile"]
    );
    assert_eq!(
        on_pg["ghopper"].password_kind,
        format!("pbkdf2_sha256${TEST_ITERATIONS}$")
    );
    assert_eq!(on_pg["ada"].password_kind, "! + 40 letters and digits");
    assert_eq!(on_pg["ada"].groups, "Default User");
    assert_eq!(
        on_pg["ghopper"].unit_and_title,
        (Some("Équipe Paris".to_string()), "Rear Admiral".to_string())
    );
    // Django's date_joined: the time of the import, as a timestamp with time zone.
    let joined: f64 = client
        .query_one(
            "SELECT extract(epoch FROM date_joined)::float8 FROM auth_user WHERE username = 'ada'",
            &[],
        )
        .unwrap()
        .get(0);
    let seconds = |at: &chrono::DateTime<chrono::Utc>| at.timestamp_micros() as f64 / 1e6;
    assert!(
        seconds(started) - 1.0 <= joined && joined <= seconds(ended) + 1.0,
        "{joined}"
    );
    // The import and its rows, recorded as on SQLite; the audit entry reads the same.
    let record = client
        .query_one(
            "SELECT id, status, source, rows_total, rows_done, created, failed, passwordless, \
             allowed_without_mail, mail_check IS NOT NULL, finished_at IS NOT NULL \
             FROM roster_import ORDER BY id DESC LIMIT 1",
            &[],
        )
        .unwrap();
    let import_id: i64 = record.get(0);
    assert_eq!(
        (
            record.get::<_, String>(1),
            record.get::<_, String>(2),
            record.get::<_, i64>(3),
            record.get::<_, i64>(4),
        ),
        ("done".to_string(), "cli".to_string(), 6, 6)
    );
    assert_eq!(
        (
            record.get::<_, i64>(5),
            record.get::<_, i64>(6),
            record.get::<_, i64>(7),
            record.get::<_, bool>(8),
            record.get::<_, bool>(9),
            record.get::<_, bool>(10),
        ),
        (3, 3, 2, true, true, true)
    );
    let rows = |sql: &str| -> Vec<String> {
        let conn = rusqlite::Connection::open(&sqlite).unwrap();
        let mut stmt = conn.prepare(sql).unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    let row_sql = "SELECT line || '|' || username || '|' || email || '|' || job_title || '|' || \
         COALESCE(code, '') || '|' || COALESCE(column_name, '') || '|' || COALESCE(message, '') || '|' || \
         COALESCE(created_username, '') || '|' || (user_id IS NOT NULL) || '|' || \
         (user_fingerprint IS NOT NULL) FROM roster_import_row WHERE import_id = (SELECT MAX(id) FROM roster_import) ORDER BY line";
    let pg_rows: Vec<String> = client
        .query(
            &row_sql
                .replace("(user_id IS NOT NULL)", "(user_id IS NOT NULL)::int")
                .replace(
                    "(user_fingerprint IS NOT NULL)",
                    "(user_fingerprint IS NOT NULL)::int",
                ),
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(pg_rows.len(), 6);
    assert_eq!(pg_rows, rows(row_sql));
    let audit_sql = "SELECT action || '|' || actor || '|' || detail FROM roster_audit \
                     WHERE action = 'import' ORDER BY id";
    let pg_audit: Vec<String> = client
        .query(audit_sql, &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(pg_audit.len(), 2);
    assert_eq!(pg_audit, rows(audit_sql));
    // The fingerprint undo compares with, as SQLite's import stores it, computed here from the
    // users' fields; PostgreSQL's import stores the same.
    let fingerprint_sql = "SELECT r.user_fingerprint, u.username, u.first_name, u.last_name, \
        u.email, u.password, CAST(u.is_active AS int), CAST(u.is_staff AS int), \
        CAST(u.is_superuser AS int), COALESCE(CAST(p.organizational_unit_id AS text), ''), \
        p.job_title, (SELECT CAST(MIN(g.group_id) AS text) FROM auth_user_groups g \
        WHERE g.user_id = u.id), '' FROM roster_import_row r JOIN auth_user u ON u.id = r.user_id \
        JOIN roster_user_profile p ON p.user_id = u.id ORDER BY u.username";
    let conn = rusqlite::Connection::open(&sqlite).unwrap();
    let mut stmt = conn.prepare(fingerprint_sql).unwrap();
    let on_sqlite: Vec<(String, String)> = stmt
        .query_map([], |r| {
            let fields: Vec<String> = (1..13)
                .map(|i| {
                    r.get::<_, rusqlite::types::Value>(i).map(|v| match v {
                        rusqlite::types::Value::Integer(n) => n.to_string(),
                        rusqlite::types::Value::Text(t) => t,
                        other => panic!("{other:?}"),
                    })
                })
                .collect::<Result<_, _>>()?;
            Ok((r.get(0)?, fingerprint(&fields)))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let on_pg: Vec<(String, String)> = client
        .query(
            &fingerprint_sql
                .replace("CAST(u.is_", "CAST(CAST(u.is_")
                .replace(" AS int)", " AS int) AS text)"),
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| {
            let fields: Vec<String> = (1..13).map(|i| r.get(i)).collect();
            (r.get(0), fingerprint(&fields))
        })
        .collect();
    assert_eq!(on_sqlite.len(), 4);
    assert_eq!(on_pg.len(), 4);
    for (stored, computed) in on_sqlite.iter().chain(&on_pg) {
        assert_eq!(stored, computed);
    }
    let target: String = client
        .query_one(
            "SELECT target FROM roster_audit ORDER BY id DESC LIMIT 1",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(target, format!("import:{import_id}"));
}

/// `user_fingerprint`'s digest of a user's fields: SHA-256 over each field's length (8 bytes,
/// little-endian) and bytes, in lower-case hex.
fn fingerprint(fields: &[String]) -> String {
    let mut input = Vec::new();
    for field in fields {
        input.extend_from_slice(&(field.len() as u64).to_le_bytes());
        input.extend_from_slice(field.as_bytes());
    }
    ring::digest::digest(&ring::digest::SHA256, &input)
        .as_ref()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// Django's PBKDF2-SHA256 encoding, computed here with ring (not Roster's code).
pub fn django_pbkdf2(password: &str, salt: &str, iterations: u32) -> String {
    use base64::Engine;
    let mut derived = [0u8; 32];
    ring::pbkdf2::derive(
        ring::pbkdf2::PBKDF2_HMAC_SHA256,
        std::num::NonZeroU32::new(iterations).unwrap(),
        salt.as_bytes(),
        password.as_bytes(),
        &mut derived,
    );
    format!(
        "pbkdf2_sha256${iterations}${salt}${}",
        base64::engine::general_purpose::STANDARD.encode(derived)
    )
}

#[test]
fn an_imported_password_is_stored_as_djangos_pbkdf2_hash() {
    // The reference computation agrees with the vectors real Django made.
    let vectors: serde_json::Value =
        serde_json::from_str(include_str!("../../fixtures/django/vectors.json")).unwrap();
    let mut checked = 0;
    for vector in vectors["pbkdf2_sha256"].as_array().unwrap() {
        let (Some(password), Some(salt), Some(iterations), Some(encoded)) = (
            vector["password"].as_str(),
            vector["salt"].as_str(),
            vector["iterations"].as_u64(),
            vector["encoded"].as_str(),
        ) else {
            continue;
        };
        if iterations > 100_000 || vector["check_ok_newest"] != true {
            continue;
        }
        assert_eq!(django_pbkdf2(password, salt, iterations as u32), encoded);
        checked += 1;
    }
    assert!(checked >= 1, "no usable Django vector");

    let dir = tempfile::tempdir().unwrap();
    let (url, mut client) = migrated_database("hash");
    let password = "Tall-Maple-pw-ünïcode €";
    let file = write(
        dir.path(),
        "one.csv",
        &format!("{HEADER}\nGrace;Hopper;grace@example.com;ghopper;;;{password}\n"),
    );
    let out = import_pg(&url, &file, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stored: String = client
        .query_one(
            "SELECT password FROM auth_user WHERE username = 'ghopper'",
            &[],
        )
        .unwrap()
        .get(0);
    let parts: Vec<&str> = stored.split('$').collect();
    assert_eq!(parts.len(), 4, "Django's four fields");
    assert_eq!(parts[1], TEST_ITERATIONS.to_string());
    assert!(parts[2].len() >= 22, "Django's salt is 22 characters");
    assert_eq!(stored, django_pbkdf2(password, parts[2], TEST_ITERATIONS));
    assert!(!text(&out.stdout).contains(&stored) && !text(&out.stderr).contains(parts[3]));
}

#[test]
fn without_working_mail_passwordless_rows_are_held_back_and_a_dry_run_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (url, mut client) = migrated_database("gate");
    let file = write(
        dir.path(),
        "mixed.csv",
        &format!(
            "{HEADER}\nGrace;Hopper;grace@example.com;ghopper;;;Tall-Maple-pw-grace\n\
             Ada;Lovelace;ada@example.com;ada;;;\n"
        ),
    );

    let dry = import_pg(&url, &file, &["--dry-run", "--allow-without-mail"]);
    assert_eq!(dry.status.code(), Some(0), "{}", text(&dry.stderr));
    assert!(
        text(&dry.stdout).contains("2 rows, 2 would be created, 0 failed"),
        "{}",
        text(&dry.stdout)
    );
    for table in [
        "auth_user",
        "roster_import",
        "roster_import_row",
        "roster_audit",
    ] {
        assert_eq!(count(&mut client, table), 0, "{table}");
    }

    // No mail server is configured: the check fails, so the row without a password is refused.
    let report = dir.path().join("errors.csv");
    let out = import_pg(&url, &file, &["--error-report", report.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("Mail server check"),
        "{}",
        text(&out.stderr)
    );
    assert!(
        text(&out.stdout).contains("mail_server_unavailable"),
        "{}",
        text(&out.stdout)
    );
    assert!(
        std::fs::read_to_string(&report)
            .unwrap()
            .contains("ada@example.com")
    );
    assert_eq!(usernames(&mut client), ["ghopper"]);
    let (check, allowed): (Option<String>, bool) = client
        .query_one(
            "SELECT mail_check, allowed_without_mail FROM roster_import",
            &[],
        )
        .map(|r| (r.get(0), r.get(1)))
        .unwrap();
    assert_eq!((check.as_deref(), allowed), (Some("not_configured"), false));

    // Invitations cannot be sent from PostgreSQL yet: refused in one line, nothing written.
    let out = import_pg(&url, &file, &["--invite", "--allow-without-mail"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr).lines().count(),
        1,
        "{}",
        text(&out.stderr)
    );
    assert!(
        text(&out.stderr).contains("--invite"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(count(&mut client, "roster_import"), 1);
}

#[test]
fn a_user_the_projects_database_refuses_fails_alone_and_the_batch_goes_in() {
    let dir = tempfile::tempdir().unwrap();
    let (url, mut client) = migrated_database("refused");
    client
        .batch_execute(
            "CREATE FUNCTION no_mallory() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
               IF NEW.username = 'mallory' THEN RAISE EXCEPTION 'mallory is not welcome'; END IF; \
               RETURN NEW; END; $$; \
             CREATE TRIGGER no_mallory BEFORE INSERT ON auth_user \
               FOR EACH ROW EXECUTE FUNCTION no_mallory();",
        )
        .unwrap();
    let file = write(
        dir.path(),
        "three.csv",
        &format!(
            "{HEADER}\nA;A;a@example.com;anna;;;\nM;M;m@example.com;mallory;;;\n\
             B;B;b@example.com;bert;;;\n"
        ),
    );
    let out = import_pg(&url, &file, &["--json", "--allow-without-mail"]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["created"], 2);
    assert_eq!(report["errors"][0]["line"], 3);
    assert_eq!(report["errors"][0]["code"], "refused_by_database");
    assert!(
        report["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("mallory is not welcome"),
        "{report}"
    );
    assert_eq!(usernames(&mut client), ["anna", "bert"]);
    assert_eq!(count(&mut client, "roster_user_profile"), 2);
}

/// A project trigger that renames users as they are stored: the profile and group link follow the
/// name Roster gave, so such a row is refused whole, with nothing of it left behind.
#[test]
fn a_user_the_projects_trigger_renames_is_refused_and_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (url, mut client) = migrated_database("renamed");
    client
        .batch_execute(
            "CREATE FUNCTION shout_bert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
               IF NEW.username = 'bert' THEN NEW.username := 'BERT'; END IF; \
               RETURN NEW; END; $$; \
             CREATE TRIGGER shout_bert BEFORE INSERT ON auth_user \
               FOR EACH ROW EXECUTE FUNCTION shout_bert();",
        )
        .unwrap();
    let file = write(
        dir.path(),
        "two.csv",
        &format!("{HEADER}\nA;A;a@example.com;anna;;;\nB;B;b@example.com;bert;;;\n"),
    );
    let out = import_pg(&url, &file, &["--json", "--allow-without-mail"]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["created"], 1, "{report}");
    assert_eq!(report["errors"][0]["line"], 3, "{report}");
    assert_eq!(report["errors"][0]["code"], "refused_by_database");
    assert_eq!(usernames(&mut client), ["anna"]);
    assert_eq!(count(&mut client, "roster_user_profile"), 1);
    assert_eq!(count(&mut client, "auth_user_groups"), 1);
}

#[test]
fn two_imports_at_once_create_each_user_once_and_refuse_the_rest_per_row() {
    let dir = tempfile::tempdir().unwrap();
    let (url, mut client) = migrated_database("together");
    const ROWS: usize = 5000;
    // The same usernames, in other letter case in the second file, with their own e-mails.
    let file = |name: &str, upper: bool| {
        let mut csv = format!("{HEADER}\n");
        for i in 0..ROWS {
            let username = format!("user{i}");
            let username = if upper {
                username.to_uppercase()
            } else {
                username
            };
            csv.push_str(&format!("F;L;{name}{i}@example.com;{username};;;\n"));
        }
        write(dir.path(), &format!("{name}.csv"), &csv)
    };
    let (lower, upper) = (file("lower", false), file("upper", true));
    let runs: Vec<Output> = std::thread::scope(|scope| {
        let handles: Vec<_> = [&lower, &upper]
            .into_iter()
            .map(|path| {
                let url = &url;
                scope.spawn(move || {
                    roster_with(
                        Path::new(url),
                        &[
                            "import",
                            path.to_str().unwrap(),
                            "--json",
                            "--allow-without-mail",
                        ],
                        &[],
                        None,
                    )
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut created = 0;
    for out in &runs {
        assert!(
            matches!(out.status.code(), Some(0 | 3)),
            "{}",
            text(&out.stderr)
        );
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        created += report["created"].as_u64().unwrap();
        for error in report["errors"].as_array().unwrap() {
            assert_eq!(error["code"], "duplicate_username", "{error}");
        }
    }
    assert_eq!(created, ROWS as u64);
    let (users, distinct): (i64, i64) = client
        .query_one(
            "SELECT COUNT(*), COUNT(DISTINCT lower(username)) FROM auth_user",
            &[],
        )
        .map(|r| (r.get(0), r.get(1)))
        .unwrap();
    assert_eq!((users, distinct), (ROWS as i64, ROWS as i64));
}
