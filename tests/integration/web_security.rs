//! The security requirements, tested rather than assumed: CSRF on every state-changing route,
//! session fixation, cookie attributes, user enumeration (response and timing), rate limits,
//! security headers and inline script, host headers in mailed links, owner-only files.
//! Shared helpers here; the tests are in the submodules.

mod csrf_sweep;
mod enumeration;
mod exhaustion;
mod files;
mod headers;
mod input_checks;
mod rate_limits;
mod repeats;
mod sessions;
mod timing;
mod weak_passwords;

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use std::path::Path;
use std::time::{Duration, Instant};

use reqwest::blocking::{Client, RequestBuilder, Response};

use crate::helpers::*;

/// Password of the users the helpers insert.
pub const PW: &str = "user-pass-123";
/// Django SECRET_KEY for apps whose reset tokens the tests forge.
pub const SECRET: &str = "web-security-test-secret-key-0123456789-abcdefghij";

/// Inserts a user with SQL and returns the id.
pub fn insert_user(app: &TestApp, username: &str, password_hash: &str, active: bool) -> i64 {
    let active = if active { "TRUE" } else { "FALSE" };
    app.sql_i64(&format!(
        "INSERT INTO auth_user (password, last_login, is_superuser, username, last_name, email, \
         is_staff, is_active, date_joined, first_name) \
         VALUES ('{password_hash}', NULL, FALSE, '{username}', 'User', '{username}@example.com', \
         FALSE, {active}, '2026-01-01 00:00:00', 'Test') RETURNING id"
    ))
}

/// Inserts a superuser (staff, active) with SQL and returns the id.
pub fn insert_admin(app: &TestApp, username: &str, password_hash: &str) -> i64 {
    app.sql_i64(&format!(
        "INSERT INTO auth_user (password, last_login, is_superuser, username, last_name, email, \
         is_staff, is_active, date_joined, first_name) \
         VALUES ('{password_hash}', NULL, TRUE, '{username}', '', '{username}@example.com', \
         TRUE, TRUE, '2026-01-01 00:00:00', '') RETURNING id"
    ))
}

/// An active Default User with password `PW`.
pub fn insert_plain_user(app: &TestApp, username: &str) -> i64 {
    let hash = roster::auth::hashers::make_password(PW, TEST_ITERATIONS);
    insert_user(app, username, &hash, true)
}

/// What a reset token covers of `user_id`: password hash, last_login and email, with last_login
/// as Roster's store reads it (SQLite's text, or PostgreSQL's timestamp in UTC printed the same).
pub fn token_fields(app: &TestApp, user_id: i64) -> [Option<String>; 3] {
    let last_login = if on_postgres() {
        "regexp_replace(to_char(last_login AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US'), \
         '\\.000000$', '')"
    } else {
        "last_login"
    };
    app.sql_rows(&format!(
        "SELECT password, {last_login}, email FROM auth_user WHERE id = {user_id}"
    ))
    .pop()
    .expect("the user")
    .try_into()
    .expect("three columns")
}

/// The path of a valid reset link for `user_id` on an app configured with `SECRET`.
pub fn reset_link_path(app: &TestApp, user_id: i64) -> String {
    let user = token_fields(app, user_id);
    let token_user = roster::auth::tokens::TokenUser {
        pk: user_id,
        password: user[0].as_deref().expect("a password"),
        last_login: user[1].as_deref(),
        email: user[2].as_deref().expect("an email"),
    };
    let now = roster::auth::tokens::django_timestamp(chrono::Utc::now().timestamp(), 0);
    let token = roster::auth::tokens::make_token(&token_user, SECRET, now);
    format!(
        "/reset/{}/{token}/",
        roster::auth::tokens::uidb64_encode(user_id)
    )
}

/// A cookie-keeping, non-redirecting client whose connections come from `ip`: every 127.x.y.z
/// address reaches the server on 127.0.0.1, so this is how tests play several clients.
pub fn client_from(ip: &str) -> Client {
    let ip: IpAddr = ip.parse().expect("IP address");
    Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .local_address(ip)
        .build()
        .expect("client")
}

/// Another browser on `app` that connects from `ip`.
pub fn browser_from(app: &TestApp, ip: &str) -> TestApp {
    let mut browser = app.second_browser();
    browser.client = client_from(ip);
    browser
}

/// Every `Set-Cookie` header of a response.
pub fn set_cookies(res: &Response) -> Vec<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect()
}

/// One response header as text ("" when absent).
pub fn header(res: &Response, name: &str) -> String {
    res.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

/// A browser whose cookies the test sets and reads itself (to plant, replay or drop them).
pub struct Manual {
    pub base: String,
    client: Client,
    cookies: RefCell<BTreeMap<String, String>>,
}

impl Manual {
    pub fn new(app: &TestApp) -> Self {
        Self {
            base: app.base.clone(),
            client: Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            cookies: RefCell::default(),
        }
    }

    /// A browser that holds only this cookie.
    pub fn with_cookie(app: &TestApp, name: &str, value: &str) -> Self {
        let browser = Self::new(app);
        browser.set(name, value);
        browser
    }

    pub fn set(&self, name: &str, value: &str) {
        self.cookies
            .borrow_mut()
            .insert(name.to_string(), value.to_string());
    }

    pub fn remove(&self, name: &str) {
        self.cookies.borrow_mut().remove(name);
    }

    pub fn cookie(&self, name: &str) -> Option<String> {
        self.cookies.borrow().get(name).cloned()
    }

    /// Sends with the current cookies and takes the cookies the response sets (Path ignored).
    pub fn send(&self, request: RequestBuilder) -> Response {
        let jar: Vec<String> = self
            .cookies
            .borrow()
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let request = if jar.is_empty() {
            request
        } else {
            request.header("cookie", jar.join("; "))
        };
        let res = request.send().expect("request");
        for line in set_cookies(&res) {
            let pair = line.split(';').next().unwrap_or_default();
            let (name, value) = pair.split_once('=').expect("cookie pair");
            let removal = line.to_ascii_lowercase().contains("max-age=0") || value.is_empty();
            if removal {
                self.remove(name);
            } else {
                self.set(name, value);
            }
        }
        res
    }

    pub fn get(&self, path: &str) -> Response {
        self.send(self.client.get(format!("{}{path}", self.base)))
    }

    /// Posts exactly these fields (no token is added).
    pub fn post(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        self.send(
            self.client
                .post(format!("{}{path}", self.base))
                .form(fields),
        )
    }

    /// Posts with the CSRF token of `form_page`.
    pub fn post_form(&self, form_page: &str, path: &str, fields: &[(&str, &str)]) -> Response {
        let token = csrf_token(&self.get(form_page).text().expect("body"));
        let mut all = vec![("csrf_token", token.as_str())];
        all.extend_from_slice(fields);
        self.post(path, &all)
    }

    /// Logs in through the form and returns the response.
    pub fn login(&self, username: &str, password: &str) -> Response {
        self.post_form(
            "/login",
            "/login",
            &[("username", username), ("password", password)],
        )
    }

    /// A multipart request with these text fields and one file part.
    pub fn upload(&self, path: &str, fields: &[(&str, &str)], csv: &str) -> Response {
        let mut form = reqwest::blocking::multipart::Form::new();
        for (k, v) in fields {
            form = form.text(k.to_string(), v.to_string());
        }
        let part = reqwest::blocking::multipart::Part::bytes(csv.as_bytes().to_vec())
            .file_name("team.csv")
            .mime_str("text/csv")
            .expect("mime");
        let request = self
            .client
            .post(format!("{}{path}", self.base))
            .multipart(form.part("file", part));
        self.send(request)
    }
}

/// The median of some durations.
pub fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

/// How long `f` takes.
pub fn timed<T>(f: impl FnOnce() -> T) -> (Duration, T) {
    let started = Instant::now();
    let out = f();
    (started.elapsed(), out)
}

/// Every (METHOD, route pattern) registered with `.route(...)` anywhere under `src/web`.
pub fn routes_in_source() -> BTreeSet<(String, String)> {
    let mut files = Vec::new();
    let mut dirs = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("src/web")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    let mut routes = BTreeSet::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        // Other ways to register a route would slip past this parser: refuse them.
        for other in [
            "web::resource(",
            "web::scope(",
            ".service(",
            "web::method(",
            "#[post(",
            "#[get(",
            "#[put(",
            "#[delete(",
            "#[patch(",
            "#[route(",
        ] {
            assert!(
                !compact.contains(other),
                "{} registers routes with {other}; teach this test to read it",
                file.display()
            );
        }
        let catch_all = compact.matches("web::to(").count();
        let not_found = compact
            .matches(".default_service(web::to(not_found))")
            .count();
        assert_eq!(
            catch_all,
            not_found,
            "{}: a route for any method",
            file.display()
        );
        for piece in compact.split(".route(").skip(1) {
            let rest = piece.strip_prefix('"').expect("a literal route path");
            let (path, rest) = rest.split_once('"').expect("end of the route path");
            let rest = rest
                .strip_prefix(",web::")
                .expect("web::<method>() after the path");
            let method = rest.split('(').next().unwrap().to_ascii_uppercase();
            routes.insert((method, path.to_string()));
        }
    }
    assert!(
        routes.len() > 30,
        "the route table was not found: {routes:?}"
    );
    routes
}
