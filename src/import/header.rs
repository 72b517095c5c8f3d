//! The header line: which column each position holds, refused with the fix when a column is unknown, repeated or missing.

use super::{Column, FileError};

/// The header's slots and what every row check needs from them, worked out once per file so
/// reading a row costs only that row's cells, however wide the header.
pub(super) struct Layout {
    pub(super) slots: Vec<Slot>,
    /// Cells a row must have: up to the last required or password column. Trailing optional
    /// cells may be left out entirely (spreadsheets drop empty ones), but not up to a password
    /// column: a short row may have shifted the password into a shown one.
    pub(super) needed: usize,
    pub(super) has_password: bool,
}

impl Layout {
    pub(super) fn new(slots: Vec<Slot>) -> Self {
        Self {
            needed: slots
                .iter()
                .rposition(
                    |slot| matches!(slot, Slot::Known(c) if c.required() || *c == Column::Password),
                )
                .map_or(0, |last| last + 1),
            has_password: slots.contains(&Slot::Known(Column::Password)),
            slots,
        }
    }
}

/// Most header cells a file may have; spreadsheets add a few empty ones, never thousands.
pub const MAX_COLUMNS: usize = 200;

/// What one header position holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Slot {
    Known(Column),
    /// The `error` and `note` columns of Roster's own error report.
    Ignored,
    /// A header cell left empty (spreadsheets add these); values under it are refused.
    Unnamed,
}

/// Maps each header position to what it holds.
pub(super) fn header_layout(header: &csv::StringRecord) -> Result<Vec<Slot>, FileError> {
    if header.len() > MAX_COLUMNS {
        return Err(FileError::new(
            "too_many_columns",
            format!(
                "The header line has {} cells; a file may have at most {MAX_COLUMNS}. Delete the \
                 empty columns to the right of your data (select them and delete the columns, not \
                 just their contents) and save the file again.",
                header.len()
            ),
        ));
    }
    let mut layout = Vec::with_capacity(header.len());
    let mut unknown = Vec::new();
    let mut duplicates = Vec::new();
    for raw in header.iter() {
        let name = raw.trim().to_ascii_lowercase();
        if name.is_empty() {
            layout.push(Slot::Unnamed);
            continue;
        }
        if name == "error" || name == "note" {
            layout.push(Slot::Ignored);
            continue;
        }
        match Column::ALL.iter().find(|c| c.name() == name) {
            Some(&column) if layout.contains(&Slot::Known(column)) => {
                if !duplicates.contains(&column.name()) {
                    duplicates.push(column.name());
                }
                layout.push(Slot::Ignored);
            }
            Some(&column) => layout.push(Slot::Known(column)),
            None => {
                unknown.push(describe_unknown(raw.trim()));
                layout.push(Slot::Ignored);
            }
        }
    }
    if !duplicates.is_empty() {
        return Err(FileError::new(
            "duplicate_columns",
            format!(
                "The header names these columns more than once: {}. Keep one of each.",
                duplicates.join(", ")
            ),
        ));
    }
    if !unknown.is_empty() {
        return Err(FileError::new(
            "unknown_columns",
            format!(
                "The header has columns Roster does not know: {}. Allowed columns are {}.",
                unknown.join(", "),
                allowed_list()
            ),
        ));
    }
    let missing: Vec<&str> = Column::ALL
        .iter()
        .filter(|c| c.required() && !layout.contains(&Slot::Known(**c)))
        .map(|c| c.name())
        .collect();
    if !missing.is_empty() {
        return Err(FileError::new(
            "missing_columns",
            format!(
                "The header is missing required columns: {}. The first line must name the \
                 columns, e.g. first_name;last_name;email;username;organizational_unit;job_title;password",
                missing.join(", ")
            ),
        ));
    }
    Ok(layout)
}

fn describe_unknown(name: &str) -> String {
    let squashed: String = name
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase();
    let suggestion = Column::ALL
        .iter()
        .find(|c| c.name().replace('_', "") == squashed)
        .map(|c| format!(" (did you mean \"{}\"?)", c.name()))
        .unwrap_or_default();
    format!("\"{}\"{suggestion}", super::shown(name, 60))
}

fn allowed_list() -> String {
    Column::ALL
        .iter()
        .map(|c| c.name())
        .collect::<Vec<_>>()
        .join(", ")
}
