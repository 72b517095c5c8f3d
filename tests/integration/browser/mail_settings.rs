//! Mail settings in Chromium: a check on a web port runs in the background and the page shows
//! its result when ready; then the right settings are checked, saved and used by Forgot Password
//! at once, without a restart.

use std::time::Duration;

use super::{Browser, run};
use crate::helpers::*;
use crate::mail_settings::http_server;
use crate::smtp_server::{SmtpMode, TestSmtp, extract_link};

const SITE: &str = "http://roster.example.test";

#[test]
fn edit_check_save_and_use_the_mail_settings() {
    let smtp = TestSmtp::start(SmtpMode::StartTls, Some(("mailer", "mail-pass")));
    let ca = smtp.ca_pem_path.clone();
    let app = spawn_app_configured(seed_admin, move |config| {
        config.mail.extra_root_pem = Some(ca);
        config.mail.timeout = Duration::from_secs(3);
    });
    let web_port = http_server(false).to_string();
    let smtp_port = smtp.port.to_string();
    run(async {
        let mut browser = Browser::start("mail_settings").await;
        browser
            .log_in(&app.url("/login"), ADMIN, ADMIN_PASSWORD)
            .await;
        browser.goto(&app.url("/mail")).await;
        browser.shot("not-configured").await;
        browser.fill("#host", "localhost").await;
        browser.fill("#port", &web_port).await;
        browser.click("#encryption option[value=none]").await;
        browser.fill("#from", "roster@example.com").await;
        browser.fill("#base_url", SITE).await;
        browser.click_to_navigate("#check-button").await;
        let pending = browser.text("#mail-check").await;
        assert!(pending.contains("still running"), "{pending}");
        browser.shot("check-still-running").await;
        browser
            .wait_until("the check's result", || async {
                browser.text("#mail-check").await.contains("web server")
            })
            .await;
        let result = browser.text("#mail-check").await;
        assert!(
            result.starts_with("Mail server check failed")
                && result.contains("that port is a web server, not a mail server"),
            "{result}"
        );
        browser.shot("web-port-named").await;

        browser.fill("#port", &smtp_port).await;
        browser.click("#encryption option[value=starttls]").await;
        browser.fill("#login", "mailer").await;
        browser.fill("#password", "mail-pass").await;
        browser.click_to_navigate("#check-button").await;
        let passed = browser.text("#mail-check").await;
        assert!(passed.starts_with("Mail server check passed"), "{passed}");
        assert_eq!(
            browser
                .find("#password")
                .await
                .prop("value")
                .await
                .unwrap()
                .as_deref(),
            Some(""),
            "the password is never shown back"
        );
        browser.shot("check-passed").await;

        browser.fill("#password", "mail-pass").await;
        browser.click_to_navigate("#save-button").await;
        let saved = browser.text("#mail-saved").await;
        assert!(
            saved.starts_with("Mail settings saved and in use"),
            "{saved}"
        );
        browser.shot("saved").await;

        browser.goto(&app.url("/password-reset")).await;
        browser.fill("#email", "admin@example.com").await;
        browser
            .click_to_navigate("form[action='/password-reset'] button[type=submit]")
            .await;
        let mails = smtp.wait_for_messages(1, Duration::from_secs(20));
        assert_eq!(mails.len(), 1, "Forgot Password used the saved server");
        assert!(extract_link(&mails[0], &format!("{SITE}/reset/")).is_some());
        browser.shot("reset-mail-sent").await;
        browser.finish().await;
    });
}
