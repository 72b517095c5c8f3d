//! Spreadsheet formulas in cells: quoted in the error report so nothing runs, unquoted on import.

/// Cells a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, tab or CR) get a
/// leading `'`, so opening the report in Excel or LibreOffice runs nothing. The import removes that
/// apostrophe again, so a corrected report can be uploaded as it is.
pub fn neutralise_formula(value: &str) -> String {
    match value.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{value}"),
        _ => value.to_string(),
    }
}

/// Undoes `neutralise_formula` on an imported value.
pub fn restore_formula(value: &str) -> &str {
    match value.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@']) => rest,
        _ => value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_and_restored() {
        for value in ["=HYPERLINK(\"http://x\")", "+1", "-x", "@SUM(A1)"] {
            let cell = neutralise_formula(value);
            assert_eq!(cell, format!("'{value}"));
            assert_eq!(restore_formula(&cell), value);
        }
        assert_eq!(neutralise_formula("Ada"), "Ada");
        assert_eq!(
            restore_formula("'quoted"),
            "'quoted",
            "other apostrophes stay"
        );
        assert_eq!(neutralise_formula("\tx"), "'\tx");
    }
}
