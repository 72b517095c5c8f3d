//! A digest of everything an import writes about a user, so an undo can tell a user changed since (in Roster or in Django) from one left as imported.

use rusqlite::{Connection, OptionalExtension};
use sha2::{Digest, Sha256};

use super::user_table::UserTable;

/// The user's current fingerprint, or `None` when the user does not exist. Everything an admin
/// or the project can change is in it: username, names, e-mail, the password field, active,
/// staff and superuser flags, unit, job title, groups and permissions (not the last login, which
/// undo looks at by itself).
pub fn of_user(conn: &Connection, user_id: i64) -> rusqlite::Result<Option<String>> {
    let users = UserTable::of(conn);
    let (groups, groups_user, group) = users.groups();
    let (permissions, permissions_user, permission) = users.permissions();
    conn.prepare_cached(&format!(
        "SELECT u.username, {}, u.email, u.password, u.is_active, \
         u.is_staff, u.is_superuser, COALESCE(p.organizational_unit_id, ''), COALESCE(p.job_title, ''), \
         COALESCE((SELECT group_concat({group}) FROM (SELECT {group} FROM {groups} \
                   WHERE {groups_user} = u.id ORDER BY {group})), ''), \
         COALESCE((SELECT group_concat({permission}) FROM (SELECT {permission} FROM \
                   {permissions} WHERE {permissions_user} = u.id ORDER BY {permission})), '') \
         FROM {} u LEFT JOIN roster_user_profile p ON p.user_id = u.id WHERE u.id = ?1",
        users.first_last("u."),
        users.table()
    ))?
    .query_row([user_id], |r| {
        let mut digest = Sha256::new();
        for i in 0..12 {
            let value: rusqlite::types::Value = r.get(i)?;
            let text = match value {
                rusqlite::types::Value::Null => String::new(),
                rusqlite::types::Value::Integer(n) => n.to_string(),
                rusqlite::types::Value::Real(x) => x.to_string(),
                rusqlite::types::Value::Text(t) => t,
                rusqlite::types::Value::Blob(b) => String::from_utf8_lossy(&b).into_owned(),
            };
            // Length-prefixed, so no two different rows give the same input.
            digest.update((text.len() as u64).to_le_bytes());
            digest.update(text.as_bytes());
        }
        Ok(digest
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>())
    })
    .optional()
}
