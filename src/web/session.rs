//! Who is asking: the session cookie, and the extractor that admits only active staff superusers.

use actix_web::cookie::{Cookie, SameSite, time::Duration};
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest, HttpResponse, web};
use futures_util::future::LocalBoxFuture;

use super::AppState;
use super::error::WebError;
use crate::db::users::UserRecord;

/// Name of the session cookie.
pub const COOKIE: &str = super::session_cookie::NAME;

/// The session cookie for a new login.
pub fn cookie(key: &str) -> Cookie<'static> {
    Cookie::build(COOKIE, key.to_string())
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .max_age(Duration::weeks(2))
        .finish()
}

/// The session key the browser sent, if any: a login ends it (like Django's session flush and
/// `cycle_key`), so no session from before the login, planted or not, outlives it.
pub fn presented_key(req: &HttpRequest) -> Option<String> {
    req.cookie(COOKIE).map(|c| c.value().to_string())
}

/// Sets the cookies of a new login: the session, and a fresh CSRF token so that a token known or
/// planted before the login is useless afterwards.
pub fn start(response: &mut HttpResponse, key: &str) -> Result<(), WebError> {
    let fresh = super::csrf::new_cookie(&crate::auth::hashers::random_string(43));
    for cookie in [cookie(key), fresh] {
        response
            .add_cookie(&cookie)
            .map_err(|e| WebError::Unexpected(e.into()))?;
    }
    Ok(())
}

/// A cookie that removes the session cookie.
pub fn removal() -> Cookie<'static> {
    let mut cookie = Cookie::build(COOKIE, "")
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .finish();
    cookie.make_removal();
    cookie
}

/// Any logged-in, active user.
#[derive(Debug, Clone)]
pub struct LoggedIn(pub UserRecord);

/// A logged-in administrator (active, staff, superuser), checked on every request.
#[derive(Debug, Clone)]
pub struct Admin(pub UserRecord);

fn current_user(req: &HttpRequest) -> LocalBoxFuture<'static, Result<UserRecord, WebError>> {
    let key = req.cookie(COOKIE).map(|c| c.value().to_string());
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let next = match req.uri().path_and_query() {
        Some(pq) if req.method() == actix_web::http::Method::GET => pq.as_str().to_string(),
        _ => "/users".to_string(),
    };
    Box::pin(async move {
        let state = state.ok_or_else(|| anyhow::anyhow!("application state missing"))?;
        let Some(key) = key else {
            return Err(WebError::LoginRequired { next });
        };
        let user = super::blocking::store(&state, move |store| store.load_session(&key)).await?;
        user.ok_or(WebError::LoginRequired { next })
    })
}

impl FromRequest for LoggedIn {
    type Error = WebError;
    type Future = LocalBoxFuture<'static, Result<Self, WebError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let user = current_user(req);
        Box::pin(async move { user.await.map(LoggedIn) })
    }
}

impl FromRequest for Admin {
    type Error = WebError;
    type Future = LocalBoxFuture<'static, Result<Self, WebError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let user = current_user(req);
        let csrf = req
            .extensions()
            .get::<super::csrf::CsrfToken>()
            .map(|token| token.0.clone())
            .unwrap_or_default();
        Box::pin(async move {
            match user.await? {
                user if user.is_admin() => Ok(Admin(user)),
                user => Err(WebError::NotAdmin {
                    username: user.username,
                    csrf,
                }),
            }
        })
    }
}
