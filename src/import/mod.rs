//! The import engine: bytes in, a preview plan, a committed import and a report out; no HTTP, no terminal.

pub(crate) mod context;
mod damage;
pub mod decode;
pub(crate) mod formula;
mod gate;
mod header;
pub(crate) mod job;
mod job_batch;
mod lines;
pub mod parse;
pub mod plan;
pub mod report;
pub mod service;
mod shape;
mod sheet_cells;
pub(crate) mod single;
mod sniff;
pub(crate) mod spreadsheet;
pub mod validate;
pub mod workbook;

pub use crate::domain::import_context::{
    DEFAULT_GROUP, ImportContext, ImportSource, MailCheckRecord, PasswordlessPolicy,
};
pub use crate::domain::report::{ImportReport, ReportRow};
pub use crate::domain::rows::{Person, PlannedRow, RowError, RowErrorCode, RowOutcome, Secret};
pub use parse::{ParsedFile, RawRow, parse};
pub use plan::{Plan, PlanRules};

use std::fmt;

/// Limits and costs that shape an import, taken from the validated configuration.
#[derive(Debug, Clone, Copy)]
pub struct ImportSettings {
    /// Most data rows a file may hold before it is rejected as a whole.
    pub max_rows: usize,
    /// PBKDF2 iterations for supplied passwords.
    pub pbkdf2_iterations: u32,
}

impl Default for ImportSettings {
    fn default() -> Self {
        Self {
            max_rows: 10_000,
            pbkdf2_iterations: crate::auth::hashers::DEFAULT_ITERATIONS,
        }
    }
}

/// A problem with the whole file: nothing is imported and the admin is told what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileError {
    /// Stable snake_case code, e.g. `encoding_error`.
    pub code: &'static str,
    /// What is wrong and how to fix it, safe to show.
    pub message: String,
}

impl FileError {
    pub(crate) fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for FileError {}

/// A value made safe to quote in a message: control and invisible formatting characters
/// (bidi overrides, zero-width spaces) are shown as `\u{...}` so they cannot disguise the text.
pub fn visible(value: &str) -> String {
    value
        .chars()
        .map(|c| {
            if is_invisible(c) {
                format!("\\u{{{:x}}}", c as u32)
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// Control and invisible formatting characters: bidi overrides, zero-width spaces, soft hyphen, BOM.
pub fn is_invisible(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{ad}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}'
            | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
}

/// [`visible`], cut to `max` characters with "…", for file text quoted in a message (a header
/// cell can be megabytes long).
pub fn shown(value: &str, max: usize) -> String {
    let cut: String = value.chars().take(max).collect();
    let more = if cut.len() < value.len() { "…" } else { "" };
    format!("{}{more}", visible(&cut))
}

/// The columns Roster understands, in the order of the sample file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Column {
    FirstName,
    LastName,
    Email,
    Username,
    OrganizationalUnit,
    JobTitle,
    Password,
}

impl Column {
    /// Every known column, in the canonical order.
    pub const ALL: [Column; 7] = [
        Column::FirstName,
        Column::LastName,
        Column::Email,
        Column::Username,
        Column::OrganizationalUnit,
        Column::JobTitle,
        Column::Password,
    ];

    /// The header name as it appears in the CSV.
    pub fn name(self) -> &'static str {
        match self {
            Column::FirstName => "first_name",
            Column::LastName => "last_name",
            Column::Email => "email",
            Column::Username => "username",
            Column::OrganizationalUnit => "organizational_unit",
            Column::JobTitle => "job_title",
            Column::Password => "password",
        }
    }

    /// Whether a file without this column is rejected.
    pub fn required(self) -> bool {
        matches!(
            self,
            Column::FirstName | Column::LastName | Column::Email | Column::Username
        )
    }
}
