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

    /// Records the outcome of one send.
    fn mark(
        &mut self,
        invitation_id: i64,
        status: InvitationStatus,
        reason: Option<&str>,
    ) -> anyhow::Result<()>;
}

impl InvitationStore for &Connection {
    fn invitations(&mut self, import_id: i64) -> anyhow::Result<Vec<Invitation>> {
        Ok(super::invitations::for_import(self, import_id)?)
    }

    fn invited_users(&mut self, import_id: i64) -> anyhow::Result<HashMap<i64, UserRecord>> {
        Ok(super::users::invited_by_import(self, import_id)?)
    }

    fn mark(
        &mut self,
        invitation_id: i64,
        status: InvitationStatus,
        reason: Option<&str>,
    ) -> anyhow::Result<()> {
        let now = super::now_text();
        Ok(super::invitations::mark(
            self,
            invitation_id,
            status,
            reason,
            &now,
        )?)
    }
}
