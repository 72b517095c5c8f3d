//! The outcome of an import as stored and shown: counts and every failed row.

use super::rows::RowSummary;

/// One failed row: where, what it held (never a password) and why it failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportRow {
    pub line: u64,
    pub summary: RowSummary,
    pub code: String,
    pub column: Option<String>,
    pub message: String,
}

impl ReportRow {
    /// "line 4, column email" (or just "line 4" when no single column is at fault).
    pub fn location(&self) -> String {
        match &self.column {
            Some(column) => format!("line {}, column {column}", self.line),
            None => format!("line {}", self.line),
        }
    }
}

/// Counts plus every failed row; built from a plan (dry run) or from a stored import.
#[derive(Debug, Clone, Default)]
pub struct ImportReport {
    /// The recorded import, when one was committed.
    pub import_id: Option<i64>,
    pub rows_total: usize,
    /// Users created (or, for a dry run, that would be created).
    pub created: usize,
    pub failed: usize,
    /// Created users without a password.
    pub passwordless: usize,
    pub failures: Vec<ReportRow>,
}
