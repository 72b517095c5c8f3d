//! Where the Django user model lives: table, name columns and group/permission links, read from the database's own schema.
//
// Resolved once per database file when `Db::migrate` runs and looked up by each connection's file,
// so every query about users renders its SQL from one map. Identifiers come from the schema and
// are always quoted; nothing a user types ever becomes part of the SQL text.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use rusqlite::Connection;

/// How the model stores a person's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum NameColumns {
    /// Django's `first_name` and `last_name`.
    FirstAndLast,
    /// One column (cookiecutter-django's `name`): Roster stores "first last" in it and reads it
    /// back as the first name.
    Single(String),
}

/// A link table between users and groups or permissions (`<user table>_groups`).
#[derive(Debug, Clone)]
pub(super) struct LinkTable {
    /// The table's name as the schema spells it.
    pub(super) name: String,
    pub(super) table: String,
    pub(super) user_column: String,
    pub(super) other_column: String,
}

/// The user model's table and columns, as quoted SQL identifiers and fragments.
#[derive(Debug, Clone)]
pub struct UserTable {
    /// Django's own `auth.User` (`auth_user`), whose migrations Roster runs unchanged.
    pub(super) is_default_model: bool,
    /// The table's name as the schema spells it.
    pub(super) name: String,
    pub(super) table: String,
    pub(super) names: NameColumns,
    pub(super) groups: LinkTable,
    pub(super) permissions: LinkTable,
    /// Whether the database itself keeps e-mails unique (a UNIQUE index on the e-mail column).
    pub email_unique: bool,
    /// The model's own required text columns (a `CharField` or `TextField` without a default),
    /// quoted: Roster fills them with "" on insert, as Django does for such a field.
    pub(super) empty_text_columns: Vec<String>,
    /// `Some(zone)` when Django runs with `USE_TZ = False`: `last_login` and `date_joined` hold
    /// naive local time in `zone` (TIME_ZONE) instead of UTC.
    pub(super) naive_local_time: Option<chrono_tz::Tz>,
}

static DEFAULT: LazyLock<Arc<UserTable>> = LazyLock::new(|| Arc::new(UserTable::django_default()));
static BY_DATABASE: LazyLock<Mutex<HashMap<String, Arc<UserTable>>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// An SQL identifier in double quotes.
pub(crate) fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

impl UserTable {
    /// Django's `auth_user` with its `auth_user_groups` and `auth_user_user_permissions`.
    pub(super) fn django_default() -> Self {
        let link = |suffix: &str, other: &str| LinkTable {
            name: format!("auth_user_{suffix}"),
            table: quoted(&format!("auth_user_{suffix}")),
            user_column: quoted("user_id"),
            other_column: quoted(other),
        };
        Self {
            is_default_model: true,
            name: "auth_user".to_string(),
            table: quoted("auth_user"),
            names: NameColumns::FirstAndLast,
            groups: link("groups", "group_id"),
            permissions: link("user_permissions", "permission_id"),
            email_unique: false,
            empty_text_columns: Vec::new(),
            naive_local_time: None,
        }
    }

    /// The map for the database `conn` is open on (Django's default unless `migrate` resolved
    /// another model for that file in this process).
    pub fn of(conn: &Connection) -> Arc<UserTable> {
        let key = conn.path().unwrap_or_default();
        if key.is_empty() {
            return DEFAULT.clone();
        }
        let known = BY_DATABASE.lock().unwrap_or_else(|e| e.into_inner());
        known.get(key).cloned().unwrap_or_else(|| DEFAULT.clone())
    }

    /// Remembers the map for the database `conn` is open on.
    pub(super) fn register(conn: &Connection, table: UserTable) {
        if let Some(key) = conn.path().filter(|key| !key.is_empty()) {
            BY_DATABASE
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(key.to_string(), Arc::new(table));
        }
    }

    /// The same map, with user datetimes stored as Django's `USE_TZ` says (see the field).
    pub(super) fn with_naive_local_time(self, zone: Option<chrono_tz::Tz>) -> Self {
        Self {
            naive_local_time: zone,
            ..self
        }
    }

    /// A UTC datetime in Django's text form (`db::now_text`) as this database stores the users'
    /// datetimes: unchanged with `USE_TZ = True`, else the naive wall clock in TIME_ZONE.
    pub fn stored_datetime(&self, utc_text: &str) -> String {
        let Some(zone) = self.naive_local_time else {
            return utc_text.to_string();
        };
        match parse_naive(utc_text) {
            Some(utc) => format_naive(utc.and_utc().with_timezone(&zone).naive_local()),
            None => utc_text.to_string(),
        }
    }

    /// A stored user datetime as UTC text, for showing it (the inverse of `stored_datetime`; a
    /// wall-clock time that a DST change skipped or doubled takes the earlier instant).
    pub fn utc_datetime(&self, stored: &str) -> String {
        use chrono::TimeZone;
        let Some(zone) = self.naive_local_time else {
            return stored.to_string();
        };
        let instant = parse_naive(stored).and_then(|naive| {
            zone.from_local_datetime(&naive).earliest().or_else(|| {
                zone.from_local_datetime(&(naive + chrono::Duration::hours(1)))
                    .earliest()
            })
        });
        match instant {
            Some(at) => format_naive(at.naive_utc()),
            None => stored.to_string(),
        }
    }

    /// Whether this is Django's own `auth.User`.
    pub fn is_default(&self) -> bool {
        self.is_default_model
    }

    /// The table's name, unquoted (for comparing with the schema's own names).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The link tables' names, unquoted: their rows go with the user.
    pub fn link_table_names(&self) -> [&str; 2] {
        [&self.groups.name, &self.permissions.name]
    }

    /// The quoted table name.
    pub fn table(&self) -> &str {
        &self.table
    }

    /// The quoted user-to-group link table, its user column and its group column.
    pub fn groups(&self) -> (&str, &str, &str) {
        let link = &self.groups;
        (&link.table, &link.user_column, &link.other_column)
    }

    /// The quoted user-to-permission link table, its user column and its permission column.
    pub fn permissions(&self) -> (&str, &str, &str) {
        let link = &self.permissions;
        (&link.table, &link.user_column, &link.other_column)
    }

    /// Two select expressions, first name then last name, for the table aliased `alias`
    /// (`"u."`, or `""` for none).
    pub fn first_last(&self, alias: &str) -> String {
        match &self.names {
            NameColumns::FirstAndLast => format!("{alias}first_name, {alias}last_name"),
            NameColumns::Single(column) => format!("{alias}{column}, ''"),
        }
    }

    /// The whole name as one expression ("first last", trimmed).
    pub fn full_name(&self, alias: &str) -> String {
        match &self.names {
            NameColumns::FirstAndLast => {
                format!("trim({alias}first_name || ' ' || {alias}last_name)")
            }
            NameColumns::Single(column) => format!("{alias}{column}"),
        }
    }

    /// The name as the user list searches it ("first last", untrimmed).
    pub fn searched_name(&self, alias: &str) -> String {
        match &self.names {
            NameColumns::FirstAndLast => format!("{alias}first_name || ' ' || {alias}last_name"),
            NameColumns::Single(column) => format!("{alias}{column}"),
        }
    }

    /// The columns the list sorts by for "name" (last name first).
    pub fn name_sort_columns(&self, alias: &str) -> Vec<String> {
        match &self.names {
            NameColumns::FirstAndLast => {
                vec![format!("{alias}last_name"), format!("{alias}first_name")]
            }
            NameColumns::Single(column) => vec![format!("{alias}{column}")],
        }
    }

    /// The name columns to insert, and their values built from the parameters `first` and
    /// `last` (e.g. `"?6"`, `"?3"`), as column list and value list fragments.
    pub fn name_insert(&self, first: &str, last: &str) -> (String, String) {
        match &self.names {
            NameColumns::FirstAndLast => (
                "last_name, first_name".to_string(),
                format!("{last}, {first}"),
            ),
            NameColumns::Single(column) => {
                (column.clone(), format!("trim({first} || ' ' || {last})"))
            }
        }
    }

    /// The model's own required text columns and as many `''` values, each fragment starting
    /// with ", " (empty for Django's `auth_user`), to append to an `INSERT`'s lists.
    pub fn empty_text_insert(&self) -> (String, String) {
        let columns: String = self
            .empty_text_columns
            .iter()
            .map(|c| format!(", {c}"))
            .collect();
        let values = ", ''".repeat(self.empty_text_columns.len());
        (columns, values)
    }

    /// `SET` assignments storing the parameters `first` and `last` as the name.
    pub fn name_assignments(&self, first: &str, last: &str) -> String {
        match &self.names {
            NameColumns::FirstAndLast => format!("first_name = {first}, last_name = {last}"),
            NameColumns::Single(column) => format!("{column} = trim({first} || ' ' || {last})"),
        }
    }

    /// Rewrites one of Roster's migrations for this model: every reference to `auth_user` names
    /// the model's table, and the name index uses its name columns. Django's tables (V1) exist
    /// already in a project with its own user model, so that migration only checks for them.
    pub(super) fn render_migration(&self, version: i64, sql: &str) -> String {
        if self.is_default() {
            return sql.to_string();
        }
        if version == 1 {
            return "SELECT 1 FROM django_migrations LIMIT 1;".to_string();
        }
        let names = self.name_sort_columns("").join(", ");
        let sql = sql.replace("(last_name, first_name)", &format!("({names})"));
        replace_identifier(&sql, "auth_user", &self.table)
    }
}

/// Formats a wall-clock time the way Django writes datetimes on SQLite: microseconds omitted when zero.
pub(crate) fn format_naive(at: chrono::NaiveDateTime) -> String {
    use chrono::Timelike;
    if at.nanosecond() / 1000 == 0 {
        at.format("%Y-%m-%d %H:%M:%S").to_string()
    } else {
        at.format("%Y-%m-%d %H:%M:%S%.6f").to_string()
    }
}

/// Django's SQLite datetime text (`YYYY-MM-DD HH:MM:SS[.ffffff]`, or with a `T`).
fn parse_naive(text: &str) -> Option<chrono::NaiveDateTime> {
    let text = text.trim();
    chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f")
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f"))
        .ok()
}

/// Replaces the identifier `name` (not a longer identifier containing it, quoted or not) by `with`.
fn replace_identifier(sql: &str, name: &str, with: &str) -> String {
    let is_identifier_char = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut out = String::with_capacity(sql.len());
    let mut rest = sql;
    while let Some(at) = rest.find(name) {
        let before = rest[..at].chars().next_back();
        let after = rest[at + name.len()..].chars().next();
        let (quoted_before, quoted_after) = (before == Some('"'), after == Some('"'));
        let whole =
            !before.is_some_and(is_identifier_char) && !after.is_some_and(is_identifier_char);
        if whole && quoted_before == quoted_after {
            let start = if quoted_before { at - 1 } else { at };
            out.push_str(&rest[..start]);
            out.push_str(with);
            rest = &rest[at + name.len() + usize::from(quoted_after)..];
        } else {
            out.push_str(&rest[..at + name.len()]);
            rest = &rest[at + name.len()..];
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn with_use_tz_false_user_datetimes_are_naive_local_time() {
        let utc = UserTable::django_default();
        assert_eq!(
            utc.stored_datetime("2026-01-01 00:00:00"),
            "2026-01-01 00:00:00"
        );
        let tokyo = UserTable::django_default().with_naive_local_time(Some(chrono_tz::Asia::Tokyo));
        assert_eq!(
            tokyo.stored_datetime("2026-01-01 00:00:00.097724"),
            "2026-01-01 09:00:00.097724"
        );
        assert_eq!(
            tokyo.utc_datetime("2026-01-01 09:00:00"),
            "2026-01-01 00:00:00"
        );
        let new_york =
            UserTable::django_default().with_naive_local_time(Some(chrono_tz::America::New_York));
        // Summer time: UTC-4; winter: UTC-5.
        assert_eq!(
            new_york.stored_datetime("2026-07-01 12:00:00"),
            "2026-07-01 08:00:00"
        );
        assert_eq!(
            new_york.stored_datetime("2026-01-01 12:00:00"),
            "2026-01-01 07:00:00"
        );
        // 02:30 on 8 March 2026 does not exist in New York; 01:30 on 1 November is there twice.
        assert_eq!(
            new_york.utc_datetime("2026-03-08 02:30:00"),
            "2026-03-08 07:30:00"
        );
        assert_eq!(
            new_york.utc_datetime("2026-11-01 01:30:00"),
            "2026-11-01 05:30:00"
        );
        assert_eq!(new_york.utc_datetime("not a time"), "not a time");
    }

    #[test]
    fn only_the_whole_identifier_is_replaced() {
        let sql = "CREATE INDEX roster_auth_user_name ON auth_user (x); \
                   SELECT 1 FROM \"auth_user\" JOIN auth_user_groups; REFERENCES auth_user(id)";
        assert_eq!(
            replace_identifier(sql, "auth_user", "\"accounts_user\""),
            "CREATE INDEX roster_auth_user_name ON \"accounts_user\" (x); \
             SELECT 1 FROM \"accounts_user\" JOIN auth_user_groups; REFERENCES \"accounts_user\"(id)"
        );
    }
}
