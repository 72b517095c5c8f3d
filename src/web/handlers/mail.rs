//! The Mail page: the settings in force, Check and Save of new ones, the check's result while it
//! runs in the background, and a test mail.

use actix_web::{HttpResponse, http::StatusCode, web};
use serde::Deserialize;

use super::mail_form::{SettingsForm, changed_fields, parse_form, values_typed};
use super::{html, see_other};
use crate::config::current_mail::merge;
use crate::config::{CurrentMail, MailField};
use crate::db::audit::AuditAction;
use crate::mail::check_cache::PAGE_WAIT;
use crate::mail::{CheckOutcome, Diagnosis, Freshness};
use crate::web::admin_context::AdminContext;
use crate::web::csrf::VerifiedForm;
use crate::web::error::WebError;
use crate::web::notice::SignedNotice;
use crate::web::views::{self, mail::MailPanel, mail::SettingsValues};

/// Everything one rendering of the page shows besides the settings.
#[derive(Default)]
struct Extras {
    done: Option<String>,
    outcome: Option<(bool, String)>,
    problems: Vec<(MailField, String)>,
    test_result: Option<(bool, String)>,
}

pub(super) fn values_of(current: &CurrentMail) -> SettingsValues {
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

pub async fn status(
    ctx: AdminContext,
    query: web::Query<SignedNotice>,
) -> Result<HttpResponse, WebError> {
    let extras = Extras {
        done: query.verified(&ctx.state().secret_key, "mail"),
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

/// Check or Save: both check the typed settings; Save stores them when the check passes (or the
/// admin ticked "save anyway") and records which settings changed.
pub async fn save(
    ctx: AdminContext,
    form: VerifiedForm<SettingsForm>,
) -> Result<HttpResponse, WebError> {
    let form = form.into_inner();
    let saving = form.action.as_deref() == Some("save");
    let stored = ctx.store(|store| store.load_mail_settings()).await?;
    let before = merge(&ctx.state().config, &stored);
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
        ctx.store_change(move |store, actor| {
            store.save_mail_settings(&candidate)?;
            actor.record_in(
                store,
                AuditAction::MailSettingsChanged,
                "mail settings",
                &detail,
            )
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

#[derive(Deserialize)]
pub struct TestForm {
    address: String,
}

pub async fn send_test(
    ctx: AdminContext,
    form: VerifiedForm<TestForm>,
) -> Result<HttpResponse, WebError> {
    let address = form.address.trim().to_string();
    let result = if crate::domain::fields::is_valid_email(&address) {
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
