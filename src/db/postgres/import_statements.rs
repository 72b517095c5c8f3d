//! The import's statements about users on PostgreSQL, rendered once per store for the user
//! model's table (`auth_user`, or a custom model's).

use crate::db::user_table::UserTable;

/// A batch's users, memberships, profiles and invitations in one statement. The new ids come back
/// with their usernames (unique), since `RETURNING` promises no order, and with the user's columns
/// as stored (after the project's BEFORE triggers), from which the fingerprints are made without
/// reading the users again (the groups are the one membership written, no permissions).
fn insert_users_sql(users: &UserTable) -> String {
    let (name_columns, names) = users.name_insert("first_name", "last_name");
    let (text_columns, empty_texts) = users.empty_text_insert();
    let (groups, user_column, group_column) = users.groups();
    format!(
        "WITH input AS ( \
            SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], \
                                 $6::bigint[], $7::text[], $8::bool[]) \
                AS t(password, username, first_name, last_name, email, unit, job_title, invited)), \
        new_users AS ( \
            INSERT INTO {table} (password, last_login, is_superuser, username, {name_columns}, \
                                 email, is_staff, is_active, date_joined{text_columns}) \
            SELECT password, NULL, false, username, {names}, email, false, true, now(){empty_texts} \
            FROM input RETURNING *), \
        memberships AS ( \
            INSERT INTO {groups} ({user_column}, {group_column}) \
            SELECT id, $9::bigint FROM new_users), \
        profiles AS ( \
            INSERT INTO roster_user_profile (user_id, organizational_unit_id, job_title, import_id) \
            SELECT n.id, i.unit, i.job_title, $10::bigint \
            FROM new_users n JOIN input i USING (username)), \
        invitations AS ( \
            INSERT INTO roster_invitation (import_id, user_id, status, updated_at) \
            SELECT $10::bigint, n.id, 'pending', now() \
            FROM new_users n JOIN input i USING (username) \
            WHERE i.invited ON CONFLICT DO NOTHING) \
        SELECT n.id::bigint, n.username::text, {first_last}, n.email::text, \
               n.password::text, n.is_active::int::text, n.is_staff::int::text, \
               n.is_superuser::int::text, COALESCE(i.unit::text, ''), i.job_title \
        FROM new_users n JOIN input i USING (username)",
        table = users.table(),
        first_last = users.first_last_text("n."),
    )
}

/// The statements about users, rendered once for the user model's table.
pub(super) struct UserStatements {
    pub(super) insert_users: String,
    pub(super) users_after: String,
    pub(super) max_user_id: String,
    pub(super) named_users: String,
    pub(super) all_users: String,
}

impl UserStatements {
    pub(super) fn new(users: &UserTable) -> Self {
        let table = users.table();
        Self {
            insert_users: insert_users_sql(users),
            users_after: format!(
                "SELECT id::bigint, username::text, email::text FROM {table} WHERE id > $1::bigint"
            ),
            max_user_id: format!("SELECT COALESCE(MAX(id), 0)::bigint FROM {table}"),
            named_users: format!(
                "SELECT username::text, email::text FROM {table} WHERE username = ANY($1::text[])"
            ),
            all_users: format!("SELECT username::text, email::text FROM {table}"),
        }
    }
}
