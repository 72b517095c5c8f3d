//! The audit log page on PostgreSQL (`AuditLog`): the same filters as on SQLite, the dates
//! compared as the UTC text SQLite stores, so a filter means the same on both.

use super::sessions::{PgWeb, django_text, utc_text};
use crate::db::audit::{AuditFilter, AuditRow};
use crate::db::user_list::like_pattern;
use crate::db::web_store::{AuditLog, StoreResult};

impl AuditLog for PgWeb<'_> {
    fn audit_search(
        &mut self,
        filter: &AuditFilter,
        offset: i64,
        limit: i64,
    ) -> StoreResult<(Vec<AuditRow>, i64)> {
        let (text, actor) = (like_pattern(&filter.text), like_pattern(&filter.actor));
        let to = match filter.to.as_str() {
            "" => String::new(),
            day => format!("{day} 99"),
        };
        let at = utc_text("at");
        let condition = format!(
            "($1 = '' OR action = $1) AND ($2 = '%%' OR actor LIKE $2) \
             AND ($3 = '%%' OR target LIKE $3 OR detail LIKE $3) \
             AND ($4 = '' OR {at} >= $4) AND ($5 = '' OR {at} <= $5)"
        );
        let mut transaction = self.0.build_transaction().read_only(true).start()?;
        let args: [&(dyn postgres::types::ToSql + Sync); 5] =
            [&filter.action, &actor, &text, &filter.from, &to];
        let total: i64 = transaction
            .query_one(
                &format!("SELECT COUNT(*) FROM roster_audit WHERE {condition}"),
                &args,
            )?
            .get(0);
        let mut paged = args.to_vec();
        paged.extend([&limit as &(dyn postgres::types::ToSql + Sync), &offset]);
        let rows = transaction.query(
            &format!(
                "SELECT id, {at}, actor, action, target, detail, client FROM roster_audit \
                 WHERE {condition} ORDER BY id DESC LIMIT $6 OFFSET $7"
            ),
            &paged,
        )?;
        transaction.commit()?;
        let rows = rows
            .iter()
            .map(|row| AuditRow {
                id: row.get(0),
                at: django_text(row.get(1)),
                actor: row.get(2),
                action: row.get(3),
                target: row.get(4),
                detail: row.get(5),
                client: row.get(6),
            })
            .collect();
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
