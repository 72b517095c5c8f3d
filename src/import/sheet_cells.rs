//! Cells a spreadsheet stored as something other than text (dates, TRUE/FALSE, numbers that lost digits or leading zeros): noted while a sheet is read, refused later as row errors naming the cell.

use std::collections::HashMap;

use calamine::Data;

use super::header::Slot;
use super::{Column, RowError, RowErrorCode};

/// Most significant digits a spreadsheet keeps in a number; typed longer, the rest become zeros.
const SPREADSHEET_DIGITS: f64 = 1e15;

/// Why a cell's value cannot be trusted as the text the user typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CellKind {
    /// A date or time: the spreadsheet turned what was typed (e.g. `3-4`) into one.
    Date,
    /// TRUE or FALSE: the spreadsheet turned a typed `true` or `false` into a truth value.
    Boolean,
    /// A number with more than 15 digits: the spreadsheet replaced the last ones by zeros.
    DigitsLost,
    /// A number shorter than the zero-padded texts in its column (`777` under `00123`): its
    /// leading zeros were probably dropped. Names the sheet row of such a text.
    ZerosLost { padded_row: u64 },
}

/// Where a sheet's table starts and which of its cells are not trustworthy text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SheetCells {
    /// Sheet row (1-based) of the header.
    pub first_row: u64,
    /// 0-based column of the table's first column.
    first_column: u64,
    /// Keyed by (sheet row, 0-based sheet column).
    typed: HashMap<(u64, u64), CellKind>,
}

impl SheetCells {
    /// A table whose header is in sheet row `first_row` and starts in `first_column` (0-based).
    pub fn new(first_row: u64, first_column: u64) -> Self {
        Self {
            first_row,
            first_column,
            typed: HashMap::new(),
        }
    }

    /// Notes the cell at sheet row `row`, column `column` (0-based) as `kind`.
    pub fn note(&mut self, row: u64, column: u64, kind: CellKind) {
        self.typed.insert((row, column), kind);
    }

    /// One line of text that [`SheetCells::from_line`] reads back.
    pub fn to_line(&self) -> String {
        let mut line = format!("{}:{}", self.first_row, self.first_column);
        let mut cells: Vec<_> = self.typed.iter().collect();
        cells.sort_unstable_by_key(|(at, _)| **at);
        for ((row, column), kind) in cells {
            let (code, extra) = match kind {
                CellKind::Date => ('d', 0),
                CellKind::Boolean => ('b', 0),
                CellKind::DigitsLost => ('n', 0),
                CellKind::ZerosLost { padded_row } => ('z', *padded_row),
            };
            line.push_str(&format!(";{code}{row}:{column}:{extra}"));
        }
        line
    }

    /// Reads a line made by [`SheetCells::to_line`]; `None` if it is not one.
    pub fn from_line(line: &str) -> Option<Self> {
        let mut parts = line.split(';');
        let (first_row, first_column) = parts.next()?.split_once(':')?;
        let mut cells = Self::new(first_row.parse().ok()?, first_column.parse().ok()?);
        for part in parts {
            let mut chars = part.chars();
            let code = chars.next()?;
            let mut numbers = chars.as_str().splitn(3, ':').map(str::parse::<u64>);
            let (row, column, extra) = (
                numbers.next()?.ok()?,
                numbers.next()?.ok()?,
                numbers.next()?.ok()?,
            );
            let kind = match code {
                'd' => CellKind::Date,
                'b' => CellKind::Boolean,
                'n' => CellKind::DigitsLost,
                'z' => CellKind::ZerosLost { padded_row: extra },
                _ => return None,
            };
            cells.note(row, column, kind);
        }
        Some(cells)
    }

    /// The first untrustworthy cell of sheet row `row` under a known column, as a row error.
    pub(super) fn problem_in_row(&self, row: u64, slots: &[Slot]) -> Option<RowError> {
        if self.typed.is_empty() {
            return None;
        }
        slots.iter().enumerate().find_map(|(index, slot)| {
            let Slot::Known(column) = slot else {
                return None;
            };
            let sheet_column = self.first_column + index as u64;
            let kind = self.typed.get(&(row, sheet_column))?;
            Some(cell_error(*kind, *column, &cell_name(sheet_column, row)))
        })
    }
}

/// Notes what is untrustworthy about each cell of a sheet, given its rows as read (the header first).
pub fn find_typed_cells<'a>(
    rows: impl Iterator<Item = &'a [Data]> + Clone,
    cells: &mut SheetCells,
) {
    // Per column: the longest all-digit text starting with 0, and the sheet row it is on.
    let mut padded: HashMap<usize, (usize, u64)> = HashMap::new();
    for (i, row) in rows.clone().enumerate() {
        for (j, cell) in row.iter().enumerate() {
            if let Data::String(text) = cell {
                let text = text.trim();
                let is_padded = text.len() > 1
                    && text.starts_with('0')
                    && text.bytes().all(|b| b.is_ascii_digit());
                let longest = padded.get(&j).map_or(0, |(len, _)| *len);
                if is_padded && text.len() > longest {
                    padded.insert(j, (text.len(), cells.first_row + i as u64));
                }
            }
        }
    }
    for (i, row) in rows.enumerate() {
        let sheet_row = cells.first_row + i as u64;
        for (j, cell) in row.iter().enumerate() {
            if let Some(kind) = classify(cell, padded.get(&j).copied()) {
                cells.note(sheet_row, cells.first_column + j as u64, kind);
            }
        }
    }
}

/// Whether any cell holds the number 0 or 1, the value LibreOffice gives a truth value it stored as
/// a formula; only then are a sheet's formulas worth reading.
pub fn holds_zero_or_one<'a>(mut rows: impl Iterator<Item = &'a [Data]>) -> bool {
    rows.any(|row| {
        row.iter().any(|cell| match cell {
            Data::Int(n) => *n == 0 || *n == 1,
            Data::Float(x) => *x == 0.0 || *x == 1.0,
            _ => false,
        })
    })
}

/// Notes the cells whose formula is only a truth value: LibreOffice saves a TRUE or FALSE cell of an
/// Excel file as the formula `=TRUE()` (or `=FALSE()`) with the number 1 (or 0) as its value, which
/// would otherwise be read as the text "1". `formulas` is the sheet's formula range.
pub fn find_truth_formulas(formulas: &calamine::Range<String>, cells: &mut SheetCells) {
    let Some((start_row, start_column)) = formulas.start() else {
        return;
    };
    for (i, row) in formulas.rows().enumerate() {
        for (j, formula) in row.iter().enumerate() {
            if is_truth_formula(formula) {
                cells.note(
                    u64::from(start_row) + i as u64 + 1,
                    u64::from(start_column) + j as u64,
                    CellKind::Boolean,
                );
            }
        }
    }
}

/// `=TRUE()`, `of:=FALSE()`, `TRUE` and the like, in any case and spacing.
fn is_truth_formula(formula: &str) -> bool {
    let bare: String = formula
        .trim()
        .trim_start_matches("of:")
        .trim_start_matches('=')
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_uppercase();
    matches!(bare.as_str(), "TRUE()" | "FALSE()" | "TRUE" | "FALSE")
}

/// What is untrustworthy about one cell, given the longest zero-padded text in its column.
fn classify(cell: &Data, padded: Option<(usize, u64)>) -> Option<CellKind> {
    let number = match cell {
        Data::DateTime(_) | Data::DateTimeIso(_) | Data::DurationIso(_) => {
            return Some(CellKind::Date);
        }
        Data::Bool(_) => return Some(CellKind::Boolean),
        Data::Int(n) => *n as f64,
        Data::Float(x) => *x,
        Data::String(_) | Data::Error(_) | Data::Empty => return None,
    };
    if number.fract() != 0.0 {
        return None;
    }
    if number.abs() >= SPREADSHEET_DIGITS {
        return Some(CellKind::DigitsLost);
    }
    let digits = format!("{:.0}", number.abs()).len();
    match padded {
        Some((length, padded_row)) if number >= 0.0 && digits < length => {
            Some(CellKind::ZerosLost { padded_row })
        }
        _ => None,
    }
}

/// The message for an untrustworthy cell; it never quotes the value (it may be a password).
fn cell_error(kind: CellKind, column: Column, cell: &str) -> RowError {
    let name = column.name();
    let retype = format!(
        "Format the {name} column as Text (Format Cells > Text; Google Sheets: Format > Number > \
         Plain text), type the value again, and upload the file again."
    );
    let (code, message) = match kind {
        CellKind::Date => (
            RowErrorCode::SpreadsheetDate,
            format!(
                "Cell {cell} ({name}) holds a date or time, not text: the spreadsheet probably \
                 turned what was typed (e.g. a username like 3-4 or 1/2) into a date. {retype}"
            ),
        ),
        CellKind::Boolean => (
            RowErrorCode::SpreadsheetBoolean,
            format!(
                "Cell {cell} ({name}) holds the truth value TRUE or FALSE, not text: the \
                 spreadsheet turned a typed true or false into one. {retype}"
            ),
        ),
        CellKind::DigitsLost => (
            RowErrorCode::NumberDigitsLost,
            format!(
                "Cell {cell} ({name}) holds a number with more than 15 digits: spreadsheets keep \
                 only 15, so its last digits were replaced by zeros. {retype}"
            ),
        ),
        CellKind::ZerosLost { padded_row } => (
            RowErrorCode::LeadingZerosLost,
            format!(
                "Cell {cell} ({name}) holds a number with fewer digits than the text values with \
                 leading zeros in this column (e.g. row {padded_row}): if it was typed with leading \
                 zeros, the spreadsheet dropped them. {retype}"
            ),
        ),
    };
    RowError {
        code,
        column: Some(name),
        message,
    }
}

/// A cell's name as spreadsheets show it: `D3` for column 3 (0-based), sheet row 3.
pub fn cell_name(column: u64, row: u64) -> String {
    format!("{}{row}", column_letters(column))
}

/// `A`, `B`, …, `Z`, `AA`, … for a 0-based column index.
fn column_letters(mut column: u64) -> String {
    let mut letters = Vec::new();
    loop {
        letters.push(b'A' + (column % 26) as u8);
        if column < 26 {
            break;
        }
        column = column / 26 - 1;
    }
    letters.reverse();
    String::from_utf8(letters).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_named_like_spreadsheets_name_them() {
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(27), "AB");
        assert_eq!(column_letters(701), "ZZ");
        assert_eq!(column_letters(702), "AAA");
        assert_eq!(cell_name(3, 7), "D7");
    }

    #[test]
    fn the_line_reads_back_as_it_was_written() {
        let mut cells = SheetCells::new(4, 2);
        cells.note(5, 3, CellKind::Date);
        cells.note(6, 2, CellKind::Boolean);
        cells.note(7, 4, CellKind::DigitsLost);
        cells.note(8, 3, CellKind::ZerosLost { padded_row: 5 });
        assert_eq!(SheetCells::from_line(&cells.to_line()), Some(cells));
        assert_eq!(SheetCells::from_line("4:0"), Some(SheetCells::new(4, 0)));
        for broken in ["", "x", "4", "4:0;q1:2:0", "4:0;d1:2"] {
            assert_eq!(SheetCells::from_line(broken), None, "{broken}");
        }
    }

    #[test]
    fn numbers_are_judged_by_their_digits_and_their_column() {
        let padded = Some((5, 3));
        assert_eq!(
            classify(&Data::Float(777.0), padded),
            Some(CellKind::ZerosLost { padded_row: 3 })
        );
        assert_eq!(
            classify(&Data::Int(777), padded),
            Some(CellKind::ZerosLost { padded_row: 3 })
        );
        assert_eq!(
            classify(&Data::Float(12345.0), padded),
            None,
            "as long as the padded texts"
        );
        assert_eq!(
            classify(&Data::Float(777.0), None),
            None,
            "no padded text in the column"
        );
        assert_eq!(classify(&Data::Float(1.5), padded), None);
        assert_eq!(
            classify(&Data::Float(1234567890123456.0), None),
            Some(CellKind::DigitsLost)
        );
        assert_eq!(
            classify(&Data::Float(123456789012345.0), None),
            None,
            "15 digits are kept"
        );
        assert_eq!(classify(&Data::Bool(true), None), Some(CellKind::Boolean));
        assert_eq!(
            classify(&Data::DateTimeIso("2024-03-04".into()), None),
            Some(CellKind::Date)
        );
        assert_eq!(classify(&Data::String("00777".into()), padded), None);
    }

    #[test]
    fn only_formulas_that_are_a_bare_truth_value_count() {
        for formula in ["of:=TRUE()", "=FALSE()", "TRUE()", "of:=true ( )", "=FALSE"] {
            assert!(is_truth_formula(formula), "{formula}");
        }
        for formula in [
            "",
            "of:=IF(A1;TRUE();FALSE())",
            "=TRUE()+1",
            "of:=LOWER(B2)",
            "=1",
        ] {
            assert!(!is_truth_formula(formula), "{formula}");
        }
    }
}
