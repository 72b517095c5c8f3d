//! Checks one row on its own (required fields, Django's length limits, e-mail and username rules).

use super::parse::{RawRow, RowValues};
use super::{Column, Person, RowError, RowErrorCode, Secret, is_invisible, visible};
use crate::domain::fields::{
    EMAIL_MAX, FIRST_NAME_MAX, LABEL_MAX, LAST_NAME_MAX, PASSWORD_MAX, USERNAME_MAX,
    is_valid_email, is_valid_username, normalize_email, normalize_username,
};

/// A row that passed every check that needs no database: values are normalised as Django would
/// (the e-mail by `normalize_email`, its domain lower-cased; the username NFKC-normalised, as
/// Django's `normalize_username`).
#[derive(Debug, Clone)]
pub struct ValidRow {
    pub person: Person,
    pub password: Option<Secret>,
}

/// Validates a row; the first problem found is returned, naming its column and the fix.
pub fn validate(row: &RawRow) -> Result<ValidRow, RowError> {
    if let Some(problem) = &row.malformed {
        return Err(problem.clone());
    }
    let values = &row.values;
    if let Some(damage) = super::damage::check(values, row.lossy_export) {
        return Err(damage);
    }
    check_required(values)?;
    for (column, max) in [
        (Column::FirstName, FIRST_NAME_MAX),
        (Column::LastName, LAST_NAME_MAX),
        (Column::Email, EMAIL_MAX),
        (Column::OrganizationalUnit, LABEL_MAX),
        (Column::JobTitle, LABEL_MAX),
    ] {
        check_length(column, values.get(column), max)?;
    }
    // A line break in a name would start a new line in every mail that greets the user. A job
    // title is never mailed, and a wrapped title (Alt+Enter in a cell) is real data, so it may keep
    // its line breaks; every other control character is refused there too.
    for column in [
        Column::FirstName,
        Column::LastName,
        Column::OrganizationalUnit,
        Column::JobTitle,
    ] {
        let allowed = |c: char| column == Column::JobTitle && matches!(c, '\n' | '\r');
        check_no_control_character(column, values.get(column), allowed)?;
    }
    if let Some(password) = &values.password {
        let length = password.expose().chars().count();
        if length > PASSWORD_MAX {
            return Err(too_long(Column::Password, length, PASSWORD_MAX));
        }
    }

    let email = normalize_email(&values.person.email);
    // Django accepts some invisible characters in a domain; they come from pasting, make an
    // address nobody receives mail at, and would let one address slip past the duplicate checks.
    if let Some((index, c)) = email.chars().enumerate().find(|&(_, c)| is_invisible(c)) {
        return Err(RowError {
            code: RowErrorCode::InvalidEmail,
            column: Some("email"),
            message: format!(
                "\"{}\" is not a valid e-mail address: it holds an invisible character (U+{:04X}) \
                 at position {}, probably pasted along with it. Type the address again.",
                visible(&values.person.email),
                c as u32,
                index + 1
            ),
        });
    }
    if !is_valid_email(&email) {
        return Err(RowError {
            code: RowErrorCode::InvalidEmail,
            column: Some("email"),
            message: format!(
                "\"{}\" is not a valid e-mail address. Check for typos, a missing @ or domain, \
                 spaces, or two dots in a row.",
                visible(&values.person.email)
            ),
        });
    }

    let username = normalize_username(&values.person.username);
    let length = username.chars().count();
    if length > USERNAME_MAX {
        return Err(too_long(Column::Username, length, USERNAME_MAX));
    }
    if !is_valid_username(&username) {
        return Err(RowError {
            code: RowErrorCode::InvalidUsername,
            column: Some("username"),
            message: format!(
                "\"{}\" is not a valid username{}. Use only letters, digits and the characters \
                 @ . + - _ (no spaces).",
                visible(&values.person.username),
                describe_offender(&username)
            ),
        });
    }

    let person = &values.person;
    Ok(ValidRow {
        person: Person {
            first_name: person.first_name.clone(),
            last_name: person.last_name.clone(),
            email,
            username,
            organizational_unit: person.organizational_unit.clone(),
            job_title: person.job_title.clone(),
        },
        password: values.password.clone(),
    })
}

fn check_required(values: &RowValues) -> Result<(), RowError> {
    let missing: Vec<&'static str> = Column::ALL
        .iter()
        .filter(|c| c.required() && values.get(**c).is_empty())
        .map(|c| c.name())
        .collect();
    match missing.first() {
        None => Ok(()),
        Some(&first) => Err(RowError {
            code: RowErrorCode::MissingRequiredField,
            column: Some(first),
            message: format!(
                "Required {} empty: {}. Fill in the value{}.",
                if missing.len() == 1 {
                    "field is"
                } else {
                    "fields are"
                },
                missing.join(", "),
                if missing.len() == 1 { "" } else { "s" }
            ),
        }),
    }
}

fn check_length(column: Column, value: &str, max: usize) -> Result<(), RowError> {
    let length = value.chars().count();
    if length > max {
        return Err(too_long(column, length, max));
    }
    Ok(())
}

fn check_no_control_character(
    column: Column,
    value: &str,
    allowed: impl Fn(char) -> bool,
) -> Result<(), RowError> {
    match value.chars().find(|&c| c.is_control() && !allowed(c)) {
        None => Ok(()),
        Some(c) => Err(RowError {
            code: RowErrorCode::ControlCharacter,
            column: Some(column.name()),
            message: format!(
                "{} holds a control character (U+{:04X}, e.g. a line break or tab inside the \
                 cell). Put the value on one line without tabs.",
                column.name(),
                u32::from(c)
            ),
        }),
    }
}

fn too_long(column: Column, length: usize, max: usize) -> RowError {
    RowError {
        code: RowErrorCode::FieldTooLong,
        column: Some(column.name()),
        message: format!(
            "{} has {length} characters; at most {max} are allowed. Shorten it.",
            column.name()
        ),
    }
}

/// Names the first character Django's username rule refuses.
fn describe_offender(username: &str) -> String {
    let offender = username
        .chars()
        .enumerate()
        .find(|(_, c)| !is_valid_username(&c.to_string()));
    match offender {
        Some((index, '\n' | '\r')) => format!(
            " (a line break at position {}: the cell holds more than one line)",
            index + 1
        ),
        Some((index, c)) if c.is_whitespace() => {
            format!(" (a space at position {})", index + 1)
        }
        Some((index, c)) => format!(
            " (\"{}\", U+{:04X}, at position {})",
            c.escape_debug(),
            c as u32,
            index + 1
        ),
        None if username.is_empty() => " (it is empty after Unicode normalisation)".to_string(),
        None => String::new(),
    }
}
