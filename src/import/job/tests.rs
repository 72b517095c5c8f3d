//! The import job: batch sizes, checkpoints beside the writes, and other writers' users.

use super::Progress;
use super::{BATCH_ROWS, ImportJob, passwords_per_batch};
use crate::db::import_store::SqliteImportStore;
use crate::domain::import_context::{ImportContext, ImportSource};
use crate::import::ImportReport;
use crate::import::ImportSettings;
use crate::import::parse::RowReader;

/// Imports `rows` generated passwordless rows (`user{i}`, `user{i}@example.com`) through a job
/// on `conn`'s database, calling `on_progress` after each commit (and once before any).
fn import_generated(
    conn: &mut rusqlite::Connection,
    rows: usize,
    on_progress: impl FnMut(Progress),
) -> ImportReport {
    let text: String = std::iter::once(
        "first_name;last_name;email;username;organizational_unit;job_title;password\n".to_string(),
    )
    .chain((0..rows).map(|i| format!("F{i};L{i};user{i}@example.com;user{i};;Job;\n")))
    .collect();
    let context = ImportContext::new(None, "cli:test".into(), ImportSource::Cli, "f.csv".into());
    let mut store = SqliteImportStore::new(conn);
    let job = ImportJob::begin(&mut store, context, ImportSettings::default(), rows).unwrap();
    let read = RowReader::new(&text, rows).unwrap().map(Result::unwrap);
    job.run(&mut store, read, on_progress).unwrap()
}

#[test]
fn the_wal_is_checkpointed_while_an_import_writes_and_the_connection_checkpoints_again_after() {
    // The import's connection leaves checkpoints to a thread of its own: the database file
    // must still take in the rows as they are written (not only when the connection closes,
    // with a WAL as large as every batch written), and the connection must get its own
    // automatic checkpoints back.
    let (_dir, mut conn) = crate::db::test_db::migrated();
    let rows = 3 * BATCH_ROWS;
    assert_eq!(import_generated(&mut conn, rows, |_| {}).created, rows);
    let pragma = |name: &str| -> i64 { conn.pragma_query_value(None, name, |r| r.get(0)).unwrap() };
    assert_eq!(pragma("wal_autocheckpoint"), 1000);
    let in_file = std::fs::metadata(conn.path().unwrap()).unwrap().len() as i64;
    let size = pragma("page_count") * pragma("page_size");
    assert!(
        in_file * 10 >= size * 9,
        "the database file holds {in_file} of {size} bytes: the WAL was not checkpointed"
    );
}

#[test]
fn users_another_writer_adds_while_later_batches_are_planned_are_not_created_again() {
    // The next batch is planned while one is written; users another writer adds then (here
    // after the first commit, when the second batch may be planned already) must still stop
    // the rows that name them, in every later batch: a username differing only in case
    // (SQLite's unique index would let it through) and an e-mail (no unique index at all).
    let (dir, mut conn) = crate::db::test_db::migrated();
    let rows = 2 * BATCH_ROWS + 500;
    let late = |i: usize| i >= BATCH_ROWS;
    let (username_taken, email_taken) = (BATCH_ROWS + 7, 2 * BATCH_ROWS + 3);
    assert!(late(username_taken) && late(email_taken));
    let other = rusqlite::Connection::open(dir.path().join("roster.sqlite3")).unwrap();
    let mut commits = 0;
    let report = import_generated(&mut conn, rows, |_| {
        commits += 1;
        if commits == 2 {
            // After the first batch's commit (the first call is before any).
            crate::db::test_db::add_plain_users(
                &other,
                &[(900_001, &format!("USER{username_taken}"))],
            );
            other
                .execute(
                    "INSERT INTO auth_user (password, is_superuser, username, last_name, \
                         email, is_staff, is_active, date_joined, first_name) VALUES ('!', 0, \
                         'someone', '', ?1, 0, 1, '2026-01-01 00:00:00', '')",
                    [format!("user{email_taken}@example.com")],
                )
                .unwrap();
        }
    });
    assert!(commits > 3, "several batches: {commits}");
    let codes: Vec<(u64, &str)> = report
        .failures
        .iter()
        .map(|f| (f.line, f.code.as_str()))
        .collect();
    assert_eq!(
        codes,
        [
            (username_taken as u64 + 2, "duplicate_username"),
            (email_taken as u64 + 2, "duplicate_email")
        ]
    );
    assert_eq!(report.created, rows - 2);
    let count = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
    assert_eq!(
        count(&format!(
            "SELECT COUNT(*) FROM auth_user WHERE username = 'user{username_taken}' COLLATE NOCASE"
        )),
        1
    );
    assert_eq!(
        count(&format!(
            "SELECT COUNT(*) FROM auth_user WHERE email = 'user{email_taken}@example.com'"
        )),
        1
    );
}

#[test]
fn batches_hold_about_half_a_second_of_hashing_in_whole_rounds() {
    // Django's default iterations on a slow core: one round per batch, never less.
    assert_eq!(passwords_per_batch(0.4, 8), 8);
    assert_eq!(passwords_per_batch(10.0, 8), 8);
    // 10 ms a password, 8 at once: 6 rounds fit in half a second.
    assert_eq!(passwords_per_batch(0.010, 8), 48);
    // Cheap hashes: capped, still whole rounds.
    assert_eq!(passwords_per_batch(0.000_001, 8), 1024);
    assert_eq!(passwords_per_batch(0.0, 12), 1020);
    assert_eq!(passwords_per_batch(0.1, 0), 5);
}
