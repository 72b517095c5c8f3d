//! The Mail page's settings form: reading it into settings to store, and showing it again.

use serde::Deserialize;

use super::mail::values_of;
use crate::config::parse_base_url;
use crate::config::{CurrentMail, MailField, MailLocks};
use crate::db::mail_settings::StoredMail;
use crate::mail::{Secret, TlsMode};
use crate::web::views::mail::SettingsValues;

#[derive(Deserialize)]
pub struct SettingsForm {
    pub host: Option<String>,
    pub port: Option<String>,
    pub encryption: Option<String>,
    pub login: Option<String>,
    pub password: Option<String>,
    pub clear_password: Option<String>,
    pub from: Option<String>,
    pub base_url: Option<String>,
    pub save_anyway: Option<String>,
    pub action: Option<String>,
}

/// The form as settings to store; fields a flag or variable set are left out (`None`).
pub(super) fn parse_form(
    form: &SettingsForm,
    before: &CurrentMail,
    stored_password: Option<Secret>,
) -> Result<StoredMail, Vec<(MailField, String)>> {
    let locks = &before.locks;
    let free = |field| locks.locked_by(field).is_none();
    let text = |value: &Option<String>| value.as_deref().unwrap_or_default().trim().to_string();
    let mut problems = Vec::new();
    let tls = match form.encryption.as_deref() {
        Some("none") => TlsMode::None,
        Some("starttls") => TlsMode::StartTls,
        Some("tls") => TlsMode::Implicit,
        _ => before.mail.tls,
    };
    let host = text(&form.host);
    if host
        .chars()
        .any(|c| c.is_whitespace() || c == '/' || c == ':')
    {
        problems.push((
            MailField::Host,
            format!(
                "Server \"{host}\" is not a host name: give the name alone, e.g. \
                 smtp.example.com (the port goes in Port)."
            ),
        ));
    }
    let port_text = text(&form.port);
    let port = if port_text.is_empty() {
        Some(match tls {
            TlsMode::Implicit => 465,
            TlsMode::StartTls => 587,
            TlsMode::None => 25,
        })
    } else {
        match port_text.parse::<u16>() {
            Ok(port) if port > 0 => Some(port),
            _ => {
                problems.push((
                    MailField::Port,
                    format!(
                        "Port \"{port_text}\" is not a port number (1 to 65535): usually 587 \
                         with STARTTLS, 465 with TLS, 25 without encryption."
                    ),
                ));
                None
            }
        }
    };
    let from = text(&form.from);
    if free(MailField::From) && !crate::domain::fields::is_valid_email(&from) {
        problems.push((
            MailField::From,
            format!("From address \"{from}\" is not an e-mail address, e.g. roster@example.com."),
        ));
    }
    let base_url = match parse_base_url(&text(&form.base_url)) {
        Ok(url) => Some(url),
        Err(problem) if free(MailField::BaseUrl) => {
            problems.push((MailField::BaseUrl, format!("Site link {problem}.")));
            None
        }
        Err(_) => None,
    };
    if !problems.is_empty() {
        return Err(problems);
    }
    let typed = form.password.clone().filter(|p| !p.is_empty());
    let password = if form.clear_password.is_some() {
        Some(Secret::new(String::new()))
    } else {
        typed.map(Secret::new).or(stored_password)
    };
    Ok(StoredMail {
        host: unless_locked(locks, MailField::Host, Some(host)),
        port: unless_locked(locks, MailField::Port, port),
        tls: unless_locked(locks, MailField::Encryption, Some(tls)),
        username: unless_locked(locks, MailField::Login, Some(text(&form.login))),
        password: unless_locked(locks, MailField::Password, password),
        from: unless_locked(locks, MailField::From, Some(from)),
        base_url: unless_locked(locks, MailField::BaseUrl, base_url),
    })
}

/// `value`, unless a flag or variable set `field` (then the saved value stays unset).
fn unless_locked<T>(locks: &MailLocks, field: MailField, value: Option<T>) -> Option<T> {
    locks.locked_by(field).is_none().then_some(value).flatten()
}

/// The names of the settings that differ between `before` and `after` (the password by name only).
pub(super) fn changed_fields(before: &CurrentMail, after: &CurrentMail) -> Vec<&'static str> {
    let (b, a) = (&before.mail, &after.mail);
    MailField::ALL
        .into_iter()
        .filter(|field| match field {
            MailField::Host => b.host != a.host,
            MailField::Port => b.port != a.port,
            MailField::Encryption => b.tls != a.tls,
            MailField::Login => b.username != a.username,
            MailField::Password => b.password != a.password,
            MailField::From => b.from != a.from,
            MailField::BaseUrl => before.accounts.base_url != after.accounts.base_url,
        })
        .map(MailField::name)
        .collect()
}

/// The form as typed, for showing it again (never the password); locked fields show their value.
pub(super) fn values_typed(form: &SettingsForm, current: &CurrentMail) -> SettingsValues {
    let shown = values_of(current);
    let locks = &current.locks;
    let typed = |field, value: &Option<String>, fallback: String| {
        if locks.locked_by(field).is_some() {
            fallback
        } else {
            value.clone().unwrap_or_default()
        }
    };
    SettingsValues {
        host: typed(MailField::Host, &form.host, shown.host),
        port: typed(MailField::Port, &form.port, shown.port),
        tls: shown.tls,
        login: typed(MailField::Login, &form.login, shown.login),
        from: typed(MailField::From, &form.from, shown.from),
        base_url: typed(MailField::BaseUrl, &form.base_url, shown.base_url),
        has_password: shown.has_password,
    }
}
