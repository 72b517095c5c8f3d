//! The real server check: resolve, connect, greet, STARTTLS, AUTH, QUIT, one step at a time, so
//! that each failure gets a precise name and a plain-language fix.

use std::io;
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::mpsc;
use std::time::Duration;

use lettre::transport::smtp::authentication::Mechanism;
use lettre::transport::smtp::client::SmtpConnection;
use lettre::transport::smtp::extension::ClientId;

use super::diagnosis::{
    Diagnosis, Failure, Step, explain, no_starttls_message, port_hint, secs, server_label,
};
use super::settings::{MailSettings, TlsMode, configured_host};
use super::transport::{credentials, scrub, tls_parameters};

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
