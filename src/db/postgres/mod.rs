//! PostgreSQL (in progress): connecting (URL, password sources, TLS through rustls, a pool),
//! `migrate` (Django's exact schema on an empty database, then Roster's `roster_` tables, recorded
//! by refinery in `roster_schema_history` as on SQLite), the import's store and the account
//! commands' store, and the web server's stores for setup, login, sessions, import history,
//! the user list and the audit log. The rest of Roster still runs on SQLite.

mod accounts;
mod audit_log;
mod connect;
mod directory;
mod history;
mod import_record;
mod import_rows;
mod import_statements;
mod import_store;
mod invitations;
mod mail_settings;
mod pgpass;
mod rate_limits;
mod sessions;
mod target;
mod tls;
mod undo;
mod user_admin;
mod user_model;
mod web_users;

pub use accounts::PgAccounts;
pub use connect::{ConnectError, Connector, PgPool, pool};
pub use directory::PgDirectory;
pub use import_record::interrupt_abandoned_imports;
pub use import_store::PgImportStore;
pub use invitations::PgInvitations;
pub use mail_settings::load_mail_settings;
pub use rate_limits::{count_event, is_exhausted};
pub use sessions::PgWeb;
pub use target::{
    DEFAULT_PORT, PASSWORD_VARIABLE, PasswordLookup, PasswordSource, PgTarget, SslMode,
    is_postgres_url, redact,
};
pub use user_model::users;

use anyhow::Context;

use crate::db::user_model::UserModelName;
use crate::db::user_table::UserTable;

/// Django's tables, created only when the database has none of them (the SQL files sit in
/// `migrations-postgres/`, next to the SQLite ones in `migrations/`).
const DJANGO_SCHEMA: &str = include_str!("../../../migrations-postgres/django_schema.sql");
/// Roster's migrations for PostgreSQL (the history starts at V12, see the file).
const ROSTER_MIGRATIONS: &[(&str, &str)] = &[
    (
        "V12__roster_tables",
        include_str!("../../../migrations-postgres/V12__roster_tables.sql"),
    ),
    (
        "V13__user_references_without_foreign_keys",
        include_str!("../../../migrations-postgres/V13__user_references_without_foreign_keys.sql"),
    ),
    (
        "V14__roster_rate_limit",
        include_str!("../../../migrations-postgres/V14__roster_rate_limit.sql"),
    ),
    (
        "V15__token_names_fold_ascii_only",
        include_str!("../../../migrations-postgres/V15__token_names_fold_ascii_only.sql"),
    ),
];
/// Two Roster processes migrating one database take turns (a session-level advisory lock).
const MIGRATE_LOCK: i64 = 0x526f_7374_6572; // "Roster"

/// What `migrate` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Migrated {
    /// Django's tables were created (the database had none).
    pub created_django_tables: bool,
    /// Roster's migrations applied now (empty when the schema was up to date).
    pub applied_versions: Vec<i32>,
}

/// Creates or upgrades the schema: Django's tables on an empty database, then Roster's own.
/// Resolves where the users live (`ROSTER_USER_MODEL`) first, refusing before anything is
/// written, and keeps that for the process (`users`), with how Django sees the users' datetimes
/// (`naive_local_time`: `Some(TIME_ZONE)` when it runs with `USE_TZ = False`).
pub fn migrate(
    connector: &Connector,
    model: &UserModelName,
    naive_local_time: Option<chrono_tz::Tz>,
) -> anyhow::Result<Migrated> {
    let mut client = connector.connect()?;
    client
        .execute("SELECT pg_advisory_lock($1)", &[&MIGRATE_LOCK])
        .context("waiting for another Roster's migrate to finish")?;
    let migrated = migrate_locked(&mut client, model, naive_local_time);
    // Closing the connection releases the lock too; unlocking first keeps a pooled one clean.
    let _ = client.execute("SELECT pg_advisory_unlock($1)", &[&MIGRATE_LOCK]);
    migrated
}

fn migrate_locked(
    client: &mut postgres::Client,
    model: &UserModelName,
    naive_local_time: Option<chrono_tz::Tz>,
) -> anyhow::Result<Migrated> {
    let has = |client: &mut postgres::Client, table: &str| -> anyhow::Result<bool> {
        let found: bool = client
            .query_one("SELECT to_regclass($1) IS NOT NULL", &[&table])?
            .get(0);
        Ok(found)
    };
    let users = user_model::resolve(client, model)?;
    let bigint_ids = user_model::has_bigint_ids(client, &users)?;
    let has_user_table = has(client, "auth_user")?;
    let has_django_history = has(client, "django_migrations")?;
    let created_django_tables = match (users.is_default(), has_user_table, has_django_history) {
        (false, ..) => false,
        (true, false, false) => {
            let mut transaction = client.transaction()?;
            transaction
                .batch_execute(DJANGO_SCHEMA)
                .context("creating Django's tables")?;
            transaction.commit()?;
            true
        }
        (true, false, true) => anyhow::bail!(
            "this database has Django's django_migrations but no auth_user table: Django has not \
             migrated its auth app yet (run `manage.py migrate`)"
        ),
        (true, true, _) => {
            check_user_columns(client)?;
            false
        }
    };
    // refinery creates its history table `IF NOT EXISTS`: no NOTICE about it on every run.
    client.batch_execute("SET client_min_messages = warning")?;
    let migrations = ROSTER_MIGRATIONS
        .iter()
        .map(|(name, sql)| {
            refinery::Migration::unapplied(name, &rendered(&users, bigint_ids, name, sql))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let report = refinery::Runner::new(&migrations)
        .set_migration_table_name("roster_schema_history")
        .run(client)
        .context("applying Roster's migrations")?;
    user_model::remember(users.with_naive_local_time(naive_local_time));
    Ok(Migrated {
        created_django_tables,
        applied_versions: report
            .applied_migrations()
            .iter()
            .map(|migration| migration.version())
            .collect(),
    })
}

/// One of Roster's migrations for the user model's table (unchanged for `auth_user`, so its
/// checksum stays the one refinery recorded); with `bigint` ids, the columns and variables that
/// hold a user's id are `bigint` too.
fn rendered(users: &UserTable, bigint_ids: bool, name: &str, sql: &str) -> String {
    let version = name
        .trim_start_matches('V')
        .split("__")
        .next()
        .and_then(|digits| digits.parse().ok())
        .unwrap_or_default();
    let sql = users.render_migration(version, sql);
    if !bigint_ids {
        return sql;
    }
    [
        "user_id integer",
        "named integer[]",
        "missing integer",
        "gone integer",
    ]
    .into_iter()
    .fold(sql, |sql, declared| {
        sql.replace(declared, &declared.replace("integer", "bigint"))
    })
}

/// Refuses an `auth_user` that is not Django's default user table (as on SQLite).
fn check_user_columns(client: &mut postgres::Client) -> anyhow::Result<()> {
    let columns: Vec<String> = client
        .query(
            "SELECT column_name::text FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = 'auth_user'",
            &[],
        )?
        .iter()
        .map(|row| row.get(0))
        .collect();
    let missing: Vec<&str> = [
        "id",
        "password",
        "last_login",
        "is_superuser",
        "username",
        "first_name",
        "last_name",
        "email",
        "is_staff",
        "is_active",
        "date_joined",
    ]
    .into_iter()
    .filter(|wanted| !columns.iter().any(|have| have == wanted))
    .collect();
    anyhow::ensure!(
        missing.is_empty(),
        "auth_user lacks columns {missing:?}: Roster works with Django's default user model only"
    );
    Ok(())
}

/// Appends one audit entry (PostgreSQL's `db::audit::record`).
pub fn record_audit(
    client: &mut postgres::Client,
    entry: &crate::db::audit::AuditEntry<'_>,
) -> Result<(), postgres::Error> {
    client.execute(
        "INSERT INTO roster_audit (at, actor_user_id, actor, action, target, detail, client) \
         VALUES (now(), $1::bigint, $2, $3, $4, $5, $6)",
        &[
            &entry.actor_user_id,
            &entry.actor,
            &entry.action.as_str(),
            &entry.target,
            &entry.detail,
            &entry.client,
        ],
    )?;
    Ok(())
}

/// Commits the transaction `BEGIN` opened when `outcome` is `Ok`, else rolls it back.
pub(crate) fn end_transaction<T>(
    client: &mut postgres::Client,
    outcome: Result<T, postgres::Error>,
) -> Result<T, postgres::Error> {
    match outcome {
        Ok(value) => {
            client.batch_execute("COMMIT")?;
            Ok(value)
        }
        Err(err) => {
            let _ = client.batch_execute("ROLLBACK");
            Err(err)
        }
    }
}
