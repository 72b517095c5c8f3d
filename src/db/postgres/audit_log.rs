//! The audit log page on PostgreSQL (`AuditLog`): the same filters as on SQLite (texts ignore
//! case, as SQLite's LIKE does for ASCII; dates are compared as the UTC text SQLite stores), so a
//! filter means the same on both.

use super::directory::utc_text;
use super::sessions::PgWeb;
use super::web_users::{Arg, count_and_page};
use crate::db::audit::{AuditFilter, AuditRow};
use crate::db::user_list::like_pattern;
use crate::db::web_store::{Audit, AuditLog, StoreResult};

impl AuditLog for PgWeb<'_> {
    fn audit_search(&mut self, filter: &AuditFilter, skip: i64, limit: i64) -> StoreResult<Audit> {
        let (text, actor) = (like_pattern(&filter.text), like_pattern(&filter.actor));
        let to = match filter.to.as_str() {
            "" => String::new(),
            day => format!("{day} 99"),
        };
        let at = utc_text("at");
        let condition = format!(
            "($1 = '' OR action = $1) AND ($2 = '%%' OR actor ILIKE $2) \
             AND ($3 = '%%' OR target ILIKE $3 OR detail ILIKE $3) \
             AND ($4 = '' OR {at} >= $4) AND ($5 = '' OR {at} <= $5)"
        );
        let args: [Arg<'_>; 5] = [&filter.action, &actor, &text, &filter.from, &to];
        let count_sql = format!("SELECT COUNT(*) FROM roster_audit WHERE {condition}");
        let mut paged = args.to_vec();
        paged.extend([&limit as Arg<'_>, &skip]);
        let page_sql = format!(
            "SELECT id, {at}, actor, action, target, detail, client FROM roster_audit \
             WHERE {condition} ORDER BY id DESC LIMIT $6 OFFSET $7"
        );
        let (total, rows) = count_and_page(self.0, (&count_sql, &args), (&page_sql, &paged))?;
        let rows = rows.iter().map(audit_row).collect();
        Ok((rows, total))
    }

    fn audit_actions(&mut self) -> StoreResult<Vec<String>> {
        let rows = self.0.query(
            "SELECT DISTINCT action FROM roster_audit ORDER BY action",
            &[],
        )?;
        Ok(rows.iter().map(|row| row.get(0)).collect())
    }
}

/// An entry as read: its id, then its six texts in `AuditRow`'s order.
fn audit_row(row: &postgres::Row) -> AuditRow {
    let text = |index: usize| -> String { row.get(index) };
    let [at, actor, action, target, detail, client] = std::array::from_fn(|i| text(i + 1));
    AuditRow {
        id: row.get(0),
        at,
        actor,
        action,
        target,
        detail,
        client,
    }
}
