//! The login limits on PostgreSQL are counted in the database, so that every Roster process on it
//! counts the same attempts; on SQLite (one process) they stay in memory.

use actix_web::web;

use super::AppState;
use super::backend::Backend;
use super::error::WebError;
use super::ratelimit::RateLimit;

/// Which of the state's limits is meant (a field of `AppState`).
pub type LimitOf = fn(&AppState) -> &RateLimit;

/// A shared limit as the database keeps it: its bucket, most events and window.
type Shared = (&'static str, u32, std::time::Duration);

/// One of the state's limits, asked in memory, or for a shared limit on PostgreSQL in the
/// database, together with every other Roster process on it.
pub struct Limit<'a>(pub &'a web::Data<AppState>, pub LimitOf);

impl Limit<'_> {
    /// Counts an event for `key`; false when the key is over the limit.
    pub async fn allow(&self, key: String) -> Result<bool, WebError> {
        self.ask(
            key,
            RateLimit::allow,
            |client, (bucket, most, window), key| {
                Ok(crate::db::postgres::count_event(client, bucket, key, window)? <= most)
            },
        )
        .await
    }

    /// Whether `key` has used up the limit, without counting an event.
    pub async fn is_exhausted(&self, key: String) -> Result<bool, WebError> {
        self.ask(key, RateLimit::is_exhausted, |client, shared, key| {
            let (bucket, most, window) = shared;
            let used_up = crate::db::postgres::is_exhausted(client, bucket, key, most, window)?;
            Ok(used_up)
        })
        .await
    }

    async fn ask<T: Send + 'static>(
        &self,
        key: String,
        in_memory: fn(&RateLimit, &str) -> T,
        in_database: fn(&mut postgres::Client, Shared, &str) -> anyhow::Result<T>,
    ) -> Result<T, WebError> {
        let Self(state, limit) = *self;
        let (Backend::Postgres { pool, .. }, Some(shared)) =
            (&state.backend, limit(state).shared())
        else {
            return Ok(in_memory(limit(state), &key));
        };
        // A clone of the pool's handle (not of the `PgPool` that closes it), for the blocking thread.
        let pool = r2d2::Pool::clone(pool);
        Ok(web::block(move || in_database(&mut *pool.get()?, shared, &key)).await??)
    }
}
