//! The pure import engine through its public API: every file-level rejection and row error code
//! over hostile fixtures (tests/fixtures/csv/, outcomes listed in expected.txt), the values that
//! get stored, reports, and password hygiene.

use std::collections::{BTreeSet, HashMap, HashSet};

use roster::import::plan::{DirectorySnapshot, NewUser, plan};
use roster::import::report::{error_report_csv, rejected_json};
use roster::import::{self, Column, ImportReport, ParsedFile, Plan, PlanRules, RowOutcome};
use serde_json::json;

const LIMIT: usize = 10_000;
const ROW_CODES: &str = "missing_required_field invalid_email invalid_username field_too_long \
    duplicate_username duplicate_email duplicate_in_file unknown_organizational_unit malformed_row \
    spreadsheet_date spreadsheet_boolean number_digits_lost leading_zeros_lost";
const FILE_CODES: &str = "encoding_error empty_file wrong_delimiter missing_columns \
    unknown_columns duplicate_columns no_rows unnamed_column too_many_rows malformed_csv \
    unreadable_spreadsheet";
/// Every password in row_errors.csv.
const PASSWORDS: [&str; 6] = [
    "s3cret-Ada!",
    "Gr4ce-pw",
    "Tur1ng-pw",
    "R00t-clash",
    "Unit-pw-10",
    "Many-pw",
];

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/csv/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Existing users `root`/`admin`, e-mail `root@example.com`, unit `Engineering` (id 7).
fn directory() -> DirectorySnapshot {
    DirectorySnapshot {
        usernames: HashSet::from(["root".to_string(), "admin".to_string()]),
        emails: HashSet::from(["root@example.com".to_string()]),
        organizational_units: HashMap::from([("engineering".to_string(), 7)]),
    }
}

fn parsed(bytes: &[u8]) -> ParsedFile {
    import::parse(bytes, LIMIT).unwrap_or_else(|e| panic!("rejected: {e}"))
}

fn planned(bytes: &[u8]) -> Plan {
    plan(&parsed(bytes), &directory(), &PlanRules::default())
}

/// A created user's stored values, as `= ` lines in expected.txt spell them.
fn render(u: &NewUser) -> String {
    let password = u.password.as_ref().map(|p| p.expose());
    let (ou, job) = (u.organizational_unit_id, &u.job_title);
    let (first, last, email, name) = (&u.first_name, &u.last_name, &u.email, &u.username);
    format!("{first:?} {last:?} {email:?} {name:?} {ou:?} {job:?} {password:?}")
}

/// `(line, code, column)`: line None for a file rejection, code "create" for a created row.
type Outcome = (Option<u64>, String, Option<String>);

/// Each outcome with its message (or, for a created row, its rendered user), and the
/// creatable count (None when the file is rejected).
fn run(
    bytes: &[u8],
    max_rows: usize,
    rules: &PlanRules,
) -> (Vec<(Outcome, String)>, Option<usize>) {
    let plan = match import::parse(bytes, max_rows) {
        Ok(file) => plan(&file, &directory(), rules),
        Err(e) => return (vec![((None, e.code.into(), None), e.message)], None),
    };
    let rows = plan.rows.iter().map(|row| {
        let (code, column, message) = match &row.outcome {
            RowOutcome::Create(user) => ("create", None, render(user)),
            RowOutcome::Fail(e) => (e.code.as_str(), e.column, e.message.clone()),
        };
        let outcome = (Some(row.line), code.to_string(), column.map(str::to_string));
        (outcome, message)
    });
    (rows.collect(), Some(plan.creatable()))
}

/// `(line, code)` per row.
fn outcomes(plan: &Plan) -> Vec<(u64, &'static str)> {
    let code = |o: &RowOutcome| match o {
        RowOutcome::Create(_) => "create",
        RowOutcome::Fail(e) => e.code.as_str(),
    };
    plan.rows
        .iter()
        .map(|r| (r.line, code(&r.outcome)))
        .collect()
}

struct Case {
    file: String,
    max_rows: usize,
    /// The block says `allow_weak_passwords`: plan as an import with that choice.
    allow_weak_passwords: bool,
    /// Each outcome with its `| fragment` / `= exact` checks.
    outcomes: Vec<(Outcome, Vec<String>)>,
    creatable: Option<usize>,
}

/// Reads tests/fixtures/csv/expected.txt (its header explains the format).
fn expectations() -> Vec<Case> {
    let text = String::from_utf8(fixture("expected.txt")).expect("UTF-8");
    let mut cases: Vec<Case> = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let bad = || -> ! { panic!("expected.txt:{}: cannot read {raw:?}", index + 1) };
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(head) = line.strip_prefix("== ") {
            let (head, allow_weak_passwords) = match head.strip_suffix(" allow_weak_passwords") {
                Some(head) => (head, true),
                None => (head, false),
            };
            let (file, max) = head.split_once(" max_rows=").unwrap_or((head, "10000"));
            let max_rows = max.parse().unwrap_or_else(|_| bad());
            let (file, outcomes, creatable) = (file.to_string(), Vec::new(), None);
            cases.push(Case {
                file,
                max_rows,
                allow_weak_passwords,
                outcomes,
                creatable,
            });
            continue;
        }
        let case = cases.last_mut().unwrap_or_else(|| bad());
        if line.starts_with("| ") || line.starts_with("= ") {
            let (_, checks) = case.outcomes.last_mut().unwrap_or_else(|| bad());
            checks.push(line.to_string());
        } else if let Some(count) = line.strip_prefix("creatable ") {
            case.creatable = Some(count.parse().unwrap_or_else(|_| bad()));
        } else {
            let words: Vec<&str> = line.split(' ').collect();
            let (line, code, column) = match words[..] {
                ["reject", code] => (None, code, None),
                [n, "create"] => (Some(n), "create", None),
                [n, code, "-"] => (Some(n), code, None),
                [n, code, column] => (Some(n), code, Some(column.to_string())),
                _ => bad(),
            };
            let line = line.map(|n| n.parse().unwrap_or_else(|_| bad()));
            case.outcomes
                .push(((line, code.to_string(), column), Vec::new()));
        }
    }
    cases
}

#[test]
fn fixture_table() {
    let cases = expectations();
    let mut problems = Vec::new();
    for case in &cases {
        let name = format!("{} (max_rows={})", case.file, case.max_rows);
        let rules = PlanRules {
            allow_weak_passwords: case.allow_weak_passwords,
            ..PlanRules::default()
        };
        let (got, creatable) = run(&fixture(&case.file), case.max_rows, &rules);
        let want: Vec<&Outcome> = case.outcomes.iter().map(|(o, _)| o).collect();
        if got.iter().map(|(o, _)| o).ne(want.iter().copied()) || creatable != case.creatable {
            problems.push(format!("{name}: got {got:#?}, creatable {creatable:?}"));
            continue;
        }
        for ((outcome, message), (_, checks)) in got.iter().zip(&case.outcomes) {
            for check in checks {
                let ok = match check.split_at(2) {
                    ("= ", exact) => message == exact,
                    (_, fragment) => message.contains(fragment),
                };
                if !ok {
                    problems.push(format!("{name} {outcome:?}: {check:?} vs {message:?}"));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));

    // The table keeps covering every fixture, every row code and every file-level code.
    let listed: BTreeSet<&str> = cases.iter().map(|c| c.file.as_str()).collect();
    let dir = format!("{}/tests/fixtures/csv", env!("CARGO_MANIFEST_DIR"));
    for entry in std::fs::read_dir(dir).expect("fixtures folder").flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        assert!(
            !name.ends_with(".csv") || listed.contains(&*name),
            "{name} unlisted"
        );
    }
    let seen: BTreeSet<&str> = cases
        .iter()
        .flat_map(|c| &c.outcomes)
        .map(|(o, _)| &*o.1)
        .collect();
    let all = ROW_CODES
        .split_whitespace()
        .chain(FILE_CODES.split_whitespace());
    let uncovered: Vec<&str> = all.filter(|c| !seen.contains(c)).collect();
    assert!(uncovered.is_empty(), "no fixture for {uncovered:?}");
}

#[test]
fn messages_escape_the_rtl_override() {
    let plan = planned(&fixture("unicode_usernames.csv"));
    let messages = plan.rows.iter().filter_map(|r| match &r.outcome {
        RowOutcome::Fail(e) => Some(&e.message),
        RowOutcome::Create(_) => None,
    });
    let messages: Vec<&String> = messages.collect();
    assert_eq!(messages.len(), 3);
    for message in messages {
        assert!(
            !message.contains('\u{202E}'),
            "raw RTL override in {message:?}"
        );
    }
}

#[test]
fn report_counts_and_json() {
    let report = ImportReport::from_plan(&planned(&fixture("row_errors.csv")));
    let counts = (report.rows_total, report.created, report.failed);
    assert_eq!(
        (counts, report.passwordless, report.import_id),
        ((12, 2, 10), 1, None)
    );
    let lines: Vec<u64> = report.failures.iter().map(|f| f.line).collect();
    assert_eq!(lines, [3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);

    let json = serde_json::to_value(report.to_json()).expect("serialisable");
    assert_eq!((&json["created"], &json["failed"]), (&json!(2), &json!(10)));
    let errors = json["errors"].as_array().expect("errors array");
    assert_eq!(errors.len(), 10);
    let first = json!({"line": 3, "username": "grace", "email": "grace@example.com",
        "code": "missing_required_field", "column": "first_name",
        "message": "Required field is empty: first_name. Fill in the value."});
    assert_eq!(errors[0], first);
    assert_eq!(
        (&errors[8]["line"], &errors[8]["column"]),
        (&json!(11), &json!(null))
    );
}

#[test]
fn rejected_json_has_no_line() {
    let error = import::parse(&fixture("comma_unknown_column.csv"), LIMIT).expect_err("comma file");
    let json = serde_json::to_value(rejected_json(&error)).expect("serialisable");
    let errors = json!([{"line": null, "username": null, "email": null,
        "code": "wrong_delimiter", "column": null, "message": error.message}]);
    assert_eq!(json, json!({"created": 0, "failed": 0, "errors": errors}));
}

#[test]
fn error_report_reimports_without_passwords() {
    let input = fixture("row_errors.csv");
    let input_text = String::from_utf8(input.clone()).expect("UTF-8");
    assert!(
        PASSWORDS
            .iter()
            .all(|p| input_text.contains(&format!(";{p}")))
    );
    let report = ImportReport::from_plan(&planned(&input));
    let csv = error_report_csv(&report.failures);
    assert!(csv.starts_with(b"\xef\xbb\xbffirst_name;last_name;email;username;"));
    let text = String::from_utf8(csv.clone()).expect("UTF-8");
    for password in PASSWORDS {
        assert!(!text.contains(password), "{password:?} leaked into {text}");
    }
    let alan = "invalid_email: \"\"alan@@example.com\"\" is not a valid e-mail";
    assert!(text.contains(";\"line 4") && text.contains(alan), "{text}");

    let again = parsed(&csv);
    assert_eq!(again.columns, Column::ALL, "the error column is ignored");
    assert!(again.rows.iter().all(|r| r.values.password.is_none()));
    let pair = |u: &str, e: &str| (u.to_string(), e.to_string());
    let back = again
        .rows
        .iter()
        .map(|r| pair(&r.values.person.username, &r.values.person.email));
    let sent = report
        .failures
        .iter()
        .map(|f| pair(&f.summary.person.username, &f.summary.person.email));
    let (back, sent): (Vec<_>, Vec<_>) = (back.collect(), sent.collect());
    assert_eq!(back, sent);
    assert_eq!(back[1], pair("alan", "alan@@example.com"));
}

#[test]
fn debug_output_redacts_passwords() {
    let input = fixture("row_errors.csv");
    let debug = format!("{:?}\n{:?}", parsed(&input), planned(&input));
    assert!(
        debug.contains("Secret(***)"),
        "the plan holds passwords to redact"
    );
    for password in PASSWORDS {
        assert!(!debug.contains(password), "{password} in Debug output");
    }
}

// Regressions: bugs found while writing these tests (fixed in the engine since).

#[test]
fn shifted_row_does_not_leak_password_into_report() {
    let input = b"first_name;last_name;email;username;password\nAnn;ann@example.com;ann;S3cret!\n";
    let report = ImportReport::from_plan(&planned(input));
    assert_eq!(report.failures[0].code, "malformed_row");
    let json = serde_json::to_string(&report.to_json()).expect("serialisable");
    let csv = String::from_utf8(error_report_csv(&report.failures)).expect("UTF-8");
    assert!(
        !json.contains("S3cret!") && !csv.contains("S3cret!"),
        "{json}\n{csv}"
    );
}

#[test]
fn lone_cr_line_numbers_are_physical() {
    let stray = b"first_name;last_name;email;username\nAda;L;a@example.com;ada\rBob;R;b@example.com;bob\nCy;R;c@example.com;cy\n";
    assert_eq!(
        outcomes(&planned(stray)),
        [(2, "create"), (3, "create"), (4, "create")]
    );
    // Old Mac "CSV (Macintosh)": CR between rows, LF inside a multi-line cell.
    let mac = b"first_name;last_name;email;username;job_title\rAda;L;a@example.com;ada;\"a\nb\"\rBob;R;b@example.com;bob;\r";
    assert_eq!(outcomes(&planned(mac)), [(2, "create"), (4, "create")]);
}

#[test]
fn windows_1252_hint_quotes_the_offending_character() {
    let mut bytes = "first_name;last_name;email;username\nM\u{fc}ller;X;m@example.com;m\n"
        .as_bytes()
        .to_vec();
    bytes.extend_from_slice(b"Jos\xe9;X;j@example.com;j\n");
    let err = import::parse(&bytes, LIMIT).expect_err("not UTF-8");
    assert!(
        err.message.contains("0xE9 on line 3") && !err.message.contains('\u{e9}'),
        "{err}"
    );
}

#[test]
fn comma_file_after_blank_line_is_named_comma_delimited() {
    let err = import::parse(
        b"\nfirst_name,last_name,email,username,notes\nA,B,a@example.com,ab,x\n",
        LIMIT,
    );
    assert_eq!(err.map_err(|e| e.code).err(), Some("wrong_delimiter"));
}

#[test]
fn trailing_empty_header_cell_does_not_break_rows() {
    let plan = planned(b"first_name;last_name;email;username;\nAda;L;a@example.com;ada\n");
    assert_eq!(outcomes(&plan), [(2, "create")]);
}

#[test]
fn unclosed_quote_is_explained() {
    let plan = planned(
        b"first_name;last_name;email;username\nA;B;a@example.com;\"ab\nC;D;c@example.com;cd\n",
    );
    let RowOutcome::Fail(error) = &plan.rows[0].outcome else {
        panic!("{plan:?}")
    };
    let message = &error.message;
    assert!(
        message.contains("quote") && !message.contains("a space"),
        "{message}"
    );
}
