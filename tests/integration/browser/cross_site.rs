//! Links clicked on another site, as in webmail: the page with the link is served from
//! `http://localhost:PORT` while Roster runs on `127.0.0.1`, so the click is a cross-site navigation.
//! A reset link ends with "password set, logged in"; an admin's deep link opens logged in; the
//! setup link creates the first admin.

use std::io::{Read, Write};
use std::net::TcpListener;

use roster::config::{Config, SecretKeySource};
use roster::db::users::UserRecord;

use super::{Browser, run};
use crate::helpers::*;

const SECRET: &str = "cross-site-test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz";
const NEW_PASSWORD: &str = "Tr0ub4dor&3x-webmail";

/// A one-page "webmail" on `localhost`, a different site from `127.0.0.1`, showing `link`.
fn webmail_with_link(link: &str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind the webmail");
    let port = listener.local_addr().expect("webmail port").port();
    let body = format!(
        "<!doctype html><html><body><h1>Inbox</h1><p><a id=\"link\" href=\"{link}\">Open the link</a></p></body></html>"
    );
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut request = [0u8; 4096];
            let _ = stream.read(&mut request);
            let response = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(response.as_bytes());
        }
    });
    format!("http://localhost:{port}/inbox")
}

fn insert_user_without_password(app: &TestApp) -> i64 {
    app.sql_execute(
        "INSERT INTO auth_user (password, last_login, is_superuser, username, last_name, email, \
         is_staff, is_active, date_joined, first_name) VALUES ('!unusable0123456789abcdefghij', \
         NULL, FALSE, 'ada', 'Lovelace', 'ada@example.com', FALSE, TRUE, '2026-11-01 09:00:00', \
         'Ada')",
    );
    app.user_id("ada")
}

/// The user `id` as Roster reads it, from either backend (on PostgreSQL the fields a reset token
/// signs are read with SQL; she has never logged in).
fn user_record(app: &TestApp, id: i64) -> UserRecord {
    if !on_postgres() {
        return roster::db::users::find_by_id(&app.db(), id)
            .expect("query")
            .expect("the user");
    }
    let rows = app.sql_rows(&format!(
        "SELECT username, email, first_name, last_name, password, \
         CAST(date_joined AS TEXT), last_login IS NULL FROM auth_user WHERE id = {id}"
    ));
    let [row] = &rows[..] else {
        panic!("user {id}: {rows:?}")
    };
    let text = |i: usize| row[i].clone().expect("a value");
    assert_eq!(text(6), "1", "never logged in");
    UserRecord {
        id,
        username: text(0),
        email: text(1),
        first_name: text(2),
        last_name: text(3),
        password: text(4),
        is_active: true,
        is_staff: false,
        is_superuser: false,
        last_login: None,
        date_joined: text(5),
    }
}

#[test]
fn a_reset_link_clicked_in_webmail_sets_the_password_and_logs_in() {
    let app = spawn_app_configured(seed_admin, |config| {
        config.accounts.secret_key = SecretKeySource::Given(SECRET.to_string());
    });
    let id = insert_user_without_password(&app);
    // Only the account settings are read; the configuration takes a file, not a database URL.
    let database = if on_postgres() {
        std::path::PathBuf::from("roster.sqlite3")
    } else {
        app.db_path.clone()
    };
    let mut accounts = Config::new(database, TEST_ITERATIONS, 10_000)
        .expect("config")
        .accounts;
    accounts.base_url = app.base.clone();
    let ada = user_record(&app, id);
    let link = roster::auth::reset::reset_link(&accounts, SECRET, &ada);
    let inbox = webmail_with_link(&link);

    run(async {
        let mut browser = Browser::start("cross_site_reset").await;
        browser.goto(&inbox).await;
        browser.shot("webmail").await;
        browser.click("#link").await;
        browser.find("#new_password1").await;
        let form_url = browser.url().await;
        assert!(
            form_url.ends_with("/set-password/"),
            "the token leaves the address bar: {form_url}"
        );
        browser.shot("set-password-form").await;
        browser.fill("#new_password1", NEW_PASSWORD).await;
        browser.fill("#new_password2", NEW_PASSWORD).await;
        browser.click_to_navigate("form button[type=submit]").await;
        browser
            .wait_until("the account page", || async {
                browser.url().await == "/account?password=set"
            })
            .await;
        let main = browser.text("main").await;
        assert!(main.contains("Your password is set"), "{main}");
        browser.shot("password-set-logged-in").await;
        browser.finish().await;
    });
    let stored = app
        .sql_text(&format!("SELECT password FROM auth_user WHERE id = {id}"))
        .expect("a password");
    assert!(stored.starts_with("pbkdf2_sha256$"), "a Django hash now");
}

#[test]
fn an_admin_following_a_link_from_mail_is_still_logged_in() {
    let app = spawn_app();
    let inbox = webmail_with_link(&app.url("/imports"));
    run(async {
        let mut browser = Browser::start("cross_site_deep_link").await;
        browser
            .log_in(&app.url("/login"), ADMIN, ADMIN_PASSWORD)
            .await;
        browser.goto(&inbox).await;
        browser.click("#link").await;
        browser.find("form[action='/logout']").await;
        assert_eq!(browser.url().await, "/imports", "no detour to the login");
        browser.shot("deep-link-logged-in").await;
        // A form on the page still needs its CSRF token: the logout works.
        browser
            .click_to_navigate("form[action='/logout'] button[type=submit]")
            .await;
        browser.find("#username").await;
        browser.finish().await;
    });
}

#[test]
fn the_setup_link_clicked_in_chat_creates_the_first_admin() {
    let app = spawn_app_with(migrate);
    let setup = app.setup_path.clone().expect("a setup link");
    let inbox = webmail_with_link(&app.url(&setup));
    run(async {
        let mut browser = Browser::start("cross_site_setup").await;
        browser.goto(&inbox).await;
        browser.click("#link").await;
        browser.fill("#username", "boss").await;
        browser.fill("#email", "boss@example.com").await;
        browser.fill("#password", NEW_PASSWORD).await;
        browser.fill("#password2", NEW_PASSWORD).await;
        browser.shot("setup-form").await;
        browser.click_to_navigate("form button[type=submit]").await;
        browser
            .wait_until("the users page", || async {
                browser.url().await == "/users"
            })
            .await;
        browser.find("form[action='/logout']").await;
        browser.shot("first-admin-logged-in").await;
        browser.finish().await;
    });
}
