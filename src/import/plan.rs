//! Decides, row by row, what an import would do against the current directory: the preview.

use std::collections::HashMap;

use super::parse::{ParsedFile, RawRow};
use super::validate::{ValidRow, validate};
use super::visible;
use crate::auth::password_validation::{UserAttributes, validate_password};
use crate::domain::fields::{ascii_casefold, unit_casefold};
pub use crate::domain::import_context::PasswordlessPolicy;
pub use crate::domain::rows::{
    DirectorySnapshot, NewUser, PlannedRow, RowError, RowErrorCode, RowOutcome, RowSummary,
    SUMMARY_VALUE_MAX, Secret,
};

impl RowSummary {
    fn of(row: &RawRow) -> Self {
        Self {
            person: row.values.person.map(capped),
            has_password: row.values.password.is_some(),
        }
    }
}

/// `value`, or its first [`SUMMARY_VALUE_MAX`] characters and "…" (the row's error already says
/// how long the value is and what the limit is).
fn capped(value: &str) -> String {
    match value.char_indices().nth(SUMMARY_VALUE_MAX) {
        None => value.to_string(),
        Some((end, _)) => format!("{}…", &value[..end]),
    }
}

/// The preview: every row with its outcome, in file order.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub rows: Vec<PlannedRow>,
}

impl Plan {
    /// Rows read from the file.
    pub fn rows_total(&self) -> usize {
        self.rows.len()
    }
    /// Rows that will be created.
    pub fn creatable(&self) -> usize {
        self.rows
            .iter()
            .filter(|r| matches!(r.outcome, RowOutcome::Create(_)))
            .count()
    }
    /// Rows that will be skipped.
    pub fn failed(&self) -> usize {
        self.rows_total() - self.creatable()
    }
    /// Rows refused only because mail does not work.
    pub fn refused_for_mail(&self) -> usize {
        self.rows
            .iter()
            .filter(|r| matches!(&r.outcome, RowOutcome::Fail(p) if p.code == RowErrorCode::MailServerUnavailable))
            .count()
    }
    /// Rows that will be created without a password (unusable password).
    pub fn passwordless(&self) -> usize {
        self.rows
            .iter()
            .filter(|r| matches!(&r.outcome, RowOutcome::Create(_)) && !r.summary.has_password)
            .count()
    }
}

/// What an import lets through beyond the fixed row rules, decided once per import.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PlanRules {
    /// Whether rows without a password may be created.
    pub passwordless: PasswordlessPolicy,
    /// The admin lets passwords that fail Django's validators through (one-time passwords).
    pub allow_weak_passwords: bool,
}

/// Plans every row of a parsed file against the directory.
pub fn plan(file: &ParsedFile, directory: &DirectorySnapshot, rules: &PlanRules) -> Plan {
    Planner::new(directory.clone(), rules.clone()).plan_file(file)
}

/// Plans rows one at a time, in file order, remembering what earlier rows claimed.
#[derive(Debug, Clone)]
pub struct Planner {
    /// What the database holds; the import job adds other imports' new users between batches.
    pub directory: DirectorySnapshot,
    rules: PlanRules,
    usernames_in_file: HashMap<String, u64>,
    emails_in_file: HashMap<String, u64>,
}

impl Planner {
    /// A planner for one pass over a file.
    pub fn new(directory: DirectorySnapshot, rules: PlanRules) -> Self {
        Self {
            directory,
            rules,
            usernames_in_file: HashMap::new(),
            emails_in_file: HashMap::new(),
        }
    }

    /// Makes room for the in-file claims of `rows` rows at once, so the maps never grow row by row.
    pub fn expecting(mut self, rows: usize) -> Self {
        self.usernames_in_file.reserve(rows);
        self.emails_in_file.reserve(rows);
        self
    }

    /// Plans every row of a file held in memory.
    pub fn plan_file(self, file: &ParsedFile) -> Plan {
        let mut planner = self.expecting(file.rows.len());
        Plan {
            rows: file.rows.iter().map(|row| planner.plan_row(row)).collect(),
        }
    }

    /// What this planner does with rows that have no password.
    pub fn passwordless_policy(&self) -> &PasswordlessPolicy {
        &self.rules.passwordless
    }

    /// Decides one row; a row that will be created claims its username and e-mail for the file.
    pub fn plan_row(&mut self, row: &RawRow) -> PlannedRow {
        let checked = validate(row).and_then(|valid| {
            let keys = Keys::of(&valid.person.username, &valid.person.email);
            let user = check_directory(
                valid,
                &keys,
                row.line,
                &self.directory,
                &self.usernames_in_file,
                &self.emails_in_file,
            )?;
            let user = check_passwordless(user, &self.rules.passwordless)?;
            let user = check_password_strength(user, self.rules.allow_weak_passwords)?;
            Ok((user, keys))
        });
        let outcome = match checked {
            Ok((user, keys)) => {
                self.usernames_in_file.insert(keys.username, row.line);
                self.emails_in_file.insert(keys.email, row.line);
                RowOutcome::Create(user)
            }
            Err(problem) => RowOutcome::Fail(name_the_sheet_row(problem, row)),
        };
        PlannedRow {
            line: row.line,
            summary: RowSummary::of(row),
            outcome,
        }
    }
}

/// Adds the spreadsheet row to a failed row's message when it differs from the file's line.
fn name_the_sheet_row(mut problem: RowError, row: &RawRow) -> RowError {
    if let Some(sheet_row) = row.sheet_row {
        problem.message.push_str(&format!(
            " (In a spreadsheet this is row {sheet_row}, not {}: a cell above holds a line \
             break, so the file has more lines than the sheet has rows.)",
            row.line
        ));
    }
    problem
}

/// Counts and failed rows of a plan made row by row, without keeping the rows.
#[derive(Debug, Clone, Default)]
pub struct PlanTally {
    pub rows_total: usize,
    pub creatable: usize,
    /// Creatable rows without a password.
    pub passwordless: usize,
    pub failures: Vec<PlannedRow>,
}

impl PlanTally {
    /// Adds one planned row.
    pub fn add(&mut self, row: PlannedRow) {
        self.rows_total += 1;
        match &row.outcome {
            RowOutcome::Create(_) => {
                self.creatable += 1;
                self.passwordless += usize::from(!row.summary.has_password);
            }
            RowOutcome::Fail(_) => self.failures.push(row),
        }
    }
}

/// A username and an e-mail as compared for uniqueness (ASCII case ignored, as Django on SQLite).
struct Keys {
    username: String,
    email: String,
}

impl Keys {
    fn of(username: &str, email: &str) -> Self {
        Self {
            username: ascii_casefold(username),
            email: ascii_casefold(email),
        }
    }
}

fn check_directory(
    row: ValidRow,
    keys: &Keys,
    line: u64,
    directory: &DirectorySnapshot,
    usernames_in_file: &HashMap<String, u64>,
    emails_in_file: &HashMap<String, u64>,
) -> Result<NewUser, RowError> {
    let ValidRow { person, password } = row;
    taken_keys_in_directory(&person.username, &person.email, keys, directory)?;
    if let Some(first) = usernames_in_file.get(&keys.username) {
        return Err(in_file("username", &person.username, *first, line));
    }
    if let Some(first) = emails_in_file.get(&keys.email) {
        return Err(in_file("email", &person.email, *first, line));
    }
    let organizational_unit_id = if person.organizational_unit.is_empty() {
        None
    } else {
        match directory
            .organizational_units
            .get(&unit_casefold(&person.organizational_unit))
        {
            Some(id) => Some(*id),
            None => {
                return Err(RowError {
                    code: RowErrorCode::UnknownOrganizationalUnit,
                    column: Some("organizational_unit"),
                    message: format!(
                        "Organizational unit \"{}\" does not exist. Create it first (Organizational \
                         units page, or `roster ou add`), or correct the name.",
                        visible(&person.organizational_unit)
                    ),
                });
            }
        }
    };
    Ok(NewUser {
        username: person.username,
        email: person.email,
        first_name: person.first_name,
        last_name: person.last_name,
        organizational_unit_id,
        job_title: person.job_title,
        password,
    })
}

/// Refuses a username or e-mail the directory already has (ASCII case ignored, as Django on SQLite).
pub fn taken_in_directory(
    username: &str,
    email: &str,
    directory: &DirectorySnapshot,
) -> Result<(), RowError> {
    taken_keys_in_directory(username, email, &Keys::of(username, email), directory)
}

/// [`taken_in_directory`] with the compared forms already made.
fn taken_keys_in_directory(
    username: &str,
    email: &str,
    keys: &Keys,
    directory: &DirectorySnapshot,
) -> Result<(), RowError> {
    if directory.usernames.contains(&keys.username) {
        return Err(RowError {
            code: RowErrorCode::DuplicateUsername,
            column: Some("username"),
            message: format!(
                "A user named \"{}\" already exists (usernames are compared without regard to \
                 case). Remove the row, or pick another username.",
                visible(username)
            ),
        });
    }
    if directory.emails.contains(&keys.email) {
        return Err(RowError {
            code: RowErrorCode::DuplicateEmail,
            column: Some("email"),
            message: format!(
                "A user with e-mail \"{}\" already exists. Remove the row, or use another address.",
                visible(email)
            ),
        });
    }
    Ok(())
}

fn check_passwordless(user: NewUser, policy: &PasswordlessPolicy) -> Result<NewUser, RowError> {
    match policy {
        PasswordlessPolicy::Refused { reason } if user.password.is_none() => Err(RowError {
            code: RowErrorCode::MailServerUnavailable,
            column: Some("password"),
            message: format!(
                "This row has no password and the mail server check failed ({reason}), so the \
                 user could not set one through Forgot Password. Fix the mail settings, put a \
                 password in the row, or choose to import anyway and set passwords yourself."
            ),
        }),
        _ => Ok(user),
    }
}

/// Refuses a password Django's validators (the ones every Roster form uses) would refuse, unless
/// the admin allowed weak passwords for this import. The message never quotes the password.
fn check_password_strength(user: NewUser, allow_weak: bool) -> Result<NewUser, RowError> {
    let Some(password) = user.password.as_ref().filter(|_| !allow_weak) else {
        return Ok(user);
    };
    let attributes = UserAttributes {
        username: &user.username,
        first_name: &user.first_name,
        last_name: &user.last_name,
        email: &user.email,
    };
    let problems = validate_password(password.expose(), &attributes);
    if problems.is_empty() {
        return Ok(user);
    }
    let reasons: Vec<&str> = problems.iter().map(|p| p.message.as_str()).collect();
    Err(RowError {
        code: RowErrorCode::WeakPassword,
        column: Some("password"),
        message: format!(
            "The password is weak: {} Put a stronger one in the row, or leave the cell empty so \
             the user sets their own. For one-time passwords you hand out yourself, allow weak \
             passwords for this import (web: tick \"Allow weak passwords\" when uploading; CLI: \
             --allow-weak-passwords; API: allow_weak_passwords=true); the choice is audited.",
            reasons.join(" ")
        ),
    })
}

fn in_file(column: &'static str, value: &str, first_line: u64, line: u64) -> RowError {
    let value = visible(value);
    RowError {
        code: RowErrorCode::DuplicateInFile,
        column: Some(column),
        message: format!(
            "The {column} \"{value}\" already appears on line {first_line} of this file \
             (compared without regard to case); line {line} is skipped. Remove one of the two rows."
        ),
    }
}
