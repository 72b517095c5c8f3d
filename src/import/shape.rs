//! Rows that cannot be read reliably: the wrong number of fields, or a double quote that is not
//! closed where the value ends, so that the lines after it (often whole rows) were read into it.

use super::lines::breaks;
use super::{RowError, RowErrorCode};

/// Byte offset of the double quote that opens a value still open at the end of `text`, with the
/// csv reader's rules: a quote opens a value only as its first character, `""` inside is a quote.
/// It jumps from quote to quote: outside a quoted value, only a quote that starts a field opens one.
pub fn unclosed_quote(text: &[u8], delimiter: u8) -> Option<usize> {
    let next_quote = |from: usize| {
        text.get(from..)
            .and_then(|rest| rest.iter().position(|&b| b == b'"'))
            .map(|at| from + at)
    };
    let mut from = 0;
    loop {
        let open = next_quote(from)?;
        let starts_field =
            open == 0 || matches!(text[open - 1], b'\n' | b'\r') || text[open - 1] == delimiter;
        from = open + 1;
        if !starts_field {
            continue;
        }
        // Inside the value: `""` is a quote, a lone `"` closes it.
        loop {
            let Some(quote) = next_quote(from) else {
                return Some(open);
            };
            if text.get(quote + 1) == Some(&b'"') {
                from = quote + 2;
            } else {
                from = quote + 1;
                break;
            }
        }
    }
}

/// One record as read, with what the header expects of it.
pub struct Record<'a> {
    pub fields: &'a csv::StringRecord,
    /// The physical line the record starts on.
    pub line: u64,
    /// Fields up to the last named column; fewer is malformed.
    pub needed: usize,
    /// Fields the header has; values beyond them are malformed.
    pub width: usize,
    /// The record ends inside a double quote that the file never closes.
    pub ends_open: bool,
    /// The header has a password column, so shifted values may hold a password.
    pub has_password: bool,
    /// The byte between fields.
    pub delimiter: u8,
}

/// Why the record cannot be trusted, if it cannot; `column_of` names a header position.
pub fn problem(
    r: &Record<'_>,
    column_of: impl Fn(usize) -> Option<&'static str>,
) -> Option<RowError> {
    let fields = r.fields;
    let extra = fields.iter().skip(r.width).any(|f| !f.trim().is_empty());
    let count_ok = fields.len() >= r.needed && !extra;
    let multiline = fields.iter().any(|f| f.contains(['\n', '\r']));
    if count_ok && !multiline && !r.ends_open {
        return None;
    }
    // The physical line a field starts on (a record may hold millions of fields: no vectors).
    let start_of = |index: usize| -> u64 {
        r.line
            + fields
                .iter()
                .take(index)
                .map(|f| breaks(f.as_bytes()))
                .sum::<u64>()
    };
    let what = |index: usize| column_of(index).map_or("a".to_string(), |c| format!("the {c}"));
    let quote_fix =
        "Add the closing quote where the value ends, and write a quote inside a value as \"\".";
    let row_like = |line: &str| line.bytes().filter(|&b| b == r.delimiter).count() + 1 >= r.needed;
    let last = fields.len().saturating_sub(1);
    let (column, message) = if let (true, Some(field)) = (r.ends_open, fields.get(last)) {
        let first = start_of(last);
        let end = first + breaks(field.trim_end_matches(['\r', '\n']).as_bytes());
        let how_far = if end > first {
            format!(", so lines {first} to {end}, up to the end of the file, were read into it")
        } else {
            ": the file ends inside it, so it is probably cut off".to_string()
        };
        let text = format!(
            "The double quote that opens {} value on line {first} is never closed{how_far}. {quote_fix}",
            what(last)
        );
        (column_of(last), text)
    } else if let Some((i, field)) = fields
        .iter()
        .enumerate()
        .find(|(_, f)| f.split(['\r', '\n']).skip(1).any(row_like))
    {
        let first = start_of(i);
        let end = first + breaks(field.as_bytes());
        let swallowed = if end > first + 1 {
            format!(
                "lines {} to {end}, which look like rows of their own, were",
                first + 1
            )
        } else {
            format!("line {end}, which looks like a row of its own, was")
        };
        let text = format!(
            "{} value on line {first} is in double quotes that only close on line {end}, so \
             {swallowed} read into it. {quote_fix}",
            capitalised(&what(i)),
        );
        (column_of(i), text)
    } else if count_ok {
        return None;
    } else {
        let end = start_of(last) + fields.get(last).map_or(0, |f| breaks(f.as_bytes()));
        (None, count_message(r, end))
    };
    let hidden = if r.has_password {
        " The row's values are not shown, since a password may have moved into another column."
    } else {
        ""
    };
    Some(RowError {
        code: RowErrorCode::MalformedRow,
        column,
        message: format!("{message}{hidden}"),
    })
}

/// The message for a row with too few fields, or values beyond the header; `end` is its last line.
fn count_message(r: &Record<'_>, end: u64) -> String {
    let (line, count) = (r.line, r.fields.len());
    let sep = char::from(r.delimiter);
    let sep = if sep == '\t' {
        "a tab".to_string()
    } else {
        format!("\"{sep}\"")
    };
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    let span = if end > line {
        format!(" (lines {line} to {end}: a quoted cell holds line breaks)")
    } else {
        String::new()
    };
    if count < r.needed {
        let only = (count == 1).then(|| r.fields.get(0)).flatten();
        let cause = match only {
            Some(only) if only.contains(['\t', ',', ';']) => format!(
                "The line uses {} between values, but the header uses {sep}.",
                if only.contains('\t') {
                    "tabs"
                } else if only.contains(',') {
                    "\",\""
                } else {
                    "\";\""
                }
            ),
            _ => format!(
                "Values are missing: put each value in its own column, separated by {sep} \
                 (empty cells after the last required column and the password may be left out)."
            ),
        };
        return format!(
            "Too few fields: line {line}{span} has {count} field{} but the header needs at least \
             {}. {cause}",
            plural(count),
            r.needed
        );
    }
    let first_extra = r
        .fields
        .iter()
        .enumerate()
        .skip(r.width)
        .find(|(_, f)| !f.trim().is_empty())
        .map_or(r.width, |(i, _)| i);
    format!(
        "Too many fields: line {line}{span} has a value in field {} but the header has only {} \
         column{}. A value probably contains {sep} without double quotes around it: put such \
         values in double quotes (\"Smith{} Jr.\"), or delete the values beyond the last column.",
        first_extra + 1,
        r.width,
        plural(r.width),
        char::from(r.delimiter).to_string().replace('\t', " "),
    )
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
}

#[cfg(test)]
mod tests {
    use super::unclosed_quote;

    /// The byte-by-byte scan `unclosed_quote` replaced: the csv reader's rules, one byte at a time.
    fn scanned(text: &[u8], delimiter: u8) -> Option<usize> {
        let (mut open, mut at_start) = (None, true);
        let mut bytes = text.iter().enumerate().peekable();
        while let Some((index, &byte)) = bytes.next() {
            if open.is_some() {
                if byte == b'"' && bytes.next_if(|&(_, &next)| next == b'"').is_none() {
                    open = None;
                }
                at_start = false;
            } else if at_start && byte == b'"' {
                (open, at_start) = (Some(index), false);
            } else {
                at_start = byte == delimiter || matches!(byte, b'\n' | b'\r');
            }
        }
        open
    }

    #[test]
    fn jumping_from_quote_to_quote_finds_what_a_byte_by_byte_scan_finds() {
        // Every text of up to 7 bytes from this alphabet, both delimiters.
        let alphabet = [b'a', b'"', b';', b',', b'\n', b'\r'];
        let mut texts: Vec<Vec<u8>> = vec![Vec::new()];
        for _ in 0..7 {
            let longer: Vec<Vec<u8>> = texts
                .iter()
                .filter(|t| t.len() == texts.last().map_or(0, Vec::len))
                .flat_map(|t| {
                    alphabet.iter().map(move |&b| {
                        let mut next = t.clone();
                        next.push(b);
                        next
                    })
                })
                .collect();
            texts.extend(longer);
        }
        assert!(texts.len() > 300_000);
        for text in &texts {
            for delimiter in [b';', b','] {
                assert_eq!(
                    unclosed_quote(text, delimiter),
                    scanned(text, delimiter),
                    "{:?}",
                    String::from_utf8_lossy(text)
                );
            }
        }
    }

    #[test]
    fn finds_only_quotes_left_open() {
        assert_eq!(unclosed_quote(b"a;\"b\nc", b';'), Some(2));
        assert_eq!(unclosed_quote(b"a;\"b\"\"c\";d\n", b';'), None);
        assert_eq!(unclosed_quote(b"a;b \"c\n\"d", b';'), Some(7));
        assert_eq!(
            unclosed_quote(b"a;\"b\"c\"\n", b';'),
            None,
            "a quote after a closed one is literal"
        );
        assert_eq!(
            unclosed_quote(b"a;\"b\"\"", b';'),
            Some(2),
            "a doubled quote does not close"
        );
    }
}
