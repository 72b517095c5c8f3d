//! The seam for the `ou` and `token` commands: the reads and writes they make, per backend; the
//! SQLite side calls `db::ous` and `db::api_tokens`.

use rusqlite::Connection;

use super::api_tokens::{ApiTokenInfo, Authenticated};
use super::audit::AuditEntry;
use super::ous::OuItem;

/// What the organizational unit and API token commands read and write. Refusals (a taken name, a
/// unit still in use) are errors whose message is the same on every backend.
pub trait DirectoryStore {
    /// Runs `change` in one transaction: committed when it returns `Ok`, rolled back otherwise.
    fn atomically<T>(
        &mut self,
        change: impl FnOnce(&mut Self) -> anyhow::Result<T>,
    ) -> anyhow::Result<T>
    where
        Self: Sized;

    /// Every unit with its user count, by name (compared as SQLite's NOCASE does).
    fn units(&mut self) -> anyhow::Result<Vec<OuItem>>;

    /// Creates a unit (name trimmed, unique under Unicode case folding); returns its id.
    fn add_unit(&mut self, name: &str) -> anyhow::Result<i64>;

    /// Renames a unit (the new name valid and free); returns the old name.
    fn rename_unit(&mut self, id: i64, name: &str) -> anyhow::Result<String>;

    /// Deletes a unit no user belongs to; returns its name.
    fn delete_unit_if_empty(&mut self, id: i64) -> anyhow::Result<String>;

    /// Every token, oldest first (never a token or its hash).
    fn tokens(&mut self) -> anyhow::Result<Vec<ApiTokenInfo>>;

    /// Creates a token named `name` (unique without regard to case), stores only its SHA-256 and
    /// returns the token.
    fn create_token(&mut self, name: &str, created_by: &str) -> anyhow::Result<String>;

    /// Revokes the active token named `name` (without regard to case); false when there is none.
    fn revoke_token(&mut self, name: &str) -> anyhow::Result<bool>;

    /// What a presented bearer token is; a valid one is recorded as used now.
    fn authenticate_token(&mut self, token: &str) -> anyhow::Result<Authenticated>;

    /// Appends an audit entry.
    fn record_audit(&mut self, entry: &AuditEntry<'_>) -> anyhow::Result<()>;
}

/// The web's way to the units and tokens: the `DirectoryStore` on the connection it already holds
/// (inside its write transaction, when it began one).
pub trait DirectoryAccess {
    fn directory(&mut self) -> Box<dyn DirectoryStore + '_>;
}

impl DirectoryStore for &Connection {
    fn atomically<T>(
        &mut self,
        change: impl FnOnce(&mut Self) -> anyhow::Result<T>,
    ) -> anyhow::Result<T> {
        // Rolled back when dropped uncommitted.
        let transaction =
            rusqlite::Transaction::new_unchecked(self, rusqlite::TransactionBehavior::Immediate)?;
        let value = change(self)?;
        transaction.commit()?;
        Ok(value)
    }

    fn units(&mut self) -> anyhow::Result<Vec<OuItem>> {
        Ok(super::ous::list(self)?)
    }

    fn add_unit(&mut self, name: &str) -> anyhow::Result<i64> {
        Ok(super::ous::add(self, name, &super::now_text())?)
    }

    fn rename_unit(&mut self, id: i64, name: &str) -> anyhow::Result<String> {
        Ok(super::ous::rename(self, id, name)?)
    }

    fn delete_unit_if_empty(&mut self, id: i64) -> anyhow::Result<String> {
        Ok(super::ous::delete_if_empty(self, id)?)
    }

    fn tokens(&mut self) -> anyhow::Result<Vec<ApiTokenInfo>> {
        Ok(super::api_tokens::list(self)?)
    }

    fn create_token(&mut self, name: &str, created_by: &str) -> anyhow::Result<String> {
        Ok(super::api_tokens::create(self, name, created_by)?)
    }

    fn revoke_token(&mut self, name: &str) -> anyhow::Result<bool> {
        Ok(super::api_tokens::revoke(self, name)?)
    }

    fn authenticate_token(&mut self, token: &str) -> anyhow::Result<Authenticated> {
        Ok(super::api_tokens::authenticate(self, token)?)
    }

    fn record_audit(&mut self, entry: &AuditEntry<'_>) -> anyhow::Result<()> {
        Ok(super::audit::record(self, entry)?)
    }
}
