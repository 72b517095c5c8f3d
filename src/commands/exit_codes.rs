//! The process exit codes the commands share.

/// Exit code when a file is rejected or a command fails.
pub const EXIT_FAILURE: u8 = 1;
/// Exit code when some rows of an import failed.
pub const EXIT_PARTIAL: u8 = 3;
