//! Organizational units: list with user counts, create, rename, and delete when empty.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use rusqlite::Connection;
use serde::Deserialize;

use super::{html, see_other};
use crate::db::audit::AuditAction;
use crate::db::ous::{AddOuError, ChangeOuError};
use crate::web::admin_context::AdminContext;
use crate::web::audit::Actor;
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

#[derive(Deserialize)]
pub struct NameForm {
    #[serde(default)]
    name: String,
}

/// What an OU action did, or why not.
type Outcome = Result<String, String>;

/// Runs an OU change with its audit entry in one transaction, then shows the list with what happened.
async fn act(
    ctx: &AdminContext,
    name: &str,
    action: impl FnOnce(&Connection, &Actor) -> rusqlite::Result<Outcome> + Send + 'static,
) -> Result<HttpResponse, WebError> {
    match ctx.change(|tx, actor| action(tx, actor)).await? {
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

fn refusal(err: ChangeOuError) -> rusqlite::Result<Outcome> {
    match err {
        ChangeOuError::Name(AddOuError::Database(e)) => Err(e),
        other => Ok(Err(format!("Not done: {other}."))),
    }
}

pub async fn add(
    ctx: AdminContext,
    form: VerifiedForm<NameForm>,
) -> Result<HttpResponse, WebError> {
    let name = form.name.clone();
    act(
        &ctx,
        &form.name,
        move |conn, actor| match crate::db::ous::add(conn, &name, &crate::db::now_text()) {
            Ok(id) => {
                actor.record(
                    conn,
                    AuditAction::OuCreated,
                    &format!("ou:{id}"),
                    name.trim(),
                )?;
                Ok(Ok(format!(
                    "Organizational unit \"{}\" created.",
                    name.trim()
                )))
            }
            Err(err) => refusal(ChangeOuError::Name(err)),
        },
    )
    .await
}

pub async fn rename(
    ctx: AdminContext,
    PathParam(id): PathParam<i64>,
    form: VerifiedForm<NameForm>,
) -> Result<HttpResponse, WebError> {
    let name = form.name.clone();
    act(&ctx, "", move |conn, actor| {
        match crate::db::ous::rename(conn, id, &name) {
            Ok(old) => {
                actor.record(
                    conn,
                    AuditAction::OuRenamed,
                    &format!("ou:{id}"),
                    &format!("{old} -> {}", name.trim()),
                )?;
                Ok(Ok(format!("Renamed \"{old}\" to \"{}\".", name.trim())))
            }
            Err(err) => refusal(err),
        }
    })
    .await
}

pub async fn delete(
    ctx: AdminContext,
    PathParam(id): PathParam<i64>,
    _verified: VerifiedForm<TokenOnly>,
) -> Result<HttpResponse, WebError> {
    act(
        &ctx,
        "",
        move |conn, actor| match crate::db::ous::delete_if_empty(conn, id) {
            Ok(name) => {
                actor.record(conn, AuditAction::OuDeleted, &format!("ou:{id}"), &name)?;
                Ok(Ok(format!("Organizational unit \"{name}\" deleted.")))
            }
            Err(err) => refusal(err),
        },
    )
    .await
}
