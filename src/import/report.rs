//! The outcome of an import as the admin sees it: counts, failed rows, JSON and the error-report CSV.

use serde::Serialize;

use super::formula::neutralise_formula;
use super::plan::{Plan, RowOutcome};
use super::{Column, FileError};
pub use crate::domain::report::{ImportReport, ReportRow};

impl ImportReport {
    /// The report a plan predicts, for previews and `--dry-run`.
    pub fn from_plan(plan: &Plan) -> Self {
        let failures = plan
            .rows
            .iter()
            .filter_map(|row| match &row.outcome {
                RowOutcome::Fail(problem) => Some(ReportRow {
                    line: row.line,
                    summary: row.summary.clone(),
                    code: problem.code.as_str().to_string(),
                    column: problem.column.map(str::to_string),
                    message: problem.message.clone(),
                }),
                RowOutcome::Create(_) => None,
            })
            .collect();
        Self {
            import_id: None,
            rows_total: plan.rows_total(),
            created: plan.creatable(),
            failed: plan.failed(),
            passwordless: plan.passwordless(),
            failures,
        }
    }

    /// The report of a streaming plan pass.
    pub fn from_tally(tally: super::plan::PlanTally) -> Self {
        let failed = tally.failures.len();
        let failures = tally
            .failures
            .into_iter()
            .filter_map(|row| match row.outcome {
                RowOutcome::Fail(problem) => Some(ReportRow {
                    line: row.line,
                    summary: row.summary,
                    code: problem.code.as_str().to_string(),
                    column: problem.column.map(str::to_string),
                    message: problem.message,
                }),
                RowOutcome::Create(_) => None,
            })
            .collect();
        Self {
            import_id: None,
            rows_total: tally.rows_total,
            created: tally.creatable,
            failed,
            passwordless: tally.passwordless,
            failures,
        }
    }

    /// The JSON shape shared by `roster import --json` and the API.
    pub fn to_json(&self) -> JsonReport {
        JsonReport {
            created: self.created,
            failed: self.failed,
            notices: Vec::new(),
            errors: self
                .failures
                .iter()
                .map(|row| JsonError {
                    line: Some(row.line),
                    username: Some(row.summary.person.username.clone()),
                    email: Some(row.summary.person.email.clone()),
                    code: row.code.clone(),
                    column: row.column.clone(),
                    message: row.message.clone(),
                })
                .collect(),
        }
    }
}

/// `{"created": N, "failed": N, "notices": [...], "errors": [...]}`.
#[derive(Debug, Serialize)]
pub struct JsonReport {
    pub created: usize,
    pub failed: usize,
    /// How the file was read, when the admin should know (e.g. it was comma-delimited); left out
    /// when there is nothing to say, so the JSON of a plain semicolon file is as before.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notices: Vec<String>,
    pub errors: Vec<JsonError>,
}

/// One entry of `errors`; `line` is null for a file-level rejection.
#[derive(Debug, Serialize)]
pub struct JsonError {
    pub line: Option<u64>,
    pub username: Option<String>,
    pub email: Option<String>,
    pub code: String,
    pub column: Option<String>,
    pub message: String,
}

/// The JSON for a rejected file: nothing created, one error without a line.
pub fn rejected_json(error: &FileError) -> JsonReport {
    JsonReport {
        created: 0,
        failed: 0,
        notices: Vec::new(),
        errors: vec![JsonError {
            line: None,
            username: None,
            email: None,
            code: error.code.to_string(),
            column: None,
            message: error.message.clone(),
        }],
    }
}

/// The failed rows as a semicolon CSV in the import format plus `error` and `note`, password cells
/// left empty and the note saying which rows had one. Starts with a UTF-8 BOM so Excel opens it as
/// UTF-8; Roster's import accepts the BOM and ignores both extra columns.
pub fn error_report_csv(rows: &[ReportRow]) -> Vec<u8> {
    let mut writer = csv::WriterBuilder::new()
        .delimiter(b';')
        .terminator(csv::Terminator::CRLF)
        .from_writer(b"\xEF\xBB\xBF".to_vec());
    let mut header: Vec<&str> = Column::ALL.iter().map(|c| c.name()).collect();
    header.extend(["error", "note"]);
    // Writing into a Vec cannot fail; a failure here would be a bug in csv, so fall back to empty.
    if writer.write_record(&header).is_err() {
        return Vec::new();
    }
    for row in rows {
        let error = error_cell(row);
        let record: Vec<_> = (row.summary.person.values().into_iter())
            .chain(["", &error, password_note(row)])
            .map(neutralise_formula)
            .collect();
        if writer.write_record(&record).is_err() {
            return Vec::new();
        }
    }
    writer.into_inner().unwrap_or_default()
}

/// The `error` cell of a report row: where, the code and the fix.
pub(super) fn error_cell(row: &ReportRow) -> String {
    format!("{}: {}: {}", row.location(), row.code, row.message)
}

/// The `note` cell: reports never carry passwords, so a row that had one says so, or the corrected
/// row would silently become a row without a password.
pub(super) fn password_note(row: &ReportRow) -> &'static str {
    if row.summary.has_password {
        "This row had a password; it is not copied into the report. Type it again in the \
         password column, or leave it empty and Roster e-mails a link to set one."
    } else {
        ""
    }
}
