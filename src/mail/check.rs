//! The real server check: resolve, connect, greet, STARTTLS, AUTH, QUIT, one step at a time, so
//! that each failure gets a precise name and a plain-language fix.

use std::error::Error as _;
use std::io;
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::mpsc;
use std::time::Duration;

use lettre::transport::smtp::Error as SmtpError;
use lettre::transport::smtp::authentication::Mechanism;
use lettre::transport::smtp::client::SmtpConnection;
use lettre::transport::smtp::extension::ClientId;

use super::settings::{MailSettings, TlsMode};
use super::transport::{
    TlsProblem, configured_host, credentials, io_kind, is_timeout, scrub, tls_parameters,
    tls_problem,
};

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

/// The result of [`check`]: a diagnosis, a message with the fix, and the server as configured.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CheckOutcome {
    pub diagnosis: Diagnosis,
    /// Plain language, with the fix; never contains the password.
    pub message: String,
    /// `host:port (mode)`, e.g. `smtp.example.com:587 (STARTTLS)`.
    pub server: String,
}

impl CheckOutcome {
    pub fn ok(&self) -> bool {
        self.diagnosis == Diagnosis::Ok
    }
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

type Failure = (Diagnosis, String);

/// Talks to the configured server without sending a mail. Blocking; each step is bounded by the
/// configured timeout.
pub fn check(settings: &MailSettings) -> CheckOutcome {
    let (diagnosis, message) = match run(settings) {
        Ok(message) => (Diagnosis::Ok, message),
        Err(failure) => failure,
    };
    CheckOutcome {
        diagnosis,
        message: scrub(&message, settings),
        server: server_label(settings),
    }
}

fn run(settings: &MailSettings) -> Result<String, Failure> {
    let Some(host) = configured_host(settings) else {
        return Err((
            Diagnosis::NotConfigured,
            "Mail is not configured: set ROSTER_EMAIL_HOST (and ROSTER_EMAIL_PORT, \
             ROSTER_EMAIL_USE_TLS or ROSTER_EMAIL_USE_SSL) to your SMTP server."
                .to_string(),
        ));
    };
    let timeout = settings.timeout.max(Duration::from_millis(100));
    let addrs = resolve(host, settings.port, timeout)?;
    let addr = connect_tcp(&addrs, host, settings, timeout)?;

    let hello = ClientId::default();
    let ca_failure = |e: super::SendError| (Diagnosis::CertificateProblem, format!("{e}."));
    let implicit = match settings.tls {
        TlsMode::Implicit => Some(tls_parameters(settings, host).map_err(ca_failure)?),
        _ => None,
    };
    let mut conn =
        match SmtpConnection::connect(addr, Some(timeout), &hello, implicit.as_ref(), None) {
            Ok(conn) => conn,
            Err(_) if super::web_port::speaks_http(addr, timeout) => {
                return Err((
                    Diagnosis::WebServer,
                    super::web_port::message(host, settings.port),
                ));
            }
            Err(e) => return Err(explain(&e, settings, Step::Greeting)),
        };
    if settings.tls == TlsMode::StartTls {
        if !conn.can_starttls() {
            conn.abort();
            return Err((Diagnosis::NoStarttls, no_starttls_message(settings)));
        }
        let params = tls_parameters(settings, host).map_err(ca_failure)?;
        conn.starttls(&params, &hello)
            .map_err(|e| explain(&e, settings, Step::StartTls))?;
    }
    if let Some(creds) = credentials(settings)
        && let Err(e) = conn.auth(&[Mechanism::Plain, Mechanism::Login], &creds)
    {
        conn.abort();
        return Err(explain(&e, settings, Step::Auth));
    }
    let _ = conn.quit();
    Ok(ok_message(settings))
}

fn resolve(host: &str, port: u16, timeout: Duration) -> Result<Vec<SocketAddr>, Failure> {
    let (tx, rx) = mpsc::channel();
    let target = (host.to_string(), port);
    // The system resolver has no timeout of its own; a stuck lookup thread simply ends later.
    std::thread::spawn(move || {
        let _ = tx.send(target.to_socket_addrs().map(Iterator::collect::<Vec<_>>));
    });
    match rx.recv_timeout(timeout) {
        Ok(Ok(addrs)) if !addrs.is_empty() => Ok(addrs),
        Ok(_) => Err((
            Diagnosis::DnsFailure,
            format!(
                "Cannot find host {host}; check ROSTER_EMAIL_HOST (a typo, or a name this \
                 machine's DNS does not know)."
            ),
        )),
        Err(_) => Err((
            Diagnosis::DnsFailure,
            format!(
                "Looking up host {host} took longer than {}; check ROSTER_EMAIL_HOST and this \
                 machine's DNS.",
                secs(timeout)
            ),
        )),
    }
}

fn connect_tcp(
    addrs: &[SocketAddr],
    host: &str,
    settings: &MailSettings,
    timeout: Duration,
) -> Result<SocketAddr, Failure> {
    let mut last = None;
    for addr in addrs {
        match TcpStream::connect_timeout(addr, timeout) {
            // A probe only: lettre opens its own connection to the same address.
            Ok(_probe) => return Ok(*addr),
            Err(e) => last = Some(e),
        }
    }
    let err = last.unwrap_or_else(|| io::Error::other("no address"));
    let place = format!("{host}:{}", settings.port);
    let hint = port_hint(settings);
    Err(match err.kind() {
        io::ErrorKind::ConnectionRefused => (
            Diagnosis::ConnectionRefused,
            format!(
                "Nothing accepts connections at {place} (connection refused). Check \
                 ROSTER_EMAIL_PORT and that the mail server is running.{hint}"
            ),
        ),
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => (
            Diagnosis::Timeout,
            format!(
                "No answer from {place} within {}: a firewall may be dropping the connection, \
                 or ROSTER_EMAIL_HOST / ROSTER_EMAIL_PORT are wrong.{hint}",
                secs(timeout)
            ),
        ),
        _ => (
            Diagnosis::ConnectionRefused,
            format!(
                "Cannot connect to {place} ({err}). Check ROSTER_EMAIL_HOST, ROSTER_EMAIL_PORT \
                 and the network.{hint}"
            ),
        ),
    })
}

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

fn no_starttls_message(settings: &MailSettings) -> String {
    let host = configured_host(settings).unwrap_or_default();
    format!(
        "The server {host}:{} does not offer STARTTLS; if it expects implicit TLS (usually port \
         465) set ROSTER_EMAIL_USE_SSL instead of ROSTER_EMAIL_USE_TLS; if it has no encryption \
         at all, turn ROSTER_EMAIL_USE_TLS off (only on a trusted network).",
        settings.port
    )
}

fn ok_message(settings: &MailSettings) -> String {
    let mut message = format!("Connected to {}", server_label(settings));
    message.push_str(match settings.tls {
        TlsMode::None => " without encryption",
        TlsMode::StartTls => "; STARTTLS worked and the certificate is valid",
        TlsMode::Implicit => "; the TLS certificate is valid",
    });
    match (&settings.username, settings.has_credentials()) {
        (Some(user), true) => {
            message.push_str(&format!("; the login as {user:?} was accepted"));
            if settings.tls == TlsMode::None {
                message.push_str(" (sent unencrypted: consider ROSTER_EMAIL_USE_TLS)");
            }
        }
        _ => message.push_str("; no login is configured"),
    }
    message.push('.');
    message
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
fn port_hint(settings: &MailSettings) -> &'static str {
    match (settings.port, settings.tls) {
        (465, TlsMode::Implicit) | (587, TlsMode::StartTls) => "",
        (465, _) => " Port 465 normally expects implicit TLS: set ROSTER_EMAIL_USE_SSL.",
        (587, _) => " Port 587 normally uses STARTTLS: set ROSTER_EMAIL_USE_TLS.",
        (_, TlsMode::Implicit) => " Implicit TLS (ROSTER_EMAIL_USE_SSL) is usually on port 465.",
        (_, TlsMode::StartTls) => " STARTTLS (ROSTER_EMAIL_USE_TLS) is usually on port 587.",
        (_, TlsMode::None) => "",
    }
}

fn secs(d: Duration) -> String {
    format!("{:.0} s", d.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_and_port_hint_follow_the_settings() {
        let mut s = MailSettings {
            host: Some("smtp.example.com".into()),
            port: 587,
            username: None,
            password: None,
            tls: TlsMode::StartTls,
            timeout: Duration::from_secs(3),
            from: "roster@example.com".into(),
            extra_root_pem: None,
        };
        assert_eq!(server_label(&s), "smtp.example.com:587 (STARTTLS)");
        assert_eq!(port_hint(&s), "");
        s.tls = TlsMode::None;
        assert!(port_hint(&s).contains("ROSTER_EMAIL_USE_TLS"));
        s.port = 465;
        assert!(port_hint(&s).contains("ROSTER_EMAIL_USE_SSL"));
        s.tls = TlsMode::Implicit;
        assert_eq!(port_hint(&s), "");
        s.host = None;
        assert_eq!(server_label(&s), "not configured");
        let json = serde_json::to_string(&Diagnosis::TlsModeMismatch).unwrap();
        assert_eq!(json, "\"tls_mode_mismatch\"");
    }
}
