//! What every admin handler needs, in one extractor: who asks, the page chrome, database work on the blocking pool, and audit entries written in the same transaction as the change they record.

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use futures_util::future::LocalBoxFuture;

use super::AppState;
use super::audit::Actor;
use super::csrf::CsrfToken;
use super::error::WebError;
use super::session::Admin;
use super::views::layout::Chrome;
use crate::db::users::UserRecord;
use crate::db::web_store::{WebStore, write_transaction};

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

    /// Reads through the web's stores (SQLite or PostgreSQL) on the blocking pool, on a kept
    /// connection.
    pub async fn store<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut dyn WebStore) -> anyhow::Result<T> + Send + 'static,
    ) -> Result<T, WebError> {
        let state = self.state.clone();
        Ok(web::block(move || state.backend.read_store(work)).await??)
    }

    /// Runs a change through the web's stores (SQLite or PostgreSQL) in one write transaction on
    /// the blocking pool: the closure records its audit entries through
    /// the actor in the same transaction, which commits when it returns `Ok` (a refusal returned
    /// as a value must have written nothing) and rolls back on an error.
    pub async fn store_change<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut dyn WebStore, &Actor) -> anyhow::Result<T> + Send + 'static,
    ) -> Result<T, WebError> {
        let state = self.state.clone();
        let actor = self.actor.clone();
        Ok(web::block(move || {
            state
                .backend
                .with_store(|store| write_transaction(store, |store| work(store, &actor)))
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
