//! The admin panel's behaviour: user list, user page, roles, deactivation, sessions, OUs, import
//! history and undo, the audit log, and a Default User's own account page.

use std::collections::HashSet;

use reqwest::blocking::Response;
use rusqlite::params;
use scraper::{Html, Selector};

use crate::helpers::*;

const PW: &str = "user-pass-123";

/// Inserts an active user with password `PW` (an admin when `admin`); returns the id.
fn add_user(app: &TestApp, username: &str, name: (&str, &str), email: &str, admin: bool) -> i64 {
    let hash = roster::auth::hashers::make_password(PW, TEST_ITERATIONS);
    let conn = app.db();
    conn.execute(
        "INSERT INTO auth_user (password, last_login, is_superuser, username, last_name, email, \
         is_staff, is_active, date_joined, first_name) \
         VALUES (?1, NULL, ?2, ?3, ?4, ?5, ?2, 1, '2026-01-01 00:00:00', ?6)",
        params![hash, admin, username, name.1, email, name.0],
    )
    .unwrap();
    conn.last_insert_rowid()
}

fn one<T: rusqlite::types::FromSql>(app: &TestApp, sql: &str) -> T {
    app.db().query_row(sql, [], |r| r.get(0)).unwrap()
}

fn add_ou(app: &TestApp, name: &str) -> i64 {
    let res = app.post_form("/ous", "/ous", &[("name", name)]);
    assert_eq!(res.status().as_u16(), 303, "create OU {name}");
    app.db()
        .query_row(
            "SELECT id FROM roster_organizational_unit WHERE name = ?1",
            [name],
            |r| r.get(0),
        )
        .unwrap()
}

/// A new browser logged in as `username` with `PW`.
fn browser(app: &TestApp, username: &str) -> TestApp {
    let b = app.second_browser();
    b.login(username, PW);
    b
}

fn status(res: &Response) -> u16 {
    res.status().as_u16()
}

/// The trimmed cell texts of each row matching `rows`.
fn table(html: &str, rows: &str) -> Vec<Vec<String>> {
    let doc = Html::parse_document(html);
    let (rows, td) = (
        Selector::parse(rows).unwrap(),
        Selector::parse("td").unwrap(),
    );
    doc.select(&rows)
        .map(|r| {
            r.select(&td)
                .map(|c| c.text().collect::<String>().trim().to_string())
                .collect()
        })
        .collect()
}

/// Usernames on `/users?query`, in order.
fn listed(app: &TestApp, query: &str) -> Vec<String> {
    let (code, html) = app.page(&format!("/users?{query}"));
    assert_eq!(code, 200, "{query}");
    table(&html, "tr.user-row")
        .into_iter()
        .map(|r| r[0].clone())
        .collect()
}

/// Submits the user page's form as it stands, minus the `unset` fields and the keys of `set`,
/// plus the `set` pairs (so `group` may repeat).
fn save_user(app: &TestApp, id: i64, set: &[(&str, &str)], unset: &[&str]) -> Response {
    let html = app.page(&format!("/users/{id}")).1;
    let doc = Html::parse_document(&html);
    let sel = |s: &str| Selector::parse(&format!("form#user-form {s}")).unwrap();
    let mut fields: Vec<(String, String)> = Vec::new();
    for input in doc.select(&sel("input")) {
        let e = input.value();
        if e.attr("type") == Some("checkbox") && e.attr("checked").is_none() {
            continue;
        }
        fields.push((
            e.attr("name").unwrap().into(),
            e.attr("value").unwrap_or("").into(),
        ));
    }
    for select in doc.select(&sel("select")) {
        let chosen = select
            .select(&Selector::parse("option[selected]").unwrap())
            .next();
        let value = chosen.and_then(|o| o.value().attr("value")).unwrap_or("");
        fields.push((select.value().attr("name").unwrap().into(), value.into()));
    }
    fields.retain(|(k, _)| !unset.contains(&k.as_str()) && !set.iter().any(|(s, _)| s == k));
    fields.extend(set.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let url = app.url(&format!("/users/{id}"));
    app.client.post(url).form(&fields).send().unwrap()
}

/// (first name, last name, e-mail, is_active, is_staff, is_superuser) of a user.
fn user_row(app: &TestApp, id: i64) -> (String, String, String, bool, bool, bool) {
    app.db()
        .query_row(
            "SELECT first_name, last_name, email, is_active, is_staff, is_superuser \
             FROM auth_user WHERE id = ?1",
            [id],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            },
        )
        .unwrap()
}

/// Imports `rows` (CSV lines after the header) through the web; returns the import id.
fn import(app: &TestApp, file: &str, rows: &str) -> i64 {
    let (preview, code, _) = app.upload_and_preview(file, format!("{HEADER}\n{rows}").as_bytes());
    assert_eq!(code, 200);
    let result = app.commit(&preview);
    result.trim_start_matches("/imports/").parse().unwrap()
}

#[test]
fn user_list_searches_filters_sorts_and_counts() {
    let app = spawn_app();
    app.login_admin();
    let sales = add_ou(&app, "Sales");
    let ann = add_user(&app, "ann_lee", ("Ann", "Lee"), "ann@corp.example", false);
    add_user(&app, "annalee", ("Anna", "Xu"), "zed@other.example", false);
    let bob = add_user(&app, "bob", ("Robert", "Baker"), "bob@corp.example", false);
    let carol = add_user(
        &app,
        "carol",
        ("Carol", "King"),
        "carol@corp.example",
        false,
    );
    add_user(&app, "dave", ("Dave", "Boss"), "dave@corp.example", true);
    let conn = app.db();
    conn.execute("UPDATE auth_user SET is_active = 0 WHERE id = ?1", [carol])
        .unwrap();
    conn.execute(
        "UPDATE auth_user SET last_login = '2026-02-01 10:00:00' WHERE id = ?1",
        [bob],
    )
    .unwrap();
    for user in [ann, bob] {
        conn.execute(
            "INSERT INTO roster_user_profile (user_id, organizational_unit_id) VALUES (?1, ?2)",
            [user, sales],
        )
        .unwrap();
    }
    let by_ou = format!("ou={sales}");
    let cases: &[(&str, &[&str])] = &[
        ("", &["admin", "ann_lee", "annalee", "bob", "carol", "dave"]),
        ("q=ann_", &["ann_lee"]),
        ("q=BAKER", &["bob"]),
        ("q=Robert+Baker", &["bob"]),
        ("q=zed%40other", &["annalee"]),
        (&by_ou, &["ann_lee", "bob"]),
        ("status=inactive", &["carol"]),
        ("status=active&q=corp", &["ann_lee", "bob", "dave"]),
        ("role=admin", &["admin", "dave"]),
        ("role=user&status=active", &["ann_lee", "annalee", "bob"]),
        ("never=1", &["ann_lee", "annalee", "carol", "dave"]),
        (
            "sort=username&desc=1",
            &["dave", "carol", "bob", "annalee", "ann_lee", "admin"],
        ),
        (
            "sort=email",
            &["admin", "ann_lee", "bob", "carol", "dave", "annalee"],
        ),
    ];
    for (query, expected) in cases {
        assert_eq!(listed(&app, query), *expected, "/users?{query}");
    }
    for (query, total) in [
        ("", "6 user(s)"),
        ("status=inactive", "1 user(s)"),
        ("q=none", "0 user(s)"),
    ] {
        let html = app.page(&format!("/users?{query}")).1;
        assert_eq!(
            select_text(&html, "#user-total").as_deref(),
            Some(total),
            "{query}"
        );
    }
}

#[test]
fn user_list_pages_cover_every_user_once() {
    let app = spawn_app();
    app.login_admin();
    let mut conn = app.db();
    let tx = conn.transaction().unwrap();
    for i in 0..120 {
        tx.execute(
            "INSERT INTO auth_user (password, last_login, is_superuser, username, last_name, email, \
             is_staff, is_active, date_joined, first_name) \
             VALUES ('!x', NULL, 0, ?1, 'Bulk', ?2, 0, 1, '2026-01-01 00:00:00', 'B')",
            params![format!("bulk{i:03}"), format!("bulk{i:03}@example.com")],
        )
        .unwrap();
    }
    tx.commit().unwrap();
    let html = app.page("/users?page=3").1;
    assert_eq!(
        select_text(&html, "#user-total").as_deref(),
        Some("121 user(s)")
    );
    assert!(html.contains("Page 3 of 3") && select_attr(&html, "a[rel=next]", "href").is_none());
    let pages: Vec<Vec<String>> = (1..=3)
        .map(|p| listed(&app, &format!("page={p}")))
        .collect();
    assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [50, 50, 21]);
    assert_eq!(
        pages.iter().flatten().collect::<HashSet<_>>().len(),
        121,
        "pages overlap"
    );
}

#[test]
fn user_page_edits_details_unit_title_and_groups() {
    let app = spawn_app();
    app.login_admin();
    let sales = add_ou(&app, "Sales").to_string();
    let conn = app.db();
    conn.execute_batch("INSERT INTO auth_group (name) VALUES ('Default User'), ('Auditors')")
        .unwrap();
    let groups: Vec<String> = ["Default User", "Auditors"]
        .map(|g| {
            conn.query_row("SELECT id FROM auth_group WHERE name = ?1", [g], |r| {
                r.get::<_, i64>(0)
            })
            .unwrap()
            .to_string()
        })
        .into();
    let id = add_user(&app, "pat", ("Pat", "Old"), "pat@example.com", false);
    add_user(&app, "other", ("O", "Ther"), "Taken@Example.com", false);
    let set = [
        ("first_name", "Patricia"),
        ("last_name", "New"),
        ("email", "Patricia@Example.COM"),
        ("organizational_unit", &sales),
        ("job_title", "Analyst"),
        ("group", &groups[0]),
        ("group", &groups[1]),
    ];
    let res = save_user(&app, id, &set, &[]);
    assert_eq!(status(&res), 303);
    assert_eq!(location(&res), format!("/users/{id}?notice=saved"));
    let saved = user_row(&app, id);
    assert_eq!((saved.0.as_str(), saved.1.as_str()), ("Patricia", "New"));
    assert_eq!(
        saved.2, "Patricia@example.com",
        "domain lower-cased like Django"
    );
    let profile: (String, String) = conn
        .query_row(
            "SELECT ou.name, p.job_title FROM roster_user_profile p \
             JOIN roster_organizational_unit ou ON ou.id = p.organizational_unit_id WHERE p.user_id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(profile, ("Sales".to_string(), "Analyst".to_string()));
    let member_of = |app: &TestApp| -> i64 {
        one(
            app,
            &format!("SELECT COUNT(*) FROM auth_user_groups WHERE user_id = {id}"),
        )
    };
    assert_eq!(member_of(&app), 2);
    for bad in ["not-an-email", "TAKEN@example.COM"] {
        let res = save_user(&app, id, &[("email", bad), ("first_name", "Changed")], &[]);
        assert_eq!(status(&res), 422, "{bad}");
        assert!(res.text().unwrap().contains("Not saved"));
        assert_eq!(user_row(&app, id), saved, "{bad}: nothing saved");
    }
    assert_eq!(
        status(&save_user(&app, id, &[("group", &groups[1])], &[])),
        303
    );
    assert_eq!(member_of(&app), 1, "unticked group removed");
}

#[test]
fn promotion_and_demotion_apply_on_the_next_request() {
    let app = spawn_app();
    app.login_admin();
    let id = add_user(&app, "pat", ("Pat", "P"), "pat@example.com", false);
    let pat = browser(&app, "pat");
    assert_eq!(status(&pat.get("/users")), 403);
    assert_eq!(status(&save_user(&app, id, &[("role", "admin")], &[])), 303);
    assert_eq!(
        status(&pat.get("/users")),
        200,
        "promoted: admin pages open at once"
    );
    let row = user_row(&app, id);
    assert!(row.4 && row.5, "staff and superuser");
    let html = app.page(&format!("/users/{id}")).1;
    assert_eq!(select_text(&html, "#user-role").as_deref(), Some("Admin"));
    assert_eq!(status(&save_user(&app, id, &[("role", "user")], &[])), 303);
    assert_eq!(status(&pat.get("/users")), 403, "demoted: refused at once");
    assert_eq!(status(&pat.get("/account")), 200, "but still logged in");
}

#[test]
fn the_last_active_admin_cannot_lose_admin_rights() {
    let app = spawn_app();
    app.login_admin();
    let me: i64 = one(&app, "SELECT id FROM auth_user WHERE username = 'admin'");
    let idle = add_user(&app, "idle", ("I", "Dle"), "idle@example.com", true);
    app.db()
        .execute("UPDATE auth_user SET is_active = 0 WHERE id = ?1", [idle])
        .unwrap();
    let before = user_row(&app, me);
    let demote: &[(&str, &str)] = &[("role", "user")];
    for (set, unset) in [(demote, &[][..]), (&[][..], &["active"][..])] {
        let res = save_user(&app, me, set, unset);
        assert_eq!(status(&res), 422, "{set:?} {unset:?}");
        assert!(res.text().unwrap().contains("last active admin"));
        assert_eq!(user_row(&app, me), before, "unchanged");
    }
    assert_eq!(status(&app.get("/users")), 200);
    let other = add_user(&app, "other", ("O", "Ther"), "other@example.com", true);
    assert_eq!(
        status(&save_user(&app, other, demote, &[])),
        303,
        "two admins: one may go"
    );
    assert!(!user_row(&app, other).4);
    assert_eq!(
        status(&save_user(&app, me, demote, &[])),
        422,
        "last one again"
    );
}

#[test]
fn deactivation_blocks_at_once_keeps_data_and_can_be_undone() {
    let app = spawn_app();
    app.login_admin();
    let id = add_user(&app, "pat", ("Pat", "P"), "pat@example.com", false);
    let pat = browser(&app, "pat");
    assert_eq!(status(&pat.get("/account")), 200);
    let html = app.page(&format!("/users/{id}")).1;
    assert!(html.contains("Roster has no delete"));
    assert!(
        select_attr(&html, "form[action$=delete]", "action").is_none(),
        "no delete button"
    );
    assert_eq!(status(&save_user(&app, id, &[], &["active"])), 303);
    let res = pat.get("/account");
    assert_eq!(status(&res), 303, "the open session ends at once");
    assert!(location(&res).starts_with("/login"));
    let res = app.second_browser().post_form(
        "/login",
        "/login",
        &[("username", "pat"), ("password", PW)],
    );
    assert_eq!(status(&res), 401, "login refused");
    assert_eq!(user_row(&app, id).0, "Pat", "data kept");
    assert_eq!(listed(&app, "status=inactive"), ["pat"]);
    let html = app.page(&format!("/users/{id}")).1;
    assert_eq!(
        select_text(&html, "#user-status").as_deref(),
        Some("inactive")
    );
    assert_eq!(status(&save_user(&app, id, &[("active", "1")], &[])), 303);
    assert_eq!(
        status(&browser(&app, "pat").get("/account")),
        200,
        "can log in again"
    );
}

#[test]
fn terminate_sessions_logs_the_user_out_everywhere() {
    let app = spawn_app();
    app.login_admin();
    let id = add_user(&app, "pat", ("Pat", "P"), "pat@example.com", false);
    let (one_browser, another) = (browser(&app, "pat"), browser(&app, "pat"));
    let page = format!("/users/{id}");
    assert_eq!(
        select_text(&app.page(&page).1, "#session-count").as_deref(),
        Some("2 active session(s).")
    );
    let res = app.post_form(&page, &format!("{page}/terminate-sessions"), &[]);
    assert_eq!(status(&res), 303);
    for b in [&one_browser, &another] {
        assert_eq!(status(&b.get("/account")), 303, "session ended");
    }
    assert_eq!(
        select_text(&app.page(&page).1, "#session-count").as_deref(),
        Some("0 active session(s).")
    );
    assert_eq!(
        status(&app.get("/users")),
        200,
        "the admin's own session is untouched"
    );
}

#[test]
fn organizational_units_create_rename_and_delete() {
    let app = spawn_app();
    app.login_admin();
    let (sales, support, empty) = (
        add_ou(&app, "Sales"),
        add_ou(&app, "Support"),
        add_ou(&app, "Empty"),
    );
    let name = |id: i64| -> Option<String> {
        app.db()
            .query_row(
                "SELECT name FROM roster_organizational_unit WHERE id = ?1",
                [id],
                |r| r.get(0),
            )
            .ok()
    };
    assert_eq!(
        status(&app.post_form("/ous", "/ous", &[("name", "sALES")])),
        422
    );
    let res = app.post_form(
        "/ous",
        &format!("/ous/{support}/rename"),
        &[("name", "SALES")],
    );
    assert_eq!(status(&res), 422, "differs only in case from Sales");
    assert!(res.text().unwrap().contains("already exists"));
    assert_eq!(name(support).as_deref(), Some("Support"));
    let res = app.post_form(
        "/ous",
        &format!("/ous/{support}/rename"),
        &[("name", "Help Desk")],
    );
    assert_eq!(status(&res), 303);
    assert_eq!(name(support).as_deref(), Some("Help Desk"));
    let id = add_user(&app, "pat", ("Pat", "P"), "pat@example.com", false);
    let sql = "INSERT INTO roster_user_profile (user_id, organizational_unit_id) VALUES (?1, ?2)";
    app.db().execute(sql, [id, sales]).unwrap();
    let res = app.post_form("/ous", &format!("/ous/{sales}/delete"), &[]);
    assert_eq!(status(&res), 422);
    assert!(res.text().unwrap().contains("still has 1 user"));
    assert_eq!(name(sales).as_deref(), Some("Sales"));
    assert_eq!(
        status(&app.post_form("/ous", &format!("/ous/{empty}/delete"), &[])),
        303
    );
    assert_eq!(name(empty), None);
}

#[test]
fn import_history_lists_imports_and_every_row() {
    let app = spawn_app();
    app.login_admin();
    let rows = "Ada;L;ada@example.com;ada;;;ada-pass-123\nBob;B;not-an-email;bob;;;bob-pass-123\n\
                Cy;C;cy@example.com;cy;;;cy-pass-123\n";
    let id = import(&app, "team-march.csv", rows);
    let html = app.page("/imports").1;
    let listed = table(&html, "table#imports tbody tr");
    assert_eq!(listed.len(), 1);
    assert_eq!(
        listed[0][..7],
        [
            id.to_string().as_str(),
            &listed[0][1],
            "admin (web)",
            "team-march.csv",
            "3",
            "2",
            "1"
        ]
    );
    assert_eq!(
        select_attr(&html, "table#imports a", "href"),
        Some(format!("/imports/{id}"))
    );
    let html = app.page(&format!("/imports/{id}")).1;
    assert_eq!(table(&html, "table#all-rows tbody tr").len(), 3);
    assert_eq!(select_text(&html, "#failed").as_deref(), Some("1"));
    let link = select_attr(&html, "a[href$='errors.csv']", "href").expect("error report link");
    let (code, report) = app.page(&link);
    assert_eq!(code, 200);
    assert!(report.contains("not-an-email") && report.contains("invalid_email"));
    assert!(
        !report.contains("bob-pass-123"),
        "no password in the report"
    );
}

#[test]
fn undo_removes_exactly_the_users_who_never_logged_in() {
    let app = spawn_app();
    app.login_admin();
    let rows = "Ann;A;ann@example.com;ann;;;ann-pass-123\nBen;B;ben@example.com;ben;;;ben-pass-123\n\
                Cat;C;cat@example.com;cat;;;cat-pass-123\n";
    let id = import(&app, "three.csv", rows);
    app.second_browser().login("ann", "ann-pass-123");
    let html = app.page(&format!("/imports/{id}/undo")).1;
    assert_eq!(
        select_text(&html, "#undo-count strong").as_deref(),
        Some("2")
    );
    assert!(select_text(&html, "#undo-kept").unwrap().contains("ann"));
    let count = |table: &str| -> i64 {
        one(
            &app,
            &format!(
                "SELECT COUNT(*) FROM {table} WHERE user_id IN \
             (SELECT user_id FROM roster_user_profile WHERE import_id = {id})"
            ),
        )
    };
    assert_eq!((count("auth_user_groups"), app.user_count()), (3, 4));
    let ids: Vec<i64> = ["ben", "cat"]
        .map(|u| {
            one(
                &app,
                &format!("SELECT id FROM auth_user WHERE username = '{u}'"),
            )
        })
        .into();
    let res = app.post_form(
        &format!("/imports/{id}/undo"),
        &format!("/imports/{id}/undo"),
        &[("expected", "5")],
    );
    assert_eq!(status(&res), 409, "stale confirmation");
    assert_eq!(app.user_count(), 4, "nothing removed");
    let res = app.post_form(
        &format!("/imports/{id}/undo"),
        &format!("/imports/{id}/undo"),
        &[("expected", "2")],
    );
    assert_eq!(status(&res), 303);
    let left: Vec<String> = app
        .db()
        .prepare("SELECT username FROM auth_user ORDER BY username")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(left, ["admin", "ann"]);
    for table in ["auth_user_groups", "roster_user_profile", "roster_session"] {
        let n: i64 = one(
            &app,
            &format!(
                "SELECT COUNT(*) FROM {table} WHERE user_id IN ({}, {})",
                ids[0], ids[1]
            ),
        );
        assert_eq!(n, 0, "{table} rows of removed users");
    }
    let html = app.page(&format!("/imports/{id}")).1;
    assert!(select_text(&html, "#undone").is_some());
    assert_eq!(html.matches("later removed by undo").count(), 2);
}

#[test]
fn audit_log_records_actions_and_exports_them_safely() {
    let app = spawn_app();
    let bad = app.post_form(
        "/login",
        "/login",
        &[("username", ADMIN), ("password", "Wr0ng-Guess-77")],
    );
    assert_eq!(status(&bad), 401);
    let res = app.post_form(
        "/login",
        "/login",
        &[("username", ADMIN), ("password", ADMIN_PASSWORD)],
    );
    assert_eq!(status(&res), 303);
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| {
            v.to_str()
                .ok()?
                .strip_prefix("roster_session=")?
                .split(';')
                .next()
                .map(str::to_string)
        })
        .next()
        .expect("session cookie");
    let id = add_user(&app, "pat", ("Pat", "P"), "pat@example.com", false);
    assert_eq!(status(&save_user(&app, id, &[("role", "admin")], &[])), 303);
    assert_eq!(status(&save_user(&app, id, &[("role", "user")], &[])), 303);
    assert_eq!(status(&save_user(&app, id, &[], &["active"])), 303);
    let ou = add_ou(&app, "=HYPERLINK(\"x\")");
    assert_eq!(
        status(&app.post_form("/ous", &format!("/ous/{ou}/rename"), &[("name", "Ops")])),
        303
    );
    let secret = "Set-By-Admin-Pa55";
    let fields = [("password1", secret), ("password2", secret)];
    let res = app.post_form(
        &format!("/users/{id}"),
        &format!("/users/{id}/set-password"),
        &fields,
    );
    assert_eq!(status(&res), 303);
    import(
        &app,
        "audit.csv",
        "Imp;Orted;imp@example.com;imp;;;Imported-Pa55-1\n",
    );

    let html = app.page("/audit").1;
    let rows = table(&html, "table#audit tbody tr");
    let actions: Vec<&str> = rows.iter().map(|r| r[2].as_str()).collect();
    let wanted = [
        "login_failed",
        "login",
        "role_changed",
        "user_deactivated",
        "ou_renamed",
        "password_set",
        "import",
    ];
    for action in wanted {
        assert!(actions.contains(&action), "{action} in {actions:?}");
    }
    let total: i64 = one(&app, "SELECT COUNT(*) FROM roster_audit");
    assert_eq!(
        select_text(&html, "#audit-total"),
        Some(format!("{total} entries"))
    );
    let filtered = table(
        &app.page("/audit?action=role_changed").1,
        "table#audit tbody tr",
    );
    assert_eq!(
        filtered.iter().map(|r| r[2].as_str()).collect::<Vec<_>>(),
        ["role_changed"; 2]
    );

    let res = app.get("/audit.csv");
    assert_eq!(status(&res), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let csv_text = res.text().unwrap();
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(csv_text.trim_start_matches('\u{feff}').as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    assert_eq!(
        header,
        [
            "id", "at_utc", "actor", "action", "target", "detail", "client"
        ]
    );
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(records.len() as i64, total);
    for action in wanted {
        assert!(
            records.iter().any(|r| &r[3] == action),
            "{action} in the CSV"
        );
    }
    assert!(
        records
            .iter()
            .any(|r| &r[3] == "ou_created" && &r[5] == "'=HYPERLINK(\"x\")")
    );
    assert!(
        records
            .iter()
            .all(|r| r.iter().all(|c| !c.starts_with(['=', '+', '-', '@'])))
    );

    let stored: Vec<String> = app
        .db()
        .prepare("SELECT actor || target || detail || client FROM roster_audit")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let stored = stored.join("\n");
    for leak in [
        ADMIN_PASSWORD,
        "Wr0ng-Guess-77",
        secret,
        "Imported-Pa55-1",
        "pbkdf2_sha256$",
        cookie.as_str(),
    ] {
        for (place, text) in [("table", &stored), ("page", &html), ("CSV", &csv_text)] {
            assert!(!text.contains(leak), "{leak:?} in the audit {place}");
        }
    }
}

#[test]
fn audit_rows_cannot_be_changed_or_deleted() {
    let app = spawn_app();
    app.login_admin();
    let before: i64 = one(&app, "SELECT COUNT(*) FROM roster_audit");
    assert!(before > 0, "the login was recorded");
    let conn = app.db();
    let update = conn.execute("UPDATE roster_audit SET detail = 'tampered'", []);
    assert!(update.unwrap_err().to_string().contains("append-only"));
    let delete = conn.execute("DELETE FROM roster_audit", []);
    assert!(delete.unwrap_err().to_string().contains("append-only"));
    assert_eq!(
        one::<i64>(&app, "SELECT COUNT(*) FROM roster_audit"),
        before
    );
    assert_eq!(
        one::<i64>(
            &app,
            "SELECT COUNT(*) FROM roster_audit WHERE detail = 'tampered'"
        ),
        0
    );
}

#[test]
fn a_default_user_changes_their_own_password() {
    let app = spawn_app();
    let id = add_user(&app, "pat", ("Pat", "P"), "pat@example.com", false);
    let (pat, elsewhere) = (browser(&app, "pat"), browser(&app, "pat"));
    let hash = || -> String {
        one(
            &app,
            &format!("SELECT password FROM auth_user WHERE id = {id}"),
        )
    };
    let old_hash = hash();
    let change = |old: &str, new: &str| {
        let fields = [
            ("old_password", old),
            ("new_password1", new),
            ("new_password2", new),
        ];
        pat.post_form("/account", "/account/password", &fields)
    };
    let res = change("not-my-password", "Fresh-Horse-42");
    assert_eq!(status(&res), 422, "wrong old password");
    assert!(
        res.text()
            .unwrap()
            .contains("old password was entered incorrectly")
    );
    assert_eq!(status(&change(PW, "password")), 422, "weak new password");
    assert_eq!(hash(), old_hash, "nothing changed yet");
    let res = change(PW, "Fresh-Horse-42");
    assert_eq!(status(&res), 303);
    assert_eq!(location(&res), "/account?password=changed");
    assert_ne!(hash(), old_hash);
    assert_eq!(status(&pat.get("/account")), 200, "this session continues");
    assert_eq!(
        status(&elsewhere.get("/account")),
        303,
        "other sessions end"
    );
    app.second_browser().login("pat", "Fresh-Horse-42");
    let old = app.second_browser().post_form(
        "/login",
        "/login",
        &[("username", "pat"), ("password", PW)],
    );
    assert_eq!(status(&old), 401, "the old password no longer works");
}

#[test]
fn zz_probe() {
    let app = spawn_app();
    app.login_admin();
    add_user(&app, "a1", ("Zed", "Adams"), "a1@example.com", false);
    add_user(&app, "a2", ("Amy", "Adams"), "a2@example.com", false);
    add_user(&app, "b1", ("Bea", "Young"), "b1@example.com", false);
    eprintln!("name asc {:?}", listed(&app, "sort=name"));
    eprintln!("name desc {:?}", listed(&app, "sort=name&desc=1"));
    eprintln!("login desc {:?}", listed(&app, "sort=last_login&desc=1"));
    let id = add_user(&app, "pat", ("Pat", "P"), "pat@example.com", false);
    let res = save_user(&app, id, &[("organizational_unit", "999")], &[]);
    eprintln!("bad ou {}", res.status());
    let long = "x".repeat(151);
    let res = save_user(&app, id, &[("job_title", &long)], &[]);
    eprintln!("long title {}", res.status());
    let res = save_user(&app, id, &[("first_name", "  ")], &[]);
    eprintln!("blank first {}", res.status());
    let res = save_user(&app, id, &[("email", "")], &[]);
    eprintln!("blank email {}", res.status());
    let res = app.post_form("/users", "/users/99999", &[("first_name","x")]);
    eprintln!("missing user {}", res.status());
    let res = app.post_form("/users", "/ous/99999/rename", &[("name","x")]);
    eprintln!("missing ou {}", res.status());
    let res = app.post_form("/users", "/imports/99999/undo", &[("expected","0")]);
    eprintln!("missing import {}", res.status());
    let (s, _) = app.page("/audit?from=2000-01-01&to=2100-01-01");
    eprintln!("audit dates {s}");
    let (s, b) = app.page("/users?page=99");
    eprintln!("page 99 {s} {:?}", select_text(&b, ".pager"));
}
