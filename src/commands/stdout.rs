//! Standard output for commands: a closed pipe or a full disk comes back as an error, never a panic.

use std::io::Write as _;

use anyhow::Context as _;

/// Writes `text` to standard output and flushes it.
pub(super) fn text(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .context("cannot write to standard output")
}

/// `println!` that returns an error (naming standard output) instead of panicking.
macro_rules! say {
    ($($arg:tt)*) => {
        $crate::commands::stdout::text(&format!("{}\n", format_args!($($arg)*)))
    };
}
pub(super) use say;
