//! Records of past imports and every row's outcome; the source of result pages and error reports.

use rusqlite::{Connection, OptionalExtension, params};

use crate::import::plan::{PlannedRow, RowOutcome, RowSummary};
use crate::import::{ImportContext, ImportReport, Plan, ReportRow};

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
    /// Invitations were requested.
    pub invite: bool,
}

/// Records a new import with the counts its plan predicts (exact: the plan is what gets written).
pub fn create(
    conn: &Connection,
    context: &ImportContext,
    plan: &Plan,
    now: &str,
) -> rusqlite::Result<i64> {
    let (check_code, check_message) = match &context.mail_check {
        Some(check) => (Some(check.code.as_str()), Some(check.message.as_str())),
        None => (None, None),
    };
    conn.execute(
        "INSERT INTO roster_import (started_at, actor_user_id, actor, source, file_name, rows_total, \
         created, failed, passwordless, mail_check, mail_check_message, allowed_without_mail, invite) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        params![
            now,
            context.actor_user_id,
            context.actor,
            context.source.as_str(),
            context.file_name,
            plan.rows_total() as i64,
            plan.creatable() as i64,
            plan.failed() as i64,
            plan.passwordless() as i64,
            check_code,
            check_message,
            context.allowed_without_mail,
            context.invite,
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

/// Stores one row's outcome (values as given, minus the password).
pub fn insert_row(
    conn: &Connection,
    import_id: i64,
    row: &PlannedRow,
    user_id: Option<i64>,
) -> rusqlite::Result<()> {
    let s = &row.summary;
    let (code, column, message) = match &row.outcome {
        RowOutcome::Fail(problem) => (
            Some(problem.code.as_str()),
            problem.column,
            Some(problem.message.as_str()),
        ),
        RowOutcome::Create(_) => (None, None, None),
    };
    conn.execute(
        "INSERT INTO roster_import_row (import_id, line, user_id, first_name, last_name, email, \
         username, organizational_unit, job_title, had_password, code, column_name, message) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        params![
            import_id,
            row.line as i64,
            user_id,
            s.first_name,
            s.last_name,
            s.email,
            s.username,
            s.organizational_unit,
            s.job_title,
            s.has_password,
            code,
            column,
            message
        ],
    )?;
    Ok(())
}

/// Loads an import record.
pub fn find(conn: &Connection, id: i64) -> rusqlite::Result<Option<ImportRecord>> {
    conn.query_row(
        "SELECT id, started_at, actor, source, file_name, rows_total, created, failed, passwordless, \
         mail_check, mail_check_message, allowed_without_mail, invite FROM roster_import WHERE id = ?1",
        [id],
        |row| {
            Ok(ImportRecord {
                id: row.get(0)?,
                started_at: row.get(1)?,
                actor: row.get(2)?,
                source: row.get(3)?,
                file_name: row.get(4)?,
                rows_total: row.get(5)?,
                created: row.get(6)?,
                failed: row.get(7)?,
                passwordless: row.get(8)?,
                mail_check: row.get(9)?,
                mail_check_message: row.get(10)?,
                allowed_without_mail: row.get(11)?,
                invite: row.get(12)?,
            })
        },
    )
    .optional()
}

/// The failed rows of an import, in file order.
pub fn failures(conn: &Connection, import_id: i64) -> rusqlite::Result<Vec<ReportRow>> {
    let mut stmt = conn.prepare(
        "SELECT line, first_name, last_name, email, username, organizational_unit, job_title, \
         had_password, code, column_name, message FROM roster_import_row \
         WHERE import_id = ?1 AND code IS NOT NULL ORDER BY line",
    )?;
    stmt.query_map([import_id], |row| {
        Ok(ReportRow {
            line: row.get::<_, i64>(0)? as u64,
            summary: RowSummary {
                first_name: row.get(1)?,
                last_name: row.get(2)?,
                email: row.get(3)?,
                username: row.get(4)?,
                organizational_unit: row.get(5)?,
                job_title: row.get(6)?,
                has_password: row.get(7)?,
            },
            code: row.get(8)?,
            column: row.get(9)?,
            message: row.get(10)?,
        })
    })?
    .collect()
}

/// Rebuilds the report of a committed import.
pub fn report(
    conn: &Connection,
    import_id: i64,
) -> rusqlite::Result<Option<(ImportRecord, ImportReport)>> {
    let Some(record) = find(conn, import_id)? else {
        return Ok(None);
    };
    let report = ImportReport {
        import_id: Some(record.id),
        rows_total: record.rows_total as usize,
        created: record.created as usize,
        failed: record.failed as usize,
        passwordless: record.passwordless as usize,
        failures: failures(conn, import_id)?,
    };
    Ok(Some((record, report)))
}
