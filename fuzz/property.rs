//! The import engine's fuzz property, shared by the cargo-fuzz target and `tests/fuzz_corpus.rs`:
//! any bytes give a clear rejection or a report, and preview, dry run and commit agree on it.

use std::path::PathBuf;

use roster::db::Db;
use roster::db::import_store::SqliteImportStore;
use roster::import::decode::decode;
use roster::import::report::error_report_csv;
use roster::import::service::{
    Choices, Prepared, Source, StreamedOutcome, import_streamed, prepare,
};
use roster::import::{
    FileError, ImportContext, ImportReport, ImportSettings, ImportSource, ParsedFile,
};
use roster::mail::{CheckOutcome, Diagnosis};
use rusqlite::Connection;

/// Small enough that an input stays quick, large enough for many rows.
const MAX_ROWS: usize = 200;
const SETTINGS: ImportSettings = ImportSettings {
    max_rows: MAX_ROWS,
    pbkdf2_iterations: 1,
};
/// A migrated database copied afresh for every input, so inputs never see each other's users.
pub struct Engine {
    /// The migrated database file's bytes. Written with `write_all`, which retries when a signal
    /// interrupts it (libFuzzer's timer does); `fs::copy` gives up with EINTR.
    template: Vec<u8>,
    work: PathBuf,
    _dir: tempfile::TempDir,
}

impl Engine {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let template = dir.path().join("template.sqlite3");
        Db::new(&template).migrate().expect("migrate the template");
        let conn = Connection::open(&template).expect("open the template");
        conn.execute_batch(
            "INSERT INTO roster_organizational_unit (name, created_at) VALUES ('Engineering', '2026-01-01 00:00:00');
             PRAGMA wal_checkpoint(TRUNCATE);",
        )
        .expect("seed the template");
        drop(conn);
        let template = std::fs::read(&template).expect("read the template");
        let work = dir.path().join("work.sqlite3");
        Self {
            template,
            work,
            _dir: dir,
        }
    }

    fn fresh_database(&self) -> Connection {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", self.work.display()));
        }
        std::fs::write(&self.work, &self.template).expect("write the copy");
        Db::new(&self.work).connect().expect("open the copy")
    }

    /// Runs `data` through every path an upload can take and panics on any disagreement.
    pub fn exercise(&self, data: &[u8]) {
        let mut conn = self.fresh_database();
        // Half the inputs see a working mail server, half a broken one.
        let mail_works = data.len().is_multiple_of(2);
        // The web's preview, made before anything is written.
        let previewed =
            prepare::<ParsedFile>(&conn, data.to_vec(), MAX_ROWS, Choices::default(), || {
                mail_check(mail_works)
            })
            .expect("preview");
        let dry = streamed(&mut conn, data, true, mail_works);
        let committed = streamed(&mut conn, data, false, mail_works);
        let preview = match previewed {
            Prepared::Rejected(rejection) => {
                check_rejection(&rejection);
                for outcome in [&dry, &committed] {
                    let StreamedOutcome::Rejected(refused) = outcome else {
                        panic!("the CLI accepted a refused file: {outcome:?}");
                    };
                    assert_eq!(
                        refused.code, rejection.code,
                        "preview and CLI refuse differently"
                    );
                }
                assert_eq!(count(&conn, "SELECT COUNT(*) FROM auth_user"), 0);
                return;
            }
            Prepared::Ready { planned, .. } => ParsedFile::report(planned),
        };
        let (dry, committed) = match (dry, committed) {
            (
                StreamedOutcome::Processed { report: dry, .. },
                StreamedOutcome::Processed {
                    report: committed, ..
                },
            ) => (dry, committed),
            (dry, committed) => panic!("preview accepted, CLI refused: {dry:?} / {committed:?}"),
        };
        assert_same(&preview, &dry, "preview and dry run");
        assert_same(&preview, &committed, "preview and commit");
        let text = decode(data).expect("the preview read it, so it decodes");
        let line_ends = text.bytes().filter(|b| matches!(b, b'\n' | b'\r')).count();
        check_report(&committed, line_ends as u64 + 1);
        check_database(&conn, &committed);
    }
}

/// The CLI's and the API's import of `data`.
fn streamed(
    conn: &mut Connection,
    data: &[u8],
    dry_run: bool,
    mail_works: bool,
) -> StreamedOutcome {
    import_streamed(
        &mut SqliteImportStore::new(conn),
        data.to_vec(),
        context(),
        Choices::default(),
        dry_run,
        &SETTINGS,
        || mail_check(mail_works),
        |_| {},
        None,
    )
    .expect("database")
}

impl Default for Engine {
    fn default() -> Self {
        Self::new()
    }
}

fn context() -> ImportContext {
    ImportContext::new(None, "fuzz".into(), ImportSource::Cli, "fuzz.csv".into())
}

fn mail_check(works: bool) -> CheckOutcome {
    CheckOutcome {
        diagnosis: if works {
            Diagnosis::Ok
        } else {
            Diagnosis::ConnectionRefused
        },
        message: "The fuzz mail server".into(),
        server: "127.0.0.1:1 (plain)".into(),
    }
}

fn check_rejection(rejection: &FileError) {
    let snake = |c: char| c.is_ascii_lowercase() || c == '_';
    assert!(rejection.code.chars().all(snake), "{}", rejection.code);
    assert!(
        !rejection.message.trim().is_empty(),
        "{}: empty",
        rejection.code
    );
}

fn failures(report: &ImportReport) -> Vec<(u64, &str, Option<&str>)> {
    let rows = report.failures.iter();
    rows.map(|r| (r.line, r.code.as_str(), r.column.as_deref()))
        .collect()
}

fn assert_same(expected: &ImportReport, actual: &ImportReport, what: &str) {
    let counts = |r: &ImportReport| (r.rows_total, r.created, r.failed, r.passwordless);
    assert_eq!(counts(expected), counts(actual), "{what}: counts differ");
    assert_eq!(
        failures(expected),
        failures(actual),
        "{what}: failures differ"
    );
}

/// Every failure names a real line and says why; the error report is formula-safe.
fn check_report(report: &ImportReport, last_line: u64) {
    assert_eq!(report.rows_total, report.created + report.failed);
    assert_eq!(report.failed, report.failures.len());
    for row in &report.failures {
        assert!((2..=last_line).contains(&row.line), "line {}", row.line);
        assert!(
            !row.message.trim().is_empty(),
            "{}: empty message",
            row.code
        );
    }
    serde_json::to_string(&report.to_json()).expect("the JSON report serialises");
    let csv = error_report_csv(&report.failures);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(&csv[3..]);
    let mut rows = 0;
    for record in reader.records() {
        let record = record.expect("the error report is valid CSV");
        assert_eq!(
            record.get(6),
            Some(""),
            "a password cell in the error report"
        );
        for cell in &record {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "{cell:?}"
            );
        }
        rows += 1;
    }
    assert_eq!(rows, report.failures.len());
}

/// Exactly the reported users exist, each one whole.
fn check_database(conn: &Connection, report: &ImportReport) {
    let created = report.created as i64;
    assert_eq!(count(conn, "SELECT COUNT(*) FROM auth_user"), created);
    let whole = "SELECT COUNT(*) FROM auth_user WHERE username <> '' AND email <> '' \
        AND is_active = 1 AND date_joined <> '' \
        AND (password LIKE 'pbkdf2_sha256$1$%' OR password LIKE '!%')";
    assert_eq!(count(conn, whole), created, "an incomplete user row");
    let grouped = "SELECT COUNT(DISTINCT user_id) FROM auth_user_groups";
    assert_eq!(
        count(conn, grouped),
        created,
        "a user outside the default group"
    );
    let unusable = "SELECT COUNT(*) FROM auth_user WHERE password LIKE '!%'";
    assert_eq!(count(conn, unusable), report.passwordless as i64);
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("integrity_check");
    assert_eq!(integrity, "ok");
}

fn count(conn: &Connection, sql: &str) -> i64 {
    conn.query_row(sql, [], |r| r.get(0)).expect(sql)
}
