//! Organizational units and API tokens on PostgreSQL (`DirectoryStore`): the SQLite rules and
//! messages (`db::ous`, `db::api_tokens`), Roster's timestamps shown in SQLite's text form.

use std::borrow::BorrowMut;

use postgres::error::SqlState;
use postgres::{Client, Row};

use super::accounts::ASCII_FOLD;
use crate::db::api_tokens::{self, ApiTokenInfo, Authenticated, CreateTokenError, StoredToken};
use crate::db::audit::AuditEntry;
use crate::db::directory_store::{DirectoryAccess, DirectoryStore};
use crate::db::ous::{self, AddOuError, ChangeOuError, OuItem};

/// The `ou` and `token` commands (an owned connection) and the web's pages on them (a pooled one
/// borrowed, inside the page's transaction) on one PostgreSQL connection.
pub struct PgDirectory<C: BorrowMut<Client> = Client>(pub C);

impl DirectoryAccess for super::PgWeb<'_> {
    fn directory(&mut self) -> Box<dyn DirectoryStore + '_> {
        Box::new(PgDirectory(&mut *self.0))
    }
}

/// `column` (timestamp with time zone) as the UTC text SQLite holds: `YYYY-MM-DD HH:MM:SS`, then
/// `.ffffff` unless the microseconds are zero (`db::format_datetime`).
pub(super) fn utc_text(column: &str) -> String {
    crate::db::user_table::UserTable::django_default().datetime_text(column)
}

fn is_unique_violation(err: &postgres::Error) -> bool {
    err.code() == Some(&SqlState::UNIQUE_VIOLATION)
}

impl<C: BorrowMut<Client>> PgDirectory<C> {
    fn client(&mut self) -> &mut Client {
        self.0.borrow_mut()
    }

    /// Every row `sql` (without parameters) returns, each made into a `T` by `make`.
    fn all<T>(&mut self, sql: &str, make: impl Fn(&Row) -> T) -> Result<Vec<T>, postgres::Error> {
        Ok(self.client().query(sql, &[])?.iter().map(make).collect())
    }

    fn unit_names(&mut self) -> Result<Vec<(i64, String)>, postgres::Error> {
        let sql = "SELECT id, name FROM roster_organizational_unit";
        self.all(sql, |row| (row.get(0), row.get(1)))
    }

    /// The name of unit `id`, or `NotFound`.
    fn unit_name(&mut self, id: i64) -> anyhow::Result<String> {
        let row = self.client().query_opt(
            "SELECT name FROM roster_organizational_unit WHERE id = $1",
            &[&id],
        )?;
        Ok(row.ok_or(ChangeOuError::NotFound)?.get(0))
    }

    /// Refuses `name` (trimmed) when another unit has it under case folding.
    fn free_name<'n>(&mut self, name: &'n str, except: Option<i64>) -> anyhow::Result<&'n str> {
        let name = ous::checked_name(name)?;
        if let Some((_, taken)) = ous::same_name_among(self.unit_names()?, name, except) {
            return Err(AddOuError::Exists(taken).into());
        }
        Ok(name)
    }
}

impl<C: BorrowMut<Client>> DirectoryStore for PgDirectory<C> {
    fn atomically<T>(
        &mut self,
        change: impl FnOnce(&mut Self) -> anyhow::Result<T>,
    ) -> anyhow::Result<T> {
        self.client().batch_execute("BEGIN")?;
        let outcome = change(self);
        let end = if outcome.is_ok() {
            "COMMIT"
        } else {
            "ROLLBACK"
        };
        self.client().batch_execute(end)?;
        outcome
    }

    fn units(&mut self) -> anyhow::Result<Vec<OuItem>> {
        let sql = format!(
            "SELECT ou.id, ou.name, COUNT(p.user_id) FROM roster_organizational_unit ou \
             LEFT JOIN roster_user_profile p ON p.organizational_unit_id = ou.id \
             GROUP BY ou.id ORDER BY {} COLLATE \"C\"",
            ASCII_FOLD.replace("{}", "ou.name")
        );
        let unit = |row: &Row| OuItem {
            id: row.get(0),
            name: row.get(1),
            user_count: row.get(2),
        };
        Ok(self.all(&sql, unit)?)
    }

    fn add_unit(&mut self, name: &str) -> anyhow::Result<i64> {
        let name = self.free_name(name, None)?;
        match self.client().query_one(
            "INSERT INTO roster_organizational_unit (name, created_at) VALUES ($1, now()) \
             RETURNING id",
            &[&name],
        ) {
            Ok(row) => Ok(row.get(0)),
            Err(err) if is_unique_violation(&err) => Err(AddOuError::Exists(name.into()).into()),
            Err(err) => Err(err.into()),
        }
    }

    fn rename_unit(&mut self, id: i64, name: &str) -> anyhow::Result<String> {
        let old = self.unit_name(id)?;
        let name =
            self.free_name(name, Some(id))
                .map_err(|err| match err.downcast::<AddOuError>() {
                    Ok(refused) => ChangeOuError::Name(refused).into(),
                    Err(other) => other,
                })?;
        match self.client().execute(
            "UPDATE roster_organizational_unit SET name = $1 WHERE id = $2",
            &[&name, &id],
        ) {
            Ok(_) => Ok(old),
            Err(err) if is_unique_violation(&err) => {
                Err(ChangeOuError::Name(AddOuError::Exists(name.into())).into())
            }
            Err(err) => Err(err.into()),
        }
    }

    fn delete_unit_if_empty(&mut self, id: i64) -> anyhow::Result<String> {
        let name = self.unit_name(id)?;
        let members: i64 = self
            .client()
            .query_one(
                "SELECT COUNT(*) FROM roster_user_profile WHERE organizational_unit_id = $1",
                &[&id],
            )?
            .get(0);
        if members > 0 {
            return Err(ChangeOuError::NotEmpty(members).into());
        }
        self.client().execute(
            "DELETE FROM roster_organizational_unit WHERE id = $1",
            &[&id],
        )?;
        Ok(name)
    }

    fn tokens(&mut self) -> anyhow::Result<Vec<ApiTokenInfo>> {
        let sql = format!(
            "SELECT name, {}, created_by, {}, {} FROM roster_api_token ORDER BY id",
            utc_text("created_at"),
            utc_text("last_used_at"),
            utc_text("revoked_at")
        );
        Ok(self.all(&sql, |row| ApiTokenInfo {
            name: row.get(0),
            created_at: row.get(1),
            created_by: row.get(2),
            last_used_at: row.get(3),
            revoked_at: row.get(4),
        })?)
    }

    fn create_token(&mut self, name: &str, created_by: &str) -> anyhow::Result<String> {
        let name = api_tokens::valid_name(name)?;
        let token = api_tokens::new_token();
        // A taken name inserts nothing instead of failing, so the transaction it runs in (the
        // web page's) stays usable for the list shown with the refusal.
        let inserted = self.client().execute(
            "INSERT INTO roster_api_token (name, token_hash, created_at, created_by) \
             VALUES ($1, $2, now(), $3) ON CONFLICT DO NOTHING",
            &[&name, &api_tokens::token_hash(&token), &created_by],
        )?;
        if inserted == 0 {
            return Err(CreateTokenError::Exists(name.into()).into());
        }
        Ok(token)
    }

    fn revoke_token(&mut self, name: &str) -> anyhow::Result<bool> {
        let sql = format!(
            "UPDATE roster_api_token SET revoked_at = now() \
             WHERE {} = {} AND revoked_at IS NULL",
            ASCII_FOLD.replace("{}", "name"),
            ASCII_FOLD.replace("{}", "$1")
        );
        Ok(self.client().execute(&sql, &[&name.trim()])? > 0)
    }

    fn authenticate_token(&mut self, token: &str) -> anyhow::Result<Authenticated> {
        let Some(hash) = api_tokens::presented_hash(token) else {
            return Ok(Authenticated::Unknown);
        };
        let found = self.client().query_opt(
            "SELECT id, name, token_hash, revoked_at IS NOT NULL FROM roster_api_token \
             WHERE token_hash = $1",
            &[&hash],
        )?;
        let verdict = api_tokens::verdict(
            &hash,
            found.map(|row| StoredToken {
                id: row.get(0),
                name: row.get(1),
                hash: row.get(2),
                revoked: row.get(3),
            }),
        );
        if let Authenticated::Valid { id, .. } = &verdict {
            self.client().execute(
                "UPDATE roster_api_token SET last_used_at = now() WHERE id = $1",
                &[id],
            )?;
        }
        Ok(verdict)
    }

    fn record_audit(&mut self, entry: &AuditEntry<'_>) -> anyhow::Result<()> {
        Ok(super::record_audit(self.client(), entry)?)
    }
}
