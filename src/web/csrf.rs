//! CSRF protection: a random HttpOnly, SameSite=Strict cookie whose value every form must echo back.

use actix_web::body::MessageBody;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest};
use std::future::{Ready, ready};
use subtle::ConstantTimeEq;

use super::error::WebError;
use crate::auth::hashers::random_string;

/// Name of the CSRF cookie.
pub const COOKIE: &str = "roster_csrf";

/// The CSRF token of this request, for forms to embed.
#[derive(Debug, Clone)]
pub struct CsrfToken(pub String);

impl CsrfToken {
    /// Succeeds only when the submitted form token equals the cookie (constant-time).
    pub fn verify(&self, submitted: &str) -> Result<(), WebError> {
        let same: bool = self.0.as_bytes().ct_eq(submitted.as_bytes()).into();
        if same && !submitted.is_empty() {
            Ok(())
        } else {
            Err(WebError::Csrf)
        }
    }
}

impl FromRequest for CsrfToken {
    type Error = WebError;
    type Future = Ready<Result<Self, WebError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            req.extensions()
                .get::<CsrfToken>()
                .cloned()
                .ok_or(WebError::Csrf),
        )
    }
}

/// A fresh CSRF cookie, e.g. at login.
pub fn new_cookie(token: &str) -> Cookie<'static> {
    Cookie::build(COOKIE, token.to_string())
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .finish()
}

/// Makes sure every request has a token, issuing the cookie when the browser has none.
pub async fn ensure_cookie(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if req.path().starts_with("/api/") {
        // The API authenticates each request with a bearer token, never a cookie: nothing to forge.
        return next.call(req).await;
    }
    let existing = req
        .cookie(COOKIE)
        .map(|c| c.value().to_string())
        .filter(|v| v.len() == 43 && v.chars().all(|c| c.is_ascii_alphanumeric()));
    let issued = existing.is_none();
    let token = existing.unwrap_or_else(|| random_string(43));
    req.extensions_mut().insert(CsrfToken(token.clone()));
    let mut res = next.call(req).await?;
    let renewed = res.response().cookies().any(|c| c.name() == COOKIE);
    if issued && !renewed {
        res.response_mut().add_cookie(&new_cookie(&token))?;
    }
    Ok(res)
}
