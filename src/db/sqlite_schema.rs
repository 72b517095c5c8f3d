//! Reads what `user_model`'s rules need from an SQLite database's own catalog (`sqlite_master` and
//! the table pragmas).

use rusqlite::{Connection, OptionalExtension};

use super::user_model::{ColumnInfo, UserLikeTable, UserSchema};
use super::user_table::quoted;

/// An SQLite connection read as a `UserSchema`.
pub(super) struct SqliteSchema<'a>(pub(super) &'a Connection);

impl UserSchema for SqliteSchema<'_> {
    fn has_table(&mut self, name: &str) -> anyhow::Result<bool> {
        Ok(self.0.query_row(
            "SELECT EXISTS(SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1)",
            [name],
            |r| r.get(0),
        )?)
    }

    fn auth_app_installed(&mut self) -> anyhow::Result<bool> {
        if self.has_table("django_migrations")?
            && self.0.query_row(
                "SELECT EXISTS(SELECT 1 FROM django_migrations WHERE app = 'auth')",
                [],
                |r| r.get(0),
            )?
        {
            return Ok(true);
        }
        Ok(self.has_table("django_content_type")?
            && self.0.query_row(
                "SELECT EXISTS(SELECT 1 FROM django_content_type WHERE app_label = 'auth')",
                [],
                |r| r.get(0),
            )?)
    }

    fn user_like_tables(&mut self) -> anyhow::Result<Vec<UserLikeTable>> {
        let conn = self.0;
        let mut stmt = conn.prepare(
            "SELECT m.name FROM sqlite_master m WHERE m.type = 'table' AND m.name <> 'auth_user' \
             AND m.name NOT LIKE 'roster\\_%' ESCAPE '\\' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' \
             AND (SELECT COUNT(*) FROM pragma_table_info(m.name) \
                  WHERE name IN ('password', 'last_login', 'is_superuser')) = 3 \
             ORDER BY m.name",
        )?;
        let tables: Vec<String> = stmt
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let has_content_types = self.has_table("django_content_type")?;
        tables
            .into_iter()
            .map(|table| {
                let model = if has_content_types {
                    conn.query_row(
                        "SELECT app_label || '.' || model FROM django_content_type \
                         WHERE app_label || '_' || model = ?1",
                        [&table],
                        |r| r.get(0),
                    )
                    .optional()?
                } else {
                    None
                };
                Ok(UserLikeTable { table, model })
            })
            .collect()
    }

    fn columns(&mut self, table: &str) -> anyhow::Result<Vec<ColumnInfo>> {
        let conn = self.0;
        let ddl: String = conn
            .query_row(
                "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?1",
                [table],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or_default();
        let mut stmt = conn
            .prepare("SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info(?1)")?;
        let columns = stmt
            .query_map([table], |r| {
                let name: String = r.get(0)?;
                let declared_type: String = r.get(1)?;
                let primary_key: i64 = r.get(4)?;
                let lower = declared_type.to_ascii_lowercase();
                let json_checked = ddl.contains(&format!("JSON_VALID({})", quoted(&name)));
                Ok(ColumnInfo {
                    plain_text: (lower.starts_with("varchar") || lower == "text") && !json_checked,
                    name,
                    declared_type,
                    not_null: r.get::<_, bool>(2)? && primary_key == 0,
                    has_default: r.get::<_, Option<String>>(3)?.is_some(),
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok(columns)
    }

    fn foreign_key_column(&mut self, table: &str, target: &str) -> anyhow::Result<Option<String>> {
        Ok(self
            .0
            .query_row(
                "SELECT \"from\" FROM pragma_foreign_key_list(?1) WHERE \"table\" = ?2 COLLATE NOCASE",
                [table, target],
                |r| r.get(0),
            )
            .optional()?)
    }

    fn email_is_unique(&mut self, table: &str) -> anyhow::Result<bool> {
        Ok(self.0.query_row(
            "SELECT EXISTS(SELECT 1 FROM pragma_index_list(?1) AS l WHERE l.\"unique\" = 1 \
             AND (SELECT group_concat(name) FROM pragma_index_info(l.name)) = 'email')",
            [table],
            |r| r.get(0),
        )?)
    }
}
