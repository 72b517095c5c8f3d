//! Turns uploaded bytes into text: accepts UTF-8 and UTF-16 with a byte order mark, names anything else and how to fix it.

use super::FileError;

/// How to save a sheet as UTF-8, in every program an office uses (menu entries as they are named).
pub const RESAVE_HINT: &str = "Save it as UTF-8: in Excel (Windows or Mac) use File > Save As > \
\"CSV UTF-8 (Comma delimited)\" (German Excel: \"CSV UTF-8 (durch Trennzeichen getrennt)\"); in \
LibreOffice use File > Save As > \"Text CSV (.csv)\", tick \"Edit filter settings\" and choose \
character set \"Unicode (UTF-8)\"; in Google Sheets use File > Download > \"Comma Separated \
Values (.csv)\".";

/// The text's first character when the file started with a byte order mark: it proves the file
/// is Unicode, so the reader knows no letter was lost to `?` (the reader drops it).
pub const BOM: char = '\u{feff}';

/// Decodes the file as UTF-8 or (with a byte order mark) UTF-16, normalising old Mac CR-only
/// line ends. A byte order mark is kept as the text's first character ([`BOM`]).
pub fn decode(bytes: &[u8]) -> Result<String, FileError> {
    if super::spreadsheet::is_spreadsheet(bytes) {
        return super::spreadsheet::to_text(bytes);
    }
    // UTF-32's little-endian BOM starts like UTF-16's, so it is checked first.
    if bytes.starts_with(&[0xFF, 0xFE, 0, 0]) || bytes.starts_with(&[0, 0, 0xFE, 0xFF]) {
        return Err(FileError::new(
            "encoding_error",
            format!(
                "The file is UTF-32 (e.g. PowerShell's Export-Csv -Encoding UTF32), not UTF-8. \
                 {RESAVE_HINT}"
            ),
        ));
    }
    let utf16 = match bytes {
        [0xFF, 0xFE, rest @ ..] => Some((encoding_rs::UTF_16LE, rest)),
        [0xFE, 0xFF, rest @ ..] => Some((encoding_rs::UTF_16BE, rest)),
        _ => None,
    };
    if let Some((encoding, rest)) = utf16 {
        let Some(text) = encoding.decode_without_bom_handling_and_without_replacement(rest) else {
            return Err(FileError::new(
                "encoding_error",
                format!(
                    "The file starts as UTF-16 (Excel's \"Unicode Text\") but holds bytes that \
                     are not UTF-16 text. {RESAVE_HINT}"
                ),
            ));
        };
        return checked_text(text.as_bytes(), true);
    }
    match bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        Some(body) => checked_text(body, true),
        None => checked_text(bytes, false),
    }
}

/// Checks UTF-8 `body` (its byte order mark already taken off) and returns it as the text.
fn checked_text(body: &[u8], had_bom: bool) -> Result<String, FileError> {
    if body.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(FileError::new(
            "empty_file",
            "The file is empty. Start from the sample CSV: it has the header line and one example row.",
        ));
    }
    if let Some(pos) = body.iter().position(|&b| b == 0) {
        let line = line_of(body, pos);
        let hint = if looks_like_utf16(body) {
            format!("It looks like UTF-16 without a byte order mark. {RESAVE_HINT}")
        } else {
            "It is probably not a CSV text file (a spreadsheet such as .xlsx, or another binary \
             file). Export the sheet as CSV with \";\" as the field delimiter."
                .to_string()
        };
        return Err(FileError::new(
            "encoding_error",
            format!("The file contains a NUL byte on line {line}. {hint}"),
        ));
    }
    let text = match std::str::from_utf8(body) {
        Ok(text) => text,
        Err(err) => return Err(not_utf8(body, err.valid_up_to())),
    };
    // Only text made from a spreadsheet starts with this mark (see `spreadsheet::SHEET_MARK`); a
    // file that does would otherwise be read as one, with whatever row numbers it claims.
    if text.starts_with(super::spreadsheet::SHEET_MARK) {
        return Err(FileError::new(
            "encoding_error",
            "The file starts with U+FDD0, a Unicode noncharacter that no spreadsheet or text \
             editor writes. Delete the first character of the file, or export the sheet again.",
        ));
    }
    let bom = if had_bom {
        BOM.to_string()
    } else {
        String::new()
    };
    if text.contains('\r') && !text.contains('\n') {
        return Ok(bom + &text.replace('\r', "\n"));
    }
    Ok(bom + text)
}

/// Names an 8-bit file honestly: the same byte is a different letter in each 8-bit encoding, so
/// no letter is quoted and no single encoding is claimed.
fn not_utf8(body: &[u8], offset: usize) -> FileError {
    let line = line_of(body, offset);
    let byte = body.get(offset).copied().unwrap_or_default();
    let guess = if (0x80..=0xFF).contains(&byte) {
        // Only Excel for Mac's "CSV (Macintosh)" still ends lines with a lone CR; it writes Mac Roman.
        let mac = body.contains(&b'\r') && !body.contains(&b'\n');
        let which = if mac {
            "Its lines end with a lone CR, as Excel for Mac's \"CSV (Macintosh)\" writes them, \
             so it is probably Mac Roman"
        } else {
            "It is in an 8-bit encoding, such as Windows-1252 (Western Europe), Windows-1250 \
             (Central Europe) or Mac Roman, which Excel's \"CSV (Comma delimited)\" and \
             \"CSV (Macintosh)\" write"
        };
        format!(
            "{which}; Roster does not guess which, since a wrong guess changes letters. \
             The first such byte is 0x{byte:02X} on line {line}."
        )
    } else {
        format!("Byte 0x{byte:02X} on line {line} is not valid UTF-8.")
    };
    FileError::new(
        "encoding_error",
        format!("The file is not UTF-8. {guess} {RESAVE_HINT}"),
    )
}

/// Mostly-ASCII UTF-16 has a NUL in every other byte, all on the same side; NUL padding or
/// other binary data has them on both.
fn looks_like_utf16(body: &[u8]) -> bool {
    let zeros_from = |start| {
        body.iter()
            .skip(start)
            .step_by(2)
            .filter(|&&b| b == 0)
            .count()
    };
    let (even, odd) = (zeros_from(0), zeros_from(1));
    let (few, many) = (even.min(odd), even.max(odd));
    many * 3 >= body.len() && few * 8 <= many
}

/// The 1-based physical line holding byte `offset` (LF, CRLF and a lone CR end a line).
fn line_of(body: &[u8], offset: usize) -> usize {
    let before = &body[..offset.min(body.len())];
    let lone_crs = before
        .iter()
        .enumerate()
        .filter(|&(i, &b)| b == b'\r' && body.get(i + 1) != Some(&b'\n'))
        .count();
    before.iter().filter(|&&b| b == b'\n').count() + lone_crs + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_utf8_with_bom_and_keeps_it_as_proof() {
        let text = decode(b"\xEF\xBB\xBFfirst_name;x\n").unwrap();
        assert_eq!(text, "\u{feff}first_name;x\n");
        assert_eq!(decode(b"first_name;x\n").unwrap(), "first_name;x\n");
    }

    #[test]
    fn reads_utf16_with_a_bom() {
        let le: Vec<u8> = "\u{feff}Łukasz;山田\r\n"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        assert_eq!(decode(&le).unwrap(), "\u{feff}Łukasz;山田\r\n");
        let be: Vec<u8> = "\u{feff}a;b\n"
            .encode_utf16()
            .flat_map(u16::to_be_bytes)
            .collect();
        assert_eq!(decode(&be).unwrap(), "\u{feff}a;b\n");
        let unpaired = [0xFF, 0xFE, 0x00, 0xD8, b'a', 0];
        assert!(decode(&unpaired).unwrap_err().message.contains("UTF-16"));
    }

    #[test]
    fn names_windows_1252_and_the_line() {
        let err = decode(b"a;b\nJos\xE9;x\n").unwrap_err();
        assert_eq!(err.code, "encoding_error");
        assert!(err.message.contains("Windows-1252"), "{}", err.message);
        assert!(err.message.contains("0xE9 on line 2"), "{}", err.message);
        assert!(
            !err.message.contains('\u{e9}'),
            "no misread letter: {}",
            err.message
        );
        assert!(err.message.contains("CSV UTF-8"), "{}", err.message);
    }

    #[test]
    fn names_utf16_without_bom() {
        let err = decode(b"a\0;\0b\0\n\0").unwrap_err();
        assert!(err.message.contains("UTF-16"), "{}", err.message);
    }

    #[test]
    fn empty_and_blank_files_are_empty() {
        assert_eq!(decode(b"").unwrap_err().code, "empty_file");
        assert_eq!(decode(b"\xEF\xBB\xBF \r\n").unwrap_err().code, "empty_file");
    }

    #[test]
    fn binary_garbage_is_rejected() {
        let err = decode(b"\x7fELF\x02\x01\x00\x00garbage").unwrap_err();
        assert_eq!(err.code, "encoding_error");
        assert!(err.message.contains("NUL"), "{}", err.message);
    }

    #[test]
    fn names_utf32_and_nul_padding() {
        let err = decode(b"\xFF\xFE\0\0a\0\0\0").unwrap_err();
        assert!(err.message.contains("UTF-32"), "{}", err.message);
        let err = decode(b"\0\0\xFE\xFF\0\0\0a").unwrap_err();
        assert!(err.message.contains("UTF-32"), "{}", err.message);
        let err = decode(b"a;b\nc;d\n\0\0\0\0\0\0\0\0\0\0\0\0").unwrap_err();
        assert!(!err.message.contains("UTF-16"), "{}", err.message);
        assert!(err.message.contains("line 3"), "{}", err.message);
    }

    #[test]
    fn cr_only_files_count_lines_and_name_mac_roman() {
        let err = decode(b"a;b\rc;d\rRen\x8Ee;x\r").unwrap_err();
        assert!(err.message.contains("line 3"), "{}", err.message);
        assert!(
            err.message.contains("probably Mac Roman"),
            "{}",
            err.message
        );
        assert!(!err.message.contains('\u{e9}'), "{}", err.message);
    }

    #[test]
    fn cr_only_lines_become_lf() {
        assert_eq!(decode(b"a;b\rc;d\r").unwrap(), "a;b\nc;d\n");
    }
}
