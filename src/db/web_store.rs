//! The seam for the web server's core journey (setup, login, sessions, import history, the user
//! list): one small trait per area, SQL per backend; the SQLite side calls today's functions.

use rusqlite::Connection;

use super::audit::{AuditEntry, AuditFilter, AuditRow};
use super::directory_store::{DirectoryAccess, DirectoryStore};
use super::imports::{ImportRecord, StoredRow};
use super::invitations::Invitation;
use super::mail_settings::StoredMail;
use super::mail_store::MailSettingsStore;
use super::ous::OuItem;
use super::undo::{UndoPlan, UndoResult};
use super::undo_store::UndoStore;
use super::user_admin_store::{UserAdminStore, UserRow};
use super::user_list::{MatchCount, UserListItem, UserQuery};
use super::users::{UserDetail, UserRecord};
use crate::domain::report::ImportReport;

/// A page of audit entries and how many match.
pub type Audit = (Vec<AuditRow>, i64);

/// A page of the user list and how many users match.
pub type UserPage = (Vec<UserListItem>, MatchCount);

/// What the web's stores answer: a database error from either backend.
pub type StoreResult<T> = anyhow::Result<T>;

/// Who may log in and their sessions: what setup, login, logout and the session check need.
/// Datetimes come back as Django's UTC text (`YYYY-MM-DD HH:MM:SS[.ffffff]`).
pub trait SessionStore {
    /// Starts a write transaction that other writers wait for (SQLite's `BEGIN IMMEDIATE`,
    /// PostgreSQL's `BEGIN` and a transaction-level advisory lock).
    fn begin_write(&mut self) -> StoreResult<()>;
    fn commit(&mut self) -> StoreResult<()>;
    fn rollback(&mut self) -> StoreResult<()>;

    /// The user with exactly this username (Django's `get_by_natural_key`).
    fn find_user_by_username(&mut self, username: &str) -> StoreResult<Option<UserRecord>>;
    fn find_user_by_id(&mut self, id: i64) -> StoreResult<Option<UserRecord>>;
    /// Whether an active staff superuser exists.
    fn has_active_admin(&mut self) -> StoreResult<bool>;
    /// Whether a username or e-mail is taken, ignoring ASCII case.
    fn identity_taken(&mut self, username: &str, email: &str) -> StoreResult<bool>;
    /// Inserts an active staff superuser; returns its id.
    fn insert_superuser(&mut self, username: &str, email: &str, hash: &str) -> StoreResult<i64>;
    fn set_password(&mut self, user_id: i64, hash: &str) -> StoreResult<()>;
    /// Records a successful login now, as Django's `update_last_login` does.
    fn touch_last_login(&mut self, user_id: i64) -> StoreResult<()>;

    /// Starts a session for the user and returns the cookie value.
    fn create_session(&mut self, user: &UserRecord) -> StoreResult<String>;
    /// The user behind a cookie value, if the session is live, the user active and the password
    /// unchanged.
    fn load_session(&mut self, key: &str) -> StoreResult<Option<UserRecord>>;
    fn delete_session(&mut self, key: &str) -> StoreResult<()>;
    fn purge_expired_sessions(&mut self) -> StoreResult<usize>;

    /// Active users whose e-mail equals `email` ignoring ASCII case (Django's `email__iexact`).
    fn active_users_by_email(&mut self, email: &str) -> StoreResult<Vec<UserRecord>>;
    /// Whether Roster created this user without a password (an import row or an invitation).
    fn created_without_password_by_roster(&mut self, user_id: i64) -> StoreResult<bool>;
    /// Whether an invitation mail went out to this user.
    fn was_invited(&mut self, user_id: i64) -> StoreResult<bool>;

    /// Whether this username has logged in from this client before.
    fn has_logged_in_from(&mut self, username: &str, client: &str) -> StoreResult<bool>;
    /// Appends an audit entry.
    fn record_audit(&mut self, entry: &AuditEntry<'_>) -> StoreResult<()>;
}

/// Past imports: the history list, one import's page, its error report and progress.
pub trait ImportHistory {
    /// A page of imports, newest first, and how many there are.
    fn list_imports(&mut self, offset: i64, limit: i64) -> StoreResult<(Vec<ImportRecord>, i64)>;
    fn find_import(&mut self, id: i64) -> StoreResult<Option<ImportRecord>>;
    /// The record and the report rebuilt from the stored rows.
    fn import_report(&mut self, id: i64) -> StoreResult<Option<(ImportRecord, ImportReport)>>;
    /// Every row's outcome, in file order.
    fn import_rows(&mut self, id: i64) -> StoreResult<Vec<StoredRow>>;
    /// The set-password invitations the import queued, by username.
    fn import_invitations(&mut self, id: i64) -> StoreResult<Vec<Invitation>>;
}

/// The user list and what its filters offer.
pub trait UserDirectory {
    /// One page of matching users (last login in UTC) and how many match.
    fn search_users(&mut self, q: &UserQuery, offset: i64, limit: i64) -> StoreResult<UserPage>;
    /// The organizational units with their user counts, by name.
    fn units(&mut self) -> StoreResult<Vec<OuItem>>;
}

/// The audit log page and its export.
pub trait AuditLog {
    /// Matching entries (times as Django's UTC text), newest first, and how many match in all.
    fn audit_search(&mut self, filter: &AuditFilter, skip: i64, limit: i64) -> StoreResult<Audit>;
    /// The distinct actions recorded so far, for the filter menu.
    fn audit_actions(&mut self) -> StoreResult<Vec<String>>;
}

/// The admin pages' stores: a user's page, units and tokens, the saved mail settings, undo.
pub trait AdminStores: UserAdminStore + DirectoryAccess + MailSettingsStore + UndoStore {}

impl<T: UserAdminStore + DirectoryAccess + MailSettingsStore + UndoStore> AdminStores for T {}

/// Everything the ported pages reach, on one connection.
pub trait WebStore: SessionStore + ImportHistory + UserDirectory + AuditLog + AdminStores {}

impl<T: SessionStore + ImportHistory + UserDirectory + AuditLog + AdminStores> WebStore for T {}
/// Runs `work` in one write transaction (`SessionStore::begin_write`): committed when it returns
/// `Ok` (a refusal it returns as a value must have written nothing), rolled back on an error.
pub fn write_transaction<T>(
    store: &mut dyn WebStore,
    work: impl FnOnce(&mut dyn WebStore) -> StoreResult<T>,
) -> StoreResult<T> {
    store.begin_write()?;
    match work(store) {
        Ok(value) => {
            store.commit()?;
            Ok(value)
        }
        Err(err) => {
            let _ = store.rollback();
            Err(err)
        }
    }
}

/// The SQLite side: today's `db::` functions on one connection.
pub struct SqliteWeb<'c>(pub &'c Connection);

impl SessionStore for SqliteWeb<'_> {
    fn begin_write(&mut self) -> StoreResult<()> {
        Ok(self.0.execute_batch("BEGIN IMMEDIATE")?)
    }

    fn commit(&mut self) -> StoreResult<()> {
        Ok(self.0.execute_batch("COMMIT")?)
    }

    fn rollback(&mut self) -> StoreResult<()> {
        Ok(self.0.execute_batch("ROLLBACK")?)
    }

    fn find_user_by_username(&mut self, username: &str) -> StoreResult<Option<UserRecord>> {
        Ok(super::users::find_by_username(self.0, username)?)
    }

    fn find_user_by_id(&mut self, id: i64) -> StoreResult<Option<UserRecord>> {
        Ok(super::users::find_by_id(self.0, id)?)
    }

    fn has_active_admin(&mut self) -> StoreResult<bool> {
        Ok(super::users::has_active_admin(self.0)?)
    }

    fn identity_taken(&mut self, username: &str, email: &str) -> StoreResult<bool> {
        Ok(super::users::identity_taken(self.0, username, email)?)
    }

    fn insert_superuser(&mut self, username: &str, email: &str, hash: &str) -> StoreResult<i64> {
        let now = super::now_text();
        Ok(super::users::insert_superuser(
            self.0, username, email, hash, &now,
        )?)
    }

    fn set_password(&mut self, user_id: i64, hash: &str) -> StoreResult<()> {
        Ok(super::users::set_password(self.0, user_id, hash)?)
    }

    fn touch_last_login(&mut self, user_id: i64) -> StoreResult<()> {
        Ok(super::users::touch_last_login(
            self.0,
            user_id,
            &super::now_text(),
        )?)
    }

    fn create_session(&mut self, user: &UserRecord) -> StoreResult<String> {
        Ok(super::sessions::create(self.0, user)?)
    }

    fn load_session(&mut self, key: &str) -> StoreResult<Option<UserRecord>> {
        Ok(super::sessions::load(self.0, key)?)
    }

    fn delete_session(&mut self, key: &str) -> StoreResult<()> {
        Ok(super::sessions::delete(self.0, key)?)
    }

    fn purge_expired_sessions(&mut self) -> StoreResult<usize> {
        Ok(super::sessions::purge_expired(self.0)?)
    }

    fn active_users_by_email(&mut self, email: &str) -> StoreResult<Vec<UserRecord>> {
        Ok(super::users::active_by_email_ascii_ci(self.0, email)?)
    }

    fn created_without_password_by_roster(&mut self, user_id: i64) -> StoreResult<bool> {
        Ok(super::users::created_without_password_by_roster(
            self.0, user_id,
        )?)
    }

    fn was_invited(&mut self, user_id: i64) -> StoreResult<bool> {
        Ok(super::invitations::was_invited(self.0, user_id)?)
    }

    fn has_logged_in_from(&mut self, username: &str, client: &str) -> StoreResult<bool> {
        Ok(super::audit::has_logged_in_from(self.0, username, client)?)
    }

    fn record_audit(&mut self, entry: &AuditEntry<'_>) -> StoreResult<()> {
        Ok(super::audit::record(self.0, entry)?)
    }
}

impl ImportHistory for SqliteWeb<'_> {
    fn list_imports(&mut self, offset: i64, limit: i64) -> StoreResult<(Vec<ImportRecord>, i64)> {
        Ok(super::imports::list(self.0, offset, limit)?)
    }

    fn find_import(&mut self, id: i64) -> StoreResult<Option<ImportRecord>> {
        Ok(super::imports::find(self.0, id)?)
    }

    fn import_report(&mut self, id: i64) -> StoreResult<Option<(ImportRecord, ImportReport)>> {
        Ok(super::imports::report(self.0, id)?)
    }

    fn import_rows(&mut self, id: i64) -> StoreResult<Vec<StoredRow>> {
        Ok(super::imports::all_rows(self.0, id)?)
    }

    fn import_invitations(&mut self, id: i64) -> StoreResult<Vec<Invitation>> {
        Ok(super::invitations::for_import(self.0, id)?)
    }
}

impl UserDirectory for SqliteWeb<'_> {
    fn search_users(&mut self, q: &UserQuery, offset: i64, limit: i64) -> StoreResult<UserPage> {
        let (mut items, total) = super::user_list::search(self.0, q, offset, limit)?;
        // Stored as Django's USE_TZ says; the trait answers in UTC.
        let users = super::user_table::UserTable::of(self.0);
        for item in &mut items {
            item.last_login = item.last_login.as_deref().map(|at| users.utc_datetime(at));
        }
        Ok((items, total))
    }

    fn units(&mut self) -> StoreResult<Vec<OuItem>> {
        Ok(super::ous::list(self.0)?)
    }
}

impl AuditLog for SqliteWeb<'_> {
    fn audit_search(&mut self, filter: &AuditFilter, skip: i64, limit: i64) -> StoreResult<Audit> {
        Ok(super::audit::search(self.0, filter, skip, limit)?)
    }

    fn audit_actions(&mut self) -> StoreResult<Vec<String>> {
        Ok(super::audit::actions(self.0)?)
    }
}

impl DirectoryAccess for SqliteWeb<'_> {
    fn directory(&mut self) -> Box<dyn DirectoryStore + '_> {
        Box::new(self.0)
    }
}

impl MailSettingsStore for SqliteWeb<'_> {
    fn load_mail_settings(&mut self) -> StoreResult<StoredMail> {
        Ok(super::mail_settings::load(self.0)?)
    }

    fn save_mail_settings(&mut self, stored: &StoredMail) -> StoreResult<()> {
        Ok(super::mail_settings::save(self.0, stored)?)
    }
}

impl UndoStore for SqliteWeb<'_> {
    fn undo_plan(&mut self, import_id: i64) -> StoreResult<UndoPlan> {
        Ok(super::undo::undo_plan(self.0, import_id)?)
    }

    fn undo_import(&mut self, import_id: i64, actor: &str) -> StoreResult<UndoResult> {
        Ok(super::undo::undo(self.0, import_id, actor)?)
    }
}

impl UserAdminStore for SqliteWeb<'_> {
    fn user_detail(&mut self, user_id: i64) -> StoreResult<Option<UserDetail>> {
        let conn = self.0;
        let Some(mut detail) = super::users::detail(conn, user_id)? else {
            return Ok(None);
        };
        // Stored as Django's USE_TZ says; the trait answers in UTC.
        let users = super::user_table::UserTable::of(conn);
        let user = &mut detail.user;
        user.last_login = user.last_login.as_deref().map(|at| users.utc_datetime(at));
        user.date_joined = users.utc_datetime(&user.date_joined);
        Ok(Some(detail))
    }

    fn groups(&mut self) -> StoreResult<Vec<(i64, String)>> {
        Ok(super::user_admin::groups(self.0)?)
    }

    fn group_ids(&mut self, user_id: i64) -> StoreResult<Vec<i64>> {
        Ok(super::user_admin::group_ids(self.0, user_id)?)
    }

    fn session_count(&mut self, user_id: i64) -> StoreResult<i64> {
        Ok(super::user_admin::session_count(self.0, user_id)?)
    }

    fn terminate_sessions(&mut self, user_id: i64) -> StoreResult<usize> {
        Ok(super::user_admin::terminate_sessions(self.0, user_id)?)
    }

    fn email_taken_by_other(&mut self, user_id: i64, email: &str) -> StoreResult<bool> {
        Ok(super::user_admin::email_taken_by_other(
            self.0, user_id, email,
        )?)
    }

    fn unit_exists(&mut self, unit_id: i64) -> StoreResult<bool> {
        Ok(super::user_admin::unit_exists(self.0, unit_id)?)
    }

    fn active_admin_count(&mut self) -> StoreResult<i64> {
        Ok(super::users::active_admin_count(self.0)?)
    }

    fn update_user(&mut self, user_id: i64, row: &UserRow<'_>) -> StoreResult<()> {
        Ok(super::user_admin::update_user(self.0, user_id, row)?)
    }

    fn profile(&mut self, user_id: i64) -> StoreResult<Option<(Option<i64>, String)>> {
        Ok(super::user_admin::profile(self.0, user_id)?)
    }

    fn save_profile(&mut self, user_id: i64, unit: Option<i64>, title: &str) -> StoreResult<()> {
        Ok(super::user_admin::save_profile(
            self.0, user_id, unit, title,
        )?)
    }

    fn replace_groups(&mut self, user_id: i64, group_ids: &[i64]) -> StoreResult<()> {
        Ok(super::user_admin::replace_groups(
            self.0, user_id, group_ids,
        )?)
    }

    fn matching_ids(&mut self, query: &UserQuery, limit: i64) -> StoreResult<Vec<i64>> {
        Ok(super::user_list::matching_ids(self.0, query, limit)?)
    }
}
