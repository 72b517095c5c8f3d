//! Reads decoded text as CSV (semicolon, or a comma/tab the header proves): checks the header,
//! then yields each row with its physical line.

pub use super::header::MAX_COLUMNS;
use super::header::{Layout, Slot, header_layout};
use super::lines::LineCounter;
use super::shape::{self, Record};
use super::sheet_cells::SheetCells;
use super::sniff::{Delimiter, detect_delimiter, strip_sep_line};
use super::{Column, FileError, Person, RowError, Secret, decode::decode};

/// The values of one data row; all but the password are trimmed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RowValues {
    pub person: Person,
    /// `None` when the column is absent or the cell is empty.
    pub password: Option<Secret>,
}

impl RowValues {
    /// The trimmed value of a non-password column.
    pub fn get(&self, column: Column) -> &str {
        let person = &self.person;
        match column {
            Column::FirstName => &person.first_name,
            Column::LastName => &person.last_name,
            Column::Email => &person.email,
            Column::Username => &person.username,
            Column::OrganizationalUnit => &person.organizational_unit,
            Column::JobTitle => &person.job_title,
            Column::Password => "",
        }
    }

    fn set(&mut self, column: Column, raw: &str) {
        let value = super::formula::restore_formula(raw.trim()).to_string();
        let person = &mut self.person;
        match column {
            Column::FirstName => person.first_name = value,
            Column::LastName => person.last_name = value,
            Column::Email => person.email = value,
            Column::Username => person.username = value,
            Column::OrganizationalUnit => person.organizational_unit = value,
            Column::JobTitle => person.job_title = value,
            Column::Password => {
                self.password = (!raw.is_empty()).then(|| Secret::new(raw.to_string()))
            }
        }
    }
}

/// One data row as read: its physical line, its values, and a problem found while reading.
#[derive(Debug, Clone)]
pub struct RawRow {
    /// 1-based physical line where the row starts.
    pub line: u64,
    pub values: RowValues,
    /// Set when the row cannot be read reliably (wrong number of fields).
    pub malformed: Option<RowError>,
    /// The file may come from an export that replaces letters by `?` (plain ASCII, no byte order mark).
    pub lossy_export: bool,
    /// The row a spreadsheet shows this CSV row in, when it differs from `line` (a cell above
    /// holds a line break, so the file has more lines than the sheet has rows).
    pub sheet_row: Option<u64>,
}

/// A file that passed the file-level checks.
#[derive(Debug, Clone)]
pub struct ParsedFile {
    /// The known columns present in the header.
    pub columns: Vec<Column>,
    pub rows: Vec<RawRow>,
    /// What the admin should know about how the file was read (e.g. a comma delimiter).
    pub notices: Vec<String>,
}

/// Decodes and parses a whole upload, or rejects it with a file-level error.
pub fn parse(bytes: &[u8], max_rows: usize) -> Result<ParsedFile, FileError> {
    let text = decode(bytes)?;
    let mut reader = RowReader::new(&text, max_rows)?;
    let columns = reader.columns();
    let notices = reader.notices();
    let rows = reader.by_ref().collect::<Result<Vec<_>, _>>()?;
    if rows.is_empty() {
        return Err(no_rows());
    }
    Ok(ParsedFile {
        columns,
        rows,
        notices,
    })
}

/// What the admin should know about how decoded `text` is read (none when it cannot be read).
pub fn notices(text: &str) -> Vec<String> {
    RowReader::new(text, usize::MAX).map_or_else(|_| Vec::new(), |reader| reader.notices())
}

/// The error for a file with a header and nothing under it.
pub fn no_rows() -> FileError {
    FileError::new(
        "no_rows",
        "The file has a header line but no user rows. Add one line per user below the header.",
    )
}

/// Reads data rows one at a time from decoded text, so a whole file never has to be in memory as
/// rows. The header and delimiter are checked when it is made; a row limit is enforced as it reads.
pub struct RowReader<'a> {
    reader: csv::Reader<&'a [u8]>,
    /// The record being read, reused for every row (no allocation per row).
    record: csv::StringRecord,
    layout: Layout,
    lines: LineCounter<'a>,
    skipped_lines: u64,
    /// Where a double quote opens that the file never closes (a byte offset in the body).
    open_quote: Option<u64>,
    max_rows: usize,
    rows: usize,
    failed: bool,
    delimiter: Delimiter,
    lossy_export: bool,
    /// Line breaks inside the cells of the records read so far: each one makes the file a line
    /// longer than the sheet it opens as.
    breaks_in_cells: u64,
    /// For text made from a spreadsheet: where its table starts (rows are named by sheet row) and
    /// which cells are not trustworthy text.
    sheet: Option<SheetCells>,
}

impl<'a> RowReader<'a> {
    /// Checks the delimiter and header of `text` (already decoded).
    pub fn new(text: &'a str, max_rows: usize) -> Result<Self, FileError> {
        let (sheet, text) = super::spreadsheet::strip_sheet_mark(text);
        let (text, had_bom) = match text.strip_prefix(super::decode::BOM) {
            Some(rest) => (rest, true),
            None => (text, false),
        };
        // A spreadsheet stores Unicode: no letter was lost to `?` on the way.
        let lossy_export = !had_bom && sheet.is_none() && text.is_ascii();
        let (body, skipped_lines, declared) = strip_sep_line(text)?;
        let delimiter = detect_delimiter(body, declared)?;
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter.byte())
            .has_headers(false)
            .flexible(true)
            .from_reader(body.as_bytes());
        let mut header = csv::StringRecord::new();
        match reader.read_record(&mut header) {
            Ok(true) => {}
            Err(err) => return Err(csv_error(&err, skipped_lines)),
            Ok(false) => {
                return Err(FileError::new(
                    "empty_file",
                    "The file has no header line and no rows. Start from the sample CSV: it has the \
                     header line and one example row.",
                ));
            }
        }
        let open_quote =
            shape::unclosed_quote(body.as_bytes(), delimiter.byte()).map(|at| at as u64);
        if open_quote.is_some_and(|at| at < reader.position().byte()) {
            return Err(FileError::new(
                "malformed_csv",
                "A double quote in the header line is never closed, so the whole file was read \
                 as the header. Remove the quote, or close it.",
            ));
        }
        let layout = Layout::new(header_layout(&header)?);
        let breaks_in_cells = line_breaks_in(&header);
        Ok(Self {
            reader,
            record: header,
            layout,
            lines: LineCounter::new(body.as_bytes()),
            skipped_lines,
            breaks_in_cells,
            open_quote,
            max_rows,
            rows: 0,
            failed: false,
            delimiter,
            lossy_export,
            sheet,
        })
    }

    /// What the admin should know about how the file was read.
    pub fn notices(&self) -> Vec<String> {
        self.delimiter.notice().into_iter().collect()
    }

    /// The known columns present in the header.
    pub fn columns(&self) -> Vec<Column> {
        self.layout
            .slots
            .iter()
            .filter_map(|slot| match slot {
                Slot::Known(column) => Some(*column),
                _ => None,
            })
            .collect()
    }
}

impl RowReader<'_> {
    /// Reads the next non-empty record into `self.record` and says where it sits; `None` at the
    /// end or after a file problem.
    fn next_record(&mut self) -> Option<Result<Placed, FileError>> {
        if self.failed {
            return None;
        }
        let outcome = loop {
            match self.reader.read_record(&mut self.record) {
                Ok(true) => {}
                Ok(false) => return None,
                Err(err) => break Err(csv_error(&err, self.skipped_lines)),
            }
            let record = &self.record;
            let start = record.position().map_or(0, |p| p.byte());
            let (line, sheet_row) = match &self.sheet {
                Some(sheet) => (
                    sheet.first_row + record.position().map_or(0, |p| p.record()),
                    None,
                ),
                None => {
                    let line = self.lines.line_at(start) + self.skipped_lines;
                    let breaks = self.breaks_in_cells;
                    (line, (breaks > 0).then(|| line.saturating_sub(breaks)))
                }
            };
            self.breaks_in_cells += line_breaks_in(record);
            let end = self.reader.position().byte();
            let ends_open = self.open_quote.is_some_and(|at| start <= at && at < end);
            if record.iter().all(|field| field.trim().is_empty()) {
                continue;
            }
            if self.rows == self.max_rows {
                let max = self.max_rows;
                break Err(FileError::new(
                    "too_many_rows",
                    format!(
                        "The file has more than {max} rows, the most one import accepts. \
                         Split it into files of at most {max} rows and import them one by one."
                    ),
                ));
            }
            self.rows += 1;
            break check_unnamed(&self.layout, record, line).map(|()| Placed {
                line,
                sheet_row,
                ends_open,
            });
        };
        self.failed = outcome.is_err();
        Some(outcome)
    }

    /// Reads the next row only as far as a file problem goes (the ones [`Iterator::next`]
    /// rejects the file for), without building its values: for a pass that only counts rows.
    pub fn skip_row(&mut self) -> Option<Result<(), FileError>> {
        self.next_record().map(|placed| placed.map(drop))
    }
}

impl Iterator for RowReader<'_> {
    type Item = Result<RawRow, FileError>;

    fn next(&mut self) -> Option<Self::Item> {
        Some(self.next_record()?.map(|placed| {
            let shape = Shape {
                line: placed.line,
                ends_open: placed.ends_open,
                delimiter: self.delimiter.byte(),
                lossy_export: self.lossy_export,
                sheet: self.sheet.as_ref(),
                sheet_row: placed.sheet_row,
            };
            read_row(&self.layout, &self.record, &shape)
        }))
    }
}

/// Where a non-empty record sits: its line, its sheet row, whether an unclosed quote swallowed it.
struct Placed {
    line: u64,
    sheet_row: Option<u64>,
    ends_open: bool,
}

/// Where a record sits and how the file around it was read.
struct Shape<'a> {
    line: u64,
    ends_open: bool,
    delimiter: u8,
    lossy_export: bool,
    sheet: Option<&'a SheetCells>,
    sheet_row: Option<u64>,
}

/// Refuses a row with a value in a column the header gives no name.
fn check_unnamed(layout: &Layout, record: &csv::StringRecord, line: u64) -> Result<(), FileError> {
    let mut cells = record.iter().zip(&layout.slots);
    match cells.position(|(field, slot)| *slot == Slot::Unnamed && !field.trim().is_empty()) {
        None => Ok(()),
        Some(index) => Err(FileError::new(
            "unnamed_column",
            format!(
                "Line {line} has a value in column {} but the header gives that column no name. \
                 Name it or delete the column.",
                index + 1
            ),
        )),
    }
}

/// The row's values and any problem of its shape; `check_unnamed` has passed.
fn read_row(layout: &Layout, record: &csv::StringRecord, shape: &Shape<'_>) -> RawRow {
    let line = shape.line;
    let mut values = RowValues::default();
    for (field, slot) in record.iter().zip(&layout.slots) {
        if let Slot::Known(column) = slot {
            values.set(*column, field);
        }
    }
    let has_password = layout.has_password;
    let record_shape = Record {
        fields: record,
        line,
        needed: layout.needed,
        width: layout.slots.len(),
        ends_open: shape.ends_open,
        has_password,
        delimiter: shape.delimiter,
    };
    let malformed = shape::problem(&record_shape, |index| match layout.slots.get(index) {
        Some(Slot::Known(column)) => Some(column.name()),
        _ => None,
    });
    if malformed.is_some() && has_password {
        // Shifted or swallowed cells may have moved a password into a shown column: show nothing.
        values = RowValues::default();
    }
    let malformed = malformed.or_else(|| {
        shape
            .sheet
            .and_then(|sheet| sheet.problem_in_row(line, &layout.slots))
    });
    RawRow {
        line,
        values,
        malformed,
        lossy_export: shape.lossy_export,
        sheet_row: shape.sheet_row,
    }
}

/// How many line breaks (CRLF, LF or a lone CR) the cells of `record` hold.
fn line_breaks_in(record: &csv::StringRecord) -> u64 {
    record
        .iter()
        .map(|field| {
            let bytes = field.as_bytes();
            bytes
                .iter()
                .enumerate()
                .filter(|&(i, &b)| b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n')))
                .count() as u64
        })
        .sum()
}

fn csv_error(err: &csv::Error, skipped_lines: u64) -> FileError {
    let line = err.position().map_or(0, |p| p.line()) + skipped_lines;
    FileError::new(
        "malformed_csv",
        format!(
            "The file cannot be read as CSV near line {line}. Save it again as CSV UTF-8 with \";\" as the delimiter."
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_below_a_cell_with_line_breaks_know_their_sheet_row() {
        let text = "first_name;last_name;email;username;job_title\r\n\
                    Ana;Lee;a@example.com;alee;\"Head\r\nof\rIT\"\r\n\
                    Bo;Ek;b@example.com;boek;\r\n";
        let rows: Vec<RawRow> = RowReader::new(text, 10)
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!((rows[0].line, rows[0].sheet_row), (2, None));
        assert_eq!((rows[1].line, rows[1].sheet_row), (5, Some(3)));
    }
}
