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
    let title: String = app
        .db()
        .query_row(
            "SELECT job_title FROM roster_user_profile p JOIN auth_user u ON u.id = p.user_id \
             WHERE u.username = 'lbak'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(title, "Head\nof IT", "the line break in the cell is kept");
    let (_, upload) = app.page("/users/import");
    assert!(
        upload.contains(".xlsx") && upload.contains(".ods"),
        "the picker offers them"
    );
}

#[test]
fn a_spreadsheet_date_is_refused_naming_the_cell_on_the_web_and_over_the_api() {
    let app = spawn_app();
    app.login_admin();
    let (_, code, html) = app.upload_and_preview("dates.xlsx", &fixture("libreoffice_dates.xlsx"));
    assert_eq!(code, 422);
    assert!(html.contains("Cell D3"), "{html}");

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
    assert_eq!(res.status().as_u16(), 400);
    let body: serde_json::Value = res.json().unwrap();
    assert_eq!(body["errors"][0]["code"], "spreadsheet_date");
    let res = send(
        "libreoffice_errors.ods",
        "application/vnd.oasis.opendocument.spreadsheet",
    );
    assert_eq!(res.status().as_u16(), 200);
    let body: serde_json::Value = res.json().unwrap();
    assert_eq!(body["errors"][0]["line"], 2);
    assert_eq!(body["errors"][0]["code"], "spreadsheet_error_value");
}
