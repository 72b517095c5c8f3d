//! The admin pages for API tokens: list, create (shown once), revoke.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::{html, see_other};
use crate::db::api_tokens::{self, ApiTokenInfo, CreateTokenError};
use crate::web::AppState;
use crate::web::audit::Actor;
use crate::web::csrf::{CsrfToken, VerifiedForm};
use crate::web::error::WebError;
use crate::web::session::Admin;
use crate::web::views::{self, layout::Chrome, tokens::Notice};

fn render_tokens(
    admin: &Admin,
    csrf: &CsrfToken,
    tokens: &[ApiTokenInfo],
    notice: Option<Notice<'_>>,
    name: &str,
) -> HttpResponse {
    let chrome = Chrome {
        admin: Some(&admin.0.username),
        csrf: &csrf.0,
    };
    html(views::tokens::list(chrome, tokens, notice, name))
}

#[derive(Debug, Deserialize)]
pub struct TokensQuery {
    done: Option<String>,
    sig: Option<String>,
}

pub async fn tokens(
    admin: Admin,
    csrf: CsrfToken,
    state: web::Data<AppState>,
    query: web::Query<TokensQuery>,
) -> Result<HttpResponse, WebError> {
    let revoked = crate::web::notice::verified(
        &state.secret_key,
        "tokens",
        query.done.as_deref(),
        query.sig.as_deref(),
    );
    let list = web::block(move || api_tokens::list(&state.db.connect()?)).await??;
    let notice = revoked.as_deref().map(Notice::Revoked);
    Ok(render_tokens(&admin, &csrf, &list, notice, ""))
}

#[derive(Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    name: String,
}

/// Creates a token and shows it on this response only: it must never travel in a URL.
pub async fn create_token(
    req: HttpRequest,
    admin: Admin,
    csrf: CsrfToken,
    state: web::Data<AppState>,
    form: VerifiedForm<TokenForm>,
) -> Result<HttpResponse, WebError> {
    let name = form.name.trim().to_string();
    let actor = Actor::admin(&admin, &req);
    let name2 = name.clone();
    let (created, list) = web::block(move || -> rusqlite::Result<_> {
        let conn = state.db.connect()?;
        let tx = conn.unchecked_transaction()?;
        let created = match api_tokens::create(&tx, &name2, &actor.name) {
            Ok(token) => {
                actor.record(&tx, "token_created", &format!("token:{name2}"), "")?;
                Ok(token)
            }
            Err(CreateTokenError::Database(err)) => return Err(err),
            Err(problem) => Err(problem.to_string()),
        };
        tx.commit()?;
        Ok((created, api_tokens::list(&conn)?))
    })
    .await??;
    match created {
        Ok(token) => {
            tracing::info!(token = %name, "API token created");
            let notice = Notice::Created {
                name: &name,
                token: &token,
            };
            Ok(render_tokens(&admin, &csrf, &list, Some(notice), ""))
        }
        Err(problem) => {
            let message = format!("Cannot create the token: {problem}.");
            let mut response = render_tokens(
                &admin,
                &csrf,
                &list,
                Some(Notice::Error(&message)),
                &form.name,
            );
            *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(response)
        }
    }
}

pub async fn revoke_token(
    req: HttpRequest,
    admin: Admin,
    state: web::Data<AppState>,
    form: VerifiedForm<TokenForm>,
) -> Result<HttpResponse, WebError> {
    let name = form.name.trim().to_string();
    let actor = Actor::admin(&admin, &req);
    let name2 = name.clone();
    let secret_key = state.secret_key.clone();
    let revoked = web::block(move || -> rusqlite::Result<bool> {
        let conn = state.db.connect()?;
        let tx = conn.unchecked_transaction()?;
        let revoked = api_tokens::revoke(&tx, &name2)?;
        if revoked {
            actor.record(&tx, "token_revoked", &format!("token:{name2}"), "")?;
        }
        tx.commit()?;
        Ok(revoked)
    })
    .await??;
    if !revoked {
        return Err(WebError::bad_request(
            StatusCode::NOT_FOUND,
            format!("There is no active API token named \"{name}\"."),
        ));
    }
    tracing::info!(token = %name, "API token revoked");
    Ok(see_other(&format!(
        "/tokens?{}",
        crate::web::notice::query(&secret_key, "tokens", &name)
    )))
}
