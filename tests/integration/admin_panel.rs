//! The admin panel's behaviour: user list, user page, roles, deactivation, sessions, OUs, import
//! history and undo, the audit log, and a Default User's own account page. Helpers here, tests in
//! `people` (users, roles, sessions, own account) and `records` (units, imports, undo, audit).

mod deletes;
mod django_flags;
mod people;
mod records;
mod undo;

use reqwest::blocking::Response;
use scraper::{Html, Selector};

use crate::helpers::*;

const PW: &str = "user-pass-123";

/// Inserts an active user with password `PW` (an admin when `admin`); returns the id.
fn add_user(app: &TestApp, username: &str, name: (&str, &str), email: &str, admin: bool) -> i64 {
    let hash = roster::auth::hashers::make_password(PW, TEST_ITERATIONS);
    let admin = if admin { "TRUE" } else { "FALSE" };
    let quote = |text: &str| text.replace('\'', "''");
    let (first, last) = (quote(name.0), quote(name.1));
    app.sql_execute(&format!(
        "INSERT INTO auth_user (password, last_login, is_superuser, username, last_name, email, \
         is_staff, is_active, date_joined, first_name) \
         VALUES ('{hash}', NULL, {admin}, '{username}', '{last}', '{email}', {admin}, TRUE, \
         '2026-01-01 00:00:00', '{first}')",
        email = quote(email),
    ));
    app.user_id(username)
}

/// A value read back from either backend as text (`sql_text`).
trait FromText {
    fn from_text(text: Option<String>) -> Self;
}

impl FromText for i64 {
    fn from_text(text: Option<String>) -> Self {
        text.and_then(|t| t.parse().ok()).expect("a number")
    }
}

impl FromText for bool {
    fn from_text(text: Option<String>) -> Self {
        match text.as_deref() {
            Some("1") => true,
            Some("0") => false,
            other => panic!("not a boolean: {other:?}"),
        }
    }
}

impl FromText for String {
    fn from_text(text: Option<String>) -> Self {
        text.expect("a value, not NULL")
    }
}

/// The first value of the first row `sql` answers, on either backend.
fn one<T: FromText>(app: &TestApp, sql: &str) -> T {
    T::from_text(app.sql_text(sql))
}

/// The first value of each row `sql` answers, on either backend (NULL is a failure).
fn column(app: &TestApp, sql: &str) -> Vec<String> {
    app.sql_rows(sql)
        .into_iter()
        .map(|row| String::from_text(row.into_iter().next().flatten()))
        .collect()
}

/// Runs `sql` on the app's database, either backend; the database's error message if it fails.
fn try_execute(app: &TestApp, sql: &str) -> Result<(), String> {
    if on_postgres() {
        let url = app.db_path.clone();
        return crate::test_backend::on_own_thread(move || {
            crate::test_backend::client(&url)
                .batch_execute(sql)
                .map_err(|e| format!("{e:?}"))
        });
    }
    app.db().execute_batch(sql).map_err(|e| e.to_string())
}

fn add_ou(app: &TestApp, name: &str) -> i64 {
    let res = app.post_form("/ous", "/ous", &[("name", name)]);
    assert_eq!(res.status().as_u16(), 303, "create OU {name}");
    app.sql_i64(&format!(
        "SELECT id FROM roster_organizational_unit WHERE name = '{}'",
        name.replace('\'', "''")
    ))
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
pub(crate) fn save_user(app: &TestApp, id: i64, set: &[(&str, &str)], unset: &[&str]) -> Response {
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

/// Presses Set password on a user's page with `secret` typed twice.
fn set_password(app: &TestApp, id: i64, secret: &str) -> Response {
    app.post_form(
        &format!("/users/{id}"),
        &format!("/users/{id}/set-password"),
        &[("password1", secret), ("password2", secret)],
    )
}

/// (first name, last name, e-mail, is_active, is_staff, is_superuser) of a user.
fn user_row(app: &TestApp, id: i64) -> (String, String, String, bool, bool, bool) {
    let rows = app.sql_rows(&format!(
        "SELECT first_name, last_name, email, is_active, is_staff, is_superuser \
         FROM auth_user WHERE id = {id}"
    ));
    let [row] = &rows[..] else {
        panic!("user {id}: {rows:?}")
    };
    let text = |i: usize| String::from_text(row[i].clone());
    let flag = |i: usize| bool::from_text(row[i].clone());
    (text(0), text(1), text(2), flag(3), flag(4), flag(5))
}

/// Imports `rows` (CSV lines after the header) through the web; returns the import id.
fn import(app: &TestApp, file: &str, rows: &str) -> i64 {
    let (preview, code, _) = app.upload_and_preview(file, format!("{HEADER}\n{rows}").as_bytes());
    assert_eq!(code, 200);
    let result = app.commit(&preview);
    result.trim_start_matches("/imports/").parse().unwrap()
}
