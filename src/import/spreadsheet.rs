//! Spreadsheet uploads (XLSX, ODS, XLS): the first sheet is read cell by cell and handed on as semicolon text, so every rule and message of a CSV import applies; cells that are not trustworthy text are noted for the row reader to refuse.

use std::io::Cursor;

use calamine::{Data, Reader, open_workbook_auto_from_rs};

use super::FileError;
use super::sheet_cells::{SheetCells, find_truth_formulas, find_typed_cells, holds_zero_or_one};

/// Most bytes the files inside an XLSX or ODS may unpack to: far more than any user list needs,
/// little enough that a crafted archive cannot exhaust memory.
pub const MAX_UNPACKED_BYTES: u64 = 256 * 1024 * 1024;

/// Starts the text made from a sheet, followed by one line of [`SheetCells`] (where the table
/// starts and which cells are not text): the row reader then names each row by its sheet row, even
/// below cells holding line breaks, and refuses those cells.
/// (U+FDD0 is a Unicode noncharacter, reserved for such internal use; no file can carry it here.)
pub const SHEET_MARK: char = '\u{FDD0}';

/// Splits text made by [`to_text`] into what is known of the sheet's cells and the CSV text.
pub fn strip_sheet_mark(text: &str) -> (Option<SheetCells>, &str) {
    let Some(rest) = text.strip_prefix(SHEET_MARK) else {
        return (None, text);
    };
    match rest.split_once('\n') {
        Some((line, csv)) => (SheetCells::from_line(line), csv),
        None => (None, rest),
    }
}

/// Whether the upload is a spreadsheet rather than text: a ZIP archive (XLSX, ODS) or an OLE
/// compound file (XLS).
pub fn is_spreadsheet(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1])
}

/// The first sheet as `;`-separated text, one sheet row per record, the header first.
pub fn to_text(bytes: &[u8]) -> Result<String, FileError> {
    if bytes.starts_with(b"PK\x03\x04") {
        refuse_oversized_archive(bytes)?;
    }
    // The reader panics on some damaged files (e.g. a cut-off .xls); that is an unreadable file,
    // not a crash.
    std::panic::catch_unwind(|| read_first_sheet(bytes)).unwrap_or_else(|_| Err(unreadable()))
}

fn read_first_sheet(bytes: &[u8]) -> Result<String, FileError> {
    let mut workbook = open_workbook_auto_from_rs(Cursor::new(bytes)).map_err(|_| unreadable())?;
    let sheet = workbook
        .sheet_names()
        .first()
        .cloned()
        .ok_or_else(unreadable)?;
    let range = workbook.worksheet_range(&sheet).map_err(|_| unreadable())?;
    let (first_row, first_column) = range.start().unwrap_or((0, 0));
    let mut cells = SheetCells::new(u64::from(first_row) + 1, u64::from(first_column));
    find_typed_cells(range.rows(), &mut cells);
    if holds_zero_or_one(range.rows()) {
        // A formula that cannot be read leaves the values as they are, as before.
        if let Ok(formulas) = workbook.worksheet_formula(&sheet) {
            find_truth_formulas(&formulas, &mut cells);
        }
    }
    let mut writer = csv::WriterBuilder::new()
        .delimiter(b';')
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    for row in range.rows() {
        let record: Vec<String> = row.iter().map(cell_text).collect();
        writer.write_record(&record).map_err(|_| unreadable())?;
    }
    let bytes = writer.into_inner().map_err(|_| unreadable())?;
    let csv = String::from_utf8(bytes).map_err(|_| unreadable())?;
    Ok(format!("{SHEET_MARK}{}\n{csv}", cells.to_line()))
}

/// A cell as the text a user typed: numbers without a trailing `.0`, error values as the
/// spreadsheet shows them (the import then refuses them as damaged), dates as ISO 8601 (the row
/// reader refuses them; the error report shows them readably).
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(text) => text.clone(),
        Data::Int(n) => n.to_string(),
        Data::Float(x) if x.fract() == 0.0 && x.abs() < 1e15 => format!("{x:.0}"),
        Data::Float(x) => x.to_string(),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        Data::Error(error) => error.to_string(),
        Data::DateTime(date) => match date.as_datetime() {
            Some(at) if at.time() == chrono::NaiveTime::MIN => at.format("%Y-%m-%d").to_string(),
            Some(at) => at.format("%Y-%m-%d %H:%M:%S").to_string(),
            None => date.to_string(),
        },
        Data::DateTimeIso(text) | Data::DurationIso(text) => text.clone(),
    }
}

/// Refuses an archive whose files unpack to more than [`MAX_UNPACKED_BYTES`] (as declared in its
/// directory; the reader stops at the declared sizes).
fn refuse_oversized_archive(bytes: &[u8]) -> Result<(), FileError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| unreadable())?;
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        let entry = archive.by_index_raw(i).map_err(|_| unreadable())?;
        total = total.saturating_add(entry.size());
    }
    if total > MAX_UNPACKED_BYTES {
        return Err(FileError::new(
            "file_too_large",
            format!(
                "The spreadsheet unpacks to {} MB, more than the {} MB Roster reads. Keep only \
                 the user list in the file (one sheet, no pictures), or save it as CSV UTF-8.",
                total / (1024 * 1024),
                MAX_UNPACKED_BYTES / (1024 * 1024)
            ),
        ));
    }
    Ok(())
}

fn unreadable() -> FileError {
    FileError::new(
        "unreadable_spreadsheet",
        "The file looks like a spreadsheet (XLSX, ODS or XLS) but cannot be read. Open it in your \
         spreadsheet program, save it again as Excel Workbook (.xlsx) or as CSV UTF-8, and upload \
         that file.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_keep_their_digits_and_error_values_stay_visible() {
        let text = |d: Data| cell_text(&d);
        assert_eq!(text(Data::Float(20231200000000.0)), "20231200000000");
        assert_eq!(text(Data::Int(42)), "42");
        assert_eq!(text(Data::Float(1.5)), "1.5");
        assert_eq!(text(Data::Error(calamine::CellErrorType::NA)), "#N/A");
        assert_eq!(text(Data::Empty), "");
    }

    #[test]
    fn a_file_that_is_not_a_workbook_is_refused_as_unreadable() {
        let err = to_text(b"PK\x03\x04 not really a zip").unwrap_err();
        assert_eq!(err.code, "unreadable_spreadsheet");
    }
}
