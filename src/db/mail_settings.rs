//! The one row of mail settings saved from the Mail page (`roster_mail_settings`).

use rusqlite::{Connection, OptionalExtension, params};

use crate::domain::mail_mode::TlsMode;
use crate::domain::secret::Secret;

/// Saved values; `None` leaves the setting to the command line, environment or default.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StoredMail {
    pub host: Option<String>,
    pub port: Option<u16>,
    pub tls: Option<TlsMode>,
    pub username: Option<String>,
    pub password: Option<Secret>,
    pub from: Option<String>,
    pub base_url: Option<String>,
}

/// The `encryption` value stored for a mode (every backend's).
pub(crate) fn tls_code(tls: TlsMode) -> &'static str {
    match tls {
        TlsMode::None => "none",
        TlsMode::StartTls => "starttls",
        TlsMode::Implicit => "tls",
    }
}

/// The mode an `encryption` value names (every backend's).
pub(crate) fn tls_from_code(code: &str) -> Option<TlsMode> {
    match code {
        "none" => Some(TlsMode::None),
        "starttls" => Some(TlsMode::StartTls),
        "tls" => Some(TlsMode::Implicit),
        _ => None,
    }
}

/// The saved settings, or all `None` when the page never saved any.
pub fn load(conn: &Connection) -> rusqlite::Result<StoredMail> {
    conn.query_row(
        "SELECT host, port, encryption, username, password, from_address, base_url \
         FROM roster_mail_settings WHERE id = 1",
        [],
        |row| {
            Ok(StoredMail {
                host: row.get(0)?,
                port: row.get::<_, Option<u16>>(1)?,
                tls: row
                    .get::<_, Option<String>>(2)?
                    .as_deref()
                    .and_then(tls_from_code),
                username: row.get(3)?,
                password: row.get::<_, Option<String>>(4)?.map(Secret::new),
                from: row.get(5)?,
                base_url: row.get(6)?,
            })
        },
    )
    .optional()
    .map(Option::unwrap_or_default)
}

/// Replaces the saved settings.
pub fn save(conn: &Connection, stored: &StoredMail) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO roster_mail_settings \
         (id, host, port, encryption, username, password, from_address, base_url, updated_at) \
         VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) \
         ON CONFLICT (id) DO UPDATE SET host = ?1, port = ?2, encryption = ?3, username = ?4, \
         password = ?5, from_address = ?6, base_url = ?7, updated_at = ?8",
        params![
            stored.host,
            stored.port,
            stored.tls.map(tls_code),
            stored.username,
            stored.password.as_ref().map(Secret::expose),
            stored.from,
            stored.base_url,
            super::now_text(),
        ],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saved_settings_read_back_and_replace_the_row() {
        let (_dir, conn) = crate::db::test_db::migrated();
        assert_eq!(load(&conn).unwrap(), StoredMail::default());
        let mut stored = StoredMail {
            host: Some("smtp.example.com".into()),
            port: Some(587),
            tls: Some(TlsMode::StartTls),
            password: Some(Secret::new("secret".into())),
            ..StoredMail::default()
        };
        save(&conn, &stored).unwrap();
        assert_eq!(load(&conn).unwrap(), stored);
        stored.tls = Some(TlsMode::Implicit);
        stored.password = None;
        save(&conn, &stored).unwrap();
        assert_eq!(load(&conn).unwrap(), stored);
        assert!(!format!("{stored:?}").contains("secret"));
    }
}
