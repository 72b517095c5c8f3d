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
        let users = super::users();
        let sql = format!(
            "SELECT id::bigint, username::text, {}, email::text FROM {} WHERE username = $1",
            users.first_last_text(""),
            users.table()
        );
        let row = self.0.query_opt(&sql, &[&username])?;
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
        "SELECT EXISTS (SELECT 1 FROM {} WHERE {} = $1 OR ($2 <> '' AND {} = $2))",
        super::users().table(),
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
    let users = super::users();
    let (name_columns, names) = users.name_insert("''", "''");
    let (text_columns, empty_texts) = users.empty_text_insert();
    let sql = format!(
        "INSERT INTO {} (password, last_login, is_superuser, username, {name_columns}, email, \
         is_staff, is_active, date_joined{text_columns}) \
         VALUES ($1, NULL, true, $2, {names}, $3, true, true, now(){empty_texts}) \
         RETURNING id::bigint",
        users.table()
    );
    let row = client.query_one(&sql, &[&password_hash, &username, &email])?;
    Ok(row.get(0))
}

/// Replaces a user's password hash.
pub(super) fn set_password(
    client: &mut Client,
    user_id: i64,
    password_hash: &str,
) -> Result<(), postgres::Error> {
    let sql = format!(
        "UPDATE {} SET password = $1 WHERE id = $2::bigint",
        super::users().table()
    );
    client.execute(&sql, &[&password_hash, &user_id])?;
    Ok(())
}
