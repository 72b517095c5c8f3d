//! The account commands' reads and writes on PostgreSQL (`AccountStore`), in Django's formats.

use postgres::Client;

use crate::db::account_store::{Account, AccountStore};
use crate::db::audit::AuditEntry;
use crate::domain::fields::ascii_casefold;

/// ASCII-only lower-casing in SQL, whatever the database's collation (`lower()` follows it), so
/// the comparison is Roster's `ascii_casefold`.
pub(super) const ASCII_FOLD: &str =
    "translate({}, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')";

/// The account commands on one PostgreSQL connection.
pub struct PgAccounts(pub Client);

impl AccountStore for PgAccounts {
    type Error = postgres::Error;

    fn identity_taken(&mut self, username: &str, email: &str) -> Result<bool, postgres::Error> {
        identity_taken(&mut self.0, username, email)
    }

    fn insert_superuser(
        &mut self,
        username: &str,
        email: &str,
        password_hash: &str,
    ) -> Result<i64, postgres::Error> {
        insert_superuser(&mut self.0, username, email, password_hash)
    }

    fn find_by_username(&mut self, username: &str) -> Result<Option<Account>, postgres::Error> {
        let row = self.0.query_opt(
            "SELECT id::bigint, username::text, first_name::text, last_name::text, email::text \
             FROM auth_user WHERE username = $1",
            &[&username],
        )?;
        Ok(row.map(|row| Account {
            id: row.get(0),
            username: row.get(1),
            first_name: row.get(2),
            last_name: row.get(3),
            email: row.get(4),
        }))
    }

    fn set_password(&mut self, user_id: i64, password_hash: &str) -> Result<(), postgres::Error> {
        set_password(&mut self.0, user_id, password_hash)
    }

    fn record_audit(&mut self, entry: &AuditEntry<'_>) -> Result<(), postgres::Error> {
        super::record_audit(&mut self.0, entry)
    }
}

/// Whether a username or e-mail is taken, ignoring ASCII case (Django's `iexact` on SQLite).
pub(super) fn identity_taken(
    client: &mut Client,
    username: &str,
    email: &str,
) -> Result<bool, postgres::Error> {
    let sql = format!(
        "SELECT EXISTS (SELECT 1 FROM auth_user WHERE {} = $1 OR ($2 <> '' AND {} = $2))",
        ASCII_FOLD.replace("{}", "username"),
        ASCII_FOLD.replace("{}", "email")
    );
    let row = client.query_one(&sql, &[&ascii_casefold(username), &ascii_casefold(email)])?;
    Ok(row.get(0))
}

/// Inserts an active staff superuser, as Django's `createsuperuser` does; returns its id.
pub(super) fn insert_superuser(
    client: &mut Client,
    username: &str,
    email: &str,
    password_hash: &str,
) -> Result<i64, postgres::Error> {
    let row = client.query_one(
        "INSERT INTO auth_user (password, last_login, is_superuser, username, first_name, \
         last_name, email, is_staff, is_active, date_joined) \
         VALUES ($1, NULL, true, $2, '', '', $3, true, true, now()) RETURNING id::bigint",
        &[&password_hash, &username, &email],
    )?;
    Ok(row.get(0))
}

/// Replaces a user's password hash.
pub(super) fn set_password(
    client: &mut Client,
    user_id: i64,
    password_hash: &str,
) -> Result<(), postgres::Error> {
    client.execute(
        "UPDATE auth_user SET password = $1 WHERE id = $2::bigint",
        &[&password_hash, &user_id],
    )?;
    Ok(())
}
