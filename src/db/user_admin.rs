//! Admin changes to a user: details, unit, groups, role and status, with lockout protection;
//! the checks and the audit lines here, the reads and writes through `UserAdminStore`.

use rusqlite::{Connection, OptionalExtension, params};

use super::user_admin_store::{UserAdminStore, UserRow};
use super::user_table::UserTable;
use super::users::UserRecord;
use crate::domain::fields::{
    EMAIL_MAX, FIRST_NAME_MAX, LABEL_MAX, LAST_NAME_MAX, is_valid_email, normalize_email,
};

/// The user page's form, validated here.
#[derive(Debug, Clone)]
pub struct UserChange {
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub organizational_unit_id: Option<i64>,
    pub job_title: String,
    pub group_ids: Vec<i64>,
    /// Admin role = Django staff + superuser.
    pub admin: bool,
    pub active: bool,
}

/// Why a change was refused; the message is safe to show.
#[derive(Debug, thiserror::Error)]
pub enum UserChangeError {
    #[error("no such user")]
    NotFound,
    #[error(
        "this is the last active admin: promote another user to Admin first, then change this one"
    )]
    LastAdmin,
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Database(#[from] anyhow::Error),
}

/// Every Django group, by name.
pub fn groups(conn: &Connection) -> rusqlite::Result<Vec<(i64, String)>> {
    let mut stmt = conn.prepare("SELECT id, name FROM auth_group ORDER BY name")?;
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect()
}

/// The groups a user belongs to.
pub fn group_ids(conn: &Connection, user_id: i64) -> rusqlite::Result<Vec<i64>> {
    let users = UserTable::of(conn);
    let (groups, user_column, group_column) = users.groups();
    let mut stmt = conn.prepare(&format!(
        "SELECT {group_column} FROM {groups} WHERE {user_column} = ?1 ORDER BY {group_column}"
    ))?;
    stmt.query_map([user_id], |r| r.get(0))?.collect()
}

/// What kind of change one audit line records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    Details,
    Role,
    Deactivated,
    Reactivated,
}

impl ChangeKind {
    /// The audit log's action name for this kind of change.
    pub fn audit_action(self) -> super::audit::AuditAction {
        use super::audit::AuditAction;
        match self {
            Self::Details => AuditAction::UserChanged,
            Self::Role => AuditAction::RoleChanged,
            Self::Deactivated => AuditAction::UserDeactivated,
            Self::Reactivated => AuditAction::UserReactivated,
        }
    }
}

/// One change, in words, for the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeLine {
    pub kind: ChangeKind,
    pub text: String,
}

/// Applies the change to `user` (as read inside the caller's write transaction) and returns what
/// changed, for the audit log. A refused change writes nothing. Deactivating a user ends their
/// sessions at once.
pub fn apply(
    store: &mut (impl UserAdminStore + ?Sized),
    user: &UserRecord,
    change: &UserChange,
) -> Result<Vec<ChangeLine>, UserChangeError> {
    let user_id = user.id;
    let email = normalize_email(&change.email);
    let first_name = change.first_name.trim();
    let last_name = change.last_name.trim();
    let job_title = change.job_title.trim();
    for (field, value, max) in [
        ("First name", first_name, FIRST_NAME_MAX),
        ("Last name", last_name, LAST_NAME_MAX),
        ("E-mail", email.as_str(), EMAIL_MAX),
        ("Job title", job_title, LABEL_MAX),
    ] {
        if value.chars().count() > max {
            return Err(UserChangeError::Invalid(format!(
                "{field} is longer than {max} characters."
            )));
        }
    }
    // A line break in a name would start a new line in every mail that greets the user (as in an
    // import row, a job title may keep its line breaks: it is never mailed).
    for (field, value, line_breaks_allowed) in [
        ("First name", first_name, false),
        ("Last name", last_name, false),
        ("Job title", job_title, true),
    ] {
        let refused =
            |c: &char| c.is_control() && !(line_breaks_allowed && matches!(c, '\n' | '\r'));
        if let Some(c) = value.chars().find(refused) {
            return Err(UserChangeError::Invalid(format!(
                "{field} holds a control character (U+{:04X}, e.g. a line break or tab). Put the \
                 value on one line without tabs.",
                u32::from(c)
            )));
        }
    }
    if !email.is_empty() && !is_valid_email(&email) {
        return Err(UserChangeError::Invalid(format!(
            "\"{email}\" is not a valid e-mail address."
        )));
    }
    // Django allows duplicate addresses: only a new address must be free.
    let email_changed = !email.eq_ignore_ascii_case(&user.email);
    if email_changed && store.email_taken_by_other(user_id, &email)? {
        return Err(UserChangeError::Invalid(format!(
            "Another user already has the e-mail \"{email}\"."
        )));
    }
    if let Some(unit) = change.organizational_unit_id
        && !store.unit_exists(unit)?
    {
        return Err(UserChangeError::Invalid(
            "That organizational unit no longer exists. Reload the page and pick another."
                .to_string(),
        ));
    }
    let loses_admin = user.is_admin() && !(change.admin && change.active);
    if loses_admin && store.active_admin_count()? <= 1 {
        return Err(UserChangeError::LastAdmin);
    }

    let mut changes = Vec::new();
    let mut note = |kind: ChangeKind, what: &str, before: &str, after: &str| {
        if before != after {
            changes.push(ChangeLine {
                kind,
                text: format!("{what}: {before} -> {after}"),
            });
        }
    };
    note(
        ChangeKind::Details,
        "first name",
        &user.first_name,
        first_name,
    );
    note(ChangeKind::Details, "last name", &user.last_name, last_name);
    note(ChangeKind::Details, "e-mail", &user.email, &email);
    let role = |admin: bool| if admin { "Admin" } else { "Default User" };
    if change.admin != user.has_admin_role() {
        note(
            ChangeKind::Role,
            "role",
            user.role_label(),
            role(change.admin),
        );
    }
    let status = |active: bool| if active { "active" } else { "inactive" };
    let status_change = if change.active {
        ChangeKind::Reactivated
    } else {
        ChangeKind::Deactivated
    };
    note(
        status_change,
        "status",
        status(user.is_active),
        status(change.active),
    );

    // Django's own flags stay as they are unless the role changes (a staff user who is not a
    // superuser is neither Admin nor Default User, and editing a name must not demote them).
    let (is_staff, is_superuser) = if change.admin == user.has_admin_role() {
        (user.is_staff, user.is_superuser)
    } else {
        (change.admin, change.admin)
    };
    store.update_user(
        user_id,
        &UserRow {
            first_name,
            last_name,
            email: &email,
            is_staff,
            is_superuser,
            is_active: change.active,
        },
    )?;
    let (old_ou, old_title) = store.profile(user_id)?.unwrap_or((None, String::new()));
    let details = |text: String| ChangeLine {
        kind: ChangeKind::Details,
        text,
    };
    if old_ou != change.organizational_unit_id {
        changes.push(details("organizational unit changed".to_string()));
    }
    if old_title != job_title {
        changes.push(details(format!("job title: {old_title} -> {job_title}")));
    }
    store.save_profile(user_id, change.organizational_unit_id, job_title)?;
    let mut wanted = change.group_ids.clone();
    wanted.sort_unstable();
    wanted.dedup();
    if store.group_ids(user_id)? != wanted {
        changes.push(details("groups changed".to_string()));
        store.replace_groups(user_id, &wanted)?;
    }
    if user.is_active && !change.active {
        store.terminate_sessions(user_id)?;
    }
    Ok(changes)
}

/// Whether another user has the (non-empty) e-mail `email`, ignoring ASCII case.
pub fn email_taken_by_other(
    conn: &Connection,
    user_id: i64,
    email: &str,
) -> rusqlite::Result<bool> {
    conn.query_row(
        &format!(
            "SELECT EXISTS(SELECT 1 FROM {} WHERE id <> ?1 AND ?2 <> '' AND email = ?2 COLLATE NOCASE)",
            UserTable::of(conn).table()
        ),
        params![user_id, email],
        |r| r.get(0),
    )
}

/// Whether the organizational unit exists.
pub fn unit_exists(conn: &Connection, unit_id: i64) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT EXISTS(SELECT 1 FROM roster_organizational_unit WHERE id = ?1)",
        [unit_id],
        |r| r.get(0),
    )
}

/// Writes the user's names, e-mail and Django flags.
pub fn update_user(conn: &Connection, user_id: i64, row: &UserRow<'_>) -> rusqlite::Result<()> {
    let users = UserTable::of(conn);
    conn.execute(
        &format!(
            "UPDATE {} SET {}, email = ?3, is_staff = ?4, is_superuser = ?5, is_active = ?6 \
             WHERE id = ?7",
            users.table(),
            users.name_assignments("?1", "?2")
        ),
        params![
            row.first_name,
            row.last_name,
            row.email,
            row.is_staff,
            row.is_superuser,
            row.is_active,
            user_id
        ],
    )?;
    Ok(())
}

/// The profile's unit and job title, if the user has a profile row.
pub fn profile(conn: &Connection, user_id: i64) -> rusqlite::Result<Option<(Option<i64>, String)>> {
    conn.query_row(
        "SELECT organizational_unit_id, job_title FROM roster_user_profile WHERE user_id = ?1",
        [user_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()
}

/// Creates or updates the user's profile row.
pub fn save_profile(
    conn: &Connection,
    user_id: i64,
    unit_id: Option<i64>,
    job_title: &str,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO roster_user_profile (user_id, organizational_unit_id, job_title) VALUES (?1, ?2, ?3) \
         ON CONFLICT (user_id) DO UPDATE SET organizational_unit_id = excluded.organizational_unit_id, \
         job_title = excluded.job_title",
        params![user_id, unit_id, job_title],
    )?;
    Ok(())
}

/// Makes the user a member of exactly `group_ids` (ids of groups that are gone are left out).
pub fn replace_groups(conn: &Connection, user_id: i64, group_ids: &[i64]) -> rusqlite::Result<()> {
    let users = UserTable::of(conn);
    let (groups, user_column, group_column) = users.groups();
    conn.execute(
        &format!("DELETE FROM {groups} WHERE {user_column} = ?1"),
        [user_id],
    )?;
    for group in group_ids {
        conn.execute(
            &format!(
                "INSERT INTO {groups} ({user_column}, {group_column}) \
                 SELECT ?1, id FROM auth_group WHERE id = ?2"
            ),
            params![user_id, group],
        )?;
    }
    Ok(())
}

/// Ends every session of a user; returns how many there were.
pub fn terminate_sessions(conn: &Connection, user_id: i64) -> rusqlite::Result<usize> {
    conn.execute("DELETE FROM roster_session WHERE user_id = ?1", [user_id])
}

/// Live sessions of a user.
pub fn session_count(conn: &Connection, user_id: i64) -> rusqlite::Result<i64> {
    conn.query_row(
        "SELECT COUNT(*) FROM roster_session WHERE user_id = ?1 AND expires_at > ?2",
        params![user_id, super::now_text()],
        |r| r.get(0),
    )
}
