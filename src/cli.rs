//! Command-line definitions: every flag can also be set with a `ROSTER_*` environment variable.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// Onboard people into a Django-compatible user store from a semicolon CSV.
#[derive(Debug, Parser)]
#[command(name = "roster", version, about)]
pub struct Cli {
    /// SQLite database file (created and migrated when missing).
    #[arg(
        long,
        global = true,
        env = "ROSTER_DATABASE",
        default_value = "./roster.sqlite3"
    )]
    pub database: PathBuf,

    /// PBKDF2-SHA256 iterations for new password hashes (Django 6.1's default is 1,500,000).
    #[arg(long, global = true, env = "ROSTER_PBKDF2_ITERATIONS", default_value_t = crate::auth::hashers::DEFAULT_ITERATIONS)]
    pub pbkdf2_iterations: u32,

    /// Most user rows one import file may hold.
    #[arg(long, global = true, env = "ROSTER_MAX_ROWS", default_value_t = 10_000)]
    pub max_rows: usize,

    /// Log filter, e.g. `info` or `roster=debug` (logs go to stderr).
    #[arg(
        long,
        global = true,
        env = "ROSTER_LOG",
        default_value = "info,refinery_core=warn"
    )]
    pub log: String,

    #[command(subcommand)]
    pub command: Command,
}

/// What to do.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the admin web interface.
    Serve {
        /// Address to listen on.
        #[arg(long, env = "ROSTER_BIND", default_value = "127.0.0.1:8000")]
        bind: String,
        /// Largest accepted upload, in bytes.
        #[arg(long, env = "ROSTER_MAX_UPLOAD_BYTES", default_value_t = 20 * 1024 * 1024)]
        max_upload_bytes: usize,
    },
    /// Create or upgrade the database schema, then exit.
    Migrate,
    /// Create an admin (active staff superuser), like Django's command of the same name.
    Createsuperuser {
        /// Login name of the new admin.
        #[arg(long, env = "ROSTER_SUPERUSER_USERNAME")]
        username: String,
        /// E-mail address of the new admin.
        #[arg(long, env = "ROSTER_SUPERUSER_EMAIL")]
        email: String,
        /// Do not prompt: the password comes from ROSTER_SUPERUSER_PASSWORD.
        #[arg(long, env = "ROSTER_NOINPUT")]
        noinput: bool,
    },
    /// Set a user's password (prompts twice).
    Changepassword {
        /// The user whose password changes.
        username: String,
        /// Read the new password from the first line of standard input instead of prompting.
        #[arg(long, env = "ROSTER_PASSWORD_STDIN")]
        password_stdin: bool,
    },
    /// Import users from a semicolon CSV (the same engine as the web page).
    Import {
        /// The CSV file.
        file: PathBuf,
        /// Validate and report only; create nothing.
        #[arg(long, env = "ROSTER_DRY_RUN")]
        dry_run: bool,
        /// Print the result as JSON on stdout.
        #[arg(long, env = "ROSTER_JSON")]
        json: bool,
        /// Also write the failed rows as a semicolon CSV (no passwords) to this path.
        #[arg(long, env = "ROSTER_ERROR_REPORT")]
        error_report: Option<PathBuf>,
    },
    /// Print the sample CSV.
    SampleCsv,
    /// Manage organizational units.
    Ou {
        #[command(subcommand)]
        command: OuCommand,
    },
}

/// Organizational unit actions.
#[derive(Debug, Subcommand)]
pub enum OuCommand {
    /// List organizational units with their user counts.
    List,
    /// Create an organizational unit.
    Add {
        /// Its name (unique, compared without regard to case).
        name: String,
    },
}
