//! What every admin handler needs, in one extractor: who asks, the page chrome, database work on the blocking pool, and audit entries written in the same transaction as the change they record.

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use futures_util::future::LocalBoxFuture;
use rusqlite::{Connection, Transaction, TransactionBehavior};

use super::AppState;
use super::audit::Actor;
use super::csrf::CsrfToken;
use super::error::WebError;
use super::session::Admin;
use super::views::layout::Chrome;
use crate::db::users::UserRecord;
use crate::db::web_store::WebStore;

/// A logged-in admin's request: taking it as a handler argument is the admin check.
pub struct AdminContext {
    admin: UserRecord,
    csrf: String,
    actor: Actor,
    state: web::Data<AppState>,
}

impl AdminContext {
    /// The admin making the request.
    pub fn admin(&self) -> &UserRecord {
        &self.admin
    }

    /// The navigation, Log out form and site name every admin page shows.
    pub fn chrome(&self) -> Chrome<'_> {
        Chrome {
            admin: Some(&self.admin.username),
            csrf: &self.csrf,
            postgres: self.state.backend.is_postgres(),
        }
    }

    /// The admin as the audit log names them (user, client address).
    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    /// The application's shared state (configuration, secret key, jobs).
    pub fn state(&self) -> &web::Data<AppState> {
        &self.state
    }

    /// Reads from the database on the blocking pool, on one of the kept read connections.
    pub async fn read<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T, WebError> {
        let readers = self.state.backend.readers()?.clone();
        Ok(web::block(move || readers.read(work)).await??)
    }

    /// Reads through the web's stores (SQLite or PostgreSQL) on the blocking pool, on a kept
    /// connection.
    pub async fn store<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut dyn WebStore) -> anyhow::Result<T> + Send + 'static,
    ) -> Result<T, WebError> {
        let state = self.state.clone();
        Ok(web::block(move || state.backend.read_store(work)).await??)
    }

    /// Runs a change in one write transaction on the blocking pool; the closure records its audit
    /// entries through the actor on the same transaction, so the change and its entry land
    /// together or not at all. The transaction commits when the closure returns `Ok` (a refusal
    /// it returns as a value must have written nothing) and rolls back on an error.
    pub async fn change<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Transaction<'_>, &Actor) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T, WebError> {
        let db = self.state.backend.sqlite()?.clone();
        let actor = self.actor.clone();
        Ok(web::block(move || in_transaction(&db, |tx| work(tx, &actor))).await??)
    }

    /// Runs a change through the web's stores (SQLite or PostgreSQL) in one write transaction on
    /// the blocking pool, as [`Self::change`] does: the closure records its audit entries on the
    /// same store, the transaction commits when it returns `Ok` (a refusal it returns as a value
    /// must have written nothing) and rolls back on an error.
    pub async fn store_change<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut dyn WebStore, &Actor) -> anyhow::Result<T> + Send + 'static,
    ) -> Result<T, WebError> {
        let state = self.state.clone();
        let actor = self.actor.clone();
        Ok(web::block(move || {
            state.backend.with_store(|store| {
                store.begin_write()?;
                match work(store, &actor) {
                    Ok(value) => {
                        store.commit()?;
                        Ok(value)
                    }
                    Err(err) => {
                        // The cause is the error worth reporting; a failed rollback ends with
                        // the connection anyway.
                        let _ = store.rollback();
                        Err(err)
                    }
                }
            })
        })
        .await??)
    }

    /// Blocking work that is more than a query (sending mail, hashing), with the state at hand.
    pub async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce(&AppState, &Actor) -> Result<T, WebError> + Send + 'static,
    ) -> Result<T, WebError> {
        let actor = self.actor.clone();
        super::blocking::with_state(&self.state, move |state| work(state, &actor)).await
    }
}

/// Opens a connection and runs `work` in an immediate (write-locking) transaction.
pub fn in_transaction<T>(
    db: &crate::db::Db,
    work: impl FnOnce(&Transaction<'_>) -> rusqlite::Result<T>,
) -> rusqlite::Result<T> {
    let mut conn = db.connect()?;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let value = work(&tx)?;
    tx.commit()?;
    Ok(value)
}

impl FromRequest for AdminContext {
    type Error = WebError;
    type Future = LocalBoxFuture<'static, Result<Self, WebError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let admin = Admin::from_request(req, payload);
        let csrf = req
            .extensions()
            .get::<CsrfToken>()
            .map(|token| token.0.clone());
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let client = super::audit::client(req);
        Box::pin(async move {
            let Admin(admin) = admin.await?;
            let state = state.ok_or_else(|| anyhow::anyhow!("application state missing"))?;
            let actor = Actor {
                user_id: Some(admin.id),
                name: admin.username.clone(),
                client,
            };
            Ok(Self {
                admin,
                csrf: csrf.ok_or(WebError::Csrf)?,
                actor,
                state,
            })
        })
    }
}
