//! The Django user model on PostgreSQL: read from the catalog by the same rules as on SQLite
//! (`db::user_model`) when `migrate` runs, then kept for the process, whose SQL about users is
//! rendered from it.
//
// A Roster process works on one database, and every command and `serve` migrate before they read
// or write users, so the map `migrate` resolved is the one every later statement uses (Django's
// `auth_user` until then).

use std::sync::{Arc, LazyLock, RwLock};

use postgres::Client;

use crate::db::user_model::{
    ColumnInfo, UserLikeTable, UserModelName, UserSchema, refuse_swapped_user_model,
    resolve_user_table,
};
use crate::db::user_table::{NameColumns, UserTable};

static USERS: LazyLock<RwLock<Arc<UserTable>>> =
    LazyLock::new(|| RwLock::new(Arc::new(UserTable::django_default())));

/// The user model this process's database keeps its users in.
pub fn users() -> Arc<UserTable> {
    USERS.read().unwrap_or_else(|e| e.into_inner()).clone()
}

/// Keeps `table` as the process's user model (`migrate` calls it once it resolved the model).
pub(super) fn remember(table: UserTable) {
    *USERS.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(table);
}

/// Resolves `model` on the database `client` is open on, refusing what Roster cannot fill; for
/// Django's `auth.User`, refuses a database whose users live in another model.
pub(super) fn resolve(client: &mut Client, model: &UserModelName) -> anyhow::Result<UserTable> {
    let mut schema = PgSchema(client);
    if model.is_default() {
        refuse_swapped_user_model(&mut schema)?;
        return Ok(UserTable::django_default());
    }
    resolve_user_table(&mut schema, model)
}

/// Whether the model's ids are `bigint` (Django's `BigAutoField`, the default for a new project's
/// own models; `auth_user`'s are `integer`).
pub(super) fn has_bigint_ids(client: &mut Client, users: &UserTable) -> anyhow::Result<bool> {
    let row = client.query_opt(
        "SELECT a.atttypid = 'bigint'::regtype FROM pg_attribute a \
         WHERE a.attrelid = to_regclass(quote_ident($1)) AND a.attname = 'id'",
        &[&users.name()],
    )?;
    Ok(row.is_some_and(|row| row.get(0)))
}

/// Fragments of SQL about users that PostgreSQL needs in its own terms.
impl UserTable {
    /// First and last name as two `text` select expressions of the table aliased `alias`.
    pub(crate) fn first_last_text(&self, alias: &str) -> String {
        match &self.names {
            NameColumns::FirstAndLast => {
                format!("{alias}first_name::text, {alias}last_name::text")
            }
            NameColumns::Single(column) => format!("{alias}{column}::text, ''::text"),
        }
    }

    /// A user datetime column as Django reads it, in Django's SQLite text form: the UTC wall
    /// clock with `USE_TZ = True`, TIME_ZONE's with `USE_TZ = False` (the reset token digests
    /// `last_login` so).
    pub(crate) fn datetime_text(&self, column: &str) -> String {
        let zone = self.naive_local_time.map_or("UTC", |zone| zone.name());
        format!(
            "regexp_replace(to_char({column} AT TIME ZONE '{zone}', 'YYYY-MM-DD HH24:MI:SS.US'), \
             '\\.000000$', '')"
        )
    }
}

/// A PostgreSQL connection read as a `UserSchema` (the current schema, as Django uses it).
struct PgSchema<'a>(&'a mut Client);

impl PgSchema<'_> {
    fn exists(
        &mut self,
        sql: &str,
        params: &[&(dyn postgres::types::ToSql + Sync)],
    ) -> anyhow::Result<bool> {
        Ok(self.0.query_one(sql, params)?.get(0))
    }
}

impl UserSchema for PgSchema<'_> {
    fn has_table(&mut self, name: &str) -> anyhow::Result<bool> {
        self.exists("SELECT to_regclass(quote_ident($1)) IS NOT NULL", &[&name])
    }

    fn auth_app_installed(&mut self) -> anyhow::Result<bool> {
        if self.has_table("django_migrations")?
            && self.exists(
                "SELECT EXISTS (SELECT 1 FROM django_migrations WHERE app = 'auth')",
                &[],
            )?
        {
            return Ok(true);
        }
        Ok(self.has_table("django_content_type")?
            && self.exists(
                "SELECT EXISTS (SELECT 1 FROM django_content_type WHERE app_label = 'auth')",
                &[],
            )?)
    }

    fn user_like_tables(&mut self) -> anyhow::Result<Vec<UserLikeTable>> {
        let tables: Vec<String> = self
            .0
            .query(
                "SELECT t.table_name::text FROM information_schema.tables t \
                 WHERE t.table_schema = current_schema() AND t.table_type = 'BASE TABLE' \
                 AND t.table_name <> 'auth_user' AND t.table_name NOT LIKE 'roster\\_%' \
                 AND (SELECT count(*) FROM information_schema.columns c \
                      WHERE c.table_schema = t.table_schema AND c.table_name = t.table_name \
                      AND c.column_name IN ('password', 'last_login', 'is_superuser')) = 3 \
                 ORDER BY 1",
                &[],
            )?
            .iter()
            .map(|row| row.get(0))
            .collect();
        let has_content_types = self.has_table("django_content_type")?;
        let mut found = Vec::with_capacity(tables.len());
        for table in tables {
            let model = if has_content_types {
                self.0
                    .query_opt(
                        "SELECT (app_label || '.' || model)::text FROM django_content_type \
                         WHERE app_label || '_' || model = $1",
                        &[&table],
                    )?
                    .map(|row| row.get(0))
            } else {
                None
            };
            found.push(UserLikeTable { table, model });
        }
        Ok(found)
    }

    fn columns(&mut self, table: &str) -> anyhow::Result<Vec<ColumnInfo>> {
        let rows = self.0.query(
            "SELECT a.attname::text, format_type(a.atttypid, a.atttypmod), a.attnotnull, \
                    a.atthasdef OR a.attidentity <> '' OR a.attgenerated <> '', \
                    a.atttypid IN ('varchar'::regtype, 'text'::regtype), \
                    EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = a.attrelid \
                            AND i.indisprimary AND a.attnum = ANY (i.indkey)) \
             FROM pg_attribute a \
             WHERE a.attrelid = to_regclass(quote_ident($1)) AND a.attnum > 0 \
             AND NOT a.attisdropped ORDER BY a.attnum",
            &[&table],
        )?;
        Ok(rows
            .iter()
            .map(|row| ColumnInfo {
                name: row.get(0),
                declared_type: row.get(1),
                not_null: row.get::<_, bool>(2) && !row.get::<_, bool>(5),
                has_default: row.get(3),
                plain_text: row.get(4),
            })
            .collect())
    }

    fn foreign_key_column(&mut self, table: &str, target: &str) -> anyhow::Result<Option<String>> {
        Ok(self
            .0
            .query_opt(
                "SELECT a.attname::text FROM pg_constraint c \
                 JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] \
                 WHERE c.contype = 'f' AND cardinality(c.conkey) = 1 \
                 AND c.conrelid = to_regclass(quote_ident($1)) \
                 AND c.confrelid = to_regclass(quote_ident($2)) LIMIT 1",
                &[&table, &target],
            )?
            .map(|row| row.get(0)))
    }

    fn email_is_unique(&mut self, table: &str) -> anyhow::Result<bool> {
        self.exists(
            "SELECT EXISTS (SELECT 1 FROM pg_index i \
             JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0] \
             WHERE i.indrelid = to_regclass(quote_ident($1)) AND i.indisunique \
             AND i.indnkeyatts = 1 AND i.indexprs IS NULL AND i.indpred IS NULL \
             AND a.attname = 'email')",
            &[&table],
        )
    }
}
