//! The seam for the account commands (`createsuperuser`, `changepassword`): the few reads and
//! writes they make, per backend; the SQLite side calls today's functions.

use rusqlite::Connection;

use super::audit::AuditEntry;

/// The facts about a user the account commands need (the password validators compare with them).
#[derive(Debug, Clone)]
pub struct Account {
    pub id: i64,
    pub username: String,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
}

/// What `createsuperuser` and `changepassword` read and write.
pub trait AccountStore {
    type Error: std::error::Error + Send + Sync + 'static;

    /// Whether a username or e-mail is taken, ignoring ASCII case (Django's `iexact` on SQLite).
    fn identity_taken(&mut self, username: &str, email: &str) -> Result<bool, Self::Error>;

    /// Inserts an active staff superuser, as Django's `createsuperuser` does; returns its id.
    fn insert_superuser(
        &mut self,
        username: &str,
        email: &str,
        password_hash: &str,
    ) -> Result<i64, Self::Error>;

    /// The user with exactly this username (Django's `get_by_natural_key`).
    fn find_by_username(&mut self, username: &str) -> Result<Option<Account>, Self::Error>;

    /// Replaces a user's password hash.
    fn set_password(&mut self, user_id: i64, password_hash: &str) -> Result<(), Self::Error>;

    /// Appends an audit entry.
    fn record_audit(&mut self, entry: &AuditEntry<'_>) -> Result<(), Self::Error>;
}

impl AccountStore for &Connection {
    type Error = rusqlite::Error;

    fn identity_taken(&mut self, username: &str, email: &str) -> rusqlite::Result<bool> {
        super::users::identity_taken(self, username, email)
    }

    fn insert_superuser(
        &mut self,
        username: &str,
        email: &str,
        password_hash: &str,
    ) -> rusqlite::Result<i64> {
        super::users::insert_superuser(self, username, email, password_hash, &super::now_text())
    }

    fn find_by_username(&mut self, username: &str) -> rusqlite::Result<Option<Account>> {
        Ok(
            super::users::find_by_username(self, username)?.map(|user| Account {
                id: user.id,
                username: user.username,
                first_name: user.first_name,
                last_name: user.last_name,
                email: user.email,
            }),
        )
    }

    fn set_password(&mut self, user_id: i64, password_hash: &str) -> rusqlite::Result<()> {
        super::users::set_password(self, user_id, password_hash)
    }

    fn record_audit(&mut self, entry: &AuditEntry<'_>) -> rusqlite::Result<()> {
        super::audit::record(self, entry)
    }
}
