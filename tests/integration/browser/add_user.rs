//! Users → Add user in Chromium: fill the form, submit, land on the new user's page; and a
//! duplicate username shown next to the field with the typed values kept.

use super::{Browser, run};
use crate::helpers::*;

const PASSWORD: &str = "Kettle-Orbit-93";

/// Fills the Add user form (the unit picked from the select) with a password typed twice.
async fn fill_form(browser: &Browser, username: &str, email: &str) {
    browser.fill("#first_name", "Ada").await;
    browser.fill("#last_name", "Lovelace").await;
    browser.fill("#email", email).await;
    browser.fill("#username", username).await;
    browser
        .click("#organizational_unit option[value='Research']")
        .await;
    browser.fill("#job_title", "Analyst").await;
    browser.click("#choice-password").await;
    browser.fill("#password1", PASSWORD).await;
    browser.fill("#password2", PASSWORD).await;
}

/// A server with the admin and the unit Research.
fn app_with_unit() -> TestApp {
    let app = spawn_app();
    app.login_admin();
    assert_eq!(
        app.post_form("/ous", "/ous", &[("name", "Research")])
            .status()
            .as_u16(),
        303
    );
    app
}

#[test]
fn an_admin_adds_a_user_and_sees_them() {
    let app = app_with_unit();
    run(async {
        let mut browser = Browser::start("add_user").await;
        browser
            .log_in(&app.url("/login"), ADMIN, ADMIN_PASSWORD)
            .await;
        browser.goto(&app.url("/users")).await;
        browser.shot("users").await;
        browser.click_to_navigate("#add-user").await;
        assert_eq!(browser.url().await, "/users/new");
        fill_form(&browser, "ada", "ada@example.com").await;
        browser.shot("form-filled").await;
        browser
            .click_to_navigate("#add-user-form button[type=submit]")
            .await;

        let id = app.user_id("ada");
        assert!(
            browser
                .url()
                .await
                .starts_with(&format!("/users/{id}?done="))
        );
        assert_eq!(
            browser.text("p.notice.good").await,
            "User ada created with the password you typed. Hand it over outside Roster."
        );
        assert_eq!(browser.text("h1").await, "User ada");
        assert_eq!(browser.text("#user-role").await, "Default User");
        assert_eq!(browser.text("#password-state").await, "set");
        let unit = browser
            .find("#ou option:checked")
            .await
            .text()
            .await
            .unwrap();
        assert_eq!(unit, "Research");
        browser.shot("user-page").await;

        browser.goto(&app.url("/users?q=ada")).await;
        assert_eq!(browser.text("tr.user-row td a").await, "ada");
        browser.shot("in-the-list").await;
        browser.finish().await;
    });
}

#[test]
fn a_duplicate_username_is_shown_next_to_the_field() {
    let app = app_with_unit();
    let before = app.user_count();
    run(async {
        let mut browser = Browser::start("add_user_duplicate").await;
        browser
            .log_in(&app.url("/login"), ADMIN, ADMIN_PASSWORD)
            .await;
        browser.goto(&app.url("/users/new")).await;
        fill_form(&browser, "Admin", "someone@example.com").await;
        browser
            .click_to_navigate("#add-user-form button[type=submit]")
            .await;

        assert_eq!(browser.url().await, "/users/new");
        let message = browser.text("#username-error").await;
        assert!(
            message.starts_with("A user named \"Admin\" already exists"),
            "{message}"
        );
        // The message sits right under the username field.
        let placed = browser
            .script(
                "const f = document.getElementById('username'); \
                 return f.nextElementSibling && f.nextElementSibling.id;",
                vec![],
            )
            .await;
        assert_eq!(placed, "username-error");
        let kept = browser
            .script(
                "return [document.getElementById('email').value, \
                 document.getElementById('job_title').value, \
                 document.getElementById('organizational_unit').value, \
                 document.getElementById('password1').value];",
                vec![],
            )
            .await;
        assert_eq!(
            kept,
            serde_json::json!(["someone@example.com", "Analyst", "Research", ""]),
            "typed values stay, the password does not"
        );
        browser.shot("duplicate-username").await;
        browser.finish().await;
    });
    assert_eq!(app.user_count(), before);
}
