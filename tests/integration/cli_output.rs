//! The command line's output when standard output is closed early (`roster … | head`): a clear error, no panic.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use crate::helpers::*;

/// Runs roster with its standard output a pipe whose read end was closed before it started.
fn roster_into_closed_pipe(db: &Path, args: &[&str]) -> Output {
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    Command::new(env!("CARGO_BIN_EXE_roster"))
        .args(args)
        .env("ROSTER_DATABASE", db)
        .env("ROSTER_PBKDF2_ITERATIONS", TEST_ITERATIONS.to_string())
        .stdin(Stdio::null())
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .expect("run roster")
}

fn stderr_of(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn assert_clean_failure(out: &Output) {
    let stderr = stderr_of(out);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("standard output"), "{stderr}");
}

#[test]
fn sample_csv_into_a_closed_pipe_fails_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let out = roster_into_closed_pipe(&dir.path().join("roster.sqlite3"), &["sample-csv"]);
    assert_clean_failure(&out);
}

#[test]
fn an_import_whose_report_cannot_be_written_says_the_import_finished() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("roster.sqlite3");
    let file = dir.path().join("users.csv");
    std::fs::write(
        &file,
        format!("{HEADER}\nAda;Lovelace;ada@example.com;ada;;;Tall-Maple-pw-a\n"),
    )
    .unwrap();
    for json in [true, false] {
        let mut args = vec!["import", file.to_str().unwrap()];
        if json {
            args.push("--json");
        }
        let out = roster_into_closed_pipe(&db, &args);
        assert_clean_failure(&out);
        assert!(
            stderr_of(&out).contains("The import finished"),
            "{}",
            stderr_of(&out)
        );
    }
    let listed = roster(&db, &["import", file.to_str().unwrap(), "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    assert_eq!(json["errors"][0]["code"], "duplicate_username");
}

#[test]
fn a_token_that_cannot_be_shown_is_named_for_revoking_and_never_printed_to_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("roster.sqlite3");
    assert!(roster(&db, &["migrate"]).status.success());
    let out = roster_into_closed_pipe(&db, &["token", "create", "payroll"]);
    assert_clean_failure(&out);
    let stderr = stderr_of(&out);
    assert!(stderr.contains("roster token revoke 'payroll'"), "{stderr}");
    assert!(
        !stderr.contains("rst_"),
        "the token itself must not appear: {stderr}"
    );
    let list = roster(&db, &["token", "list"]);
    assert!(String::from_utf8_lossy(&list.stdout).contains("payroll\tactive"));
}

#[test]
fn an_error_report_that_cannot_be_written_says_the_import_finished() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("roster.sqlite3");
    let file = dir.path().join("users.csv");
    std::fs::write(
        &file,
        format!("{HEADER}\nAda;Lovelace;ada@example.com;ada;;;Tall-Maple-pw-a\nBad;Row;not-an-email;bad;;;Tall-Maple-pw-b\n"),
    )
    .unwrap();
    let report = dir.path().join("no-such-folder").join("errors.csv");
    let out = roster(
        &db,
        &[
            "import",
            file.to_str().unwrap(),
            "--error-report",
            report.to_str().unwrap(),
        ],
    );
    let stderr = stderr_of(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(
            "The import finished (2 rows, 1 failed) but its error report could not be written"
        ),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    let again = roster(&db, &["import", file.to_str().unwrap(), "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(
        json["errors"][0]["code"], "duplicate_username",
        "ada was created"
    );
}
