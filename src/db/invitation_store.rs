//! The seam for sending an import's set-password invitations: the reads and writes it makes, per
//! backend; the SQLite side calls `db::invitations` and `db::users`.

use std::collections::HashMap;

use rusqlite::Connection;

use super::invitations::Invitation;
use super::users::UserRecord;
use crate::domain::status::InvitationStatus;

/// What sending an import's invitations reads and writes.
pub trait InvitationStore {
    /// Every invitation of an import, by username.
    fn invitations(&mut self, import_id: i64) -> anyhow::Result<Vec<Invitation>>;

    /// The users an import queued invitations for, by id.
    fn invited_users(&mut self, import_id: i64) -> anyhow::Result<HashMap<i64, UserRecord>>;

    /// Records the outcome of one send: sent, or failed for the reason given.
    fn mark(&mut self, invitation_id: i64, sent: Result<(), &str>) -> anyhow::Result<()>;
}

/// The status and reason an invitation is stored with after a send.
pub fn stored_outcome(sent: Result<(), &str>) -> (InvitationStatus, Option<&str>) {
    match sent {
        Ok(()) => (InvitationStatus::Sent, None),
        Err(reason) => (InvitationStatus::Failed, Some(reason)),
    }
}

/// The database an import wrote to, on any backend: where its invitations are read and their
/// outcomes recorded.
pub trait InvitationOutbox {
    /// A connection of its own for sending one import's invitations.
    fn invitation_store(&self) -> anyhow::Result<Box<dyn InvitationStore>>;
}

impl InvitationOutbox for super::Db {
    fn invitation_store(&self) -> anyhow::Result<Box<dyn InvitationStore>> {
        Ok(Box::new(self.connect()?))
    }
}

impl InvitationStore for Connection {
    fn invitations(&mut self, import_id: i64) -> anyhow::Result<Vec<Invitation>> {
        Ok(super::invitations::for_import(self, import_id)?)
    }

    fn invited_users(&mut self, import_id: i64) -> anyhow::Result<HashMap<i64, UserRecord>> {
        Ok(super::users::invited_by_import(self, import_id)?)
    }

    fn mark(&mut self, invitation_id: i64, sent: Result<(), &str>) -> anyhow::Result<()> {
        let (status, reason) = stored_outcome(sent);
        let now = super::now_text();
        super::invitations::mark(self, invitation_id, status, reason, &now)?;
        Ok(())
    }
}
