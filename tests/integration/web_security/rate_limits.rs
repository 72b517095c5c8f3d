//! Login and Forgot Password are limited per account and per client address. Clients are told
//! apart by their real source address (127.x.y.z here); proxy headers are never trusted.

use super::*;

/// Headers a client could send to pose as someone else.
const SPOOFED: [(&str, &str); 4] = [
    ("x-forwarded-for", "10.9.8.7"),
    ("x-real-ip", "10.9.8.7"),
    ("forwarded", "for=10.9.8.7"),
    ("client-ip", "10.9.8.7"),
];

fn login_from(browser: &TestApp, username: &str, password: &str, spoof: bool) -> Response {
    let token = csrf_token(&browser.page("/login").1);
    let mut request = browser.client.post(browser.url("/login")).form(&[
        ("csrf_token", token.as_str()),
        ("username", username),
        ("password", password),
    ]);
    if spoof {
        for (name, value) in SPOOFED {
            request = request.header(name, value);
        }
    }
    request.send().unwrap()
}

/// A 429 with the explanation, and no session.
fn assert_limited(res: Response, needle: &str) {
    assert_eq!(res.status().as_u16(), 429);
    assert!(
        !set_cookies(&res)
            .iter()
            .any(|c| c.starts_with("roster_session=")),
        "no session for a limited login"
    );
    assert!(header(&res, "content-type").starts_with("text/html"));
    let body = res.text().unwrap();
    assert!(body.contains(needle), "{body}");
}

#[test]
fn login_is_limited_per_account_even_from_many_addresses() {
    let app = spawn_app();
    insert_plain_user(&app, "plain");
    for n in 1..=10 {
        let browser = browser_from(&app, &format!("127.0.1.{n}"));
        let res = login_from(&browser, ADMIN, "wrong-guess", false);
        assert_eq!(res.status().as_u16(), 401, "attempt {n}");
    }
    let fresh = browser_from(&app, "127.0.1.200");
    assert_limited(
        login_from(&fresh, ADMIN, ADMIN_PASSWORD, false),
        "Too many login attempts",
    );
    assert_eq!(fresh.get("/users").status().as_u16(), 303, "not logged in");
    let res = login_from(&fresh, "plain", PW, false);
    assert_eq!(
        res.status().as_u16(),
        303,
        "other accounts from that address are not limited"
    );
}

#[test]
fn login_is_limited_per_client_address_and_proxy_headers_do_not_reset_it() {
    let app = spawn_app();
    for n in 1..=30 {
        let res = login_from(&app, &format!("nobody{n}"), "wrong-guess", n % 2 == 0);
        assert_eq!(res.status().as_u16(), 401, "attempt {n}");
    }
    assert_limited(
        login_from(&app, ADMIN, ADMIN_PASSWORD, false),
        "Too many login attempts",
    );
    assert_limited(
        login_from(&app, ADMIN, ADMIN_PASSWORD, true),
        "Too many login attempts",
    );
    let elsewhere = browser_from(&app, "127.0.2.1");
    assert_eq!(
        login_from(&elsewhere, ADMIN, ADMIN_PASSWORD, false)
            .status()
            .as_u16(),
        303,
        "the account itself is not locked"
    );
}

fn forgot_from(browser: &TestApp, email: &str, spoof: bool) -> Response {
    let token = csrf_token(&browser.page("/password-reset").1);
    let mut request = browser
        .client
        .post(browser.url("/password-reset"))
        .form(&[("csrf_token", token.as_str()), ("email", email)]);
    if spoof {
        for (name, value) in SPOOFED {
            request = request.header(name, value);
        }
    }
    request.send().unwrap()
}

#[test]
fn forgot_password_is_limited_per_address_across_clients_and_per_client() {
    let app = spawn_app();
    for n in 1..=3 {
        let browser = browser_from(&app, &format!("127.0.3.{n}"));
        assert_eq!(
            forgot_from(&browser, "admin@example.com", false)
                .status()
                .as_u16(),
            303
        );
    }
    let fresh = browser_from(&app, "127.0.3.100");
    assert_limited(
        forgot_from(&fresh, "Admin@Example.com", false),
        "Too many password reset requests",
    );

    let client = browser_from(&app, "127.0.4.1");
    for n in 1..=10 {
        let res = forgot_from(&client, &format!("someone{n}@example.com"), n % 2 == 0);
        assert_eq!(res.status().as_u16(), 303, "request {n}");
    }
    for spoof in [false, true] {
        assert_limited(
            forgot_from(&client, "another@example.com", spoof),
            "Too many password reset requests",
        );
    }
    let other = browser_from(&app, "127.0.4.2");
    assert_eq!(
        forgot_from(&other, "another@example.com", false)
            .status()
            .as_u16(),
        303
    );
}

#[test]
fn strangers_cannot_lock_the_owner_out() {
    let app = spawn_app();
    let desk = browser_from(&app, "127.0.5.1");
    assert_eq!(
        login_from(&desk, ADMIN, ADMIN_PASSWORD, false)
            .status()
            .as_u16(),
        303
    );
    for n in 1..=11 {
        let stranger = browser_from(&app, &format!("127.0.6.{n}"));
        login_from(&stranger, ADMIN, "wrong-guess", false);
    }
    let stranger = browser_from(&app, "127.0.6.200");
    assert_limited(
        login_from(&stranger, ADMIN, ADMIN_PASSWORD, false),
        "Too many login attempts",
    );
    let owner = browser_from(&app, "127.0.5.1");
    assert_eq!(
        login_from(&owner, ADMIN, ADMIN_PASSWORD, false)
            .status()
            .as_u16(),
        303,
        "the owner's known address still gets in"
    );
    assert_eq!(owner.get("/users").status().as_u16(), 200);
    assert_eq!(
        login_from(&owner, ADMIN, "wrong-guess", false)
            .status()
            .as_u16(),
        401,
        "a wrong password from there is still just wrong"
    );
}

#[test]
fn a_limited_burst_is_audited_once_per_client_and_window() {
    let app = spawn_app();
    let count = |action: &str| -> i64 {
        app.sql_i64(&format!(
            "SELECT COUNT(*) FROM roster_audit WHERE action = '{action}'"
        ))
    };
    let flooder = browser_from(&app, "127.0.7.1");
    for n in 1..=60 {
        let res = login_from(&flooder, &format!("nobody{n}"), "wrong-guess", false);
        assert_eq!(res.status().as_u16(), if n <= 30 { 401 } else { 429 });
    }
    assert_eq!(count("login_failed"), 30);
    assert_eq!(count("login_rate_limited"), 1, "one row for the burst");
    let other = browser_from(&app, "127.0.7.2");
    for n in 1..=12 {
        login_from(&other, "nobody", "wrong-guess", n % 2 == 0);
    }
    assert_eq!(
        count("login_rate_limited"),
        2,
        "one more for the other client"
    );
}
