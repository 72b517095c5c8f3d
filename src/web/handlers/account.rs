//! Login, logout and the one-time first-admin setup.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::{html, see_other};
use crate::auth::hashers::{PasswordCheck, check_password, make_password, run_dummy_hash};
use crate::auth::password_validation::{UserAttributes, help_texts, new_password_problems};
use crate::db::audit::AuditAction;
use crate::db::users::UserRecord;
use crate::db::web_store::{SessionStore, write_transaction};
use crate::web::AppState;
use crate::web::audit::{Actor, client, user_target};
use crate::web::blocking::compute;
use crate::web::blocking::store;
use crate::web::csrf::{CsrfToken, TokenOnly, VerifiedForm};
use crate::web::error::WebError;
use crate::web::session::{self, LoggedIn};
use crate::web::shared_limits::Limit;
use crate::web::views;

const LOGIN_FAILED: &str =
    "Please enter a correct username and password. Note that both fields may be case-sensitive.";
const TOO_MANY_LOGINS: &str = "Too many login attempts. Wait a quarter of an hour and try again.";

#[derive(Debug, Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// Only plain paths on this site are followed after login: one leading slash, no scheme or host,
/// and no backslash, whitespace or control character (browsers drop TAB/CR/LF, which turns
/// `/\t/evil.example` into `//evil.example`, and CR/LF cannot go in a header at all).
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if is_plain_local_path(n) => n.to_string(),
        _ => "/users".to_string(),
    }
}

fn is_plain_local_path(path: &str) -> bool {
    path.starts_with('/')
        && !path.starts_with("//")
        && path.len() <= 2048
        && path
            .chars()
            .all(|c| c != '\\' && !c.is_control() && !c.is_whitespace())
}

pub async fn login_form(csrf: CsrfToken, query: web::Query<NextQuery>) -> HttpResponse {
    html(views::auth::login(
        &csrf.0,
        &safe_next(query.next.as_deref()),
        "",
        None,
    ))
}

#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    next: Option<String>,
}

pub async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    csrf: CsrfToken,
    form: VerifiedForm<LoginForm>,
) -> Result<HttpResponse, WebError> {
    let form = form.into_inner();
    let next = safe_next(form.next.as_deref());
    let username = form.username.clone();
    let ip = crate::web::ratelimit::request_bucket(&req);
    // Per client every attempt counts; per account only failures do, and an account over its
    // limit still admits clients its owner has logged in from before (see README, Security).
    let mut limited = !Limit(&state, |s| &s.login_by_ip).allow(ip.clone()).await?;
    if !limited
        && Limit(&state, |s| &s.login_by_username)
            .is_exhausted(username.clone())
            .await?
    {
        let (name, from) = (username.clone(), client(&req));
        limited = !store(&state, move |store| store.has_logged_in_from(&name, &from)).await?;
    }
    if limited {
        tracing::warn!("login rate-limited");
        // Recorded once per client and window, so a flood cannot fill the append-only log.
        if Limit(&state, |s| &s.login_limit_audited).allow(ip).await? {
            let visitor = Actor::visitor(&username, &req);
            store(&state, move |store| {
                visitor.record_in(store, AuditAction::LoginRateLimited, "", "")
            })
            .await?;
        }
        let page = views::auth::login(&csrf.0, &next, &username, Some(TOO_MANY_LOGINS));
        return Ok(with_status(page, StatusCode::TOO_MANY_REQUESTS));
    }
    let iterations = state.config.import.pbkdf2_iterations;
    let visitor = Actor::visitor(&username, &req);
    let previous = session::presented_key(&req);
    let session_key = store(&state, move |store| {
        let Some(user) = authenticate(store, &form.username, &form.password, iterations)? else {
            visitor.record_in(
                store,
                AuditAction::LoginFailed,
                "",
                "wrong username or password, or not allowed",
            )?;
            return Ok(None);
        };
        if let Some(previous) = previous {
            store.delete_session(&previous)?;
        }
        store.touch_last_login(user.id)?;
        let actor = Actor {
            user_id: Some(user.id),
            ..visitor
        };
        actor.record_in(
            store,
            AuditAction::Login,
            &user_target(user.id, &user.username),
            if user.is_admin() { "admin" } else { "user" },
        )?;
        Ok(Some((store.create_session(&user)?, user.is_admin())))
    })
    .await?;
    match session_key {
        Some((key, is_admin)) => {
            tracing::info!(is_admin, "user logged in");
            let mut response = see_other(if is_admin { &next } else { "/account" });
            session::start(&mut response, &key)?;
            Ok(response)
        }
        None => {
            tracing::info!("failed login");
            Limit(&state, |s| &s.login_by_username)
                .allow(username.clone())
                .await?;
            let page = views::auth::login(&csrf.0, &next, &username, Some(LOGIN_FAILED));
            Ok(with_status(page, StatusCode::UNAUTHORIZED))
        }
    }
}

/// The login page again, with its message, under `status`.
fn with_status(page: maud::Markup, status: StatusCode) -> HttpResponse {
    let mut response = html(page);
    *response.status_mut() = status;
    response
}

/// Checks credentials like Django's ModelBackend, admitting only admins; upgrades old hashes.
fn authenticate(
    store: &mut dyn SessionStore,
    username: &str,
    password: &str,
    iterations: u32,
) -> anyhow::Result<Option<UserRecord>> {
    let Some(user) = store.find_user_by_username(username)? else {
        run_dummy_hash(iterations);
        return Ok(None);
    };
    match check_password(password, &user.password, iterations) {
        PasswordCheck::Correct { must_update } => {
            let user = if must_update {
                store.set_password(user.id, &make_password(password, iterations))?;
                store.find_user_by_id(user.id)?.unwrap_or(user)
            } else {
                user
            };
            Ok(user.is_active.then_some(user))
        }
        PasswordCheck::Unsupported { algorithm } => {
            tracing::warn!(%algorithm, "login refused: password hash algorithm not supported by Roster");
            Ok(None)
        }
        PasswordCheck::Wrong | PasswordCheck::Unusable | PasswordCheck::Malformed => Ok(None),
    }
}

pub async fn logout(
    req: HttpRequest,
    state: web::Data<AppState>,
    _verified: VerifiedForm<TokenOnly>,
) -> Result<HttpResponse, WebError> {
    if let Some(cookie) = req.cookie(session::COOKIE) {
        let key = cookie.value().to_string();
        store(&state, move |store| store.delete_session(&key)).await?;
    }
    let mut response = see_other("/login");
    response
        .add_cookie(&session::removal())
        .map_err(|e| WebError::Unexpected(e.into()))?;
    Ok(response)
}

#[derive(Debug, Deserialize)]
pub struct AccountQuery {
    password: Option<String>,
}

/// The page a user without admin rights lands on.
pub async fn account(
    user: LoggedIn,
    csrf: CsrfToken,
    query: web::Query<AccountQuery>,
) -> HttpResponse {
    let notice = match query.password.as_deref() {
        Some("set") => Some("Your password is set. You are logged in."),
        Some("changed") => Some("Your password was changed."),
        _ => None,
    };
    account_page(&user, &csrf, notice, &[])
}

fn account_page(
    user: &LoggedIn,
    csrf: &CsrfToken,
    notice: Option<&str>,
    errors: &[String],
) -> HttpResponse {
    let u = &user.0;
    let name = format!("{} {}", u.first_name, u.last_name)
        .trim()
        .to_string();
    html(views::password::account(
        &csrf.0,
        &u.username,
        &name,
        &u.email,
        notice,
        &help_texts(),
        errors,
    ))
}

#[derive(Deserialize)]
pub struct ChangePasswordForm {
    old_password: String,
    new_password1: String,
    new_password2: String,
}

/// Django's PasswordChangeForm: the old password, then the validators; this session stays valid.
pub async fn change_password(
    req: HttpRequest,
    user: LoggedIn,
    csrf: CsrfToken,
    state: web::Data<AppState>,
    form: VerifiedForm<ChangePasswordForm>,
) -> Result<HttpResponse, WebError> {
    let form = form.into_inner();
    let iterations = state.config.import.pbkdf2_iterations;
    let stored = user.0.password.clone();
    let old = form.old_password.clone();
    let old_ok = compute(move || {
        matches!(
            check_password(&old, &stored, iterations),
            PasswordCheck::Correct { .. }
        )
    })
    .await?;
    let u = &user.0;
    let errors = if old_ok {
        new_password_problems(
            &form.new_password1,
            &form.new_password2,
            &UserAttributes::of(u),
        )
    } else {
        vec!["Your old password was entered incorrectly. Please enter it again.".to_string()]
    };
    if !errors.is_empty() {
        let mut response = account_page(&user, &csrf, None, &errors);
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(response);
    }
    let id = u.id;
    let target = user_target(id, &u.username);
    let actor = Actor {
        user_id: Some(id),
        name: u.username.clone(),
        client: client(&req),
    };
    let hash = compute(move || make_password(&form.new_password1, iterations)).await?;
    let key = store(&state, move |store| {
        // One transaction: the new password, the ended sessions and the audit entry land
        // together or not at all.
        write_transaction(store, |store| {
            store.set_password(id, &hash)?;
            // Like Django's update_session_auth_hash: other sessions end, this one continues.
            store.terminate_sessions(id)?;
            actor.record_in(store, AuditAction::PasswordChanged, &target, "by the user")?;
            let fresh = store
                .find_user_by_id(id)?
                .ok_or_else(|| anyhow::anyhow!("user vanished"))?;
            store.create_session(&fresh)
        })
    })
    .await?;
    let mut response = see_other("/account?password=changed");
    response
        .add_cookie(&session::cookie(&key))
        .map_err(|e| WebError::Unexpected(e.into()))?;
    Ok(response)
}
