//! Work for the blocking pool, for handlers without an admin (login, setup, password reset, the API, the session check): a fresh database connection or plain computation, with errors as `WebError`.

use actix_web::web;

use super::AppState;
use super::error::WebError;
use crate::db::web_store::WebStore;

/// Runs `work` on the blocking pool with the application state at hand (mail settings, secret key).
pub async fn with_state<T, E>(
    state: &web::Data<AppState>,
    work: impl FnOnce(&AppState) -> Result<T, E> + Send + 'static,
) -> Result<T, WebError>
where
    T: Send + 'static,
    E: Send + 'static,
    WebError: From<E>,
{
    let state = state.clone();
    Ok(web::block(move || work(&state)).await??)
}

/// Runs CPU-heavy `work` (checking a password hash) on the blocking pool.
pub async fn compute<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, WebError> {
    Ok(web::block(work).await?)
}

/// Runs `work` with the web's stores on the blocking pool.
pub async fn store<T: Send + 'static>(
    state: &web::Data<AppState>,
    work: impl FnOnce(&mut dyn WebStore) -> anyhow::Result<T> + Send + 'static,
) -> Result<T, WebError> {
    let state = state.clone();
    Ok(web::block(move || state.backend.with_store(work)).await??)
}
