//! Finding 11: CSV and API passwords pass Django's validators like every web form, unless the
//! admin explicitly allows weak ones for an import; that choice lands in the audit log.

use reqwest::blocking::multipart;

use super::*;

/// Two rows Django's validators refuse ("1": short and numeric; "password": common) and one good.
fn weak_csv() -> String {
    format!(
        "{HEADER}\nOne;Digit;one@example.com;onedigit;;;1\nPlain;Word;plain@example.com;plainword;;;password\nGood;Row;good@example.com;goodrow;;;Tall-Maple-Orbit-62\n"
    )
}

/// The audit detail of the newest import (`newest`) or the first.
fn import_audit(conn: &rusqlite::Connection, newest: bool) -> String {
    let order = if newest { "DESC" } else { "ASC" };
    conn.query_row(
        &format!(
            "SELECT detail FROM roster_audit WHERE action = 'import' ORDER BY id {order} LIMIT 1"
        ),
        [],
        |r| r.get(0),
    )
    .expect("an import audit row")
}

fn import_audit_detail(app: &TestApp) -> String {
    app.sql_text("SELECT detail FROM roster_audit WHERE action = 'import' ORDER BY id DESC LIMIT 1")
        .expect("an import audit row")
}

#[test]
fn the_cli_refuses_weak_passwords_unless_allowed_and_audits_the_choice() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("roster.sqlite3");
    let csv = dir.path().join("weak.csv");
    std::fs::write(&csv, weak_csv()).unwrap();

    let out = roster(&db, &["import", csv.to_str().unwrap(), "--json"]);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(3), "some rows failed: {stdout}");
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json["created"], 1);
    let errors = json["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 2);
    for error in errors {
        assert_eq!(error["code"], "weak_password");
        assert_eq!(error["column"], "password");
    }
    assert!(stdout.contains("This password is too common."));
    assert!(stdout.contains("--allow-weak-passwords"));
    assert!(!stdout.contains(";password") && !stdout.contains("\"password\":"));

    let again = dir.path().join("weak-again.csv");
    std::fs::write(
        &again,
        weak_csv()
            .replace("goodrow", "goodrow2")
            .replace("good@", "good2@"),
    )
    .unwrap();
    let out = roster(
        &db,
        &["import", again.to_str().unwrap(), "--allow-weak-passwords"],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let conn = rusqlite::Connection::open(&db).unwrap();
    let detail = import_audit(&conn, true);
    assert!(
        detail.contains("weak passwords allowed by choice"),
        "{detail}"
    );
    let first = import_audit(&conn, false);
    assert!(!first.contains("weak passwords"), "{first}");
}

#[test]
fn the_api_refuses_weak_passwords_unless_the_parameter_allows_them() {
    let app = spawn_app();
    let out = roster(&app.db_path, &["token", "create", "weak"]);
    let token = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let post = |query: &str, csv: String| {
        let part = multipart::Part::bytes(csv.into_bytes())
            .file_name("weak.csv")
            .mime_str("text/csv")
            .unwrap();
        let res = new_client()
            .post(app.url(&format!("/api/users/import{query}")))
            .bearer_auth(&token)
            .multipart(multipart::Form::new().part("file", part))
            .send()
            .unwrap();
        res.json::<serde_json::Value>().unwrap()
    };
    let refused = post("", weak_csv());
    assert_eq!(refused["created"], 1, "{refused}");
    assert_eq!(refused["errors"][0]["code"], "weak_password");
    assert!(app.sql_i64("SELECT COUNT(*) FROM auth_user WHERE username = 'onedigit'") == 0);

    let allowed = post(
        "?allow_weak_passwords=true",
        weak_csv()
            .replace("goodrow", "goodrow2")
            .replace("good@", "good2@"),
    );
    assert_eq!(allowed["created"], 3, "{allowed}");
    assert!(import_audit_detail(&app).contains("weak passwords allowed by choice"));
}

#[test]
fn the_web_import_refuses_weak_passwords_unless_the_upload_box_is_ticked() {
    let app = spawn_app();
    app.login_admin();
    let (preview, status, html) = app.upload_and_preview("weak.csv", weak_csv().as_bytes());
    assert_eq!(status, 200);
    assert_eq!(select_text(&html, "#rows-create").as_deref(), Some("1"));
    assert!(html.contains("weak_password"));
    assert!(html.contains("Allow weak passwords"));
    assert!(select_text(&html, "#weak-passwords-allowed").is_none());
    app.commit(&preview);
    assert_eq!(app.user_count(), 2, "the admin and the good row");
    assert!(!import_audit_detail(&app).contains("weak passwords"));

    let second = weak_csv()
        .replace("goodrow", "goodrow2")
        .replace("good@", "good2@");
    let res = app.upload_with(
        "weak.csv",
        second.as_bytes(),
        &[("allow_weak_passwords", "1")],
    );
    assert_eq!(res.status().as_u16(), 303);
    let preview = location(&res);
    let (_, html) = app.page(&preview);
    assert_eq!(select_text(&html, "#rows-create").as_deref(), Some("3"));
    assert!(select_text(&html, "#weak-passwords-allowed").is_some());
    app.commit(&preview);
    assert_eq!(app.user_count(), 5);
    assert!(import_audit_detail(&app).contains("weak passwords allowed by choice"));
}
