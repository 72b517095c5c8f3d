//! The database the server runs on (an SQLite file or PostgreSQL), the web's stores on it, and
//! the pages that still need SQLite: on PostgreSQL they answer with one sentence saying so.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::{HttpResponse, ResponseError, web};

use super::AppState;
use super::error::WebError;
use super::ratelimit::RateLimit;
use crate::db::import_store::ImportStore;
use crate::db::postgres::{Connector, PgImportStore, PgWeb};
use crate::db::web_store::{SqliteWeb, WebStore};
use crate::db::{Db, ReadPool};
use crate::domain::rows::DirectorySnapshot;

/// Kept PostgreSQL connections per process (requests beyond wait for one).
const PG_CONNECTIONS: u32 = 8;

/// Where the server keeps its data.
pub enum Backend {
    Sqlite {
        db: Db,
        readers: ReadPool,
    },
    Postgres {
        pool: r2d2::Pool<Connector>,
        /// For imports, which get a connection of their own (boxed: it holds the TLS settings).
        connector: Box<Connector>,
    },
}

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
    "/users",
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
    "/audit",
    "/audit.csv",
];

/// A page that needs SQLite, asked for on PostgreSQL.
#[derive(Debug, thiserror::Error)]
#[error("the page {path} needs an SQLite database for now")]
pub struct SqliteOnly {
    path: String,
}

impl From<SqliteOnly> for WebError {
    fn from(err: SqliteOnly) -> Self {
        WebError::bad_request(
            StatusCode::NOT_IMPLEMENTED,
            format!(
                "The page {} needs an SQLite database for now: on PostgreSQL, Roster offers the \
                 first-admin setup, login, import, import history, the user list and the audit log so \
                 far.",
                err.path
            ),
        )
    }
}

impl Backend {
    /// A pool for PostgreSQL; nothing is opened until the first request.
    pub fn postgres(connector: Connector) -> Self {
        Self::Postgres {
            pool: crate::db::postgres::pool(connector.clone(), PG_CONNECTIONS),
            connector: Box::new(connector),
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, Self::Postgres { .. })
    }

    /// The SQLite database, for the pages not ported to PostgreSQL.
    pub fn sqlite(&self) -> Result<&Db, SqliteOnly> {
        match self {
            Self::Sqlite { db, .. } => Ok(db),
            Self::Postgres { .. } => Err(SqliteOnly {
                path: "you asked for".to_string(),
            }),
        }
    }

    /// The SQLite read connections, for the pages not ported to PostgreSQL.
    pub fn readers(&self) -> Result<&ReadPool, SqliteOnly> {
        match self {
            Self::Sqlite { readers, .. } => Ok(readers),
            Self::Postgres { .. } => Err(SqliteOnly {
                path: "you asked for".to_string(),
            }),
        }
    }

    /// Runs `work` on the web's stores: a fresh SQLite connection (so a write transaction starts
    /// clean), or a kept PostgreSQL one.
    pub fn with_store<T>(
        &self,
        work: impl FnOnce(&mut dyn WebStore) -> anyhow::Result<T>,
    ) -> anyhow::Result<T> {
        match self {
            Self::Sqlite { db, .. } => work(&mut SqliteWeb(&db.connect()?)),
            Self::Postgres { pool, .. } => work(&mut PgWeb(&mut *pool.get()?)),
        }
    }

    /// Runs reads on the web's stores: a kept SQLite read connection, or a kept PostgreSQL one.
    pub fn read_store<T>(
        &self,
        work: impl FnOnce(&mut dyn WebStore) -> anyhow::Result<T>,
    ) -> anyhow::Result<T> {
        match self {
            Self::Sqlite { readers, .. } => readers.read(|conn| work(&mut SqliteWeb(conn))),
            Self::Postgres { .. } => self.with_store(work),
        }
    }

    /// The users and units an upload is planned against.
    pub fn directory(&self) -> anyhow::Result<DirectorySnapshot> {
        match self {
            Self::Sqlite { db, .. } => Ok(crate::db::directory::snapshot(&db.connect()?)?),
            Self::Postgres { connector, .. } => {
                Ok(PgImportStore::new(connector.connect()?).snapshot()?)
            }
        }
    }

    /// A connection of its own for a long job (an import), outside the pool.
    pub fn postgres_connection(&self) -> Option<anyhow::Result<postgres::Client>> {
        match self {
            Self::Sqlite { .. } => None,
            Self::Postgres { connector, .. } => Some(connector.connect().map_err(Into::into)),
        }
    }
}

/// Runs `work` with the web's stores on the blocking pool.
pub async fn store<T: Send + 'static>(
    state: &web::Data<AppState>,
    work: impl FnOnce(&mut dyn WebStore) -> anyhow::Result<T> + Send + 'static,
) -> Result<T, WebError> {
    let state = state.clone();
    Ok(web::block(move || state.backend.with_store(work)).await??)
}

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
        let pool = pool.clone();
        Ok(web::block(move || in_database(&mut *pool.get()?, shared, &key)).await??)
    }
}

/// On PostgreSQL, a page not ported yet answers with one sentence naming it, before its handler
/// (which would need an SQLite connection) runs.
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
