//! Mail settings edited in the browser: check, save, in use without a restart; variables win and
//! show read-only; the password never comes back; no page waits on a silent server; a web port
//! is named as one.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::{Duration, Instant};

use roster::mail::{Diagnosis, MailSettings, TlsMode};

use crate::eventually::eventually;
use crate::helpers::*;
use crate::smtp_server::{SmtpMode, TestSmtp, extract_link, silent_tls_like_server};

const MAIL_PASSWORD: &str = "mail-pass";
const SITE: &str = "http://roster.example.test";

/// A server with no mail configured, trusting the test SMTP server's CA (not a page setting).
fn app_without_mail(smtp: &TestSmtp) -> TestApp {
    let ca = smtp.ca_pem_path.clone();
    spawn_app_configured(seed_admin, move |config| {
        config.mail.extra_root_pem = Some(ca);
        config.mail.timeout = Duration::from_secs(3);
    })
}

/// The Mail page's settings form filled in for `port` and `tls`.
fn settings_form<'a>(
    port: &'a str,
    tls: &'a str,
    password: &'a str,
    action: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("host", "localhost"),
        ("port", port),
        ("encryption", tls),
        ("login", "mailer"),
        ("password", password),
        ("from", "roster@example.com"),
        ("base_url", SITE),
        ("action", action),
    ]
}

fn stored_rows(app: &TestApp) -> i64 {
    app.sql_i64("SELECT COUNT(*) FROM roster_mail_settings")
}

#[test]
fn edit_check_save_then_forgot_password_goes_through_the_new_server_without_restart() {
    let smtp = TestSmtp::start(SmtpMode::StartTls, Some(("mailer", MAIL_PASSWORD)));
    let app = app_without_mail(&smtp);
    app.login_admin();
    let (_, page) = app.page("/mail");
    assert!(
        select_text(&page, "#mail-check")
            .unwrap()
            .contains("not configured"),
        "{page}"
    );
    let port = smtp.port.to_string();

    let res = app.post_form(
        "/mail",
        "/mail/settings",
        &settings_form(&port, "starttls", MAIL_PASSWORD, "check"),
    );
    assert_eq!(res.status().as_u16(), 200);
    let page = res.text().unwrap();
    assert!(
        select_text(&page, "#mail-check")
            .unwrap()
            .contains("passed"),
        "{page}"
    );
    assert!(
        select_text(&page, "#mail-outcome")
            .unwrap()
            .contains("nothing was saved")
    );
    assert_eq!(stored_rows(&app), 0, "Check saves nothing");
    assert!(
        !page.contains(MAIL_PASSWORD),
        "the password is never shown back"
    );

    let res = app.post_form(
        "/mail",
        "/mail/settings",
        &settings_form(&port, "starttls", MAIL_PASSWORD, "save"),
    );
    assert_eq!(
        res.status().as_u16(),
        303,
        "{}",
        res.text().unwrap_or_default()
    );
    let (_, page) = app.page(&location(&res));
    assert!(
        select_text(&page, "#mail-saved")
            .unwrap()
            .contains("host, port, encryption, login, password, from, base_url"),
        "{page}"
    );
    assert!(
        select_text(&page, "#mail-check")
            .unwrap()
            .contains("passed"),
        "{page}"
    );
    assert_eq!(
        select_attr(&page, "#host", "value").as_deref(),
        Some("localhost")
    );
    assert_eq!(
        select_attr(&page, "#password", "value").as_deref(),
        Some("")
    );
    assert!(page.contains("Leave empty to keep the stored password"));
    assert!(!page.contains(MAIL_PASSWORD));
    let [detail, detail_text]: [Option<String>; 2] = app
        .sql_rows("SELECT action, detail FROM roster_audit WHERE action = 'mail_settings_changed'")
        .pop()
        .expect("an audit row")
        .try_into()
        .unwrap();
    let (detail, detail_text) = (detail.unwrap(), detail_text.unwrap());
    assert_eq!(detail, "mail_settings_changed");
    assert!(
        detail_text.contains("password") && !detail_text.contains(MAIL_PASSWORD),
        "{detail_text}"
    );
    let (_, audit) = app.page("/audit");
    assert!(!audit.contains(MAIL_PASSWORD));

    // Saving again with the password field empty keeps the stored password.
    let res = app.post_form(
        "/mail",
        "/mail/settings",
        &settings_form(&port, "starttls", "", "save"),
    );
    assert_eq!(res.status().as_u16(), 303);
    let stored = app
        .sql_text("SELECT password FROM roster_mail_settings")
        .expect("a stored password");
    assert_eq!(stored, MAIL_PASSWORD);

    // Used at once: Forgot Password mails through the new server with the new site link.
    let visitor = app.second_browser();
    let res = visitor.post_form(
        "/password-reset",
        "/password-reset",
        &[("email", "admin@example.com")],
    );
    assert_eq!(res.status().as_u16(), 303);
    let mails = smtp.wait_for_messages(1, Duration::from_secs(15));
    assert_eq!(
        mails.len(),
        1,
        "the reset mail went through the saved server"
    );
    assert!(
        mails[0].data.contains("From: roster@example.com"),
        "{}",
        mails[0].data
    );
    assert!(
        extract_link(&mails[0], &format!("{SITE}/reset/")).is_some(),
        "{}",
        mails[0].data
    );
}

#[test]
fn save_refuses_settings_whose_check_fails_unless_save_anyway() {
    let smtp = TestSmtp::start(SmtpMode::StartTls, Some(("mailer", MAIL_PASSWORD)));
    let app = app_without_mail(&smtp);
    app.login_admin();
    let port = smtp.port.to_string();
    let res = app.post_form(
        "/mail",
        "/mail/settings",
        &settings_form(&port, "starttls", "wrong-pass", "save"),
    );
    assert_eq!(res.status().as_u16(), 200);
    let page = res.text().unwrap();
    assert!(
        select_text(&page, "#mail-outcome")
            .unwrap()
            .contains("Not saved"),
        "{page}"
    );
    assert!(
        select_text(&page, "#mail-check")
            .unwrap()
            .contains("rejected the login"),
        "{page}"
    );
    assert!(!page.contains("wrong-pass"));
    assert_eq!(stored_rows(&app), 0);

    let mut form = settings_form(&port, "starttls", "wrong-pass", "save");
    form.push(("save_anyway", "1"));
    let res = app.post_form("/mail", "/mail/settings", &form);
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(stored_rows(&app), 1);
    let detail = app
        .sql_text("SELECT detail FROM roster_audit WHERE action = 'mail_settings_changed'")
        .expect("an audit row");
    assert!(
        detail.contains("saved although the check did not pass"),
        "{detail}"
    );

    let mut bad = settings_form("99999", "starttls", "", "save");
    bad[5] = ("from", "not-an-address");
    let res = app.post_form("/mail", "/mail/settings", &bad);
    assert_eq!(res.status().as_u16(), 422);
    let page = res.text().unwrap();
    assert!(
        select_text(&page, "#port-error")
            .unwrap()
            .contains("\"99999\" is not a port number"),
        "{page}"
    );
    assert!(
        select_text(&page, "#from-error")
            .unwrap()
            .contains("not-an-address"),
        "{page}"
    );
}

#[test]
fn a_setting_from_the_environment_is_read_only_wins_and_no_log_shows_the_password() {
    let smtp = TestSmtp::start(SmtpMode::StartTls, Some(("mailer", MAIL_PASSWORD)));
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("roster.sqlite3");
    seed_admin(&db);
    // On PostgreSQL the server runs on a test database seeded alike.
    let db = if on_postgres() {
        std::path::PathBuf::from(crate::test_backend::postgres_like(&db))
    } else {
        db
    };
    let ca = smtp.ca_pem_path.to_string_lossy().into_owned();
    let mut env = vec![
        ("ROSTER_EMAIL_HOST", "localhost"),
        ("ROSTER_EMAIL_CA_FILE", ca.as_str()),
        ("ROSTER_EMAIL_TIMEOUT", "3"),
    ];
    if on_postgres() {
        // `serve` on PostgreSQL takes its key from the environment, not from a file beside it.
        env.push((
            "ROSTER_SECRET_KEY",
            "mail-settings-test-secret-key-0123456789-abcdefghij",
        ));
    }
    let server = start_server_with(&db, &env);
    let app = TestApp::external(&server.base, db.clone(), dir);
    app.login_admin();
    let (_, page) = app.page("/mail");
    assert!(
        select_text(&page, "#host-lock")
            .unwrap()
            .contains("set by ROSTER_EMAIL_HOST"),
        "{page}"
    );
    assert!(select_attr(&page, "#host", "disabled").is_some());
    assert!(
        select_attr(&page, "#host", "name").is_none(),
        "a locked field is not submitted"
    );
    assert!(
        select_attr(&page, "#port", "disabled").is_none(),
        "other fields stay editable"
    );

    let port = smtp.port.to_string();
    let mut form = settings_form(&port, "starttls", MAIL_PASSWORD, "save");
    form[0] = ("host", "elsewhere.invalid");
    let res = app.post_form("/mail", "/mail/settings", &form);
    assert_eq!(
        res.status().as_u16(),
        303,
        "{}",
        res.text().unwrap_or_default()
    );
    let stored_host = app.sql_rows("SELECT host FROM roster_mail_settings");
    assert_eq!(stored_host.len(), 1, "one settings row");
    let stored_host = stored_host[0][0].clone();
    assert_eq!(
        stored_host, None,
        "a field the environment sets is not stored"
    );
    let (_, page) = app.page("/mail");
    assert_eq!(
        select_attr(&page, "#host", "value").as_deref(),
        Some("localhost")
    );
    assert!(
        select_text(&page, "#mail-check")
            .unwrap()
            .contains("passed"),
        "{page}"
    );
    // A wrong password, checked: its failure is logged nowhere with the password.
    let res = app.post_form(
        "/mail",
        "/mail/settings",
        &settings_form(&port, "starttls", "typed-wrong-secret", "check"),
    );
    assert!(!res.text().unwrap().contains("typed-wrong-secret"));
    let log = eventually(
        "the saved settings in the server log",
        Duration::from_secs(10),
        || Some(server.log()).filter(|log| log.contains("mail settings saved")),
    );
    assert!(
        !log.contains(MAIL_PASSWORD) && !log.contains("typed-wrong-secret"),
        "{log}"
    );
}

/// Accepts connections and answers the first line it reads with an HTTP error, as web servers
/// answer a request they cannot parse; with `greet`, it speaks HTTP before reading anything.
pub(crate) fn http_server(greet: bool) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let answer =
                    b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
                if !greet {
                    let mut buf = [0u8; 512];
                    let _ = stream.read(&mut buf);
                }
                let _ = stream.write_all(answer);
                let mut rest = [0u8; 512];
                while matches!(stream.read(&mut rest), Ok(n) if n > 0) {}
            });
        }
    });
    port
}

fn loopback(port: u16, tls: TlsMode) -> MailSettings {
    MailSettings {
        host: Some("127.0.0.1".into()),
        port,
        username: None,
        password: None,
        tls,
        timeout: Duration::from_secs(2),
        from: "roster@example.com".into(),
        extra_root_pem: None,
    }
}

#[test]
fn a_port_that_answers_http_is_named_a_web_server() {
    for greet in [false, true] {
        for tls in [TlsMode::None, TlsMode::StartTls, TlsMode::Implicit] {
            let outcome = roster::mail::check(&loopback(http_server(greet), tls));
            assert_eq!(
                outcome.diagnosis,
                Diagnosis::WebServer,
                "greet {greet}, {tls:?}: {outcome:?}"
            );
            assert!(
                outcome
                    .message
                    .contains("that port is a web server, not a mail server"),
                "{}",
                outcome.message
            );
        }
    }
}

#[test]
fn no_page_waits_more_than_two_seconds_on_a_silent_server() {
    let smtp = TestSmtp::start(SmtpMode::StartTls, None);
    let app = app_without_mail(&smtp);
    app.login_admin();
    let silent = silent_tls_like_server().to_string();
    let timed = |what: &str, run: &dyn Fn() -> reqwest::blocking::Response| {
        let started = Instant::now();
        let res = run();
        let took = started.elapsed();
        assert!(took < Duration::from_millis(2700), "{what} took {took:?}");
        res
    };
    let mut form = settings_form(&silent, "none", "", "save");
    form.push(("save_anyway", "1"));
    let res = timed("Save", &|| app.post_form("/mail", "/mail/settings", &form));
    assert_eq!(res.status().as_u16(), 303);
    let res = timed("the Mail page", &|| app.get("/mail"));
    let page = res.text().unwrap();
    let notice = select_text(&page, "#mail-check").unwrap();
    assert!(notice.contains("still running"), "{page}");
    assert!(page.contains("/static/mail-check.js"));

    let csv = format!(
        "{HEADER}\nWith;Password;with@example.com;withpw;;;Has-a-pass-1\n\
         New;Bie;newbie@example.com;newbie;;;\n"
    );
    let res = timed("the upload", &|| app.upload("new.csv", csv.as_bytes()));
    let preview = location(&res);
    let res = timed("the preview", &|| app.get(&preview));
    let page = res.text().unwrap();
    assert!(select_text(&page, "#mail-check").is_some(), "{page}");
    // The gate stays: a check that has not passed (running or failed) imports no passwordless row.
    let started = Instant::now();
    app.commit(&preview);
    assert!(
        started.elapsed() < Duration::from_secs(6),
        "{:?}",
        started.elapsed()
    );
    let users: Vec<String> = app
        .sql_rows("SELECT username FROM auth_user ORDER BY id")
        .into_iter()
        .map(|row| row[0].clone().expect("a username"))
        .collect();
    assert_eq!(users, [ADMIN, "withpw"]);

    // The check itself finishes in the background: the implicit-TLS diagnosis, shown on reload.
    let page = eventually("the check's result", Duration::from_secs(20), || {
        let page = app.page("/mail").1;
        (!select_text(&page, "#mail-check")?.contains("still running")).then_some(page)
    });
    assert!(
        select_text(&page, "#mail-check")
            .unwrap()
            .contains("ROSTER_EMAIL_USE_SSL"),
        "{page}"
    );
}

#[test]
fn a_running_check_is_polled_by_its_ticket_and_shows_the_web_server_message() {
    let smtp = TestSmtp::start(SmtpMode::StartTls, None);
    let app = app_without_mail(&smtp);
    app.login_admin();
    let web = http_server(false).to_string();
    let form = settings_form(&web, "none", "", "check");
    let started = Instant::now();
    let res = app.post_form("/mail", "/mail/settings", &form);
    assert!(started.elapsed() < Duration::from_millis(2700));
    let page = res.text().unwrap();
    let ticket =
        select_attr(&page, "#mail-check", "data-check-ticket").expect("a running check's ticket");
    let result: serde_json::Value =
        eventually("the polled result", Duration::from_secs(20), || {
            let json: serde_json::Value = app.get(&format!("/mail/check/{ticket}")).json().ok()?;
            (json["done"] == true).then_some(json)
        });
    assert_eq!(result["ok"], false);
    let message = result["message"].as_str().unwrap();
    assert!(
        message.contains("that port is a web server, not a mail server"),
        "{message}"
    );
}
