//! The mail server check and sending, through `roster::mail`, against a real SMTP server.

use std::time::{Duration, Instant};

use roster::mail::messages::{ResetMailData, password_reset};
use roster::mail::{CheckOutcome, Diagnosis, OutgoingMail, SendError, TlsMode, check, send};

use crate::smtp_server::{
    SmtpMode, TestSmtp, closed_port, extract_link, silent_tls_like_server, text_part,
};

const USER: &str = "mailer@example.com";
const PASSWORD: &str = "right-horse-battery";
/// Distinctive, so that finding it anywhere in an outcome means it leaked.
const WRONG_PASSWORD: &str = "Zq9-leak-canary-7Xw";

fn assert_diagnosis(outcome: &CheckOutcome, expected: Diagnosis) {
    assert_eq!(outcome.diagnosis, expected, "{outcome:#?}");
    assert_eq!(outcome.ok(), expected == Diagnosis::Ok, "{outcome:#?}");
    assert!(!outcome.message.is_empty());
}

fn assert_no_password(outcome: &CheckOutcome, password: &str) {
    let json = serde_json::to_string(outcome).expect("serialize");
    for text in [
        &outcome.message,
        &outcome.server,
        &format!("{outcome:?}"),
        &json,
    ] {
        assert!(!text.contains(password), "password leaked: {text}");
    }
}

fn mail(to: &str) -> OutgoingMail {
    OutgoingMail {
        to: to.to_string(),
        subject: "Welcome to Roster".to_string(),
        text: "Plain body line".to_string(),
        html: "<p>HTML body line</p>".to_string(),
    }
}

#[test]
fn mail_check_ok_on_plain_server() {
    let smtp = TestSmtp::start(SmtpMode::Plain, None);
    let outcome = check(&smtp.settings(TlsMode::None, None));
    assert_diagnosis(&outcome, Diagnosis::Ok);
    assert_eq!(
        outcome.server,
        format!("localhost:{} (plain SMTP)", smtp.port)
    );
}

#[test]
fn mail_check_ok_with_starttls_and_login() {
    let smtp = TestSmtp::start(SmtpMode::StartTls, Some((USER, PASSWORD)));
    let outcome = check(&smtp.settings(TlsMode::StartTls, Some((USER, PASSWORD))));
    assert_diagnosis(&outcome, Diagnosis::Ok);
    assert!(outcome.message.contains("login"), "{}", outcome.message);
    assert_no_password(&outcome, PASSWORD);
}

#[test]
fn mail_check_connection_refused() {
    let smtp = TestSmtp::start(SmtpMode::Plain, None);
    let mut settings = smtp.settings(TlsMode::None, None);
    settings.port = closed_port();
    let outcome = check(&settings);
    assert_diagnosis(&outcome, Diagnosis::ConnectionRefused);
    assert!(
        outcome.message.contains("ROSTER_EMAIL_PORT"),
        "{}",
        outcome.message
    );
}

#[test]
fn mail_check_wrong_password_is_rejected_without_leaking_it() {
    let smtp = TestSmtp::start(SmtpMode::StartTls, Some((USER, PASSWORD)));
    let outcome = check(&smtp.settings(TlsMode::StartTls, Some((USER, WRONG_PASSWORD))));
    assert_diagnosis(&outcome, Diagnosis::CredentialsRejected);
    assert!(
        outcome.message.contains("app password"),
        "{}",
        outcome.message
    );
    assert!(outcome.message.contains("535"), "{}", outcome.message);
    assert_no_password(&outcome, WRONG_PASSWORD);
}

#[test]
fn mail_check_implicit_tls_against_plain_server_is_a_mode_mismatch() {
    let smtp = TestSmtp::start(SmtpMode::Plain, None);
    let outcome = check(&smtp.settings(TlsMode::Implicit, None));
    assert_diagnosis(&outcome, Diagnosis::TlsModeMismatch);
    assert!(
        outcome.message.contains("ROSTER_EMAIL_USE_TLS"),
        "{}",
        outcome.message
    );
    assert!(
        outcome.message.contains("plain SMTP first"),
        "{}",
        outcome.message
    );
}

#[test]
fn mail_check_starttls_against_silent_port_is_a_mode_mismatch() {
    let smtp = TestSmtp::start(SmtpMode::Plain, None);
    let mut settings = smtp.settings(TlsMode::StartTls, None);
    settings.port = silent_tls_like_server();
    settings.timeout = Duration::from_secs(2);
    let started = Instant::now();
    let outcome = check(&settings);
    assert_diagnosis(&outcome, Diagnosis::TlsModeMismatch);
    assert!(
        outcome.message.contains("ROSTER_EMAIL_USE_SSL"),
        "{}",
        outcome.message
    );
    assert!(
        started.elapsed() < Duration::from_secs(6),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn mail_check_starttls_against_server_without_it() {
    let smtp = TestSmtp::start(SmtpMode::Plain, None);
    let outcome = check(&smtp.settings(TlsMode::StartTls, None));
    assert_diagnosis(&outcome, Diagnosis::NoStarttls);
    assert!(
        outcome.message.contains("does not offer STARTTLS"),
        "{}",
        outcome.message
    );
}

#[test]
fn mail_check_untrusted_certificate() {
    let smtp = TestSmtp::start(SmtpMode::StartTlsUntrustedCert, None);
    let outcome = check(&smtp.settings(TlsMode::StartTls, None));
    assert_diagnosis(&outcome, Diagnosis::CertificateProblem);
    assert!(
        outcome.message.contains("ROSTER_EMAIL_CA_FILE"),
        "{}",
        outcome.message
    );
    assert!(
        outcome.message.contains("not signed by"),
        "{}",
        outcome.message
    );
}

#[test]
fn mail_check_without_the_test_ca_rejects_the_certificate() {
    let smtp = TestSmtp::start(SmtpMode::StartTls, None);
    let mut settings = smtp.settings(TlsMode::StartTls, None);
    settings.extra_root_pem = None;
    assert_diagnosis(&check(&settings), Diagnosis::CertificateProblem);
}

#[test]
fn mail_check_certificate_for_another_name() {
    let smtp = TestSmtp::start(SmtpMode::StartTls, None);
    let mut settings = smtp.settings(TlsMode::StartTls, None);
    settings.host = Some("127.0.0.1".to_string());
    let outcome = check(&settings);
    assert_diagnosis(&outcome, Diagnosis::CertificateProblem);
    assert!(
        outcome.message.contains("another name"),
        "{}",
        outcome.message
    );
}

#[test]
fn mail_check_not_configured() {
    let smtp = TestSmtp::start(SmtpMode::Plain, None);
    let mut settings = smtp.settings(TlsMode::None, None);
    settings.host = None;
    let outcome = check(&settings);
    assert_diagnosis(&outcome, Diagnosis::NotConfigured);
    assert!(
        outcome.message.contains("ROSTER_EMAIL_HOST"),
        "{}",
        outcome.message
    );
}

#[test]
fn mail_check_unknown_host() {
    let smtp = TestSmtp::start(SmtpMode::Plain, None);
    let mut settings = smtp.settings(TlsMode::None, None);
    settings.host = Some("no-such-host.invalid".to_string());
    settings.timeout = Duration::from_secs(3);
    let outcome = check(&settings);
    assert_diagnosis(&outcome, Diagnosis::DnsFailure);
    assert!(
        outcome.message.contains("no-such-host.invalid"),
        "{}",
        outcome.message
    );
}

#[test]
fn mail_check_never_shows_the_password() {
    let smtp = TestSmtp::start(SmtpMode::StartTls, Some((USER, PASSWORD)));
    let plain = TestSmtp::start(SmtpMode::Plain, None);
    let creds = Some((USER, WRONG_PASSWORD));
    let mut refused = plain.settings(TlsMode::None, creds);
    refused.port = closed_port();
    let mut unknown = plain.settings(TlsMode::None, creds);
    unknown.host = Some("no-such-host.invalid".to_string());
    let cases = [
        smtp.settings(TlsMode::StartTls, creds),
        smtp.settings(TlsMode::None, creds),
        plain.settings(TlsMode::StartTls, creds),
        plain.settings(TlsMode::Implicit, creds),
        refused,
        unknown,
    ];
    for settings in &cases {
        let outcome = check(settings);
        assert!(!outcome.ok(), "{outcome:?}");
        assert_no_password(&outcome, WRONG_PASSWORD);
    }
}

#[test]
fn mail_send_delivers_text_and_html_parts() {
    let smtp = TestSmtp::start(SmtpMode::Plain, None);
    send(
        &smtp.settings(TlsMode::None, None),
        &mail("ann@example.com"),
    )
    .expect("sent");
    let mails = smtp.wait_for_messages(1, Duration::from_secs(5));
    assert_eq!(mails.len(), 1);
    let m = &mails[0];
    assert_eq!(m.from, "roster@example.com");
    assert_eq!(m.to, vec!["ann@example.com".to_string()]);
    assert!(m.data.contains("Subject: Welcome to Roster"), "{}", m.data);
    assert!(m.data.contains("multipart/alternative"), "{}", m.data);
    assert!(m.data.contains("Content-Type: text/plain"), "{}", m.data);
    assert!(m.data.contains("Content-Type: text/html"), "{}", m.data);
    assert!(m.data.contains("<p>HTML body line</p>"), "{}", m.data);
    assert_eq!(text_part(&m.data).as_deref(), Some("Plain body line"));
}

#[test]
fn mail_send_over_starttls_with_login() {
    let smtp = TestSmtp::start(SmtpMode::StartTls, Some((USER, PASSWORD)));
    let settings = smtp.settings(TlsMode::StartTls, Some((USER, PASSWORD)));
    send(&settings, &mail("bob@example.com")).expect("sent");
    let mails = smtp.wait_for_messages(1, Duration::from_secs(5));
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].to, vec!["bob@example.com".to_string()]);
}

#[test]
fn mail_send_wrong_password_fails_without_leaking_it() {
    let smtp = TestSmtp::start(SmtpMode::StartTls, Some((USER, PASSWORD)));
    let settings = smtp.settings(TlsMode::StartTls, Some((USER, WRONG_PASSWORD)));
    let err = send(&settings, &mail("bob@example.com")).expect_err("rejected");
    assert!(
        matches!(
            err,
            SendError::Smtp {
                diagnosis: Diagnosis::CredentialsRejected,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(!err.to_string().contains(WRONG_PASSWORD), "{err}");
    assert!(!format!("{err:?}").contains(WRONG_PASSWORD), "{err:?}");
    assert!(smtp.messages().is_empty());
}

#[test]
fn mail_send_not_configured() {
    let smtp = TestSmtp::start(SmtpMode::Plain, None);
    let mut settings = smtp.settings(TlsMode::None, None);
    settings.host = Some(String::new());
    let err = send(&settings, &mail("ann@example.com")).expect_err("not configured");
    assert!(matches!(err, SendError::NotConfigured), "{err:?}");
}

#[test]
fn mail_send_reset_mail_link_survives_transfer_encoding() {
    let smtp = TestSmtp::start(SmtpMode::Plain, None);
    let link = format!(
        "https://roster.example.com/reset/MTIz/{}/?next=%2Fprofile%3Dä",
        "c0ffee-".repeat(20)
    );
    let data = ResetMailData {
        to: "zoe@example.com",
        username: "zoë",
        display_name: "Zoë 🦀 <script>",
        link: &link,
        valid_hours: 72,
        site: "Roster",
    };
    send(&smtp.settings(TlsMode::None, None), &password_reset(&data)).expect("sent");
    let mails = smtp.wait_for_messages(1, Duration::from_secs(5));
    assert_eq!(mails.len(), 1);
    let got = extract_link(&mails[0], "https://roster.example.com/reset/");
    assert_eq!(got.as_deref(), Some(link.as_str()));
}
