//! The command line as a process: exit codes, JSON, error reports, OUs, admins, passwords.

use crate::eventually::eventually;
use crate::helpers::*;

fn temp_db() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("roster.sqlite3");
    (dir, db)
}

fn write(dir: &tempfile::TempDir, name: &str, content: &[u8]) -> std::path::PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, content).unwrap();
    path
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn sample_csv_prints_the_embedded_sample() {
    let (_dir, db) = temp_db();
    let out = roster(&db, &["sample-csv"]);
    assert!(out.status.success());
    assert_eq!(text(&out.stdout), include_str!("../../sample.csv"));
}

#[test]
fn import_exit_codes_and_json() {
    let (dir, db) = temp_db();
    let good = write(
        &dir,
        "good.csv",
        format!("{HEADER}\nA;B;a@example.com;a;;;Tall-Maple-pw-a\n").as_bytes(),
    );
    let out = roster(&db, &["import", good.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("1 created, 0 failed"));

    let mixed = write(
        &dir,
        "mixed.csv",
        format!("{HEADER}\nA;B;a2@example.com;a;;;Tall-Maple-pw-1\nC;D;c@example.com;c;;;Tall-Maple-pw-2\n").as_bytes(),
    );
    let out = roster(&db, &["import", mixed.to_str().unwrap(), "--json"]);
    assert_eq!(out.status.code(), Some(3));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(json["created"], 1);
    assert_eq!(json["failed"], 1);
    assert_eq!(json["errors"][0]["line"], 2);
    assert_eq!(json["errors"][0]["username"], "a");
    assert_eq!(json["errors"][0]["email"], "a2@example.com");
    assert_eq!(json["errors"][0]["code"], "duplicate_username");
    assert!(
        json["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("already exists")
    );

    let comma = write(
        &dir,
        "comma.csv",
        b"first_name,last_name,email,username,notes\nA,B,x@example.com,x,y\n",
    );
    let out = roster(&db, &["import", comma.to_str().unwrap(), "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["errors"][0]["line"], serde_json::Value::Null);
    assert_eq!(json["errors"][0]["code"], "wrong_delimiter");
    let out = roster(&db, &["import", comma.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("comma-delimited"));
}

#[test]
fn dry_run_writes_no_user_and_error_report_has_no_password() {
    let (dir, db) = temp_db();
    let csv = write(
        &dir,
        "t.csv",
        format!("{HEADER}\nA;B;bad-email;a;;;topsecret-1\nC;D;c@example.com;c;;;topsecret-2\n")
            .as_bytes(),
    );
    let report = dir.path().join("errors.csv");
    let out = roster(
        &db,
        &[
            "import",
            csv.to_str().unwrap(),
            "--dry-run",
            "--error-report",
            report.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(3));
    assert!(text(&out.stdout).contains("would be created"));
    let conn = rusqlite::Connection::open(&db).unwrap();
    let users: i64 = conn
        .query_row("SELECT COUNT(*) FROM auth_user", [], |r| r.get(0))
        .unwrap();
    assert_eq!(users, 0);
    let report = std::fs::read_to_string(&report).unwrap();
    assert!(report.contains("invalid_email"));
    assert!(!report.contains("topsecret"));
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(!all.contains("topsecret"), "no password in command output");
}

#[test]
fn organizational_units_from_the_command_line() {
    let (dir, db) = temp_db();
    let out = roster(&db, &["ou", "add", "Sales"]);
    assert!(out.status.success());
    let out = roster(&db, &["ou", "add", "SALES"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("already exists"));
    let csv = write(
        &dir,
        "t.csv",
        format!("{HEADER}\nA;B;a@example.com;a;sales;;\nC;D;c@example.com;c;Support;;\n")
            .as_bytes(),
    );
    let out = roster(
        &db,
        &["import", csv.to_str().unwrap(), "--allow-without-mail"],
    );
    assert_eq!(out.status.code(), Some(3));
    assert!(text(&out.stdout).contains("unknown_organizational_unit"));
    let out = roster(&db, &["ou", "list"]);
    assert!(
        text(&out.stdout).contains("Sales\t1 users"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn createsuperuser_and_changepassword() {
    let (_dir, db) = temp_db();
    let out = roster(
        &db,
        &[
            "createsuperuser",
            "--username",
            "root",
            "--email",
            "root@example.com",
            "--noinput",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "no password in the environment");
    let out = roster_with(
        &db,
        &[
            "createsuperuser",
            "--username",
            "root",
            "--email",
            "root@example.com",
            "--noinput",
        ],
        &[("ROSTER_SUPERUSER_PASSWORD", "password123")],
        None,
    );
    assert_eq!(out.status.code(), Some(1), "Django's validators apply");
    assert!(text(&out.stderr).contains("This password is too common."));
    assert!(!text(&out.stderr).contains("password123"), "never echoed");
    let out = roster_with(
        &db,
        &[
            "createsuperuser",
            "--username",
            "root",
            "--email",
            "root@example.com",
            "--noinput",
        ],
        &[("ROSTER_SUPERUSER_PASSWORD", "root-pass-1")],
        None,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let hash = |db: &std::path::Path| -> String {
        rusqlite::Connection::open(db)
            .unwrap()
            .query_row(
                "SELECT password FROM auth_user WHERE username = 'root'",
                [],
                |r| r.get(0),
            )
            .unwrap()
    };
    use roster::auth::hashers::{PasswordCheck, check_password};
    assert_eq!(
        check_password("root-pass-1", &hash(&db), TEST_ITERATIONS),
        PasswordCheck::Correct { must_update: false }
    );
    let out = roster_with(
        &db,
        &["changepassword", "root", "--password-stdin"],
        &[],
        Some("new-pass-2\n"),
    );
    assert!(out.status.success());
    assert_eq!(
        check_password("new-pass-2", &hash(&db), TEST_ITERATIONS),
        PasswordCheck::Correct { must_update: false }
    );
    let out = roster_with(
        &db,
        &["changepassword", "root", "--password-stdin"],
        &[],
        Some("12345678\n"),
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("This password is entirely numeric."));
    assert_eq!(
        check_password("new-pass-2", &hash(&db), TEST_ITERATIONS),
        PasswordCheck::Correct { must_update: false },
        "unchanged"
    );
    let out = roster_with(
        &db,
        &["changepassword", "nobody", "--password-stdin"],
        &[],
        Some("x\n"),
    );
    assert_eq!(out.status.code(), Some(1));
    let out = roster_with(
        &db,
        &[
            "createsuperuser",
            "--username",
            "ROOT",
            "--email",
            "x@example.com",
            "--noinput",
        ],
        &[("ROSTER_SUPERUSER_PASSWORD", "p")],
        None,
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "usernames are unique without regard to case"
    );
}

#[test]
fn migrate_twice_is_a_no_op() {
    let (_dir, db) = temp_db();
    assert!(roster(&db, &["migrate"]).status.success());
    let schema = |db: &std::path::Path| -> Vec<String> {
        let conn = rusqlite::Connection::open(db).unwrap();
        let mut stmt = conn
            .prepare("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name")
            .unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    let first = schema(&db);
    assert!(roster(&db, &["migrate"]).status.success());
    assert_eq!(first, schema(&db));
    let rows: i64 = rusqlite::Connection::open(&db)
        .unwrap()
        .query_row("SELECT COUNT(*) FROM django_migrations", [], |r| r.get(0))
        .unwrap();
    assert_eq!(rows, 18);
}

#[test]
fn every_flag_has_an_environment_variable() {
    let (_dir, db) = temp_db();
    let out = roster(&db, &["import", "--help"]);
    let help = text(&out.stdout);
    for var in [
        "ROSTER_DATABASE",
        "ROSTER_PBKDF2_ITERATIONS",
        "ROSTER_MAX_ROWS",
        "ROSTER_DRY_RUN",
        "ROSTER_JSON",
        "ROSTER_ERROR_REPORT",
    ] {
        assert!(help.contains(var), "{var} missing from --help");
    }
}

#[test]
fn passwordless_rows_need_working_mail_or_an_explicit_choice() {
    let (dir, db) = temp_db();
    let csv = write(
        &dir,
        "t.csv",
        format!("{HEADER}\nA;B;a@example.com;a;;;\nC;D;c@example.com;c;;;Tall-Maple-pw-c\n")
            .as_bytes(),
    );
    let out = roster(&db, &["import", csv.to_str().unwrap(), "--json"]);
    assert_eq!(out.status.code(), Some(3));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["created"], 1);
    assert_eq!(json["errors"][0]["code"], "mail_server_unavailable");
    let out = roster(
        &db,
        &[
            "import",
            csv.to_str().unwrap(),
            "--allow-without-mail",
            "--json",
        ],
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["created"], 1, "{json}");
    assert_eq!(
        json["errors"][0]["code"], "duplicate_username",
        "c was created the first time"
    );
    let recorded: (Option<String>, bool) = rusqlite::Connection::open(&db)
        .unwrap()
        .query_row(
            "SELECT mail_check, allowed_without_mail FROM roster_import ORDER BY id DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(recorded, (Some("not_configured".to_string()), true));
}

#[test]
fn check_mail_sendtestemail_and_invite_from_the_command_line() {
    use crate::smtp_server::{SmtpMode, TestSmtp, closed_port};
    let (dir, db) = temp_db();
    let out = roster_with(
        &db,
        &["check-mail"],
        &[
            ("ROSTER_EMAIL_HOST", "127.0.0.1"),
            ("ROSTER_EMAIL_PORT", &closed_port().to_string()),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stdout).contains("refused"),
        "{}",
        text(&out.stdout)
    );

    let smtp = TestSmtp::start(SmtpMode::Plain, None);
    let port = smtp.port.to_string();
    let env = [
        ("ROSTER_EMAIL_HOST", "localhost"),
        ("ROSTER_EMAIL_PORT", port.as_str()),
        (
            "ROSTER_SECRET_KEY",
            "cli-test-secret-key-0123456789abcdefghij",
        ),
        ("ROSTER_BASE_URL", "https://roster.example.com"),
    ];
    let out = roster_with(&db, &["check-mail"], &env, None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    let out = roster_with(&db, &["sendtestemail", "ops@example.com"], &env, None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let csv = write(
        &dir,
        "t.csv",
        format!("{HEADER}\nA;B;a@example.com;a;;;\n").as_bytes(),
    );
    let out = roster_with(
        &db,
        &["import", csv.to_str().unwrap(), "--invite"],
        &env,
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("1 sent, 0 failed"));
    let mails = smtp.wait_for_messages(2, std::time::Duration::from_secs(5));
    assert_eq!(mails.len(), 2);
    let link = crate::smtp_server::extract_link(&mails[1], "https://roster.example.com/reset/")
        .expect("invitation link");
    assert!(link.ends_with('/'));
}

#[test]
fn backup_writes_a_consistent_owner_only_copy() {
    use std::os::unix::fs::PermissionsExt;
    let (dir, db) = temp_db();
    let csv = write(
        &dir,
        "t.csv",
        format!("{HEADER}\nA;B;a@example.com;a;;;Tall-Maple-pw-a\n").as_bytes(),
    );
    assert!(
        roster(&db, &["import", csv.to_str().unwrap()])
            .status
            .success()
    );
    let backup = dir.path().join("backup.sqlite3");
    let out = roster(&db, &["backup", backup.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let copy = rusqlite::Connection::open(&backup).unwrap();
    let users: i64 = copy
        .query_row(
            "SELECT COUNT(*) FROM auth_user WHERE username = 'a'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(users, 1);
    let check: String = copy
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    assert_eq!(
        std::fs::metadata(&backup).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let again = roster(&db, &["backup", backup.to_str().unwrap()]);
    assert_eq!(
        again.status.code(),
        Some(1),
        "an existing file is never overwritten"
    );
}

#[test]
fn logs_written_to_a_file_carry_no_colour_codes() {
    let (dir, db) = temp_db();
    let log_path = dir.path().join("roster.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let mut server = std::process::Command::new(env!("CARGO_BIN_EXE_roster"))
        .args(["serve", "--bind", "127.0.0.1:0"])
        .env("ROSTER_DATABASE", &db)
        .env("ROSTER_LOG", "info")
        .env_remove("NO_COLOR")
        .stdout(std::process::Stdio::null())
        .stderr(log)
        .spawn()
        .expect("start roster serve");
    let written = std::panic::catch_unwind(|| {
        eventually(
            "the server to log that it serves",
            std::time::Duration::from_secs(30),
            || {
                let written = std::fs::read_to_string(&log_path).unwrap_or_default();
                written.contains("Roster is serving").then_some(written)
            },
        )
    });
    // Stopped before any verdict, so a failure leaves no server behind.
    let _ = server.kill();
    let _ = server.wait();
    let written = written.unwrap_or_else(|panic| std::panic::resume_unwind(panic));
    assert!(!written.contains('\u{1b}'), "no ANSI escapes: {written:?}");
}
