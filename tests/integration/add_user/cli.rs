//! `roster adduser`: the password from standard input (never an argument), `--invite`, the import
//! engine's messages and `roster import`'s exit codes.

use super::{STRONG, mail_down};
use crate::helpers::*;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn adduser_creates_refuses_and_never_takes_a_password_argument() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("roster.sqlite3");
    assert!(roster(&db, &["ou", "add", "Sales"]).status.success());
    let args = [
        "adduser",
        "--username",
        "cli.user",
        "--email",
        "cli.user@example.com",
        "--first-name",
        "Cli",
        "--last-name",
        "User",
        "--unit",
        "Sales",
        "--password-stdin",
    ];
    let out = roster_with(&db, &args, &[], Some(&format!("{STRONG}\n")));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.starts_with("User \"cli.user\" created (id "),
        "{stdout}"
    );
    assert!(!stdout.contains(STRONG) && !text(&out.stderr).contains(STRONG));
    let conn = rusqlite::Connection::open(&db).unwrap();
    let (hash, actor): (String, String) = conn
        .query_row(
            "SELECT u.password, a.actor FROM auth_user u, roster_audit a \
             WHERE u.username = 'cli.user' AND a.action = 'user_added'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert!(hash.starts_with("pbkdf2_sha256$"));
    assert!(actor.starts_with("cli:"));

    // A duplicate: the import row's message and `roster import`'s exit code for failed rows.
    let out = roster_with(&db, &args, &[], Some(&format!("{STRONG}\n")));
    assert_eq!(out.status.code(), Some(3));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(
            "line 1, column username: duplicate_username: A user named \"cli.user\" already exists"
        ),
        "{stderr}"
    );

    // Every flag has an environment variable; no flag takes a password.
    let env = [
        ("ROSTER_NEW_USERNAME", "env.user"),
        ("ROSTER_NEW_EMAIL", "env.user@example.com"),
        ("ROSTER_NEW_FIRST_NAME", "Env"),
        ("ROSTER_NEW_LAST_NAME", "User"),
        ("ROSTER_NEW_UNIT", "sales"),
        ("ROSTER_NEW_JOB_TITLE", "Tester"),
        ("ROSTER_PASSWORD_STDIN", "true"),
    ];
    let out = roster_with(&db, &["adduser"], &env, Some(&format!("{STRONG}\n")));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let help = text(&roster(&db, &["adduser", "--help"]).stdout);
    assert!(
        !help.contains("--password "),
        "no password argument: {help}"
    );
    for (var, _) in env {
        assert!(help.contains(var), "{var} in --help");
    }
    let out = roster(
        &db,
        &[
            "adduser",
            "--username",
            "x",
            "--email",
            "x@example.com",
            "--password",
            "pw",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(2),
        "clap refuses an unknown --password"
    );

    // No terminal and no --password-stdin: nothing to prompt on.
    let out = roster(
        &db,
        &["adduser", "--username", "tty", "--email", "tty@example.com"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("No terminal to prompt for a password"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn invite_needs_working_mail_or_allow_without_mail() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("roster.sqlite3");
    let mail = mail_down();
    let port = mail.port.to_string();
    let env = [
        ("ROSTER_EMAIL_HOST", "127.0.0.1"),
        ("ROSTER_EMAIL_PORT", port.as_str()),
    ];
    let args = [
        "adduser",
        "--username",
        "inv",
        "--email",
        "inv@example.com",
        "--first-name",
        "In",
        "--last-name",
        "Vited",
        "--invite",
    ];
    let out = roster_with(&db, &args, &env, None);
    assert_eq!(out.status.code(), Some(3));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("mail_server_unavailable") && stderr.contains("--allow-without-mail"),
        "{stderr}"
    );
    let mut anyway = args.to_vec();
    anyway.push("--allow-without-mail");
    let out = roster_with(&db, &anyway, &env, None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("No link was mailed"));
    let conn = rusqlite::Connection::open(&db).unwrap();
    let id: i64 = conn
        .query_row("SELECT id FROM auth_user WHERE username = 'inv'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert!(roster::db::users::created_without_password_by_roster(&conn, id).unwrap());
}
