//! Records of past imports and every row's outcome; the source of result pages and error reports.

use rusqlite::{Connection, Statement, params};

use super::columns::{from_columns, query_all, query_one};
use crate::domain::import_context::ImportContext;
use crate::domain::report::{ImportReport, ReportRow};
use crate::domain::rows::{Person, PlannedRow, RowOutcome, RowSummary};
use crate::domain::status::{ImportStatus, StoredStatus};

/// An import as recorded.
#[derive(Debug, Clone)]
pub struct ImportRecord {
    pub id: i64,
    pub started_at: String,
    pub actor: String,
    pub source: String,
    pub file_name: String,
    pub rows_total: i64,
    pub created: i64,
    pub failed: i64,
    pub passwordless: i64,
    /// Diagnosis code of the mail check run for this import, if any.
    pub mail_check: Option<String>,
    pub mail_check_message: Option<String>,
    /// The admin imported passwordless rows although the mail check failed.
    pub allowed_without_mail: bool,
    /// When the import was undone, if it was.
    pub undone_at: Option<String>,
    pub undone_by: Option<String>,
    pub status: ImportStatus,
    pub rows_done: i64,
}

const RECORD_COLUMNS: &str = "id, started_at, actor, source, file_name, rows_total, created, failed, \
     passwordless, mail_check, mail_check_message, allowed_without_mail, undone_at, undone_by, status, \
     rows_done";

from_columns!(ImportRecord: id, started_at, actor, source, file_name, rows_total, created, failed,
    passwordless, mail_check, mail_check_message, allowed_without_mail, undone_at, undone_by,
    status, rows_done);

/// A page of imports, newest first, and how many there are.
pub fn list(
    conn: &Connection,
    offset: i64,
    limit: i64,
) -> rusqlite::Result<(Vec<ImportRecord>, i64)> {
    let total = conn.query_row("SELECT COUNT(*) FROM roster_import", [], |r| r.get(0))?;
    let records = query_all(
        conn,
        &format!("SELECT {RECORD_COLUMNS} FROM roster_import ORDER BY id DESC LIMIT ?1 OFFSET ?2"),
        [limit, offset],
    )?;
    Ok((records, total))
}

/// One row's stored outcome.
#[derive(Debug, Clone)]
pub struct StoredRow {
    pub line: u64,
    pub summary: RowSummary,
    /// The user it created; `None` once undo removed it or Django deleted it.
    pub user_id: Option<i64>,
    /// Undo removed the user this row created (otherwise a missing user was deleted outside Roster).
    pub removed_by_undo: bool,
    /// The username of the user it created, as stored (normalised), kept when the user is gone.
    pub created_username: Option<String>,
    pub code: Option<String>,
    pub column: Option<String>,
    pub message: Option<String>,
}
from_columns!(StoredRow: line, summary, user_id, code, message, column, removed_by_undo,
    created_username);
from_columns!(RowSummary: person, has_password);
from_columns!(Person: first_name, last_name, email, username, organizational_unit, job_title);

/// Every row's outcome of an import, in file order.
pub fn all_rows(conn: &Connection, import_id: i64) -> rusqlite::Result<Vec<StoredRow>> {
    stored_rows(conn, import_id, false)
}

fn stored_rows(
    conn: &Connection,
    import_id: i64,
    failed_only: bool,
) -> rusqlite::Result<Vec<StoredRow>> {
    query_all(
        conn,
        "SELECT line, first_name, last_name, email, username, organizational_unit, job_title, \
         had_password, user_id, code, message, column_name, removed_by_undo, \
         created_username FROM roster_import_row \
         WHERE import_id = ?1 AND (?2 = 0 OR code IS NOT NULL) ORDER BY line",
        params![import_id, failed_only],
    )
}

/// Records a new import with the counts its plan predicts (exact: the plan is what gets written).
pub fn create(
    conn: &Connection,
    context: &ImportContext,
    rows_total: usize,
    now: &str,
) -> rusqlite::Result<i64> {
    let (check_code, check_message) = match &context.mail_check {
        Some(check) => (Some(check.code.as_str()), Some(check.message.as_str())),
        None => (None, None),
    };
    conn.execute(
        "INSERT INTO roster_import (started_at, actor_user_id, actor, source, file_name, rows_total, \
         created, failed, passwordless, mail_check, mail_check_message, allowed_without_mail, invite, \
         status, rows_done) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, 0, 0, ?7, ?8, ?9, ?10, ?11, 0)",
        params![
            now,
            context.actor_user_id,
            context.actor,
            context.source.as_str(),
            context.file_name,
            rows_total as i64,
            check_code,
            check_message,
            context.allowed_without_mail,
            context.invite,
            ImportStatus::Running.as_str(),
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

/// Counts after a committed batch: (rows done, created, failed, created without password).
pub fn record_progress(
    conn: &Connection,
    import_id: i64,
    counts: (usize, usize, usize, usize),
) -> rusqlite::Result<()> {
    let (done, created, failed, passwordless) = counts;
    conn.execute(
        "UPDATE roster_import SET rows_done = ?1, created = ?2, failed = ?3, passwordless = ?4 WHERE id = ?5",
        params![done as i64, created as i64, failed as i64, passwordless as i64, import_id],
    )?;
    Ok(())
}

/// The users an import created, in row order.
pub fn created_user_ids(conn: &Connection, import_id: i64) -> rusqlite::Result<Vec<i64>> {
    query_all(
        conn,
        "SELECT user_id FROM roster_import_row WHERE import_id = ?1 AND user_id IS NOT NULL \
         ORDER BY line, id",
        [import_id],
    )
}

/// Marks an import finished.
pub fn finish(conn: &Connection, import_id: i64) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE roster_import SET status = ?1, finished_at = ?2 WHERE id = ?3",
        params![ImportStatus::Done.as_str(), super::now_text(), import_id],
    )?;
    Ok(())
}

/// Marks one import interrupted (its job failed); the batches it finished stay.
pub fn mark_interrupted(conn: &Connection, import_id: i64) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE roster_import SET status = ?1, finished_at = ?2 WHERE id = ?3 AND status = ?4",
        params![
            ImportStatus::Interrupted.as_str(),
            super::now_text(),
            import_id,
            ImportStatus::Running.as_str()
        ],
    )?;
    Ok(())
}

/// Marks imports left running by a process that died as interrupted; returns how many.
pub fn interrupt_running(conn: &Connection) -> rusqlite::Result<usize> {
    conn.execute(
        "UPDATE roster_import SET status = ?1, finished_at = ?2 WHERE status = ?3",
        params![
            ImportStatus::Interrupted.as_str(),
            super::now_text(),
            ImportStatus::Running.as_str()
        ],
    )
}

/// The user a row created and that user's fingerprint as written (`user_fingerprint::of_user`).
#[derive(Debug, Clone, Copy)]
pub struct CreatedUser<'a> {
    pub id: i64,
    pub fingerprint: Option<&'a str>,
}

/// Stores rows' outcomes in file order (values as given, minus the password), each with the user
/// it created, if it did; many rows per statement.
pub fn insert_rows(
    conn: &Connection,
    import_id: i64,
    rows: &[(&PlannedRow, Option<CreatedUser<'_>>)],
) -> rusqlite::Result<()> {
    super::multi_row::insert_chunked(
        conn,
        "INSERT INTO roster_import_row (import_id, line, user_id, first_name, last_name, email, \
         username, organizational_unit, job_title, had_password, code, column_name, message, \
         created_username, user_fingerprint) VALUES",
        15,
        rows,
        |stmt, first, (row, created)| bind_row(stmt, first, import_id, row, created.as_ref()),
    )
}

/// Binds one row's 15 values from parameter `first` on.
fn bind_row(
    stmt: &mut Statement<'_>,
    first: usize,
    import_id: i64,
    row: &PlannedRow,
    created: Option<&CreatedUser<'_>>,
) -> rusqlite::Result<()> {
    let s = &row.summary.person;
    let (user_id, fingerprint) = match created {
        Some(user) => (Some(user.id), user.fingerprint),
        None => (None, None),
    };
    let (code, column, message, created_username) = match &row.outcome {
        RowOutcome::Fail(problem) => (
            Some(problem.code.as_str()),
            problem.column,
            Some(problem.message.as_str()),
            None,
        ),
        RowOutcome::Create(user) => (None, None, None, Some(user.username.as_str())),
    };
    super::multi_row::bind_all(
        stmt,
        first,
        &[
            &import_id,
            &(row.line as i64),
            &user_id,
            &s.first_name,
            &s.last_name,
            &s.email,
            &s.username,
            &s.organizational_unit,
            &s.job_title,
            &row.summary.has_password,
            &code,
            &column,
            &message,
            &created_username,
            &fingerprint,
        ],
    )
}

/// Loads an import record.
pub fn find(conn: &Connection, id: i64) -> rusqlite::Result<Option<ImportRecord>> {
    query_one(
        conn,
        &format!("SELECT {RECORD_COLUMNS} FROM roster_import WHERE id = ?1"),
        [id],
    )
}

/// The failed rows of an import, in file order.
pub fn failures(conn: &Connection, import_id: i64) -> rusqlite::Result<Vec<ReportRow>> {
    Ok(stored_rows(conn, import_id, true)?
        .into_iter()
        .map(ReportRow::from)
        .collect())
}

impl From<StoredRow> for ReportRow {
    /// A stored failed row as the report and the error report show it.
    fn from(row: StoredRow) -> Self {
        ReportRow {
            line: row.line,
            summary: row.summary,
            code: row.code.unwrap_or_default(),
            column: row.column,
            message: row.message.unwrap_or_default(),
        }
    }
}

/// The report of a committed import from its record and its failed rows (either backend's).
pub(crate) fn report_of(
    record: ImportRecord,
    failures: Vec<ReportRow>,
) -> (ImportRecord, ImportReport) {
    let report = ImportReport {
        import_id: Some(record.id),
        rows_total: record.rows_total as usize,
        created: record.created as usize,
        failed: record.failed as usize,
        passwordless: record.passwordless as usize,
        failures,
    };
    (record, report)
}

/// Rebuilds the report of a committed import.
pub fn report(
    conn: &Connection,
    import_id: i64,
) -> rusqlite::Result<Option<(ImportRecord, ImportReport)>> {
    let Some(record) = find(conn, import_id)? else {
        return Ok(None);
    };
    Ok(Some(report_of(record, failures(conn, import_id)?)))
}
