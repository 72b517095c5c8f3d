//! The import flow through the browser's eyes: upload, preview, import, result, error report.

use crate::helpers::*;

fn mixed_csv() -> String {
    format!(
        "{HEADER}\r\n\
         Ada;Lovelace;ada@example.com;ada;Sales;Analyst;pw-ada-secret\r\n\
         Bob;Bad;not-an-email;bob;;;pw-bob-secret\r\n\
         Cy;Nopass;cy@example.com;cy;;;\r\n\
         Dee;Dupe;DEE@example.com;ADA;;;\r\n\
         Eve;Unit;eve@example.com;eve;Nowhere;;\r\n"
    )
}

fn add_ou(app: &TestApp, name: &str) {
    let res = app.post_form("/ous", "/ous", &[("name", name)]);
    assert_eq!(res.status().as_u16(), 303, "create OU {name}");
}

#[test]
fn upload_preview_import_and_error_report() {
    let app = spawn_app();
    app.login_admin();
    add_ou(&app, "Sales");
    let (_, import_page) = app.page("/users/import");
    assert_eq!(
        select_attr(&import_page, "form#upload-form", "enctype").as_deref(),
        Some("multipart/form-data")
    );
    assert!(import_page.contains("Upload file") && import_page.contains("Upload different file"));

    let before = app.user_count();
    let (preview, status, html) = app.upload_and_preview("team.csv", mixed_csv().as_bytes());
    assert_eq!(status, 200);
    assert_eq!(app.user_count(), before, "the preview writes nothing");
    assert_eq!(select_text(&html, "#rows-total").as_deref(), Some("5"));
    // Mail is not configured in this test, so Cy (no password) is held back unless the admin insists.
    assert_eq!(select_text(&html, "#rows-create").as_deref(), Some("1"));
    assert_eq!(select_text(&html, "#rows-failed").as_deref(), Some("4"));
    assert_eq!(
        select_text(&html, "#rows-passwordless").as_deref(),
        Some("1"),
        "the valid rows without a password, as the notice counts them (not the failed ones)"
    );
    assert!(
        select_text(&html, "#mail-check")
            .unwrap()
            .contains("not configured")
    );
    for code in [
        "invalid_email",
        "duplicate_in_file",
        "unknown_organizational_unit",
        "mail_server_unavailable",
    ] {
        assert!(html.contains(code), "preview shows {code}");
    }
    assert_eq!(
        html.matches("<tr class=\"error\">").count(),
        4,
        "failed rows highlighted"
    );
    assert!(html.contains("name=\"allow_without_mail\""));
    assert!(
        !html.contains("pw-ada-secret") && !html.contains("pw-bob-secret"),
        "no password on the page"
    );

    let result = app.commit_with(&preview, &[("allow_without_mail", "1")]);
    assert!(result.starts_with("/imports/"));
    let (status, html) = app.page(&result);
    assert_eq!(status, 200);
    assert_eq!(select_text(&html, "#created").as_deref(), Some("2"));
    assert_eq!(select_text(&html, "#failed").as_deref(), Some("3"));
    assert!(html.contains("not-an-email") && html.contains("Download error report"));
    assert_eq!(app.user_count(), before + 2);

    let ada = app.sql_rows(
        "SELECT u.is_staff, u.is_superuser, u.is_active, g.name, ou.name, p.job_title, u.password FROM auth_user u \
         JOIN auth_user_groups ug ON ug.user_id = u.id JOIN auth_group g ON g.id = ug.group_id \
         JOIN roster_user_profile p ON p.user_id = u.id JOIN roster_organizational_unit ou ON ou.id = p.organizational_unit_id \
         WHERE u.username = 'ada'",
    );
    let [staff, superuser, active, group, ou, title, password]: [String; 7] = ada[0]
        .iter()
        .map(|value| value.clone().expect("not NULL"))
        .collect::<Vec<_>>()
        .try_into()
        .unwrap();
    assert_eq!(
        (staff, superuser, active),
        ("0".into(), "0".into(), "1".into())
    );
    assert_eq!(
        (group.as_str(), ou.as_str(), title.as_str()),
        ("Default User", "Sales", "Analyst")
    );
    assert!(password.starts_with("pbkdf2_sha256$1000$"));
    assert!(
        roster::auth::hashers::check_password("pw-ada-secret", &password, TEST_ITERATIONS)
            == roster::auth::hashers::PasswordCheck::Correct { must_update: false }
    );
    let cy = app
        .sql_text("SELECT password FROM auth_user WHERE username = 'cy'")
        .expect("cy");
    assert!(
        cy.starts_with('!') && cy.len() == 41,
        "unusable password, never empty"
    );

    let report = app.get(&format!("{result}/errors.csv"));
    assert_eq!(report.status().as_u16(), 200);
    assert!(
        report.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("attachment")
    );
    let body = report.text().unwrap();
    let body = body.trim_start_matches('\u{feff}');
    let mut lines = body.lines();
    assert_eq!(lines.next(), Some(format!("{HEADER};error;note").as_str()));
    assert_eq!(
        body.lines().count(),
        4,
        "header plus three failed rows: {body}"
    );
    assert!(
        body.contains("invalid_email") && body.contains("line 3"),
        "{body}"
    );
    assert!(
        !body.contains("pw-bob-secret"),
        "no password in the error report"
    );
    let notes: Vec<&str> = body
        .lines()
        .filter(|line| line.contains("This row had a password"))
        .collect();
    assert_eq!(notes.len(), 1, "only Bob had a password: {body}");
    assert!(notes[0].starts_with("Bob;"), "{body}");

    // The report is itself importable: its error column is ignored.
    let (_, status, html) = app.upload_and_preview("errors.csv", body.as_bytes());
    assert_eq!(status, 200, "{html}");
    assert_eq!(select_text(&html, "#rows-total").as_deref(), Some("3"));
}

#[test]
fn reimporting_a_file_never_duplicates_users() {
    let app = spawn_app();
    app.login_admin();
    let csv = format!(
        "{HEADER}\nAl;One;al@example.com;al;;;pw-al\nBea;Two;bea@example.com;bea;;;secret-b\n"
    );
    let (preview, _, _) = app.upload_and_preview("a.csv", csv.as_bytes());
    app.commit(&preview);
    let after_first = app.user_count();
    let (preview, _, html) = app.upload_and_preview("a.csv", csv.as_bytes());
    assert_eq!(select_text(&html, "#rows-create").as_deref(), Some("0"));
    assert!(html.contains("duplicate_username"));
    assert!(
        !html.contains("/commit"),
        "nothing to import, no Import button"
    );
    let res = app.post_form(&preview, &format!("{preview}/commit"), &[]);
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(app.user_count(), after_first);
}

#[test]
fn a_rejected_file_explains_itself_and_offers_another_upload() {
    let app = spawn_app();
    app.login_admin();
    let comma = "first_name,last_name,email,username,notes\nA,B,a@example.com,a,x\n";
    let (_, status, html) = app.upload_and_preview("comma.csv", comma.as_bytes());
    assert_eq!(status, 422);
    assert!(html.contains("comma-delimited"));
    assert!(html.contains("Upload different file"));
    assert!(!html.contains("/commit"));

    let windows = b"first_name;last_name;email;username\nJos\xE9;P;j@example.com;jose\n";
    let (_, status, html) = app.upload_and_preview("excel.csv", windows);
    assert_eq!(status, 422);
    assert!(html.contains("Windows-1252") && html.contains("CSV UTF-8"));
    assert_eq!(app.user_count(), 1);
}

#[test]
fn a_preview_is_imported_at_most_once() {
    let app = spawn_app();
    app.login_admin();
    let csv = format!("{HEADER}\nAl;One;al@example.com;al;;;pw-al\n");
    let (preview, _, _) = app.upload_and_preview("a.csv", csv.as_bytes());
    app.commit(&preview);
    let res = app.post_form("/users", &format!("{preview}/commit"), &[]);
    assert_eq!(res.status().as_u16(), 404);
    assert!(res.text().unwrap().contains("Upload the file again"));
}

#[test]
fn another_admin_cannot_open_my_preview() {
    let app = spawn_app();
    app.login_admin();
    let csv = format!("{HEADER}\nAl;One;al@example.com;al;;;pw-al\n");
    let (preview, _, _) = app.upload_and_preview("a.csv", csv.as_bytes());
    let hash = roster::auth::hashers::make_password("other-admin-pw", TEST_ITERATIONS);
    crate::web_security::insert_admin(&app, "other", &hash);
    let other = app.second_browser();
    other.login("other", "other-admin-pw");
    assert_eq!(other.get(&preview).status().as_u16(), 404);
    assert_eq!(
        app.get(&preview).status().as_u16(),
        200,
        "still there for its owner"
    );
}

#[test]
fn oversized_uploads_get_a_clear_413() {
    let app = spawn_app();
    app.login_admin();
    let big = vec![b'a'; 300 * 1024];
    let res = app.upload("big.csv", &big);
    assert_eq!(res.status().as_u16(), 413);
    assert!(res.text().unwrap().contains("larger than"));
}

#[test]
fn sample_csv_is_the_repository_file_and_imports_cleanly() {
    let app = spawn_app();
    app.login_admin();
    let res = app.get("/users/import/sample.csv");
    assert_eq!(res.status().as_u16(), 200);
    let body = res.text().unwrap();
    assert_eq!(body, include_str!("../../sample.csv"));
    let (preview, _, html) = app.upload_and_preview("sample.csv", body.as_bytes());
    assert_eq!(
        select_text(&html, "#rows-failed").as_deref(),
        Some("1"),
        "mail is not configured here"
    );
    assert!(html.contains("mail_server_unavailable") && html.contains("not configured"));
    let result = app.commit_with(&preview, &[("allow_without_mail", "1")]);
    let (_, html) = app.page(&result);
    assert_eq!(select_text(&html, "#created").as_deref(), Some("2"));
    assert_eq!(select_text(&html, "#failed").as_deref(), Some("0"));
    assert!(html.contains("chose to import users without a password anyway"));
}

#[test]
fn organizational_units_are_listed_and_unique_without_case() {
    let app = spawn_app();
    app.login_admin();
    add_ou(&app, "Field Service");
    let res = app.post_form("/ous", "/ous", &[("name", "field service")]);
    assert_eq!(res.status().as_u16(), 422);
    assert!(res.text().unwrap().contains("already exists"));
    let (_, html) = app.page("/ous");
    assert!(html.contains("Field Service"));
}

#[test]
fn hostile_values_are_escaped_in_pages() {
    let app = spawn_app();
    app.login_admin();
    let csv = format!(
        "{HEADER}\n<script>alert(1)</script>;=HYPERLINK(\"http://x\");x@example.com;xss;;;\n"
    );
    let (preview, _, html) = app.upload_and_preview("<b>evil</b>.csv", csv.as_bytes());
    assert!(!html.contains("<script>alert(1)"), "values are escaped");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!html.contains("<b>evil</b>"));
    let result = app.commit(&preview);
    let (_, html) = app.page("/users");
    assert!(!html.contains("<script>alert(1)"));
    assert!(result.starts_with("/imports/"));
}

#[test]
fn the_error_report_keeps_a_malformed_rows_text_when_the_file_has_no_password_column() {
    let app = spawn_app();
    app.login_admin();
    let csv = "first_name;last_name;email;username;organizational_unit;job_title\n\
               Ada;Lovelace;ada@example.com;ada;;\n\
               Eve;Extra;eve@example.com;eve;Sales;Clerk;surplus\n";
    let (preview, _, _) = app.upload_and_preview("no-passwords.csv", csv.as_bytes());
    let result = app.commit_with(&preview, &[("allow_without_mail", "1")]);
    let report = app.get(&format!("{result}/errors.csv")).text().unwrap();
    assert!(
        report.contains("Eve;Extra;eve@example.com;eve;Sales;Clerk;;\"line 3: malformed_row"),
        "the malformed row's cells are kept: {report}"
    );
}

#[test]
fn a_preview_with_nothing_to_create_offers_no_import_button() {
    let app = spawn_app();
    app.login_admin();
    let csv = format!("{HEADER}\nBad;Row;not-an-email;bad;;;Pw-bad-horse-1\n");
    let (_, _, html) = app.upload_and_preview("bad.csv", csv.as_bytes());
    assert!(!html.contains("/commit\""), "no Import button: {html}");
    assert!(html.contains("No row can be imported"));

    // Only rows held back for the mail check: the button works once "Import anyway" is ticked.
    let csv = format!("{HEADER}\nNo;Password;nopw@example.com;nopw;;;\n");
    let (_, _, html) = app.upload_and_preview("nopw.csv", csv.as_bytes());
    assert_eq!(
        select_text(&html, "form[action$='/commit'] button").as_deref(),
        Some("Import 1 user anyway")
    );
    assert!(
        select_attr(&html, "input[name=allow_without_mail]", "required").is_some(),
        "the box must be ticked"
    );
    assert_eq!(
        select_text(&html, "#rows-passwordless").as_deref(),
        Some("1")
    );
}
