//! Values a spreadsheet damaged on export: error values (`#N/A`), letters lost to `?`, and numbers shown in scientific notation.

use super::parse::RowValues;
use super::{Column, RowError, RowErrorCode, visible};

/// Error values Excel, LibreOffice and Google Sheets show (and export) for a formula that failed.
const ERROR_VALUES: [&str; 11] = [
    "#N/A",
    "#NAME?",
    "#REF!",
    "#VALUE!",
    "#DIV/0!",
    "#NUM!",
    "#NULL!",
    "#SPILL!",
    "#CALC!",
    "#GETTING_DATA",
    "#ERROR!",
];

/// The fix for a file whose letters were replaced by `?` on export.
pub const LOST_LETTERS_FIX: &str = "Excel's \"CSV (Comma delimited)\", \"CSV (MS-DOS)\" and \
\"CSV (Macintosh)\" replace every letter outside the computer's code page (Ł, ą, 山田) with \
\"?\". Upload the .xlsx itself, or save it with File > Save As > \"CSV UTF-8 (Comma delimited)\" \
(German Excel: \"CSV UTF-8 (durch Trennzeichen getrennt)\").";

/// Whether `value` is a spreadsheet error value: Excel's `#N/A`, `#NAME?`, … or LibreOffice's `Err:502`.
pub fn is_error_value(value: &str) -> bool {
    let value = value.trim();
    if let Some(code) = value.strip_prefix("Err:") {
        return code.len() == 3 && code.bytes().all(|b| b.is_ascii_digit());
    }
    ERROR_VALUES.iter().any(|e| e.eq_ignore_ascii_case(value))
}

/// Whether `value` has a `?` where a letter was: before a letter or digit, or before another `?`.
fn has_lost_letter(value: &str) -> bool {
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '?'
            && chars
                .peek()
                .is_some_and(|&next| next.is_alphanumeric() || next == '?')
        {
            return true;
        }
    }
    false
}

/// Whether `value` is a number as a spreadsheet shows a long one: `2.02312E+13`.
fn is_scientific_number(value: &str) -> bool {
    let Some((mantissa, exponent)) = value.split_once(['E', 'e']) else {
        return false;
    };
    let digits = exponent.strip_prefix('+').unwrap_or("");
    let (whole, fraction) = mantissa.split_once(['.', ',']).unwrap_or((mantissa, "0"));
    !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && whole.len() == 1
        && whole.bytes().all(|b| b.is_ascii_digit())
        && !fraction.is_empty()
        && fraction.bytes().all(|b| b.is_ascii_digit())
}

/// The first damage found in a row, naming its column and the fix; a password is never quoted.
/// `lossy_export` says the file could come from an export that replaces letters by `?`: it is
/// plain ASCII without a byte order mark (a file that proves it is Unicode cannot have lost any).
pub fn check(values: &RowValues, lossy_export: bool) -> Option<RowError> {
    let password = values.password.as_ref().map(|p| p.expose());
    for column in Column::ALL {
        let value = match column {
            Column::Password => password.unwrap_or(""),
            other => values.get(other),
        };
        let secret = column == Column::Password;
        let quoted = |v: &str| {
            if secret {
                String::new()
            } else {
                format!(" \"{}\"", visible(v))
            }
        };
        if is_error_value(value) {
            return Some(RowError {
                code: RowErrorCode::SpreadsheetErrorValue,
                column: Some(column.name()),
                message: format!(
                    "The {} cell holds the spreadsheet error value{}{}: a formula failed \
                     (a broken lookup, or a value typed with a leading \"=\"), so the real value \
                     is missing. Fix the formula or type the value as text, then save again.",
                    column.name(),
                    quoted(value),
                    if secret { " (e.g. #NAME?)" } else { "" },
                ),
            });
        }
        if lossy_export && has_lost_letter(value) {
            return Some(RowError {
                code: RowErrorCode::LostCharacters,
                column: Some(column.name()),
                message: format!(
                    "The {} value{} has \"?\" where a letter probably was: the file was saved \
                     in an encoding that cannot hold every letter. {LOST_LETTERS_FIX}",
                    column.name(),
                    quoted(value),
                ),
            });
        }
        if matches!(column, Column::Username | Column::Email) && is_scientific_number(value) {
            return Some(RowError {
                code: RowErrorCode::NumberShownAsScientific,
                column: Some(column.name()),
                message: format!(
                    "The {} value \"{}\" is a number the spreadsheet shows in scientific \
                     notation, so its last digits are lost. Format the column as Text, type the \
                     full values again, and upload the .xlsx itself.",
                    column.name(),
                    visible(value),
                ),
            });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_values_of_every_spreadsheet() {
        for value in ["#N/A", "#NAME?", "#REF!", "#div/0!", "Err:502", " #SPILL! "] {
            assert!(is_error_value(value), "{value}");
        }
        for value in ["#1", "N/A", "Err:5", "Err:50x", "#hashtag", "Error"] {
            assert!(!is_error_value(value), "{value}");
        }
    }

    #[test]
    fn question_marks_that_replaced_letters() {
        for value in ["?ukasz", "B?k", "?? ??", "Has?o-Mocne-1"] {
            assert!(has_lost_letter(value), "{value}");
        }
        for value in ["Why?", "Really ?", "a?", "?"] {
            assert!(!has_lost_letter(value), "{value}");
        }
    }

    #[test]
    fn scientific_notation() {
        for value in ["2.02312E+13", "1,5E+11", "9.9e+20"] {
            assert!(is_scientific_number(value), "{value}");
        }
        for value in [
            "2E3",
            "ab.cE+1",
            "12.3E+4",
            "2.0E-3",
            "e+1",
            "20231201123456",
        ] {
            assert!(!is_scientific_number(value), "{value}");
        }
    }
}
