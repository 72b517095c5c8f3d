//! The mail settings saved from the Mail page (`roster_mail_settings`), read and saved on
//! PostgreSQL. Every process reads them afresh for each use, so a save on one applies at once on all.

use postgres::Client;

use crate::db::mail_settings::{StoredMail, tls_code, tls_from_code};
use crate::db::mail_store::MailSettingsStore;
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

/// Replaces the saved settings (`db::mail_settings::save`).
pub fn save_mail_settings(client: &mut Client, stored: &StoredMail) -> Result<(), postgres::Error> {
    let port = stored.port.map(i32::from);
    client.execute(
        "INSERT INTO roster_mail_settings \
         (id, host, port, encryption, username, password, from_address, base_url, updated_at) \
         VALUES (1, $1, $2, $3, $4, $5, $6, $7, now()) \
         ON CONFLICT (id) DO UPDATE SET host = $1, port = $2, encryption = $3, username = $4, \
         password = $5, from_address = $6, base_url = $7, updated_at = now()",
        &[
            &stored.host,
            &port,
            &stored.tls.map(tls_code),
            &stored.username,
            &stored.password.as_ref().map(Secret::expose),
            &stored.from,
            &stored.base_url,
        ],
    )?;
    Ok(())
}

impl MailSettingsStore for super::PgWeb<'_> {
    fn load_mail_settings(&mut self) -> anyhow::Result<StoredMail> {
        Ok(load_mail_settings(self.0)?)
    }

    fn save_mail_settings(&mut self, stored: &StoredMail) -> anyhow::Result<()> {
        Ok(save_mail_settings(self.0, stored)?)
    }
}
