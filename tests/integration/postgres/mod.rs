//! PostgreSQL (issue 15): every command on a real server (`migrate`, `import`, `createsuperuser`,
//! `changepassword`, `ou`, `token`, `check-mail`, `sendtestemail`, `adduser`, `--invite`,
//! `backup`'s advice, and `serve` in `web.rs` and `web_admin.rs`), connecting (passwords, sslmode, errors), the
//! connection pool. The cluster is in `cluster.rs`.

mod abandoned;
mod accounts;
mod browser;
pub(crate) mod cluster;
mod commands;
mod connecting;
mod custom_user_model;
mod directory;
mod flush;
mod import;
mod invite;
mod mail;
mod migrate;
mod schema;
mod shutdown;
mod web;
mod web_admin;
mod web_users;

/// `roster import --allow-without-mail` of `rows` (CSV lines after the header) into the database
/// at `url`; panics unless it succeeds.
fn import_rows(url: &str, rows: &str) {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), format!("{}\n{rows}", crate::helpers::HEADER)).unwrap();
    let path = file.path().to_str().unwrap();
    let out = migrate::roster_pg(url, &["import", path, "--allow-without-mail"], &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// How many rows `table` holds.
fn count(client: &mut postgres::Client, table: &str) -> i64 {
    client
        .query_one(&format!("SELECT COUNT(*) FROM {table}"), &[])
        .unwrap()
        .get(0)
}

/// Every username in `auth_user`, sorted.
fn usernames(client: &mut postgres::Client) -> Vec<String> {
    client
        .query("SELECT username FROM auth_user ORDER BY username", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

/// `action|target|detail` of every audit entry matching `filter` (an SQL condition), oldest first.
fn audit_entries(client: &mut postgres::Client, filter: &str) -> Vec<String> {
    client
        .query(
            &format!(
                "SELECT action || '|' || target || '|' || detail FROM roster_audit \
                 WHERE {filter} ORDER BY id"
            ),
            &[],
        )
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect()
}

/// The same from an SQLite file.
fn sqlite_audit_entries(sqlite: &std::path::Path, filter: &str) -> Vec<String> {
    let conn = rusqlite::Connection::open(sqlite).unwrap();
    let mut statement = conn
        .prepare(&format!(
            "SELECT action || '|' || target || '|' || detail FROM roster_audit \
             WHERE {filter} ORDER BY id"
        ))
        .unwrap();
    statement
        .query_map([], |row| row.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// A migrated SQLite file in `dir` whose Mail page saved the loopback server at `smtp_port`.
fn sqlite_with_saved_mail(dir: &std::path::Path, smtp_port: u16) -> std::path::PathBuf {
    let sqlite = dir.join("roster.sqlite3");
    let migrated =
        crate::helpers::roster_with(&sqlite, &["migrate"], &[("ROSTER_LOG", "warn")], None);
    assert!(migrated.status.success());
    rusqlite::Connection::open(&sqlite)
        .unwrap()
        .execute(
            "INSERT INTO roster_mail_settings (id, host, port, encryption, from_address, \
             base_url, updated_at) VALUES (1, 'localhost', ?1, 'none', 'saved@example.com', \
             'https://saved.example.com', '2026-12-01 00:00:00')",
            [smtp_port],
        )
        .unwrap();
    sqlite
}

/// `roster createsuperuser --noinput` on the database at `url`; asserts it succeeded.
fn create_admin(url: &str, username: &str, password: &str) {
    let email = format!("{username}@example.com");
    let out = migrate::roster_pg(
        url,
        &[
            "createsuperuser",
            "--noinput",
            "--username",
            username,
            "--email",
            &email,
        ],
        &[("ROSTER_SUPERUSER_PASSWORD", password)],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
