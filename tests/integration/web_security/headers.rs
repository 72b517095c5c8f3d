//! Security headers on every kind of response (error pages included), no inline script, styles
//! or event handlers on any page, and mailed links that ignore Host and forwarding headers.

use std::time::Duration;

use roster::config::SecretKeySource;
use roster::mail::TlsMode;
use scraper::{Html, Selector};

use super::*;
use crate::smtp_server::{SmtpMode, TestSmtp, extract_link};

/// CSP without inline script, frame-ancestors none, nosniff, no referrer, no framing.
fn assert_security_headers(res: &Response, what: &str) {
    let csp = header(res, "content-security-policy");
    let directive = |name: &str| {
        csp.split(';')
            .map(str::trim)
            .find_map(|d| d.strip_prefix(name).map(str::trim))
            .unwrap_or_else(|| panic!("{what}: no {name} in CSP {csp:?}"))
            .to_string()
    };
    assert_eq!(directive("script-src "), "'self'", "{what}: {csp}");
    assert_eq!(directive("default-src "), "'self'", "{what}: {csp}");
    assert_eq!(directive("frame-ancestors "), "'none'", "{what}: {csp}");
    assert_eq!(directive("object-src "), "'none'", "{what}: {csp}");
    assert!(!csp.contains("unsafe-"), "{what}: {csp}");
    assert_eq!(header(res, "x-content-type-options"), "nosniff", "{what}");
    assert_eq!(header(res, "x-frame-options"), "DENY", "{what}");
    assert_eq!(header(res, "referrer-policy"), "no-referrer", "{what}");
}

/// No inline script, no event handler attributes, no `javascript:` URLs, no inline styles.
fn assert_no_inline_code(html: &str, what: &str) {
    let doc = Html::parse_document(html);
    let all = Selector::parse("*").unwrap();
    let mut elements = 0;
    for element in doc.select(&all) {
        elements += 1;
        let el = element.value();
        for (name, value) in el.attrs() {
            let name = name.to_ascii_lowercase();
            assert!(
                !name.starts_with("on"),
                "{what}: event handler {name}={value:?}"
            );
            assert_ne!(name, "style", "{what}: inline style {value:?}");
            if ["href", "src", "action", "formaction"].contains(&name.as_str()) {
                let value = value.trim().to_ascii_lowercase();
                assert!(!value.starts_with("javascript:"), "{what}: {name}={value}");
            }
        }
        match el.name() {
            "script" => {
                let src = el.attr("src").unwrap_or_default();
                assert!(
                    src.starts_with("/static/"),
                    "{what}: inline or foreign script"
                );
                assert!(
                    element.text().collect::<String>().trim().is_empty(),
                    "{what}: script body"
                );
            }
            "style" => panic!("{what}: inline <style>"),
            _ => {}
        }
    }
    assert!(elements > 10, "{what}: not a page: {html}");
}

/// GETs a page that must succeed and checks its headers and markup.
fn check_page(browser: &TestApp, path: &str, status: u16) -> String {
    let res = browser.get(path);
    assert_eq!(res.status().as_u16(), status, "GET {path}");
    assert_security_headers(&res, path);
    assert!(
        header(&res, "content-type").starts_with("text/html"),
        "{path}"
    );
    let html = res.text().unwrap();
    assert_no_inline_code(&html, path);
    html
}

#[test]
fn every_page_an_admin_or_visitor_can_open_is_free_of_inline_code() {
    let app = spawn_app_configured(seed_admin, |config| {
        config.accounts.secret_key = SecretKeySource::Given(SECRET.to_string());
    });
    let user = insert_plain_user(&app, "plain");
    let visitor = app.second_browser();
    for path in [
        "/login",
        "/login?next=/ous",
        "/password-reset",
        "/password-reset/done",
    ] {
        check_page(&visitor, path, 200);
    }
    let form = location(&visitor.get(&reset_link_path(&app, user)));
    check_page(&visitor, &form, 200);
    check_page(&visitor, "/reset/!!!/abc/", 400);
    check_page(&visitor, "/no/such/page", 404);

    let fresh = spawn_app_with(migrate);
    check_page(&fresh, &fresh.setup_path.clone().unwrap(), 200);

    let plain = app.second_browser();
    plain.login("plain", PW);
    check_page(&plain, "/account", 200);
    check_page(&plain, "/users", 403);

    app.login_admin();
    assert_eq!(
        app.post_form("/ous", "/ous", &[("name", "Sales")])
            .status()
            .as_u16(),
        303
    );
    let csv = format!(
        "{HEADER}\n<script>alert(1)</script>;\"\"\"><img src=x onerror=alert(1)>\";a@example.com;ivy;;;ivy-pass-123\n\
         Bad;Row;not-an-email;bad;;;bad-pass-123\n"
    );
    let (preview, status, html) = app.upload_and_preview("<b onclick=x>.csv", csv.as_bytes());
    assert_eq!(status, 200);
    assert_no_inline_code(&html, "preview");
    let result = app.commit(&preview);
    let (preview, _, _) = app.upload_and_preview("again.csv", csv.as_bytes());
    let running = app.sql_i64(
        "INSERT INTO roster_import (started_at, actor, source, file_name, rows_total, created, \
         failed, passwordless, status, rows_done) \
         VALUES ('2026-01-01 00:00:00', 'admin', 'web', 'running.csv', 10, 0, 0, 0, 'running', 3) \
         RETURNING id",
    );
    let id = app.user_id("ivy");
    for path in [
        "/users".to_string(),
        "/users?q=ivy&sort=-username".to_string(),
        format!("/users/{id}"),
        format!("/users/{user}"),
        "/users/import".to_string(),
        preview,
        "/imports".to_string(),
        result.clone(),
        format!("{result}/undo"),
        format!("/imports/{running}"),
        "/ous".to_string(),
        "/mail".to_string(),
        "/audit".to_string(),
        "/audit?action=login".to_string(),
        "/tokens".to_string(),
        "/account".to_string(),
    ] {
        let html = check_page(&app, &path, 200);
        assert!(!html.contains("<script>alert"), "{path} escapes CSV values");
    }
    let res = app.post_form("/tokens", "/tokens", &[("name", "ci")]);
    assert_eq!(res.status().as_u16(), 200);
    assert_security_headers(&res, "token created");
    assert_no_inline_code(&res.text().unwrap(), "token created");

    for (path, content_type) in [
        ("/static/app.css", "text/css"),
        ("/static/import.js", "javascript"),
    ] {
        let res = app.get(path);
        assert_security_headers(&res, path);
        assert!(
            header(&res, "content-type").contains(content_type),
            "{path}: nosniff needs the right type"
        );
    }
}

#[test]
fn error_pages_carry_the_security_headers_and_explain_themselves() {
    let app = spawn_app();
    app.login_admin();
    let mut checked = Vec::new();
    let mut check = |res: Response, status: u16, needle: &str, what: &str| {
        assert_eq!(res.status().as_u16(), status, "{what}");
        assert_security_headers(&res, what);
        assert!(
            header(&res, "content-type").starts_with("text/html"),
            "{what}"
        );
        let html = res.text().unwrap();
        assert!(html.contains(needle), "{what}: {html}");
        assert_no_inline_code(&html, what);
        checked.push(status);
    };
    check(
        app.get("/no/such/page"),
        404,
        "nothing at this address",
        "404",
    );
    let res = app
        .client
        .post(app.url("/ous"))
        .form(&[("name", "x")])
        .send()
        .unwrap();
    check(res, 403, "Form expired", "CSRF 403");
    check(
        app.upload("big.csv", &vec![b'a'; 300 * 1024]),
        413,
        "larger than",
        "upload 413",
    );
    let long = "x".repeat(100 * 1024);
    let res = app.post_form("/ous", "/ous", &[("name", &long)]);
    check(res, 413, "larger than", "form 413");
    let res = app.post_form("/login", "/login", &[("nonsense", "1")]);
    check(res, 400, "could not be read", "malformed form 400");
    let plain = app.second_browser();
    insert_plain_user(&app, "plain");
    plain.login("plain", PW);
    check(plain.get("/users"), 403, "administrators only", "403");
    for n in 0..4 {
        let res = plain.post_form(
            "/password-reset",
            "/password-reset",
            &[("email", "a@example.com")],
        );
        if n == 3 {
            check(res, 429, "Too many", "429");
        }
    }
    app.sql_execute("ALTER TABLE roster_api_token RENAME TO roster_api_token_gone");
    let res = app.get("/tokens");
    assert_eq!(res.status().as_u16(), 500);
    assert_security_headers(&res, "500");
    let html = res.text().unwrap();
    assert!(
        html.contains("unexpected error") && !html.contains("roster_api_token"),
        "{html}"
    );
    assert_eq!(checked, [404, 403, 413, 413, 400, 403, 429]);
}

#[test]
fn mailed_links_ignore_host_and_forwarding_headers() {
    const BASE: &str = "http://roster.test";
    let smtp = TestSmtp::start(SmtpMode::Plain, None);
    let mail = smtp.settings(TlsMode::None, None);
    let app = spawn_app_configured(seed_admin, move |config| {
        config.mail = mail;
        config.accounts.base_url = BASE.to_string();
    });
    let user = insert_plain_user(&app, "plain");
    let hostile = |request: reqwest::blocking::RequestBuilder| {
        request
            .header("host", "evil.example")
            .header("x-forwarded-host", "evil.example")
            .header("x-forwarded-proto", "https")
            .header("x-forwarded-server", "evil.example")
            .header("x-original-host", "evil.example")
            .header("x-host", "evil.example")
            .header("forwarded", "host=evil.example;proto=https")
    };
    let visitor = app.second_browser();
    let token = csrf_token(&visitor.page("/password-reset").1);
    let res = hostile(visitor.client.post(visitor.url("/password-reset")))
        .form(&[
            ("csrf_token", token.as_str()),
            ("email", "plain@example.com"),
        ])
        .send()
        .unwrap();
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(
        location(&res),
        "/password-reset/done",
        "a relative redirect, no host in it"
    );

    app.login_admin();
    let page = format!("/users/{user}");
    let token = csrf_token(&app.page(&page).1);
    let res = hostile(app.client.post(app.url(&format!("{page}/send-reset"))))
        .form(&[("csrf_token", token.as_str()), ("confirm", "yes")])
        .send()
        .unwrap();
    assert!(res.status().as_u16() < 400, "admin reset: {}", res.status());

    let mails = smtp.wait_for_messages(2, Duration::from_secs(10));
    assert_eq!(mails.len(), 2, "forgot password and the admin's reset");
    for mail in &mails {
        let link = extract_link(mail, &format!("{BASE}/reset/")).expect("link on ROSTER_BASE_URL");
        assert!(link.ends_with('/'), "{link}");
        assert!(!mail.data.contains("evil.example"), "{}", mail.data);
    }
}
