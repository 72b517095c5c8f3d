//! CSRF protection: every form echoes a token back. With a session the token is an HMAC of the
//! session key under the secret key, so a planted CSRF cookie is useless; before login (login,
//! Forgot Password, setup and reset pages) it is a random HttpOnly, SameSite=Strict cookie's value.

use actix_web::body::MessageBody;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest};
use hmac::{Hmac, Mac as _};
use sha2::Sha256;
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

/// A form with nothing but its CSRF token (logout, resend, delete buttons).
#[derive(Debug, serde::Deserialize)]
pub struct TokenOnly {}

/// A form whose `csrf_token` field was checked against this request's token before the handler
/// runs: taking a form as `VerifiedForm<T>` is the CSRF check, so no handler can forget it.
#[derive(Debug)]
pub struct VerifiedForm<T>(pub T);

impl<T> VerifiedForm<T> {
    /// The form's fields.
    pub fn into_inner(self) -> T {
        self.0
    }
}

/// A form read as name/value pairs, for forms whose fields repeat (checkbox lists).
impl VerifiedForm<Vec<(String, String)>> {
    /// The first value of `name`, if the form has it.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `name` that parses as `V` (e.g. the ids of ticked boxes).
    pub fn parsed_all<V: std::str::FromStr>(&self, name: &str) -> Vec<V> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .filter_map(|(_, v)| v.parse().ok())
            .collect()
    }
}

impl<T> std::ops::Deref for VerifiedForm<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: serde::de::DeserializeOwned + 'static> FromRequest for VerifiedForm<T> {
    type Error = actix_web::Error;
    type Future = futures_util::future::LocalBoxFuture<'static, Result<Self, actix_web::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let token = req.extensions().get::<CsrfToken>().cloned();
        // Read as name/value pairs first (the app's form limit and error page apply), so a
        // forged post is refused as such before its fields are looked at.
        let pairs = actix_web::web::Form::<Vec<(String, String)>>::from_request(req, payload);
        Box::pin(async move {
            let pairs = pairs.await?.into_inner();
            let submitted = pairs
                .iter()
                .find(|(name, _)| name == "csrf_token")
                .map_or("", |(_, value)| value.as_str());
            token.ok_or(WebError::Csrf)?.verify(submitted)?;
            let unreadable = || {
                WebError::bad_request(
                    actix_web::http::StatusCode::BAD_REQUEST,
                    "The form could not be read. Reload the page and try again.",
                )
            };
            let encoded = serde_urlencoded::to_string(&pairs).map_err(|_| unreadable())?;
            let fields = serde_urlencoded::from_str(&encoded).map_err(|_| unreadable())?;
            Ok(Self(fields))
        })
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
    let session = req
        .cookie(super::session_cookie::NAME)
        .map(|c| c.value().to_string())
        .filter(|v| !v.is_empty());
    let secret = req
        .app_data::<actix_web::web::Data<super::AppState>>()
        .map(|state| state.secret_key.clone());
    let form_token = match (session, secret) {
        (Some(session), Some(secret)) => bound_to_session(&secret, &session),
        _ => token.clone(),
    };
    req.extensions_mut().insert(CsrfToken(form_token));
    let mut res = next.call(req).await?;
    let renewed = res.response().cookies().any(|c| c.name() == COOKIE);
    if issued && !renewed {
        res.response_mut().add_cookie(&new_cookie(&token))?;
    }
    Ok(res)
}

/// The form token of a session: HMAC-SHA256 of the session key, keyed by the secret key and a
/// purpose string, in hex. Only someone holding the session cookie can know it.
fn bound_to_session(secret_key: &str, session_key: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret_key.as_bytes())
        .expect("HMAC takes a key of any length");
    mac.update(b"roster.csrf.session:");
    mac.update(session_key.as_bytes());
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
