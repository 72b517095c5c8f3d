//! Hostile values in addresses and forms: `next=` that browsers would resolve off-site, and query
//! strings that do not fit the page.

use super::*;

#[test]
fn next_after_login_is_only_a_plain_path_on_this_site() {
    let hostile = [
        "/\t/evil.example",
        "/\r\n/x",
        "/\n/evil.example",
        "/ /evil.example",
        "/\\evil.example",
        "//evil.example",
        "https://evil.example/",
        "/\u{7f}/evil.example",
    ];
    // Nine logins in all: under the per-account limit of ten.
    let app = spawn_app();
    for (n, next) in hostile.iter().enumerate() {
        let browser = browser_from(&app, &format!("127.0.2.{n}"));
        let res = browser.post_form(
            "/login",
            "/login",
            &[
                ("username", ADMIN),
                ("password", ADMIN_PASSWORD),
                ("next", next),
            ],
        );
        assert_eq!(res.status().as_u16(), 303, "{next:?}");
        assert_eq!(location(&res), "/users", "{next:?}");
        let page = browser
            .client
            .get(browser.url("/login"))
            .query(&[("next", next)])
            .send()
            .unwrap();
        let next_field = select_attr(&page.text().unwrap(), "input[name=next]", "value");
        assert_eq!(next_field.as_deref(), Some("/users"), "{next:?}");
    }
    let res = app.post_form(
        "/login",
        "/login",
        &[
            ("username", ADMIN),
            ("password", ADMIN_PASSWORD),
            ("next", "/ous?page=2"),
        ],
    );
    assert_eq!(
        location(&res),
        "/ous?page=2",
        "a plain path is still followed"
    );
}

#[test]
fn query_strings_that_do_not_fit_get_the_html_error_page() {
    let app = spawn_app();
    app.login_admin();
    for path in ["/users?page=abc", "/imports?page=-x", "/audit?page=%FF"] {
        let res = app.get(path);
        assert_eq!(res.status().as_u16(), 400, "{path}");
        assert!(
            header(&res, "content-type").starts_with("text/html"),
            "{path}"
        );
        let body = res.text().unwrap();
        assert!(body.contains("cannot use"), "{path}: {body}");
        assert!(body.contains("<html"), "{path}");
    }
}

#[test]
fn control_characters_in_names_and_titles_are_row_errors() {
    let csv = format!(
        "{HEADER}\n\"Mallory\r\nBcc: evil@x.io\";M;m@example.com;mallory;;;pw-123456789\n\
         Tom;T;t@example.com;tom;;\"Boss\tof all\";pw-123456789\n\
         Ann;A;a@example.com;ann;;Boss;pw-123456789\n"
    );
    let parsed = roster::import::parse(csv.as_bytes(), 10).unwrap();
    let outcomes: Vec<_> = parsed
        .rows
        .iter()
        .map(roster::import::validate::validate)
        .collect();
    let first = outcomes[0].as_ref().expect_err("CR/LF in a name");
    assert_eq!(
        (first.code.as_str(), first.column),
        ("control_character", Some("first_name"))
    );
    assert!(first.message.contains("U+000D"), "{}", first.message);
    let second = outcomes[1].as_ref().expect_err("TAB in a title");
    assert_eq!(
        (second.code.as_str(), second.column),
        ("control_character", Some("job_title"))
    );
    assert!(outcomes[2].is_ok());
}

/// The edit form half of finding 6: a name with CR/LF (sent by a script or a tampered form; a
/// text input cannot hold one) is a form error, and nothing is saved.
#[test]
fn control_characters_in_names_are_refused_on_the_edit_form() {
    let app = spawn_app();
    app.login_admin();
    let id = app.user_id(ADMIN);
    let page = format!("/users/{id}");
    for (field, value) in [
        ("first_name", "Mallory\r\nBcc: evil@x.io"),
        ("last_name", "Tab\there"),
        ("job_title", "Boss\u{7}"),
    ] {
        let mut fields = vec![
            ("first_name", "Ada"),
            ("last_name", "Admin"),
            ("email", "admin@example.com"),
            ("role", "admin"),
            ("active", "on"),
            ("job_title", ""),
        ];
        fields.retain(|(name, _)| *name != field);
        fields.push((field, value));
        let res = app.post_form(&page, &page, &fields);
        assert_eq!(res.status().as_u16(), 422, "{field}");
        let html = res.text().unwrap();
        assert!(html.contains("control character"), "{field}: {html}");
    }
    let row = &app.sql_rows(&format!(
        "SELECT first_name, last_name FROM auth_user WHERE id = {id}"
    ))[0];
    let (first, last) = (row[0].clone().unwrap(), row[1].clone().unwrap());
    assert!(
        !first.contains('\n') && !last.contains('\t'),
        "nothing saved"
    );
}

#[test]
fn success_notices_come_only_from_roster_never_from_a_crafted_link() {
    let app = spawn_app();
    app.login_admin();
    let phish = "Your session expired: sign in again at evil.example";
    let crafted = format!("done={}&sig={}", urlencode(phish), "0".repeat(64));
    for path in [
        format!("/ous?done={}", urlencode(phish)),
        format!("/ous?{crafted}"),
        format!("/tokens?revoked={}", urlencode(phish)),
        format!("/tokens?done={}", urlencode(phish)),
        format!("/tokens?{crafted}"),
    ] {
        let (status, html) = app.page(&path);
        assert_eq!(status, 200, "{path}");
        assert!(
            !html.contains("evil.example"),
            "{path} shows the crafted notice"
        );
        assert!(
            !html.contains("notice good"),
            "{path} shows a success notice"
        );
    }
    // The real flows still show their notice after the redirect.
    let res = app.post_form("/ous", "/ous", &[("name", "Sales")]);
    assert_eq!(res.status().as_u16(), 303);
    let (_, html) = app.page(&location(&res));
    assert!(
        html.contains("notice good") && html.contains("Sales"),
        "{html}"
    );
    // A signature made for one page does not work on another.
    let moved = location(&res).replacen("/ous", "/tokens", 1);
    let (_, html) = app.page(&moved);
    assert!(!html.contains("notice good"), "{html}");
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
