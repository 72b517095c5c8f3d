//! A digest of everything an import writes about a user, so an undo can tell a user changed since (in Roster or in Django) from one left as imported.

use rusqlite::{Connection, OptionalExtension};
use sha2::{Digest, Sha256};

/// The user's current fingerprint, or `None` when the user does not exist. Everything an admin
/// or the project can change is in it: username, names, e-mail, the password field, active,
/// staff and superuser flags, unit, job title, groups and permissions (not the last login, which
/// undo looks at by itself).
pub fn of_user(conn: &Connection, user_id: i64) -> rusqlite::Result<Option<String>> {
    conn.prepare_cached(
        "SELECT u.username, u.first_name, u.last_name, u.email, u.password, u.is_active, \
         u.is_staff, u.is_superuser, COALESCE(p.organizational_unit_id, ''), COALESCE(p.job_title, ''), \
         COALESCE((SELECT group_concat(group_id) FROM (SELECT group_id FROM auth_user_groups \
                   WHERE user_id = u.id ORDER BY group_id)), ''), \
         COALESCE((SELECT group_concat(permission_id) FROM (SELECT permission_id FROM \
                   auth_user_user_permissions WHERE user_id = u.id ORDER BY permission_id)), '') \
         FROM auth_user u LEFT JOIN roster_user_profile p ON p.user_id = u.id WHERE u.id = ?1",
    )?
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
