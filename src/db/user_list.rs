//! The searchable, filterable, sortable user list (indexes keep it fast at 100,000 users).
// Just over 400 lines with its plan tests; the trigram search lives in `user_search.rs`.

use rusqlite::types::Value;
use rusqlite::{Connection, params_from_iter};

use super::user_search;
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

/// Matches counted past a page's first row before the list says "more than": an exact count
/// would read every matching user on each page.
pub const COUNT_CAP: i64 = 1000;

/// How many users match a query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchCount {
    Exactly(i64),
    /// More than this many (counting stopped at the cap).
    MoreThan(i64),
}

/// The search box's text as searched: trimmed, control characters dropped (they cannot be typed
/// into the box; dropping them keeps the field separator of `searched_text` unique); `None` if empty.
pub(crate) fn search_term(query: &UserQuery) -> Option<String> {
    let text: String = query
        .text
        .trim()
        .chars()
        .filter(|c| !c.is_control())
        .collect();
    (!text.is_empty()).then_some(text)
}

/// `%text%` for `LIKE … ESCAPE '\'` (PostgreSQL's default escape too), with `%`, `_` and `\`
/// matching themselves.
pub(crate) fn like_pattern(text: &str) -> String {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// The conditions for the filters `query` sets, joined by `AND` (empty when none), with their
/// parameters; only set filters appear, so an unfiltered list reads one index and a sorted page
/// walks one.
pub(super) fn conditions(users: &UserTable, query: &UserQuery) -> (String, Vec<Value>) {
    let mut clauses: Vec<String> = Vec::new();
    let mut values = Vec::new();
    if let Some(text) = search_term(query) {
        // One LIKE over `username ␟ first last ␟ email`: the separator never occurs in the escaped
        // pattern, so a match lies inside one field (or across first and last name, as before).
        clauses.push(format!(
            "({}) LIKE ? ESCAPE '\\'",
            user_search::searched_text(users, "u.")
        ));
        values.push(Value::Text(like_pattern(&text)));
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
    (clauses.join(" AND "), values)
}

/// `WHERE` and `conditions`, or nothing when no filter is set.
fn where_clause(conditions: &str) -> String {
    if conditions.is_empty() {
        String::new()
    } else {
        format!("WHERE {conditions}")
    }
}

/// One page of matching users and how many match.
///
/// Up to `COUNT_CAP + 1` matching ids are read first, in no order (`first_matches`). When that is
/// all of them, the count is exact and the page is sorted from those ids alone. Otherwise the sort
/// order (an index) is walked for the first page, or from a later page's first row for the page
/// and up to the cap beyond, which is also the count. One read transaction, so the count and the
/// page agree.
pub fn search(
    conn: &Connection,
    query: &UserQuery,
    offset: i64,
    limit: i64,
) -> rusqlite::Result<(Vec<UserListItem>, MatchCount)> {
    let users = UserTable::of(conn);
    let (conditions, values) = conditions(&users, query);
    let clause = where_clause(&conditions);
    let table = users.table();
    if search_term(query).is_some() {
        user_search::catch_up(conn, &users)?;
    }
    let snapshot = conn.unchecked_transaction()?;
    let ids_where = |order: &str, extra: &[i64]| -> rusqlite::Result<Vec<i64>> {
        let mut all = values.clone();
        all.extend(extra.iter().map(|&n| Value::Integer(n)));
        user_search::read_ids(&snapshot, &ids_sql(table, &clause, order), all)
    };
    let term = search_term(query);
    let ids = first_matches(&snapshot, &users, term.as_deref(), &conditions, &values)?;
    let found = ids.len() as i64;
    if found <= COUNT_CAP {
        let items = page(&snapshot, &users, query, &ids, offset, limit)?;
        return Ok((items, MatchCount::Exactly(found)));
    }
    let order = format!("ORDER BY {}", order_by(&users, query));
    if offset == 0 {
        // More than the cap match: the first page is all that is left to read.
        let shown = ids_where(&order, &[limit, 0])?;
        let items = page(&snapshot, &users, query, &shown, 0, limit)?;
        return Ok((items, MatchCount::MoreThan(COUNT_CAP)));
    }
    let from_offset = ids_where(&order, &[COUNT_CAP + 1, offset])?;
    let shown = &from_offset[..from_offset.len().min(limit.max(0) as usize)];
    let items = page(&snapshot, &users, query, shown, 0, limit)?;
    let count = match from_offset.len() as i64 {
        // A page past the end: more than the cap is all that is known.
        0 => MatchCount::MoreThan(COUNT_CAP),
        n if n > COUNT_CAP => MatchCount::MoreThan(offset + COUNT_CAP),
        n => MatchCount::Exactly(offset + n),
    };
    Ok((items, count))
}

/// Up to `COUNT_CAP + 1` ids of users matching `conditions`, in no particular order; when fewer
/// come back, they are all the matches. A search term is looked up in the trigram index when it
/// can serve it (see `user_search::first_matches`), otherwise the scan stops at enough matches.
fn first_matches(
    conn: &Connection,
    users: &UserTable,
    term: Option<&str>,
    conditions: &str,
    values: &[Value],
) -> rusqlite::Result<Vec<i64>> {
    let wanted = COUNT_CAP as usize + 1;
    if let Some(term) = term
        && let Some(ids) =
            user_search::first_matches(conn, users, term, conditions, values, wanted)?
    {
        return Ok(ids);
    }
    let mut all = values.to_vec();
    all.extend([Value::Integer(wanted as i64), Value::Integer(0)]);
    user_search::read_ids(
        conn,
        &ids_sql(users.table(), &where_clause(conditions), ""),
        all,
    )
}

/// Matching ids (`clause` and its parameters, then a limit and an offset), in `order` if given.
fn ids_sql(table: &str, clause: &str, order: &str) -> String {
    format!("SELECT u.id FROM {table} u {clause} {order} LIMIT ? OFFSET ?")
}

/// The users at `offset..offset + limit` of `ids`, in the query's order, joined to their profile
/// and unit.
fn page(
    conn: &Connection,
    users: &UserTable,
    query: &UserQuery,
    ids: &[i64],
    offset: i64,
    limit: i64,
) -> rusqlite::Result<Vec<UserListItem>> {
    let listed: Vec<String> = ids.iter().map(i64::to_string).collect();
    let values = [
        Value::Text(format!("[{}]", listed.join(","))),
        Value::Integer(limit),
        Value::Integer(offset),
    ];
    let mut stmt = conn.prepare(&page_sql(users, query))?;
    stmt.query_map(params_from_iter(values), |row| {
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
    })?
    .collect()
}

/// The list's `ORDER BY` terms (the id breaks ties).
fn order_by(users: &UserTable, query: &UserQuery) -> String {
    let direction = if query.descending { "DESC" } else { "ASC" };
    let order: Vec<String> = query
        .sort
        .columns(users)
        .iter()
        .chain(std::iter::once(&"u.id".to_string()))
        .map(|column| format!("{column} {direction}"))
        .collect();
    order.join(", ")
}

/// The page query, whose parameters are a JSON array of ids, the limit and the offset. The page's
/// ids are picked by rowid and are the outer loop of the join (`CROSS JOIN`): with the limit a
/// bound parameter, SQLite would otherwise walk every user and probe the page for each.
fn page_sql(users: &UserTable, query: &UserQuery) -> String {
    let order = order_by(users, query);
    let (table, full_name) = (users.table(), users.full_name("u."));
    format!(
        "SELECT u.id, u.username, {full_name}, u.email, u.is_active, \
                (u.is_staff = 1 AND u.is_superuser = 1), ou.name, COALESCE(p.job_title, ''), \
                substr(u.password, 1, 1) <> '!' AND u.password <> '', u.last_login \
         FROM (SELECT u.id AS picked FROM {table} u \
               WHERE u.id IN (SELECT value FROM json_each(?)) \
               ORDER BY {order} LIMIT ? OFFSET ?) page \
         CROSS JOIN {table} u ON u.id = page.picked \
         LEFT JOIN roster_user_profile p ON p.user_id = u.id \
         LEFT JOIN roster_organizational_unit ou ON ou.id = p.organizational_unit_id \
         ORDER BY {order}"
    )
}

/// The ids of every user matching `query` (filters only; the order is the list's), at most `limit`.
pub fn matching_ids(
    conn: &Connection,
    query: &UserQuery,
    limit: i64,
) -> rusqlite::Result<Vec<i64>> {
    let users = UserTable::of(conn);
    let (conditions, mut values) = conditions(&users, query);
    values.push(Value::Integer(limit));
    let mut stmt = conn.prepare(&format!(
        "SELECT u.id FROM {} u {} ORDER BY u.username, u.id LIMIT ?",
        users.table(),
        where_clause(&conditions)
    ))?;
    stmt.query_map(params_from_iter(&values), |row| row.get(0))?
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh database with Roster's schema (removed with the returned directory).
    fn migrated() -> (tempfile::TempDir, Connection) {
        let dir = tempfile::tempdir().unwrap();
        let db = crate::db::Db::new(dir.path().join("roster.sqlite3"));
        db.migrate().unwrap();
        let conn = db.connect().unwrap();
        (dir, conn)
    }

    /// What SQLite will do for `sql`, one line per step.
    fn plan(conn: &Connection, sql: &str, values: &[Value]) -> Vec<String> {
        let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        stmt.query_map(params_from_iter(values), |row| row.get(3))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    #[test]
    fn a_page_reads_only_its_own_rows_whatever_the_sort() {
        let (_dir, conn) = migrated();
        let users = UserTable::of(&conn);
        for sort in ["username", "name", "email", "joined", "last_login"] {
            let query = UserQuery {
                sort: SortKey::parse(sort),
                ..UserQuery::default()
            };
            let values = [
                Value::Text("[3,1,2]".into()),
                Value::Integer(50),
                Value::Integer(0),
            ];
            let steps = plan(&conn, &page_sql(&users, &query), &values);
            // The picked ids are looked up by rowid and drive the join: no step walks every user
            // (a bound limit once led SQLite to walk them all, probing the page for each).
            assert!(steps.iter().any(|s| s == "SCAN page"), "{sort}: {steps:?}");
            assert!(
                !steps.iter().any(|s| s.starts_with("SCAN u")),
                "{sort}: {steps:?}"
            );
        }
    }

    #[test]
    fn a_deep_page_walks_an_index_in_the_sort_order() {
        let (_dir, conn) = migrated();
        let users = UserTable::of(&conn);
        let sorts = [
            ("username", false),
            ("name", true),
            ("name", false),
            ("email", false),
            ("joined", true),
        ];
        for (sort, descending) in sorts {
            let query = UserQuery {
                sort: SortKey::parse(sort),
                descending,
                ..UserQuery::default()
            };
            let order = format!("ORDER BY {}", order_by(&users, &query));
            let sql = ids_sql(users.table(), "", &order);
            let steps = plan(&conn, &sql, &[Value::Integer(1001), Value::Integer(49_950)]);
            // Stopping after the page and the cap needs rows in order as read, not sorted after.
            assert!(
                steps.iter().all(|s| !s.contains("TEMP B-TREE")),
                "{sort}: {steps:?}"
            );
            // The skipped entries are read from the index alone, never from the table.
            assert!(
                steps.iter().any(|s| s.contains("USING COVERING INDEX")),
                "{sort}: {steps:?}"
            );
        }
    }
}
