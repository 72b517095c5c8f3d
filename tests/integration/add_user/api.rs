//! `POST /api/users`: 201 with the user (never the hash), 422 with the row's problem in the import
//! API's error shape, 409 for a duplicate, a bearer token like the import API, `invite: true`.

use std::time::Duration;

use reqwest::blocking::Response;
use roster::mail::TlsMode;
use serde_json::{Value, json};

use super::{STRONG, app_with_mail, mail_down};
use crate::helpers::*;
use crate::smtp_server::{SmtpMode, TestSmtp};

fn token(app: &TestApp) -> String {
    let out = roster(&app.db_path, &["token", "create", "hr-system"]);
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

fn post(app: &TestApp, token: Option<&str>, body: &Value) -> Response {
    let client = reqwest::blocking::Client::new();
    let mut req = client.post(app.url("/api/users")).json(body);
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    req.send().unwrap()
}

fn answer(res: Response) -> (u16, Value) {
    let status = res.status().as_u16();
    let text = res.text().unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}")),
    )
}

#[test]
fn created_refused_and_duplicate_users() {
    let app = spawn_app();
    let token = token(&app);
    assert_eq!(
        roster(&app.db_path, &["ou", "add", "Sales"]).status.code(),
        Some(0)
    );
    let user = json!({
        "username": "api.user", "email": "api.user@example.com", "first_name": "Api",
        "last_name": "User", "unit": "sales", "job_title": "Clerk", "password": STRONG,
    });
    let (status, body) = answer(post(&app, None, &user));
    assert_eq!(status, 401, "{body}");

    let (status, body) = answer(post(&app, Some(&token), &user));
    assert_eq!(status, 201, "{body}");
    let id = app.user_id("api.user");
    assert_eq!(
        body,
        json!({
            "id": id, "username": "api.user", "email": "api.user@example.com", "unit": "Sales",
            "has_usable_password": true, "import_id": body["import_id"], "invitation": "none",
        })
    );
    assert!(!body.to_string().contains("pbkdf2") && !body.to_string().contains(STRONG));
    let actor = app
        .sql_text("SELECT actor FROM roster_audit WHERE action = 'user_added'")
        .expect("an audit entry");
    assert_eq!(actor, "api:hr-system");

    // The same username again (another case): 409 with the import API's error shape.
    let mut again = user.clone();
    again["username"] = json!("API.USER");
    again["email"] = json!("other@example.com");
    let (status, body) = answer(post(&app, Some(&token), &again));
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["created"], 0);
    assert_eq!(body["failed"], 1);
    let error = &body["errors"][0];
    assert_eq!(error["code"], "duplicate_username");
    assert_eq!(error["column"], "username");
    assert_eq!(error["username"], "API.USER");
    assert_eq!(error["line"], 1);

    // A row problem: 422, same shape, never the password.
    let mut bad = user.clone();
    bad["username"] = json!("new.one");
    bad["email"] = json!("no-at-sign");
    let (status, body) = answer(post(&app, Some(&token), &bad));
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["errors"][0]["code"], "invalid_email");
    assert_eq!(body["errors"][0]["column"], "email");
    assert!(!body.to_string().contains(STRONG));

    // A typo in a field name is refused, not dropped; both a password and an invitation too.
    let (status, body) = answer(post(
        &app,
        Some(&token),
        &json!({"username": "x", "emial": "x@example.com"}),
    ));
    assert_eq!(status, 400, "{body}");
    assert!(body["error"].as_str().unwrap().contains("emial"), "{body}");
    let mut both = user.clone();
    both["invite"] = json!(true);
    let (status, _) = answer(post(&app, Some(&token), &both));
    assert_eq!(status, 400);
    assert_eq!(
        app.user_count(),
        2,
        "only the one good request created a user"
    );
}

#[test]
fn invite_mails_the_link_and_mail_down_is_a_422_unless_allowed() {
    let smtp = TestSmtp::start(SmtpMode::StartTls, Some(("mailer", "mail-pass")));
    let app = app_with_mail(smtp.settings(TlsMode::StartTls, Some(("mailer", "mail-pass"))));
    let token = token(&app);
    let invited = json!({
        "username": "invited", "email": "invited@example.com", "first_name": "In",
        "last_name": "Vited", "invite": true,
    });
    let (status, body) = answer(post(&app, Some(&token), &invited));
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["has_usable_password"], false);
    assert_eq!(body["invitation"], "sent");
    assert_eq!(smtp.wait_for_messages(1, Duration::from_secs(10)).len(), 1);

    let down = app_with_mail(mail_down());
    let token = super::api::token(&down);
    let (status, body) = answer(post(&down, Some(&token), &invited));
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["errors"][0]["code"], "mail_server_unavailable");
    let mut anyway = invited.clone();
    anyway["allow_without_mail"] = json!(true);
    let (status, body) = answer(post(&down, Some(&token), &anyway));
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["invitation"], "none");
}
