//! Set-password invitations and the users they go to, on PostgreSQL (`InvitationStore`), plus
//! the user a one-row import (`adduser`) created.

use std::collections::HashMap;

use postgres::{Client, Row};

use crate::db::invitation_store::{InvitationOutbox, InvitationStore, stored_outcome};
use crate::db::invitations::Invitation;
use crate::db::users::UserRecord;
use crate::domain::status::{InvitationStatus, StoredStatus};

/// Sending one import's invitations on a PostgreSQL connection.
pub struct PgInvitations(pub Client);

impl InvitationOutbox for super::Connector {
    fn invitation_store(&self) -> anyhow::Result<Box<dyn InvitationStore>> {
        Ok(Box::new(PgInvitations(self.connect()?)))
    }
}

/// The user table's columns in `UserRecord`'s order; datetimes as Django reads them, in the text
/// SQLite holds (the reset token digests `last_login` so; see `UserTable::datetime_text`).
pub(super) fn user_columns(alias: &str) -> String {
    let users = super::users();
    format!(
        "{alias}id::bigint, {alias}username::text, {alias}email::text, {}, \
         {alias}password::text, {alias}is_active, {alias}is_staff, {alias}is_superuser, {}, {}",
        users.first_last_text(alias),
        users.datetime_text(&format!("{alias}last_login")),
        users.datetime_text(&format!("{alias}date_joined"))
    )
}

pub(super) fn user_record(row: &Row) -> UserRecord {
    UserRecord {
        id: row.get(0),
        username: row.get(1),
        email: row.get(2),
        first_name: row.get(3),
        last_name: row.get(4),
        password: row.get(5),
        is_active: row.get(6),
        is_staff: row.get(7),
        is_superuser: row.get(8),
        last_login: row.get(9),
        date_joined: row.get(10),
    }
}

/// The user the one-row import `import_id` created, with the name of its unit, if any.
pub(super) fn created_user(
    client: &mut Client,
    import_id: i64,
) -> Result<(UserRecord, Option<String>), postgres::Error> {
    let sql = format!(
        "SELECT {}, ou.name FROM roster_import_row r JOIN {} u ON u.id = r.user_id \
         LEFT JOIN roster_user_profile p ON p.user_id = u.id \
         LEFT JOIN roster_organizational_unit ou ON ou.id = p.organizational_unit_id \
         WHERE r.import_id = $1 ORDER BY r.line, r.id LIMIT 1",
        user_columns("u."),
        super::users().table()
    );
    let row = client.query_one(&sql, &[&import_id])?;
    Ok((user_record(&row), row.get(11)))
}

impl InvitationStore for PgInvitations {
    fn invitations(&mut self, import_id: i64) -> anyhow::Result<Vec<Invitation>> {
        import_invitations(&mut self.0, import_id)
    }

    fn invited_users(&mut self, import_id: i64) -> anyhow::Result<HashMap<i64, UserRecord>> {
        let sql = format!(
            "SELECT {} FROM {} \
             WHERE id IN (SELECT user_id FROM roster_invitation WHERE import_id = $1)",
            user_columns(""),
            super::users().table()
        );
        Ok(self
            .0
            .query(&sql, &[&import_id])?
            .iter()
            .map(|row| {
                let user = user_record(row);
                (user.id, user)
            })
            .collect())
    }

    fn mark(&mut self, invitation_id: i64, sent: Result<(), &str>) -> anyhow::Result<()> {
        let (status, reason) = stored_outcome(sent);
        self.0.execute(
            "UPDATE roster_invitation SET status = $1, reason = $2, updated_at = now() \
             WHERE id = $3",
            &[&status.as_str(), &reason, &invitation_id],
        )?;
        Ok(())
    }
}

/// An import's invitations with their users' names and addresses, by username (byte order, as
/// on SQLite).
pub(super) fn import_invitations(
    client: &mut Client,
    import_id: i64,
) -> anyhow::Result<Vec<Invitation>> {
    let sql = format!(
        "SELECT i.id, i.user_id::bigint, u.username::text, u.email::text, i.status, i.reason \
     FROM roster_invitation i JOIN {} u ON u.id = i.user_id \
     WHERE i.import_id = $1 ORDER BY u.username COLLATE \"C\"",
        super::users().table()
    );
    let rows = client.query(&sql, &[&import_id])?;
    rows.iter()
        .map(|row| {
            let status: String = row.get(4);
            Ok(Invitation {
                id: row.get(0),
                user_id: row.get(1),
                username: row.get(2),
                email: row.get(3),
                status: InvitationStatus::from_stored(&status)
                    .ok_or_else(|| anyhow::anyhow!("unknown invitation status \"{status}\""))?,
                reason: row.get(5),
            })
        })
        .collect()
}
