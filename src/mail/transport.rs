//! Sending one mail over SMTP with lettre's blocking transport (callers run it on a blocking
//! thread), plus the lettre plumbing shared with the check: TLS parameters, credentials and scrubbing.

use std::path::{Path, PathBuf};

use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{Message, SmtpTransport, Transport};

use super::diagnosis::{Diagnosis, Step, explain};
use super::settings::{MailSettings, Secret, TlsMode, configured_host};

/// A mail with a text and an HTML body (multipart/alternative).
#[derive(Debug, Clone)]
pub struct OutgoingMail {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Why a mail was not sent. The text is safe to show an admin: it never contains the password.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    #[error("mail is not configured: set ROSTER_EMAIL_HOST to your SMTP server")]
    NotConfigured,
    #[error(
        "the sender address {0:?} is not a valid e-mail address; check ROSTER_DEFAULT_FROM_EMAIL"
    )]
    InvalidFrom(String),
    #[error("the recipient address {0:?} is not a valid e-mail address")]
    InvalidRecipient(String),
    #[error("cannot use ROSTER_EMAIL_CA_FILE {}: {reason}", path.display())]
    CaFile { path: PathBuf, reason: String },
    #[error("cannot prepare the mail: {0}")]
    Build(String),
    /// The SMTP conversation failed; `message` says why in plain language.
    #[error("{message}")]
    Smtp {
        diagnosis: Diagnosis,
        message: String,
    },
}

/// Sends `mail` from `settings.from`; blocks for up to a few timeouts.
pub fn send(settings: &MailSettings, mail: &OutgoingMail) -> Result<(), SendError> {
    let host = configured_host(settings).ok_or(SendError::NotConfigured)?;
    let message = build_message(settings, mail)?;
    let transport = build_transport(settings, host)?;
    match transport.send(&message) {
        Ok(_) => Ok(()),
        Err(err) => {
            let (diagnosis, message) = explain(&err, settings, Step::Send);
            Err(SendError::Smtp {
                diagnosis,
                message: scrub(&message, settings),
            })
        }
    }
}

fn build_message(settings: &MailSettings, mail: &OutgoingMail) -> Result<Message, SendError> {
    let from: Mailbox = settings
        .from
        .trim()
        .parse()
        .map_err(|_| SendError::InvalidFrom(settings.from.clone()))?;
    let to: Mailbox = mail
        .to
        .trim()
        .parse()
        .map_err(|_| SendError::InvalidRecipient(mail.to.clone()))?;
    Message::builder()
        .from(from)
        .to(to)
        .subject(mail.subject.as_str())
        .message_id(None)
        .multipart(MultiPart::alternative_plain_html(
            mail.text.clone(),
            mail.html.clone(),
        ))
        .map_err(|e| SendError::Build(e.to_string()))
}

fn build_transport(settings: &MailSettings, host: &str) -> Result<SmtpTransport, SendError> {
    let tls = match settings.tls {
        TlsMode::None => Tls::None,
        TlsMode::StartTls => Tls::Required(tls_parameters(settings, host)?),
        TlsMode::Implicit => Tls::Wrapper(tls_parameters(settings, host)?),
    };
    let mut builder = SmtpTransport::builder_dangerous(host)
        .port(settings.port)
        .timeout(Some(settings.timeout))
        .tls(tls);
    if let Some(credentials) = credentials(settings) {
        builder = builder
            .credentials(credentials)
            .authentication(vec![Mechanism::Plain, Mechanism::Login]);
    }
    Ok(builder.build())
}

/// AUTH credentials, only when both user and password are set.
pub(crate) fn credentials(settings: &MailSettings) -> Option<Credentials> {
    if !settings.has_credentials() {
        return None;
    }
    let user = settings.username.clone().unwrap_or_default();
    let password = settings.password.as_ref().map(|p| p.expose().to_string());
    Some(Credentials::new(user, password.unwrap_or_default()))
}

/// TLS parameters for `host`: the public web roots plus the configured extra CA, if any.
pub(crate) fn tls_parameters(
    settings: &MailSettings,
    host: &str,
) -> Result<TlsParameters, SendError> {
    let mut builder = TlsParameters::builder(host.to_string());
    if let Some(path) = &settings.extra_root_pem {
        builder = builder.add_root_certificate(read_ca_file(path)?);
    }
    builder.build().map_err(|e| SendError::CaFile {
        path: settings.extra_root_pem.clone().unwrap_or_default(),
        reason: format!("the TLS setup failed ({e})"),
    })
}

fn read_ca_file(path: &Path) -> Result<Certificate, SendError> {
    let ca_error = |reason: String| SendError::CaFile {
        path: path.to_path_buf(),
        reason,
    };
    let pem = std::fs::read(path).map_err(|e| ca_error(format!("cannot read it ({e})")))?;
    // lettre accepts a PEM file without any certificate and then trusts nothing extra.
    if !pem
        .windows(b"-----BEGIN CERTIFICATE-----".len())
        .any(|w| w == b"-----BEGIN CERTIFICATE-----")
    {
        return Err(ca_error(
            "it contains no PEM certificate (-----BEGIN CERTIFICATE-----)".to_string(),
        ));
    }
    Certificate::from_pem(&pem).map_err(|_| ca_error("it is not a valid PEM certificate".into()))
}

/// Replaces the password in `text` (defence in depth: servers may echo what they received).
/// Passwords shorter than 4 characters are left alone so that messages stay readable.
pub(crate) fn scrub(text: &str, settings: &MailSettings) -> String {
    match settings.password.as_ref().map(Secret::expose) {
        Some(p) if p.chars().count() >= 4 => text.replace(p, "********"),
        _ => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn settings() -> MailSettings {
        MailSettings {
            host: Some("smtp.example.com".into()),
            port: 587,
            username: Some("u".into()),
            password: Some(Secret::new("s3cret-pass".into())),
            tls: TlsMode::StartTls,
            timeout: Duration::from_secs(5),
            from: "Roster <roster@example.com>".into(),
            extra_root_pem: None,
        }
    }

    fn mail(to: &str) -> OutgoingMail {
        OutgoingMail {
            to: to.into(),
            subject: "Hi".into(),
            text: "text".into(),
            html: "<p>html</p>".into(),
        }
    }

    #[test]
    fn blank_host_is_not_configured() {
        let mut s = settings();
        s.host = Some("  ".into());
        assert!(matches!(
            send(&s, &mail("a@b.c")),
            Err(SendError::NotConfigured)
        ));
    }

    #[test]
    fn bad_addresses_are_named() {
        let err = build_message(&settings(), &mail("not an address")).unwrap_err();
        assert!(matches!(err, SendError::InvalidRecipient(_)), "{err:?}");
        let mut s = settings();
        s.from = "nobody".into();
        let err = build_message(&s, &mail("a@example.com")).unwrap_err();
        assert!(
            err.to_string().contains("ROSTER_DEFAULT_FROM_EMAIL"),
            "{err}"
        );
    }

    #[test]
    fn ca_file_without_certificate_is_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ca.pem");
        std::fs::write(&path, "not a certificate").unwrap();
        let mut s = settings();
        s.extra_root_pem = Some(path);
        let Err(err) = tls_parameters(&s, "smtp.example.com") else {
            panic!("a file without a certificate was accepted");
        };
        assert!(err.to_string().contains("no PEM certificate"), "{err}");
    }

    #[test]
    fn scrub_hides_the_password() {
        let s = settings();
        assert_eq!(scrub("535 bad s3cret-pass", &s), "535 bad ********");
    }
}
