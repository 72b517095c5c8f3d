//! The authorization matrix: every admin page and action tried anonymously, as a logged-in
//! Default User and as an admin. A refused action must leave the database exactly as it was.

use reqwest::blocking::{Response, multipart};

use crate::helpers::*;

const USER: &str = "plain";
const USER_PASSWORD: &str = "plain-pass-123";

/// Inserts an active user with SQL; `staff`/`superuser` as given. Returns the id.
fn insert_user(app: &TestApp, username: &str, staff: bool, superuser: bool) -> i64 {
    let hash = roster::auth::hashers::make_password(USER_PASSWORD, TEST_ITERATIONS);
    let upper = |b: bool| if b { "TRUE" } else { "FALSE" };
    let (superuser, staff) = (upper(superuser), upper(staff));
    app.sql_execute(&format!(
        "INSERT INTO auth_user (password, last_login, is_superuser, username, last_name, email, \
         is_staff, is_active, date_joined, first_name) \
         VALUES ('{hash}', NULL, {superuser}, '{username}', 'Plain', '{username}@example.com', \
         {staff}, TRUE, '2026-01-01 00:00:00', 'Pat')"
    ));
    app.user_id(username)
}

fn id_of(app: &TestApp, sql: &str) -> i64 {
    app.sql_i64(sql)
}

/// A server with an admin browser logged in, two OUs, one web import and a Default User.
struct World {
    admin: TestApp,
    user_id: i64,
    ou: i64,
    empty_ou: i64,
    import: i64,
}

fn world() -> World {
    let admin = spawn_app();
    admin.login_admin();
    for name in ["Sales", "Empty"] {
        let res = admin.post_form("/ous", "/ous", &[("name", name)]);
        assert_eq!(res.status().as_u16(), 303, "create OU {name}");
    }
    let csv = format!(
        "{HEADER}\nIvy;Imported;ivy@example.com;ivy;;;ivy-pass-123\n\
         Bad;Row;not-an-email;bad;;;bad-pass-123\n"
    );
    let (preview, status, _) = admin.upload_and_preview("team.csv", csv.as_bytes());
    assert_eq!(status, 200);
    let result = admin.commit(&preview);
    World {
        import: result.trim_start_matches("/imports/").parse().unwrap(),
        user_id: insert_user(&admin, USER, false, false),
        ou: id_of(
            &admin,
            "SELECT id FROM roster_organizational_unit WHERE name = 'Sales'",
        ),
        empty_ou: id_of(
            &admin,
            "SELECT id FROM roster_organizational_unit WHERE name = 'Empty'",
        ),
        admin,
    }
}

impl World {
    /// GET pages with the status an admin gets.
    fn pages(&self) -> Vec<(String, u16)> {
        let (u, i) = (self.user_id, self.import);
        [
            ("/users".to_string(), 200),
            (format!("/users/{u}"), 200),
            ("/users/new".to_string(), 200),
            ("/users/999999".to_string(), 404),
            ("/users/import".to_string(), 200),
            ("/users/import/sample.csv".to_string(), 200),
            ("/users/import/template.xlsx".to_string(), 200),
            ("/imports".to_string(), 200),
            (format!("/imports/{i}"), 200),
            (format!("/imports/{i}/errors.csv"), 200),
            (format!("/imports/{i}/errors.xlsx"), 200),
            (format!("/imports/{i}/undo"), 200),
            ("/ous".to_string(), 200),
            ("/mail".to_string(), 200),
            ("/audit".to_string(), 200),
            ("/audit.csv".to_string(), 200),
            ("/tokens".to_string(), 200),
        ]
        .into()
    }

    /// POST actions with the status an admin gets, in an order that works for the admin.
    fn actions(&self) -> Vec<(String, Body, u16)> {
        let (u, ou, empty, i) = (self.user_id, self.ou, self.empty_ou, self.import);
        let form = |fields: &[(&'static str, &str)]| {
            Body::Form(fields.iter().map(|(k, v)| (*k, v.to_string())).collect())
        };
        let user_form = |email: &str| {
            form(&[
                ("first_name", "Hacked"),
                ("last_name", "Plain"),
                ("email", email),
                ("role", "admin"),
                ("active", "1"),
            ])
        };
        let pw = |a: &str, b: &str| form(&[("password1", a), ("password2", b)]);
        vec![
            (format!("/users/{u}"), user_form("not-an-email"), 422),
            (format!("/users/{u}"), user_form("plain@example.com"), 303),
            (
                format!("/users/{u}/terminate-sessions"),
                form(&[("confirm", "yes")]),
                303,
            ),
            // Mail is not configured here: the admin sees why on a 502 page.
            (
                format!("/users/{u}/send-reset"),
                form(&[("confirm", "yes")]),
                502,
            ),
            // Mail is not configured here: nothing is sent and the admin is told why.
            (
                "/users/send-set-password-link".to_string(),
                form(&[
                    ("scope", "selected"),
                    ("user", &u.to_string()),
                    ("confirm", "yes"),
                ]),
                503,
            ),
            (
                format!("/users/{u}/set-password"),
                pw("N3w-Pa55-x", "other"),
                422,
            ),
            (
                format!("/users/{u}/set-password"),
                pw("N3w-Pa55-x", "N3w-Pa55-x"),
                303,
            ),
            (
                "/users/new".to_string(),
                form(&[("username", "added"), ("password_choice", "password")]),
                422,
            ),
            (
                "/users/new".to_string(),
                form(&[
                    ("first_name", "Added"),
                    ("last_name", "ByHand"),
                    ("email", "added@example.com"),
                    ("username", "added"),
                    ("password_choice", "password"),
                    ("password1", "N3w-Pa55-x"),
                    ("password2", "N3w-Pa55-x"),
                ]),
                303,
            ),
            ("/ous".to_string(), form(&[("name", "")]), 422),
            ("/ous".to_string(), form(&[("name", "Marketing")]), 303),
            (
                format!("/ous/{ou}/rename"),
                form(&[("name", "Field Sales")]),
                303,
            ),
            (format!("/ous/{empty}/delete"), form(&[]), 303),
            (
                format!("/imports/{i}/undo"),
                form(&[("expected", "1")]),
                303,
            ),
            (format!("/imports/{i}/resend"), form(&[]), 303),
            // The mail page answers the test in place (mail is not configured here).
            (
                "/mail/test".to_string(),
                form(&[("address", "x@example.com")]),
                200,
            ),
            ("/users/import".to_string(), Body::Upload, 303),
            // A new token is shown once, on the response itself.
            ("/tokens".to_string(), form(&[("name", "ci")]), 200),
            ("/tokens/revoke".to_string(), form(&[("name", "ci")]), 303),
        ]
    }
}

enum Body {
    Form(Vec<(&'static str, String)>),
    Upload,
}

/// Sends an action with the CSRF token of `token_page`, a page this browser can open.
fn send(browser: &TestApp, token_page: &str, path: &str, body: &Body) -> Response {
    match body {
        Body::Form(fields) => {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            browser.post_form(token_page, path, &fields)
        }
        Body::Upload => {
            let token = csrf_token(&browser.page(token_page).1);
            let csv = format!("{HEADER}\nMal;Lory;mal@example.com;mal;;;mal-pass-123\n");
            let part = multipart::Part::bytes(csv.into_bytes()).file_name("x.csv");
            let form = multipart::Form::new()
                .text("csrf_token", token)
                .part("file", part);
            let url = browser.url(path);
            browser.client.post(url).multipart(form).send().unwrap()
        }
    }
}

/// Tries every page and action as someone who is not an admin; each must be refused unchanged.
fn refused_everything(w: &World, browser: &TestApp, token_page: &str, expect: u16) {
    for (path, _) in w.pages() {
        let res = browser.get(&path);
        assert_eq!(res.status().as_u16(), expect, "GET {path}");
        if expect == 303 {
            assert_eq!(location(&res), format!("/login?next={path}"), "GET {path}");
        } else {
            let body = res.text().unwrap();
            assert!(!body.contains("ivy@example.com"), "GET {path} leaks data");
        }
    }
    for (path, body, _) in w.actions() {
        let before = snapshot(&w.admin);
        let res = send(browser, token_page, &path, &body);
        assert_eq!(res.status().as_u16(), expect, "POST {path}");
        if expect == 303 {
            assert!(location(&res).starts_with("/login?next="), "POST {path}");
        }
        assert_eq!(
            snapshot(&w.admin),
            before,
            "POST {path} changed the database"
        );
    }
}

#[test]
fn anonymous_visitors_are_sent_to_login_and_change_nothing() {
    let w = world();
    refused_everything(&w, &w.admin.second_browser(), "/login", 303);
}

#[test]
fn default_users_get_403_and_change_nothing() {
    let w = world();
    let user = w.admin.second_browser();
    user.login(USER, USER_PASSWORD);
    refused_everything(&w, &user, "/account", 403);
    assert_eq!(
        user.get("/account").status().as_u16(),
        200,
        "still logged in"
    );
}

#[test]
fn staff_only_or_superuser_only_is_not_an_admin() {
    let w = world();
    for (name, staff, superuser) in [("staffonly", true, false), ("suonly", false, true)] {
        insert_user(&w.admin, name, staff, superuser);
        let browser = w.admin.second_browser();
        browser.login(name, USER_PASSWORD);
        refused_everything(&w, &browser, "/account", 403);
    }
}

#[test]
fn admins_may_open_every_page_and_do_every_action() {
    let w = world();
    for (path, status) in w.pages() {
        let (got, body) = w.admin.page(&path);
        assert_eq!(got, status, "GET {path}: {body}");
    }
    for (path, body, status) in w.actions() {
        let res = send(&w.admin, "/users", &path, &body);
        assert_eq!(res.status().as_u16(), status, "POST {path}");
    }
    let user = w.admin.sql_rows(&format!(
        "SELECT first_name, is_staff FROM auth_user WHERE id = {}",
        w.user_id
    ));
    assert_eq!(user, [[Some("Hacked".to_string()), Some("1".to_string())]]);
    let units: Vec<String> = w
        .admin
        .sql_rows("SELECT name FROM roster_organizational_unit ORDER BY name")
        .into_iter()
        .filter_map(|row| row.into_iter().next().flatten())
        .collect();
    assert_eq!(units, ["Field Sales", "Marketing"]);
}

#[test]
fn account_page_is_for_any_logged_in_user() {
    let w = world();
    let anonymous = w.admin.second_browser();
    let res = anonymous.get("/account");
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(location(&res), "/login?next=/account");
    let user = w.admin.second_browser();
    user.login(USER, USER_PASSWORD);
    let (status, html) = user.page("/account");
    assert_eq!(status, 200);
    assert_eq!(
        select_text(&html, "#account-username").as_deref(),
        Some(USER)
    );
}

#[test]
fn the_api_ignores_session_cookies() {
    let w = world();
    let user = w.admin.second_browser();
    user.login(USER, USER_PASSWORD);
    let before = w.admin.user_count();
    let csv = format!("{HEADER}\nApi;User;api@example.com;apiuser;;;api-pass-123\n");
    for browser in [&w.admin, &user] {
        let res = browser
            .client
            .post(browser.url("/api/users/import"))
            .header("content-type", "text/csv")
            .body(csv.clone())
            .send()
            .unwrap();
        assert_eq!(
            res.status().as_u16(),
            401,
            "a session cookie is not an API token"
        );
    }
    assert_eq!(w.admin.user_count(), before);
}
