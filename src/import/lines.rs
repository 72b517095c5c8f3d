//! Physical line numbers of CSV records, counting LF, CRLF and lone CR line ends.

/// Physical line numbers from byte offsets, counted incrementally (offsets only grow).
///
/// The csv crate's own line counter lags by one after a CRLF, so lines are counted here.
pub struct LineCounter<'a> {
    text: &'a [u8],
    offset: usize,
    line: u64,
}

impl<'a> LineCounter<'a> {
    /// Counts lines of `text` from its start.
    pub fn new(text: &'a [u8]) -> Self {
        Self {
            text,
            offset: 0,
            line: 1,
        }
    }

    /// The 1-based line of the first byte of a record starting at `offset`.
    pub fn line_at(&mut self, offset: u64) -> u64 {
        let mut start = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(self.text.len());
        // A record never starts with a line break: step over the one the reader left behind.
        while start < self.text.len() && matches!(self.text[start], b'\r' | b'\n') {
            start += 1;
        }
        if start > self.offset {
            let span = &self.text[self.offset..start];
            // A line ends at LF, at CRLF (counted once, at its LF) and at a lone CR.
            let breaks = span
                .iter()
                .enumerate()
                .filter(|&(i, &b)| {
                    b == b'\n' || (b == b'\r' && self.text.get(self.offset + i + 1) != Some(&b'\n'))
                })
                .count();
            self.line += breaks as u64;
            self.offset = start;
        }
        self.line
    }
}

/// How many line ends `text` holds (LF, CRLF and a lone CR each count once).
pub fn breaks(text: &[u8]) -> u64 {
    let ends = text
        .iter()
        .enumerate()
        .filter(|&(i, &b)| b == b'\n' || (b == b'\r' && text.get(i + 1) != Some(&b'\n')))
        .count();
    ends as u64
}
