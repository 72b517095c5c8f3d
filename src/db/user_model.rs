//! Finds the Django user model in a database: refuses a swapped one Roster was not told about, and reads the one it was told (`ROSTER_USER_MODEL`) into a `UserTable`, before anything is written.

use rusqlite::{Connection, OptionalExtension};

use super::user_table::{LinkTable, NameColumns, UserTable, quoted};

/// Django's `AUTH_USER_MODEL`, `app_label.Model` (e.g. `auth.User`, `accounts.User`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserModelName {
    app_label: String,
    model: String,
}

impl Default for UserModelName {
    fn default() -> Self {
        Self {
            app_label: "auth".to_string(),
            model: "User".to_string(),
        }
    }
}

impl std::fmt::Display for UserModelName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.app_label, self.model)
    }
}

impl UserModelName {
    /// Parses `app_label.Model` the way Django writes `AUTH_USER_MODEL`.
    pub fn parse(given: &str) -> Result<Self, String> {
        let identifier = |part: &str| {
            part.chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        };
        match given.trim().split_once('.') {
            Some((app_label, model)) if identifier(app_label) && identifier(model) => Ok(Self {
                app_label: app_label.to_string(),
                model: model.to_string(),
            }),
            _ => Err(format!(
                "ROSTER_USER_MODEL \"{given}\" is not Django's app_label.Model form, e.g. auth.User \
                 or accounts.User (the value of AUTH_USER_MODEL in the project's settings)"
            )),
        }
    }

    /// Django's own `auth.User` (the app label compared as Django does, exactly; the model name
    /// without case, as Django's `get_model` does).
    pub fn is_default(&self) -> bool {
        self.app_label == "auth" && self.model.eq_ignore_ascii_case("user")
    }

    /// The table Django makes for the model without `Meta.db_table`: `app_label_modelname`.
    fn default_table(&self) -> String {
        format!("{}_{}", self.app_label, self.model.to_ascii_lowercase())
    }
}

/// The columns of Django's `AbstractUser` that Roster reads and writes, besides the names.
const REQUIRED_COLUMNS: [&str; 9] = [
    "id",
    "password",
    "last_login",
    "is_superuser",
    "username",
    "email",
    "is_staff",
    "is_active",
    "date_joined",
];

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

/// Reads the map for `model` from the database; refuses, naming what is wrong, a table Roster
/// cannot fill correctly. Reads only.
pub(super) fn resolve_user_table(
    conn: &Connection,
    model: &UserModelName,
) -> anyhow::Result<UserTable> {
    let hint = "Nothing was written";
    let table = model.default_table();
    let columns = table_columns(conn, &table)?;
    anyhow::ensure!(
        !columns.is_empty(),
        "ROSTER_USER_MODEL={model}: the database has no table {table} (Django's table for \
         that model). Run the project's `manage.py migrate` first, check AUTH_USER_MODEL in its \
         settings, or point --database at the project's file. A model with its own \
         Meta.db_table is not supported. {hint}."
    );
    let has = |name: &str| columns.iter().any(|c| c.name == name);
    let missing: Vec<&str> = REQUIRED_COLUMNS.into_iter().filter(|c| !has(c)).collect();
    anyhow::ensure!(
        missing.is_empty(),
        "ROSTER_USER_MODEL={model}: the table {table} lacks the columns {} of Django's \
         AbstractUser, which Roster reads and writes. Roster supports user models based on \
         AbstractUser (with first_name/last_name or one name column). {hint}.",
        missing.join(", ")
    );
    let names = if has("first_name") && has("last_name") {
        NameColumns::FirstAndLast
    } else if has("name") {
        NameColumns::Single(quoted("name"))
    } else {
        anyhow::bail!(
            "ROSTER_USER_MODEL={model}: the table {table} has neither first_name and last_name \
             nor a name column; Roster needs one of them to store names. {hint}."
        )
    };
    let known = |name: &str| {
        REQUIRED_COLUMNS.contains(&name) || ["first_name", "last_name", "name"].contains(&name)
    };
    let required: Vec<&ColumnInfo> = columns
        .iter()
        .filter(|c| c.not_null && !c.has_default && !known(&c.name))
        .collect();
    let (empty_text, unfillable): (Vec<&ColumnInfo>, Vec<&ColumnInfo>) =
        required.into_iter().partition(|c| c.plain_text);
    let unfillable: Vec<String> = unfillable
        .iter()
        .map(|c| format!("{} ({})", c.name, c.declared_type))
        .collect();
    anyhow::ensure!(
        unfillable.is_empty(),
        "ROSTER_USER_MODEL={model}: the table {table} has required columns without a \
         database default that Roster does not know how to fill: {}. Give them a default in \
         the database (Django 5.0+: db_default=...), or make them null=True, and migrate; then \
         run Roster again. {hint}.",
        unfillable.join(", ")
    );
    let groups = link_table(conn, model, &table, "groups", "auth_group")?;
    let permissions = link_table(conn, model, &table, "user_permissions", "auth_permission")?;
    let email_unique = email_is_unique(conn, &table)?;
    Ok(UserTable {
        is_default_model: false,
        table: quoted(&table),
        name: table,
        names,
        groups,
        permissions,
        email_unique,
        empty_text_columns: empty_text.iter().map(|c| quoted(&c.name)).collect(),
        naive_local_time: None,
    })
}

/// One column of `PRAGMA table_info`.
struct ColumnInfo {
    name: String,
    declared_type: String,
    not_null: bool,
    has_default: bool,
    /// Django's `CharField`/`TextField` family (`varchar(n)` or `text`, no JSON check), whose
    /// implicit default is "".
    plain_text: bool,
}

fn table_columns(conn: &Connection, table: &str) -> rusqlite::Result<Vec<ColumnInfo>> {
    let ddl: String = conn
        .query_row(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?1",
            [table],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or_default();
    let mut stmt =
        conn.prepare("SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info(?1)")?;
    stmt.query_map([table], |r| {
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
    .collect()
}

/// The many-to-many table Django makes for the user model's `groups` or `user_permissions` field,
/// with the columns that point at the user table and at `other_table`.
fn link_table(
    conn: &Connection,
    model: &UserModelName,
    user_table: &str,
    field: &str,
    other_table: &str,
) -> anyhow::Result<LinkTable> {
    let table = format!("{user_table}_{field}");
    let column_to = |target: &str| -> rusqlite::Result<Option<String>> {
        conn.query_row(
            "SELECT \"from\" FROM pragma_foreign_key_list(?1) WHERE \"table\" = ?2 COLLATE NOCASE",
            [&table, target],
            |r| r.get(0),
        )
        .optional()
    };
    match (column_to(user_table)?, column_to(other_table)?) {
        (Some(user_column), Some(other_column)) => Ok(LinkTable {
            table: quoted(&table),
            name: table,
            user_column: quoted(&user_column),
            other_column: quoted(&other_column),
        }),
        _ => anyhow::bail!(
            "ROSTER_USER_MODEL={model}: there is no table {table} linking {user_table} to \
             {other_table} (Django makes it for PermissionsMixin's {field}). Roster supports user \
             models based on AbstractUser. Nothing was written."
        ),
    }
}

/// Whether a UNIQUE index (or constraint) covers exactly the `email` column of `table`.
fn email_is_unique(conn: &Connection, table: &str) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT EXISTS(SELECT 1 FROM pragma_index_list(?1) AS l WHERE l.\"unique\" = 1 \
         AND (SELECT group_concat(name) FROM pragma_index_info(l.name)) = 'email')",
        [table],
        |r| r.get(0),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_names_are_parsed_like_auth_user_model() {
        assert!(UserModelName::parse("auth.User").unwrap().is_default());
        let custom = UserModelName::parse(" accounts.User ").unwrap();
        assert!(!custom.is_default());
        assert_eq!(custom.default_table(), "accounts_user");
        for bad in [
            "accounts",
            "accounts.User.x",
            "1app.User",
            "app.Us-er",
            "a;b.User",
            "",
        ] {
            assert!(UserModelName::parse(bad).is_err(), "{bad}");
        }
    }
}
