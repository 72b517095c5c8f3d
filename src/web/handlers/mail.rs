//! The Mail page: the settings in force, Check and Save of new ones, the check's result while it
//! runs in the background, and a test mail.

use actix_web::{HttpResponse, http::StatusCode, web};
use serde::Deserialize;

use super::{html, see_other};
use crate::config::parse_base_url;
use crate::db::mail_settings::StoredMail;
use crate::mail::check_cache::PAGE_WAIT;
use crate::mail::current::merge;
use crate::mail::{CheckOutcome, CurrentMail, Diagnosis, Freshness, MailField, MailLocks, TlsMode};
use crate::web::admin_context::AdminContext;
use crate::web::csrf::VerifiedForm;
use crate::web::error::WebError;
use crate::web::views::{self, mail::MailPanel, mail::SettingsValues};

/// Everything one rendering of the page shows besides the settings.
#[derive(Default)]
struct Extras {
    done: Option<String>,
    outcome: Option<(bool, String)>,
    problems: Vec<(MailField, String)>,
    test_result: Option<(bool, String)>,
}

fn values_of(current: &CurrentMail) -> SettingsValues {
    let mail = &current.mail;
    SettingsValues {
        host: mail.host.clone().unwrap_or_default(),
        port: mail.port.to_string(),
        tls: mail.tls,
        login: mail.username.clone().unwrap_or_default(),
        from: mail.from.clone(),
        base_url: current.accounts.base_url.clone(),
        has_password: mail.password.is_some(),
    }
}

/// The page for `current` with `check`; with a running check, the ticket its script polls.
fn render(
    ctx: &AdminContext,
    values: &SettingsValues,
    current: &CurrentMail,
    check: &CheckOutcome,
    extras: &Extras,
) -> HttpResponse {
    let check_ticket = (check.diagnosis == Diagnosis::StillRunning)
        .then(|| ctx.state().mail_checks.ticket(&current.mail))
        .flatten();
    let panel = MailPanel {
        values,
        locks: &current.locks,
        check,
        check_ticket,
        done: extras.done.as_deref(),
        outcome: extras.outcome.as_ref().map(|(g, m)| (*g, m.as_str())),
        problems: &extras.problems,
        test_result: extras.test_result.as_ref().map(|(ok, m)| (*ok, m.as_str())),
    };
    html(views::mail::panel(ctx.chrome(), &panel))
}

/// The settings in force and their check (a recent one, or at most two seconds of waiting).
async fn current_and_check(ctx: &AdminContext) -> Result<(CurrentMail, CheckOutcome), WebError> {
    ctx.blocking(|state, _| {
        let current = state.current_mail()?;
        let check = state.page_mail_check(&current.mail);
        Ok((current, check))
    })
    .await
}

/// The page with the settings in force and their check.
async fn page_in_force(ctx: &AdminContext, extras: &Extras) -> Result<HttpResponse, WebError> {
    let (current, check) = current_and_check(ctx).await?;
    Ok(render(ctx, &values_of(&current), &current, &check, extras))
}

#[derive(Deserialize)]
pub struct StatusQuery {
    done: Option<String>,
    sig: Option<String>,
}

pub async fn status(
    ctx: AdminContext,
    query: web::Query<StatusQuery>,
) -> Result<HttpResponse, WebError> {
    let extras = Extras {
        done: crate::web::notice::verified(
            &ctx.state().secret_key,
            "mail",
            query.done.as_deref(),
            query.sig.as_deref(),
        ),
        ..Extras::default()
    };
    page_in_force(&ctx, &extras).await
}

/// The result of a check the page is waiting for, as JSON for its script.
pub async fn check_result(ctx: AdminContext, path: web::Path<u64>) -> HttpResponse {
    match ctx.state().mail_checks.by_ticket(path.into_inner()) {
        None => HttpResponse::NotFound().json(serde_json::json!({ "done": false })),
        Some(None) => HttpResponse::Ok().json(serde_json::json!({ "done": false })),
        Some(Some(outcome)) => HttpResponse::Ok().json(serde_json::json!({
            "done": true,
            "ok": outcome.ok(),
            "message": outcome.message,
        })),
    }
}

#[derive(Deserialize)]
pub struct SettingsForm {
    host: Option<String>,
    port: Option<String>,
    encryption: Option<String>,
    login: Option<String>,
    password: Option<String>,
    clear_password: Option<String>,
    from: Option<String>,
    base_url: Option<String>,
    save_anyway: Option<String>,
    action: Option<String>,
}

/// The form as settings to store; fields a flag or variable set are left out (`None`).
fn parse_form(
    form: &SettingsForm,
    before: &CurrentMail,
    stored_password: Option<String>,
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
    if free(MailField::From) && !crate::import::rules::is_valid_email(&from) {
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
        Some(String::new())
    } else {
        typed.or(stored_password)
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
fn changed_fields(before: &CurrentMail, after: &CurrentMail) -> Vec<&'static str> {
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

/// Check or Save: both check the typed settings; Save stores them when the check passes (or the
/// admin ticked "save anyway") and records which settings changed.
pub async fn save(
    ctx: AdminContext,
    form: VerifiedForm<SettingsForm>,
) -> Result<HttpResponse, WebError> {
    let form = form.into_inner();
    let saving = form.action.as_deref() == Some("save");
    let (before, stored) = ctx
        .blocking(|state, _| {
            let conn = state.db.connect()?;
            let stored = crate::db::mail_settings::load(&conn)?;
            Ok((merge(&state.config, &stored), stored))
        })
        .await?;
    let candidate = match parse_form(&form, &before, stored.password.clone()) {
        Ok(candidate) => candidate,
        Err(problems) => {
            let (current, check) = current_and_check(&ctx).await?;
            let mut values = values_typed(&form, &current);
            values.has_password = current.mail.password.is_some();
            let extras = Extras {
                outcome: Some((
                    false,
                    "Nothing was saved: correct the fields marked below.".into(),
                )),
                problems,
                ..Extras::default()
            };
            let mut response = render(&ctx, &values, &current, &check, &extras);
            *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            return Ok(response);
        }
    };
    let after = merge(&ctx.state().config, &candidate);
    let freshness = if saving {
        Freshness::Recent
    } else {
        Freshness::New
    };
    let settings = after.mail.clone();
    let check = ctx
        .blocking(move |state, _| Ok(state.mail_checks.outcome(&settings, freshness, PAGE_WAIT)))
        .await?;
    let anyway = form.save_anyway.is_some();
    if saving && (check.ok() || anyway) {
        let changed = changed_fields(&before, &after);
        let detail = match (changed.is_empty(), check.ok()) {
            (true, _) => "nothing changed".to_string(),
            (false, true) => format!("changed: {}", changed.join(", ")),
            (false, false) => format!(
                "changed: {}; saved although the check did not pass",
                changed.join(", ")
            ),
        };
        ctx.change(move |tx, actor| {
            crate::db::mail_settings::save(tx, &candidate)?;
            actor.record(tx, "mail_settings_changed", "mail settings", &detail)
        })
        .await?;
        tracing::info!(fields = %changed.join(","), "mail settings saved");
        let done = if changed.is_empty() {
            "Mail settings saved (nothing changed).".to_string()
        } else {
            format!("Mail settings saved and in use: {}.", changed.join(", "))
        };
        let query = crate::web::notice::query(&ctx.state().secret_key, "mail", &done);
        return Ok(see_other(&format!("/mail?{query}")));
    }
    let outcome = match (saving, check.diagnosis) {
        (false, _) => (
            true,
            "Checked the settings below; nothing was saved yet.".to_string(),
        ),
        (true, Diagnosis::StillRunning) => (
            false,
            "Not saved yet: the check is still running. Press Save again once it has finished, \
             or tick \"save anyway\"."
                .to_string(),
        ),
        (true, _) => (
            false,
            "Not saved: the check did not pass. Correct the settings, or tick \"save anyway\"."
                .to_string(),
        ),
    };
    let mut values = values_typed(&form, &after);
    values.has_password = after.mail.password.is_some();
    let extras = Extras {
        outcome: Some(outcome),
        ..Extras::default()
    };
    Ok(render(&ctx, &values, &after, &check, &extras))
}

/// The form as typed, for showing it again (never the password); locked fields show their value.
fn values_typed(form: &SettingsForm, current: &CurrentMail) -> SettingsValues {
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

#[derive(Deserialize)]
pub struct TestForm {
    address: String,
}

pub async fn send_test(
    ctx: AdminContext,
    form: VerifiedForm<TestForm>,
) -> Result<HttpResponse, WebError> {
    let address = form.address.trim().to_string();
    let result = if crate::import::rules::is_valid_email(&address) {
        let to = address.clone();
        let sent = ctx
            .blocking(move |state, _| {
                let settings = state.current_mail()?.mail;
                let server = format!(
                    "{}:{}",
                    settings.host.as_deref().unwrap_or("?"),
                    settings.port
                );
                Ok(crate::mail::send(
                    &settings,
                    &crate::mail::messages::test_message(&to, &server),
                ))
            })
            .await?;
        tracing::info!(sent = sent.is_ok(), "test e-mail requested");
        match sent {
            Ok(()) => (true, format!("Test e-mail sent to {address}.")),
            Err(err) => (false, format!("The test e-mail was not sent: {err}")),
        }
    } else {
        (
            false,
            format!("\"{address}\" is not a valid e-mail address."),
        )
    };
    let extras = Extras {
        test_result: Some(result),
        ..Extras::default()
    };
    page_in_force(&ctx, &extras).await
}
