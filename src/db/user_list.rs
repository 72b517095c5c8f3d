//! The searchable, filterable, sortable user list (indexes keep it fast at 100,000 users).

use rusqlite::types::Value;
use rusqlite::{Connection, params_from_iter};

use super::user_table::UserTable;

/// One line of the user list.
#[derive(Debug, Clone)]
pub struct UserListItem {
    pub id: i64,
    pub username: String,
    pub name: String,
    pub email: String,
    pub is_active: bool,
    pub is_admin: bool,
    pub organizational_unit: Option<String>,
    pub job_title: String,
    pub has_usable_password: bool,
    pub last_login: Option<String>,
}

/// Column to sort by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    #[default]
    Username,
    Name,
    Email,
    DateJoined,
    LastLogin,
}

impl SortKey {
    /// From a query-string value; unknown values sort by username.
    pub fn parse(value: &str) -> Self {
        match value {
            "name" => Self::Name,
            "email" => Self::Email,
            "joined" => Self::DateJoined,
            "last_login" => Self::LastLogin,
            _ => Self::Username,
        }
    }

    /// The query-string value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Username => "username",
            Self::Name => "name",
            Self::Email => "email",
            Self::DateJoined => "joined",
            Self::LastLogin => "last_login",
        }
    }

    fn columns(self, users: &UserTable) -> Vec<String> {
        let column = match self {
            Self::Name => return users.name_sort_columns("u."),
            Self::Username => "u.username",
            Self::Email => "u.email",
            Self::DateJoined => "u.date_joined",
            Self::LastLogin => "u.last_login",
        };
        vec![column.to_string()]
    }
}

/// What the admin searches for; every field narrows the list.
#[derive(Debug, Clone, Default)]
pub struct UserQuery {
    /// Text found in username, first or last name, or e-mail (case ignored for ASCII).
    pub text: String,
    /// Only users of this organizational unit.
    pub organizational_unit: Option<i64>,
    /// `Some(true)` active only, `Some(false)` inactive only.
    pub active: Option<bool>,
    /// `Some(true)` admins only, `Some(false)` Default Users only.
    pub admin: Option<bool>,
    pub never_logged_in: bool,
    /// Only users whose password is unusable (Django's `!` prefix, or empty): nobody can log in with one.
    pub password_not_set: bool,
    pub sort: SortKey,
    pub descending: bool,
}

/// The `WHERE` clause for the filters `query` sets, with its parameters; only set filters appear,
/// so an unfiltered count reads one index and a sorted page walks one. The flag says a text search is set.
fn conditions(users: &UserTable, query: &UserQuery) -> (String, Vec<Value>, bool) {
    let mut clauses: Vec<String> = Vec::new();
    let mut values = Vec::new();
    // Control characters cannot be typed into the search box; dropping them keeps the field separator unique.
    let text: String = query
        .text
        .trim()
        .chars()
        .filter(|c| !c.is_control())
        .collect();
    if !text.is_empty() {
        // One LIKE over `username ␟ first last ␟ email`: the separator never occurs in the escaped
        // pattern, so a match lies inside one field (or across first and last name, as before).
        clauses.push(format!(
            "(u.username || char(31) || {} || char(31) || u.email) LIKE ? ESCAPE '\\'",
            users.searched_name("u.")
        ));
        let escaped = text
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        values.push(Value::Text(format!("%{escaped}%")));
    }
    if let Some(unit) = query.organizational_unit {
        clauses.push(
            "u.id IN (SELECT user_id FROM roster_user_profile WHERE organizational_unit_id = ?)"
                .into(),
        );
        values.push(Value::Integer(unit));
    }
    if let Some(active) = query.active {
        clauses.push("u.is_active = ?".into());
        values.push(Value::Integer(i64::from(active)));
    }
    if let Some(admin) = query.admin {
        clauses.push("(u.is_staff = 1 AND u.is_superuser = 1) = ?".into());
        values.push(Value::Integer(i64::from(admin)));
    }
    if query.never_logged_in {
        clauses.push("u.last_login IS NULL".into());
    }
    if query.password_not_set {
        clauses.push("(substr(u.password, 1, 1) = '!' OR u.password = '')".into());
    }
    let clause = if clauses.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", clauses.join(" AND "))
    };
    (clause, values, !text.is_empty())
}

/// One page of matching users and the number of matches.
///
/// The page's ids are picked from the user table alone (an index walk for the sort), then only those
/// rows are joined to their profile and unit. A text search scans once: the page query also counts.
pub fn search(
    conn: &Connection,
    query: &UserQuery,
    offset: i64,
    limit: i64,
) -> rusqlite::Result<(Vec<UserListItem>, i64)> {
    let users = UserTable::of(conn);
    let (clause, mut values, scan_counts) = conditions(&users, query);
    let direction = if query.descending { "DESC" } else { "ASC" };
    let order: Vec<String> = query
        .sort
        .columns(&users)
        .iter()
        .chain(std::iter::once(&"u.id".to_string()))
        .map(|column| format!("{column} {direction}"))
        .collect();
    let order = order.join(", ");
    let counted = if scan_counts {
        "COUNT(*) OVER ()"
    } else {
        "NULL"
    };
    let (table, full_name) = (users.table(), users.full_name("u."));
    let sql = format!(
        "SELECT u.id, u.username, {full_name}, u.email, u.is_active, \
                (u.is_staff = 1 AND u.is_superuser = 1), ou.name, COALESCE(p.job_title, ''), \
                substr(u.password, 1, 1) <> '!' AND u.password <> '', u.last_login, page.total \
         FROM (SELECT u.id AS picked, {counted} AS total FROM {table} u {clause} \
               ORDER BY {order} LIMIT ? OFFSET ?) page \
         JOIN {table} u ON u.id = page.picked \
         LEFT JOIN roster_user_profile p ON p.user_id = u.id \
         LEFT JOIN roster_organizational_unit ou ON ou.id = p.organizational_unit_id \
         ORDER BY {order}"
    );
    let filter_values = values.clone();
    values.push(Value::Integer(limit));
    values.push(Value::Integer(offset));
    let mut counted_total: Option<i64> = None;
    let mut stmt = conn.prepare(&sql)?;
    let items = stmt
        .query_map(params_from_iter(&values), |row| {
            let total: Option<i64> = row.get(10)?;
            Ok((
                UserListItem {
                    id: row.get(0)?,
                    username: row.get(1)?,
                    name: row.get(2)?,
                    email: row.get(3)?,
                    is_active: row.get(4)?,
                    is_admin: row.get(5)?,
                    organizational_unit: row.get(6)?,
                    job_title: row.get(7)?,
                    has_usable_password: row.get(8)?,
                    last_login: row.get(9)?,
                },
                total,
            ))
        })?
        .map(|row| {
            row.map(|(item, total)| {
                counted_total = counted_total.or(total);
                item
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let total = match counted_total {
        Some(total) => total,
        None => conn.query_row(
            &format!("SELECT COUNT(*) FROM {table} u {clause}"),
            params_from_iter(&filter_values),
            |r| r.get(0),
        )?,
    };
    Ok((items, total))
}

/// The ids of every user matching `query` (filters only; the order is the list's), at most `limit`.
pub fn matching_ids(
    conn: &Connection,
    query: &UserQuery,
    limit: i64,
) -> rusqlite::Result<Vec<i64>> {
    let users = UserTable::of(conn);
    let (clause, mut values, _) = conditions(&users, query);
    values.push(Value::Integer(limit));
    let mut stmt = conn.prepare(&format!(
        "SELECT u.id FROM {} u {clause} ORDER BY u.username, u.id LIMIT ?",
        users.table()
    ))?;
    stmt.query_map(params_from_iter(&values), |row| row.get(0))?
        .collect()
}
