//! The append-only audit log of admin actions and logins (a trigger refuses updates and deletes).

use rusqlite::{Connection, params};

use super::columns::{from_columns, query_all};

pub use crate::domain::audit_action::AuditAction;

/// What happened, by whom, to what. Never put a password, hash, token or cookie in any field.
#[derive(Debug, Clone)]
pub struct AuditEntry<'a> {
    pub actor_user_id: Option<i64>,
    /// Username of the actor, `cli:<os user>`, `api:<token name>` or `anonymous`.
    pub actor: &'a str,
    pub action: AuditAction,
    /// What was acted on, e.g. `user:42 (alice)` or `import:7`.
    pub target: &'a str,
    /// Human details, e.g. `Default User -> Admin`.
    pub detail: &'a str,
    /// The client address for web requests.
    pub client: &'a str,
}

/// Appends one entry.
pub fn record(conn: &Connection, entry: &AuditEntry<'_>) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO roster_audit (at, actor_user_id, actor, action, target, detail, client) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            super::now_text(),
            entry.actor_user_id,
            entry.actor,
            entry.action.as_str(),
            entry.target,
            entry.detail,
            entry.client
        ],
    )?;
    Ok(())
}

/// One stored entry.
#[derive(Debug, Clone)]
pub struct AuditRow {
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub detail: String,
    pub client: String,
}
from_columns!(AuditRow: id, at, actor, action, target, detail, client);

/// Filters for the audit page and export; empty strings mean "any".
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub action: String,
    pub actor: String,
    /// Free text searched in target and detail.
    pub text: String,
    /// Inclusive `YYYY-MM-DD` bounds on the UTC date.
    pub from: String,
    pub to: String,
}

/// Whether someone has logged in as `username` from `client` before (a known device or network).
pub fn has_logged_in_from(
    conn: &Connection,
    username: &str,
    client: &str,
) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT EXISTS(SELECT 1 FROM roster_audit WHERE action = 'login' AND actor = ?1 \
         AND client = ?2 AND actor_user_id IS NOT NULL)",
        params![username, client],
        |r| r.get(0),
    )
}

/// Matching entries, newest first, and how many match in all.
pub fn search(
    conn: &Connection,
    filter: &AuditFilter,
    offset: i64,
    limit: i64,
) -> rusqlite::Result<(Vec<AuditRow>, i64)> {
    let like = |v: &str| {
        format!(
            "%{}%",
            v.replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        )
    };
    let text = like(&filter.text);
    let actor = like(&filter.actor);
    let to = if filter.to.is_empty() {
        String::new()
    } else {
        format!("{} 99", filter.to)
    };
    let condition = "(?1 = '' OR action = ?1) AND (?2 = '%%' OR actor LIKE ?2 ESCAPE '\\') \
         AND (?3 = '%%' OR target LIKE ?3 ESCAPE '\\' OR detail LIKE ?3 ESCAPE '\\') \
         AND (?4 = '' OR at >= ?4) AND (?5 = '' OR at <= ?5)";
    let args = params![filter.action, actor, text, filter.from, to];
    let total = conn.query_row(
        &format!("SELECT COUNT(*) FROM roster_audit WHERE {condition}"),
        args,
        |r| r.get(0),
    )?;
    let rows = query_all(
        conn,
        &format!(
            "SELECT id, at, actor, action, target, detail, client FROM roster_audit \
             WHERE {condition} ORDER BY id DESC LIMIT ?6 OFFSET ?7"
        ),
        params![filter.action, actor, text, filter.from, to, limit, offset],
    )?;
    Ok((rows, total))
}

/// The distinct actions recorded so far, for the filter menu.
pub fn actions(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare("SELECT DISTINCT action FROM roster_audit ORDER BY action")?;
    stmt.query_map([], |r| r.get(0))?.collect()
}
