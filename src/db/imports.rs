//! Records of past imports and every row's outcome; the source of result pages and error reports.

use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::user_references::{UserReference, references_to};
use crate::domain::import_context::ImportContext;
use crate::domain::report::{ImportReport, ReportRow};
use crate::domain::rows::{PlannedRow, RowOutcome, RowSummary};

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
    /// `running`, `done` or `interrupted` (the process died; re-import the file to finish).
    pub status: String,
    pub rows_done: i64,
}

const RECORD_COLUMNS: &str = "id, started_at, actor, source, file_name, rows_total, created, failed, \
     passwordless, mail_check, mail_check_message, allowed_without_mail, undone_at, undone_by, status, \
     rows_done";

fn record_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<ImportRecord> {
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
        undone_at: row.get(12)?,
        undone_by: row.get(13)?,
        status: row.get(14)?,
        rows_done: row.get(15)?,
    })
}

/// A page of imports, newest first, and how many there are.
pub fn list(
    conn: &Connection,
    offset: i64,
    limit: i64,
) -> rusqlite::Result<(Vec<ImportRecord>, i64)> {
    let total = conn.query_row("SELECT COUNT(*) FROM roster_import", [], |r| r.get(0))?;
    let mut stmt = conn.prepare(&format!(
        "SELECT {RECORD_COLUMNS} FROM roster_import ORDER BY id DESC LIMIT ?1 OFFSET ?2"
    ))?;
    let records = stmt
        .query_map([limit, offset], record_from_row)?
        .collect::<Result<_, _>>()?;
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

/// Every row's outcome of an import, in file order.
pub fn all_rows(conn: &Connection, import_id: i64) -> rusqlite::Result<Vec<StoredRow>> {
    stored_rows(conn, import_id, false)
}

fn stored_rows(
    conn: &Connection,
    import_id: i64,
    failed_only: bool,
) -> rusqlite::Result<Vec<StoredRow>> {
    let mut stmt = conn.prepare(
        "SELECT line, first_name, last_name, email, username, organizational_unit, job_title, \
         had_password, user_id, code, message, column_name, removed_by_undo, \
         created_username FROM roster_import_row \
         WHERE import_id = ?1 AND (?2 = 0 OR code IS NOT NULL) ORDER BY line",
    )?;
    stmt.query_map(params![import_id, failed_only], |row| {
        Ok(StoredRow {
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
            user_id: row.get(8)?,
            code: row.get(9)?,
            message: row.get(10)?,
            column: row.get(11)?,
            removed_by_undo: row.get(12)?,
            created_username: row.get(13)?,
        })
    })?
    .collect()
}

/// What undoing an import would do: users to remove (left as imported, never logged in) and
/// users kept (logged in, admins, or changed since the import).
#[derive(Debug, Clone, Default)]
pub struct UndoPlan {
    pub remove: Vec<(i64, String)>,
    pub keep: Vec<KeptUser>,
    /// Rows of the project's own tables that point at users to remove: while there are any, the
    /// undo removes nobody (removing them would delete or orphan the project's data).
    pub blocked: Vec<UserReference>,
    /// Users the import created that were deleted outside Roster (by Django, say), by username.
    pub deleted_elsewhere: Vec<String>,
}

/// A user an undo leaves in place, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeptUser {
    pub id: i64,
    pub username: String,
    pub reason: String,
}

/// Audit actions that change a user; for rows written before fingerprints, they tell a changed user.
const CHANGING_ACTIONS: &str = "'user_changed', 'role_changed', 'user_deactivated',     'user_reactivated', 'password_set', 'password_set_by_link', 'password_changed'";

/// The users an import created that still exist, split into those an undo removes (never logged
/// in, not admins, unchanged since the import) and those it keeps, with what in the project
/// refers to those that would be removed.
pub fn undo_plan(conn: &Connection, import_id: i64) -> rusqlite::Result<UndoPlan> {
    let mut stmt = conn.prepare(
        "SELECT u.id, u.username, u.last_login, u.is_staff, u.is_superuser, u.password,                 r.had_password, r.user_fingerprint          FROM roster_user_profile p JOIN auth_user u ON u.id = p.user_id          LEFT JOIN roster_import_row r ON r.user_id = u.id AND r.import_id = p.import_id          WHERE p.import_id = ?1 ORDER BY u.username",
    )?;
    let rows = stmt.query_map([import_id], |r| {
        Ok(Imported {
            id: r.get(0)?,
            username: r.get(1)?,
            last_login: r.get(2)?,
            is_staff: r.get(3)?,
            is_superuser: r.get(4)?,
            password: r.get(5)?,
            had_password: r.get::<_, Option<bool>>(6)?.unwrap_or(true),
            fingerprint: r.get(7)?,
        })
    })?;
    let mut plan = UndoPlan::default();
    for user in rows {
        let user = user?;
        match why_kept(conn, &user)? {
            None => plan.remove.push((user.id, user.username)),
            Some(reason) => plan.keep.push(KeptUser {
                id: user.id,
                username: user.username,
                reason,
            }),
        }
    }
    let ids: Vec<i64> = plan.remove.iter().map(|(id, _)| *id).collect();
    plan.blocked = references_to(conn, &ids)?;
    let mut gone = conn.prepare(
        "SELECT COALESCE(created_username, username) AS name FROM roster_import_row \
         WHERE import_id = ?1 AND code IS NULL AND user_id IS NULL AND removed_by_undo = 0 ORDER BY name",
    )?;
    plan.deleted_elsewhere = gone
        .query_map([import_id], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(plan)
}

/// A user an import created, as the undo sees them now.
struct Imported {
    id: i64,
    username: String,
    last_login: Option<String>,
    is_staff: bool,
    is_superuser: bool,
    password: String,
    had_password: bool,
    fingerprint: Option<String>,
}

/// Why an undo must keep this user, or `None` when the user is as the import left them.
fn why_kept(conn: &Connection, user: &Imported) -> rusqlite::Result<Option<String>> {
    if let Some(at) = &user.last_login {
        return Ok(Some(format!("logged in (last login {at} UTC)")));
    }
    if user.is_superuser || user.is_staff {
        return Ok(Some("is an admin or staff user now".to_string()));
    }
    let usable = !user.password.is_empty() && !user.password.starts_with('!');
    if !user.had_password && usable {
        return Ok(Some("a password was set after the import".to_string()));
    }
    let changed = match &user.fingerprint {
        Some(written) => super::user_fingerprint::of_user(conn, user.id)?.as_ref() != Some(written),
        // Imported before fingerprints were kept: Roster's audit log tells.
        None => conn.query_row(
            &format!(
                "SELECT EXISTS(SELECT 1 FROM roster_audit WHERE action IN ({CHANGING_ACTIONS}) \
                 AND target LIKE ?1)"
            ),
            [format!("user:{} (%", user.id)],
            |r| r.get(0),
        )?,
    };
    Ok(changed.then(|| "changed after the import (details, role, groups or password)".to_string()))
}

/// What an undo did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UndoResult {
    /// These users were removed; these were kept (logged in, admins, or changed since).
    Undone {
        removed: Vec<String>,
        kept: Vec<String>,
    },
    /// A concurrent request undid it first; nothing was changed.
    AlreadyUndone,
    /// Project rows point at users to remove; nothing was changed.
    Blocked(Vec<UserReference>),
}

/// Removes the import's users left as imported (all their rows) and marks the import undone,
/// inside the caller's write transaction. Users who logged in, became admins or were changed
/// meanwhile are kept. Writes nothing
/// when the import was already undone (by a concurrent request, say) or when project rows refer to
/// a user to remove, so the caller may commit whatever it gets back.
pub fn undo(tx: &Transaction<'_>, import_id: i64, actor: &str) -> rusqlite::Result<UndoResult> {
    let undone: Option<String> = tx.query_row(
        "SELECT undone_at FROM roster_import WHERE id = ?1",
        [import_id],
        |r| r.get(0),
    )?;
    if undone.is_some() {
        return Ok(UndoResult::AlreadyUndone);
    }
    let plan = undo_plan(tx, import_id)?;
    if !plan.blocked.is_empty() {
        return Ok(UndoResult::Blocked(plan.blocked));
    }
    tx.execute(
        "UPDATE roster_import SET undone_at = ?1, undone_by = ?2 WHERE id = ?3",
        params![super::now_text(), actor, import_id],
    )?;
    // Set-based: the ids go into a temporary table, then each table is cleared in one statement.
    tx.execute_batch(
        "CREATE TEMP TABLE IF NOT EXISTS roster_undo_user (id INTEGER PRIMARY KEY); \
         DELETE FROM temp.roster_undo_user;",
    )?;
    {
        let mut insert = tx.prepare("INSERT INTO temp.roster_undo_user (id) VALUES (?1)")?;
        for (id, _) in &plan.remove {
            insert.execute([id])?;
        }
    }
    tx.execute(
        "UPDATE roster_import_row SET user_id = NULL, removed_by_undo = 1 \
         WHERE user_id IN (SELECT id FROM temp.roster_undo_user)",
        [],
    )?;
    for table in [
        "auth_user_groups",
        "auth_user_user_permissions",
        "roster_user_profile",
        "roster_invitation",
        "roster_session",
    ] {
        tx.execute(
            &format!("DELETE FROM {table} WHERE user_id IN (SELECT id FROM temp.roster_undo_user)"),
            [],
        )?;
    }
    tx.execute(
        "DELETE FROM auth_user WHERE last_login IS NULL AND id IN (SELECT id FROM temp.roster_undo_user)",
        [],
    )?;
    tx.execute("DELETE FROM temp.roster_undo_user", [])?;
    Ok(UndoResult::Undone {
        removed: plan.remove.into_iter().map(|(_, u)| u).collect(),
        kept: plan.keep.into_iter().map(|k| k.username).collect(),
    })
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
         status, rows_done) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, 0, 0, ?7, ?8, ?9, ?10, 'running', 0)",
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
    let mut stmt = conn.prepare(
        "SELECT user_id FROM roster_import_row WHERE import_id = ?1 AND user_id IS NOT NULL \
         ORDER BY line, id",
    )?;
    stmt.query_map([import_id], |row| row.get(0))?.collect()
}

/// Marks an import finished.
pub fn finish(conn: &Connection, import_id: i64) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE roster_import SET status = 'done', finished_at = ?1 WHERE id = ?2",
        params![super::now_text(), import_id],
    )?;
    Ok(())
}

/// Marks one import interrupted (its job failed); the batches it finished stay.
pub fn mark_interrupted(conn: &Connection, import_id: i64) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE roster_import SET status = 'interrupted', finished_at = ?1 WHERE id = ?2 AND status = 'running'",
        params![super::now_text(), import_id],
    )?;
    Ok(())
}

/// Marks imports left running by a process that died as interrupted; returns how many.
pub fn interrupt_running(conn: &Connection) -> rusqlite::Result<usize> {
    conn.execute(
        "UPDATE roster_import SET status = 'interrupted', finished_at = ?1 WHERE status = 'running'",
        [super::now_text()],
    )
}

/// Stores one row's outcome (values as given, minus the password).
pub fn insert_row(
    conn: &Connection,
    import_id: i64,
    row: &PlannedRow,
    user_id: Option<i64>,
) -> rusqlite::Result<()> {
    let s = &row.summary;
    let fingerprint = match user_id {
        Some(id) => super::user_fingerprint::of_user(conn, id)?,
        None => None,
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
    conn.prepare_cached(
        "INSERT INTO roster_import_row (import_id, line, user_id, first_name, last_name, email, \
         username, organizational_unit, job_title, had_password, code, column_name, message, \
         created_username, user_fingerprint) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
    )?
    .execute(params![
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
        message,
        created_username,
        fingerprint
    ])?;
    Ok(())
}

/// Loads an import record.
pub fn find(conn: &Connection, id: i64) -> rusqlite::Result<Option<ImportRecord>> {
    conn.query_row(
        &format!("SELECT {RECORD_COLUMNS} FROM roster_import WHERE id = ?1"),
        [id],
        record_from_row,
    )
    .optional()
}

/// The failed rows of an import, in file order.
pub fn failures(conn: &Connection, import_id: i64) -> rusqlite::Result<Vec<ReportRow>> {
    Ok(stored_rows(conn, import_id, true)?
        .into_iter()
        .map(|row| ReportRow {
            line: row.line,
            summary: row.summary,
            code: row.code.unwrap_or_default(),
            column: row.column,
            message: row.message.unwrap_or_default(),
        })
        .collect())
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
