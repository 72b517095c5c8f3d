//! Organizational units: list with user counts, create, rename, and delete when empty.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};

use super::{NameForm, html, see_other};
use crate::db::audit::AuditAction;
use crate::db::directory_store::DirectoryStore;
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
    let units = ctx.store(|store| store.units()).await?;
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

/// The message for a refusal (a taken or invalid name, a unit not found or still in use), or
/// `None` for a database error, which is no refusal.
fn refusal(err: &anyhow::Error) -> Option<String> {
    match (
        err.downcast_ref::<ChangeOuError>(),
        err.downcast_ref::<AddOuError>(),
    ) {
        (Some(ChangeOuError::Name(AddOuError::Database(_))), _)
        | (_, Some(AddOuError::Database(_))) => None,
        (Some(refused), _) => Some(refused.to_string()),
        (_, Some(refused)) => Some(refused.to_string()),
        (None, None) => None,
    }
}

/// Runs an OU change and its audit entry in one transaction, then shows the list with what
/// happened (a refusal with the typed `name` kept in the form).
async fn act(
    ctx: &AdminContext,
    name: &str,
    change: impl FnOnce(&mut dyn DirectoryStore) -> anyhow::Result<OuChanged> + Send + 'static,
) -> Result<HttpResponse, WebError> {
    let outcome = ctx
        .store_change(move |store, actor| {
            let changed = change(&mut *store.directory());
            match changed {
                Ok(changed) => {
                    let target = format!("ou:{}", changed.ou_id);
                    actor.record_in(store, changed.action, &target, &changed.detail)?;
                    Ok(Ok(changed.notice))
                }
                Err(err) => match refusal(&err) {
                    Some(problem) => Ok(Err(format!("Not done: {problem}."))),
                    None => Err(err),
                },
            }
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
    act(&ctx, &form.name, move |directory| {
        let ou_id = directory.add_unit(&name)?;
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
    act(&ctx, "", move |directory| {
        let old = directory.rename_unit(id, &name)?;
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
    act(&ctx, "", move |directory| {
        let name = directory.delete_unit_if_empty(id)?;
        Ok(OuChanged::named(
            AuditAction::OuDeleted,
            id,
            name,
            "deleted",
        ))
    })
    .await
}
