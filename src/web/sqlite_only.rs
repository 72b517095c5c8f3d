//! On PostgreSQL, the pages not ported yet answer with one sentence naming them (501), before
//! their handler, which would need an SQLite connection, runs.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, ResponseError, web};

use super::AppState;
use super::backend::SqliteOnly;
use super::error::WebError;

/// The pages (route patterns) that work on PostgreSQL so far; every other one answers 501.
const PORTED_TO_POSTGRES: &[&str] = &[
    "/",
    "/static/app.css",
    "/static/import.js",
    "/static/mail-check.js",
    "/login",
    "/logout",
    "/setup/{token}",
    "/account",
    "/account/password",
    "/password-reset",
    "/password-reset/done",
    "/reset/{uidb64}/set-password/",
    "/reset/{uidb64}/{token}/",
    "/reset/{uidb64}/{token}",
    "/users",
    "/users/new",
    "/users/send-set-password-link",
    "/users/{id:\\d+}",
    "/users/{id:\\d+}/terminate-sessions",
    "/users/{id:\\d+}/send-reset",
    "/users/{id:\\d+}/set-password",
    "/users/import",
    "/users/import/sample.csv",
    "/users/import/template.xlsx",
    "/users/import/preview/{id}",
    "/users/import/preview/{id}/commit",
    "/imports",
    "/imports/{id}",
    "/imports/{id}/progress.json",
    "/imports/{id}/errors.csv",
    "/imports/{id}/errors.xlsx",
    "/imports/{id}/resend",
    "/imports/{id}/undo",
    "/ous",
    "/ous/{id}/rename",
    "/ous/{id}/delete",
    "/tokens",
    "/tokens/revoke",
    "/api/users",
    "/api/users/import",
    "/mail",
    "/mail/test",
    "/mail/settings",
    "/mail/check/{ticket}",
    "/audit",
    "/audit.csv",
];

/// Answers for a page not ported to PostgreSQL; every other request goes on.
pub async fn sqlite_only_pages(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let on_postgres = req
        .app_data::<web::Data<AppState>>()
        .is_some_and(|state| state.backend.is_postgres());
    let ported = req
        .match_pattern()
        .is_none_or(|pattern| PORTED_TO_POSTGRES.contains(&pattern.as_str()));
    if on_postgres && !ported {
        let refusal: WebError = SqliteOnly {
            path: req.path().to_string(),
        }
        .into();
        let response: HttpResponse = refusal.error_response();
        return Ok(req.into_response(response).map_into_right_body());
    }
    Ok(next.call(req).await?.map_into_left_body())
}
