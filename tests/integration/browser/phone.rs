//! Every page an admin or a user can open, in Chromium at a phone's 375 px width: nothing scrolls
//! sideways (`document.documentElement.scrollWidth <= 375`), and each page is kept as a screenshot.

use roster::auth::hashers::make_password;

use super::{Browser, run};
use crate::helpers::*;

const PHONE_WIDTH: u32 = 375;
const MEMBER_PASSWORD: &str = "member-pass-12345";

/// Enough users for two pages of the user list, some with long names and addresses.
fn seed_people(app: &TestApp) -> i64 {
    let hash = make_password(MEMBER_PASSWORD, TEST_ITERATIONS);
    app.sql_execute(&format!(
        "INSERT INTO auth_user (password, last_login, is_superuser, username, last_name, email, \
         is_staff, is_active, date_joined, first_name) VALUES ('{hash}', NULL, FALSE, 'member', \
         'Member-With-A-Rather-Long-Family-Name', 'member.with.a.long.address@subdivision.example.com', \
         FALSE, TRUE, '2026-11-01 09:00:00.123456', 'Maximiliane')"
    ));
    let member = app.user_id("member");
    let people: Vec<String> = (0..60)
        .map(|i| {
            format!(
                "('!unusable0123456789abcdefghij', NULL, FALSE, 'person{i:02}', 'Person', \
                 'person{i:02}@example.com', FALSE, TRUE, '2026-11-01 09:00:00', 'Some')"
            )
        })
        .collect();
    app.sql_execute(&format!(
        "INSERT INTO auth_user (password, last_login, is_superuser, username, last_name, email, \
         is_staff, is_active, date_joined, first_name) VALUES {}",
        people.join(", ")
    ));
    member
}

/// Opens `path` and checks that the page fits the phone's width.
async fn fits(browser: &mut Browser, app: &TestApp, path: &str, label: &str) {
    browser.goto(&app.url(path)).await;
    browser.find("main").await;
    let width = browser
        .script("return document.documentElement.scrollWidth;", vec![])
        .await
        .as_u64()
        .expect("a width");
    browser.shot(label).await;
    assert!(
        width <= u64::from(PHONE_WIDTH),
        "{path} is {width} px wide at a {PHONE_WIDTH} px window: it scrolls sideways"
    );
}

#[test]
fn no_page_scrolls_sideways_on_a_phone() {
    let app = spawn_app();
    let member = seed_people(&app);
    app.login_admin();
    let res = app.post_form(
        "/ous",
        "/ous",
        &[("name", "Research and Development Department")],
    );
    assert_eq!(res.status().as_u16(), 303);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("new-starters-for-the-spring-intake.csv");
    let csv = format!(
        "{HEADER}\nNew;Starter;new.starter@example.com;newstarter;;Apprentice;Pw-new-horse-1\n\
         Broken;Row;not-an-email;broken;;;\n"
    );
    std::fs::write(&file, &csv).unwrap();
    let (preview, _, _) = app.upload_and_preview("earlier.csv", csv.as_bytes());
    let result = app.commit(&preview);

    run(async {
        let mut browser = Browser::start("phone").await;
        browser
            .client
            .set_window_size(PHONE_WIDTH, 800)
            .await
            .expect("phone-sized window");
        fits(&mut browser, &app, "/login", "login").await;
        fits(&mut browser, &app, "/password-reset", "forgot-password").await;
        fits(&mut browser, &app, "/password-reset/done", "link-sent").await;
        fits(&mut browser, &app, "/reset/MQ/not-a-token/", "link-invalid").await;

        browser
            .log_in(&app.url("/login"), ADMIN, ADMIN_PASSWORD)
            .await;
        for (path, label) in [
            ("/users".to_string(), "users"),
            ("/users?page=2".to_string(), "users-page-2"),
            (format!("/users/{member}"), "user"),
            ("/users/new".to_string(), "add-user"),
            ("/users/import".to_string(), "import"),
            ("/imports".to_string(), "import-history"),
            (result.clone(), "import-result"),
            (format!("{result}/undo"), "undo-confirm"),
            ("/ous".to_string(), "organizational-units"),
            ("/mail".to_string(), "mail"),
            ("/audit".to_string(), "audit-log"),
            ("/tokens".to_string(), "api-tokens"),
            ("/no-such-page".to_string(), "not-found"),
        ] {
            fits(&mut browser, &app, &path, label).await;
        }
        browser.goto(&app.url("/users/import")).await;
        browser
            .find("#file")
            .await
            .send_keys(&file.display().to_string())
            .await
            .expect("choose the file");
        browser
            .click_to_navigate("#upload-form button[type=submit]")
            .await;
        let preview_path = browser.url().await;
        assert!(preview_path.contains("/preview/"), "{preview_path}");
        fits(&mut browser, &app, &preview_path, "preview").await;

        browser
            .click_to_navigate("form[action='/logout'] button[type=submit]")
            .await;
        browser
            .log_in(&app.url("/login"), "member", MEMBER_PASSWORD)
            .await;
        fits(&mut browser, &app, "/account", "my-account").await;
        fits(&mut browser, &app, "/users", "not-allowed").await;
        let page = browser.text("body").await;
        assert!(
            page.contains("My account") && page.contains("Log out"),
            "the Not allowed page has navigation and Log out: {page}"
        );
        browser.finish().await;
    });
}
