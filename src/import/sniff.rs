//! Looks at the start of decoded text before it is read as CSV: Excel's `sep=` line, the field
//! delimiter, and files that are not a table at all (a web page or JSON saved as .csv).

use super::{Column, FileError, shown};

/// The field delimiter a file was read with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delimiter {
    Semicolon,
    Comma,
    Tab,
}

impl Delimiter {
    /// The byte between fields.
    pub fn byte(self) -> u8 {
        match self {
            Delimiter::Semicolon => b';',
            Delimiter::Comma => b',',
            Delimiter::Tab => b'\t',
        }
    }

    /// The notice shown when the file is not the documented semicolon format, if it is not.
    pub fn notice(self) -> Option<String> {
        let name = match self {
            Delimiter::Semicolon => return None,
            Delimiter::Comma => "comma",
            Delimiter::Tab => "tab",
        };
        Some(format!(
            "The file was read as {name}-delimited: its header line, split at each {name}, names \
             exactly Roster's columns."
        ))
    }
}

/// Excel writes `sep=;` (or `sep=,`) as a first line when asked: take it off and say which
/// separator it names; other separators are refused.
pub fn strip_sep_line(text: &str) -> Result<(&str, u64, Option<Delimiter>), FileError> {
    let first = text.lines().next().unwrap_or_default();
    let rest = || text.split_once('\n').map_or("", |(_, rest)| rest);
    // Trim spaces only: `sep=` followed by a tab names the tab.
    match first.trim_matches(' ').strip_prefix("sep=") {
        // LibreOffice reads Excel's line as a row of its own and pads it on saving: `sep=;;;;;;`.
        Some(sep) if !sep.is_empty() && sep.bytes().all(|b| b == b';') => {
            Ok((rest(), 1, Some(Delimiter::Semicolon)))
        }
        Some(sep) if !sep.is_empty() && sep.bytes().all(|b| b == b',') => {
            Ok((rest(), 1, Some(Delimiter::Comma)))
        }
        Some("\t") => Ok((rest(), 1, Some(Delimiter::Tab))),
        Some(other) => Err(FileError::new(
            "wrong_delimiter",
            format!(
                "The first line says sep={}, but Roster reads only \";\" (or \",\" when the \
                 header proves it). {SAVE_WITH_A_TRUSTED_DELIMITER}",
                shown(other, 20)
            ),
        )),
        None => Ok((text, 0, None)),
    }
}

/// What to do with a file whose delimiter Roster cannot trust.
const SAVE_WITH_A_TRUSTED_DELIMITER: &str = "Start from the sample CSV and keep its header line \
first_name;last_name;email;username;organizational_unit;job_title;password (a comma- or \
tab-delimited file is read when its header line names exactly these columns, and no others), \
or save the file with \";\" as the field delimiter (LibreOffice: File > Save As > \"Text CSV \
(.csv)\" > \"Edit filter settings\" > Field delimiter \";\").";

/// The first line of `body`: up to the first line end of any kind (Excel for Mac ends lines with
/// a lone CR and may hold an LF inside a quoted cell).
fn header_line(body: &str) -> &str {
    body.split(['\r', '\n'])
        .find(|line| !line.trim().is_empty())
        .unwrap_or_default()
}

/// Whether `header`, split at `delimiter`, is exactly a Roster header: only known column names,
/// each at most once, the required ones present.
fn proves(header: &str, delimiter: char) -> bool {
    let mut seen: Vec<Column> = Vec::new();
    for cell in header.split(delimiter) {
        let name = cell.trim().trim_matches('"').trim().to_ascii_lowercase();
        match Column::ALL.iter().find(|c| c.name() == name) {
            Some(column) if !seen.contains(column) => seen.push(*column),
            _ => return false,
        }
    }
    Column::ALL
        .iter()
        .all(|c| !c.required() || seen.contains(c))
}

/// Finds the field delimiter, refusing text that is not a table, naming what it is instead.
/// Semicolon is the documented format; a comma or tab is read only when the header proves it.
pub fn detect_delimiter(body: &str, declared: Option<Delimiter>) -> Result<Delimiter, FileError> {
    let header = header_line(body);
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
                 as CSV, or start from the sample CSV.",
                shown(start, 40)
            ),
        ));
    }
    if declared != Some(Delimiter::Comma) && header.contains(';') {
        return Ok(Delimiter::Semicolon);
    }
    for (delimiter, sep, name) in [
        (Delimiter::Tab, '\t', "tab"),
        (Delimiter::Comma, ',', "comma"),
    ] {
        if declared.is_some_and(|d| d != delimiter) || !header.contains(sep) {
            continue;
        }
        if proves(header, sep) {
            return Ok(delimiter);
        }
        return Err(FileError::new(
            "wrong_delimiter",
            format!(
                "The file is {name}-delimited, and its header line is not exactly a Roster \
                 header, so Roster cannot be sure how to split its rows. \
                 {SAVE_WITH_A_TRUSTED_DELIMITER}"
            ),
        ));
    }
    Ok(declared.unwrap_or(Delimiter::Semicolon))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_comma_or_tab_header_must_prove_itself() {
        let comma = "first_name,last_name,email,username\nA,B,a@example.com,ab\n";
        assert_eq!(detect_delimiter(comma, None), Ok(Delimiter::Comma));
        let tab = "First_Name\tlast_name\temail\tusername\tpassword\r\n";
        assert_eq!(detect_delimiter(tab, None), Ok(Delimiter::Tab));
        let mac = "first_name,last_name,email,username,job_title\rAna,Lee,\"Sales; EMEA\"\r";
        assert_eq!(detect_delimiter(mac, None), Ok(Delimiter::Comma));
        for unproven in [
            "first_name,last_name,email,username,notes\n",
            "first_name,last_name,email\n",
            "first_name,first_name,last_name,email,username\n",
            "first_name,last_name,email,username,\n",
        ] {
            let err = detect_delimiter(unproven, None).unwrap_err();
            assert_eq!(err.code, "wrong_delimiter", "{unproven}");
            assert!(err.message.contains("comma-delimited"), "{}", err.message);
        }
        assert_eq!(
            detect_delimiter("first_name;last_name,x\n", None),
            Ok(Delimiter::Semicolon)
        );
    }

    #[test]
    fn sep_line_names_the_delimiter() {
        let (body, skipped, declared) = strip_sep_line("sep=,\na,b\n").unwrap();
        assert_eq!(
            (body, skipped, declared),
            ("a,b\n", 1, Some(Delimiter::Comma))
        );
        assert_eq!(
            strip_sep_line("sep=\t\r\nx").unwrap().2,
            Some(Delimiter::Tab)
        );
        assert_eq!(
            strip_sep_line("sep=|\n").unwrap_err().code,
            "wrong_delimiter"
        );
    }
}
