//! Setup, login and sessions on PostgreSQL (`SessionStore`): sessions live in `roster_session`,
//! so a session one Roster process made is honoured by every other on the same database.

use postgres::Client;

use super::invitations::{user_columns, user_record};
use crate::db::audit::AuditEntry;
use crate::db::sessions::{SESSION_AGE, key_hash, password_fingerprint};
use crate::db::users::UserRecord;
use crate::db::web_store::{SessionStore, StoreResult};
use crate::domain::fields::ascii_casefold;
use crate::domain::random::random_string;

/// Writers of the web's account changes (the first admin) take turns: two processes both seeing
/// "no admin yet" must not both create one.
const WEB_WRITE_LOCK: i64 = 0x526f_7374_6572_5731; // "RosterW1"

/// The web's stores on one PostgreSQL connection.
pub struct PgWeb<'c>(pub &'c mut Client);

fn select_users(rest: &str) -> String {
    format!(
        "SELECT {} FROM {} {rest}",
        user_columns(""),
        super::users().table()
    )
}

impl SessionStore for PgWeb<'_> {
    fn begin_write(&mut self) -> StoreResult<()> {
        self.0.batch_execute("BEGIN")?;
        self.0
            .execute("SELECT pg_advisory_xact_lock($1)", &[&WEB_WRITE_LOCK])?;
        Ok(())
    }

    fn commit(&mut self) -> StoreResult<()> {
        Ok(self.0.batch_execute("COMMIT")?)
    }

    fn rollback(&mut self) -> StoreResult<()> {
        Ok(self.0.batch_execute("ROLLBACK")?)
    }

    fn find_user_by_username(&mut self, username: &str) -> StoreResult<Option<UserRecord>> {
        let row = self
            .0
            .query_opt(&select_users("WHERE username = $1"), &[&username])?;
        Ok(row.as_ref().map(user_record))
    }

    fn find_user_by_id(&mut self, id: i64) -> StoreResult<Option<UserRecord>> {
        let row = self
            .0
            .query_opt(&select_users("WHERE id = $1::bigint"), &[&id])?;
        Ok(row.as_ref().map(user_record))
    }

    fn has_active_admin(&mut self) -> StoreResult<bool> {
        let sql = format!(
            "SELECT EXISTS (SELECT 1 FROM {} WHERE is_active AND is_staff AND is_superuser)",
            super::users().table()
        );
        let row = self.0.query_one(&sql, &[])?;
        Ok(row.get(0))
    }

    fn identity_taken(&mut self, username: &str, email: &str) -> StoreResult<bool> {
        Ok(super::accounts::identity_taken(self.0, username, email)?)
    }

    fn insert_superuser(&mut self, username: &str, email: &str, hash: &str) -> StoreResult<i64> {
        Ok(super::accounts::insert_superuser(
            self.0, username, email, hash,
        )?)
    }

    fn set_password(&mut self, user_id: i64, hash: &str) -> StoreResult<()> {
        Ok(super::accounts::set_password(self.0, user_id, hash)?)
    }

    fn touch_last_login(&mut self, user_id: i64) -> StoreResult<()> {
        let sql = format!(
            "UPDATE {} SET last_login = now() WHERE id = $1::bigint",
            super::users().table()
        );
        self.0.execute(&sql, &[&user_id])?;
        Ok(())
    }

    fn create_session(&mut self, user: &UserRecord) -> StoreResult<String> {
        let key = random_string(48);
        self.0.execute(
            "INSERT INTO roster_session (key_hash, user_id, password_fingerprint, created_at, \
             expires_at) VALUES ($1, $2::bigint, $3, now(), now() + $4::bigint * interval '1 second')",
            &[
                &key_hash(&key),
                &user.id,
                &password_fingerprint(&user.password),
                &SESSION_AGE.num_seconds(),
            ],
        )?;
        Ok(key)
    }

    fn load_session(&mut self, key: &str) -> StoreResult<Option<UserRecord>> {
        let found = self.0.query_opt(
            "SELECT user_id::bigint, password_fingerprint FROM roster_session \
             WHERE key_hash = $1 AND expires_at > now()",
            &[&key_hash(key)],
        )?;
        let Some(found) = found else {
            return Ok(None);
        };
        let fingerprint: String = found.get(1);
        let user = self.find_user_by_id(found.get(0))?;
        Ok(user.filter(|u| u.is_active && password_fingerprint(&u.password) == fingerprint))
    }

    fn delete_session(&mut self, key: &str) -> StoreResult<()> {
        self.0.execute(
            "DELETE FROM roster_session WHERE key_hash = $1",
            &[&key_hash(key)],
        )?;
        Ok(())
    }

    fn purge_expired_sessions(&mut self) -> StoreResult<usize> {
        let purged = self
            .0
            .execute("DELETE FROM roster_session WHERE expires_at <= now()", &[])?;
        Ok(purged as usize)
    }

    fn active_users_by_email(&mut self, email: &str) -> StoreResult<Vec<UserRecord>> {
        let fold = super::accounts::ASCII_FOLD.replace("{}", "email");
        let rows = self.0.query(
            &select_users(&format!("WHERE is_active AND email <> '' AND {fold} = $1")),
            &[&ascii_casefold(email)],
        )?;
        Ok(rows.iter().map(user_record).collect())
    }

    fn created_without_password_by_roster(&mut self, user_id: i64) -> StoreResult<bool> {
        let row = self.0.query_one(
            "SELECT EXISTS (SELECT 1 FROM roster_import_row \
                            WHERE user_id = $1::bigint AND NOT had_password) \
                 OR EXISTS (SELECT 1 FROM roster_invitation WHERE user_id = $1::bigint)",
            &[&user_id],
        )?;
        Ok(row.get(0))
    }

    fn was_invited(&mut self, user_id: i64) -> StoreResult<bool> {
        let row = self.0.query_one(
            "SELECT EXISTS (SELECT 1 FROM roster_invitation \
                            WHERE user_id = $1::bigint AND status = 'sent')",
            &[&user_id],
        )?;
        Ok(row.get(0))
    }

    fn has_logged_in_from(&mut self, username: &str, client: &str) -> StoreResult<bool> {
        let row = self.0.query_one(
            "SELECT EXISTS (SELECT 1 FROM roster_audit WHERE action = 'login' AND actor = $1 \
             AND client = $2 AND actor_user_id IS NOT NULL)",
            &[&username, &client],
        )?;
        Ok(row.get(0))
    }

    fn record_audit(&mut self, entry: &AuditEntry<'_>) -> StoreResult<()> {
        Ok(super::record_audit(self.0, entry)?)
    }
}
