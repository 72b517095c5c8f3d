//! A user's page, its form and buttons, Add user, Send set-password link and My account's password
//! change on PostgreSQL: real `roster serve` processes on one database, driven like a browser, with
//! the rows and audit entries checked in the database.

use std::time::Duration;

use super::cluster::{cluster, new_database};
use super::migrate::roster_pg;
use super::web::{browser, same_browser_on, two_servers_with_mail};
use super::{audit_entries, count};
use crate::helpers::{HEADER, TestApp, location, select_text};
use crate::smtp_server::extract_link;

const ADMIN_PASSWORD: &str = "Setup-Pass-2026!";
const ADA_PASSWORD: &str = "Ada-Pw-2026-long";

/// A database with the admin `boss`, the unit Research, the group Editors, and two imported
/// users: `ada` (with a password) and `cy` (without one). Returns the database's URL.
fn directory(name: &str) -> (String, String) {
    let pg = cluster();
    let db = new_database(name);
    let url = pg.url(&db, "?sslmode=disable");
    super::create_admin(&url, "boss", ADMIN_PASSWORD);
    let out = roster_pg(&url, &["ou", "add", "Research"], &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let csv = format!(
        "{HEADER}\nAda;Lovelace;ada@example.com;ada;;Analyst;{ADA_PASSWORD}\n\
         Cy;Nopass;cy@example.com;cy;;;\n"
    );
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), csv).unwrap();
    let path = file.path().to_str().unwrap();
    let out = roster_pg(&url, &["import", path, "--allow-without-mail"], &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    pg.client(&db)
        .execute("INSERT INTO auth_group (name) VALUES ('Editors')", &[])
        .unwrap();
    (url, db)
}

fn one_i64(client: &mut postgres::Client, sql: &str) -> i64 {
    client.query_one(sql, &[]).unwrap().get(0)
}

fn user_id(client: &mut postgres::Client, username: &str) -> i64 {
    one_i64(
        client,
        &format!("SELECT id::bigint FROM auth_user WHERE username = '{username}'"),
    )
}

/// `first_name, last_name, email, is_staff, is_superuser, is_active` of a user.
fn user_row(client: &mut postgres::Client, id: i64) -> (String, String, String, bool, bool, bool) {
    let row = client
        .query_one(
            "SELECT first_name::text, last_name::text, email::text, is_staff, is_superuser, \
             is_active FROM auth_user WHERE id = $1::bigint",
            &[&id],
        )
        .unwrap();
    (
        row.get(0),
        row.get(1),
        row.get(2),
        row.get(3),
        row.get(4),
        row.get(5),
    )
}

fn password_hash(client: &mut postgres::Client, id: i64) -> String {
    client
        .query_one(
            "SELECT password::text FROM auth_user WHERE id = $1::bigint",
            &[&id],
        )
        .unwrap()
        .get(0)
}

fn sessions_of(client: &mut postgres::Client, id: i64) -> i64 {
    one_i64(
        client,
        &format!("SELECT COUNT(*) FROM roster_session WHERE user_id = {id}"),
    )
}

/// A browser on `server` logged in as `username`.
fn logged_in(server: &crate::helpers::Server, username: &str, password: &str) -> TestApp {
    let app = browser(server);
    app.login(username, password);
    app
}

/// The user page's form as the browser sends it, with `changes` replacing fields (`group`
/// repeats; an empty value drops the field, as an unticked box does).
fn user_form<'a>(changes: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut fields: Vec<(&str, &str)> = vec![
        ("first_name", "Ada"),
        ("last_name", "Lovelace"),
        ("email", "ada@example.com"),
        ("organizational_unit", ""),
        ("job_title", "Analyst"),
        ("role", "user"),
        ("active", "1"),
    ];
    for (name, value) in changes {
        fields.retain(|(field, _)| field != name);
        if !value.is_empty() {
            fields.push((name, value));
        }
    }
    fields
}

#[test]
fn a_users_page_and_its_form_on_postgresql() {
    let pg = cluster();
    let (url, db) = directory("userpage");
    let mut client = pg.client(&db);
    let (_smtp, first, second) = two_servers_with_mail(&url);
    let admin = logged_in(&first, "boss", ADMIN_PASSWORD);
    let (boss, ada) = (user_id(&mut client, "boss"), user_id(&mut client, "ada"));
    let research = one_i64(&mut client, "SELECT id FROM roster_organizational_unit");
    let (editors, default_group) = (
        one_i64(
            &mut client,
            "SELECT id::bigint FROM auth_group WHERE name = 'Editors'",
        ),
        one_i64(
            &mut client,
            "SELECT id::bigint FROM auth_group WHERE name = 'Default User'",
        ),
    );

    // Ada logs in on the other process; her page counts that session.
    let ada_browser = logged_in(&second, "ada", ADA_PASSWORD);
    assert_eq!(ada_browser.get("/account").status().as_u16(), 200);
    let page = format!("/users/{ada}");
    let (code, html) = admin.page(&page);
    assert_eq!(code, 200, "{html}");
    assert!(html.contains("ada@example.com") && html.contains("Analyst"));
    assert!(html.contains("Editors") && html.contains("Research"));
    assert_eq!(
        select_text(&html, "#user-role").as_deref(),
        Some("Default User")
    );
    assert_eq!(
        select_text(&html, "#session-count").as_deref(),
        Some("1 active session(s).")
    );
    assert!(!html.contains("pbkdf2_sha256"), "no hash on the page");
    assert_eq!(admin.get("/users/999999").status().as_u16(), 404);

    // The last active admin cannot lose admin rights (demoted or deactivated): nothing changes.
    let boss_page = format!("/users/{boss}");
    let before = user_row(&mut client, boss);
    for change in [("role", "user"), ("active", "")] {
        let fields = user_form(&[
            ("first_name", ""),
            ("last_name", ""),
            ("email", "boss@example.com"),
            ("job_title", ""),
            ("role", "admin"),
            change,
        ]);
        let res = admin.post_form(&boss_page, &boss_page, &fields);
        assert_eq!(res.status().as_u16(), 422, "{change:?}");
        assert!(res.text().unwrap().contains("last active admin"));
        assert_eq!(user_row(&mut client, boss), before, "unchanged");
    }

    // Another user's address (in another case) is refused.
    let res = admin.post_form(&page, &page, &user_form(&[("email", "CY@example.com")]));
    assert_eq!(res.status().as_u16(), 422);
    assert!(
        res.text()
            .unwrap()
            .contains("Another user already has the e-mail")
    );

    // Names, e-mail, unit, job title, groups and the Admin role, in one save.
    let (research, editors, default_group) = (
        research.to_string(),
        editors.to_string(),
        default_group.to_string(),
    );
    let mut fields = user_form(&[
        ("last_name", "King"),
        ("email", "ada.king@example.com"),
        ("organizational_unit", &research),
        ("job_title", "Countess"),
        ("role", "admin"),
    ]);
    fields.push(("group", &default_group));
    fields.push(("group", &editors));
    let res = admin.post_form(&page, &page, &fields);
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(location(&res), format!("{page}?notice=saved"));
    assert_eq!(
        user_row(&mut client, ada),
        (
            "Ada".into(),
            "King".into(),
            "ada.king@example.com".into(),
            true,
            true,
            true
        )
    );
    let profile = client
        .query_one(
            "SELECT organizational_unit_id::text, job_title FROM roster_user_profile \
             WHERE user_id = $1::bigint",
            &[&ada],
        )
        .unwrap();
    assert_eq!(profile.get::<_, String>(0), research);
    assert_eq!(profile.get::<_, String>(1), "Countess");
    assert_eq!(
        one_i64(
            &mut client,
            &format!("SELECT COUNT(*) FROM auth_user_groups WHERE user_id = {ada}")
        ),
        2
    );
    let target = format!("user:{ada} (ada)");
    assert_eq!(
        audit_entries(
            &mut client,
            &format!("target = '{target}' AND actor = 'boss'")
        ),
        [
            format!("user_changed|{target}|last name: Lovelace -> King"),
            format!("user_changed|{target}|e-mail: ada@example.com -> ada.king@example.com"),
            format!("role_changed|{target}|role: Default User -> Admin"),
            format!("user_changed|{target}|organizational unit changed"),
            format!("user_changed|{target}|job title: Analyst -> Countess"),
            format!("user_changed|{target}|groups changed"),
        ]
    );
    let (_, html) = admin.page(&location(&res));
    assert_eq!(select_text(&html, "#user-role").as_deref(), Some("Admin"));
    assert!(html.contains("Changes saved."));
    assert_eq!(
        ada_browser.get("/users").status().as_u16(),
        200,
        "promoted on one process: the admin pages open at once on the other"
    );

    // Two admins now: boss may go. Deactivating Ada ends her session on the other process.
    let mut fields = user_form(&[
        ("last_name", "King"),
        ("email", "ada.king@example.com"),
        ("organizational_unit", &research),
        ("job_title", "Countess"),
        ("role", "admin"),
        ("active", ""),
    ]);
    fields.push(("group", &editors));
    let res = admin.post_form(&page, &page, &fields);
    assert_eq!(res.status().as_u16(), 303);
    assert!(!user_row(&mut client, ada).5);
    assert_eq!(sessions_of(&mut client, ada), 0);
    let res = ada_browser.get("/account");
    assert_eq!(res.status().as_u16(), 303, "her session ended");
    assert!(location(&res).starts_with("/login"));
    assert_eq!(
        audit_entries(
            &mut client,
            &format!("target = '{target}' AND action = 'user_deactivated'")
        ),
        [format!(
            "user_deactivated|{target}|status: active -> inactive"
        )]
    );
}
