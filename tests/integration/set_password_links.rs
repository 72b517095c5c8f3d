//! Users → "password not set" filter and Send set-password link, against a real SMTP server.

use std::time::Duration;

use roster::config::SecretKeySource;

use crate::helpers::*;
use crate::smtp_server::{closed_port, extract_link};
use crate::web_mail::{BASE_URL, SECRET, app_with_mail, mail_server};

const ACTION: &str = "/users/send-set-password-link";

/// Inserts a user with `password` (e.g. `!` + random for an unusable one); returns the id.
fn insert(app: &TestApp, username: &str, email: &str, password: &str, active: bool) -> i64 {
    let active = if active { "TRUE" } else { "FALSE" };
    app.sql_execute(&format!(
        "INSERT INTO auth_user (password, last_login, is_superuser, username, last_name, email, \
         is_staff, is_active, date_joined, first_name) \
         VALUES ('{password}', NULL, FALSE, '{username}', 'Test', '{email}', FALSE, {active}, \
         '2026-01-01 00:00:00', 'Tess')"
    ));
    app.user_id(username)
}

const UNUSABLE: &str = "!b7PqJ2r0Xk9sY3vN6mT1wQ8zL4cF5hD0aG2eR7uI";

/// A user a Roster import created without a password.
fn imported_without_password(app: &TestApp, username: &str, email: &str, active: bool) -> i64 {
    let id = insert(app, username, email, UNUSABLE, active);
    mark_imported_without_password(app, username);
    id
}

/// (username, data-outcome, text) of each row of the outcome page.
fn outcomes(html: &str) -> Vec<(String, String, String)> {
    let doc = scraper::Html::parse_document(html);
    let row = scraper::Selector::parse("#link-outcomes tr.link-outcome").unwrap();
    let cell = scraper::Selector::parse("td").unwrap();
    doc.select(&row)
        .map(|tr| {
            let cells: Vec<String> = tr
                .select(&cell)
                .map(|td| td.text().collect::<String>().trim().to_string())
                .collect();
            (
                cells[0].clone(),
                tr.value().attr("data-outcome").unwrap().to_string(),
                cells[2].clone(),
            )
        })
        .collect()
}

fn audit_details(app: &TestApp) -> Vec<(String, String)> {
    app.sql_rows(
        "SELECT target, detail FROM roster_audit WHERE action = 'set_password_links_sent' \
         ORDER BY id",
    )
    .into_iter()
    .map(|row| match &row[..] {
        [Some(target), Some(detail)] => (target.clone(), detail.clone()),
        other => panic!("an audit row without target or detail: {other:?}"),
    })
    .collect()
}

#[test]
fn password_not_set_filter_composes_with_search_and_pages() {
    let app = spawn_app();
    let hash = roster::auth::hashers::make_password("user-pass-123", TEST_ITERATIONS);
    for n in 0..52 {
        insert(
            &app,
            &format!("np{n:02}"),
            &format!("np{n:02}@example.com"),
            UNUSABLE,
            true,
        );
    }
    insert(&app, "np-inactive", "npi@example.com", "!", false);
    insert(&app, "np-haspw", "nph@example.com", &hash, true);
    app.login_admin();

    let (status, html) = app.page("/users?nopw=1");
    assert_eq!(status, 200);
    assert_eq!(
        select_text(&html, "#user-total").as_deref(),
        Some("53 user(s)")
    );
    assert!(
        !html.contains(">np-haspw<"),
        "users with a password are left out"
    );
    assert!(
        select_attr(&html, "#filter-nopw", "checked").is_some(),
        "the box stays ticked"
    );
    assert!(
        html.contains("href=\"/users?page=2&amp;sort=username&amp;nopw=1\""),
        "the next page keeps the filter: {html}"
    );
    let (_, page2) = app.page("/users?page=2&sort=username&nopw=1");
    assert_eq!(page2.matches("class=\"user-row\"").count(), 3);

    let (_, html) = app.page("/users?nopw=1&status=inactive");
    assert_eq!(
        select_text(&html, "#user-total").as_deref(),
        Some("1 user(s)")
    );
    assert!(html.contains(">np-inactive<"));
    let (_, html) = app.page("/users?nopw=1&q=np-");
    assert_eq!(
        select_text(&html, "#user-total").as_deref(),
        Some("1 user(s)")
    );
    assert_eq!(
        select_attr(&html, "#link-form", "action").as_deref(),
        Some("/users/send-set-password-link?q=np-&nopw=1"),
        "Send set-password link acts on the filter shown"
    );
}

#[test]
fn links_go_to_ticked_users_who_may_get_one_and_each_outcome_is_shown() {
    let smtp = mail_server();
    let app = app_with_mail(&smtp);
    let hash = roster::auth::hashers::make_password("user-pass-123", TEST_ITERATIONS);
    let ids = [
        imported_without_password(&app, "alice", "alice@example.com", true),
        imported_without_password(&app, "bouncer", "bounce@example.com", true),
        insert(&app, "sso", "sso@example.com", UNUSABLE, true),
        insert(&app, "haspw", "haspw@example.com", &hash, true),
        imported_without_password(&app, "sleeper", "sleeper@example.com", false),
        imported_without_password(&app, "nomail", "", true),
    ];
    // Not ticked: gets nothing although she could.
    imported_without_password(&app, "notticked", "nt@example.com", true);
    app.login_admin();
    let ids: Vec<String> = ids.iter().map(i64::to_string).collect();
    let mut fields = vec![("scope", "selected"), ("confirm", "yes")];
    fields.extend(ids.iter().map(|id| ("user", id.as_str())));
    let res = app.post_form("/users?nopw=1", ACTION, &fields);
    assert_eq!(res.status().as_u16(), 200);
    let html = res.text().unwrap();
    let got = outcomes(&html);
    let kinds: Vec<(&str, &str)> = got
        .iter()
        .map(|(user, kind, _)| (user.as_str(), kind.as_str()))
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("alice", "sent"),
            ("bouncer", "failed"),
            ("sso", "skipped"),
            ("haspw", "skipped"),
            ("sleeper", "skipped"),
            ("nomail", "skipped"),
        ]
    );
    assert!(got[2].2.contains("SSO-only"), "{:?}", got[2]);
    assert!(got[3].2.contains("already has a password"), "{:?}", got[3]);
    assert!(got[4].2.contains("inactive"), "{:?}", got[4]);
    assert!(got[5].2.contains("no e-mail address"), "{:?}", got[5]);
    assert!(got[1].2.starts_with("failed: "), "{:?}", got[1]);
    assert_eq!(
        select_text(&html, "#link-counts").as_deref(),
        Some("1 sent, 1 failed, 4 skipped (1 SSO-only) of 6 user(s).")
    );

    let mails = smtp.wait_for_messages(1, Duration::from_secs(10));
    std::thread::sleep(Duration::from_millis(300));
    let to: Vec<Vec<String>> = smtp.messages().into_iter().map(|m| m.to).collect();
    assert_eq!(
        to,
        vec![vec!["alice@example.com".to_string()]],
        "only alice"
    );
    assert!(
        mails[0]
            .data
            .contains("Subject: Set your password for Roster")
    );
    let link = extract_link(&mails[0], BASE_URL).expect("a set-password link");
    let path = link.trim_start_matches(BASE_URL).to_string();
    assert!(!html.contains(&path), "no token on the page");
    let alice = app.second_browser();
    let res = alice.get(&path);
    assert_eq!(res.status().as_u16(), 303, "the link works");
    assert!(location(&res).ends_with("/set-password/"));

    let audit = audit_details(&app);
    assert_eq!(
        audit,
        vec![(
            "selected users".to_string(),
            "1 sent, 1 failed, 4 skipped (1 SSO-only) of 6 user(s)".to_string()
        )],
        "one entry per action, with counts"
    );
}

#[test]
fn links_go_to_every_user_the_filter_matches() {
    let smtp = mail_server();
    let app = app_with_mail(&smtp);
    imported_without_password(&app, "team-a", "team-a@example.com", true);
    imported_without_password(&app, "team-b", "team-b@example.com", true);
    imported_without_password(&app, "other", "other@example.com", true);
    app.login_admin();
    let action = format!("{ACTION}?q=team&nopw=1");
    let res = app.post_form(
        "/users?q=team&nopw=1",
        &action,
        &[("scope", "filter"), ("confirm", "yes")],
    );
    assert_eq!(res.status().as_u16(), 200);
    let html = res.text().unwrap();
    let users: Vec<String> = outcomes(&html)
        .into_iter()
        .map(|(u, k, _)| format!("{u}:{k}"))
        .collect();
    assert_eq!(users, vec!["team-a:sent", "team-b:sent"]);
    smtp.wait_for_messages(2, Duration::from_secs(10));
    std::thread::sleep(Duration::from_millis(300));
    let mut to: Vec<String> = smtp.messages().into_iter().flat_map(|m| m.to).collect();
    to.sort();
    assert_eq!(to, vec!["team-a@example.com", "team-b@example.com"]);
    assert_eq!(audit_details(&app)[0].0, "users matching the filter");
}

#[test]
fn nothing_is_sent_without_confirmation_a_pick_or_a_working_mail_server() {
    let smtp = mail_server();
    let app = app_with_mail(&smtp);
    let id = imported_without_password(&app, "alice", "alice@example.com", true).to_string();
    app.login_admin();
    let res = app.post_form("/users", ACTION, &[("scope", "selected"), ("user", &id)]);
    assert_eq!(res.status().as_u16(), 422);
    assert!(res.text().unwrap().contains("Yes, send the links"));
    let res = app.post_form(
        "/users",
        ACTION,
        &[("scope", "selected"), ("confirm", "yes")],
    );
    assert_eq!(res.status().as_u16(), 422);
    assert!(res.text().unwrap().contains("no user was selected"));
    // One press sends at most 1,000 links: 1,002 matching users are refused before any mail.
    app.sql_execute(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1001) \
         INSERT INTO auth_user (password, last_login, is_superuser, username, last_name, \
         email, is_staff, is_active, date_joined, first_name) \
         SELECT '!', NULL, FALSE, 'bulk' || i, '', 'bulk' || i || '@example.com', FALSE, TRUE, \
         '2026-01-01 00:00:00', '' FROM n",
    );
    let res = app.post_form(
        "/users?nopw=1",
        &format!("{ACTION}?nopw=1"),
        &[("scope", "filter"), ("confirm", "yes")],
    );
    assert_eq!(res.status().as_u16(), 422);
    assert!(
        res.text()
            .unwrap()
            .contains("more than 1000 users were picked")
    );
    std::thread::sleep(Duration::from_millis(300));
    assert!(smtp.messages().is_empty());

    let broken = spawn_app_configured(seed_admin, |config| {
        config.mail.host = Some("127.0.0.1".to_string());
        config.mail.port = closed_port();
        config.mail.timeout = Duration::from_secs(2);
        config.accounts.secret_key = SecretKeySource::Given(SECRET.to_string());
    });
    let id = imported_without_password(&broken, "bob", "bob@example.com", true).to_string();
    broken.login_admin();
    let res = broken.post_form(
        "/users",
        ACTION,
        &[("scope", "selected"), ("user", &id), ("confirm", "yes")],
    );
    assert_eq!(res.status().as_u16(), 503);
    let body = res.text().unwrap();
    assert!(
        body.contains("Nothing was sent: the mail check failed"),
        "{body}"
    );
    assert!(
        audit_details(&broken).is_empty(),
        "nothing done, nothing audited"
    );
    assert!(audit_details(&app).is_empty());
}
