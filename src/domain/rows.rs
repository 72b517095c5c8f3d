//! One CSV row on its way into the user table: its displayable summary, the user it becomes or
//! the error that skips it, and the directory it must not collide with.

use std::collections::{HashMap, HashSet};

pub use super::secret::Secret;

/// Stable codes for row-level problems; each skips only its row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RowErrorCode {
    MissingRequiredField,
    InvalidEmail,
    InvalidUsername,
    FieldTooLong,
    DuplicateUsername,
    DuplicateEmail,
    DuplicateInFile,
    UnknownOrganizationalUnit,
    MalformedRow,
    MailServerUnavailable,
    SpreadsheetErrorValue,
    LostCharacters,
    NumberShownAsScientific,
    /// A spreadsheet cell holds a date or time where text belongs.
    SpreadsheetDate,
    /// A spreadsheet cell holds TRUE or FALSE where text belongs.
    SpreadsheetBoolean,
    /// A spreadsheet number with more than 15 digits: the last ones are zeros now.
    NumberDigitsLost,
    /// A spreadsheet number shorter than the zero-padded texts of its column.
    LeadingZerosLost,
    ControlCharacter,
    /// The project's own trigger or constraint refused the insert.
    RefusedByDatabase,
    /// The password fails Django's validators and the admin did not allow weak passwords.
    WeakPassword,
}

impl RowErrorCode {
    /// The snake_case code used in JSON, error reports and the UI.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::MissingRequiredField => "missing_required_field",
            Self::InvalidEmail => "invalid_email",
            Self::InvalidUsername => "invalid_username",
            Self::FieldTooLong => "field_too_long",
            Self::DuplicateUsername => "duplicate_username",
            Self::DuplicateEmail => "duplicate_email",
            Self::DuplicateInFile => "duplicate_in_file",
            Self::UnknownOrganizationalUnit => "unknown_organizational_unit",
            Self::MalformedRow => "malformed_row",
            Self::MailServerUnavailable => "mail_server_unavailable",
            Self::SpreadsheetErrorValue => "spreadsheet_error_value",
            Self::LostCharacters => "lost_characters",
            Self::NumberShownAsScientific => "number_shown_as_scientific",
            Self::SpreadsheetDate => "spreadsheet_date",
            Self::SpreadsheetBoolean => "spreadsheet_boolean",
            Self::NumberDigitsLost => "number_digits_lost",
            Self::LeadingZerosLost => "leading_zeros_lost",
            Self::ControlCharacter => "control_character",
            Self::RefusedByDatabase => "refused_by_database",
            Self::WeakPassword => "weak_password",
        }
    }
}

/// Why one row is skipped: where (line, column), a stable code and a message that says the fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// The stable code.
    pub code: RowErrorCode,
    /// The CSV column at fault, when one is.
    pub column: Option<&'static str>,
    /// Human explanation including the fix; never contains a password.
    pub message: String,
}

/// What the database already holds that an import must not collide with.
#[derive(Debug, Clone, Default)]
pub struct DirectorySnapshot {
    /// Existing usernames, ASCII-case-folded (Django's `username__iexact` on SQLite).
    pub usernames: HashSet<String>,
    /// Existing e-mail addresses, ASCII-case-folded.
    pub emails: HashSet<String>,
    /// Organizational units by ASCII-case-folded name.
    pub organizational_units: HashMap<String, i64>,
}

/// The six text values that describe a person in an import row, in the file's column order; each
/// stage of an import (read, validated, summarised) carries them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Person {
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub username: String,
    pub organizational_unit: String,
    pub job_title: String,
}

impl Person {
    /// The values in the file's column order.
    pub fn values(&self) -> [&str; 6] {
        [
            &self.first_name,
            &self.last_name,
            &self.email,
            &self.username,
            &self.organizational_unit,
            &self.job_title,
        ]
    }

    /// The same person with `change` applied to every value (trimming, capping).
    pub fn map(&self, change: impl Fn(&str) -> String) -> Self {
        Self {
            first_name: change(&self.first_name),
            last_name: change(&self.last_name),
            email: change(&self.email),
            username: change(&self.username),
            organizational_unit: change(&self.organizational_unit),
            job_title: change(&self.job_title),
        }
    }
}

/// The displayable values of a row: never the password, only whether there was one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RowSummary {
    pub person: Person,
    pub has_password: bool,
}

/// The most characters of one value a summary keeps: more than any column allows (e-mail, the
/// longest, takes 254), so only values that fail as too long are ever cut, and a hostile file cannot
/// make the preview, the stored rows or the error report many times its own size.
pub const SUMMARY_VALUE_MAX: usize = 300;

/// A user the import will create, with values exactly as they will be stored.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub organizational_unit_id: Option<i64>,
    pub job_title: String,
    pub password: Option<Secret>,
}

/// What happens to one row.
#[derive(Debug, Clone)]
pub enum RowOutcome {
    Create(NewUser),
    Fail(RowError),
}

/// One row of the plan.
#[derive(Debug, Clone)]
pub struct PlannedRow {
    pub line: u64,
    pub summary: RowSummary,
    pub outcome: RowOutcome,
}
