//! Organizational units: list with user counts, create, rename, and delete when empty.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::{html, see_other};
use crate::db::ous::{AddOuError, ChangeOuError};
use crate::web::AppState;
use crate::web::audit::Actor;
use crate::web::csrf::{CsrfToken, TokenOnly, VerifiedForm};
use crate::web::error::WebError;
use crate::web::session::Admin;
use crate::web::views::{self, layout::Chrome};

#[derive(Debug, Deserialize)]
pub struct OuQuery {
    done: Option<String>,
    sig: Option<String>,
}

async fn render(
    admin: &Admin,
    csrf: &CsrfToken,
    state: &web::Data<AppState>,
    message: Option<(bool, &str)>,
    name: &str,
    status: StatusCode,
) -> Result<HttpResponse, WebError> {
    let state = state.clone();
    let units = web::block(move || crate::db::ous::list(&state.db.connect()?)).await??;
    let chrome = Chrome {
        admin: Some(&admin.0.username),
        csrf: &csrf.0,
    };
    let mut response = html(views::ous::list(chrome, &units, message, name));
    *response.status_mut() = status;
    Ok(response)
}

pub async fn list(
    admin: Admin,
    csrf: CsrfToken,
    state: web::Data<AppState>,
    query: web::Query<OuQuery>,
) -> Result<HttpResponse, WebError> {
    let done = crate::web::notice::verified(
        &state.secret_key,
        "ous",
        query.done.as_deref(),
        query.sig.as_deref(),
    );
    render(
        &admin,
        &csrf,
        &state,
        done.as_deref().map(|m| (true, m)),
        "",
        StatusCode::OK,
    )
    .await
}

#[derive(Deserialize)]
pub struct NameForm {
    #[serde(default)]
    name: String,
}

/// What an OU action did, or why not.
type Outcome = Result<String, String>;

async fn act(
    req: &HttpRequest,
    admin: &Admin,
    csrf: &CsrfToken,
    state: &web::Data<AppState>,
    name: &str,
    action: impl FnOnce(&rusqlite::Connection, &Actor) -> rusqlite::Result<Outcome> + Send + 'static,
) -> Result<HttpResponse, WebError> {
    let actor = Actor::admin(admin, req);
    let state2 = state.clone();
    let outcome = web::block(move || action(&state2.db.connect()?, &actor)).await??;
    match outcome {
        Ok(done) => Ok(see_other(&format!(
            "/ous?{}",
            crate::web::notice::query(&state.secret_key, "ous", &done)
        ))),
        Err(problem) => {
            render(
                admin,
                csrf,
                state,
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
    req: HttpRequest,
    admin: Admin,
    csrf: CsrfToken,
    state: web::Data<AppState>,
    form: VerifiedForm<NameForm>,
) -> Result<HttpResponse, WebError> {
    let name = form.name.clone();
    act(
        &req,
        &admin,
        &csrf,
        &state,
        &form.name,
        move |conn, actor| match crate::db::ous::add(conn, &name, &crate::db::now_text()) {
            Ok(id) => {
                actor.record(conn, "ou_created", &format!("ou:{id}"), name.trim())?;
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
    req: HttpRequest,
    admin: Admin,
    csrf: CsrfToken,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: VerifiedForm<NameForm>,
) -> Result<HttpResponse, WebError> {
    let id = path.into_inner();
    let name = form.name.clone();
    act(
        &req,
        &admin,
        &csrf,
        &state,
        "",
        move |conn, actor| match crate::db::ous::rename(conn, id, &name) {
            Ok(old) => {
                actor.record(
                    conn,
                    "ou_renamed",
                    &format!("ou:{id}"),
                    &format!("{old} -> {}", name.trim()),
                )?;
                Ok(Ok(format!("Renamed \"{old}\" to \"{}\".", name.trim())))
            }
            Err(err) => refusal(err),
        },
    )
    .await
}

pub async fn delete(
    req: HttpRequest,
    admin: Admin,
    csrf: CsrfToken,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    _verified: VerifiedForm<TokenOnly>,
) -> Result<HttpResponse, WebError> {
    let id = path.into_inner();
    act(
        &req,
        &admin,
        &csrf,
        &state,
        "",
        move |conn, actor| match crate::db::ous::delete_if_empty(conn, id) {
            Ok(name) => {
                actor.record(conn, "ou_deleted", &format!("ou:{id}"), &name)?;
                Ok(Ok(format!("Organizational unit \"{name}\" deleted.")))
            }
            Err(err) => refusal(err),
        },
    )
    .await
}
