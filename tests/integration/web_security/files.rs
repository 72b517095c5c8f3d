//! Owner-only files: the database and its WAL files as the server creates them, the generated
//! secret key, and a backup, which must never be readable by others, not even while it is written.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::*;

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

fn sibling(db: &Path, suffix: &str) -> PathBuf {
    PathBuf::from(format!("{}{suffix}", db.display()))
}

#[test]
fn the_server_creates_database_wal_shm_and_secret_key_owner_only() {
    // No preparation: the server itself creates the database and the secret key file (beside the
    // SQLite file; on PostgreSQL at the path configured here, as ROSTER_SECRET_KEY_FILE gives it).
    let keys = tempfile::tempdir().unwrap();
    let key_file = keys.path().join("roster.secret-key");
    let configured = key_file.clone();
    let app = spawn_app_configured(
        |_| {},
        move |config| {
            if on_postgres() {
                config.accounts.secret_key = roster::config::SecretKeySource::File(configured);
            }
        },
    );
    assert!(app.setup_path.is_some());
    // SQLite only: keep a connection open (it has read) so the WAL files stay while the server
    // writes.
    let reader = (!on_postgres()).then(|| app.db());
    let count: i64 = match &reader {
        Some(reader) => reader
            .query_row("SELECT COUNT(*) FROM auth_user", [], |r| r.get(0))
            .unwrap(),
        None => app.user_count(),
    };
    assert_eq!(count, 0);
    let setup = app.setup_path.clone().unwrap();
    let res = app.post_form(
        &setup,
        &setup,
        &[
            ("username", "boss"),
            ("email", "boss@example.com"),
            ("password", "boss-pass-123"),
            ("password2", "boss-pass-123"),
        ],
    );
    assert_eq!(res.status().as_u16(), 303);
    let key_file = if on_postgres() {
        key_file
    } else {
        sibling(&app.db_path, ".secret-key")
    };
    assert_eq!(mode(&key_file), 0o600, "{}", key_file.display());
    // The database file and its WAL files are SQLite's; a PostgreSQL database has none.
    if !on_postgres() {
        for suffix in ["", "-wal", "-shm"] {
            let path = sibling(&app.db_path, suffix);
            assert_eq!(mode(&path), 0o600, "{}", path.display());
        }
    }
    drop(reader);
}

#[test]
fn a_backup_is_never_readable_by_others_not_even_while_it_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("roster.sqlite3");
    migrate(&db);
    // About 24 MB, so writing the copy takes a while and a loose mode would be seen.
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch(
        "CREATE TABLE filler (b BLOB);
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
         INSERT INTO filler SELECT randomblob(8000) FROM n;",
    )
    .unwrap();
    drop(conn);
    let backup = dir.path().join("backup.sqlite3");
    // The usual umask, whatever this test runner uses.
    let mut child = Command::new("sh")
        .arg("-c")
        .arg("umask 022 && exec \"$0\" backup \"$1\"")
        .arg(env!("CARGO_BIN_EXE_roster"))
        .arg(&backup)
        .env("ROSTER_DATABASE", &db)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut seen = std::collections::BTreeSet::new();
    while child.try_wait().unwrap().is_none() {
        if let Ok(meta) = std::fs::metadata(&backup) {
            seen.insert(meta.permissions().mode() & 0o777);
        }
    }
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    seen.insert(mode(&backup));
    assert_eq!(
        seen.into_iter().collect::<Vec<_>>(),
        [0o600],
        "modes the backup had while it was written"
    );
    let copy = rusqlite::Connection::open(&backup).unwrap();
    let rows: i64 = copy
        .query_row("SELECT COUNT(*) FROM filler", [], |r| r.get(0))
        .unwrap();
    assert_eq!(rows, 3000);
}

#[test]
fn a_database_created_from_the_command_line_is_owner_only() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cli.sqlite3");
    let out = Command::new("sh")
        .arg("-c")
        .arg("umask 022 && exec \"$0\" migrate")
        .arg(env!("CARGO_BIN_EXE_roster"))
        .env("ROSTER_DATABASE", &db)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(mode(&db), 0o600);
}
