//! The admin pages for API tokens: list, create (shown once), revoke.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};

use super::{NameForm, html, see_other};
use crate::db::api_tokens::{ApiTokenInfo, CreateTokenError};
use crate::db::audit::AuditAction;
use crate::web::admin_context::AdminContext;
use crate::web::csrf::VerifiedForm;
use crate::web::error::WebError;
use crate::web::notice::SignedNotice;
use crate::web::views::{self, tokens::Notice};

fn render_tokens(
    ctx: &AdminContext,
    tokens: &[ApiTokenInfo],
    notice: Option<Notice<'_>>,
    name: &str,
) -> HttpResponse {
    html(views::tokens::list(ctx.chrome(), tokens, notice, name))
}

pub async fn tokens(
    ctx: AdminContext,
    query: web::Query<SignedNotice>,
) -> Result<HttpResponse, WebError> {
    let revoked = query.verified(&ctx.state().secret_key, "tokens");
    let list = ctx.store(|store| store.directory().tokens()).await?;
    let notice = revoked.as_deref().map(Notice::Revoked);
    Ok(render_tokens(&ctx, &list, notice, ""))
}

/// Creates a token and shows it on this response only: it must never travel in a URL.
pub async fn create_token(
    ctx: AdminContext,
    form: VerifiedForm<NameForm>,
) -> Result<HttpResponse, WebError> {
    let name = form.name.clone();
    let (created, list) = ctx
        .store_change(move |store, actor| {
            let created = store.directory().create_token(&name, &actor.name);
            let created = match created {
                Ok(token) => {
                    let target = format!("token:{name}");
                    actor.record_in(store, AuditAction::TokenCreated, &target, "")?;
                    Ok(token)
                }
                Err(err) => match err.downcast_ref::<CreateTokenError>() {
                    Some(CreateTokenError::Database(_)) | None => return Err(err),
                    Some(problem) => Err(problem.to_string()),
                },
            };
            Ok((created, store.directory().tokens()?))
        })
        .await?;
    match created {
        Ok(token) => {
            tracing::info!(token = %form.name, "API token created");
            let notice = Notice::Created {
                name: &form.name,
                token: &token,
            };
            Ok(render_tokens(&ctx, &list, Some(notice), ""))
        }
        Err(problem) => {
            let message = format!("Cannot create the token: {problem}.");
            let mut response =
                render_tokens(&ctx, &list, Some(Notice::Error(&message)), &form.name);
            *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(response)
        }
    }
}

pub async fn revoke_token(
    ctx: AdminContext,
    form: VerifiedForm<NameForm>,
) -> Result<HttpResponse, WebError> {
    let name = form.name.clone();
    let revoked = ctx
        .store_change(move |store, actor| {
            let revoked = store.directory().revoke_token(&name)?;
            if revoked {
                let target = format!("token:{name}");
                actor.record_in(store, AuditAction::TokenRevoked, &target, "")?;
            }
            Ok(revoked)
        })
        .await?;
    if !revoked {
        return Err(WebError::bad_request(
            StatusCode::NOT_FOUND,
            format!("There is no active API token named \"{}\".", form.name),
        ));
    }
    tracing::info!(token = %form.name, "API token revoked");
    Ok(see_other(&format!(
        "/tokens?{}",
        crate::web::notice::query(&ctx.state().secret_key, "tokens", &form.name)
    )))
}
