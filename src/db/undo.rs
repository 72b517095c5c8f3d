//! Undoing an import: which of its users go (left as imported) and which stay (used or changed since, with the reason), and the removal itself.

use rusqlite::{Connection, params};

use super::columns::{from_columns, query_all};
use super::user_references::{UserReference, references_to};
use super::user_table::UserTable;

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
pub const CHANGING_ACTIONS: &str = "'user_changed', 'role_changed', 'user_deactivated', \
    'user_reactivated', 'password_set', 'password_set_by_link', 'password_changed'";

/// The users an import created that still exist, split into those an undo removes (never logged
/// in, not admins, unchanged since the import) and those it keeps, with what in the project
/// refers to those that would be removed.
pub fn undo_plan(conn: &Connection, import_id: i64) -> rusqlite::Result<UndoPlan> {
    // A user without an import row counts as imported with a password.
    let sql = format!(
        "SELECT u.id, u.username, u.last_login, u.is_staff, u.is_superuser, u.password, \
         COALESCE(r.had_password, 1), r.user_fingerprint \
         FROM roster_user_profile p JOIN {} u ON u.id = p.user_id \
         LEFT JOIN roster_import_row r ON r.user_id = u.id AND r.import_id = p.import_id \
         WHERE p.import_id = ?1 ORDER BY u.username",
        UserTable::of(conn).table()
    );
    let imported: Vec<Imported> = query_all(conn, &sql, [import_id])?;
    let users = UserTable::of(conn);
    let mut plan = split(
        imported,
        |user| (user.id, user.username),
        |user| {
            let last_login = user.last_login.as_deref().map(|at| users.utc_datetime(at));
            let admin = user.is_staff || user.is_superuser;
            let facts = (admin, user.password.as_str(), user.had_password);
            why_kept(last_login, facts, || changed_since(conn, user))
        },
    )?;
    let ids: Vec<i64> = plan.remove.iter().map(|(id, _)| *id).collect();
    plan.blocked = references_to(conn, &ids)?;
    plan.deleted_elsewhere = query_all(
        conn,
        "SELECT COALESCE(created_username, username) AS name FROM roster_import_row \
         WHERE import_id = ?1 AND code IS NULL AND user_id IS NULL AND removed_by_undo = 0 ORDER BY name",
        [import_id],
    )?;
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
from_columns!(Imported: id, username, last_login, is_staff, is_superuser, password, had_password,
    fingerprint);

/// The plan's users (`named` gives each one's id and username): those `kept` gives no reason for
/// go, the others stay with that reason.
pub fn split<U, E>(
    imported: Vec<U>,
    named: impl Fn(U) -> (i64, String),
    mut kept: impl FnMut(&U) -> Result<Option<String>, E>,
) -> Result<UndoPlan, E> {
    let mut plan = UndoPlan::default();
    for user in imported {
        let reason = kept(&user)?;
        let (id, username) = named(user);
        match reason {
            None => plan.remove.push((id, username)),
            Some(reason) => plan.keep.push(KeptUser {
                id,
                username,
                reason,
            }),
        }
    }
    Ok(plan)
}

/// Whether a user changed since the import: their fingerprint differs from the one written, or,
/// imported before fingerprints were kept, Roster's audit log names a change.
fn changed_since(conn: &Connection, user: &Imported) -> rusqlite::Result<bool> {
    match &user.fingerprint {
        Some(written) => {
            Ok(super::user_fingerprint::of_user(conn, user.id)?.as_ref() != Some(written))
        }
        None => conn.query_row(
            &format!(
                "SELECT EXISTS(SELECT 1 FROM roster_audit WHERE action IN ({CHANGING_ACTIONS}) \
                 AND target LIKE ?1)"
            ),
            [changed_target(user.id)],
            |r| r.get(0),
        ),
    }
}

/// The `LIKE` pattern of the audit targets naming user `id`.
pub fn changed_target(id: i64) -> String {
    format!("user:{id} (%")
}

/// Why an undo must keep a user (last login in UTC; whether staff or superuser, their password
/// field, whether the import gave a password), or `None` when the user is as the import left them;
/// `changed` is asked last, only when nothing else keeps the user (every backend's rule).
pub fn why_kept<E>(
    last_login: Option<String>,
    (admin, password, had_password): (bool, &str, bool),
    changed: impl FnOnce() -> Result<bool, E>,
) -> Result<Option<String>, E> {
    if let Some(at) = last_login {
        return Ok(Some(format!("logged in (last login {at} UTC)")));
    }
    if admin {
        return Ok(Some("is an admin or staff user now".to_string()));
    }
    let usable = !password.is_empty() && !password.starts_with('!');
    if !had_password && usable {
        return Ok(Some("a password was set after the import".to_string()));
    }
    Ok(changed()?
        .then(|| "changed after the import (details, role, groups or password)".to_string()))
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
pub fn undo(tx: &Connection, import_id: i64, actor: &str) -> rusqlite::Result<UndoResult> {
    let undone: Option<String> = tx.query_row(
        "SELECT undone_at FROM roster_import WHERE id = ?1",
        [import_id],
        |r| r.get(0),
    )?;
    let plan = match ready(undone.is_some(), || undo_plan(tx, import_id))? {
        Ok(plan) => plan,
        Err(nothing_done) => return Ok(nothing_done),
    };
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
    let users = UserTable::of(tx);
    let (groups, groups_user, _) = users.groups();
    let (permissions, permissions_user, _) = users.permissions();
    for (table, user_column) in [
        (groups, groups_user),
        (permissions, permissions_user),
        ("roster_user_profile", "user_id"),
        ("roster_invitation", "user_id"),
        ("roster_session", "user_id"),
    ] {
        tx.execute(
            &format!(
                "DELETE FROM {table} WHERE {user_column} IN (SELECT id FROM temp.roster_undo_user)"
            ),
            [],
        )?;
    }
    tx.execute(
        &format!(
            "DELETE FROM {} WHERE last_login IS NULL AND id IN (SELECT id FROM temp.roster_undo_user)",
            users.table()
        ),
        [],
    )?;
    tx.execute("DELETE FROM temp.roster_undo_user", [])?;
    Ok(plan.undone())
}

/// Every backend's first step of an undo: the plan to carry out, or what to answer without
/// writing anything (undone already, or blocked by the project's rows).
pub fn ready<E>(
    undone: bool,
    plan: impl FnOnce() -> Result<UndoPlan, E>,
) -> Result<Result<UndoPlan, UndoResult>, E> {
    if undone {
        return Ok(Err(UndoResult::AlreadyUndone));
    }
    let plan = plan()?;
    if !plan.blocked.is_empty() {
        return Ok(Err(UndoResult::Blocked(plan.blocked)));
    }
    Ok(Ok(plan))
}

impl UndoPlan {
    /// What an undo that carried out this plan did.
    pub fn undone(self) -> UndoResult {
        UndoResult::Undone {
            removed: self.remove.into_iter().map(|(_, u)| u).collect(),
            kept: self.keep.into_iter().map(|k| k.username).collect(),
        }
    }
}
