//! Reads SMTP failures into a diagnosis with the fix in plain language, for both the server
//! check and a failed send.

use std::error::Error as StdError;
use std::io;
use std::time::Duration;

use lettre::transport::smtp::Error as SmtpError;

use super::settings::{MailSettings, TlsMode, configured_host};

/// What the check found; stable snake_case names for the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Diagnosis {
    Ok,
    NotConfigured,
    DnsFailure,
    ConnectionRefused,
    Timeout,
    TlsModeMismatch,
    NoStarttls,
    CertificateProblem,
    CredentialsRejected,
    ServerError,
    /// The port answers HTTP: a web server, not a mail server.
    WebServer,
    /// Not finished yet: the check runs in the background (see `check_cache`).
    StillRunning,
}

/// The SMTP step an error happened in; decides how an ambiguous error is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    /// TCP connect, implicit TLS handshake, greeting and EHLO.
    Greeting,
    StartTls,
    Auth,
    /// A whole send through lettre's transport: the step is unknown.
    Send,
}

pub(crate) type Failure = (Diagnosis, String);

/// Names an SMTP error from lettre in plain language, given the step it happened in.
pub(crate) fn explain(err: &SmtpError, settings: &MailSettings, step: Step) -> Failure {
    let server = server_label(settings);
    let hint = port_hint(settings);
    if let Some(problem) = tls_problem(err) {
        return match problem {
            TlsProblem::Certificate(what) => (
                Diagnosis::CertificateProblem,
                format!(
                    "The TLS certificate of {server} is not accepted: {what}. If the server \
                     uses a certificate from an internal CA, set ROSTER_EMAIL_CA_FILE to that \
                     CA's PEM file."
                ),
            ),
            TlsProblem::NotTls if settings.tls == TlsMode::Implicit => (
                Diagnosis::TlsModeMismatch,
                format!(
                    "The server on port {} speaks plain SMTP first: use ROSTER_EMAIL_USE_TLS \
                     (STARTTLS), not ROSTER_EMAIL_USE_SSL.",
                    settings.port
                ),
            ),
            TlsProblem::NotTls | TlsProblem::Other => (
                Diagnosis::ServerError,
                format!("The TLS handshake with {server} failed ({}).{hint}", err),
            ),
        };
    }
    if is_timeout(err) {
        if step == Step::Greeting && settings.tls != TlsMode::Implicit {
            return (
                Diagnosis::TlsModeMismatch,
                format!(
                    "The server on port {} accepted the connection but sent no SMTP greeting \
                     within {}. That is how an implicit-TLS port behaves (port 465 expects \
                     implicit TLS): set ROSTER_EMAIL_USE_SSL instead of ROSTER_EMAIL_USE_TLS, \
                     or use the server's STARTTLS port (usually 587).",
                    settings.port,
                    secs(settings.timeout)
                ),
            );
        }
        let during = match step {
            Step::Greeting => "during the TLS handshake",
            Step::StartTls => "during STARTTLS",
            Step::Auth => "during the login",
            Step::Send => "while sending",
        };
        return (
            Diagnosis::Timeout,
            format!(
                "{server} stopped answering {during} (no reply within {}); raise \
                 ROSTER_EMAIL_TIMEOUT if the server is slow.{hint}",
                secs(settings.timeout)
            ),
        );
    }
    let detail = err.source().map(ToString::to_string).unwrap_or_default();
    if let Some(code) = err.status() {
        let reply = format!("{code} {detail}").trim().to_string();
        let login_failed = (step == Step::Auth && err.is_permanent()) || reply.starts_with("535");
        if login_failed {
            let user = settings.username.as_deref().unwrap_or_default();
            return (
                Diagnosis::CredentialsRejected,
                format!(
                    "The server rejected the login for user {user:?} ({reply}). Check \
                     ROSTER_EMAIL_HOST_USER and ROSTER_EMAIL_HOST_PASSWORD. Gmail, Microsoft \
                     365 and many other providers refuse the normal account password here: \
                     create an app password, or have SMTP AUTH enabled for this mailbox."
                ),
            );
        }
        if reply.starts_with("530") {
            return (
                Diagnosis::ServerError,
                format!(
                    "{server} requires a login ({reply}): set ROSTER_EMAIL_HOST_USER and \
                     ROSTER_EMAIL_HOST_PASSWORD."
                ),
            );
        }
        let temporary = if err.is_transient() {
            " (temporary: try again later)"
        } else {
            ""
        };
        return (
            Diagnosis::ServerError,
            format!("{server} answered with an error{temporary}: {reply}."),
        );
    }
    if detail.contains("No compatible authentication mechanism") {
        let tls = if settings.tls == TlsMode::None {
            " over an unencrypted connection; most servers offer it only after STARTTLS: set \
             ROSTER_EMAIL_USE_TLS"
        } else {
            ""
        };
        return (
            Diagnosis::ServerError,
            format!("{server} does not offer a login with AUTH PLAIN or LOGIN{tls}."),
        );
    }
    if detail.contains("STARTTLS is not supported") {
        return (Diagnosis::NoStarttls, no_starttls_message(settings));
    }
    if io_kind(err) == Some(io::ErrorKind::ConnectionRefused) {
        return (
            Diagnosis::ConnectionRefused,
            format!("Nothing accepts connections at {server} (connection refused).{hint}"),
        );
    }
    if step == Step::Send && err.to_string().contains("failed to lookup address") {
        return (
            Diagnosis::DnsFailure,
            "Cannot find the mail server's host; check ROSTER_EMAIL_HOST.".to_string(),
        );
    }
    (
        Diagnosis::ServerError,
        format!("The conversation with {server} failed ({}).{hint}", err),
    )
}

pub(crate) fn no_starttls_message(settings: &MailSettings) -> String {
    let host = configured_host(settings).unwrap_or_default();
    format!(
        "The server {host}:{} does not offer STARTTLS; if it expects implicit TLS (usually port \
         465) set ROSTER_EMAIL_USE_SSL instead of ROSTER_EMAIL_USE_TLS; if it has no encryption \
         at all, turn ROSTER_EMAIL_USE_TLS off (only on a trusted network).",
        settings.port
    )
}

/// `host:port (mode)` as configured.
pub(crate) fn server_label(settings: &MailSettings) -> String {
    let Some(host) = configured_host(settings) else {
        return "not configured".to_string();
    };
    let mode = match settings.tls {
        TlsMode::None => "plain SMTP",
        TlsMode::StartTls => "STARTTLS",
        TlsMode::Implicit => "implicit TLS",
    };
    format!("{host}:{} ({mode})", settings.port)
}

/// The usual pairing of ports and TLS modes, when the settings break it.
pub(crate) fn port_hint(settings: &MailSettings) -> &'static str {
    match (settings.port, settings.tls) {
        (465, TlsMode::Implicit) | (587, TlsMode::StartTls) => "",
        (465, _) => " Port 465 normally expects implicit TLS: set ROSTER_EMAIL_USE_SSL.",
        (587, _) => " Port 587 normally uses STARTTLS: set ROSTER_EMAIL_USE_TLS.",
        (_, TlsMode::Implicit) => " Implicit TLS (ROSTER_EMAIL_USE_SSL) is usually on port 465.",
        (_, TlsMode::StartTls) => " STARTTLS (ROSTER_EMAIL_USE_TLS) is usually on port 587.",
        (_, TlsMode::None) => "",
    }
}

pub(crate) fn secs(d: Duration) -> String {
    format!("{:.0} s", d.as_secs_f64())
}

// ---- Reading lettre's errors -------------------------------------------------------------

pub(crate) enum TlsProblem {
    /// The certificate was rejected; the text says why.
    Certificate(String),
    /// The peer did not answer with TLS at all.
    NotTls,
    Other,
}

/// Finds the rustls error inside lettre's error chain (`lettre::Error` -> `io::Error` ->
/// `rustls::Error`). rustls is not a direct dependency of Roster, so its error is recognised by
/// its `Debug` form (`InvalidCertificate(UnknownIssuer)`, `InvalidMessage(..)`).
pub(crate) fn tls_problem(err: &SmtpError) -> Option<TlsProblem> {
    let mut current: Option<&(dyn StdError + 'static)> = Some(err);
    while let Some(e) = current {
        if let Some(io_err) = e.downcast_ref::<io::Error>()
            && let Some(inner) = io_err.get_ref()
            && let Some(problem) = rustls_problem(inner)
        {
            return Some(problem);
        }
        if let Some(problem) = rustls_problem(e) {
            return Some(problem);
        }
        current = e.source();
    }
    None
}

fn rustls_problem(e: &(dyn StdError + 'static)) -> Option<TlsProblem> {
    use rustls::{CertificateError, Error as TlsError};
    let tls = e.downcast_ref::<TlsError>()?;
    Some(match tls {
        TlsError::InvalidCertificate(kind) => {
            let detail = kind.to_string();
            let what = match kind {
                CertificateError::UnknownIssuer => {
                    "it is not signed by a certificate authority this \
                     machine trusts (a self-signed certificate, or one from an internal CA)"
                        .to_string()
                }
                CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                    format!("it has expired ({detail})")
                }
                CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                    format!("it is not valid yet; check this machine's clock ({detail})")
                }
                CertificateError::NotValidForName
                | CertificateError::NotValidForNameContext { .. } => {
                    format!("it was issued for another name ({detail}); check ROSTER_EMAIL_HOST")
                }
                CertificateError::Revoked => "it has been revoked".to_string(),
                _ => format!("it is invalid ({detail})"),
            };
            TlsProblem::Certificate(what)
        }
        TlsError::InvalidMessage(_)
        | TlsError::InappropriateMessage { .. }
        | TlsError::InappropriateHandshakeMessage { .. } => TlsProblem::NotTls,
        _ => TlsProblem::Other,
    })
}

pub(crate) fn io_kind(err: &SmtpError) -> Option<io::ErrorKind> {
    let mut current: Option<&(dyn StdError + 'static)> = Some(err);
    while let Some(e) = current {
        if let Some(io_err) = e.downcast_ref::<io::Error>() {
            return Some(io_err.kind());
        }
        current = e.source();
    }
    None
}

/// A socket read timeout shows up as `WouldBlock` on Unix and `TimedOut` elsewhere.
pub(crate) fn is_timeout(err: &SmtpError) -> bool {
    matches!(
        io_kind(err),
        Some(io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock)
    )
}
