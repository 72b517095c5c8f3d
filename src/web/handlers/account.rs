//! Login, logout and the one-time first-admin setup.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use subtle::ConstantTimeEq;

use super::{html, see_other};
use crate::auth::hashers::{PasswordCheck, check_password, make_password, run_dummy_hash};
use crate::auth::password_validation::{UserAttributes, help_texts, validate_password};
use crate::db::users::UserRecord;
use crate::import::rules::{
    is_valid_email, is_valid_username, normalize_email, normalize_username,
};
use crate::web::AppState;
use crate::web::audit::{Actor, client, user_target};
use crate::web::csrf::{self, CsrfToken};
use crate::web::error::WebError;
use crate::web::session::{self, LoggedIn};
use crate::web::views;

const LOGIN_FAILED: &str =
    "Please enter a correct username and password. Note that both fields may be case-sensitive.";
const TOO_MANY_LOGINS: &str = "Too many login attempts. Wait a quarter of an hour and try again.";

#[derive(Debug, Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// Only local paths are followed after login.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_string(),
        _ => "/users".to_string(),
    }
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
    #[serde(default)]
    csrf_token: String,
    username: String,
    password: String,
    next: Option<String>,
}

pub async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    csrf: CsrfToken,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, WebError> {
    csrf.verify(&form.csrf_token)?;
    let form = form.into_inner();
    let next = safe_next(form.next.as_deref());
    let username = form.username.clone();
    let ip = req
        .peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_default();
    if !state.login_by_ip.allow(&ip) || !state.login_by_username.allow(&username) {
        tracing::warn!("login rate-limited");
        let (state2, visitor) = (state.clone(), Actor::visitor(&username, &req));
        web::block(move || visitor.record(&state2.db.connect()?, "login_rate_limited", "", ""))
            .await??;
        let mut response = html(views::auth::login(
            &csrf.0,
            &next,
            &username,
            Some(TOO_MANY_LOGINS),
        ));
        *response.status_mut() = StatusCode::TOO_MANY_REQUESTS;
        return Ok(response);
    }
    let iterations = state.config.import.pbkdf2_iterations;
    let state2 = state.clone();
    let visitor = Actor::visitor(&username, &req);
    let session_key = web::block(move || -> anyhow::Result<Option<(String, bool)>> {
        let conn = state2.db.connect()?;
        let Some(user) = authenticate(&conn, &form.username, &form.password, iterations)? else {
            visitor.record(
                &conn,
                "login_failed",
                "",
                "wrong username or password, or not allowed",
            )?;
            return Ok(None);
        };
        crate::db::users::touch_last_login(&conn, user.id, &crate::db::now_text())?;
        let actor = Actor {
            user_id: Some(user.id),
            ..visitor
        };
        actor.record(
            &conn,
            "login",
            &user_target(user.id, &user.username),
            if user.is_admin() { "admin" } else { "user" },
        )?;
        Ok(Some((
            crate::db::sessions::create(&conn, &user)?,
            user.is_admin(),
        )))
    })
    .await?
    .map_err(WebError::Unexpected)?;
    match session_key {
        Some((key, is_admin)) => {
            tracing::info!(is_admin, "user logged in");
            let mut response = see_other(if is_admin { &next } else { "/account" });
            response
                .add_cookie(&session::cookie(&key))
                .map_err(|e| WebError::Unexpected(e.into()))?;
            // A new CSRF token at login, so one planted before login is useless afterwards.
            let fresh = csrf::new_cookie(&crate::auth::hashers::random_string(43));
            response
                .add_cookie(&fresh)
                .map_err(|e| WebError::Unexpected(e.into()))?;
            Ok(response)
        }
        None => {
            tracing::info!("failed login");
            let mut response = html(views::auth::login(
                &csrf.0,
                &next,
                &username,
                Some(LOGIN_FAILED),
            ));
            *response.status_mut() = StatusCode::UNAUTHORIZED;
            Ok(response)
        }
    }
}

/// Checks credentials like Django's ModelBackend, admitting only admins; upgrades old hashes.
fn authenticate(
    conn: &rusqlite::Connection,
    username: &str,
    password: &str,
    iterations: u32,
) -> anyhow::Result<Option<UserRecord>> {
    let Some(user) = crate::db::users::find_by_username(conn, username)? else {
        run_dummy_hash(iterations);
        return Ok(None);
    };
    match check_password(password, &user.password, iterations) {
        PasswordCheck::Correct { must_update } => {
            let user = if must_update {
                crate::db::users::set_password(
                    conn,
                    user.id,
                    &make_password(password, iterations),
                )?;
                crate::db::users::find_by_id(conn, user.id)?.unwrap_or(user)
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

#[derive(Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    csrf_token: String,
}

pub async fn logout(
    req: HttpRequest,
    state: web::Data<AppState>,
    csrf: CsrfToken,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse, WebError> {
    csrf.verify(&form.csrf_token)?;
    if let Some(cookie) = req.cookie(session::COOKIE) {
        let key = cookie.value().to_string();
        web::block(move || {
            let conn = state.db.connect()?;
            crate::db::sessions::delete(&conn, &key)
        })
        .await??;
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
    #[serde(default)]
    csrf_token: String,
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
    form: web::Form<ChangePasswordForm>,
) -> Result<HttpResponse, WebError> {
    csrf.verify(&form.csrf_token)?;
    let form = form.into_inner();
    let iterations = state.config.import.pbkdf2_iterations;
    let stored = user.0.password.clone();
    let old = form.old_password.clone();
    let old_ok = web::block(move || {
        matches!(
            check_password(&old, &stored, iterations),
            PasswordCheck::Correct { .. }
        )
    })
    .await?;
    let u = &user.0;
    let mut errors = Vec::new();
    if !old_ok {
        errors
            .push("Your old password was entered incorrectly. Please enter it again.".to_string());
    } else if form.new_password1 != form.new_password2 {
        errors.push("The two password fields didn't match.".to_string());
    } else {
        let attributes = UserAttributes {
            username: &u.username,
            first_name: &u.first_name,
            last_name: &u.last_name,
            email: &u.email,
        };
        errors.extend(
            validate_password(&form.new_password1, &attributes)
                .into_iter()
                .map(|p| p.message),
        );
    }
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
    let key = web::block(move || -> anyhow::Result<String> {
        let conn = state.db.connect()?;
        crate::db::users::set_password(&conn, id, &make_password(&form.new_password1, iterations))?;
        // Like Django's update_session_auth_hash: other sessions end, this one continues.
        crate::db::user_admin::terminate_sessions(&conn, id)?;
        actor.record(&conn, "password_changed", &target, "by the user")?;
        let fresh = crate::db::users::find_by_id(&conn, id)?
            .ok_or_else(|| anyhow::anyhow!("user vanished"))?;
        Ok(crate::db::sessions::create(&conn, &fresh)?)
    })
    .await?
    .map_err(WebError::Unexpected)?;
    let mut response = see_other("/account?password=changed");
    response
        .add_cookie(&session::cookie(&key))
        .map_err(|e| WebError::Unexpected(e.into()))?;
    Ok(response)
}

/// The setup token is valid only while no admin exists and it has not been used.
fn setup_token_matches(state: &AppState, token: &str) -> bool {
    let guard = state.setup_token.lock().unwrap_or_else(|p| p.into_inner());
    guard
        .as_deref()
        .is_some_and(|expected| bool::from(expected.as_bytes().ct_eq(token.as_bytes())))
}

fn setup_gone() -> WebError {
    WebError::bad_request(
        StatusCode::NOT_FOUND,
        "This setup link is no longer valid: an admin already exists. Log in, or run `roster createsuperuser`.",
    )
}

pub async fn setup_form(
    state: web::Data<AppState>,
    csrf: CsrfToken,
    path: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    let token = path.into_inner();
    if !setup_token_matches(&state, &token) {
        return Err(setup_gone());
    }
    let state2 = state.clone();
    let admin_exists =
        web::block(move || crate::db::users::has_active_admin(&state2.db.connect()?)).await??;
    if admin_exists {
        // Someone ran `roster createsuperuser` meanwhile: the link dies now.
        *state.setup_token.lock().unwrap_or_else(|p| p.into_inner()) = None;
        return Err(setup_gone());
    }
    let action = format!("/setup/{token}");
    Ok(html(views::auth::setup(
        &csrf.0,
        &action,
        &views::auth::SetupForm::default(),
        None,
    )))
}

#[derive(Deserialize)]
pub struct SetupForm {
    #[serde(default)]
    csrf_token: String,
    username: String,
    email: String,
    password: String,
    password2: String,
}

pub async fn setup(
    state: web::Data<AppState>,
    csrf: CsrfToken,
    path: web::Path<String>,
    form: web::Form<SetupForm>,
) -> Result<HttpResponse, WebError> {
    csrf.verify(&form.csrf_token)?;
    let token = path.into_inner();
    if !setup_token_matches(&state, &token) {
        return Err(setup_gone());
    }
    let form = form.into_inner();
    let username = normalize_username(form.username.trim());
    let email = normalize_email(&form.email);
    let problem = if !is_valid_username(&username) {
        Some("The username may only contain letters, digits and @ . + - _ (at most 150).")
    } else if !is_valid_email(&email) {
        Some("Enter a valid e-mail address.")
    } else if form.password.chars().count() < 8 {
        Some("The password must have at least 8 characters.")
    } else if form.password != form.password2 {
        Some("The two passwords do not match.")
    } else {
        None
    };
    let action = format!("/setup/{token}");
    let again = |message: &str| {
        let mut response = html(views::auth::setup(
            &csrf.0,
            &action,
            &views::auth::SetupForm {
                username: &form.username,
                email: &form.email,
            },
            Some(message),
        ));
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        response
    };
    if let Some(problem) = problem {
        return Ok(again(problem));
    }
    let iterations = state.config.import.pbkdf2_iterations;
    let password = form.password.clone();
    let (username2, email2) = (username.clone(), email.clone());
    let state2 = state.clone();
    let created = web::block(move || -> anyhow::Result<Option<String>> {
        let hash = make_password(&password, iterations);
        let mut conn = state2.db.connect()?;
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        if crate::db::users::has_active_admin(&tx)? {
            anyhow::bail!("admin exists");
        }
        if crate::db::users::identity_taken(&tx, &username2, &email2)? {
            return Ok(None);
        }
        let now = crate::db::now_text();
        let id = crate::db::users::insert_superuser(&tx, &username2, &email2, &hash, &now)?;
        crate::db::users::touch_last_login(&tx, id, &now)?;
        let user = crate::db::users::find_by_id(&tx, id)?
            .ok_or_else(|| anyhow::anyhow!("new admin vanished"))?;
        crate::db::audit::record(
            &tx,
            &crate::db::audit::AuditEntry {
                actor_user_id: Some(id),
                actor: &user.username,
                action: "admin_created",
                target: &user_target(id, &user.username),
                detail: "first admin, through the setup link",
                client: "",
            },
        )?;
        let key = crate::db::sessions::create(&tx, &user)?;
        tx.commit()?;
        Ok(Some(key))
    })
    .await?;
    let key = match created {
        Ok(Some(key)) => key,
        Ok(None) => return Ok(again("A user with this username or e-mail already exists.")),
        Err(_) => {
            *state.setup_token.lock().unwrap_or_else(|p| p.into_inner()) = None;
            return Err(setup_gone());
        }
    };
    *state.setup_token.lock().unwrap_or_else(|p| p.into_inner()) = None;
    tracing::info!("first admin created through the setup link");
    let mut response = see_other("/users");
    response
        .add_cookie(&session::cookie(&key))
        .map_err(|e| WebError::Unexpected(e.into()))?;
    Ok(response)
}
