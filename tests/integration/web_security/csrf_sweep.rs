//! CSRF on every state-changing route: the route table is read from the source, so a new POST
//! route that this list does not know makes the test fail until it is added here (and refused).

use std::collections::BTreeSet;
use std::time::Duration;

use roster::config::SecretKeySource;
use roster::mail::TlsMode;

use super::*;
use crate::smtp_server::{SmtpMode, TestSmtp};

/// A request body.
#[derive(Clone)]
enum Body {
    Form(Vec<(&'static str, String)>),
    Upload,
}

fn form(fields: &[(&'static str, &str)]) -> Body {
    Body::Form(fields.iter().map(|(k, v)| (*k, v.to_string())).collect())
}

/// One state-changing route: its pattern in the route table, a concrete path, a body that would
/// succeed with a valid token, and whether it belongs to the fresh (setup) server.
struct Case {
    pattern: &'static str,
    path: String,
    body: Body,
    on_setup_server: bool,
}

fn case(pattern: &'static str, path: String, body: Body) -> Case {
    Case {
        pattern,
        path,
        body,
        on_setup_server: false,
    }
}

/// The token to send: none, a forged one, or a real token that belongs to another browser.
#[derive(Debug, Clone, Copy)]
enum Forgery {
    Missing,
    Forged,
    OtherBrowsers,
}

fn send(browser: &TestApp, case: &Case, token: Option<&str>) -> Response {
    let url = browser.url(&case.path);
    match &case.body {
        Body::Form(fields) => {
            let mut all: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            if let Some(token) = token {
                all.push(("csrf_token", token));
            }
            browser.client.post(url).form(&all).send().unwrap()
        }
        Body::Upload => {
            let csv = format!("{HEADER}\nMal;Lory;mal@example.com;mal;;;mal-pass-123\n");
            let part = reqwest::blocking::multipart::Part::bytes(csv.into_bytes())
                .file_name("x.csv")
                .mime_str("text/csv")
                .unwrap();
            let mut multipart = reqwest::blocking::multipart::Form::new();
            if let Some(token) = token {
                multipart = multipart.text("csrf_token", token.to_string());
            }
            let multipart = multipart.part("file", part);
            browser
                .client
                .post(url)
                .multipart(multipart)
                .send()
                .unwrap()
        }
    }
}

fn assert_refused(res: Response, what: &str) {
    assert_eq!(res.status().as_u16(), 403, "{what}");
    let body = res.text().unwrap();
    assert!(
        body.contains("Form expired"),
        "{what} refused for CSRF: {body}"
    );
}

#[test]
fn every_state_changing_route_refuses_a_missing_forged_or_foreign_csrf_token() {
    let smtp = TestSmtp::start(SmtpMode::Plain, None);
    let mail = smtp.settings(TlsMode::None, None);
    let app = spawn_app_configured(seed_admin, move |config| {
        config.mail = mail;
        config.accounts.secret_key = SecretKeySource::Given(SECRET.to_string());
    });
    app.login_admin();
    let user = insert_plain_user(&app, "plain");
    assert_eq!(
        app.post_form("/ous", "/ous", &[("name", "Sales")])
            .status()
            .as_u16(),
        303
    );
    let ou = app.sql_i64("SELECT id FROM roster_organizational_unit");
    let csv = format!("{HEADER}\nIvy;Imported;ivy@example.com;ivy;;;ivy-pass-123\n");
    let (preview, status, _) = app.upload_and_preview("team.csv", csv.as_bytes());
    assert_eq!(status, 200);
    let result = app.commit(&preview);
    let (staged, status, _) = app.upload_and_preview("more.csv", csv.as_bytes());
    assert_eq!(status, 200);
    assert_eq!(
        app.post_form("/tokens", "/tokens", &[("name", "ci")])
            .status()
            .as_u16(),
        200
    );
    // The reset cookie of a genuine link, so only the CSRF token is missing on set-password.
    let link = reset_link_path(&app, user);
    assert_eq!(app.get(&link).status().as_u16(), 303);
    let uid = link.split('/').nth(2).unwrap().to_string();

    let fresh = spawn_app_with(migrate);
    let setup_path = fresh.setup_path.clone().expect("setup link");
    assert_eq!(fresh.get(&setup_path).status().as_u16(), 200);

    let (u, i) = (user, result.trim_start_matches("/imports/").to_string());
    let pw = |a: &str| form(&[("new_password1", a), ("new_password2", a)]);
    let mut cases = vec![
        case(
            "/login",
            "/login".into(),
            form(&[("username", ADMIN), ("password", ADMIN_PASSWORD)]),
        ),
        case("/logout", "/logout".into(), form(&[])),
        case(
            "/password-reset",
            "/password-reset".into(),
            form(&[("email", "plain@example.com")]),
        ),
        case(
            "/reset/{uidb64}/set-password/",
            format!("/reset/{uid}/set-password/"),
            pw("N3w-Pa55-word"),
        ),
        case(
            "/mail/test",
            "/mail/test".into(),
            form(&[("address", "x@example.com")]),
        ),
        case(
            "/mail/settings",
            "/mail/settings".into(),
            form(&[
                ("host", "mail.attacker.example"),
                ("port", "25"),
                ("encryption", "none"),
                ("from", "roster@example.com"),
                ("base_url", "https://attacker.example"),
                ("save_anyway", "1"),
                ("action", "save"),
            ]),
        ),
        case(
            "/account/password",
            "/account/password".into(),
            form(&[
                ("old_password", ADMIN_PASSWORD),
                ("new_password1", "N3w-Pa55-word"),
                ("new_password2", "N3w-Pa55-word"),
            ]),
        ),
        case(
            r"/users/{id:\\d+}",
            format!("/users/{u}"),
            form(&[
                ("first_name", "Hacked"),
                ("last_name", "X"),
                ("email", "h@example.com"),
                ("role", "admin"),
                ("active", "1"),
            ]),
        ),
        case(
            r"/users/{id:\\d+}/terminate-sessions",
            format!("/users/{u}/terminate-sessions"),
            form(&[("confirm", "yes")]),
        ),
        case(
            r"/users/{id:\\d+}/send-reset",
            format!("/users/{u}/send-reset"),
            form(&[("confirm", "yes")]),
        ),
        case(
            "/users/send-set-password-link",
            "/users/send-set-password-link?nopw=1".into(),
            form(&[("scope", "filter"), ("confirm", "yes")]),
        ),
        case(
            r"/users/{id:\\d+}/set-password",
            format!("/users/{u}/set-password"),
            form(&[
                ("password1", "N3w-Pa55-word"),
                ("password2", "N3w-Pa55-word"),
            ]),
        ),
        case(
            "/users/new",
            "/users/new".into(),
            form(&[
                ("first_name", "Mal"),
                ("last_name", "Lory"),
                ("email", "mal@example.com"),
                ("username", "mal"),
                ("password_choice", "password"),
                ("password1", "N3w-Pa55-word"),
                ("password2", "N3w-Pa55-word"),
            ]),
        ),
        case("/ous", "/ous".into(), form(&[("name", "Marketing")])),
        case(
            "/ous/{id}/rename",
            format!("/ous/{ou}/rename"),
            form(&[("name", "Field")]),
        ),
        case("/ous/{id}/delete", format!("/ous/{ou}/delete"), form(&[])),
        case(
            "/imports/{id}/undo",
            format!("/imports/{i}/undo"),
            form(&[("expected", "1")]),
        ),
        case(
            "/imports/{id}/resend",
            format!("/imports/{i}/resend"),
            form(&[]),
        ),
        case("/users/import", "/users/import".into(), Body::Upload),
        case(
            "/users/import/preview/{id}/commit",
            format!("{staged}/commit"),
            form(&[]),
        ),
        case("/tokens", "/tokens".into(), form(&[("name", "evil")])),
        case(
            "/tokens/revoke",
            "/tokens/revoke".into(),
            form(&[("name", "ci")]),
        ),
    ];
    cases.push(Case {
        pattern: "/setup/{token}",
        path: setup_path.clone(),
        body: form(&[
            ("username", "mallory"),
            ("email", "m@example.com"),
            ("password", "mallory-pass"),
            ("password2", "mallory-pass"),
        ]),
        on_setup_server: true,
    });

    let api_routes = ["/api/users/import", "/api/users"];
    let listed: BTreeSet<(String, String)> = cases
        .iter()
        .map(|c| c.pattern)
        .chain(api_routes)
        .map(|p| ("POST".to_string(), p.to_string()))
        .collect();
    let changing: BTreeSet<(String, String)> = routes_in_source()
        .into_iter()
        .filter(|(method, _)| method != "GET" && method != "HEAD")
        .collect();
    assert_eq!(
        listed, changing,
        "every state-changing route must be in this CSRF sweep (and no stale ones)"
    );

    let foreign = csrf_token(&app.second_browser().page("/login").1);
    let before = (snapshot(&app), snapshot(&fresh));
    for case in &cases {
        let browser = if case.on_setup_server { &fresh } else { &app };
        for forgery in [Forgery::Missing, Forgery::Forged, Forgery::OtherBrowsers] {
            let token = match forgery {
                Forgery::Missing => None,
                Forgery::Forged => Some("forged"),
                Forgery::OtherBrowsers => Some(foreign.as_str()),
            };
            assert_refused(
                send(browser, case, token),
                &format!("{forgery:?} {}", case.path),
            );
            assert_eq!(
                (snapshot(&app), snapshot(&fresh)),
                before,
                "{forgery:?} {} changed data",
                case.path
            );
        }
    }

    // A session cookie without its CSRF cookie: the token it used to have no longer counts.
    let manual = Manual::new(&app);
    assert_eq!(manual.login(ADMIN, ADMIN_PASSWORD).status().as_u16(), 303);
    manual.get(&link);
    let old_token = manual.cookie("roster_csrf").expect("csrf cookie");
    let before = snapshot(&app);
    for case in cases.iter().filter(|c| !c.on_setup_server) {
        manual.remove("roster_csrf");
        let res = match &case.body {
            Body::Form(fields) => {
                let mut all: Vec<(&str, &str)> =
                    fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
                all.push(("csrf_token", &old_token));
                manual.post(&case.path, &all)
            }
            Body::Upload => manual.upload(&case.path, &[("csrf_token", &old_token)], "a;b\n"),
        };
        assert_refused(res, &format!("no CSRF cookie {}", case.path));
        assert_eq!(
            snapshot(&app),
            before,
            "no CSRF cookie {} changed data",
            case.path
        );
    }

    // The API takes bearer tokens only: the admin's cookies do not authorize it.
    for path in api_routes {
        let csv = format!("{HEADER}\nApi;User;api@example.com;apiuser;;;api-pass-123\n");
        let res = app
            .client
            .post(app.url(path))
            .header("content-type", "text/csv")
            .body(csv)
            .send()
            .unwrap();
        assert_eq!(res.status().as_u16(), 401, "{path} with cookies only");
        assert_eq!(snapshot(&app), before, "{path} changed data");
    }

    assert_eq!(
        app.get("/users").status().as_u16(),
        200,
        "logout was refused too"
    );
    assert_eq!(
        app.get(&staged).status().as_u16(),
        200,
        "the preview was not committed"
    );
    assert!(
        smtp.wait_for_messages(1, Duration::from_millis(500))
            .is_empty(),
        "a refused request sent mail"
    );
    // The snapshot does notice a change: the same form with its token goes through.
    assert_eq!(
        app.post_form("/ous", "/ous", &[("name", "Control")])
            .status()
            .as_u16(),
        303
    );
    assert_ne!(snapshot(&app), before);
}
