//! Django's user rows (`auth_user` or the project's user model) and `auth_group` rows plus Roster's profile row, read and written with Django's formats.

use rusqlite::{Connection, OptionalExtension, params};

use super::columns::{from_columns, query_all, query_one};
use super::user_table::UserTable;

/// A user as stored in `auth_user`. `password` is the Django hash: never display or log it.
#[derive(Debug, Clone)]
pub struct UserRecord {
    pub id: i64,
    pub username: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub password: String,
    pub is_active: bool,
    pub is_staff: bool,
    pub is_superuser: bool,
    pub last_login: Option<String>,
    pub date_joined: String,
}
from_columns!(UserRecord: id, username, email, first_name, last_name, password, is_active, is_staff,
    is_superuser, last_login, date_joined);

impl UserRecord {
    /// Active staff superuser: may use Roster's admin pages.
    pub fn is_admin(&self) -> bool {
        self.is_active && self.is_staff && self.is_superuser
    }

    /// Roster's Admin role: Django staff and superuser, whether active or not.
    pub fn has_admin_role(&self) -> bool {
        self.is_staff && self.is_superuser
    }

    /// The role in words, showing Django's flags as they are (staff alone is a role of its own).
    pub fn role_label(&self) -> &'static str {
        match (self.is_staff, self.is_superuser) {
            (true, true) => "Admin",
            (true, false) => "Staff (Django admin site, not a superuser)",
            (false, true) => "Superuser (not staff)",
            (false, false) => "Default User",
        }
    }
}

/// `SELECT <columns> FROM <user table>` followed by `rest`, read as a `UserRecord`.
fn select_users(users: &UserTable, rest: &str) -> String {
    format!(
        "SELECT id, username, email, {}, password, is_active, is_staff, is_superuser, last_login, \
         date_joined FROM {} {rest}",
        users.first_last(""),
        users.table()
    )
}

/// Finds a user by exact username, as Django's `get_by_natural_key` does.
pub fn find_by_username(conn: &Connection, username: &str) -> rusqlite::Result<Option<UserRecord>> {
    query_one(
        conn,
        &select_users(&UserTable::of(conn), "WHERE username = ?1"),
        [username],
    )
}

/// Finds a user by primary key.
pub fn find_by_id(conn: &Connection, id: i64) -> rusqlite::Result<Option<UserRecord>> {
    query_one(
        conn,
        &select_users(&UserTable::of(conn), "WHERE id = ?1"),
        [id],
    )
}

/// The users an import queued invitations for, by id, read in one query.
pub fn invited_by_import(
    conn: &Connection,
    import_id: i64,
) -> rusqlite::Result<std::collections::HashMap<i64, UserRecord>> {
    let sql = select_users(
        &UserTable::of(conn),
        "WHERE id IN (SELECT user_id FROM roster_invitation WHERE import_id = ?1)",
    );
    let users: Vec<UserRecord> = query_all(conn, &sql, [import_id])?;
    Ok(users.into_iter().map(|user| (user.id, user)).collect())
}

/// Active users whose e-mail equals `email` ignoring ASCII case (Django's `email__iexact` on SQLite).
pub fn active_by_email_ascii_ci(
    conn: &Connection,
    email: &str,
) -> rusqlite::Result<Vec<UserRecord>> {
    query_all(
        conn,
        &select_users(
            &UserTable::of(conn),
            "WHERE is_active = 1 AND email <> '' AND email = ?1 COLLATE NOCASE",
        ),
        [email],
    )
}

/// Whether Roster created this user without a password (an import row without one, or an
/// invitation), so a first password may be set through a mailed link. A user whose password Django
/// made unusable (SSO-only, social sign-up) is not one of them.
pub fn created_without_password_by_roster(
    conn: &Connection,
    user_id: i64,
) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM roster_import_row WHERE user_id = ?1 AND had_password = 0) \
         OR EXISTS (SELECT 1 FROM roster_invitation WHERE user_id = ?1)",
        [user_id],
        |row| row.get(0),
    )
}

/// Active admins (active staff superusers).
pub fn active_admin_count(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row(
        &format!(
            "SELECT COUNT(*) FROM {} WHERE is_active = 1 AND is_staff = 1 AND is_superuser = 1",
            UserTable::of(conn).table()
        ),
        [],
        |row| row.get(0),
    )
}

/// Whether any active staff superuser exists (otherwise the server offers a setup link).
pub fn has_active_admin(conn: &Connection) -> rusqlite::Result<bool> {
    Ok(active_admin_count(conn)? > 0)
}

/// Whether a username or e-mail is taken, compared ASCII-case-insensitively like Django's `iexact` on SQLite.
pub fn identity_taken(conn: &Connection, username: &str, email: &str) -> rusqlite::Result<bool> {
    conn.query_row(
        &format!(
            "SELECT EXISTS(SELECT 1 FROM {} WHERE username = ?1 COLLATE NOCASE \
             OR (?2 <> '' AND email = ?2 COLLATE NOCASE))",
            UserTable::of(conn).table()
        ),
        [username, email],
        |row| row.get(0),
    )
}

/// Returns the id of the named Django group, creating it when missing.
pub fn ensure_group(conn: &Connection, name: &str) -> rusqlite::Result<i64> {
    conn.execute(
        "INSERT OR IGNORE INTO auth_group (name) VALUES (?1)",
        [name],
    )?;
    conn.query_row("SELECT id FROM auth_group WHERE name = ?1", [name], |row| {
        row.get(0)
    })
}

/// `INSERT` head and `VALUES` tuple of an active user with the password `password`, no last
/// login, staff and superuser both `flag`, and the given parameters (or literals) for username,
/// e-mail, date joined and names.
pub(super) fn insert_user_parts(
    users: &UserTable,
    insert: &str,
    flag: &str,
    [password, username, email, joined]: [&str; 4],
    (first, last): (&str, &str),
) -> (String, String) {
    let (name_columns, name_values) = users.name_insert(first, last);
    let (text_columns, text_values) = users.empty_text_insert();
    let head = format!(
        "{insert} INTO {} (password, last_login, is_superuser, username, email, is_staff, is_active, \
         date_joined, {name_columns}{text_columns})",
        users.table()
    );
    let values = format!(
        "({password}, NULL, {flag}, {username}, {email}, {flag}, 1, {joined}, \
         {name_values}{text_values})"
    );
    (head, values)
}

/// Inserts an active staff superuser, as Django's `createsuperuser` does.
pub fn insert_superuser(
    conn: &Connection,
    username: &str,
    email: &str,
    password_hash: &str,
    now: &str,
) -> rusqlite::Result<i64> {
    let users = UserTable::of(conn);
    let (head, values) = insert_user_parts(
        &users,
        "INSERT",
        "1",
        ["?1", "?2", "?3", "?4"],
        ("''", "''"),
    );
    conn.execute(
        &format!("{head} VALUES {values}"),
        params![password_hash, username, email, users.stored_datetime(now)],
    )?;
    Ok(conn.last_insert_rowid())
}

/// Replaces a user's password hash.
pub fn set_password(conn: &Connection, user_id: i64, password_hash: &str) -> rusqlite::Result<()> {
    conn.execute(
        &format!(
            "UPDATE {} SET password = ?1 WHERE id = ?2",
            UserTable::of(conn).table()
        ),
        params![password_hash, user_id],
    )?;
    Ok(())
}

/// Records a successful login, as Django's `update_last_login` does.
pub fn touch_last_login(conn: &Connection, user_id: i64, now: &str) -> rusqlite::Result<()> {
    let users = UserTable::of(conn);
    conn.execute(
        &format!("UPDATE {} SET last_login = ?1 WHERE id = ?2", users.table()),
        params![users.stored_datetime(now), user_id],
    )?;
    Ok(())
}

/// A user with Roster's profile facts, for the user page.
#[derive(Debug, Clone)]
pub struct UserDetail {
    pub user: UserRecord,
    pub organizational_unit: Option<String>,
    pub job_title: String,
    /// The import that created the user, if one did.
    pub import_id: Option<i64>,
}

/// A user and their profile.
pub fn detail(conn: &Connection, id: i64) -> rusqlite::Result<Option<UserDetail>> {
    let Some(user) = find_by_id(conn, id)? else {
        return Ok(None);
    };
    let profile = conn
        .query_row(
            "SELECT ou.name, p.job_title, p.import_id FROM roster_user_profile p \
             LEFT JOIN roster_organizational_unit ou ON ou.id = p.organizational_unit_id WHERE p.user_id = ?1",
            [id],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .optional()?;
    let (organizational_unit, job_title, import_id) =
        profile.unwrap_or((None, String::new(), None));
    Ok(Some(UserDetail {
        user,
        organizational_unit,
        job_title,
        import_id,
    }))
}

/// Runs `insert` inside a savepoint. When a trigger or constraint of the project (not Roster's
/// checks) refuses it, the savepoint is rolled back and the database's message is returned as
/// `Ok(Err(message))`, so one row (or one try at a whole batch) fails and the import goes on;
/// other errors stay errors.
pub fn insert_refusable<T>(
    tx: &Connection,
    insert: impl FnOnce(&Connection) -> rusqlite::Result<T>,
) -> rusqlite::Result<Result<T, String>> {
    // Cached statements: an import runs this once per row.
    let run = |sql: &str| tx.prepare_cached(sql)?.execute([]).map(drop);
    run("SAVEPOINT roster_insert")?;
    match insert(tx) {
        Ok(value) => {
            run("RELEASE roster_insert")?;
            Ok(Ok(value))
        }
        Err(rusqlite::Error::SqliteFailure(failure, message))
            if failure.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            run("ROLLBACK TO roster_insert")?;
            run("RELEASE roster_insert")?;
            Ok(Err(message.unwrap_or_else(|| failure.to_string())))
        }
        Err(other) => {
            run("ROLLBACK TO roster_insert")?;
            run("RELEASE roster_insert")?;
            Err(other)
        }
    }
}
