//! `adduser` and `--invite` on PostgreSQL: the same one-row import as on SQLite (same output,
//! exit codes, audit entries), invitations recorded and mailed through the loopback SMTP server
//! with a link of SQLite's shape whose token is Django's, made from the user's PostgreSQL row.

use std::path::Path;
use std::process::Output;
use std::time::Duration;

use roster::auth::tokens::{TokenUser, check_token, django_timestamp, uidb64_decode};

use super::mail::database_with_saved_mail;
use crate::helpers::{HEADER, roster_with};
use crate::smtp_server::{ReceivedMail, SmtpMode, TestSmtp, extract_link};

const SECRET: &str = "pg-invite-test-secret-key-0123456789abcdef";

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Each command's exit code, stdout and stderr (at warn level).
fn run_script(database: &Path, csv: &Path) -> Vec<(Option<i32>, String, String)> {
    let env = [("ROSTER_SECRET_KEY", SECRET), ("ROSTER_LOG", "warn")];
    let steps: [(&[&str], Option<&str>); 5] = [
        (&["import", csv.to_str().unwrap(), "--invite"], None),
        (
            &[
                "adduser",
                "--username",
                "bob",
                "--email",
                "bob@example.com",
                "--first-name",
                "Bob",
                "--last-name",
                "Builder",
                "--unit",
                "Ops",
                "--invite",
            ],
            None,
        ),
        (
            &[
                "adduser",
                "--username",
                "carol",
                "--email",
                "carol@example.com",
                "--first-name",
                "Carol",
                "--last-name",
                "Danvers",
                "--password-stdin",
            ],
            Some("Higher-Further-Faster-9\n"),
        ),
        (
            &[
                "adduser",
                "--username",
                "BOB",
                "--email",
                "b2@example.com",
                "--first-name",
                "B",
                "--last-name",
                "B",
                "--password-stdin",
            ],
            Some("Higher-Further-Faster-9\n"),
        ),
        (
            &[
                "adduser",
                "--username",
                "dave",
                "--email",
                "dave@example.com",
                "--first-name",
                "Dave",
                "--last-name",
                "D",
                "--password-stdin",
            ],
            Some("password\n"),
        ),
    ];
    steps
        .iter()
        .map(|(args, stdin)| {
            let out: Output = roster_with(database, args, &env, *stdin);
            (out.status.code(), text(&out.stdout), text(&out.stderr))
        })
        .collect()
}

/// The link in an invitation mail, and the user id it names.
fn link_of(mail: &ReceivedMail) -> (String, i64) {
    let link = extract_link(mail, "https://saved.example.com/reset/").expect("a reset link");
    let shape = regex::Regex::new(
        r"^https://saved\.example\.com/reset/([A-Za-z0-9_-]+)/([0-9a-z]+-[0-9a-f]{32})/$",
    )
    .unwrap();
    let caps = shape.captures(&link).unwrap_or_else(|| panic!("{link}"));
    let id = uidb64_decode(&caps[1]).expect("uidb64");
    (link.clone(), id)
}

#[test]
fn adduser_and_invitations_work_on_postgresql_as_on_sqlite() {
    let smtp = TestSmtp::start(SmtpMode::Plain, None);
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("new.csv");
    std::fs::write(
        &csv,
        format!(
            "{HEADER}\nAda;Lovelace;ada@example.com;ada;Ops;Engineer;\n\
             Alan;Turing;alan@example.com;alan;Ops;;Enigma-Bombe-1912\n"
        ),
    )
    .unwrap();

    // SQLite first, with the same saved mail settings.
    let sqlite = super::sqlite_with_saved_mail(dir.path(), smtp.port);
    assert!(
        roster_with(&sqlite, &["ou", "add", "Ops"], &[], None)
            .status
            .success()
    );
    let on_sqlite = run_script(&sqlite, &csv);
    let sqlite_mails = smtp.wait_for_messages(2, Duration::from_secs(10));
    assert_eq!(sqlite_mails.len(), 2);

    let (url, mut client) = database_with_saved_mail("invite", &smtp);
    // Without the project's SECRET_KEY, --invite is refused before anything is written.
    let refused = roster_with(
        Path::new(&url),
        &["import", csv.to_str().unwrap(), "--invite"],
        &[],
        None,
    );
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        text(&refused.stderr).contains("ROSTER_SECRET_KEY"),
        "{}",
        text(&refused.stderr)
    );
    assert_eq!(super::count(&mut client, "auth_user"), 0);
    assert!(
        roster_with(Path::new(&url), &["ou", "add", "Ops"], &[], None)
            .status
            .success()
    );
    // A dry run writes and sends nothing, so it needs no key, as on SQLite.
    let dry = roster_with(
        Path::new(&url),
        &["import", csv.to_str().unwrap(), "--invite", "--dry-run"],
        &[],
        None,
    );
    assert_eq!(
        dry.status.code(),
        Some(0),
        "{}\n{}",
        text(&dry.stdout),
        text(&dry.stderr)
    );
    assert_eq!(super::count(&mut client, "auth_user"), 0);
    assert_eq!(super::count(&mut client, "roster_invitation"), 0);

    let on_pg = run_script(Path::new(&url), &csv);
    for (step, (lite, post)) in on_sqlite.iter().zip(&on_pg).enumerate() {
        assert_eq!(lite, post, "step {step}: SQLite, then PostgreSQL");
    }
    assert_eq!(on_pg[0].0, Some(0), "{:?}", on_pg[0]);
    assert!(
        on_pg[0]
            .1
            .contains("Set-password invitations: 1 sent, 0 failed."),
        "{:?}",
        on_pg[0]
    );
    assert_eq!(on_pg[1].0, Some(0), "{:?}", on_pg[1]);
    assert!(
        on_pg[1]
            .1
            .contains("Set-password link mailed to bob@example.com."),
        "{:?}",
        on_pg[1]
    );
    assert_eq!(on_pg[2].0, Some(0), "{:?}", on_pg[2]);
    assert_eq!(
        on_pg[3].0,
        Some(3),
        "a taken username is the row's problem: {:?}",
        on_pg[3]
    );
    assert!(on_pg[3].2.contains("duplicate_username"), "{:?}", on_pg[3]);
    assert_eq!(on_pg[4].0, Some(3), "Django's validators: {:?}", on_pg[4]);

    let mails = smtp.wait_for_messages(4, Duration::from_secs(10));
    assert_eq!(mails.len(), 4, "two invitations on each backend");
    let now = django_timestamp(chrono::Utc::now().timestamp(), 0);
    for (mail, sqlite_mail, username) in
        [(&mails[2], &mails[0], "ada"), (&mails[3], &mails[1], "bob")]
    {
        assert_eq!(mail.to, [format!("{username}@example.com")]);
        assert_eq!(mail.from, "saved@example.com");
        let (link, id) = link_of(mail);
        let (sqlite_link, _) = link_of(sqlite_mail);
        assert_eq!(link.len(), sqlite_link.len(), "{link} / {sqlite_link}");
        let row = client
            .query_one(
                "SELECT id::bigint, username::text, password::text, email::text, \
                 last_login IS NULL FROM auth_user WHERE id = $1",
                &[&(id as i32)],
            )
            .unwrap();
        assert_eq!(row.get::<_, String>(1), username);
        assert!(row.get::<_, bool>(4));
        let (password, email): (String, String) = (row.get(2), row.get(3));
        let user = TokenUser {
            pk: id,
            password: &password,
            last_login: None,
            email: &email,
        };
        let token = link.trim_end_matches('/').rsplit('/').next().unwrap();
        assert!(check_token(&user, token, SECRET, now, 259_200), "{link}");
        assert!(!check_token(
            &user,
            token,
            "another-secret-key-0123456789abcdef",
            now,
            259_200
        ));
    }

    let invitations: Vec<String> = client
        .query(
            "SELECT u.username || ':' || i.status FROM roster_invitation i \
             JOIN auth_user u ON u.id = i.user_id ORDER BY u.username",
            &[],
        )
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect();
    assert_eq!(invitations, ["ada:sent", "bob:sent"]);
    let pg_audit = super::audit_entries(&mut client, "true");
    let sqlite_audit = super::sqlite_audit_entries(&sqlite, "true");
    assert_eq!(pg_audit, sqlite_audit);
    assert!(
        pg_audit
            .iter()
            .any(|entry| entry.starts_with("user_added|user:")
                && entry.contains("bob <bob@example.com>, unit Ops; set-password link mailed")),
        "{pg_audit:?}"
    );
}
