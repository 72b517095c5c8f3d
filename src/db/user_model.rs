//! Finds the Django user model in a database: refuses a swapped one Roster was not told about, and reads the one it was told (`ROSTER_USER_MODEL`) into a `UserTable`, before anything is written.
//
// The rules are the same on both backends; each backend reads its own catalog through
// `UserSchema` (SQLite: `sqlite_schema.rs`, PostgreSQL: `postgres/user_model.rs`).

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
    pub(super) fn default_table(&self) -> String {
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
pub(super) struct UserLikeTable {
    pub(super) table: String,
    /// `app_label.model` from `django_content_type`, when Django registered it.
    pub(super) model: Option<String>,
}

/// What the rules below need to know about a database's tables, read from its own catalog.
pub(super) trait UserSchema {
    /// Whether the table exists.
    fn has_table(&mut self, name: &str) -> anyhow::Result<bool>;
    /// Whether Django's auth app was migrated or registered (`django_migrations`,
    /// `django_content_type`).
    fn auth_app_installed(&mut self) -> anyhow::Result<bool>;
    /// Tables other than `auth_user` (and Roster's) with `password`, `last_login` and
    /// `is_superuser` columns, by name, with their model when `django_content_type` has it.
    fn user_like_tables(&mut self) -> anyhow::Result<Vec<UserLikeTable>>;
    /// The table's columns (none when it does not exist).
    fn columns(&mut self, table: &str) -> anyhow::Result<Vec<ColumnInfo>>;
    /// The column of `table` that is a foreign key to `target`.
    fn foreign_key_column(&mut self, table: &str, target: &str) -> anyhow::Result<Option<String>>;
    /// Whether a UNIQUE index (or constraint) covers exactly the `email` column of `table`.
    fn email_is_unique(&mut self, table: &str) -> anyhow::Result<bool>;
}

/// Refuses a Django database whose user model is swapped (e.g. `accounts.User`): Roster would
/// otherwise create a shadow `auth_user` that Django never reads. Reads only; writes nothing.
pub(super) fn refuse_swapped_user_model(schema: &mut dyn UserSchema) -> anyhow::Result<()> {
    let has_auth_user = schema.has_table("auth_user")?;
    let auth_app_installed = schema.auth_app_installed()?;
    let others = schema.user_like_tables()?;
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

/// Reads the map for `model` from the database; refuses, naming what is wrong, a table Roster
/// cannot fill correctly. Reads only.
pub(super) fn resolve_user_table(
    schema: &mut dyn UserSchema,
    model: &UserModelName,
) -> anyhow::Result<UserTable> {
    let hint = "Nothing was written";
    let table = model.default_table();
    let columns = schema.columns(&table)?;
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
    let groups = link_table(schema, model, &table, "groups", "auth_group")?;
    let permissions = link_table(schema, model, &table, "user_permissions", "auth_permission")?;
    let email_unique = schema.email_is_unique(&table)?;
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

/// One column of the user table.
pub(super) struct ColumnInfo {
    pub(super) name: String,
    pub(super) declared_type: String,
    /// NOT NULL, and not the primary key.
    pub(super) not_null: bool,
    /// A database default (or an identity): the database fills it.
    pub(super) has_default: bool,
    /// Django's `CharField`/`TextField` family (`varchar(n)` or `text`, no JSON check), whose
    /// implicit default is "".
    pub(super) plain_text: bool,
}

/// The many-to-many table Django makes for the user model's `groups` or `user_permissions` field,
/// with the columns that point at the user table and at `other_table`.
fn link_table(
    schema: &mut dyn UserSchema,
    model: &UserModelName,
    user_table: &str,
    field: &str,
    other_table: &str,
) -> anyhow::Result<LinkTable> {
    let table = format!("{user_table}_{field}");
    let to_user = schema.foreign_key_column(&table, user_table)?;
    match (to_user, schema.foreign_key_column(&table, other_table)?) {
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
