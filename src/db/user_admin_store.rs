//! The seam for one user's page and its actions (`db::user_admin`): the reads and writes, per
//! backend; the SQLite side (in `web_store.rs`) calls today's functions.

use super::user_list::UserQuery;
use super::users::UserDetail;

/// What the stores answer: a database error from either backend.
type StoreResult<T> = anyhow::Result<T>;

/// A user's names, e-mail and Django flags as the user page's form writes them.
#[derive(Debug, Clone, Copy)]
pub struct UserRow<'a> {
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub email: &'a str,
    pub is_staff: bool,
    pub is_superuser: bool,
    pub is_active: bool,
}

/// What a user's page shows and what its form and buttons change. Writes run inside the caller's
/// write transaction (`SessionStore::begin_write`).
pub trait UserAdminStore {
    /// The user with Roster's profile facts, `last_login` and `date_joined` as Django's UTC text.
    fn user_detail(&mut self, user_id: i64) -> StoreResult<Option<UserDetail>>;
    /// Every Django group, by name.
    fn groups(&mut self) -> StoreResult<Vec<(i64, String)>>;
    /// The groups a user belongs to, by id.
    fn group_ids(&mut self, user_id: i64) -> StoreResult<Vec<i64>>;
    /// Live sessions of a user.
    fn session_count(&mut self, user_id: i64) -> StoreResult<i64>;
    /// Ends every session of a user; returns how many there were.
    fn terminate_sessions(&mut self, user_id: i64) -> StoreResult<usize>;
    /// Whether another user has the (non-empty) e-mail, ignoring ASCII case.
    fn email_taken_by_other(&mut self, user_id: i64, email: &str) -> StoreResult<bool>;
    fn unit_exists(&mut self, unit_id: i64) -> StoreResult<bool>;
    /// Active staff superusers.
    fn active_admin_count(&mut self) -> StoreResult<i64>;
    fn update_user(&mut self, user_id: i64, row: &UserRow<'_>) -> StoreResult<()>;
    /// The profile's unit and job title, if the user has a profile row.
    fn profile(&mut self, user_id: i64) -> StoreResult<Option<(Option<i64>, String)>>;
    /// Creates or updates the user's profile row.
    fn save_profile(&mut self, user_id: i64, unit: Option<i64>, title: &str) -> StoreResult<()>;
    /// Makes the user a member of exactly these groups (ids of groups that are gone are skipped).
    fn replace_groups(&mut self, user_id: i64, group_ids: &[i64]) -> StoreResult<()>;
    /// The ids of the users the list's filters match (by username), at most `limit`.
    fn matching_ids(&mut self, query: &UserQuery, limit: i64) -> StoreResult<Vec<i64>>;
}
