//! The mail settings saved from the Mail page (`roster_mail_settings`), read on PostgreSQL.

use postgres::Client;

use crate::db::mail_settings::{StoredMail, tls_from_code};
use crate::domain::secret::Secret;

/// The saved settings, or all `None` when none were saved (`db::mail_settings::load`).
pub fn load_mail_settings(client: &mut Client) -> Result<StoredMail, postgres::Error> {
    let row = client.query_opt(
        "SELECT host, port, encryption, username, password, from_address, base_url \
         FROM roster_mail_settings WHERE id = 1",
        &[],
    )?;
    Ok(row.map_or_else(StoredMail::default, |row| StoredMail {
        host: row.get(0),
        port: row
            .get::<_, Option<i32>>(1)
            .and_then(|port| u16::try_from(port).ok()),
        tls: row
            .get::<_, Option<String>>(2)
            .as_deref()
            .and_then(tls_from_code),
        username: row.get(3),
        password: row.get::<_, Option<String>>(4).map(Secret::new),
        from: row.get(5),
        base_url: row.get(6),
    }))
}
