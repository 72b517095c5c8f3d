//! Mail through the browser's eyes: passwordless import, Forgot Password with the real mailed link,
//! no account enumeration, dead tokens, invitations, admin password help and the mail panel.

use std::time::Duration;

use roster::config::SecretKeySource;
use roster::mail::TlsMode;

use crate::eventually::eventually;
use crate::helpers::*;
use crate::smtp_server::{SmtpMode, TestSmtp, extract_link, text_part};

pub(crate) const SECRET: &str = "test-secret-key-for-roster-integration-tests-0123456789";
pub(crate) const BASE_URL: &str = "http://roster.test";

pub(crate) fn app_with_mail(smtp: &TestSmtp) -> TestApp {
    app_with_mail_configured(smtp, |_| {})
}

/// Like [`app_with_mail`], with more configuration on top.
pub(crate) fn app_with_mail_configured(
    smtp: &TestSmtp,
    more: impl FnOnce(&mut roster::config::Config),
) -> TestApp {
    let settings = smtp.settings(TlsMode::StartTls, Some(("mailer", "mail-pass")));
    spawn_app_configured(seed_admin, move |config| {
        config.mail = settings;
        config.accounts.base_url = BASE_URL.to_string();
        config.accounts.secret_key = SecretKeySource::Given(SECRET.to_string());
        more(config);
    })
}

pub(crate) fn mail_server() -> TestSmtp {
    TestSmtp::start(SmtpMode::StartTls, Some(("mailer", "mail-pass")))
}

/// Imports one passwordless user through the web UI; returns the result page path.
fn import_newbie(app: &TestApp, extra: &[(&str, &str)]) -> String {
    app.login_admin();
    let csv = format!("{HEADER}\nNew;Bie;newbie@example.com;newbie;;;\n");
    let (preview, status, html) = app.upload_and_preview("new.csv", csv.as_bytes());
    assert_eq!(status, 200);
    assert!(
        select_text(&html, "#mail-check")
            .unwrap()
            .contains("passed"),
        "{html}"
    );
    assert_eq!(select_text(&html, "#rows-create").as_deref(), Some("1"));
    app.commit_with(&preview, extra)
}

/// The path of the link in a mail, e.g. `/reset/Mg/abc-123/`, checking it uses the base URL.
fn link_path(mail: &crate::smtp_server::ReceivedMail) -> String {
    let link = extract_link(mail, BASE_URL).expect("a link built from ROSTER_BASE_URL");
    let path = link.trim_start_matches(BASE_URL).to_string();
    assert!(path.starts_with("/reset/"), "{link}");
    path
}

#[test]
fn passwordless_user_sets_a_password_through_forgot_password() {
    let smtp = mail_server();
    let app = app_with_mail(&smtp);
    import_newbie(&app, &[]);
    let password = app
        .sql_text("SELECT password FROM auth_user WHERE username = 'newbie'")
        .expect("newbie");
    assert!(password.starts_with('!'));

    let user = app.second_browser();
    let res = user.post_form(
        "/login",
        "/login",
        &[("username", "newbie"), ("password", "")],
    );
    assert_eq!(
        res.status().as_u16(),
        401,
        "an unusable password cannot log in"
    );

    let (_, login_page) = user.page("/login");
    assert!(
        login_page.contains("href=\"/password-reset\""),
        "login page offers Forgot password?"
    );
    let res = user
        .client
        .post(user.url("/password-reset"))
        .header("Host", "evil.example")
        .form(&[
            (
                "csrf_token",
                csrf_token(&user.page("/password-reset").1).as_str(),
            ),
            ("email", "NEWBIE@example.com"),
        ])
        .send()
        .unwrap();
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(location(&res), "/password-reset/done");
    let mails = smtp.wait_for_messages(1, Duration::from_secs(10));
    assert_eq!(mails.len(), 1, "the passwordless user gets the mail");
    assert_eq!(mails[0].to, vec!["newbie@example.com".to_string()]);
    assert!(mails[0].data.contains("text/html"), "text and HTML parts");
    assert!(
        mails[0].data.contains("Subject: Set your Roster password"),
        "someone who never had a password is asked to set one, not reset one: {}",
        mails[0].data
    );
    let path = link_path(&mails[0]);
    assert!(
        !mails[0].data.contains("evil.example"),
        "links never come from the Host header"
    );

    let res = user.get(&path);
    assert_eq!(res.status().as_u16(), 303);
    let form_path = location(&res);
    assert!(form_path.ends_with("/set-password/"));
    let res = user.post_form(
        &form_path,
        &form_path,
        &[("new_password1", "12345678"), ("new_password2", "12345678")],
    );
    assert_eq!(res.status().as_u16(), 422);
    let body = res.text().unwrap();
    assert!(
        body.contains("too common") && body.contains("entirely numeric"),
        "{body}"
    );
    let res = user.post_form(
        &form_path,
        &form_path,
        &[
            ("new_password1", "Tr0ub4dor&3x"),
            ("new_password2", "Tr0ub4dor&3x"),
        ],
    );
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(location(&res), "/account?password=set");
    let (status, html) = user.page("/account?password=set");
    assert_eq!(status, 200, "logged in after setting the password");
    assert!(html.contains("Your password is set"));

    let fresh = app.second_browser();
    fresh.login("newbie", "Tr0ub4dor&3x");
    let res = fresh.get(&path);
    assert_eq!(res.status().as_u16(), 400, "a used link is dead");
    let stored = app
        .sql_text("SELECT password FROM auth_user WHERE username = 'newbie'")
        .expect("newbie");
    assert!(stored.starts_with("pbkdf2_sha256$"));
    assert_eq!(
        audit_actions(&app, "newbie")[..2],
        ["password_reset_requested", "password_set_by_link"],
        "the request and the password set through its link are audited"
    );
}

/// The audit actions about `username`, oldest first.
fn audit_actions(app: &TestApp, username: &str) -> Vec<String> {
    app.sql_rows(&format!(
        "SELECT action FROM roster_audit WHERE target LIKE '%({username})' ORDER BY id"
    ))
    .into_iter()
    .map(|row| row[0].clone().expect("an action"))
    .collect()
}

#[test]
fn forgot_password_does_not_reveal_which_addresses_exist() {
    let smtp = mail_server();
    let app = app_with_mail(&smtp);
    app.sql_execute(
        "INSERT INTO auth_user (password, last_login, is_superuser, username, last_name, email, is_staff, is_active, date_joined, first_name) \
         VALUES ('!x', NULL, FALSE, 'gone', '', 'gone@example.com', FALSE, FALSE, '2026-01-01 00:00:00', '')",
    );
    let browser = app.second_browser();
    let mut answers = Vec::new();
    for email in [
        "nobody@example.com",
        "gone@example.com",
        "admin@example.com",
    ] {
        let res = browser.post_form("/password-reset", "/password-reset", &[("email", email)]);
        answers.push((res.status().as_u16(), location(&res)));
    }
    assert!(answers.iter().all(|a| *a == answers[0]), "{answers:?}");
    let (_, done) = browser.page("/password-reset/done");
    assert!(done.contains("If an active account uses that address"));
    let mails = smtp.wait_for_messages(2, Duration::from_secs(3));
    assert_eq!(mails.len(), 1, "only the active account gets mail");
    assert_eq!(mails[0].to, vec!["admin@example.com".to_string()]);
}

#[test]
fn forgot_password_is_rate_limited() {
    let smtp = mail_server();
    let app = app_with_mail(&smtp);
    let browser = app.second_browser();
    let statuses: Vec<u16> = (0..4)
        .map(|_| {
            browser
                .post_form(
                    "/password-reset",
                    "/password-reset",
                    &[("email", "someone@example.com")],
                )
                .status()
                .as_u16()
        })
        .collect();
    assert_eq!(statuses, [303, 303, 303, 429]);
}

#[test]
fn tampered_expired_and_foreign_tokens_are_refused() {
    let smtp = mail_server();
    let app = app_with_mail(&smtp);
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
    let good = roster::auth::tokens::make_token(&user, SECRET, now);
    let expired = roster::auth::tokens::make_token(&user, SECRET, now - 259_201);
    let foreign =
        roster::auth::tokens::make_token(&user, "another-secret-key-entirely-0123456789", now);
    let mut tampered = good.clone();
    let last = tampered.pop().unwrap();
    tampered.push(if last == '0' { '1' } else { '0' });
    let browser = app.second_browser();
    for token in [&tampered, &expired, &foreign] {
        assert_eq!(
            browser
                .get(&format!("/reset/{uid}/{token}/"))
                .status()
                .as_u16(),
            400,
            "{token}"
        );
    }
    assert_eq!(
        browser
            .get(&format!("/reset/{uid}/{good}/"))
            .status()
            .as_u16(),
        303,
        "the genuine token works"
    );
    assert_eq!(browser.get("/reset/!!!/abc/").status().as_u16(), 400);
    let (status, _) = app
        .second_browser()
        .page(&format!("/reset/{uid}/set-password/"));
    assert_eq!(status, 400, "the form needs the token cookie");
}

#[test]
fn invitations_are_mailed_after_the_import_and_reported() {
    let smtp = mail_server();
    let app = app_with_mail(&smtp);
    let result = import_newbie(&app, &[("invite", "1")]);
    let mails = smtp.wait_for_messages(1, Duration::from_secs(10));
    assert_eq!(mails.len(), 1);
    assert!(
        text_part(&mails[0].data)
            .unwrap()
            .contains("Set your password at this link")
    );
    assert!(
        mails[0]
            .data
            .contains("Subject: Set your password for Roster")
    );
    let link = link_path(&mails[0]);
    let html = eventually(
        "the invitation's outcome on the result page",
        Duration::from_secs(5),
        || Some(app.page(&result).1).filter(|html| html.contains("1 sent, 0 failed")),
    );
    assert!(
        select_text(&html, "#invitations-summary")
            .unwrap()
            .starts_with("1 sent, 0 failed"),
        "{html}"
    );
    let status = app
        .sql_text("SELECT status FROM roster_invitation")
        .expect("an invitation");
    assert_eq!(status, "sent");

    let newbie = app.second_browser();
    let form_path = location(&newbie.get(&link));
    let res = newbie.post_form(
        &form_path,
        &form_path,
        &[
            ("new_password1", "Tr0ub4dor&3x"),
            ("new_password2", "Tr0ub4dor&3x"),
        ],
    );
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(
        audit_actions(&app, "newbie").last().map(String::as_str),
        Some("invitation_used")
    );
}

#[test]
fn admin_sends_a_reset_and_sets_a_password() {
    let smtp = mail_server();
    let app = app_with_mail(&smtp);
    import_newbie(&app, &[]);
    let id = app.user_id("newbie");
    let page = format!("/users/{id}");
    let (_, html) = app.page(&page);
    assert_eq!(
        select_text(&html, "#password-state").as_deref(),
        Some("not set: the user cannot log in yet")
    );
    let res = app.post_form(&page, &format!("{page}/send-reset"), &[("confirm", "yes")]);
    assert_eq!(location(&res), format!("/users/{id}?notice=reset-sent"));
    assert_eq!(smtp.wait_for_messages(1, Duration::from_secs(10)).len(), 1);

    let res = app.post_form(
        &page,
        &format!("{page}/set-password"),
        &[("password1", "newbie"), ("password2", "newbie")],
    );
    assert_eq!(res.status().as_u16(), 422, "Django's validators apply");
    let res = app.post_form(
        &page,
        &format!("{page}/set-password"),
        &[
            ("password1", "handed-over-9Q"),
            ("password2", "handed-over-9Q"),
        ],
    );
    assert_eq!(location(&res), format!("/users/{id}?notice=password-set"));
    let (_, html) = app.page(&page);
    assert_eq!(
        select_text(&html, "#password-state").as_deref(),
        Some("set")
    );
    assert!(!html.contains("handed-over-9Q"));
    app.second_browser().login("newbie", "handed-over-9Q");
}

#[test]
fn mail_panel_checks_the_server_and_sends_a_test_mail() {
    let smtp = mail_server();
    let app = app_with_mail(&smtp);
    app.login_admin();
    let (status, html) = app.page("/mail");
    assert_eq!(status, 200);
    assert!(
        select_text(&html, "#mail-check")
            .unwrap()
            .contains("passed")
    );
    assert!(
        !html.contains("mail-pass"),
        "the SMTP password is never shown"
    );
    let res = app.post_form("/mail", "/mail/test", &[("address", "ops@example.com")]);
    assert_eq!(res.status().as_u16(), 200);
    assert!(
        res.text()
            .unwrap()
            .contains("Test e-mail sent to ops@example.com")
    );
    let mails = smtp.wait_for_messages(1, Duration::from_secs(10));
    assert_eq!(mails[0].to, vec!["ops@example.com".to_string()]);
}

#[test]
fn failed_invitations_can_be_resent() {
    let smtp = mail_server();
    let app = app_with_mail(&smtp);
    app.login_admin();
    let csv = format!(
        "{HEADER}\nOk;Person;ok@example.com;okperson;;;\nBo;Unce;bounce@example.com;bounce;;;\n"
    );
    let (preview, _, _) = app.upload_and_preview("two.csv", csv.as_bytes());
    let result = app.commit_with(&preview, &[("invite", "1")]);
    let summary = |app: &TestApp| {
        select_text(&app.page(&result).1, "#invitations-summary").unwrap_or_default()
    };
    eventually(
        "both invitations' outcomes on the result page",
        Duration::from_secs(5),
        || summary(&app).starts_with("1 sent, 1 failed").then_some(()),
    );
    let (_, html) = app.page(&result);
    assert!(summary(&app).starts_with("1 sent, 1 failed"), "{html}");
    assert!(
        html.contains("Mailbox unavailable") || html.contains("550"),
        "the reason is shown: {html}"
    );
    let users =
        app.sql_i64("SELECT COUNT(*) FROM auth_user WHERE username IN ('okperson', 'bounce')");
    assert_eq!(users, 2, "a failed mail never undoes the import");

    smtp.set_bounce(false);
    let res = app.post_form(&result, &format!("{result}/resend"), &[]);
    assert_eq!(res.status().as_u16(), 303);
    assert!(summary(&app).starts_with("2 sent, 0 failed"));
    let mails = smtp.wait_for_messages(2, Duration::from_secs(5));
    assert_eq!(mails.len(), 2, "only the failed one was sent again");
}

#[test]
fn sso_only_accounts_get_no_first_password_by_mail() {
    let smtp = mail_server();
    let app = app_with_mail(&smtp);
    // As Django 5.1+ "password-based authentication disabled" or django-allauth's
    // set_unusable_password() leave it: '!' and 40 random characters, made outside Roster.
    app.sql_execute(
        "INSERT INTO auth_user (password, last_login, is_superuser, username, last_name, email, \
         is_staff, is_active, date_joined, first_name) \
         VALUES ('!b7PqJ2r0Xk9sY3vN6mT1wQ8zL4cF5hD0aG2eR7uI', NULL, FALSE, 'sso', 'Only', \
         'sso@example.com', FALSE, TRUE, '2026-01-01 00:00:00', 'Sam')",
    );
    let ask = |email: &str| {
        let user = app.second_browser();
        let res = user.post_form("/password-reset", "/password-reset", &[("email", email)]);
        (res.status().as_u16(), location(&res))
    };
    let unknown = ask("nobody@example.com");
    assert_eq!(
        ask("sso@example.com"),
        unknown,
        "the same answer as an unknown address"
    );
    // An imported passwordless user still gets the mail, so the server did send when it should.
    import_newbie(&app, &[]);
    assert_eq!(ask("newbie@example.com"), unknown);
    let mails = smtp.wait_for_messages(1, Duration::from_secs(10));
    std::thread::sleep(Duration::from_millis(300));
    let to: Vec<Vec<String>> = smtp.messages().into_iter().map(|m| m.to).collect();
    assert_eq!(mails.len(), 1);
    assert_eq!(
        to,
        vec![vec!["newbie@example.com".to_string()]],
        "no mail for the SSO account"
    );
}
