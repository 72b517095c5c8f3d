//! Import history on PostgreSQL (`ImportHistory`): the list, one import's record and rows, and
//! its invitations.

use postgres::Row;

use super::directory::utc_text;
use super::sessions::PgWeb;
use crate::db::imports::{ImportRecord, StoredRow, report_of};
use crate::db::invitations::Invitation;
use crate::db::web_store::{ImportHistory, StoreResult};
use crate::domain::report::{ImportReport, ReportRow};
use crate::domain::rows::{Person, RowSummary};
use crate::domain::status::StoredStatus;

fn record_columns() -> String {
    format!(
        "id, {}, actor, source, file_name, rows_total, created, failed, passwordless, mail_check, \
         mail_check_message, allowed_without_mail, {}, undone_by, status, rows_done",
        utc_text("started_at"),
        utc_text("undone_at")
    )
}

/// A stored status word as its enum; a value Roster never writes is an error, not a guess.
fn status<T: StoredStatus>(text: &str) -> anyhow::Result<T> {
    T::from_stored(text).ok_or_else(|| anyhow::anyhow!("unknown {} status {text:?}", T::OF))
}

fn import_record(row: &Row) -> anyhow::Result<ImportRecord> {
    Ok(ImportRecord {
        id: row.get(0),
        started_at: row.get(1),
        actor: row.get(2),
        source: row.get(3),
        file_name: row.get(4),
        rows_total: row.get(5),
        created: row.get(6),
        failed: row.get(7),
        passwordless: row.get(8),
        mail_check: row.get(9),
        mail_check_message: row.get(10),
        allowed_without_mail: row.get(11),
        undone_at: row.get::<_, Option<String>>(12),
        undone_by: row.get(13),
        status: status(row.get(14))?,
        rows_done: row.get(15),
    })
}

fn stored_row(row: &Row) -> StoredRow {
    StoredRow {
        line: row.get::<_, i64>(0) as u64,
        summary: RowSummary {
            person: Person {
                first_name: row.get(1),
                last_name: row.get(2),
                email: row.get(3),
                username: row.get(4),
                organizational_unit: row.get(5),
                job_title: row.get(6),
            },
            has_password: row.get(7),
        },
        user_id: row.get(8),
        code: row.get(9),
        message: row.get(10),
        column: row.get(11),
        removed_by_undo: row.get(12),
        created_username: row.get(13),
    }
}

impl PgWeb<'_> {
    fn stored_rows(&mut self, import_id: i64, failed_only: bool) -> StoreResult<Vec<StoredRow>> {
        let rows = self.0.query(
            "SELECT line, first_name, last_name, email, username, organizational_unit, job_title, \
             had_password, user_id::bigint, code, message, column_name, removed_by_undo, \
             created_username FROM roster_import_row \
             WHERE import_id = $1 AND (NOT $2 OR code IS NOT NULL) ORDER BY line, id",
            &[&import_id, &failed_only],
        )?;
        Ok(rows.iter().map(stored_row).collect())
    }
}

impl ImportHistory for PgWeb<'_> {
    fn list_imports(&mut self, offset: i64, limit: i64) -> StoreResult<(Vec<ImportRecord>, i64)> {
        let total: i64 = self
            .0
            .query_one("SELECT COUNT(*) FROM roster_import", &[])?
            .get(0);
        let rows = self.0.query(
            &format!(
                "SELECT {} FROM roster_import ORDER BY id DESC LIMIT $1 OFFSET $2",
                record_columns()
            ),
            &[&limit, &offset],
        )?;
        let records = rows.iter().map(import_record).collect::<Result<_, _>>()?;
        Ok((records, total))
    }

    fn find_import(&mut self, id: i64) -> StoreResult<Option<ImportRecord>> {
        let row = self.0.query_opt(
            &format!(
                "SELECT {} FROM roster_import WHERE id = $1",
                record_columns()
            ),
            &[&id],
        )?;
        row.as_ref().map(import_record).transpose()
    }

    fn import_report(&mut self, id: i64) -> StoreResult<Option<(ImportRecord, ImportReport)>> {
        let Some(record) = self.find_import(id)? else {
            return Ok(None);
        };
        let failures = self.stored_rows(id, true)?;
        let failures = failures.into_iter().map(ReportRow::from).collect();
        Ok(Some(report_of(record, failures)))
    }

    fn import_rows(&mut self, id: i64) -> StoreResult<Vec<StoredRow>> {
        self.stored_rows(id, false)
    }

    fn import_invitations(&mut self, id: i64) -> StoreResult<Vec<Invitation>> {
        super::invitations::import_invitations(self.0, id)
    }
}
