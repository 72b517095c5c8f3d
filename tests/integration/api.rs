//! The import API through a script's eyes: multipart and text/csv bodies, dry runs, failed rows,
//! rejected files, mail gating and limits; tokens and their audit trail are in api/tokens.rs.

use std::time::Duration;

use reqwest::blocking::{Client, Response, multipart};
use roster::config::SecretKeySource;
use roster::mail::TlsMode;
use serde_json::Value;
use sha2::Digest;

use crate::helpers::*;
use crate::smtp_server::{SmtpMode, TestSmtp, extract_link};

mod tokens;

const IMPORT: &str = "/api/users/import";

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `roster token create NAME` against the app's database; returns the token from stdout.
fn cli_token(app: &TestApp, name: &str) -> String {
    let out = roster(&app.db_path, &["token", "create", name]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert_eq!(
        stdout.lines().count(),
        1,
        "only the token on stdout: {stdout}"
    );
    stdout.trim_end().to_string()
}

/// A client without a cookie jar, like a script.
fn script() -> Client {
    Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// POSTs `csv` as a `text/csv` body with an optional bearer token.
fn post_csv(app: &TestApp, token: Option<&str>, query: &str, csv: &str) -> Response {
    let mut req = script()
        .post(app.url(&format!("{IMPORT}{query}")))
        .header("Content-Type", "text/csv; charset=utf-8")
        .body(csv.to_string());
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    req.send().expect("POST text/csv")
}

/// POSTs `csv` as the multipart field `file`.
fn post_multipart(
    app: &TestApp,
    token: &str,
    query: &str,
    file_name: &str,
    csv: &[u8],
) -> Response {
    let part = multipart::Part::bytes(csv.to_vec())
        .file_name(file_name.to_string())
        .mime_str("text/csv")
        .expect("mime");
    script()
        .post(app.url(&format!("{IMPORT}{query}")))
        .bearer_auth(token)
        .multipart(multipart::Form::new().part("file", part))
        .send()
        .expect("POST multipart")
}

fn json(res: Response) -> (u16, Value) {
    let status = res.status().as_u16();
    let body = res.text().expect("body");
    let value = serde_json::from_str(&body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"));
    (status, value)
}

fn one_user(username: &str, password: &str) -> String {
    format!("{HEADER}\nFirst;Last;{username}@example.com;{username};;Tester;{password}\n")
}

fn password_of(app: &TestApp, username: &str) -> String {
    app.sql_text(&format!(
        "SELECT password FROM auth_user WHERE username = '{username}'"
    ))
    .expect("user exists")
}

/// Creates a token on the /tokens page; returns (token, the creation page).
fn ui_token(app: &TestApp, name: &str) -> (String, String) {
    let res = app.post_form("/tokens", "/tokens", &[("name", name)]);
    assert_eq!(
        res.status().as_u16(),
        200,
        "the new token is shown, not redirected to"
    );
    let html = res.text().unwrap();
    let token = select_text(&html, "#new-token").expect("the new token on the page");
    assert!(html.contains("Copy it now"), "warns that it is shown once");
    (token, html)
}

fn stored_hash(app: &TestApp, name: &str) -> String {
    app.sql_text(&format!(
        "SELECT token_hash FROM roster_api_token WHERE name = '{name}'"
    ))
    .expect("token row")
}

fn audit_rows(app: &TestApp) -> Vec<(String, String, String, String)> {
    app.sql_rows(
        "SELECT actor, action, target, detail || ' ' || client FROM roster_audit ORDER BY id",
    )
    .into_iter()
    .map(|row| {
        let [actor, action, target, detail]: [Option<String>; 4] =
            row.try_into().expect("four columns");
        let text = |value: Option<String>| value.expect("not NULL");
        (text(actor), text(action), text(target), text(detail))
    })
    .collect()
}

fn user_missing(app: &TestApp, username: &str) -> bool {
    app.sql_i64(&format!(
        "SELECT COUNT(*) FROM auth_user WHERE username = '{username}'"
    )) == 0
}

#[test]
fn multipart_and_text_csv_bodies_both_import() {
    let app = spawn_app();
    let token = cli_token(&app, "both");
    let (status, body) = json(post_multipart(
        &app,
        &token,
        "",
        "team.csv",
        one_user("multi", "Pw-multi-123!").as_bytes(),
    ));
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        serde_json::json!({"created": 1, "failed": 0, "errors": []})
    );
    let (status, body) = json(post_csv(
        &app,
        Some(&token),
        "",
        &one_user("plain", "Pw-plain-123!"),
    ));
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["created"], 1);
    for user in ["multi", "plain"] {
        assert!(
            password_of(&app, user).starts_with("pbkdf2_sha256$1000$"),
            "{user} has a Django hash"
        );
    }
    let imports = app.sql_rows(
        "SELECT source, actor, actor_user_id, file_name, created FROM roster_import ORDER BY id",
    );
    let row = |file: &str| {
        vec![
            Some("api".to_string()),
            Some("api:both".to_string()),
            None,
            Some(file.to_string()),
            Some("1".to_string()),
        ]
    };
    assert_eq!(imports, vec![row("team.csv"), row("api-upload.csv")]);
}

#[test]
fn dry_run_reports_and_creates_nothing() {
    let app = spawn_app();
    let token = cli_token(&app, "dry");
    let before = app.user_count();
    let csv = format!(
        "{HEADER}\nA;B;a@example.com;dry.a;;;Pw-a-12345!\nC;D;not-an-email;dry.c;;;Pw-c-12345!\n"
    );
    let (status, body) = json(post_csv(&app, Some(&token), "?dry_run=true", &csv));
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["created"], 1, "what would be created");
    assert_eq!(body["failed"], 1);
    assert_eq!(body["errors"][0]["code"], "invalid_email");
    assert_eq!(app.user_count(), before, "a dry run writes no user");
    let imports = app.sql_i64("SELECT COUNT(*) FROM roster_import");
    assert_eq!(imports, 0, "and records no import");

    let (status, body) = json(post_csv(&app, Some(&token), "?dry_run=maybe", &csv));
    assert_eq!(status, 400, "unclear flags are refused: {body}");
    assert_eq!(app.user_count(), before);
}

#[test]
fn failed_rows_are_reported_with_200() {
    let app = spawn_app();
    let token = cli_token(&app, "rows");
    let csv = format!(
        "{HEADER}\nGood;Row;good@example.com;good;;;Pw-good-123!\nBad;Row;not-an-email;bad;;;Pw-bad-1234!\n"
    );
    let (status, body) = json(post_csv(&app, Some(&token), "", &csv));
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["created"], 1);
    assert_eq!(body["failed"], 1);
    let error = &body["errors"][0];
    assert_eq!(error["line"], 3);
    assert_eq!(error["username"], "bad");
    assert_eq!(error["code"], "invalid_email");
    assert_eq!(error["column"], "email");
    assert!(
        !body.to_string().contains("Pw-bad-1234!"),
        "no password in the answer"
    );
    assert!(!user_missing(&app, "good"));
    assert!(user_missing(&app, "bad"));
}

#[test]
fn a_rejected_file_is_400_with_a_null_line() {
    let app = spawn_app();
    let token = cli_token(&app, "rejects");
    let before = app.user_count();
    let csv = "first_name,last_name,email,username,notes\nA,B,a@example.com,a,x\n";
    let (status, body) = json(post_csv(&app, Some(&token), "", csv));
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["created"], 0);
    assert_eq!(body["errors"][0]["line"], Value::Null);
    assert_eq!(body["errors"][0]["code"], "wrong_delimiter");
    let (status, body) = json(post_multipart(&app, &token, "", "c.csv", csv.as_bytes()));
    assert_eq!(status, 400);
    assert_eq!(body["errors"][0]["code"], "wrong_delimiter");
    assert_eq!(app.user_count(), before);
}

#[test]
fn passwordless_rows_need_mail_unless_allowed() {
    let app = spawn_app();
    let token = cli_token(&app, "nomail");
    let csv = format!("{HEADER}\nNo;Pass;nopass@example.com;nopass;;;\n");
    let (status, body) = json(post_csv(&app, Some(&token), "", &csv));
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["created"], 0);
    assert_eq!(body["errors"][0]["code"], "mail_server_unavailable");
    assert!(user_missing(&app, "nopass"));

    let (status, body) = json(post_csv(
        &app,
        Some(&token),
        "?allow_without_mail=true&dry_run=true",
        &csv,
    ));
    assert_eq!(status, 200);
    assert_eq!(body["created"], 1, "a dry run honours the choice: {body}");
    assert!(user_missing(&app, "nopass"));

    let (status, body) = json(post_csv(
        &app,
        Some(&token),
        "?allow_without_mail=true",
        &csv,
    ));
    assert_eq!(status, 200);
    assert_eq!(body["created"], 1, "{body}");
    assert!(
        password_of(&app, "nopass").starts_with('!'),
        "unusable password"
    );
    let recorded = app.sql_rows(
        "SELECT mail_check, allowed_without_mail FROM roster_import ORDER BY id DESC LIMIT 1",
    );
    let [check, allowed]: [Option<String>; 2] = recorded[0].clone().try_into().unwrap();
    assert_ne!(check.expect("a mail check"), "ok");
    assert_eq!(
        allowed.as_deref(),
        Some("1"),
        "the choice is recorded with the import"
    );
}

#[test]
fn invite_mails_each_passwordless_user_after_the_import() {
    let smtp = TestSmtp::start(SmtpMode::StartTls, Some(("mailer", "mail-pass")));
    let settings = smtp.settings(TlsMode::StartTls, Some(("mailer", "mail-pass")));
    let app = spawn_app_configured(seed_admin, move |config| {
        config.mail = settings;
        config.accounts.base_url = "http://roster.test".to_string();
        config.accounts.secret_key =
            SecretKeySource::Given("api-test-secret-key-0123456789abcdefghijklmnop".to_string());
    });
    let token = cli_token(&app, "inviter");
    let csv = format!("{HEADER}\nIn;Vited;invited@example.com;invited;;;\n");
    let (status, body) = json(post_csv(&app, Some(&token), "?invite=true", &csv));
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["created"], 1);
    let mails = smtp.wait_for_messages(1, Duration::from_secs(10));
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].to, vec!["invited@example.com".to_string()]);
    assert!(extract_link(&mails[0], "http://roster.test/reset/").is_some());
}

#[test]
fn the_api_ignores_cookies_and_csrf() {
    let app = spawn_app();
    let token = cli_token(&app, "cookieless");
    app.login_admin();

    // The admin's browser (session + CSRF cookies) without a bearer token is not authorized.
    let res = app
        .client
        .post(app.url(IMPORT))
        .header("Content-Type", "text/csv")
        .body(one_user("viacookie", "Pw-cookie-12!"))
        .send()
        .unwrap();
    let (status, body) = json(res);
    assert_eq!(status, 401, "cookies do not authorize the API: {body}");
    assert!(user_missing(&app, "viacookie"));

    // A script with a token and no CSRF token or cookie at all is.
    let res = post_csv(&app, Some(&token), "", &one_user("script", "Pw-script-12!"));
    assert!(
        res.headers().get_all("set-cookie").iter().next().is_none(),
        "the API sets no cookie"
    );
    let (status, body) = json(res);
    assert_eq!(status, 200, "{body}");
    assert!(!user_missing(&app, "script"));
}

#[test]
fn oversized_bodies_get_a_json_413() {
    let app = spawn_app();
    let token = cli_token(&app, "big");
    let mut big = one_user("big", "Pw-big-12345!");
    while big.len() <= 300 * 1024 {
        big.push_str("Fill;Er;filler@example.com;filler;;;Pw-filler-1!\n");
    }
    let (status, body) = json(post_csv(&app, Some(&token), "", &big));
    assert_eq!(status, 413, "{body}");
    assert!(body["error"].as_str().unwrap().contains("larger than"));
    let (status, body) = json(post_multipart(&app, &token, "", "big.csv", big.as_bytes()));
    assert_eq!(status, 413, "{body}");
    assert!(body["error"].as_str().unwrap().contains("larger than"));
    assert!(user_missing(&app, "big"));

    let res = script()
        .post(app.url(IMPORT))
        .bearer_auth(&token)
        .header("Content-Type", "application/json")
        .body("{}")
        .send()
        .unwrap();
    let (status, body) = json(res);
    assert_eq!(status, 415, "{body}");
}
