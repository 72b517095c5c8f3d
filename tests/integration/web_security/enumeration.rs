//! No user enumeration by response: unknown, wrong password, inactive and passwordless accounts
//! get byte-for-byte the same login answer, and Forgot Password answers the same for any address.

use std::time::Duration;

use roster::config::SecretKeySource;
use roster::mail::TlsMode;

use super::*;
use crate::smtp_server::{SmtpMode, TestSmtp};

/// Status, the headers (but the date, and the length, which follows the echoed username), and
/// the body with the echoed username and the browser's CSRF token replaced by placeholders.
fn normalized(res: Response, username: &str, token: &str) -> (u16, Vec<String>, String) {
    let status = res.status().as_u16();
    let mut headers: Vec<String> = res
        .headers()
        .iter()
        .filter(|(name, _)| !["date", "content-length"].contains(&name.as_str()))
        .map(|(name, value)| format!("{name}: {}", value.to_str().unwrap()))
        .collect();
    headers.sort();
    let body = res
        .text()
        .unwrap()
        .replace(token, "TOKEN")
        .replace(username, "USERNAME");
    (status, headers, body)
}

#[test]
fn login_answers_the_same_for_unknown_wrong_inactive_and_passwordless_accounts() {
    let app = spawn_app();
    let hash = roster::auth::hashers::make_password(PW, TEST_ITERATIONS);
    insert_user(&app, "known-kenobi", &hash, true);
    insert_user(&app, "sleepy-kenobi", &hash, false);
    insert_user(
        &app,
        "nopass-kenobi",
        &roster::auth::hashers::make_unusable_password(),
        true,
    );
    mark_imported_without_password(&app, "nopass");
    let browser = app.second_browser();
    let token = csrf_token(&browser.page("/login").1);
    let attempt = |username: &str, password: &str| {
        let res = browser
            .client
            .post(browser.url("/login"))
            .form(&[
                ("csrf_token", token.as_str()),
                ("username", username),
                ("password", password),
            ])
            .send()
            .unwrap();
        normalized(res, username, &token)
    };
    let answers = [
        ("unknown", attempt("ghost-kenobi", PW)),
        (
            "wrong password",
            attempt("known-kenobi", "not-the-password"),
        ),
        ("inactive, right password", attempt("sleepy-kenobi", PW)),
        ("unusable password", attempt("nopass-kenobi", "")),
        ("unusable password, its hash", attempt("nopass-kenobi", "!")),
    ];
    let (status, headers, body) = &answers[0].1;
    assert_eq!(*status, 401);
    assert!(body.contains("correct username and password"), "{body}");
    assert!(
        body.contains("value=\"USERNAME\""),
        "the username is echoed, so it was normalized"
    );
    for (what, answer) in &answers[1..] {
        assert_eq!(answer.0, *status, "{what}");
        assert_eq!(&answer.1, headers, "{what}");
        assert_eq!(&answer.2, body, "{what}");
    }
    // The control: the known account's right password does get in.
    assert_eq!(
        browser
            .client
            .post(browser.url("/login"))
            .form(&[
                ("csrf_token", token.as_str()),
                ("username", "known-kenobi"),
                ("password", PW)
            ])
            .send()
            .unwrap()
            .status()
            .as_u16(),
        303
    );
}

#[test]
fn forgot_password_answers_the_same_for_unknown_known_inactive_and_passwordless_addresses() {
    let smtp = TestSmtp::start(SmtpMode::Plain, None);
    let mail = smtp.settings(TlsMode::None, None);
    let app = spawn_app_configured(seed_admin, move |config| {
        config.mail = mail;
        config.accounts.secret_key = SecretKeySource::Given(SECRET.to_string());
    });
    let hash = roster::auth::hashers::make_password(PW, TEST_ITERATIONS);
    insert_user(&app, "known", &hash, true);
    insert_user(&app, "sleepy", &hash, false);
    insert_user(
        &app,
        "nopass",
        &roster::auth::hashers::make_unusable_password(),
        true,
    );
    mark_imported_without_password(&app, "nopass");
    let browser = app.second_browser();
    let token = csrf_token(&browser.page("/password-reset").1);
    let mut answers = Vec::new();
    for email in [
        "nobody@example.com",
        "known@example.com",
        "sleepy@example.com",
        "nopass@example.com",
        "KNOWN@EXAMPLE.COM",
    ] {
        let res = browser
            .client
            .post(browser.url("/password-reset"))
            .form(&[("csrf_token", token.as_str()), ("email", email)])
            .send()
            .unwrap();
        answers.push((email, normalized(res, email, &token)));
    }
    let first = &answers[0].1;
    assert_eq!(first.0, 303);
    assert!(
        first
            .1
            .contains(&"location: /password-reset/done".to_string()),
        "{first:?}"
    );
    for (email, answer) in &answers[1..] {
        assert_eq!(answer, first, "{email}");
    }
    // The same answers hid real differences: only the active accounts got mail.
    let mails = smtp.wait_for_messages(3, Duration::from_secs(10));
    let mut to: Vec<String> = mails.iter().flat_map(|m| m.to.clone()).collect();
    to.sort();
    assert_eq!(
        to,
        [
            "known@example.com",
            "known@example.com",
            "nopass@example.com"
        ]
    );
}
