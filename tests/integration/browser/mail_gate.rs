//! The mail check in Chromium: with the mail server down, the preview explains why rows without a
//! password are held back, and the admin can tick "Import anyway" and import them.

use std::time::Duration;

use roster::mail::{MailSettings, TlsMode};

use super::{Browser, run};
use crate::helpers::*;
use crate::smtp_server::closed_port;

#[test]
fn rows_without_a_password_wait_for_mail_unless_the_admin_insists() {
    let port = closed_port();
    let app = spawn_app_configured(seed_admin, move |config| {
        config.mail = MailSettings {
            host: Some("127.0.0.1".to_string()),
            port,
            username: None,
            password: None,
            tls: TlsMode::None,
            timeout: Duration::from_secs(5),
            from: "roster@example.com".to_string(),
            extra_root_pem: None,
        };
    });
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("new-starters.csv");
    let csv = format!(
        "{HEADER}\nWith;Password;with@example.com;withpw;;;Has-a-pass-1\n\
         No;Password;nopw1@example.com;nopw1;;;\nAlso;None;nopw2@example.com;nopw2;;;\n"
    );
    std::fs::write(&file, csv).unwrap();
    run(async {
        let mut browser = Browser::start("mail_gate").await;
        browser.goto(&app.url("/login")).await;
        browser.fill("#username", ADMIN).await;
        browser.fill("#password", ADMIN_PASSWORD).await;
        browser
            .click_to_navigate("form[action='/login'] button[type=submit]")
            .await;
        browser.goto(&app.url("/users/import")).await;
        let chooser = browser.find("#file").await;
        chooser
            .send_keys(&file.display().to_string())
            .await
            .unwrap();
        browser
            .click_to_navigate("#upload-form button[type=submit]")
            .await;

        let check = browser.text("#mail-check").await;
        assert!(check.starts_with("Mail server check failed"), "{check}");
        assert!(
            check.contains("refused"),
            "the diagnosis says what happened: {check}"
        );
        assert_eq!(browser.text("#rows-create").await, "1");
        assert_eq!(browser.text("#rows-passwordless").await, "2");
        let button = "form[action$='/commit'] button[type=submit]";
        assert_eq!(
            browser.text(button).await,
            "Import 1 user now (3 with Import anyway)"
        );
        browser.shot("preview-mail-down").await;

        browser.click("input[name=allow_without_mail]").await;
        browser.shot("import-anyway-ticked").await;
        browser.click_to_navigate(button).await;
        browser
            .wait_until("the result", || async {
                browser
                    .client
                    .find(fantoccini::Locator::Css("#created"))
                    .await
                    .is_ok()
            })
            .await;
        assert_eq!(browser.text("#created").await, "3");
        let note = browser.text("#import-mail-check").await;
        assert!(
            note.contains("chose to import users without a password anyway"),
            "{note}"
        );
        browser.shot("result").await;
        browser.finish().await;
    });
    let unusable = app.sql_i64(
        "SELECT COUNT(*) FROM auth_user WHERE username LIKE 'nopw%' AND password LIKE '!%'",
    );
    assert_eq!(
        unusable, 2,
        "Django's unusable password for the rows without one"
    );
}
