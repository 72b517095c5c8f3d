//! `ROSTER_SITE_NAME`: the name people see on pages (error pages too) and in the mails they get.

use std::time::Duration;

use crate::helpers::*;
use crate::smtp_server::text_part;
use crate::web_mail::{app_with_mail_configured, mail_server};

#[test]
fn the_site_name_is_shown_on_pages_and_in_mails() {
    let smtp = mail_server();
    let app = app_with_mail_configured(&smtp, |config| {
        config.accounts.site_name = "Acme Accounts".to_string();
    });
    let visitor = app.second_browser();
    let (_, login) = visitor.page("/login");
    assert!(
        login.contains("<title>Log in · Acme Accounts</title>"),
        "{login}"
    );
    assert!(login.contains("Log in to Acme Accounts"));
    assert!(
        !login.contains("Roster"),
        "no other name on a user's page: {login}"
    );
    let missing = visitor.get("/no-such-page");
    assert_eq!(missing.status().as_u16(), 404);
    assert!(missing.text().unwrap().contains("Back to Acme Accounts"));

    let res = visitor.post_form(
        "/password-reset",
        "/password-reset",
        &[("email", "admin@example.com")],
    );
    assert_eq!(res.status().as_u16(), 303);
    let mails = smtp.wait_for_messages(1, Duration::from_secs(10));
    assert_eq!(mails.len(), 1);
    assert!(
        mails[0]
            .data
            .contains("Subject: Reset your Acme Accounts password"),
        "{}",
        mails[0].data
    );
    let text = text_part(&mails[0].data).expect("a text part");
    assert!(text.contains("your Acme Accounts account"), "{text}");
    assert!(!text.contains("Roster"), "{text}");
}

#[test]
fn an_unusable_site_name_is_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("roster.sqlite3");
    let out = roster_with(&db, &["migrate"], &[("ROSTER_SITE_NAME", "  ")], None);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("ROSTER_SITE_NAME"), "{err}");
}
