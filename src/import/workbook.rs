//! The template and the error report as `.xlsx`, every column typed as Text so `00123` survives Excel.

use rust_xlsxwriter::{Format, FormatBorder, Workbook, XlsxError};

use super::Column;
use super::report::{ReportRow, error_cell, password_note};

/// Excel's built-in number format 49, "Text" (`@`): what is typed stays as typed, leading zeros
/// included.
const TEXT: u8 = 49;

/// The import template: the sample rows under the header, each column typed as Text.
pub fn template_xlsx() -> Result<Vec<u8>, XlsxError> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(crate::SAMPLE_CSV.as_bytes());
    let rows: Vec<Vec<String>> = reader
        .records()
        .filter_map(Result::ok)
        .map(|record| record.iter().map(str::to_string).collect())
        .collect();
    let header: Vec<&str> = Column::ALL.iter().map(|c| c.name()).collect();
    write_sheet(&header, &rows)
}

/// The failed rows in the import format plus `error` and `note`; passwords are never written,
/// and the note says which rows had one, so a corrected report does not silently drop it.
pub fn error_report_xlsx(rows: &[ReportRow]) -> Result<Vec<u8>, XlsxError> {
    let mut header: Vec<&str> = Column::ALL.iter().map(|c| c.name()).collect();
    header.extend(["error", "note"]);
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            let error = error_cell(row);
            (row.summary.person.values().into_iter())
                .chain(["", &error, password_note(row)])
                .map(str::to_string)
                .collect()
        })
        .collect();
    write_sheet(&header, &cells)
}

/// One sheet named "users": a bold, frozen header and Text-typed columns holding string cells only,
/// so no value is ever read as a number, a date or a formula.
fn write_sheet(header: &[&str], rows: &[Vec<String>]) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("users")?;
    let text = Format::new().set_num_format_index(TEXT);
    let bold = Format::new()
        .set_num_format_index(TEXT)
        .set_bold()
        .set_border_bottom(FormatBorder::Thin);
    for (col, name) in (0u16..).zip(header) {
        sheet.set_column_width(col, column_width(name))?;
        // Excel keeps a column's format for cells typed later: `00777` typed in a new row stays text.
        sheet.set_column_format(col, &text)?;
        sheet.write_string_with_format(0, col, *name, &bold)?;
    }
    for (row, values) in (1u32..).zip(rows) {
        for (col, value) in (0u16..).zip(values) {
            sheet.write_string_with_format(row, col, value, &text)?;
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    workbook.save_to_buffer()
}

/// Roughly as wide as the values usually are, in Excel's character units.
fn column_width(name: &str) -> f64 {
    match name {
        "email" | "organizational_unit" => 28.0,
        "error" => 80.0,
        "note" => 50.0,
        _ => 16.0,
    }
}
