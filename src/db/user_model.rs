//! Detects a Django project whose `AUTH_USER_MODEL` is not `auth.User` when Roster was not told so, before it writes anything.

use rusqlite::{Connection, OptionalExtension};

/// A table that looks like a Django user model (`AbstractBaseUser` + `PermissionsMixin` columns).
struct UserLikeTable {
    table: String,
    /// `app_label.model` from `django_content_type`, when Django registered it.
    model: Option<String>,
}

/// Refuses a Django database whose user model is swapped (e.g. `accounts.User`): Roster would
/// otherwise create a shadow `auth_user` that Django never reads. Reads only; writes nothing.
pub(super) fn refuse_swapped_user_model(conn: &Connection) -> anyhow::Result<()> {
    let has_table = |name: &str| -> rusqlite::Result<bool> {
        conn.query_row(
            "SELECT EXISTS(SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1)",
            [name],
            |r| r.get(0),
        )
    };
    let has_auth_user = has_table("auth_user")?;
    let auth_app_installed = (has_table("django_migrations")?
        && conn.query_row(
            "SELECT EXISTS(SELECT 1 FROM django_migrations WHERE app = 'auth')",
            [],
            |r| r.get(0),
        )?)
        || (has_table("django_content_type")?
            && conn.query_row(
                "SELECT EXISTS(SELECT 1 FROM django_content_type WHERE app_label = 'auth')",
                [],
                |r| r.get(0),
            )?);
    let others = user_like_tables(conn)?;
    if others.is_empty() && (has_auth_user || !auth_app_installed) {
        return Ok(());
    }
    let found = match others.first() {
        Some(UserLikeTable {
            table,
            model: Some(model),
        }) => format!("its user model looks like {model} (table {table})"),
        Some(UserLikeTable { table, model: None }) => {
            format!("the table {table} looks like its user model")
        }
        None => "Django's auth app is installed but there is no auth_user table".to_string(),
    };
    let model_hint = others
        .first()
        .and_then(|t| t.model.clone())
        .unwrap_or_else(|| "app_label.Model".to_string());
    anyhow::bail!(
        "this Django database uses a custom user model (AUTH_USER_MODEL): {found}, but Roster \
         was told the users are in Django's default auth.User (ROSTER_USER_MODEL=auth.User). \
         Nothing was written. Set ROSTER_USER_MODEL={model_hint} (the project's AUTH_USER_MODEL) \
         to use it, or point --database at a project that uses auth.User, or at a new file"
    )
}

/// Tables other than `auth_user` with the columns every Django user model with permissions has.
fn user_like_tables(conn: &Connection) -> rusqlite::Result<Vec<UserLikeTable>> {
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
    let has_content_types: bool = conn.query_row(
        "SELECT EXISTS(SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'django_content_type')",
        [],
        |r| r.get(0),
    )?;
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
