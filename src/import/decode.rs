//! Turns uploaded bytes into text: accepts UTF-8 (with or without BOM), names anything else and how to fix it.

use super::FileError;

const RESAVE_HINT: &str = "Re-save it as UTF-8: in Excel use File > Save As > \"CSV UTF-8\"; \
in LibreOffice use File > Save As > \"Text CSV\", tick \"Edit filter settings\" and choose \
character set \"Unicode (UTF-8)\" and field delimiter \";\".";

/// Decodes the file as UTF-8, stripping a BOM and normalising old Mac CR-only line ends.
pub fn decode(bytes: &[u8]) -> Result<String, FileError> {
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
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(FileError::new(
            "encoding_error",
            format!(
                "The file is UTF-16 (Excel's \"Unicode Text\" format), not UTF-8. {RESAVE_HINT}"
            ),
        ));
    }
    let body = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
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
    if text.contains('\r') && !text.contains('\n') {
        return Ok(text.replace('\r', "\n"));
    }
    Ok(text.to_string())
}

fn not_utf8(body: &[u8], offset: usize) -> FileError {
    let line = line_of(body, offset);
    let byte = body.get(offset).copied().unwrap_or_default();
    let bad = [byte];
    // Only Excel for Mac's "CSV (Macintosh)" still ends lines with a lone CR; it writes Mac Roman.
    let mac = body.contains(&b'\r') && !body.contains(&b'\n');
    let (encoding, origin) = if mac {
        (
            encoding_rs::MACINTOSH,
            "Excel for Mac uses for \"CSV (Macintosh)\"",
        )
    } else {
        (
            encoding_rs::WINDOWS_1252,
            "Excel uses for \"CSV (Comma delimited)\" and \"CSV (semicolon)\" on Windows",
        )
    };
    let name = if mac { "Mac Roman" } else { "Windows-1252" };
    let (decoded, _) = encoding.decode_without_bom_handling(&bad);
    let sample = match decoded.chars().next() {
        Some(c) if !c.is_control() && !c.is_whitespace() => format!(" (\"{c}\" in {name})"),
        _ => String::new(),
    };
    let guess = if (0x80..=0xFF).contains(&byte) {
        format!(
            "It looks like {name}, the encoding {origin}: byte 0x{byte:02X} on line {line}{sample} \
             is not valid UTF-8."
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
    fn accepts_utf8_with_bom() {
        let text = decode(b"\xEF\xBB\xBFfirst_name;x\n").unwrap();
        assert_eq!(text, "first_name;x\n");
    }

    #[test]
    fn names_windows_1252_and_the_line() {
        let err = decode(b"a;b\nJos\xE9;x\n").unwrap_err();
        assert_eq!(err.code, "encoding_error");
        assert!(err.message.contains("Windows-1252"), "{}", err.message);
        assert!(err.message.contains("line 2"), "{}", err.message);
        assert!(err.message.contains("CSV UTF-8"), "{}", err.message);
    }

    #[test]
    fn names_utf16() {
        let err = decode(b"\xFF\xFEa\0;\0").unwrap_err();
        assert!(err.message.contains("UTF-16"), "{}", err.message);
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
        let err = decode(b"PK\x03\x04\x00\x00garbage").unwrap_err();
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
            err.message.contains("(\"\u{e9}\" in Mac Roman)"),
            "{}",
            err.message
        );
    }

    #[test]
    fn cr_only_lines_become_lf() {
        assert_eq!(decode(b"a;b\rc;d\r").unwrap(), "a;b\nc;d\n");
    }
}
