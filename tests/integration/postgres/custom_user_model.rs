//! `ROSTER_USER_MODEL=accounts.User` on PostgreSQL: Roster on a real Django 5.2 project whose
//! user model is cookiecutter-style (one `name` column, bigint ids), replayed from
//! `named_user_project_postgres.sql` (tests/fixtures/django/README.md).

use std::path::Path;

use super::cluster::{cluster, new_database};
use super::migrate::roster_pg;
use super::web::SECRET_KEY;
use super::{audit_entries, count};
use crate::helpers::{HEADER, TestApp, select_text, start_server_with};

const PROJECT: &str = include_str!("../../fixtures/django/named_user_project_postgres.sql");
const MODEL: (&str, &str) = ("ROSTER_USER_MODEL", "accounts.User");

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A database holding the Django project (boss, carol, group Editors, carol's Item), and its URL.
fn django_project(label: &str) -> (String, postgres::Client) {
    let pg = cluster();
    let db = new_database(label);
    pg.client(&db).batch_execute(PROJECT).unwrap();
    (pg.url(&db, "?sslmode=disable"), pg.client(&db))
}

fn one_text(client: &mut postgres::Client, sql: &str) -> String {
    client.query_one(sql, &[]).unwrap().get(0)
}

fn tables_like(client: &mut postgres::Client, pattern: &str) -> String {
    one_text(
        client,
        &format!(
            "SELECT COALESCE(string_agg(tablename::text, ' ' ORDER BY tablename), '') \
             FROM pg_tables WHERE schemaname = 'public' AND tablename LIKE '{pattern}'"
        ),
    )
}

#[test]
fn without_the_model_roster_refuses_the_project_and_names_the_setting() {
    let (url, mut client) = django_project("named_refused");
    let out = roster_pg(&url, &["migrate"], &[]);
    assert!(!out.status.success());
    let said = text(&out.stderr);
    assert!(
        said.contains("ROSTER_USER_MODEL=accounts.user") && said.contains("accounts_user"),
        "{said}"
    );
    assert_eq!(
        tables_like(&mut client, "roster%"),
        "",
        "nothing was written"
    );
    assert_eq!(tables_like(&mut client, "auth_user%"), "");

    let out = roster_pg(
        &url,
        &["migrate"],
        &[("ROSTER_USER_MODEL", "shop.Customer")],
    );
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("has no table shop_customer"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(tables_like(&mut client, "roster%"), "");
}

#[test]
fn users_are_imported_into_the_projects_user_model_and_its_delete_rules_hold() {
    let (url, mut client) = django_project("named_import");
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("team.csv");
    std::fs::write(
        &csv,
        format!(
            "{HEADER}\nAda;Lovelace;ada@example.com;ada;;Engineer;Ada-pass-2026!\n\
             Bob;Builder;bob@example.com;bob;;;\nCarol;Again;CAROL@example.com;carol2;;;\n"
        ),
    )
    .unwrap();
    let out = roster_pg(
        &url,
        &["import", csv.to_str().unwrap(), "--allow-without-mail"],
        &[MODEL],
    );
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert!(
        text(&out.stdout).contains("duplicate_email"),
        "carol's address is taken: {}",
        text(&out.stdout)
    );

    // Into Django's accounts_user and its link table; no shadow auth_user.
    assert_eq!(tables_like(&mut client, "auth_user%"), "");
    assert_eq!(
        one_text(
            &mut client,
            "SELECT name || '|' || email || '|' || is_active::text || is_staff::text \
             || is_superuser::text || '|' || left(password, 14) || '|' || \
             (last_login IS NULL)::text FROM accounts_user WHERE username = 'ada'"
        ),
        "Ada Lovelace|ada@example.com|truefalsefalse|pbkdf2_sha256$|true"
    );
    assert!(
        one_text(
            &mut client,
            "SELECT password FROM accounts_user WHERE username = 'bob'"
        )
        .starts_with('!')
    );
    assert_eq!(
        one_text(
            &mut client,
            "SELECT string_agg(g.name, ',') FROM accounts_user_groups l \
             JOIN auth_group g ON g.id = l.group_id JOIN accounts_user u ON u.id = l.user_id \
             WHERE u.username = 'ada'"
        ),
        "Default User"
    );
    assert_eq!(
        one_text(
            &mut client,
            "SELECT p.job_title FROM roster_user_profile p JOIN accounts_user u ON u.id = p.user_id \
             WHERE u.username = 'ada'"
        ),
        "Engineer"
    );

    // The account commands write the same table: a superuser with an empty name, then a new
    // password for carol, whom Django made.
    let out = roster_pg(
        &url,
        &[
            "createsuperuser",
            "--username",
            "root",
            "--email",
            "root@example.com",
            "--noinput",
        ],
        &[MODEL, ("ROSTER_SUPERUSER_PASSWORD", "Root-pass-2026!")],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let changed = crate::helpers::roster_with(
        Path::new(&url),
        &["changepassword", "carol", "--password-stdin"],
        &[MODEL],
        Some("Carol-new-2026!\n"),
    );
    assert!(changed.status.success(), "{}", text(&changed.stderr));
    assert_eq!(
        one_text(
            &mut client,
            "SELECT string_agg(username || ':' || name || ':' || is_superuser::text || ':' || \
             left(password, 14), ' ' ORDER BY username) FROM accounts_user \
             WHERE username IN ('root', 'carol')"
        ),
        "carol:Carol Danvers:false:pbkdf2_sha256$ root::true:pbkdf2_sha256$"
    );

    // Django deleting a user (its links first, as Django's collector does) runs Roster's delete
    // rules on the model's table.
    client
        .batch_execute(
            "BEGIN; DELETE FROM accounts_user_groups WHERE user_id = \
             (SELECT id FROM accounts_user WHERE username = 'ada'); \
             DELETE FROM accounts_user WHERE username = 'ada'; COMMIT",
        )
        .unwrap();
    assert_eq!(count(&mut client, "roster_user_profile"), 1);
    assert_eq!(
        count(
            &mut client,
            "roster_import_row WHERE user_id IS NULL AND username = 'ada'"
        ),
        1
    );
    // A Roster row may only name a user the model's table has.
    let refused = client
        .execute(
            "INSERT INTO roster_session (key_hash, user_id, password_fingerprint, created_at, \
             expires_at) VALUES ('k', 999999, '', now(), now())",
            &[],
        )
        .unwrap_err();
    let message = refused.as_db_error().unwrap().message();
    assert!(message.contains("accounts_user"), "{message}");
}

#[test]
fn the_admin_logs_in_with_the_projects_argon2_password_and_sees_the_names_the_model_holds() {
    let (url, mut client) = django_project("named_web");
    let server = start_server_with(Path::new(&url), &[("ROSTER_SECRET_KEY", SECRET_KEY), MODEL]);
    let admin = TestApp::external(
        &server.base,
        "not-an-sqlite-file".into(),
        tempfile::tempdir().unwrap(),
    );
    // boss is Django's superuser with an Argon2 hash; no setup link, an admin exists.
    admin.login("boss", "Boss-pass-2026!");
    let (status, page) = admin.page("/users?sort=name");
    assert_eq!(status, 200, "{page}");
    let names: Vec<String> = scraper::Html::parse_document(&page)
        .select(&scraper::Selector::parse("table tbody tr td:nth-child(2)").unwrap())
        .map(|cell| cell.text().collect::<String>().trim().to_string())
        .collect();
    assert_eq!(names, ["Big Boss", "Carol Danvers"], "{page}");
    let (_, found) = admin.page("/users?q=danvers");
    assert!(
        select_text(&found, "table tbody").is_some_and(|rows| rows.contains("carol")),
        "{found}"
    );
    assert_eq!(
        audit_entries(&mut client, "action = 'login'").len(),
        1,
        "the login is in the audit log"
    );

    // A user's page saves the name into the model's one name column and the groups into its
    // link table.
    let carol: i64 = client
        .query_one("SELECT id FROM accounts_user WHERE username = 'carol'", &[])
        .unwrap()
        .get(0);
    let page = format!("/users/{carol}");
    let (status, html) = admin.page(&page);
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("Carol Danvers"), "{html}");
    let res = admin.post_form(
        &page,
        &page,
        &[
            ("first_name", "Carol"),
            ("last_name", "Marvel"),
            ("email", "carol@example.com"),
            ("organizational_unit", ""),
            ("job_title", "Pilot"),
            ("role", "user"),
            ("active", "1"),
        ],
    );
    assert_eq!(res.status().as_u16(), 303, "{}", res.text().unwrap());
    assert_eq!(
        one_text(
            &mut client,
            "SELECT u.name || '|' || COALESCE(string_agg(g.name, ','), '') FROM accounts_user u \
             LEFT JOIN accounts_user_groups l ON l.user_id = u.id \
             LEFT JOIN auth_group g ON g.id = l.group_id WHERE u.username = 'carol' GROUP BY u.name"
        ),
        "Carol Marvel|",
        "no group ticked: carol leaves Editors"
    );
}
