//! The buttons on one user's page that act on the account at once: end their sessions, mail a
//! reset link, set a password.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use serde::Deserialize;

use super::see_other;
use super::users::{render, render_refusal};
use crate::auth::password_validation::{UserAttributes, new_password_problems};
use crate::auth::reset::{LinkPurpose, send_link};
use crate::db::audit::AuditAction;
use crate::web::admin_context::AdminContext;
use crate::web::audit::user_target;
use crate::web::csrf::VerifiedForm;
use crate::web::error::WebError;
use crate::web::path_param::PathParam;
use crate::web::views::user_page::Notice;

/// A button that acts at once on someone's account: the admin ticks "Yes, …" first.
#[derive(Deserialize)]
pub struct ConfirmedForm {
    #[serde(default)]
    confirm: String,
}

impl ConfirmedForm {
    /// The ticked confirmation box (browsers require it; this is for the rest).
    fn confirmed(&self, what: &str) -> Result<(), WebError> {
        verify_confirmed(&self.confirm, what)
    }
}

/// The ticked "Yes, …" box (browsers require it; this is for the rest); the form's CSRF token was
/// checked by `VerifiedForm` before.
pub(super) fn verify_confirmed(confirm: &str, what: &str) -> Result<(), WebError> {
    if confirm == "yes" {
        return Ok(());
    }
    Err(WebError::bad_request(
        StatusCode::UNPROCESSABLE_ENTITY,
        format!("Nothing was done. Tick \"Yes, {what}\" to confirm, then press the button again."),
    ))
}

pub async fn terminate_sessions(
    ctx: AdminContext,
    PathParam(id): PathParam<i64>,
    form: VerifiedForm<ConfirmedForm>,
) -> Result<HttpResponse, WebError> {
    form.confirmed("end the sessions")?;
    let found = ctx
        .store_change(move |store, actor| {
            let Some(user) = store.find_user_by_id(id)? else {
                return Ok(false);
            };
            let ended = store.terminate_sessions(id)?;
            actor.record_in(
                store,
                AuditAction::SessionsTerminated,
                &user_target(id, &user.username),
                &format!("{ended} session(s)"),
            )?;
            Ok(true)
        })
        .await?;
    if !found {
        return Err(WebError::NotFound);
    }
    Ok(see_other(&format!("/users/{id}?notice=sessions-ended")))
}

/// Mails a reset link (no database lock is held while the mail server answers), then records
/// the outcome.
pub async fn send_reset(
    ctx: AdminContext,
    PathParam(id): PathParam<i64>,
    form: VerifiedForm<ConfirmedForm>,
) -> Result<HttpResponse, WebError> {
    form.confirmed("send the mail")?;
    let user = ctx
        .store(move |store| store.find_user_by_id(id))
        .await?
        .ok_or(WebError::NotFound)?;
    let username = user.username.clone();
    let sent = ctx
        .blocking(move |state, _| {
            Ok(if !user.is_active {
                Err("the account is inactive".to_string())
            } else if user.email.is_empty() {
                Err("the user has no e-mail address".to_string())
            } else {
                let current = state.current_mail()?;
                send_link(
                    &current.mail,
                    &current.accounts,
                    &state.secret_key,
                    &user,
                    LinkPurpose::Reset,
                )
                .map_err(|e| e.to_string())
            })
        })
        .await?;
    let detail = match &sent {
        Ok(()) => "sent".to_string(),
        Err(reason) => format!("not sent: {reason}"),
    };
    ctx.store_change(move |store, actor| {
        actor.record_in(
            store,
            AuditAction::PasswordResetSent,
            &user_target(id, &username),
            &detail,
        )
    })
    .await?;
    match sent {
        Ok(()) => Ok(see_other(&format!("/users/{id}?notice=reset-sent"))),
        // Shown on this response, not carried in a URL someone else could craft.
        Err(reason) => {
            let message = format!("The reset e-mail was not sent: {reason}");
            render_refusal(&ctx, id, &message, StatusCode::BAD_GATEWAY).await
        }
    }
}

#[derive(Deserialize)]
pub struct SetPasswordForm {
    password1: String,
    password2: String,
}

pub async fn set_password(
    ctx: AdminContext,
    PathParam(id): PathParam<i64>,
    form: VerifiedForm<SetPasswordForm>,
) -> Result<HttpResponse, WebError> {
    let user = ctx
        .store(move |store| store.find_user_by_id(id))
        .await?
        .ok_or(WebError::NotFound)?;
    let form = form.into_inner();
    let errors =
        new_password_problems(&form.password1, &form.password2, &UserAttributes::of(&user));
    if !errors.is_empty() {
        return render(
            &ctx,
            id,
            Some(Notice::Errors(&errors)),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let iterations = ctx.state().config.import.pbkdf2_iterations;
    // Hashed before the write transaction, so the lock is not held for the hashing.
    let hash = ctx
        .blocking(move |_, _| {
            Ok(crate::auth::hashers::make_password(
                &form.password1,
                iterations,
            ))
        })
        .await?;
    ctx.store_change(move |store, actor| {
        store.set_password(id, &hash)?;
        actor.record_in(
            store,
            AuditAction::PasswordSet,
            &user_target(id, &user.username),
            "set by an admin",
        )
    })
    .await?;
    Ok(see_other(&format!("/users/{id}?notice=password-set")))
}
