//! Looks at the start of decoded text before it is read as CSV: Excel's `sep=` line, the field
//! delimiter, and files that are not a table at all (a web page or JSON saved as .csv).

use super::{FileError, shown};

/// Excel writes `sep=;` as a first line when asked; accept it, reject other separators.
pub fn strip_sep_line(text: &str) -> Result<(&str, u64), FileError> {
    let first = text.lines().next().unwrap_or_default();
    // Trim spaces only: `sep=` followed by a tab names the tab.
    match first.trim_matches(' ').strip_prefix("sep=") {
        // LibreOffice reads Excel's line as a row of its own and pads it on saving: `sep=;;;;;;`.
        Some(sep) if !sep.is_empty() && sep.bytes().all(|b| b == b';') => {
            Ok((text.split_once('\n').map_or("", |(_, rest)| rest), 1))
        }
        Some(other) => Err(FileError::new(
            "wrong_delimiter",
            format!(
                "The first line says sep={}, but Roster needs semicolons. Save the file again \
                 with \";\" as the field delimiter.",
                if other == "\t" {
                    "<tab>".to_string()
                } else {
                    shown(other, 20)
                }
            ),
        )),
        None => Ok((text, 0)),
    }
}

/// Refuses text that is not a semicolon table, naming what it is instead.
pub fn check_delimiter(body: &str) -> Result<(), FileError> {
    let header = body
        .lines()
        .find(|line| !line.trim().is_empty())
        .unwrap_or_default();
    let start = header.trim_start();
    let kind = match start.chars().next() {
        Some('<') => Some("a web page or XML document"),
        // A header cell may be bracketed ("[first_name];..."); JSON has no bare semicolons.
        Some('{' | '[') if !start.contains(';') => Some("JSON"),
        _ => None,
    };
    if let Some(kind) = kind {
        return Err(FileError::new(
            "malformed_csv",
            format!(
                "The file is {kind}, not a CSV table: its first line is \"{}\". Export the users \
                 as CSV with \";\" as the field delimiter, or start from the sample CSV.",
                shown(start, 40)
            ),
        ));
    }
    if header.contains(';') {
        return Ok(());
    }
    let how = "Save it again with \";\" as the field delimiter (LibreOffice: Save As > Text CSV > \
               Edit filter settings > Field delimiter \";\"; Excel in a comma-decimal locale \
               writes \";\" with \"CSV (semicolon)\"), or start from the sample CSV.";
    if header.contains('\t') {
        return Err(FileError::new(
            "wrong_delimiter",
            format!("The file is tab-delimited, but Roster needs semicolons. {how}"),
        ));
    }
    if header.contains(',') {
        return Err(FileError::new(
            "wrong_delimiter",
            format!("The file is comma-delimited, but Roster needs semicolons. {how}"),
        ));
    }
    Ok(())
}
