//! `check-mail`, `sendtestemail` on PostgreSQL: the mail settings saved on the Mail page
//! (`roster_mail_settings`) apply, a flag or variable wins over them, as on SQLite; mails go to
//! the loopback test SMTP server.

use std::path::Path;
use std::time::Duration;

use super::cluster::{cluster, new_database};
use super::migrate::roster_pg;
use crate::helpers::roster_with;
use crate::smtp_server::{SmtpMode, TestSmtp, closed_port};

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A migrated database whose saved mail settings point at `smtp` (plain SMTP on localhost).
pub(super) fn database_with_saved_mail(label: &str, smtp: &TestSmtp) -> (String, postgres::Client) {
    let pg = cluster();
    let db = new_database(label);
    let url = pg.url(&db, "?sslmode=disable");
    let out = roster_pg(&url, &["migrate"], &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let mut client = pg.client(&db);
    client
        .execute(
            "INSERT INTO roster_mail_settings (id, host, port, encryption, username, password, \
             from_address, base_url, updated_at) VALUES (1, 'localhost', $1, 'none', NULL, NULL, \
             'saved@example.com', 'https://saved.example.com', now())",
            &[&i32::from(smtp.port)],
        )
        .unwrap();
    (url, client)
}

#[test]
fn check_mail_and_sendtestemail_use_the_saved_mail_settings_as_on_sqlite() {
    let smtp = TestSmtp::start(SmtpMode::Plain, None);
    let (url, _client) = database_with_saved_mail("mail", &smtp);
    let quiet = [("ROSTER_LOG", "warn")];

    let checked = roster_pg(&url, &["check-mail"], &quiet);
    assert_eq!(checked.status.code(), Some(0), "{}", text(&checked.stdout));
    assert!(
        text(&checked.stdout)
            .starts_with(&format!("localhost:{} (plain SMTP): Connected", smtp.port)),
        "{}",
        text(&checked.stdout)
    );
    // The same saved row in an SQLite file: the same answer.
    let dir = tempfile::tempdir().unwrap();
    let sqlite = super::sqlite_with_saved_mail(dir.path(), smtp.port);
    let on_sqlite = roster_with(&sqlite, &["check-mail"], &quiet, None);
    assert_eq!(text(&on_sqlite.stdout), text(&checked.stdout));

    // A variable wins over the saved port.
    let closed = closed_port().to_string();
    let refused = roster_pg(
        &url,
        &["check-mail"],
        &[("ROSTER_EMAIL_PORT", &closed), ("ROSTER_LOG", "warn")],
    );
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        text(&refused.stdout).contains("refused"),
        "{}",
        text(&refused.stdout)
    );

    let bad = roster_pg(&url, &["sendtestemail", "not-an-address"], &quiet);
    assert_eq!(bad.status.code(), Some(1));
    assert!(text(&bad.stderr).contains("\"not-an-address\" is not a valid e-mail address"));

    let sent = roster_pg(&url, &["sendtestemail", " ops@example.com "], &quiet);
    assert!(sent.status.success(), "{}", text(&sent.stderr));
    assert_eq!(text(&sent.stdout), "Test e-mail sent to ops@example.com.\n");
    let mails = smtp.wait_for_messages(1, Duration::from_secs(5));
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].to, ["ops@example.com"]);
    assert_eq!(mails[0].from, "saved@example.com", "the saved From address");
    assert!(!Path::new(&url).exists());
}
