//! The user list on PostgreSQL (`UserDirectory`): the same filters, sort keys and capped count as
//! on SQLite; the search box is an `ILIKE` over username, names and e-mail (no trigram index yet,
//! so a search reads every user, and case is ignored beyond ASCII too).

use postgres::types::ToSql;
use postgres::{Client, Row};

use super::directory::utc_text;
use super::sessions::PgWeb;
use crate::db::ous::OuItem;
use crate::db::user_list::{
    COUNT_CAP, MatchCount, SortKey, UserListItem, UserQuery, like_pattern, search_term,
};
use crate::db::web_store::{StoreResult, UserDirectory, UserPage};

type Param = Box<dyn ToSql + Sync>;

/// The `WHERE` clause for the filters `query` sets (empty when none) and its parameters.
pub(super) fn conditions(query: &UserQuery) -> (String, Vec<Param>) {
    let users = super::users();
    let mut clauses: Vec<String> = Vec::new();
    let mut values: Vec<Param> = Vec::new();
    let next = |values: &mut Vec<Param>, value: Param| {
        values.push(value);
        format!("${}", values.len())
    };
    if let Some(text) = search_term(query) {
        let p = next(&mut values, Box::new(like_pattern(&text)));
        // One pattern match over username, "first last" and e-mail joined by a character no
        // search term holds (a control character), under the "C" collation: case is ignored for
        // ASCII only, as SQLite's LIKE does, and a scan of 100,000 users takes about 25 ms where
        // three ILIKEs under the database's collation took about 95.
        clauses.push(format!(
            "((u.username || chr(1) || {} || chr(1) || u.email) COLLATE \"C\") ILIKE {p}",
            users.searched_name("u.")
        ));
    }
    if let Some(unit) = query.organizational_unit {
        let p = next(&mut values, Box::new(unit));
        clauses.push(format!(
            "u.id IN (SELECT user_id FROM roster_user_profile WHERE organizational_unit_id = {p})"
        ));
    }
    if let Some(active) = query.active {
        let p = next(&mut values, Box::new(active));
        clauses.push(format!("u.is_active = {p}"));
    }
    if let Some(admin) = query.admin {
        let p = next(&mut values, Box::new(admin));
        clauses.push(format!("(u.is_staff AND u.is_superuser) = {p}"));
    }
    if query.never_logged_in {
        clauses.push("u.last_login IS NULL".into());
    }
    if query.password_not_set {
        clauses.push("(left(u.password, 1) = '!' OR u.password = '')".into());
    }
    let clause = if clauses.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", clauses.join(" AND "))
    };
    (clause, values)
}

/// The list's `ORDER BY` terms (the id breaks ties), as on SQLite, where NULL (a last login
/// that never was) is the smallest value; PostgreSQL's default puts it last. Only that nullable
/// column says so: on the others a NULLS clause would keep PostgreSQL from walking their index.
fn order_by(query: &UserQuery) -> String {
    let direction = if query.descending { "DESC" } else { "ASC" };
    let nulls = match (query.sort, query.descending) {
        (SortKey::LastLogin, true) => " NULLS LAST",
        (SortKey::LastLogin, false) => " NULLS FIRST",
        _ => "",
    };
    let columns = match query.sort {
        SortKey::Username => vec!["u.username".to_string()],
        SortKey::Name => super::users().name_sort_columns("u."),
        SortKey::Email => vec!["u.email".to_string()],
        SortKey::DateJoined => vec!["u.date_joined".to_string()],
        SortKey::LastLogin => vec!["u.last_login".to_string()],
    };
    let mut terms: Vec<String> = columns
        .iter()
        .map(|column| format!("{column} {direction}{nulls}"))
        .collect();
    terms.push(format!("u.id {direction}"));
    terms.join(", ")
}

fn refs(values: &[Param]) -> Vec<Arg<'_>> {
    values.iter().map(|value| value.as_ref()).collect()
}

/// A query parameter.
pub(super) type Arg<'a> = &'a (dyn ToSql + Sync);

/// A count and a page, each a query with its parameters, read in one read-only transaction so
/// that they agree.
pub(super) fn count_and_page(
    client: &mut Client,
    count: (&str, &[Arg<'_>]),
    page: (&str, &[Arg<'_>]),
) -> Result<(i64, Vec<Row>), postgres::Error> {
    let mut transaction = client.build_transaction().read_only(true).start()?;
    let total: i64 = transaction.query_one(count.0, count.1)?.get(0);
    let rows = transaction.query(page.0, page.1)?;
    transaction.commit()?;
    Ok((total, rows))
}

impl UserDirectory for PgWeb<'_> {
    fn search_users(&mut self, q: &UserQuery, offset: i64, limit: i64) -> StoreResult<UserPage> {
        let (clause, values) = conditions(q);
        let n = values.len();
        // The count stops past the cap beyond this page's first row, as on SQLite.
        let cap = offset + COUNT_CAP;
        let mut counted = refs(&values);
        let stop = cap + 1;
        counted.push(&stop);
        let users = super::users();
        let table = users.table();
        let count_sql = format!(
            "SELECT COUNT(*) FROM (SELECT 1 FROM {table} u {clause} LIMIT ${}) t",
            n + 1
        );
        let mut paged = refs(&values);
        paged.push(&limit);
        paged.push(&offset);
        // The page's ids are picked first, so the rows skipped over are never joined.
        let order = order_by(q);
        let page_sql = format!(
            "SELECT u.id::bigint, u.username::text, {}::text, u.email::text, \
                        u.is_active, u.is_staff AND u.is_superuser, ou.name, \
                        COALESCE(p.job_title, ''), \
                        left(u.password, 1) <> '!' AND u.password <> '', {} \
                 FROM (SELECT u.id FROM {table} u {clause} ORDER BY {order} \
                       LIMIT ${} OFFSET ${}) page \
                 JOIN {table} u ON u.id = page.id \
                 LEFT JOIN roster_user_profile p ON p.user_id = u.id \
                 LEFT JOIN roster_organizational_unit ou ON ou.id = p.organizational_unit_id \
                 ORDER BY {order}",
            users.full_name("u."),
            utc_text("u.last_login"),
            n + 1,
            n + 2
        );
        let (found, rows) = count_and_page(self.0, (&count_sql, &counted), (&page_sql, &paged))?;
        let count = if found > cap {
            MatchCount::MoreThan(cap)
        } else {
            MatchCount::Exactly(found)
        };
        let items = rows
            .iter()
            .map(|row| UserListItem {
                id: row.get(0),
                username: row.get(1),
                name: row.get(2),
                email: row.get(3),
                is_active: row.get(4),
                is_admin: row.get(5),
                organizational_unit: row.get(6),
                job_title: row.get(7),
                has_usable_password: row.get(8),
                last_login: row.get::<_, Option<String>>(9),
            })
            .collect();
        Ok((items, count))
    }

    fn units(&mut self) -> StoreResult<Vec<OuItem>> {
        let rows = self.0.query(
            "SELECT ou.id, ou.name, COUNT(p.user_id) FROM roster_organizational_unit ou \
             LEFT JOIN roster_user_profile p ON p.organizational_unit_id = ou.id \
             GROUP BY ou.id ORDER BY ou.name",
            &[],
        )?;
        Ok(rows
            .iter()
            .map(|row| OuItem {
                id: row.get(0),
                name: row.get(1),
                user_count: row.get(2),
            })
            .collect())
    }
}
