//! The pure import engine through its public API: file-level rejections, every row error code,
//! hostile CSV fixtures (tests/fixtures/csv/), reports and password hygiene.

use std::collections::{HashMap, HashSet};

use roster::import::plan::{DirectorySnapshot, NewUser, plan};
use roster::import::report::{error_report_csv, rejected_json};
use roster::import::{self, FileError, ImportReport, ParsedFile, Plan, RowError, RowOutcome};

const HEADER: &str = "first_name;last_name;email;username;organizational_unit;job_title;password";
const LIMIT: usize = 10_000;

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
    plan(&parsed(bytes), &directory())
}

/// `(line, code)` per row, `"create"` for rows that will be created.
fn outcomes(plan: &Plan) -> Vec<(u64, &'static str)> {
    let code = |o: &RowOutcome| match o {
        RowOutcome::Create(_) => "create",
        RowOutcome::Fail(e) => e.code.as_str(),
    };
    plan.rows.iter().map(|r| (r.line, code(&r.outcome))).collect()
}

fn created(plan: &Plan, line: u64) -> &NewUser {
    match plan.rows.iter().find(|r| r.line == line).map(|r| &r.outcome) {
        Some(RowOutcome::Create(user)) => user,
        other => panic!("line {line}: expected Create, got {other:?}"),
    }
}

fn failure(plan: &Plan, line: u64) -> &RowError {
    match plan.rows.iter().find(|r| r.line == line).map(|r| &r.outcome) {
        Some(RowOutcome::Fail(error)) => error,
        other => panic!("line {line}: expected Fail, got {other:?}"),
    }
}

fn utf16(text: &str, little_endian: bool, bom: bool) -> Vec<u8> {
    let units = bom.then_some(0xFEFF).into_iter().chain(text.encode_utf16());
    let to_bytes = |u: u16| if little_endian { u.to_le_bytes() } else { u.to_be_bytes() };
    units.flat_map(to_bytes).collect()
}

/// The first bytes of a real .xlsx (zip local header + `[Content_Types].xml`) and deflated noise.
fn fake_xlsx() -> Vec<u8> {
    let mut bytes = b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00b\xee\x9dh^\x01\x00\x00\
        \x90\x04\x00\x00\x13\x00\x08\x02[Content_Types].xml \xa2\x04\x02(\xa0\x00\x02"
        .to_vec();
    bytes.extend((1..=200u8).map(|b| b.wrapping_mul(37) | 1));
    bytes
}

/// Hostile usernames and Django's length limits, one row each (lines 2..=11).
fn unicode_and_lengths() -> Vec<u8> {
    let a = |n| "a".repeat(n);
    let rows = [
        "Emo;Ji;emoji@example.com;emoji\u{1F600};;;".to_string(),
        "Comb;Ining;comb@example.com;x\u{301};;;".to_string(),
        "Rtl;Override;rtl@example.com;abc\u{202E}gpj;;;".to_string(),
        "Homo;Glyph;homoglyph@example.com;\u{430}dmin;;;".to_string(), // Cyrillic а: a letter
        format!("{};Long;first@example.com;longfirst;;;", a(151)),
        format!("Long;Email;{}@example.com;longmail;;;", a(243)), // 255 characters
        format!("Long;User;user@example.com;{};;;", a(151)),
        format!("Max;User;max@example.com;{};;;", a(150)),
        format!("{};Max;maxfirst@example.com;maxfirst;;;", a(150)),
        format!("Max;Email;{}@example.com;maxmail;;;", a(242)), // 254 characters
    ];
    format!("{HEADER}\n{}\n", rows.join("\n")).into_bytes()
}

enum Expect {
    /// File-level code and fragments its message must contain.
    Reject(&'static str, &'static [&'static str]),
    /// `(line, code)` of every row, and how many rows are creatable.
    Rows(&'static [(u64, &'static str)], usize),
}

#[test]
fn fixture_table() {
    use Expect::{Reject, Rows};
    let windows_1252 = b"first_name;last_name;email;username\r\nJos\xe9;Garc\xeda;jose@example.com;jose\r\n";
    let utf16_text = "first_name;last_name;email;username\r\nJos\u{e9};Garc\u{ed}a;j@example.com;j\r\n";
    let nul = b"first_name;last_name;email;username\nA\x00da;Lovelace;ada@example.com;ada\n";
    let cases: Vec<(&str, Vec<u8>, usize, Expect)> = vec![
        ("windows-1252 (Excel ANSI)", windows_1252.to_vec(), LIMIT,
            Reject("encoding_error", &["Windows-1252", "0xE9 on line 2", "\"\u{e9}\"", "CSV UTF-8"])),
        ("utf-16le with BOM", utf16(utf16_text, true, true), LIMIT,
            Reject("encoding_error", &["UTF-16", "CSV UTF-8"])),
        ("utf-16be with BOM", utf16(utf16_text, false, true), LIMIT,
            Reject("encoding_error", &["UTF-16", "CSV UTF-8"])),
        ("utf-16le without BOM", utf16(utf16_text, true, false), LIMIT,
            Reject("encoding_error", &["UTF-16 without a byte order mark", "CSV UTF-8"])),
        ("NUL byte", nul.to_vec(), LIMIT, Reject("encoding_error", &["NUL byte on line 2"])),
        ("fake xlsx", fake_xlsx(), LIMIT,
            Reject("encoding_error", &["NUL byte", ".xlsx", "Export the sheet as CSV"])),
        ("empty", Vec::new(), LIMIT, Reject("empty_file", &["sample CSV"])),
        ("BOM and blank lines", b"\xef\xbb\xbf\r\n \r\n".to_vec(), LIMIT, Reject("empty_file", &[])),
        ("comma.csv", fixture("comma.csv"), LIMIT,
            Reject("wrong_delimiter", &["comma-delimited", "\";\" as the field delimiter"])),
        ("tab.csv", fixture("tab.csv"), LIMIT, Reject("wrong_delimiter", &["tab-delimited"])),
        ("sep_comma.csv", fixture("sep_comma.csv"), LIMIT,
            Reject("wrong_delimiter", &["sep=,", "\";\" as the field delimiter"])),
        ("missing_columns.csv", fixture("missing_columns.csv"), LIMIT,
            Reject("missing_columns", &["missing required columns: email, username."])),
        ("unknown_columns.csv", fixture("unknown_columns.csv"), LIMIT, Reject("unknown_columns", &[
            "\"First Name\" (did you mean \"first_name\"?)",
            "\"e-mail\" (did you mean \"email\"?)",
            "\"Department\". Allowed columns are first_name, last_name, email, username,",
        ])),
        ("duplicate_columns.csv", fixture("duplicate_columns.csv"), LIMIT,
            Reject("duplicate_columns", &["more than once: email.", "Keep one"])),
        ("header_only.csv", fixture("header_only.csv"), LIMIT,
            Reject("no_rows", &["Add one line per user"])),
        ("unnamed_column.csv", fixture("unnamed_column.csv"), LIMIT,
            Reject("unnamed_column", &["Line 3 has a value in column 5", "Name it or delete"])),
        ("hostile_values.csv over the limit", fixture("hostile_values.csv"), 4,
            Reject("too_many_rows", &["more than 4 rows", "at most 4 rows"])),
        ("hostile_values.csv at the limit", fixture("hostile_values.csv"), 5,
            Rows(&[(2, "create"), (3, "create"), (7, "create"), (8, "create"), (9, "create")], 5)),
        ("sep_semicolon.csv", fixture("sep_semicolon.csv"), LIMIT,
            Rows(&[(3, "create"), (4, "create")], 2)),
        ("bom_crlf.csv", fixture("bom_crlf.csv"), LIMIT,
            Rows(&[(2, "create"), (4, "create"), (5, "invalid_email")], 2)),
        ("cr_only.csv", fixture("cr_only.csv"), LIMIT,
            Rows(&[(2, "create"), (3, "create"), (4, "malformed_row")], 2)),
        ("row_errors.csv", fixture("row_errors.csv"), LIMIT, Rows(&[
            (2, "create"), (3, "missing_required_field"), (4, "invalid_email"),
            (5, "invalid_username"), (6, "duplicate_username"), (7, "duplicate_email"),
            (8, "duplicate_in_file"), (9, "duplicate_in_file"), (10, "unknown_organizational_unit"),
            (11, "malformed_row"), (12, "malformed_row"), (13, "create"),
        ], 2)),
        ("unicode and lengths", unicode_and_lengths(), LIMIT, Rows(&[
            (2, "invalid_username"), (3, "invalid_username"), (4, "invalid_username"),
            (5, "create"), (6, "field_too_long"), (7, "field_too_long"), (8, "field_too_long"),
            (9, "create"), (10, "create"), (11, "create"),
        ], 4)),
    ];
    let mut problems = Vec::new();
    for (name, bytes, max_rows, expect) in &cases {
        match (import::parse(bytes, *max_rows), expect) {
            (Err(err), Reject(code, needles)) => {
                let missing: Vec<_> = needles.iter().filter(|n| !err.message.contains(**n)).collect();
                if err.code != *code || !missing.is_empty() {
                    problems.push(format!("{name}: want {code} with {missing:?}, got {err}"));
                }
            }
            (Ok(file), Rows(rows, creatable)) => {
                let plan = plan(&file, &directory());
                if outcomes(&plan) != *rows || plan.creatable() != *creatable {
                    let got = (outcomes(&plan), plan.creatable());
                    problems.push(format!("{name}: want {rows:?} ({creatable}), got {got:?}"));
                }
            }
            (Err(err), Rows(..)) => problems.push(format!("{name}: unexpectedly rejected: {err}")),
            (Ok(_), Reject(code, _)) => problems.push(format!("{name}: accepted, want {code}")),
        }
    }
    assert!(problems.is_empty(), "{} of {} cases:\n{}", problems.len(), cases.len(), problems.join("\n"));
}

#[test]
fn row_errors_name_column_and_fix() {
    let plan = planned(&fixture("row_errors.csv"));
    let expect: [(u64, Option<&str>, &[&str]); 10] = [
        (3, Some("first_name"), &["Required field is empty: first_name.", "Fill in the value"]),
        (4, Some("email"), &["\"alan@@example.com\" is not a valid e-mail", "Check for typos"]),
        (5, Some("username"), &["\"john smith\"", "a space at position 5", "Use only letters"]),
        (6, Some("username"), &["\"ROOT\" already exists", "pick another username"]),
        (7, Some("email"), &["\"ROOT@example.com\" already exists", "use another address"]),
        (8, Some("username"), &["\"ADA\" already appears on line 2", "line 8 is skipped"]),
        (9, Some("email"), &["\"ADA@example.com\" already appears on line 2", "Remove one"]),
        (10, Some("organizational_unit"), &["\"Marketing\" does not exist", "Create it first"]),
        (11, None, &["Line 11 has 3 fields but the header has 7", "in double quotes"]),
        (12, None, &["Line 12 has 8 fields but the header has 7", "in double quotes"]),
    ];
    for (line, column, needles) in expect {
        let error = failure(&plan, line);
        assert_eq!(error.column, column, "line {line}: {error:?}");
        for needle in needles {
            assert!(error.message.contains(needle), "line {line}: {needle:?} not in {error:?}");
        }
    }
    let ada = created(&plan, 2);
    assert_eq!((ada.organizational_unit_id, ada.job_title.as_str()), (Some(7), "Analyst"));
    assert_eq!(ada.password.as_ref().map(|p| p.expose()), Some("s3cret-Ada!"));
    let trailing = created(&plan, 13);
    assert_eq!((trailing.organizational_unit_id, trailing.password.is_none()), (Some(7), true));
}

#[test]
fn unicode_usernames_follow_django() {
    let plan = planned(&unicode_and_lengths());
    let offenders = [(2, "U+1F600, at position 6"), (3, "U+0301, at position 2"), (4, "U+202E")];
    for (line, needle) in offenders {
        let message = &failure(&plan, line).message;
        assert!(message.contains(needle), "line {line}: {message}");
        assert!(!message.contains('\u{202E}'), "raw RTL override in {message:?}");
    }
    // A Cyrillic 'а' is a letter for Django, and "аdmin" is not the existing "admin".
    assert_eq!(created(&plan, 5).username, "\u{430}dmin");
    let too_long = [(6, "first_name has 151"), (7, "email has 255"), (8, "username has 151")];
    for (line, needle) in too_long {
        let error = failure(&plan, line);
        assert!(error.message.contains(needle), "line {line}: {error:?}");
        assert!(error.message.contains("at most") && error.message.contains("Shorten it"));
    }
    assert_eq!(created(&plan, 9).username.len(), 150);
    assert_eq!(created(&plan, 11).email.len(), 254);
}

#[test]
fn hostile_values_import_exactly() {
    let plan = planned(&fixture("hostile_values.csv"));
    assert_eq!(plan.rows_total(), 5, "the ';;;;;;' row and the blank line are not rows");
    let script = created(&plan, 2);
    assert_eq!(script.first_name, "<script>alert(1)</script>");
    assert_eq!(script.last_name, "=HYPERLINK(\"http://x\",\"y\")");
    let quoted = created(&plan, 3);
    assert_eq!((quoted.first_name.as_str(), quoted.last_name.as_str()), ("Smith; Jr.", "O\"Brien"));
    assert_eq!(quoted.job_title, "line one\nline two");
    let padded = created(&plan, 7);
    let trimmed = [&padded.first_name, &padded.last_name, &padded.username, &padded.job_title];
    assert_eq!(trimmed, ["Padded", "Name", "padded", "Chief"]);
    assert_eq!(padded.email, "Bob@example.com", "only the domain is lower-cased");
    assert_eq!(padded.password.as_ref().map(|p| p.expose()), Some("  pw  "));
    assert_eq!(created(&plan, 8).username, "ABC", "full-width letters become ASCII (NFKC)");
    assert_eq!(created(&plan, 9).username, "ffoo", "the ligature is NFKC-decomposed");
    assert_eq!(plan.passwordless(), 4);

    let crlf = planned(&fixture("bom_crlf.csv"));
    assert_eq!(created(&crlf, 2).first_name, "Ada", "the BOM is not part of the first value");
    assert_eq!(created(&crlf, 2).job_title, "Analyst\r\nand poet");
    let cr = planned(&fixture("cr_only.csv"));
    assert!(failure(&cr, 4).message.starts_with("Line 4 has 3 fields"));
}

#[test]
fn report_counts_and_json() {
    let plan = planned(&fixture("row_errors.csv"));
    let report = ImportReport::from_plan(&plan);
    let counts = (report.rows_total, report.created, report.failed, report.passwordless);
    assert_eq!(counts, (12, 2, 10, 1));
    assert_eq!(report.import_id, None);
    let lines: Vec<u64> = report.failures.iter().map(|f| f.line).collect();
    assert_eq!(lines, [3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);

    let json = serde_json::to_value(report.to_json()).expect("serialisable");
    assert_eq!((json["created"].as_u64(), json["failed"].as_u64()), (Some(2), Some(10)));
    let errors = json["errors"].as_array().expect("errors array");
    assert_eq!(errors.len(), 10);
    let first = &errors[0];
    assert_eq!(first["line"], 3);
    assert_eq!(first["username"], "grace");
    assert_eq!(first["email"], "grace@example.com");
    assert_eq!(first["code"], "missing_required_field");
    assert_eq!(first["column"], "first_name");
    assert!(first["message"].as_str().is_some_and(|m| m.contains("Fill in")), "{first}");
    assert_eq!(errors[8]["column"], serde_json::Value::Null, "malformed rows name no column");
}

#[test]
fn rejected_json_has_no_line() {
    let error: FileError = import::parse(&fixture("comma.csv"), LIMIT).expect_err("comma file");
    let json = serde_json::to_value(rejected_json(&error)).expect("serialisable");
    assert_eq!((json["created"].as_u64(), json["failed"].as_u64()), (Some(0), Some(0)));
    let only = &json["errors"][0];
    assert!(only["line"].is_null() && only["username"].is_null(), "{json}");
    assert_eq!(only["code"], "wrong_delimiter");
    assert_eq!(only["message"].as_str(), Some(error.message.as_str()));
}

#[test]
fn error_report_reimports_without_passwords() {
    let input = fixture("row_errors.csv");
    let passwords: Vec<String> = parsed(&input)
        .rows
        .iter()
        .filter_map(|r| r.values.password.as_ref().map(|p| p.expose().to_string()))
        .collect();
    assert_eq!(passwords.len(), 6, "{passwords:?}");
    let report = ImportReport::from_plan(&planned(&input));
    let csv = error_report_csv(&report.failures);
    assert!(csv.starts_with(b"\xef\xbb\xbffirst_name;last_name;email;username;"));
    let text = String::from_utf8(csv.clone()).expect("UTF-8");
    for password in &passwords {
        assert!(!text.contains(password.as_str()), "{password:?} leaked into the report");
    }
    assert!(text.contains("line 4: invalid_email: "), "{text}");

    let again = parsed(&csv);
    assert_eq!(again.columns, import::Column::ALL, "the error column is ignored");
    assert!(again.rows.iter().all(|r| r.values.password.is_none()));
    let pairs = |u: &str, e: &str| (u.to_string(), e.to_string());
    let back: Vec<_> = again.rows.iter().map(|r| pairs(&r.values.username, &r.values.email)).collect();
    let sent: Vec<_> = report.failures.iter().map(|f| pairs(&f.summary.username, &f.summary.email)).collect();
    assert_eq!(back, sent);
    assert_eq!(back[1], pairs("alan", "alan@@example.com"));
}

#[test]
fn debug_output_redacts_passwords() {
    let input = fixture("row_errors.csv");
    let debug = format!("{:?}\n{:?}", parsed(&input), planned(&input));
    assert!(debug.contains("Secret(***)"), "passwords were present to redact");
    for password in ["s3cret-Ada!", "Gr4ce-pw", "Tur1ng-pw", "R00t-clash", "Unit-pw-10", "Many-pw"] {
        assert!(!debug.contains(password), "{password} in Debug output");
    }
}

#[test]
fn probe() {
    let show = |name: &str, b: &[u8]| match import::parse(b, LIMIT) {
        Ok(f) => { let p = plan(&f, &directory()); eprintln!("{name}: {:?}", p.rows.iter().map(|r| (r.line, &r.summary.username, &r.outcome)).collect::<Vec<_>>()) }
        Err(e) => eprintln!("{name}: ERR {e}"),
    };
    show("mixed1252", "first_name;last_name;email;username\nM\u{fc}ller;x;m@example.com;m\n".as_bytes().iter().copied().chain(b"Jos\xe9;x;j@example.com;j\n".iter().copied()).collect::<Vec<_>>().as_slice());
    show("leading blank comma", b"\nfirst_name,last_name,email,username\nAda,L,a@example.com,ada\n");
    show("trailing header ;", b"first_name;last_name;email;username;\nAda;L;a@example.com;ada\n");
    show("cr rows lf in cell", b"first_name;last_name;email;username;job_title\rAda;L;a@example.com;ada;\"a\nb\"\rBob;R;b@example.com;bob;\r");
    show("stray cr", b"first_name;last_name;email;username\nAda;L;a@example.com;ada\rBob;R;b@example.com;bob\nCy;R;c@example.com;cy\n");
    show("shift", b"first_name;last_name;email;username;password\nAnn;ann@example.com;ann;S3cret!\n");
    show("sep only", b"sep=;\n");
    show("ff long", format!("first_name;last_name;email;username\nA;B;a@example.com;{}\n", "\u{fb00}".repeat(76)).as_bytes());
    show("rtl ou", "first_name;last_name;email;username;organizational_unit\nA;B;a@example.com;ab;\u{202e}evil\n".as_bytes());
    show("space-quote", b"first_name;last_name;email;username\nA; \"B;C\";a@example.com;ab\n");
    show("unclosed", b"first_name;last_name;email;username\nA;B;a@example.com;\"ab\nC;D;c@example.com;cd\n");
    show("ws password", b"first_name;last_name;email;username;password\nA;B;a@example.com;ab;   \n");
    show("nul small xlsx", b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00");
    show("header bom quoted", b"\xef\xbb\xbf\"first_name\";last_name;email;username\nA;B;a@example.com;ab\n");
    show("bom twice", b"\xef\xbb\xbf\xef\xbb\xbffirst_name;last_name;email;username\nA;B;a@example.com;ab\n");
    show("1252 in header", b"first_name;last_name;email;username;Abteilung\xe4\nA;B;a@example.com;ab;x\n");
    panic!();
}
