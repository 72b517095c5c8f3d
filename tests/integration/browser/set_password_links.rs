//! Send set-password link in Chromium: filter "password not set", tick two users, confirm, send,
//! and read each user's outcome (one mailed, one SSO-only skipped) on the result page.

use std::time::Duration;

use roster::config::SecretKeySource;
use roster::mail::TlsMode;

use super::{Browser, run};
use crate::helpers::*;
use crate::smtp_server::{SmtpMode, TestSmtp};

const SECRET: &str = "browser-test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz";

#[test]
fn filter_select_send_and_read_each_outcome() {
    let smtp = TestSmtp::start(SmtpMode::StartTls, Some(("mailer", "mail-pass")));
    let settings = smtp.settings(TlsMode::StartTls, Some(("mailer", "mail-pass")));
    let app = spawn_app_configured(seed_admin, move |config| {
        config.mail = settings;
        config.accounts.base_url = "http://roster.test".to_string();
        config.accounts.secret_key = SecretKeySource::Given(SECRET.to_string());
    });
    let hash = roster::auth::hashers::make_password("user-pass-123", TEST_ITERATIONS);
    for (username, password) in [
        ("grace", "!unusable0123456789abcdefghij"),
        ("sso", "!unusable9876543210abcdefghij"),
        ("linus", hash.as_str()),
    ] {
        app.sql_execute(&format!(
            "INSERT INTO auth_user (password, last_login, is_superuser, username, last_name, \
             email, is_staff, is_active, date_joined, first_name) VALUES ('{password}', NULL, \
             FALSE, '{username}', 'Test', '{username}@example.com', FALSE, TRUE, \
             '2026-11-01 09:00:00', 'Tess')"
        ));
    }
    mark_imported_without_password(&app, "grace");

    run(async {
        let mut browser = Browser::start("set_password_links").await;
        browser
            .log_in(&app.url("/login"), ADMIN, ADMIN_PASSWORD)
            .await;
        browser.goto(&app.url("/users")).await;
        browser.click("#filter-nopw").await;
        browser
            .click_to_navigate("#user-search button[type=submit]")
            .await;
        assert!(browser.url().await.contains("nopw=1"));
        assert_eq!(browser.text("#user-total").await, "2 user(s)");
        browser.shot("filtered").await;

        let grace = app.user_id("grace");
        let sso = app.user_id("sso");
        browser.click(&format!("input.pick[value='{grace}']")).await;
        browser.click(&format!("input.pick[value='{sso}']")).await;
        browser.click("#confirm-links").await;
        browser.shot("selected").await;
        browser.click_to_navigate("#send-links-button").await;

        assert_eq!(browser.url().await, "/users/send-set-password-link?nopw=1");
        assert_eq!(
            browser.text("#link-counts").await,
            "1 sent, 0 failed, 1 skipped (1 SSO-only) of 2 user(s)."
        );
        let rows = browser
            .script(
                "return [...document.querySelectorAll('tr.link-outcome')].map(r => \
                 r.cells[0].innerText + ':' + r.dataset.outcome);",
                vec![],
            )
            .await;
        assert_eq!(rows, serde_json::json!(["grace:sent", "sso:skipped"]));
        browser.shot("outcome").await;
        browser.finish().await;
    });
    let mails = smtp.wait_for_messages(1, Duration::from_secs(10));
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].to, vec!["grace@example.com".to_string()]);
}
