//! Organizational units: list with user counts, create, rename, and delete when empty.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use rusqlite::Connection;

use super::{NameForm, html, see_other};
use crate::db::audit::AuditAction;
use crate::db::ous::{AddOuError, ChangeOuError};
use crate::web::admin_context::AdminContext;
use crate::web::csrf::{TokenOnly, VerifiedForm};
use crate::web::error::WebError;
use crate::web::notice::SignedNotice;
use crate::web::path_param::PathParam;
use crate::web::views;

async fn render(
    ctx: &AdminContext,
    message: Option<(bool, &str)>,
    name: &str,
    status: StatusCode,
) -> Result<HttpResponse, WebError> {
    let units = ctx.read(crate::db::ous::list).await?;
    let mut response = html(views::ous::list(ctx.chrome(), &units, message, name));
    *response.status_mut() = status;
    Ok(response)
}

pub async fn list(
    ctx: AdminContext,
    query: web::Query<SignedNotice>,
) -> Result<HttpResponse, WebError> {
    let done = query.verified(&ctx.state().secret_key, "ous");
    render(&ctx, done.as_deref().map(|m| (true, m)), "", StatusCode::OK).await
}

/// A change that went through: the audit entry it gets and the notice shown after it.
struct OuChanged {
    action: AuditAction,
    ou_id: i64,
    detail: String,
    notice: String,
}

impl OuChanged {
    /// A unit created or deleted: the audit detail is its name, the notice says what was `done`.
    fn named(action: AuditAction, ou_id: i64, name: String, done: &str) -> Self {
        Self {
            action,
            ou_id,
            notice: format!("Organizational unit \"{name}\" {done}."),
            detail: name,
        }
    }
}

/// Runs an OU change and its audit entry in one transaction, then shows the list with what
/// happened (a refusal with the typed `name` kept in the form).
async fn act(
    ctx: &AdminContext,
    name: &str,
    change: impl FnOnce(&Connection) -> Result<OuChanged, ChangeOuError> + Send + 'static,
) -> Result<HttpResponse, WebError> {
    let outcome = ctx
        .change(|tx, actor| match change(tx) {
            Ok(changed) => {
                let target = format!("ou:{}", changed.ou_id);
                actor.record(tx, changed.action, &target, &changed.detail)?;
                Ok(Ok(changed.notice))
            }
            Err(ChangeOuError::Name(AddOuError::Database(err))) => Err(err),
            Err(other) => Ok(Err(format!("Not done: {other}."))),
        })
        .await?;
    match outcome {
        Ok(done) => Ok(see_other(&format!(
            "/ous?{}",
            crate::web::notice::query(&ctx.state().secret_key, "ous", &done)
        ))),
        Err(problem) => {
            render(
                ctx,
                Some((false, &problem)),
                name,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

pub async fn add(
    ctx: AdminContext,
    form: VerifiedForm<NameForm>,
) -> Result<HttpResponse, WebError> {
    let name = form.name.clone();
    act(&ctx, &form.name, move |conn| {
        let ou_id = crate::db::ous::add(conn, &name, &crate::db::now_text())
            .map_err(ChangeOuError::Name)?;
        Ok(OuChanged::named(
            AuditAction::OuCreated,
            ou_id,
            name,
            "created",
        ))
    })
    .await
}

pub async fn rename(
    ctx: AdminContext,
    PathParam(id): PathParam<i64>,
    form: VerifiedForm<NameForm>,
) -> Result<HttpResponse, WebError> {
    let name = form.name.clone();
    act(&ctx, "", move |conn| {
        let old = crate::db::ous::rename(conn, id, &name)?;
        Ok(OuChanged {
            action: AuditAction::OuRenamed,
            ou_id: id,
            detail: format!("{old} -> {name}"),
            notice: format!("Renamed \"{old}\" to \"{name}\"."),
        })
    })
    .await
}

pub async fn delete(
    ctx: AdminContext,
    PathParam(id): PathParam<i64>,
    _verified: VerifiedForm<TokenOnly>,
) -> Result<HttpResponse, WebError> {
    act(&ctx, "", move |conn| {
        let name = crate::db::ous::delete_if_empty(conn, id)?;
        Ok(OuChanged::named(
            AuditAction::OuDeleted,
            id,
            name,
            "deleted",
        ))
    })
    .await
}
