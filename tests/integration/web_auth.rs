//! Login, logout, the first-admin setup link, CSRF, sessions and response headers.

use crate::helpers::*;

#[test]
fn setup_link_creates_the_first_admin_once() {
    let app = spawn_app_with(|_| {});
    let setup = app
        .setup_path
        .clone()
        .expect("a setup link when no admin exists");
    let (status, html) = app.page(&setup);
    assert_eq!(status, 200);
    assert!(html.contains("Create the first admin"));

    let fields = [
        ("username", "boss"),
        ("email", "boss@example.com"),
        ("password", "short"),
        ("password2", "short"),
    ];
    let res = app.post_form(&setup, &setup, &fields);
    assert_eq!(res.status().as_u16(), 422, "short password is refused");
    // The one password policy: Django's validators, not only the length (issue 10).
    let fields = [
        ("username", "boss"),
        ("email", "boss@example.com"),
        ("password", "password123"),
        ("password2", "password123"),
    ];
    let res = app.post_form(&setup, &setup, &fields);
    assert_eq!(res.status().as_u16(), 422, "a common password is refused");
    assert!(res.text().unwrap().contains("This password is too common."));

    let fields = [
        ("username", "boss"),
        ("email", "boss@example.com"),
        ("password", "long-enough-pw"),
        ("password2", "long-enough-pw"),
    ];
    let res = app.post_form(&setup, &setup, &fields);
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(location(&res), "/users");
    let (status, html) = app.page("/users");
    assert_eq!(status, 200, "logged in right after setup");
    assert!(html.contains("Signed in as"));

    let flags =
        app.sql_rows("SELECT is_staff, is_superuser FROM auth_user WHERE username = 'boss'");
    assert_eq!(flags, [[Some("1".to_string()), Some("1".to_string())]]);

    let (status, html) = app.page(&setup);
    assert_eq!(status, 404, "the link is dead once used");
    assert!(html.contains("no longer valid"));
}

#[test]
fn a_database_failure_during_setup_is_a_500_and_the_link_stays_valid() {
    let app = spawn_app_with(|_| {});
    let setup = app.setup_path.clone().expect("a setup link");
    app.page(&setup);
    // The same failure on either backend: a trigger refusing every new user.
    app.sql_execute(if on_postgres() {
        "CREATE FUNCTION refuse_admin() RETURNS trigger LANGUAGE plpgsql AS \
         $$ BEGIN RAISE EXCEPTION 'disk trouble'; END $$; \
         CREATE TRIGGER refuse_admin BEFORE INSERT ON auth_user \
         FOR EACH ROW EXECUTE FUNCTION refuse_admin();"
    } else {
        "CREATE TRIGGER refuse_admin BEFORE INSERT ON auth_user \
         BEGIN SELECT RAISE(ABORT, 'disk trouble'); END;"
    });
    let fields = [
        ("username", "boss"),
        ("email", "boss@example.com"),
        ("password", "long-enough-pw"),
        ("password2", "long-enough-pw"),
    ];
    let res = app.post_form(&setup, &setup, &fields);
    assert_eq!(res.status().as_u16(), 500, "not the link's fault");
    let page = res.text().unwrap();
    assert!(!page.contains("no longer valid"), "{page}");
    assert!(!page.contains("disk trouble"), "the cause stays in the log");

    app.sql_execute(if on_postgres() {
        "DROP TRIGGER refuse_admin ON auth_user"
    } else {
        "DROP TRIGGER refuse_admin"
    });
    let (status, _) = app.page(&setup);
    assert_eq!(status, 200, "the link still works");
    let res = app.post_form(&setup, &setup, &fields);
    assert_eq!(res.status().as_u16(), 303);
}

#[test]
fn no_setup_link_when_an_admin_exists() {
    let app = spawn_app();
    assert!(app.setup_path.is_none());
    let (status, _) = app.page("/setup/anything");
    assert_eq!(status, 404);
}

#[test]
fn admin_pages_require_login() {
    let app = spawn_app();
    for path in [
        "/users",
        "/users/import",
        "/ous",
        "/imports/1",
        "/imports/1/errors.csv",
        "/imports/1/errors.xlsx",
        "/users/import/sample.csv",
        "/users/import/template.xlsx",
    ] {
        let res = app.get(path);
        assert_eq!(
            res.status().as_u16(),
            303,
            "{path} must redirect anonymous users"
        );
        assert!(location(&res).starts_with("/login?next="), "{path}");
    }
}

#[test]
fn wrong_password_is_refused_and_right_one_logs_in() {
    let app = spawn_app();
    let res = app.post_form(
        "/login",
        "/login",
        &[("username", ADMIN), ("password", "nope")],
    );
    assert_eq!(res.status().as_u16(), 401);
    let body = res.text().unwrap();
    assert!(body.contains("correct username and password"));
    assert!(!body.contains("nope"), "the typed password is not echoed");
    let res = app.post_form(
        "/login",
        "/login",
        &[("username", "ghost"), ("password", "x")],
    );
    assert_eq!(
        res.status().as_u16(),
        401,
        "unknown users get the same answer"
    );

    let res = app.post_form(
        "/login",
        "/login",
        &[
            ("username", ADMIN),
            ("password", ADMIN_PASSWORD),
            ("next", "/ous"),
        ],
    );
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(
        location(&res),
        "/ous",
        "goes back where the admin wanted to go"
    );
    let cookies: Vec<String> = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect();
    let session = cookies
        .iter()
        .find(|c| c.starts_with("roster_session="))
        .expect("session cookie");
    assert!(
        session.contains("HttpOnly") && session.contains("SameSite=Strict"),
        "{session}"
    );
    assert_eq!(
        app.sql_i64(&format!(
            "SELECT COUNT(*) FROM auth_user WHERE username = '{ADMIN}' AND last_login IS NOT NULL"
        )),
        1,
        "login records last_login like Django"
    );
}

#[test]
fn open_redirects_are_not_followed_after_login() {
    let app = spawn_app();
    let res = app.post_form(
        "/login",
        "/login",
        &[
            ("username", ADMIN),
            ("password", ADMIN_PASSWORD),
            ("next", "//evil.example/"),
        ],
    );
    assert_eq!(location(&res), "/users");
}

#[test]
fn non_admin_users_log_in_to_their_account_page_only() {
    let app = spawn_app();
    let hash = roster::auth::hashers::make_password("user-pass-1", TEST_ITERATIONS);
    app.sql_execute(&format!(
        "INSERT INTO auth_user (password, last_login, is_superuser, username, last_name, email, is_staff, is_active, date_joined, first_name) \
         VALUES ('{hash}', NULL, FALSE, 'plain', '', 'plain@example.com', FALSE, TRUE, '2026-01-01 00:00:00', '')"
    ));
    let res = app.post_form(
        "/login",
        "/login",
        &[
            ("username", "plain"),
            ("password", "user-pass-1"),
            ("next", "/users"),
        ],
    );
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(location(&res), "/account");
    let (status, html) = app.page("/account");
    assert_eq!(status, 200);
    assert_eq!(
        select_text(&html, "#account-username").as_deref(),
        Some("plain")
    );
    for path in ["/users", "/users/import", "/ous", "/mail"] {
        assert_eq!(
            app.get(path).status().as_u16(),
            403,
            "{path} is for admins only"
        );
    }
}

#[test]
fn posts_without_a_valid_csrf_token_are_refused() {
    let app = spawn_app();
    app.login_admin();
    let res = app
        .client
        .post(app.url("/ous"))
        .form(&[("name", "Sales")])
        .send()
        .unwrap();
    assert_eq!(res.status().as_u16(), 403);
    let res = app
        .client
        .post(app.url("/ous"))
        .form(&[("csrf_token", "forged"), ("name", "Sales")])
        .send()
        .unwrap();
    assert_eq!(res.status().as_u16(), 403);
    let form = reqwest::blocking::multipart::Form::new().part(
        "file",
        reqwest::blocking::multipart::Part::bytes(b"x".to_vec()).file_name("a.csv"),
    );
    let res = app
        .client
        .post(app.url("/users/import"))
        .multipart(form)
        .send()
        .unwrap();
    assert_eq!(res.status().as_u16(), 403, "the upload needs the token too");
    let res = app
        .client
        .post(app.url("/login"))
        .form(&[("username", ADMIN), ("password", ADMIN_PASSWORD)])
        .send()
        .unwrap();
    assert_eq!(res.status().as_u16(), 403, "even the login form");
    assert_eq!(
        app.sql_i64("SELECT COUNT(*) FROM roster_organizational_unit"),
        0
    );
}

#[test]
fn logout_ends_the_session_on_the_server() {
    let app = spawn_app();
    app.login_admin();
    let sessions = |app: &TestApp| -> i64 { app.sql_i64("SELECT COUNT(*) FROM roster_session") };
    assert_eq!(sessions(&app), 1);
    let res = app.post_form("/users", "/logout", &[]);
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(sessions(&app), 0);
    assert_eq!(app.get("/users").status().as_u16(), 303);
}

#[test]
fn a_password_change_ends_existing_sessions() {
    let app = spawn_app();
    app.login_admin();
    assert_eq!(app.get("/users").status().as_u16(), 200);
    let out = roster_with(
        &app.db_path,
        &["changepassword", ADMIN, "--password-stdin"],
        &[],
        Some("a-new-password\n"),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        app.get("/users").status().as_u16(),
        303,
        "old session no longer valid"
    );
    app.login(ADMIN, "a-new-password");
}

#[test]
fn responses_carry_security_headers() {
    let app = spawn_app();
    let res = app.get("/login");
    let header = |name: &str| {
        res.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    assert!(header("content-security-policy").contains("frame-ancestors 'none'"));
    assert!(!header("content-security-policy").contains("unsafe-inline"));
    assert_eq!(header("x-content-type-options"), "nosniff");
    assert_eq!(header("referrer-policy"), "no-referrer");
    let csrf = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("roster_csrf="))
        .expect("csrf cookie");
    assert!(csrf.contains("HttpOnly") && csrf.contains("SameSite=Strict"));
}

#[test]
fn assets_are_served_from_the_binary() {
    let app = spawn_app();
    let (status, css) = app.page("/static/app.css");
    assert_eq!(status, 200);
    assert!(css.contains(".dropzone"));
    let (status, js) = app.page("/static/import.js");
    assert_eq!(status, 200);
    assert!(js.contains("dataTransfer"));
    assert_eq!(app.get("/no/such/page").status().as_u16(), 404);
}

#[test]
fn cookies_are_secure_when_roster_is_served_over_https() {
    let set_cookies = |app: &TestApp| -> Vec<String> {
        let res = app.get("/login");
        res.headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .collect()
    };
    let plain = spawn_app();
    let cookies = set_cookies(&plain);
    assert!(
        !cookies.is_empty() && cookies.iter().all(|c| !c.contains("Secure")),
        "{cookies:?}"
    );
    let https = spawn_app_configured(seed_admin, |c| {
        c.accounts.base_url = "https://roster.example.com".to_string()
    });
    let cookies = set_cookies(&https);
    assert!(
        !cookies.is_empty() && cookies.iter().all(|c| c.contains("; Secure")),
        "{cookies:?}"
    );
}

#[test]
fn a_new_database_is_readable_by_its_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("fresh.sqlite3");
    migrate(&db);
    let mode = std::fs::metadata(&db).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let secret = std::path::PathBuf::from(format!("{}.secret-key", db.display()));
    roster::config::Config::new(db.clone(), TEST_ITERATIONS, 10)
        .unwrap()
        .accounts
        .load_secret_key()
        .unwrap();
    assert_eq!(
        std::fs::metadata(&secret).unwrap().permissions().mode() & 0o777,
        0o600
    );
}

#[test]
fn a_failed_reset_mail_is_explained_on_the_page_not_in_the_url() {
    let app = spawn_app();
    app.login_admin();
    let id = app.user_id(ADMIN);
    let page = format!("/users/{id}");
    let res = app.post_form(&page, &format!("{page}/send-reset"), &[("confirm", "yes")]);
    assert_eq!(res.status().as_u16(), 502);
    assert!(res.headers().get("location").is_none());
    let body = res.text().unwrap();
    assert!(
        body.contains("The reset e-mail was not sent") && body.contains("not configured"),
        "{body}"
    );
    let (_, crafted) = app.page(&format!("{page}?notice=reset-failed&reason=Call+0800+now"));
    assert!(
        !crafted.contains("Call 0800 now"),
        "URL text is never shown as a notice"
    );
}

#[test]
fn head_is_answered_like_get_without_a_body() {
    let app = spawn_app();
    let res = app.client.head(app.url("/login")).send().expect("HEAD");
    assert_eq!(res.status().as_u16(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert_eq!(res.text().unwrap(), "");
    app.login_admin();
    let res = app.client.head(app.url("/users")).send().expect("HEAD");
    assert_eq!(res.status().as_u16(), 200, "logged in: the page, as GET");
    let res = app
        .client
        .head(app.url("/no-such-page"))
        .send()
        .expect("HEAD");
    assert_eq!(res.status().as_u16(), 404);
}

/// A link followed from another site, as a browser sends it.
fn cross_site_get(app: &TestApp, path: &str, site: &str) -> reqwest::blocking::Response {
    app.client
        .get(app.url(path))
        .header("Sec-Fetch-Site", site)
        .header("Sec-Fetch-Mode", "navigate")
        .header("Accept", "text/html")
        .send()
        .expect("GET")
}

#[test]
fn a_link_from_another_site_is_reloaded_once_from_roster_itself() {
    let app = spawn_app();
    app.login_admin();
    let path = "/reset/MQ/secret-token-abc/";
    let res = cross_site_get(&app, path, "cross-site");
    assert_eq!(res.status().as_u16(), 200);
    let cookies: Vec<String> = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect();
    assert!(
        cookies
            .iter()
            .any(|c| c.starts_with("roster_bounced=") && c.contains("SameSite=Lax")),
        "{cookies:?}"
    );
    assert!(
        !cookies.iter().any(|c| c.starts_with("roster_csrf=")),
        "no CSRF cookie from a cross-site request: {cookies:?}"
    );
    let body = res.text().unwrap();
    assert!(body.contains("http-equiv=\"refresh\""), "{body}");
    assert!(
        !body.contains("secret-token-abc"),
        "the page repeats no token"
    );

    // The reload starts on Roster: same-origin, the real page, and the marker goes away.
    let res = cross_site_get(&app, "/users", "same-origin");
    assert_eq!(res.status().as_u16(), 200);
    let cleared = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .any(|v| v.to_str().unwrap().starts_with("roster_bounced=;"));
    assert!(cleared, "the bounce marker is removed");
    assert!(res.text().unwrap().contains("action=\"/logout\""));

    // A browser that still sends no cookies after one bounce is not bounced in a loop.
    let first = cross_site_get(&app, "/users", "cross-site");
    assert!(first.text().unwrap().contains("http-equiv=\"refresh\""));
    let second = cross_site_get(&app, "/users", "cross-site");
    assert!(!second.text().unwrap().contains("http-equiv=\"refresh\""));
}
