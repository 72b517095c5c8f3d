//! Hostile input at scale, generated in memory (a million rows, megabyte fields and lines), every
//! fixture of tests/fixtures/csv/ committed into a real SQLite database and checked user by user,
//! the error report's formula neutralisation, and a deterministic mutation run that must not panic.

use std::fmt::Write as _;

use roster::db::Db;
use roster::db::import_store::SqliteImportStore;
use roster::import::plan::{DirectorySnapshot, Planner, plan};
use roster::import::report::error_report_csv;
use roster::import::service::{Choices, StreamedOutcome, import_streamed, tally};
use roster::import::{
    self, ImportContext, ImportReport, ImportSettings, ImportSource, PlanRules, RowOutcome,
};
use roster::mail::{CheckOutcome, Diagnosis};
use rusqlite::Connection;

/// Every fixture committed into a real database, user by user.
#[path = "hostile/commit.rs"]
mod commit;

const ITERATIONS: u32 = 1000;
const MILLION: usize = 1_000_000;
const MB: usize = 1024 * 1024;

fn fixtures() -> Vec<(String, Vec<u8>)> {
    let dir = format!("{}/tests/fixtures/csv", env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .expect("fixtures folder")
        .flatten()
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".csv"))
        .map(|name| {
            let bytes = std::fs::read(format!("{dir}/{name}")).expect("readable fixture");
            (name, bytes)
        })
        .collect();
    files.sort();
    files
}

/// `rows` valid users, one per line, with a password each (so no mail check is needed).
fn generated_rows(rows: usize) -> Vec<u8> {
    let mut text = String::with_capacity(rows * 64);
    text.push_str("first_name;last_name;email;username;organizational_unit;job_title;password\n");
    for i in 0..rows {
        let row =
            format_args!("First{i};Last{i};user{i}@example.com;user{i};;Tester;Quay-lantern-{i}\n");
        text.write_fmt(row).expect("writing to a String");
    }
    text.into_bytes()
}

/// A file whose one data row holds `value` in `column` (no newline after it).
fn one_row_with(column: &str, value: &str) -> Vec<u8> {
    let mut cells = ["Ada", "Lovelace", "ada@example.com", "ada", "", "", ""].map(String::from);
    let names = [
        "first_name",
        "last_name",
        "email",
        "username",
        "organizational_unit",
        "job_title",
        "password",
    ];
    let index = names
        .iter()
        .position(|n| *n == column)
        .expect("known column");
    cells[index] = value.to_string();
    format!("{}\n{}", names.join(";"), cells.join(";")).into_bytes()
}

fn mail_ok() -> CheckOutcome {
    CheckOutcome {
        diagnosis: Diagnosis::Ok,
        message: "The mail server works.".to_string(),
        server: "test".to_string(),
    }
}

fn settings(max_rows: usize) -> ImportSettings {
    ImportSettings {
        max_rows,
        pbkdf2_iterations: ITERATIONS,
    }
}

fn context() -> ImportContext {
    ImportContext::new(None, "test".into(), ImportSource::Cli, "hostile.csv".into())
}

/// A migrated database in `dir` with the users `root` (root@example.com) and `admin`, and the
/// unit "Engineering": the directory expected.txt plans against.
fn seeded_db(dir: &std::path::Path) -> Connection {
    let db = Db::new(dir.join("roster.sqlite3"));
    db.migrate().expect("migrate");
    let conn = db.connect().expect("connect");
    let (hash, now) = ("!unusable", roster::db::now_text());
    for (name, email) in [("root", "root@example.com"), ("admin", "")] {
        roster::db::users::insert_superuser(&conn, name, email, hash, &now).expect("seed user");
    }
    roster::db::ous::add(&conn, "Engineering", &now).expect("seed unit");
    conn
}

fn count(conn: &Connection, sql: &str) -> i64 {
    conn.query_row(sql, [], |row| row.get(0)).expect(sql)
}

#[test]
fn a_million_rows_are_refused_by_the_default_limit() {
    let bytes = generated_rows(MILLION);
    let error = import::parse(&bytes, 10_000).expect_err("over the limit");
    assert_eq!(error.code, "too_many_rows");
    assert!(
        error.message.contains("more than 10000 rows")
            && error.message.contains("files of at most 10000 rows"),
        "{error}"
    );
    // The streaming pass the CLI and the API use stops the same way.
    let text = import::decode::decode(&bytes).expect("UTF-8");
    let policy = PlanRules::default();
    let error = tally(
        &text,
        10_000,
        Planner::new(DirectorySnapshot::default(), policy),
        true,
    )
    .expect_err("limit");
    assert_eq!(error.code, "too_many_rows");
}

#[test]
fn a_million_rows_stream_through_a_dry_run() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut conn = seeded_db(dir.path());
    let never = || -> CheckOutcome { panic!("every row has a password: no mail check") };
    let outcome = import_streamed(
        &mut SqliteImportStore::new(&mut conn),
        generated_rows(MILLION),
        context(),
        Choices::default(),
        true,
        &settings(MILLION),
        never,
        |_| {},
        None,
    )
    .expect("database");
    let StreamedOutcome::Processed { report, .. } = outcome else {
        panic!("rejected: {outcome:?}");
    };
    assert_eq!(
        (report.rows_total, report.created, report.failed),
        (MILLION, MILLION, 0)
    );
    assert_eq!(
        count(&conn, "SELECT COUNT(*) FROM auth_user"),
        2,
        "a dry run writes nothing"
    );
}

#[test]
fn megabyte_fields_are_too_long_not_fatal() {
    let huge = "x".repeat(5 * MB);
    for column in ["first_name", "job_title", "password", "username", "email"] {
        let file = import::parse(&one_row_with(column, &huge), 10).expect("row-level problem");
        let plan = plan(&file, &DirectorySnapshot::default(), &PlanRules::default());
        let RowOutcome::Fail(error) = &plan.rows[0].outcome else {
            panic!("{column}: created")
        };
        assert_eq!(
            (error.code.as_str(), error.column),
            ("field_too_long", Some(column))
        );
        assert!(
            error.message.contains("has 5242880 characters"),
            "{}",
            error.message
        );
        assert!(
            error.message.len() < 200,
            "{column}: the value is not echoed"
        );
    }
}

#[test]
fn a_20_megabyte_line_without_newline_gets_a_short_clear_error() {
    // One data row whose job title runs to the end of the file.
    let line = "y".repeat(20 * MB);
    let file = import::parse(&one_row_with("job_title", &line), 10).expect("row-level problem");
    let plan = plan(&file, &DirectorySnapshot::default(), &PlanRules::default());
    assert!(matches!(&plan.rows[0].outcome,
        RowOutcome::Fail(e) if e.code.as_str() == "field_too_long" && e.column == Some("job_title")));

    // The same line as a quoted value never closed: the file ends inside it.
    let open = one_row_with("job_title", &format!("\"{line}"));
    let plan = plan_of(&open);
    let RowOutcome::Fail(error) = &plan.rows[0].outcome else {
        panic!("created")
    };
    assert_eq!(error.code.as_str(), "malformed_row");
    assert!(
        error.message.contains("the file ends inside it"),
        "{}",
        error.message
    );

    // A 20 MB row of ten million short values.
    let fields = format!(
        "first_name;last_name;email;username\n{}",
        "a;".repeat(10 * MB)
    );
    let fields = fields.into_bytes();
    let RowOutcome::Fail(error) = &plan_of(&fields).rows[0].outcome else {
        panic!("created")
    };
    let want = "Too many fields: line 2 has a value in field 5 but the header has only 4 columns.";
    assert!(error.message.starts_with(want), "{}", error.message);

    // The whole file one 20 MB line: the header. Its text is quoted only in part.
    for header in [
        format!("{line};email"),
        format!("sep={line}"),
        format!("<{line}"),
    ] {
        let error = import::parse(header.as_bytes(), 10).expect_err("no usable header");
        assert!(
            error.message.len() < 700,
            "{}: {} bytes",
            error.code,
            error.message.len()
        );
        assert!(error.message.contains("yyyy…"), "{}", error.message);
    }
}

fn plan_of(bytes: &[u8]) -> roster::import::Plan {
    let file = import::parse(bytes, 10).unwrap_or_else(|e| panic!("rejected: {e}"));
    plan(&file, &DirectorySnapshot::default(), &PlanRules::default())
}

/// Each formula-like cell of formula_values.csv comes back in the error report with a leading
/// `'`, and uploading the report restores the value exactly.
#[test]
fn the_error_report_neutralises_formulas_and_reimports_them_exactly() {
    let (_, bytes) = fixtures()
        .into_iter()
        .find(|(name, _)| name == "formula_values.csv")
        .expect("fixture");
    let file = import::parse(&bytes, 10).expect("parses");
    // Every username exists already, so every row is reported.
    let taken = ["link", "plus", "minus", "at", "apostrophe", "bad"];
    let directory = DirectorySnapshot {
        usernames: taken.map(String::from).into(),
        ..DirectorySnapshot::default()
    };
    let report = ImportReport::from_plan(&plan(&file, &directory, &PlanRules::default()));
    assert_eq!(report.failed, 6);
    let csv = error_report_csv(&report.failures);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(&csv[3..]);
    let mut formulas = 0;
    for (record, failure) in reader.records().zip(&report.failures) {
        let record = record.expect("report row");
        let s = &failure.summary.person;
        let values = [
            &s.first_name,
            &s.last_name,
            &s.email,
            &s.username,
            &s.job_title,
        ];
        for (cell, value) in [0, 1, 2, 3, 5].map(|i| &record[i]).into_iter().zip(values) {
            if value.starts_with(['=', '+', '-', '@']) {
                assert_eq!(cell, format!("'{value}"));
                formulas += 1;
            } else {
                assert_eq!(cell, value);
            }
        }
    }
    assert_eq!(formulas, 9, "every payload was checked");
    let again = import::parse(&csv, 10).expect("the report imports");
    let back: Vec<_> = again.rows.iter().map(|r| &r.values).collect();
    let sent: Vec<_> = file.rows.iter().map(|r| &r.values).collect();
    assert_eq!(
        back, sent,
        "values come back exactly (no passwords in either)"
    );
}

/// Small random edits (quotes, delimiters, line ends, broken UTF-8) to every fixture: reading and
/// planning never panics, rows come in physical-line order, and both passes agree.
#[test]
fn mutated_fixtures_never_panic_and_keep_lines_in_order() {
    let mut state = 0x2545_F491_4F6C_DD1D_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state as usize
    };
    let inserts: [&[u8]; 8] = [
        b"\"",
        b";",
        b"\r",
        b"\n",
        b"\r\n",
        b"\"\"",
        b"\xc3",
        b"\xe2\x80\xae",
    ];
    let policy = PlanRules::default();
    let mut planned = 0;
    for (name, original) in fixtures() {
        for round in 0..150 {
            let mut bytes = original.clone();
            for _ in 0..1 + next() % 3 {
                let at = next() % (bytes.len() + 1);
                if next() % 3 == 0 && at < bytes.len() {
                    bytes.remove(at);
                } else {
                    let insert = inserts[next() % inserts.len()];
                    bytes.splice(at..at, insert.iter().copied());
                }
            }
            let Ok(file) = import::parse(&bytes, 10_000) else {
                continue;
            };
            let text = import::decode::decode(&bytes).expect("parsed, so decodable");
            let last_line = 1 + text.matches('\n').count() + text.matches('\r').count()
                - text.matches("\r\n").count();
            let plan = plan(&file, &DirectorySnapshot::default(), &policy);
            let lines: Vec<u64> = plan.rows.iter().map(|r| r.line).collect();
            let ordered = lines.windows(2).all(|w| w[0] < w[1]);
            let in_file = lines.iter().all(|&l| (2..=last_line as u64).contains(&l));
            assert!(
                ordered && in_file,
                "{name} round {round}: lines {lines:?} of {last_line}"
            );
            let counted = tally(
                &text,
                10_000,
                Planner::new(DirectorySnapshot::default(), policy.clone()),
                true,
            )
            .unwrap_or_else(|e| panic!("{name} round {round}: stream rejected: {e}"));
            let counts = (counted.rows_total, counted.creatable);
            assert_eq!(
                counts,
                (plan.rows_total(), plan.creatable()),
                "{name} round {round}"
            );
            planned += 1;
        }
    }
    assert!(planned > 1000, "only {planned} mutated files were readable");
}

#[test]
fn a_tally_before_a_commit_decides_the_mail_gate_like_a_full_one() {
    use roster::import::PasswordlessPolicy;
    let header = "first_name;last_name;email;username;organizational_unit;job_title;password\n";
    let files = [
        // The first row without a password fails (a duplicate), the third is created.
        "A;A;a@example.com;a;;;pw-a-Xq7-lantern\nB;B;b@example.com;a;;;\nC;C;c@example.com;c;;;\n",
        // Every row has a password: nothing for the gate, whatever the row count.
        "A;A;a@example.com;a;;;pw-a-Xq7-lantern\nB;B;b@example.com;b;;;pw-b-Xq7-lantern\n",
        // The only row without a password fails on its own.
        "A;A;a@example.com;a;;;pw-a-Xq7-lantern\nB;B;not-an-address;b;;;\n",
        "A;A;a@example.com;a;;;\nB;B;b@example.com;b;;;\nC;C;c@example.com;c;;;\n",
    ];
    let allowed = PlanRules::default();
    let refused = PlanRules {
        passwordless: PasswordlessPolicy::Refused {
            reason: "mail is not configured".into(),
        },
        ..PlanRules::default()
    };
    for body in files {
        let text = format!("{header}{body}");
        let directory = DirectorySnapshot::default();
        for rules in [&allowed, &refused] {
            let full = tally(
                &text,
                10_000,
                Planner::new(directory.clone(), rules.clone()),
                true,
            )
            .unwrap();
            let for_commit = tally(
                &text,
                10_000,
                Planner::new(directory.clone(), rules.clone()),
                false,
            )
            .unwrap();
            assert_eq!(for_commit.rows_total, full.rows_total, "{body}");
            if rules == &allowed {
                assert_eq!(for_commit.passwordless > 0, full.passwordless > 0, "{body}");
            }
        }
    }
    // A file problem rejects the file whatever was planned before it.
    let too_many = format!("{header}A;A;a@example.com;a;;;\nB;B;b@example.com;b;;;\n");
    assert!(
        tally(
            &too_many,
            1,
            Planner::new(DirectorySnapshot::default(), allowed),
            false
        )
        .is_err()
    );
}
