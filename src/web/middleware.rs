//! Request logging (route pattern, never the raw path: it can hold tokens) in a span carrying the
//! request id, security headers, HEAD as GET.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::{DefaultHeaders, Next};
use tracing::Instrument;

tokio::task_local! {
    /// The id of the request being handled, for pages that quote it (the 500 page).
    static REQUEST_ID: String;
    /// `ROSTER_SITE_NAME` of the server handling the request, for every page (error pages are
    /// rendered where no application state is at hand).
    static SITE_NAME: String;
}

/// The name pages show for the request being handled; "Roster" outside a request.
pub fn current_site_name() -> String {
    SITE_NAME
        .try_with(String::clone)
        .unwrap_or_else(|_| crate::config::DEFAULT_SITE_NAME.to_string())
}

/// The id `log_request` gave the request being handled; `None` outside a request.
pub fn current_request_id() -> Option<String> {
    REQUEST_ID.try_with(String::clone).ok()
}

/// Headers sent with every response.
pub fn security_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add((
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
        ))
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("X-Frame-Options", "DENY"))
        .add(("Referrer-Policy", "no-referrer"))
        .add(("Cache-Control", "no-store"))
}

/// Handles each request inside a `request` span carrying a fresh `request_id`, so every line logged
/// for it (the unexpected-error line too) names the id, then logs method, route pattern, status and
/// duration.
pub async fn log_request(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let method = req.method().to_string();
    let route = req
        .match_pattern()
        .unwrap_or_else(|| "(no route)".to_string());
    let id = crate::auth::hashers::random_string(8);
    let span = tracing::info_span!("request", request_id = %id);
    let site_name = req
        .app_data::<actix_web::web::Data<super::AppState>>()
        .map_or_else(
            || crate::config::DEFAULT_SITE_NAME.to_string(),
            |state| state.config.accounts.site_name.clone(),
        );
    let res = REQUEST_ID
        .scope(id, SITE_NAME.scope(site_name, next.call(req)))
        .instrument(span.clone())
        .await;
    let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
    let _entered = span.enter();
    match &res {
        Ok(res) => {
            tracing::info!(%method, %route, status = res.status().as_u16(), elapsed_ms, "request")
        }
        Err(err) => {
            tracing::warn!(%method, %route, error = %err, elapsed_ms, "request failed")
        }
    }
    res
}

/// Answers HEAD like GET (RFC 9110): the route table lists GET, and the server sends no body for
/// a HEAD request.
pub async fn head_as_get(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if req.method() == Method::HEAD {
        req.head_mut().method = Method::GET;
    }
    next.call(req).await
}
