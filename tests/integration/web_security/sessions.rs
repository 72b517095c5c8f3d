//! Session fixation, server-side logout, and the attributes of every cookie Roster sets.

use roster::config::SecretKeySource;

use super::*;

const SESSION: &str = "roster_session";
const CSRF: &str = "roster_csrf";

/// Whether a browser holding only this session cookie value gets in.
fn authenticates(app: &TestApp, key: &str) -> bool {
    Manual::with_cookie(app, SESSION, key)
        .get("/account")
        .status()
        .as_u16()
        == 200
}

#[test]
fn a_session_cookie_planted_before_login_is_replaced_and_dead() {
    let app = spawn_app();
    let planted_csrf = "A".repeat(43);
    let browser = Manual::new(&app);
    browser.set(CSRF, &planted_csrf);
    assert_eq!(
        csrf_token(&browser.get("/login").text().unwrap()),
        planted_csrf,
        "the planted CSRF cookie is in use before login"
    );
    browser.set(SESSION, "attacker-chosen-session-value");
    assert_ne!(
        csrf_token(&browser.get("/login").text().unwrap()),
        planted_csrf,
        "with a session cookie, even a made-up one, the form token is bound to it"
    );
    assert_eq!(browser.login(ADMIN, ADMIN_PASSWORD).status().as_u16(), 303);
    let session = browser.cookie(SESSION).unwrap();
    assert_ne!(session, "attacker-chosen-session-value");
    assert_ne!(
        browser.cookie(CSRF).unwrap(),
        planted_csrf,
        "CSRF token renewed at login"
    );
    assert!(authenticates(&app, &session));
    assert!(!authenticates(&app, "attacker-chosen-session-value"));
}

#[test]
fn logging_in_by_setup_link_or_reset_link_also_renews_session_and_csrf_token() {
    let planted_csrf = "B".repeat(43);
    let fresh = spawn_app_with(migrate);
    let setup = fresh.setup_path.clone().unwrap();
    // A Django database may have users but no admin yet: one of them is logged in here.
    insert_plain_user(&fresh, "plain");
    let browser = Manual::new(&fresh);
    assert_eq!(browser.login("plain", PW).status().as_u16(), 303);
    let before_setup = browser.cookie(SESSION).unwrap();
    assert!(authenticates(&fresh, &before_setup));
    browser.set(CSRF, &planted_csrf);
    let res = browser.post_form(
        &setup,
        &setup,
        &[
            ("username", "boss"),
            ("email", "boss@example.com"),
            ("password", "boss-pass-123"),
            ("password2", "boss-pass-123"),
        ],
    );
    assert_eq!(res.status().as_u16(), 303);
    assert!(browser.cookie(SESSION).is_some());
    assert_ne!(
        browser.cookie(CSRF).unwrap(),
        planted_csrf,
        "setup renews the CSRF token"
    );
    assert_ne!(browser.cookie(SESSION).unwrap(), before_setup);
    assert!(
        !authenticates(&fresh, &before_setup),
        "the session brought to the setup form is ended"
    );

    let app = spawn_app_configured(seed_admin, |config| {
        config.accounts.secret_key = SecretKeySource::Given(SECRET.to_string());
    });
    let user = insert_plain_user(&app, "plain");
    let other = Manual::new(&app);
    assert_eq!(other.login(ADMIN, ADMIN_PASSWORD).status().as_u16(), 303);
    let planted = other.cookie(SESSION).unwrap();
    let browser = Manual::new(&app);
    browser.set(SESSION, &planted);
    browser.set(CSRF, &planted_csrf);
    let form = location(&browser.get(&reset_link_path(&app, user)));
    let res = browser.post_form(
        &form,
        &form,
        &[
            ("new_password1", "Tr0ub4dor&3x"),
            ("new_password2", "Tr0ub4dor&3x"),
        ],
    );
    assert_eq!(location(&res), "/account?password=set");
    let session = browser.cookie(SESSION).unwrap();
    assert_ne!(session, planted);
    assert_ne!(
        browser.cookie(CSRF).unwrap(),
        planted_csrf,
        "a reset link login renews the CSRF token"
    );
    assert!(authenticates(&app, &session));
    assert!(
        !authenticates(&app, &planted),
        "the session brought to the reset form is ended"
    );
}

#[test]
fn another_users_live_session_is_not_kept_at_login() {
    let app = spawn_app();
    insert_plain_user(&app, "plain");
    let other = Manual::new(&app);
    assert_eq!(other.login("plain", PW).status().as_u16(), 303);
    let planted = other.cookie(SESSION).unwrap();
    assert!(authenticates(&app, &planted));

    let browser = Manual::new(&app);
    browser.set(SESSION, &planted);
    assert_eq!(browser.login(ADMIN, ADMIN_PASSWORD).status().as_u16(), 303);
    let session = browser.cookie(SESSION).unwrap();
    assert_ne!(session, planted);
    assert_eq!(
        browser.get("/users").status().as_u16(),
        200,
        "logged in as the admin"
    );
    assert!(
        !authenticates(&app, &planted),
        "the session the browser brought to the login is ended, like Django's session flush"
    );
}

#[test]
fn every_login_gets_a_new_session_id_and_ends_the_previous_one() {
    let app = spawn_app();
    let browser = Manual::new(&app);
    let mut seen = Vec::new();
    for _ in 0..3 {
        assert_eq!(browser.login(ADMIN, ADMIN_PASSWORD).status().as_u16(), 303);
        let key = browser.cookie(SESSION).unwrap();
        assert!(!seen.contains(&key), "a new id at each login");
        assert!(authenticates(&app, &key));
        for old in &seen {
            assert!(!authenticates(&app, old), "the previous id is dead");
        }
        seen.push(key);
    }
}

#[test]
fn a_replayed_cookie_after_logout_gets_the_login_page() {
    let app = spawn_app();
    let browser = Manual::new(&app);
    assert_eq!(browser.login(ADMIN, ADMIN_PASSWORD).status().as_u16(), 303);
    let key = browser.cookie(SESSION).unwrap();
    let res = browser.post_form("/users", "/logout", &[]);
    assert_eq!(res.status().as_u16(), 303);
    assert!(
        browser.cookie(SESSION).is_none(),
        "the browser is told to drop it"
    );

    let replay = Manual::with_cookie(&app, SESSION, &key);
    let res = replay.get("/users");
    assert_eq!(res.status().as_u16(), 303);
    let login = location(&res);
    assert_eq!(login, "/login?next=/users");
    let res = replay.get(&login);
    assert_eq!(res.status().as_u16(), 200);
    let html = res.text().unwrap();
    assert!(
        select_attr(&html, "input[name=password]", "type").is_some(),
        "{html}"
    );
}

/// Asserts the attributes of one Set-Cookie line.
fn check_cookie(line: &str, https: bool) {
    let attributes: Vec<String> = line
        .split(';')
        .skip(1)
        .map(|a| a.trim().to_ascii_lowercase())
        .collect();
    let has = |a: &str| attributes.iter().any(|x| x == a);
    assert!(has("httponly"), "{line}");
    assert!(has("samesite=strict"), "{line}");
    let path = if line.contains("roster_reset=") {
        // The reset token is narrower still: only the reset pages ever see it.
        "path=/reset/"
    } else {
        "path=/"
    };
    assert!(has(path), "{line}");
    assert_eq!(has("secure"), https, "{line}");
}

/// Walks every flow that sets a cookie and returns all Set-Cookie lines.
fn every_cookie(base_url: &str) -> Vec<String> {
    let configure = |config: &mut roster::config::Config| {
        config.accounts.base_url = base_url.to_string();
        config.accounts.secret_key = SecretKeySource::Given(SECRET.to_string());
    };
    let app = spawn_app_configured(seed_admin, configure);
    let user = insert_plain_user(&app, "plain");
    let mut lines = Vec::new();
    let browser = app.second_browser();
    let mut keep = |res: Response| {
        assert!(res.status().as_u16() < 400, "{}", res.url());
        lines.extend(set_cookies(&res));
    };
    keep(browser.get("/login"));
    keep(browser.post_form(
        "/login",
        "/login",
        &[("username", ADMIN), ("password", ADMIN_PASSWORD)],
    ));
    keep(browser.post_form(
        "/account",
        "/account/password",
        &[
            ("old_password", ADMIN_PASSWORD),
            ("new_password1", "An0ther-pass"),
            ("new_password2", "An0ther-pass"),
        ],
    ));
    keep(browser.post_form("/users", "/logout", &[]));
    let reset = app.second_browser();
    let res = reset.get(&reset_link_path(&app, user));
    let form = location(&res);
    keep(res);
    keep(reset.post_form(
        &form,
        &form,
        &[
            ("new_password1", "Tr0ub4dor&3x"),
            ("new_password2", "Tr0ub4dor&3x"),
        ],
    ));

    let fresh = spawn_app_configured(migrate, configure);
    let setup = fresh.setup_path.clone().unwrap();
    keep(fresh.get(&setup));
    keep(fresh.post_form(
        &setup,
        &setup,
        &[
            ("username", "boss"),
            ("email", "boss@example.com"),
            ("password", "boss-pass-123"),
            ("password2", "boss-pass-123"),
        ],
    ));
    lines
}

#[test]
fn every_cookie_is_httponly_samesite_strict_and_secure_only_over_https() {
    for (base_url, https) in [
        ("http://roster.test", false),
        ("https://roster.example.com", true),
    ] {
        let lines = every_cookie(base_url);
        // Over https the names carry the prefix browsers enforce: `__Host-` (Secure, Path=/, no
        // Domain: no sibling host or plain-http page can set it), `__Secure-` for the reset path.
        let (host, secure) = if https {
            ("__Host-", "__Secure-")
        } else {
            ("", "")
        };
        let session = format!("{host}roster_session=");
        for name in [
            session.clone(),
            format!("{host}roster_csrf="),
            format!("{secure}roster_reset="),
        ] {
            assert!(
                lines.iter().any(|l| l.starts_with(&name)),
                "{name} not seen: {lines:?}"
            );
        }
        assert!(
            lines.iter().any(|l| l.starts_with(&format!("{session};"))
                || l.starts_with(&format!("{session}\"\""))),
            "the logout removal is checked too: {lines:?}"
        );
        assert!(
            !https || lines.iter().all(|l| !l.starts_with("roster_")),
            "no unprefixed cookie over https: {lines:?}"
        );
        for line in &lines {
            check_cookie(line, https);
        }
    }
}

/// Finding 8: a CSRF cookie planted in an admin's browser (e.g. from a sibling subdomain), echoed
/// in a forged form, was accepted. With a session the token is bound to it, so it is refused.
#[test]
fn a_planted_csrf_cookie_is_useless_against_a_logged_in_admin() {
    let app = spawn_app();
    let browser = Manual::new(&app);
    assert_eq!(browser.login(ADMIN, ADMIN_PASSWORD).status().as_u16(), 303);
    let real_form_token = csrf_token(&browser.get("/ous").text().unwrap());
    assert_ne!(
        Some(real_form_token.clone()),
        browser.cookie(CSRF),
        "the form token is not the cookie's value"
    );
    let planted = "P".repeat(43);
    browser.set(CSRF, &planted);
    let forged = browser.post(
        "/ous",
        &[("csrf_token", planted.as_str()), ("name", "Forged unit")],
    );
    assert_eq!(
        forged.status().as_u16(),
        403,
        "cookie and form agree, but not with the session"
    );
    let units = app.sql_i64("SELECT COUNT(*) FROM roster_organizational_unit");
    assert_eq!(units, 0);
    let genuine = browser.post(
        "/ous",
        &[
            ("csrf_token", real_form_token.as_str()),
            ("name", "Real unit"),
        ],
    );
    assert_eq!(
        genuine.status().as_u16(),
        303,
        "the session's own token still works"
    );
}
