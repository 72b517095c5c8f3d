//! Spreadsheets saved by real LibreOffice (XLSX and ODS) through the web upload and the API: the
//! same preview, rows named by sheet row, and damaged cells refused.

use crate::helpers::*;

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/csv/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(path).expect("fixture")
}

#[test]
fn an_xlsx_and_an_ods_upload_preview_and_import_like_a_csv() {
    let app = spawn_app();
    app.login_admin();
    for (file, extra) in [
        ("libreoffice_users.xlsx", ""),
        ("libreoffice_users.ods", "2"),
    ] {
        let (preview, code, html) = app.upload_and_preview(file, &fixture(file));
        assert_eq!(code, 200, "{html}");
        assert!(html.contains("Łukasz") && html.contains("山田"), "{html}");
        if extra.is_empty() {
            let result = app.commit_with(&preview, &[("allow_without_mail", "1")]);
            let (_, page) = app.page(&result);
            assert_eq!(
                select_text(&page, "#failed").as_deref(),
                Some("0"),
                "{page}"
            );
        }
    }
    let title = app
        .sql_text(
            "SELECT job_title FROM roster_user_profile p JOIN auth_user u ON u.id = p.user_id \
             WHERE u.username = 'lbak'",
        )
        .expect("lbak's profile");
    assert_eq!(title, "Head\nof IT", "the line break in the cell is kept");
    let (_, upload) = app.page("/users/import");
    assert!(
        upload.contains(".xlsx") && upload.contains(".ods"),
        "the picker offers them"
    );
}

#[test]
fn a_spreadsheet_date_fails_its_row_naming_the_cell_on_the_web_and_over_the_api() {
    let app = spawn_app();
    app.login_admin();
    let (_, code, html) = app.upload_and_preview("dates.xlsx", &fixture("libreoffice_dates.xlsx"));
    assert_eq!(code, 200, "the other rows can still be imported: {html}");
    assert!(html.contains("Cell D3 (username) holds a date"), "{html}");

    let out = roster(&app.db_path, &["token", "create", "sheets"]);
    assert!(out.status.success());
    let token = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let send = |name: &str, media: &str| {
        reqwest::blocking::Client::new()
            .post(app.url("/api/users/import?dry_run=true&allow_without_mail=true"))
            .bearer_auth(&token)
            .header("Content-Type", media)
            .body(fixture(name))
            .send()
            .expect("POST")
    };
    let xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    let res = send("libreoffice_dates.xlsx", xlsx);
    assert_eq!(res.status().as_u16(), 200);
    let body: serde_json::Value = res.json().unwrap();
    assert_eq!(body["errors"][0]["code"], "spreadsheet_date");
    assert_eq!(body["errors"][0]["line"], 3);
    assert_eq!(body["errors"][0]["column"], "username");
    let res = send(
        "libreoffice_errors.ods",
        "application/vnd.oasis.opendocument.spreadsheet",
    );
    assert_eq!(res.status().as_u16(), 200);
    let body: serde_json::Value = res.json().unwrap();
    assert_eq!(body["errors"][0]["line"], 2);
    assert_eq!(body["errors"][0]["code"], "spreadsheet_error_value");
}

#[test]
fn typed_cells_of_a_library_written_workbook_fail_their_rows_and_never_show_the_password() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("roster.sqlite3");
    let file = dir.path().join("typed.xlsx");
    std::fs::write(&file, fixture("library_typed_cells.xlsx")).unwrap();
    let report = dir.path().join("errors.csv");
    let out = roster(
        &db,
        &[
            "import",
            file.to_str().unwrap(),
            "--json",
            "--allow-without-mail",
            "--error-report",
            report.to_str().unwrap(),
        ],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    let body: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
    let failed: Vec<(u64, &str)> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["line"].as_u64().unwrap(), e["code"].as_str().unwrap()))
        .collect();
    assert_eq!(
        failed,
        [
            (4, "leading_zeros_lost"),
            (5, "spreadsheet_date"),
            (6, "spreadsheet_boolean"),
            (7, "number_digits_lost"),
            (9, "spreadsheet_error_value"),
            (10, "spreadsheet_date"),
        ]
    );
    let report = std::fs::read_to_string(&report).unwrap();
    assert!(
        report.contains("Cy;Do;cy@example.com;2024-03-04"),
        "{report}"
    );
    let password_row = report.lines().find(|l| l.starts_with("Hu;")).unwrap();
    assert!(
        !password_row.contains("2024") && !password_row.contains("45355"),
        "{password_row}"
    );
    let password_error = body["errors"][5].to_string();
    assert!(
        !password_error.contains("2024") && !password_error.contains("45355"),
        "{password_error}"
    );
    let conn = rusqlite::Connection::open(&db).unwrap();
    let mut query = conn
        .prepare("SELECT username FROM auth_user ORDER BY username")
        .unwrap();
    let users: Vec<String> = query
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(users, ["00123", "12345", "20231201123456", "jko"]);
}
