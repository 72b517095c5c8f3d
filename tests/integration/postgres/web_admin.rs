//! `roster serve` on PostgreSQL, the admin's other pages: organizational units, API tokens and the
//! JSON API, the Mail page and undoing an import, on two real `roster serve` processes sharing one
//! database, driven like a browser (CSRF tokens, cookies) or as an API client, with the rows and
//! audit entries checked in the database.

use std::path::Path;

use reqwest::blocking::Client;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE};

use super::cluster::{cluster, new_database};
use super::migrate::roster_pg;
use super::web::{ADMIN_PASSWORD, SECRET_KEY, browser, same_browser_on, serve};
use super::{audit_entries, count, create_admin, usernames};
use crate::helpers::{HEADER, TestApp, csrf_token, location, select_text, start_server_with};
use crate::smtp_server::{SmtpMode, TestSmtp, closed_port};

/// The admin `boss`, logged in on `app`.
fn logged_in(app: &TestApp) {
    app.login("boss", ADMIN_PASSWORD);
}

/// The status and JSON of an API answer.
fn json(res: reqwest::blocking::Response) -> (u16, serde_json::Value) {
    let status = res.status().as_u16();
    (status, res.json().expect("a JSON answer"))
}

/// `POST /api/users/import` with a `text/csv` body on `base`, with `token` when given.
fn api_import(base: &str, token: Option<&str>, csv: &str) -> reqwest::blocking::Response {
    let mut request = Client::new()
        .post(format!("{base}/api/users/import"))
        .header(CONTENT_TYPE, "text/csv")
        .body(csv.to_string());
    if let Some(token) = token {
        request = request.header(AUTHORIZATION, format!("Bearer {token}"));
    }
    request.send().unwrap()
}

/// The notice a page shows (what was done, or why not).
fn notice(page: &str) -> Option<String> {
    select_text(page, "p.notice")
}

fn unit_id(client: &mut postgres::Client, name: &str) -> i64 {
    client
        .query_one(
            "SELECT id FROM roster_organizational_unit WHERE name = $1",
            &[&name],
        )
        .unwrap()
        .get(0)
}

#[test]
fn units_tokens_and_the_api_work_on_postgresql_across_two_processes() {
    let pg = cluster();
    let db = new_database("web_admin_ous");
    let url = pg.url(&db, "?sslmode=disable");
    create_admin(&url, "boss", ADMIN_PASSWORD);
    let (first, second) = (serve(&url), serve(&url));
    let admin = browser(&first);
    logged_in(&admin);
    let on_second = same_browser_on(&admin, &second);
    let mut client = pg.client(&db);

    // The pages are linked again on PostgreSQL.
    let (code, users) = admin.page("/users");
    assert_eq!(code, 200, "{users}");
    for link in ["href=\"/ous\"", "href=\"/mail\"", "href=\"/tokens\""] {
        assert!(users.contains(link), "{link} is linked");
    }

    // Create, refuse a name taken in another case, rename.
    let res = admin.post_form("/ous", "/ous", &[("name", "Research")]);
    assert_eq!(res.status().as_u16(), 303);
    let (_, page) = admin.page(&location(&res));
    assert_eq!(
        notice(&page).as_deref(),
        Some("Organizational unit \"Research\" created.")
    );
    let research = unit_id(&mut client, "Research");
    let res = on_second.post_form("/ous", "/ous", &[("name", "RESEARCH")]);
    assert_eq!(res.status().as_u16(), 422, "a taken name is refused");
    assert_eq!(
        notice(&res.text().unwrap()).as_deref(),
        Some("Not done: an organizational unit named \"Research\" already exists.")
    );
    assert_eq!(count(&mut client, "roster_organizational_unit"), 1);
    let res = on_second.post_form(
        "/ous",
        &format!("/ous/{research}/rename"),
        &[("name", "R&D")],
    );
    assert_eq!(res.status().as_u16(), 303);
    let (_, page) = admin.page("/ous");
    assert!(
        page.contains("R&amp;D"),
        "the rename shows on the other process: {page}"
    );

    // A token made on one process works on the other; the page shows it once, the table holds
    // only its hash; a taken name is refused.
    let res = admin.post_form("/tokens", "/tokens", &[("name", "ci")]);
    assert_eq!(res.status().as_u16(), 200);
    let html = res.text().unwrap();
    let token = select_text(&html, "#new-token").expect("the new token on the page");
    assert!(token.starts_with("rst_") && token.len() == 44, "{token}");
    let stored: String = client
        .query_one("SELECT token_hash FROM roster_api_token", &[])
        .unwrap()
        .get(0);
    assert_ne!(stored, token);
    let res = on_second.post_form("/tokens", "/tokens", &[("name", "CI")]);
    assert_eq!(res.status().as_u16(), 422);
    let page = res.text().unwrap();
    assert!(
        notice(&page).is_some_and(|n| n.contains("a token named \"CI\" already exists")),
        "{page}"
    );
    assert!(
        select_text(&page, "#new-token").is_none() && page.contains(">ci<"),
        "the list is shown with the refusal: {page}"
    );

    // The API on the other process: the streamed import into the unit, and one user as JSON.
    let (code, body) = json(api_import(&second.base, None, "x"));
    assert_eq!(code, 401, "{body}");
    let bad = format!("rst_{}", "x".repeat(40));
    let (code, _) = json(api_import(&second.base, Some(&bad), "x"));
    assert_eq!(code, 401);
    let csv = format!(
        "{HEADER}\nAda;Lovelace;ada@example.com;ada;R&D;Analyst;Ada-Pw-2026-long\n\
         Bob;Bad;not-an-email;bob;;;Bob-Pw-2026-long\n"
    );
    let (code, body) = json(api_import(&second.base, Some(&token), &csv));
    assert_eq!(code, 200, "{body}");
    assert_eq!(
        (body["created"].as_i64(), body["failed"].as_i64()),
        (Some(1), Some(1))
    );
    let res = Client::new()
        .post(format!("{}/api/users", first.base))
        .header(AUTHORIZATION, format!("Bearer {token}"))
        .json(&serde_json::json!({
            "username": "cy", "email": "cy@example.com", "first_name": "Cy", "last_name": "Young",
            "unit": "r&d", "password": "Cy-Pw-2026-long!"
        }))
        .send()
        .unwrap();
    let (code, body) = json(res);
    assert_eq!(code, 201, "{body}");
    assert_eq!(body["unit"], "R&D");
    let res = Client::new()
        .post(format!("{}/api/users", second.base))
        .header(AUTHORIZATION, format!("Bearer {token}"))
        .json(
            &serde_json::json!({"username": "CY", "email": "cy2@example.com", "first_name": "C", "last_name": "Y",
                                  "password": "Cy-Pw-2026-long!"}),
        )
        .send()
        .unwrap();
    assert_eq!(json(res).0, 409, "a taken username");
    assert_eq!(usernames(&mut client), ["ada", "boss", "cy"]);
    let in_unit: i64 = client
        .query_one(
            "SELECT COUNT(*) FROM roster_user_profile WHERE organizational_unit_id = $1",
            &[&research],
        )
        .unwrap()
        .get(0);
    assert_eq!(in_unit, 2);
    let actors: Vec<String> = client
        .query("SELECT actor FROM roster_import ORDER BY id", &[])
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect();
    assert_eq!(actors, ["api:ci", "api:ci"], "the file, then the one user");
    let used: bool = client
        .query_one("SELECT last_used_at IS NOT NULL FROM roster_api_token", &[])
        .unwrap()
        .get(0);
    assert!(used, "the token's use is recorded");

    // A unit in use is not deleted; an empty one is.
    let res = admin.post_form("/ous", &format!("/ous/{research}/delete"), &[]);
    assert_eq!(res.status().as_u16(), 422);
    assert_eq!(
        notice(&res.text().unwrap()).as_deref(),
        Some("Not done: it still has 2 user(s); move them to another unit first.")
    );
    let res = admin.post_form("/ous", "/ous", &[("name", "Temp")]);
    assert_eq!(res.status().as_u16(), 303);
    let temp = unit_id(&mut client, "Temp");
    let res = on_second.post_form("/ous", &format!("/ous/{temp}/delete"), &[]);
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(count(&mut client, "roster_organizational_unit"), 1);

    // Revoked on one process, refused on the other.
    let res = admin.post_form("/tokens", "/tokens/revoke", &[("name", "CI")]);
    assert_eq!(res.status().as_u16(), 303);
    let (code, body) = json(api_import(&second.base, Some(&token), &csv));
    assert_eq!(code, 403, "{body}");
    assert!(body["error"].as_str().unwrap().contains("revoked"));
    let res = admin.post_form("/tokens", "/tokens/revoke", &[("name", "ci")]);
    assert_eq!(res.status().as_u16(), 404, "no active token of that name");

    assert_eq!(
        audit_entries(&mut client, "action LIKE 'ou_%' OR action LIKE 'token_%'"),
        [
            format!("ou_created|ou:{research}|Research"),
            format!("ou_renamed|ou:{research}|Research -> R&D"),
            "token_created|token:ci|".to_string(),
            format!("ou_created|ou:{temp}|Temp"),
            format!("ou_deleted|ou:{temp}|Temp"),
            "token_revoked|token:CI|".to_string(),
        ]
    );
    let actors: Vec<String> = client
        .query(
            "SELECT DISTINCT actor FROM roster_audit WHERE action LIKE 'ou_%' OR action LIKE 'token_%'",
            &[],
        )
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect();
    assert_eq!(actors, ["boss"]);
}

/// The Mail page's form for the loopback server at `port`.
fn mail_form<'a>(port: &'a str, password: &'a str, action: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("host", "127.0.0.1"),
        ("port", port),
        ("encryption", "none"),
        ("login", ""),
        ("password", password),
        ("from", "roster@example.com"),
        ("base_url", "http://roster.example"),
        ("action", action),
    ]
}

#[test]
fn mail_settings_saved_on_one_process_are_used_at_once_by_the_other() {
    let pg = cluster();
    let db = new_database("web_admin_mail");
    let url = pg.url(&db, "?sslmode=disable");
    create_admin(&url, "boss", ADMIN_PASSWORD);
    let smtp = TestSmtp::start(SmtpMode::Plain, None);
    let (first, second) = (serve(&url), serve(&url));
    let admin = browser(&first);
    logged_in(&admin);
    let on_second = same_browser_on(&admin, &second);
    let mut client = pg.client(&db);

    let (code, page) = on_second.page("/mail");
    assert_eq!(code, 200, "{page}");
    assert!(
        select_text(&page, "#mail-check")
            .unwrap()
            .contains("not configured"),
        "{page}"
    );

    // A server that does not answer: Save refuses and stores nothing.
    let closed = closed_port().to_string();
    let res = admin.post_form("/mail", "/mail/settings", &mail_form(&closed, "", "save"));
    assert_eq!(res.status().as_u16(), 200);
    let page = res.text().unwrap();
    assert!(page.contains("Not saved: the check did not pass"), "{page}");
    assert_eq!(count(&mut client, "roster_mail_settings"), 0);

    // The real server: saved on the first process, with a password that never comes back.
    let port = smtp.port.to_string();
    let res = admin.post_form(
        "/mail",
        "/mail/settings",
        &mail_form(&port, "smtp-Secret-77", "save"),
    );
    assert_eq!(
        res.status().as_u16(),
        303,
        "{}",
        res.text().unwrap_or_default()
    );
    let row = client
        .query_one(
            "SELECT host, port, encryption, password FROM roster_mail_settings",
            &[],
        )
        .unwrap();
    assert_eq!(
        row.get::<_, Option<String>>(0).as_deref(),
        Some("127.0.0.1")
    );
    assert_eq!(row.get::<_, Option<i32>>(1), Some(i32::from(smtp.port)));
    assert_eq!(row.get::<_, Option<String>>(2).as_deref(), Some("none"));
    assert_eq!(
        row.get::<_, Option<String>>(3).as_deref(),
        Some("smtp-Secret-77")
    );

    // The second process shows and uses them without a restart.
    let (_, page) = on_second.page("/mail");
    assert!(page.contains(&port), "{page}");
    assert!(
        !page.contains("smtp-Secret-77"),
        "the password is never shown"
    );
    let res = on_second.post_form("/mail", "/mail/test", &[("address", "ops@example.com")]);
    assert_eq!(res.status().as_u16(), 200);
    let page = res.text().unwrap();
    assert!(
        page.contains("Test e-mail sent to ops@example.com."),
        "{page}"
    );
    let sent = smtp.wait_for_messages(1, std::time::Duration::from_secs(10));
    assert_eq!(sent[0].to, ["ops@example.com"]);

    let entries = audit_entries(&mut client, "action = 'mail_settings_changed'");
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert!(
        entries[0].starts_with("mail_settings_changed|mail settings|changed: host, port"),
        "{entries:?}"
    );
    assert!(!entries[0].contains("smtp-Secret-77"));
}

#[test]
fn an_import_is_undone_on_postgresql_keeping_changed_users_and_refusing_while_rows_refer() {
    let pg = cluster();
    let db = new_database("web_admin_undo");
    let url = pg.url(&db, "?sslmode=disable");
    create_admin(&url, "boss", ADMIN_PASSWORD);
    let (first, second) = (serve(&url), serve(&url));
    let admin = browser(&first);
    logged_in(&admin);
    let on_second = same_browser_on(&admin, &second);
    let mut client = pg.client(&db);

    let csv = format!(
        "{HEADER}\n\
         Ann;A;ann@example.com;ann;;;Ann-Pw-2026-long\n\
         Ben;B;ben@example.com;ben;;;Ben-Pw-2026-long\n\
         Cy;C;cy@example.com;cy;;;Cy-Pw-2026-long!\n\
         Dee;D;dee@example.com;dee;;;Dee-Pw-2026-long\n"
    );
    let (preview, code, html) = admin.upload_and_preview("team.csv", csv.as_bytes());
    assert_eq!(code, 200, "{html}");
    let result = admin.commit(&preview);
    admin.wait_for_import(&result);
    let import_id: i64 = result.trim_start_matches("/imports/").parse().unwrap();
    let undo = format!("{result}/undo");

    // Changed in Django after the import, logged in, and deleted outside Roster.
    client
        .batch_execute(
            "UPDATE auth_user SET first_name = 'Benjamin' WHERE username = 'ben'; \
             UPDATE auth_user SET last_login = '2026-12-01 10:00:00+00' WHERE username = 'cy'; \
             DELETE FROM auth_user_groups WHERE user_id = (SELECT id FROM auth_user WHERE username = 'dee'); \
             DELETE FROM auth_user WHERE username = 'dee';",
        )
        .unwrap();

    let (code, page) = on_second.page(&undo);
    assert_eq!(code, 200, "{page}{}", second.log());
    assert!(
        select_text(&page, "#undo-count")
            .unwrap()
            .contains("removes 1 user(s)"),
        "only the user left as imported goes (its fingerprint matches): {page}"
    );
    let kept = select_text(&page, "#undo-kept").unwrap();
    assert!(
        kept.contains("ben: changed after the import")
            && kept.contains("cy: logged in (last login 2026-12-01 10:00:00 UTC)"),
        "{kept}"
    );
    assert_eq!(
        select_text(&page, "#undo-deleted-elsewhere").as_deref(),
        Some("dee")
    );

    // A count that changed since the confirmation is refused.
    let res = on_second.post_form(&undo, &undo, &[("expected", "2")]);
    assert_eq!(res.status().as_u16(), 409);
    assert!(
        res.text()
            .unwrap()
            .contains("changed to 1 since you confirmed")
    );

    // A project row that refers to the user: refused, explained and audited, nothing removed.
    client
        .batch_execute(
            "CREATE TABLE blog_post (id serial PRIMARY KEY, \
               author_id integer REFERENCES auth_user (id) DEFERRABLE INITIALLY DEFERRED); \
             INSERT INTO blog_post (author_id) SELECT id FROM auth_user WHERE username = 'ann';",
        )
        .unwrap();
    let (_, page) = admin.page(&undo);
    assert!(
        select_text(&page, "#undo-blockers tbody")
            .unwrap()
            .contains("annblog_postauthor_id1"),
        "{page}"
    );
    let res = admin.post_form(&undo, &undo, &[("expected", "1")]);
    assert_eq!(res.status().as_u16(), 409);
    assert!(res.text().unwrap().contains("rows of your project refer"));
    assert_eq!(usernames(&mut client), ["ann", "ben", "boss", "cy"]);

    // Without it, the undo removes ann and her rows, keeps the others, and says so once.
    client.batch_execute("DELETE FROM blog_post").unwrap();
    let ann: i32 = client
        .query_one("SELECT id FROM auth_user WHERE username = 'ann'", &[])
        .unwrap()
        .get(0);
    let res = on_second.post_form(&undo, &undo, &[("expected", "1")]);
    assert_eq!(
        res.status().as_u16(),
        303,
        "{}",
        res.text().unwrap_or_default()
    );
    assert_eq!(location(&res), result);
    assert_eq!(usernames(&mut client), ["ben", "boss", "cy"]);
    for table in ["roster_user_profile", "auth_user_groups"] {
        let left: i64 = client
            .query_one(
                &format!("SELECT COUNT(*) FROM {table} WHERE user_id = $1"),
                &[&ann],
            )
            .unwrap()
            .get(0);
        assert_eq!(left, 0, "{table}");
    }
    let row = client
        .query_one(
            "SELECT user_id IS NULL AND removed_by_undo, created_username \
             FROM roster_import_row WHERE username = 'ann'",
            &[],
        )
        .unwrap();
    assert!(row.get::<_, bool>(0));
    let undone: Option<String> = client
        .query_one(
            "SELECT undone_by FROM roster_import WHERE id = $1",
            &[&import_id],
        )
        .unwrap()
        .get(0);
    assert_eq!(undone.as_deref(), Some("boss"));
    let res = admin.post_form(&undo, &undo, &[("expected", "0")]);
    assert_eq!(res.status().as_u16(), 409);
    let (_, page) = admin.page(&undo);
    assert!(select_text(&page, "#undo-done").is_some(), "{page}");

    assert_eq!(
        audit_entries(&mut client, "action LIKE 'import_undo%'"),
        [
            format!(
                "import_undo_blocked|import:{import_id}|nothing removed; ann: 1 row in blog_post (author_id)"
            ),
            format!(
                "import_undone|import:{import_id}|removed 1 user(s): ann; kept 2 (logged in, admins or changed since)"
            ),
        ]
    );
}

/// A database of its own with the admin boss and `users` passwordless users (u0, u1, …) imported
/// by `roster import` as import 1; its URL and name.
fn database_with_imported_users(label: &str, users: usize) -> (String, String) {
    let db = new_database(label);
    let url = cluster().url(&db, "?sslmode=disable");
    create_admin(&url, "boss", ADMIN_PASSWORD);
    let rows: String = (0..users)
        .map(|i| format!("F{i};L{i};u{i}@example.com;u{i};;;\n"))
        .collect();
    super::import_rows(&url, &rows);
    (url, db)
}

#[test]
fn two_processes_undoing_one_import_at_once_remove_its_users_once() {
    let pg = cluster();
    let (url, db) = database_with_imported_users("web_admin_undo_race", 2_000);
    let (first, second) = (serve(&url), serve(&url));
    let admin = browser(&first);
    logged_in(&admin);
    let on_second = same_browser_on(&admin, &second);
    let undo = "/imports/1/undo";
    let token = csrf_token(&admin.page(undo).1);
    let barrier = std::sync::Barrier::new(2);
    let statuses: Vec<u16> = std::thread::scope(|scope| {
        let undoing = [&admin, &on_second].map(|app| {
            let (barrier, token) = (&barrier, &token);
            scope.spawn(move || {
                barrier.wait();
                app.client
                    .post(app.url(undo))
                    .form(&[("csrf_token", token.as_str()), ("expected", "2000")])
                    .send()
                    .unwrap()
                    .status()
                    .as_u16()
            })
        });
        undoing.map(|t| t.join().unwrap()).to_vec()
    });
    let mut sorted = statuses.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        [303, 409],
        "one undoes, the other is told: {statuses:?}"
    );
    let mut client = pg.client(&db);
    assert_eq!(usernames(&mut client), ["boss"]);
    assert_eq!(
        audit_entries(&mut client, "action = 'import_undone'").len(),
        1,
        "audited once"
    );
}

#[test]
fn an_import_into_a_custom_user_model_is_undone_on_postgresql() {
    let pg = cluster();
    let db = new_database("web_admin_undo_named");
    pg.client(&db)
        .batch_execute(include_str!(
            "../../fixtures/django/named_user_project_postgres.sql"
        ))
        .unwrap();
    // A new connection: the dump's script empties its session's search_path.
    let mut client = pg.client(&db);
    let url = pg.url(&db, "?sslmode=disable");
    let model = ("ROSTER_USER_MODEL", "accounts.User");
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("team.csv");
    std::fs::write(
        &csv,
        format!(
            "{HEADER}\nAda;Lovelace;ada@example.com;ada;;;Ada-Pw-2026-long\n\
             Bob;Builder;bob@example.com;bob;;;Bob-Pw-2026-long\n"
        ),
    )
    .unwrap();
    let out = roster_pg(&url, &["import", csv.to_str().unwrap()], &[model]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = roster_pg(
        &url,
        &[
            "createsuperuser",
            "--noinput",
            "--username",
            "chief",
            "--email",
            "chief@example.com",
        ],
        &[model, ("ROSTER_SUPERUSER_PASSWORD", ADMIN_PASSWORD)],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let server = start_server_with(Path::new(&url), &[("ROSTER_SECRET_KEY", SECRET_KEY), model]);
    let admin = browser(&server);
    admin.login("chief", ADMIN_PASSWORD);
    let import_id: i64 = client
        .query_one("SELECT id FROM roster_import", &[])
        .unwrap()
        .get(0);
    let undo = format!("/imports/{import_id}/undo");

    // Bob renamed in Django; an item of the project's own app owned by Ada.
    client
        .batch_execute(
            "UPDATE accounts_user SET name = 'Robert Builder' WHERE username = 'bob'; \
             INSERT INTO inventory_item (name, owner_id) \
             SELECT 'desk', id FROM accounts_user WHERE username = 'ada';",
        )
        .unwrap();
    let (code, page) = admin.page(&undo);
    assert_eq!(code, 200, "{page}{}", server.log());
    assert!(
        select_text(&page, "#undo-blockers tbody")
            .unwrap()
            .contains("adainventory_itemowner_id1"),
        "{page}"
    );
    assert!(
        select_text(&page, "#undo-kept")
            .unwrap()
            .contains("bob: changed after the import"),
        "{page}"
    );
    let res = admin.post_form(&undo, &undo, &[("expected", "1")]);
    assert_eq!(res.status().as_u16(), 409);

    client
        .batch_execute("DELETE FROM inventory_item WHERE name = 'desk'")
        .unwrap();
    let res = admin.post_form(&undo, &undo, &[("expected", "1")]);
    assert_eq!(
        res.status().as_u16(),
        303,
        "{}",
        res.text().unwrap_or_default()
    );
    let left: Vec<String> = client
        .query("SELECT username FROM accounts_user ORDER BY username", &[])
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect();
    assert_eq!(left, ["bob", "boss", "carol", "chief"]);
    let links: i64 = client
        .query_one(
            "SELECT COUNT(*) FROM accounts_user_groups l LEFT JOIN accounts_user u \
             ON u.id = l.user_id WHERE u.id IS NULL",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(links, 0, "no group link names a removed user");
    assert_eq!(count(&mut client, "roster_user_profile"), 1, "bob's");
}

/// Times the undo page of a 10,000-user import (run by hand: `--ignored --nocapture`).
#[test]
#[ignore]
fn measure_the_undo_page_of_ten_thousand_users() {
    let pg = cluster();
    let (url, db) = database_with_imported_users("web_admin_undo_measure", 10_000);
    let server = serve(&url);
    let admin = browser(&server);
    logged_in(&admin);
    let mut times = Vec::new();
    for _ in 0..5 {
        let started = std::time::Instant::now();
        let (code, page) = admin.page("/imports/1/undo");
        times.push(started.elapsed());
        assert_eq!(code, 200);
        assert!(page.contains("removes 10000 user(s)") || page.contains("10000"));
    }
    times.sort();
    println!("undo page, 10,000 users: median {:?}", times[2]);
    let started = std::time::Instant::now();
    let res = admin.post_form(
        "/imports/1/undo",
        "/imports/1/undo",
        &[("expected", "10000")],
    );
    println!(
        "undo of 10,000 users: {:?} ({})",
        started.elapsed(),
        res.status()
    );
    assert_eq!(usernames(&mut pg.client(&db)), ["boss"]);
}
