//! The database the server runs on (an SQLite file or PostgreSQL) and the web's stores on it.

use crate::db::import_store::{ImportStore, SqliteImportStore};
use crate::db::invitation_store::InvitationOutbox;
use crate::db::postgres::{Connector, PgImportStore, PgWeb};
use crate::db::web_store::{SqliteWeb, WebStore};
use crate::db::{Db, ReadPool};
use crate::domain::rows::DirectorySnapshot;
use crate::import::ImportSettings;
use crate::import::service::Mailer;
use crate::import::single::{AddOutcome, UserToAdd, add_user_to};
use crate::mail::CheckOutcome;

/// Kept PostgreSQL connections per process (requests beyond wait for one).
const PG_CONNECTIONS: u32 = 8;

/// Where the server keeps its data.
pub enum Backend {
    Sqlite {
        db: Db,
        readers: ReadPool,
    },
    Postgres {
        pool: crate::db::postgres::PgPool,
        /// For imports, which get a connection of their own (boxed: it holds the TLS settings).
        connector: Box<Connector>,
    },
}

/// Work for an import's store, whichever backend the server runs on (a closure cannot be generic
/// over the store).
pub trait ImportWork {
    type Output;
    fn run<St: ImportStore>(self, store: &mut St) -> Result<Self::Output, St::Error>;
}

impl Backend {
    /// A pool for PostgreSQL; nothing is opened until the first request.
    pub fn postgres(connector: Connector) -> Self {
        Self::Postgres {
            pool: crate::db::postgres::pool(connector.clone(), PG_CONNECTIONS),
            connector: Box::new(connector),
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

    /// Where an import's invitations are recorded as they are sent.
    pub fn outbox(&self) -> &dyn InvitationOutbox {
        match self {
            Self::Sqlite { db, .. } => db,
            Self::Postgres { connector, .. } => &**connector,
        }
    }

    /// Runs `work` on an import store with a connection of its own (on PostgreSQL outside the
    /// pool, as every import has).
    pub fn run_import<W: ImportWork>(&self, work: W) -> anyhow::Result<W::Output> {
        match self {
            Self::Sqlite { db, .. } => {
                Ok(work.run(&mut SqliteImportStore::new(&mut db.connect()?))?)
            }
            Self::Postgres { connector, .. } => {
                Ok(work.run(&mut PgImportStore::new(connector.connect()?))?)
            }
        }
    }

    /// Adds one user as a one-row import (Add user), through the backend's import store, as
    /// `roster adduser` does.
    pub fn add_user(
        &self,
        user: UserToAdd<'_>,
        settings: &ImportSettings,
        check_mail: impl FnOnce() -> CheckOutcome,
        mailer: Mailer<'_>,
    ) -> anyhow::Result<AddOutcome> {
        Ok(match self {
            Self::Sqlite { db, .. } => add_user_to(
                &mut SqliteImportStore::new(&mut db.connect()?),
                user,
                settings,
                check_mail,
                mailer,
            )?,
            Self::Postgres { connector, .. } => add_user_to(
                &mut PgImportStore::new(connector.connect()?),
                user,
                settings,
                check_mail,
                mailer,
            )?,
        })
    }
}
