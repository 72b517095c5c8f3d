//! Forgot Password for users: the request form, the Django-compatible link, the new password.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::{html, see_other};
use crate::auth::password_validation::{UserAttributes, help_texts, new_password_problems};
use crate::auth::reset::{LinkPurpose, reset_recipients, send_link, user_for_token};
use crate::db::audit::AuditAction;
use crate::db::users::UserRecord;
use crate::db::web_store::SessionStore;
use crate::web::AppState;
use crate::web::audit::{Actor, user_target};
use crate::web::blocking::{compute, store};
use crate::web::csrf::{CsrfToken, VerifiedForm};
use crate::web::error::WebError;
use crate::web::path_param::PathParam;
use crate::web::session;
use crate::web::shared_limits::Limit;
use crate::web::views;

/// Holds the token between the mailed link and the form, so it leaves the address bar (as Django does).
const RESET_COOKIE: &str = "roster_reset";

pub async fn forgot_form(csrf: CsrfToken) -> HttpResponse {
    html(views::password::forgot(&csrf.0, None))
}

#[derive(Deserialize)]
pub struct ForgotForm {
    email: String,
}

/// Answers the same whether or not the address exists; mail goes out in the background.
pub async fn forgot(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: VerifiedForm<ForgotForm>,
) -> Result<HttpResponse, WebError> {
    let email = form.email.trim().to_string();
    // An address is counted only for clients still under their own limit, so a limited client
    // cannot keep filling the per-address map.
    let client_bucket = crate::web::ratelimit::request_bucket(&req);
    let allowed = Limit(&state, |s| &s.forgot_by_ip)
        .allow(client_bucket)
        .await?
        && Limit(&state, |s| &s.forgot_by_email)
            .allow(email.to_ascii_lowercase())
            .await?;
    if !allowed {
        tracing::warn!("password reset request rate-limited");
        return Err(WebError::bad_request(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many password reset requests. Wait a quarter of an hour and try again.",
        ));
    }
    let visitor = Actor::visitor(&email, &req);
    let state = state.clone();
    actix_web::rt::spawn(async move {
        let app = state.clone();
        let outcome = store(&state, move |store| {
            let users = reset_recipients(store, &email)?;
            let current = app.current_mail()?;
            for user in &users {
                let sent = send_link(
                    &current.mail,
                    &current.accounts,
                    &app.secret_key,
                    user,
                    LinkPurpose::Reset,
                );
                if let Err(err) = &sent {
                    tracing::warn!(user_id = user.id, error = %err, "password reset mail not sent");
                }
                // Only admins read the audit log; the visitor's answer is the same either way.
                let detail = if sent.is_ok() {
                    "Forgot Password; link mailed"
                } else {
                    "Forgot Password; the mail could not be sent"
                };
                let target = user_target(user.id, &user.username);
                visitor.record_in(store, AuditAction::PasswordResetRequested, &target, detail)?;
            }
            Ok(users.len())
        })
        .await;
        match outcome {
            Ok(count) => tracing::info!(matched = count, "password reset requested"),
            Err(err) => tracing::error!(error = ?err, "password reset request failed"),
        }
    });
    Ok(see_other("/password-reset/done"))
}

pub async fn forgot_done(state: web::Data<AppState>) -> HttpResponse {
    html(views::password::forgot_done(
        (state.config.accounts.reset_timeout_secs / 3600).max(1),
    ))
}

fn reset_cookie(token: &str) -> Cookie<'static> {
    Cookie::build(RESET_COOKIE, token.to_string())
        .path("/reset/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .finish()
}

/// The token the mailed link put into the reset cookie (empty when there is none).
fn reset_token(req: &HttpRequest) -> String {
    req.cookie(RESET_COOKIE)
        .map(|c| c.value().to_string())
        .unwrap_or_default()
}

fn invalid_link() -> HttpResponse {
    let mut response = html(views::password::link_invalid());
    *response.status_mut() = StatusCode::BAD_REQUEST;
    response
}

async fn find_user(
    state: &web::Data<AppState>,
    uidb64: String,
    token: String,
) -> Result<Option<UserRecord>, WebError> {
    let app = state.clone();
    store(state, move |store| {
        user_for_token(
            store,
            &app.config.accounts,
            &app.secret_key,
            &uidb64,
            &token,
        )
    })
    .await
}

/// The mailed link: checks the token, moves it into a cookie and redirects to the form.
pub async fn link(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, WebError> {
    let (uidb64, token) = path.into_inner();
    if find_user(&state, uidb64.clone(), token.clone())
        .await?
        .is_none()
    {
        return Ok(invalid_link());
    }
    let mut response = see_other(&format!("/reset/{uidb64}/set-password/"));
    response
        .add_cookie(&reset_cookie(&token))
        .map_err(|e| WebError::Unexpected(e.into()))?;
    Ok(response)
}

pub async fn set_password_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    csrf: CsrfToken,
    PathParam(uidb64): PathParam<String>,
) -> Result<HttpResponse, WebError> {
    let token = reset_token(&req);
    let Some(user) = find_user(&state, uidb64.clone(), token).await? else {
        return Ok(invalid_link());
    };
    let action = format!("/reset/{uidb64}/set-password/");
    Ok(html(views::password::set_password(
        &csrf.0,
        &action,
        &user.username,
        &help_texts(),
        &[],
    )))
}

#[derive(Deserialize)]
pub struct SetPasswordForm {
    new_password1: String,
    new_password2: String,
}

/// Applies Django's validators, stores the hash, and logs the user in.
pub async fn set_password(
    req: HttpRequest,
    state: web::Data<AppState>,
    csrf: CsrfToken,
    PathParam(uidb64): PathParam<String>,
    form: VerifiedForm<SetPasswordForm>,
) -> Result<HttpResponse, WebError> {
    let token = reset_token(&req);
    let Some(user) = find_user(&state, uidb64.clone(), token).await? else {
        return Ok(invalid_link());
    };
    let form = form.into_inner();
    let errors = new_password_problems(
        &form.new_password1,
        &form.new_password2,
        &UserAttributes::of(&user),
    );
    if !errors.is_empty() {
        let action = format!("/reset/{uidb64}/set-password/");
        let mut response = html(views::password::set_password(
            &csrf.0,
            &action,
            &user.username,
            &help_texts(),
            &errors,
        ));
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(response);
    }
    let iterations = state.config.import.pbkdf2_iterations;
    let previous = session::presented_key(&req);
    let actor = Actor {
        user_id: Some(user.id),
        name: user.username.clone(),
        client: crate::web::audit::client(&req),
    };
    let hash =
        compute(move || crate::auth::hashers::make_password(&form.new_password1, iterations))
            .await?;
    let (key, is_admin) = store(&state, move |store| {
        store.begin_write()?;
        let written = record_new_password(store, previous, &user, &hash, &actor);
        match written {
            Ok(()) => store.commit()?,
            Err(_) => store.rollback()?,
        }
        written?;
        let fresh = store
            .find_user_by_id(user.id)?
            .ok_or_else(|| anyhow::anyhow!("user vanished"))?;
        Ok((store.create_session(&fresh)?, fresh.is_admin()))
    })
    .await?;
    tracing::info!("password set through a reset link");
    let mut response = see_other(if is_admin {
        "/users"
    } else {
        "/account?password=set"
    });
    let mut gone = reset_cookie("");
    gone.make_removal();
    response
        .add_cookie(&gone)
        .map_err(|e| WebError::Unexpected(e.into()))?;
    session::start(&mut response, &key)?;
    Ok(response)
}

/// The new password, the login it makes and its audit entry, inside the write transaction the
/// caller began (which also ends the session presented before, as a login does).
fn record_new_password(
    store: &mut dyn SessionStore,
    previous: Option<String>,
    user: &UserRecord,
    hash: &str,
    actor: &Actor,
) -> anyhow::Result<()> {
    if let Some(previous) = previous {
        store.delete_session(&previous)?;
    }
    let first = !crate::auth::hashers::is_password_usable(&user.password);
    let (action, detail) = if first && store.was_invited(user.id)? {
        (
            AuditAction::InvitationUsed,
            "first password set through the invitation link",
        )
    } else if first {
        (
            AuditAction::PasswordSetByLink,
            "first password set through a Forgot Password link",
        )
    } else {
        (
            AuditAction::PasswordSetByLink,
            "password reset through a Forgot Password link",
        )
    };
    actor.record_in(store, action, &user_target(user.id, &user.username), detail)?;
    store.set_password(user.id, hash)?;
    store.touch_last_login(user.id)?;
    Ok(())
}
