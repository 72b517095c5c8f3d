//! The searchable, filterable, sortable user list (indexes keep it fast at 100,000 users).

use rusqlite::{Connection, params};

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

    fn columns(self) -> &'static [&'static str] {
        match self {
            Self::Username => &["u.username"],
            Self::Name => &["u.last_name", "u.first_name"],
            Self::Email => &["u.email"],
            Self::DateJoined => &["u.date_joined"],
            Self::LastLogin => &["u.last_login"],
        }
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
    pub sort: SortKey,
    pub descending: bool,
}

/// One page of matching users and the number of matches.
pub fn search(
    conn: &Connection,
    query: &UserQuery,
    offset: i64,
    limit: i64,
) -> rusqlite::Result<(Vec<UserListItem>, i64)> {
    let text = format!(
        "%{}%",
        query
            .text
            .trim()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    );
    let condition = "(?1 = '%%' OR u.username LIKE ?1 ESCAPE '\\' OR u.first_name LIKE ?1 ESCAPE '\\' \
         OR u.last_name LIKE ?1 ESCAPE '\\' OR u.email LIKE ?1 ESCAPE '\\' \
         OR (u.first_name || ' ' || u.last_name) LIKE ?1 ESCAPE '\\') \
         AND (?2 IS NULL OR p.organizational_unit_id = ?2) \
         AND (?3 IS NULL OR u.is_active = ?3) \
         AND (?4 IS NULL OR (u.is_staff = 1 AND u.is_superuser = 1) = ?4) \
         AND (?5 = 0 OR u.last_login IS NULL)";
    let from = "FROM auth_user u LEFT JOIN roster_user_profile p ON p.user_id = u.id \
                LEFT JOIN roster_organizational_unit ou ON ou.id = p.organizational_unit_id";
    let args = params![
        text,
        query.organizational_unit,
        query.active,
        query.admin,
        query.never_logged_in
    ];
    let total = conn.query_row(
        &format!("SELECT COUNT(*) {from} WHERE {condition}"),
        args,
        |r| r.get(0),
    )?;
    let direction = if query.descending { "DESC" } else { "ASC" };
    let order: Vec<String> = query
        .sort
        .columns()
        .iter()
        .chain(std::iter::once(&"u.id"))
        .map(|column| format!("{column} {direction}"))
        .collect();
    let sql = format!(
        "SELECT u.id, u.username, trim(u.first_name || ' ' || u.last_name), u.email, u.is_active, \
                (u.is_staff = 1 AND u.is_superuser = 1), ou.name, COALESCE(p.job_title, ''), \
                substr(u.password, 1, 1) <> '!' AND u.password <> '', u.last_login \
         {from} WHERE {condition} ORDER BY {} LIMIT ?6 OFFSET ?7",
        order.join(", ")
    );
    let mut stmt = conn.prepare(&sql)?;
    let items = stmt
        .query_map(
            params![
                text,
                query.organizational_unit,
                query.active,
                query.admin,
                query.never_logged_in,
                limit,
                offset
            ],
            |row| {
                Ok(UserListItem {
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
                })
            },
        )?
        .collect::<Result<_, _>>()?;
    Ok((items, total))
}
