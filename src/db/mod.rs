//! The database: opening SQLite with Roster's pragmas, embedded migrations, and all SQL.

pub mod account_store;
pub(crate) mod api_tokens;
pub(crate) mod audit;
pub(crate) mod columns;
#[cfg(test)]
mod delete_rules_tests;
pub(crate) mod directory;
pub mod directory_store;
pub mod import_store;
pub(crate) mod imported_users;
pub(crate) mod imports;
pub mod invitation_store;
pub(crate) mod invitations;
pub(crate) mod mail_settings;
pub(crate) mod mail_store;
mod multi_row;
pub mod ous;
pub mod postgres;
mod read_pool;
pub(crate) mod sessions;
mod sqlite_schema;
#[cfg(test)]
pub(crate) mod test_db;
pub(crate) mod undo;
pub(crate) mod undo_store;
pub(crate) mod user_admin;
pub(crate) mod user_admin_store;
pub(crate) mod user_fingerprint;
pub(crate) mod user_list;
pub mod user_model;
pub(crate) mod user_references;
pub(crate) mod user_search;
pub mod user_table;
pub mod users;
mod wal_checkpointer;
pub(crate) mod web_store;

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use rusqlite::Connection;
use rusqlite::config::DbConfig;
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ValueRef};

use crate::domain::status::{ImportStatus, InvitationStatus, StoredStatus};

pub use read_pool::ReadPool;
use sqlite_schema::SqliteSchema;
use user_model::UserModelName;
use user_table::UserTable;

mod embedded {
    refinery::embed_migrations!("migrations");
}

/// Where the database lives; every caller opens its own short-lived connection.
#[derive(Debug, Clone)]
pub struct Db {
    path: PathBuf,
    user_model: UserModelName,
    /// `Some(zone)` when Django runs with `USE_TZ = False` and `TIME_ZONE = zone`.
    naive_local_time: Option<chrono_tz::Tz>,
}

impl Db {
    /// A handle on the SQLite file at `path` (not opened yet).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            user_model: UserModelName::default(),
            naive_local_time: None,
        }
    }

    /// The same database, whose user datetimes Django stores as naive local time in `zone`
    /// (`USE_TZ = False`), or in UTC (`None`, Django's default `USE_TZ = True`).
    pub fn with_naive_local_time(self, zone: Option<chrono_tz::Tz>) -> Self {
        Self {
            naive_local_time: zone,
            ..self
        }
    }

    /// The same database, holding its users in Django's `model` (`ROSTER_USER_MODEL`).
    pub fn with_user_model(self, model: UserModelName) -> Self {
        Self {
            user_model: model,
            ..self
        }
    }

    /// The file this handle points at.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Opens a connection with foreign keys on and a busy timeout.
    pub fn connect(&self) -> rusqlite::Result<Connection> {
        let conn = Connection::open(&self.path)?;
        conn.busy_timeout(Duration::from_secs(30))?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // With WAL, NORMAL never corrupts the database; a power cut may lose the last commits.
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        // Plans never depend on bound values, so binding a new value never re-prepares a cached
        // statement (with STAT4 compiled in, SQLite otherwise re-prepares on every bind).
        conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
        // Statement journals (an import's savepoint per row) and sorts stay in memory, not temp files.
        conn.pragma_update(None, "temp_store", "MEMORY")?;
        // 16 MiB of page cache (SQLite's default is 2 MiB): at 100,000 users a count or an index
        // walk of the user list, and an import's index inserts, stay in memory.
        conn.pragma_update(None, "cache_size", -16_384)?;
        Ok(conn)
    }

    /// Creates or upgrades the schema: Django's tables when absent, then Roster's own. Resolves
    /// where the users live (`ROSTER_USER_MODEL`) first, refusing before anything is written.
    pub fn migrate(&self) -> anyhow::Result<()> {
        let default_model = self.user_model.is_default();
        anyhow::ensure!(
            default_model || self.path.exists(),
            "ROSTER_USER_MODEL={}: {} does not exist. A custom user model lives in a Django \
             project's database: point --database at it (after `manage.py migrate`)",
            self.user_model,
            self.path.display()
        );
        if !self.path.exists() {
            match create_owner_only(&self.path) {
                Err(err) if err.kind() != std::io::ErrorKind::AlreadyExists => {
                    return Err(err).with_context(|| {
                        format!("cannot create database {}", self.path.display())
                    });
                }
                _ => {}
            }
        }
        let mut conn = self
            .connect()
            .with_context(|| format!("cannot open database {}", self.path.display()))?;
        // Before anything is written: a swapped user model would get a shadow auth_user.
        let users = if default_model {
            user_model::refuse_swapped_user_model(&mut SqliteSchema(&conn))?;
            UserTable::django_default()
        } else {
            user_model::resolve_user_table(&mut SqliteSchema(&conn), &self.user_model)?
        };
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // A migration that rebuilds a table drops it while others still reference it, which
        // SQLite allows only with foreign keys off (the pragma is ignored inside a transaction, so
        // it is set here); such a migration checks the foreign keys itself before it commits.
        conn.pragma_update(None, "foreign_keys", "OFF")?;
        let applied = migrations_for(&users).and_then(|migrations| {
            refinery::Runner::new(&migrations)
                .set_migration_table_name("roster_schema_history")
                .run(&mut conn)
        });
        conn.pragma_update(None, "foreign_keys", "ON")?;
        applied.context("applying migrations")?;
        if default_model {
            check_auth_user(&conn)?;
        }
        if let Some(indexed) =
            user_search::ensure(&conn, &users).context("rebuilding the user search index")?
        {
            tracing::info!(users = indexed, "user search index rebuilt");
        }
        UserTable::register(&conn, users.with_naive_local_time(self.naive_local_time));
        Ok(())
    }
}

/// Roster's migrations, rendered for the user model's table.
fn migrations_for(users: &UserTable) -> Result<Vec<refinery::Migration>, refinery::Error> {
    embedded::migrations::runner()
        .get_migrations()
        .iter()
        .map(|migration| {
            let version = i64::from(migration.version());
            let sql = users.render_migration(version, migration.sql().unwrap_or_default());
            refinery::Migration::unapplied(&format!("V{version}__{}", migration.name()), &sql)
        })
        .collect()
}

impl Db {
    /// Writes a consistent snapshot of the live database to `target` (owner-only), without
    /// stopping readers or writers for longer than one read transaction.
    pub fn backup_to(&self, target: &Path) -> anyhow::Result<()> {
        let target_text = target
            .to_str()
            .ok_or_else(|| anyhow::anyhow!("the backup path must be valid UTF-8"))?;
        // Created empty and owner-only first (VACUUM INTO accepts an empty file), so the copy is
        // never readable by others while it is written.
        create_owner_only(target).map_err(|err| match err.kind() {
            std::io::ErrorKind::AlreadyExists => {
                anyhow::anyhow!("{} exists already; choose a new file", target.display())
            }
            _ => anyhow::Error::new(err).context(format!("cannot create {}", target.display())),
        })?;
        let written = self
            .connect()
            .and_then(|conn| conn.execute("VACUUM INTO ?1", [target_text]));
        if let Err(err) = written {
            let _ = std::fs::remove_file(target);
            return Err(err)
                .with_context(|| format!("cannot write the backup {}", target.display()));
        }
        Ok(())
    }
}

/// Creates a new, empty database file readable and writable by its owner only (it holds password
/// hashes): the mode is set at creation, so there is no moment in which others could open it.
fn create_owner_only(path: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        options.mode(0o600);
        // Exactly 0600 whatever the umask took away.
        options
            .open(path)?
            .set_permissions(std::fs::Permissions::from_mode(0o600))
    }
    #[cfg(not(unix))]
    options.open(path).map(drop)
}

/// Refuses databases whose `auth_user` is not Django's default user table.
fn check_auth_user(conn: &Connection) -> anyhow::Result<()> {
    let mut stmt = conn.prepare("SELECT name FROM pragma_table_info('auth_user')")?;
    let columns: Vec<String> = stmt
        .query_map([], |row| row.get(0))?
        .collect::<Result<_, _>>()?;
    let expected = [
        "id",
        "password",
        "last_login",
        "is_superuser",
        "username",
        "last_name",
        "email",
        "is_staff",
        "is_active",
        "date_joined",
        "first_name",
    ];
    let missing: Vec<&str> = expected
        .iter()
        .filter(|c| !columns.iter().any(|have| have == *c))
        .copied()
        .collect();
    anyhow::ensure!(
        missing.is_empty(),
        "auth_user lacks columns {missing:?}: Roster works with Django's default user model only"
    );
    Ok(())
}

/// Now in UTC, formatted as Django stores datetimes on SQLite (`YYYY-MM-DD HH:MM:SS[.ffffff]`).
pub fn now_text() -> String {
    format_datetime(chrono::Utc::now())
}

/// Formats a UTC instant the way Django writes it: microseconds omitted when zero.
pub fn format_datetime(at: chrono::DateTime<chrono::Utc>) -> String {
    user_table::format_naive(at.naive_utc())
}

/// A status column as its enum; a value Roster never writes is an error, not a guess.
fn status_from_sql<T: StoredStatus>(value: ValueRef<'_>) -> FromSqlResult<T> {
    let text = value.as_str()?;
    T::from_stored(text)
        .ok_or_else(|| FromSqlError::Other(format!("unknown {} status {text:?}", T::OF).into()))
}

impl FromSql for ImportStatus {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        status_from_sql(value)
    }
}

impl FromSql for InvitationStatus {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        status_from_sql(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn datetimes_match_django() {
        let whole = chrono::Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        assert_eq!(format_datetime(whole), "2026-01-01 00:00:00");
        let fraction = whole + chrono::Duration::microseconds(97_724);
        assert_eq!(format_datetime(fraction), "2026-01-01 00:00:00.097724");
    }

    #[test]
    fn undo_and_invitations_find_rows_by_user_through_an_index() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::new(dir.path().join("roster.sqlite3"));
        db.migrate().unwrap();
        let conn = db.connect().unwrap();
        for (table, index) in [
            ("roster_import_row", "roster_import_row_user"),
            ("roster_invitation", "roster_invitation_user"),
        ] {
            let sql = format!("EXPLAIN QUERY PLAN SELECT id FROM {table} WHERE user_id = 1");
            let plan: Vec<String> = conn
                .prepare(&sql)
                .unwrap()
                .query_map([], |row| row.get::<_, String>(3))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            assert!(
                plan.iter().any(|step| step.contains(index)),
                "{table}: {plan:?}"
            );
        }
    }
}
