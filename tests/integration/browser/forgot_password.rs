//! Forgot Password in Chromium, with the link the real test SMTP server received: a person imported
//! without a password sets one and logs in; the used link is dead afterwards.

use std::time::Duration;

use roster::config::SecretKeySource;
use roster::mail::TlsMode;

use super::{Browser, run};
use crate::helpers::*;
use crate::smtp_server::{SmtpMode, TestSmtp, extract_link};

const BASE_URL: &str = "http://roster.test";
const SECRET: &str = "browser-test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz";
const NEW_PASSWORD: &str = "Tr0ub4dor&3x-grace";

#[test]
fn forgot_password_with_the_mailed_link_then_log_in() {
    let smtp = TestSmtp::start(SmtpMode::StartTls, Some(("mailer", "mail-pass")));
    let settings = smtp.settings(TlsMode::StartTls, Some(("mailer", "mail-pass")));
    let app = spawn_app_configured(seed_admin, move |config| {
        config.mail = settings;
        config.accounts.base_url = BASE_URL.to_string();
        config.accounts.secret_key = SecretKeySource::Given(SECRET.to_string());
    });
    // As an import without a password leaves her: Django's unusable password.
    app.sql_execute(
        "INSERT INTO auth_user (password, last_login, is_superuser, username, last_name, email, \
         is_staff, is_active, date_joined, first_name) VALUES ('!unusable0123456789abcdefghij', \
         NULL, FALSE, 'grace', 'Hopper', 'grace@example.com', FALSE, TRUE, '2026-11-01 09:00:00', \
         'Grace')",
    );
    mark_imported_without_password(&app, "grace");

    run(async {
        let mut browser = Browser::start("forgot_password").await;
        browser.goto(&app.url("/login")).await;
        browser.shot("login").await;
        browser.click_to_navigate("a[href='/password-reset']").await;
        browser.fill("#email", "Grace@Example.com").await;
        browser.shot("forgot-form").await;
        browser
            .click_to_navigate("form[action='/password-reset'] button[type=submit]")
            .await;
        browser
            .wait_until("the link-sent page", || async {
                browser.url().await == "/password-reset/done"
            })
            .await;
        browser.shot("link-sent").await;

        let mails = smtp.wait_for_messages(1, Duration::from_secs(20));
        assert_eq!(mails.len(), 1, "one reset mail");
        assert_eq!(mails[0].to, vec!["grace@example.com".to_string()]);
        let link = extract_link(&mails[0], BASE_URL).expect("a link on ROSTER_BASE_URL");
        let path = link.strip_prefix(BASE_URL).expect("link path").to_string();
        assert!(path.starts_with("/reset/"), "{link}");

        browser.goto(&app.url(&path)).await;
        browser.find("#new_password1").await;
        let form_url = browser.url().await;
        assert!(
            form_url.ends_with("/set-password/"),
            "the token leaves the address bar: {form_url}"
        );
        browser.fill("#new_password1", "12345678").await;
        browser.fill("#new_password2", "12345678").await;
        browser.click_to_navigate("form button[type=submit]").await;
        let refused = browser.text("main").await;
        assert!(
            refused.contains("too common"),
            "Django's validators speak: {refused}"
        );
        browser.shot("weak-password-refused").await;

        browser.fill("#new_password1", NEW_PASSWORD).await;
        browser.fill("#new_password2", NEW_PASSWORD).await;
        browser.shot("set-password").await;
        browser.click_to_navigate("form button[type=submit]").await;
        browser
            .wait_until("the account page", || async {
                browser.url().await == "/account?password=set"
            })
            .await;
        assert!(browser.text("main").await.contains("Your password is set"));
        browser.shot("password-set").await;

        browser
            .click_to_navigate("form[action='/logout'] button[type=submit]")
            .await;
        browser.fill("#username", "grace").await;
        browser.fill("#password", NEW_PASSWORD).await;
        browser
            .click_to_navigate("form[action='/login'] button[type=submit]")
            .await;
        browser
            .wait_until("grace's account page", || async {
                browser.url().await == "/account"
            })
            .await;
        browser.shot("logged-in").await;

        browser.goto(&app.url(&path)).await;
        let dead = browser.text("main").await;
        assert!(
            dead.contains("Request a new link"),
            "a used link is dead: {dead}"
        );
        browser.shot("used-link").await;
        browser.finish().await;
    });
    let stored = app
        .sql_text("SELECT password FROM auth_user WHERE username = 'grace'")
        .expect("a password");
    assert!(stored.starts_with("pbkdf2_sha256$"), "a Django hash now");
}
