//! The one-time link that creates the first admin while none exists.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use subtle::ConstantTimeEq;

use super::{html, see_other};
use crate::auth::hashers::make_password;
use crate::auth::password_validation::{UserAttributes, refusal};
use crate::db::audit::AuditAction;
use crate::db::web_store::SessionStore;
use crate::domain::fields::{
    is_valid_email, is_valid_username, normalize_email, normalize_username,
};
use crate::web::AppState;
use crate::web::audit::{Actor, user_target};
use crate::web::blocking::compute;
use crate::web::blocking::store;
use crate::web::csrf::{CsrfToken, VerifiedForm};
use crate::web::error::WebError;
use crate::web::path_param::PathParam;
use crate::web::session;
use crate::web::views;

/// The setup token is valid only while no admin exists and it has not been used.
fn setup_token_matches(state: &AppState, token: &str) -> bool {
    let guard = state.setup_token.lock().unwrap_or_else(|p| p.into_inner());
    guard
        .as_deref()
        .is_some_and(|expected| bool::from(expected.as_bytes().ct_eq(token.as_bytes())))
}

/// How a setup attempt ended, when the database answered.
enum SetupOutcome {
    Created {
        session_key: String,
    },
    /// Another user has that username or e-mail: the form asks again.
    IdentityTaken,
    /// Someone created an admin meanwhile: the link dies.
    AdminExists,
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
    PathParam(token): PathParam<String>,
) -> Result<HttpResponse, WebError> {
    if !setup_token_matches(&state, &token) {
        return Err(setup_gone());
    }
    let admin_exists = store(&state, |store| store.has_active_admin()).await?;
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
    username: String,
    email: String,
    password: String,
    password2: String,
}

pub async fn setup(
    req: actix_web::HttpRequest,
    state: web::Data<AppState>,
    csrf: CsrfToken,
    PathParam(token): PathParam<String>,
    form: VerifiedForm<SetupForm>,
) -> Result<HttpResponse, WebError> {
    if !setup_token_matches(&state, &token) {
        return Err(setup_gone());
    }
    let form = form.into_inner();
    let username = normalize_username(form.username.trim());
    let email = normalize_email(&form.email);
    let problem = if !is_valid_username(&username) {
        Some(
            "The username may only contain letters, digits and @ . + - _ (at most 150)."
                .to_string(),
        )
    } else if !is_valid_email(&email) {
        Some("Enter a valid e-mail address.".to_string())
    } else if let Some(problems) = refusal(
        &form.password,
        &UserAttributes {
            username: &username,
            first_name: "",
            last_name: "",
            email: &email,
        },
    ) {
        Some(problems)
    } else if form.password != form.password2 {
        Some("The two passwords do not match.".to_string())
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
        return Ok(again(&problem));
    }
    let iterations = state.config.import.pbkdf2_iterations;
    let password = form.password.clone();
    let (username2, email2) = (username.clone(), email.clone());
    let previous = session::presented_key(&req);
    let client = crate::web::audit::client(&req);
    let hash = compute(move || make_password(&password, iterations)).await?;
    let created = store(&state, move |store| {
        store.begin_write()?;
        let outcome = create_first_admin(store, previous, &username2, &email2, &hash, client);
        match outcome {
            Ok(SetupOutcome::Created { .. }) => store.commit()?,
            _ => store.rollback()?,
        }
        outcome
    })
    .await?;
    // A database failure is not the link's fault: it is logged and shown as a 500 (the `?`
    // above), and the link stays valid for another try.
    let key = match created {
        SetupOutcome::Created { session_key } => session_key,
        SetupOutcome::IdentityTaken => {
            return Ok(again("A user with this username or e-mail already exists."));
        }
        SetupOutcome::AdminExists => {
            *state.setup_token.lock().unwrap_or_else(|p| p.into_inner()) = None;
            return Err(setup_gone());
        }
    };
    *state.setup_token.lock().unwrap_or_else(|p| p.into_inner()) = None;
    tracing::info!("first admin created through the setup link");
    let mut response = see_other("/users");
    session::start(&mut response, &key)?;
    Ok(response)
}

/// The first admin, their audit entry and their session, inside the write transaction the caller
/// began (and commits only on `Created`).
fn create_first_admin(
    store: &mut dyn SessionStore,
    previous: Option<String>,
    username: &str,
    email: &str,
    hash: &str,
    client: String,
) -> anyhow::Result<SetupOutcome> {
    if let Some(previous) = previous {
        store.delete_session(&previous)?;
    }
    if store.has_active_admin()? {
        return Ok(SetupOutcome::AdminExists);
    }
    if store.identity_taken(username, email)? {
        return Ok(SetupOutcome::IdentityTaken);
    }
    let id = store.insert_superuser(username, email, hash)?;
    store.touch_last_login(id)?;
    let user = store
        .find_user_by_id(id)?
        .ok_or_else(|| anyhow::anyhow!("new admin vanished"))?;
    let actor = Actor {
        user_id: Some(id),
        name: user.username.clone(),
        client,
    };
    let target = user_target(id, &user.username);
    actor.record_in(
        store,
        AuditAction::AdminCreated,
        &target,
        "first admin, through the setup link",
    )?;
    let session_key = store.create_session(&user)?;
    Ok(SetupOutcome::Created { session_key })
}
