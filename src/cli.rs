//! Command-line definitions: every flag can also be set with a `ROSTER_*` environment variable.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

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

    /// Threads that hash passwords during an import [default: one per CPU core].
    #[arg(long, global = true, env = "ROSTER_HASH_THREADS")]
    pub hash_threads: Option<usize>,

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

    #[command(flatten)]
    pub mail: MailArgs,

    #[command(flatten)]
    pub accounts: AccountArgs,

    #[command(subcommand)]
    pub command: Command,
}

/// SMTP settings, named after Django's with a `ROSTER_` prefix.
#[derive(Debug, Args)]
#[command(next_help_heading = "Mail")]
pub struct MailArgs {
    /// SMTP server host; without it mail is "not configured".
    #[arg(long, global = true, env = "ROSTER_EMAIL_HOST")]
    pub email_host: Option<String>,
    /// SMTP port [default: 465 with --email-use-ssl, 587 with --email-use-tls, else 25].
    #[arg(long, global = true, env = "ROSTER_EMAIL_PORT")]
    pub email_port: Option<u16>,
    /// Login for SMTP AUTH.
    #[arg(long, global = true, env = "ROSTER_EMAIL_HOST_USER")]
    pub email_host_user: Option<String>,
    /// Password for SMTP AUTH (never printed).
    #[arg(
        long,
        global = true,
        env = "ROSTER_EMAIL_HOST_PASSWORD",
        hide_env_values = true
    )]
    pub email_host_password: Option<String>,
    /// Upgrade the connection with STARTTLS (usually port 587).
    #[arg(long, global = true, env = "ROSTER_EMAIL_USE_TLS")]
    pub email_use_tls: bool,
    /// Use TLS from the first byte, "implicit TLS" (usually port 465).
    #[arg(long, global = true, env = "ROSTER_EMAIL_USE_SSL")]
    pub email_use_ssl: bool,
    /// Seconds to wait for the mail server at each step.
    #[arg(
        long,
        global = true,
        env = "ROSTER_EMAIL_TIMEOUT",
        default_value_t = 10
    )]
    pub email_timeout: u64,
    /// The From address of Roster's mails [default: webmaster@localhost, or the Mail page's].
    #[arg(long, global = true, env = "ROSTER_DEFAULT_FROM_EMAIL")]
    pub default_from_email: Option<String>,
    /// A PEM file with an extra CA certificate to trust (an internal mail server's CA).
    #[arg(long, global = true, env = "ROSTER_EMAIL_CA_FILE")]
    pub email_ca_file: Option<PathBuf>,
}

/// Password reset and links.
#[derive(Debug, Args)]
#[command(next_help_heading = "Accounts")]
pub struct AccountArgs {
    /// Public address of Roster; links in mails are built from it, never from the request
    /// [default: http://127.0.0.1:8000, or the Mail page's site link].
    #[arg(long, global = true, env = "ROSTER_BASE_URL")]
    pub base_url: Option<String>,
    /// Django's SECRET_KEY (reset tokens); without it one is generated and kept in --secret-key-file.
    #[arg(long, global = true, env = "ROSTER_SECRET_KEY", hide_env_values = true)]
    pub secret_key: Option<String>,
    /// Django's SECRET_KEY_FALLBACKS: older keys whose reset links are still accepted (comma-separated).
    #[arg(
        long,
        global = true,
        env = "ROSTER_SECRET_KEY_FALLBACKS",
        hide_env_values = true,
        value_delimiter = ','
    )]
    pub secret_key_fallbacks: Vec<String>,
    /// Where a generated secret key is kept (owner-only) [default: DATABASE.secret-key].
    #[arg(long, global = true, env = "ROSTER_SECRET_KEY_FILE")]
    pub secret_key_file: Option<PathBuf>,
    /// Seconds a reset or set-password link stays valid (Django's PASSWORD_RESET_TIMEOUT).
    #[arg(
        long,
        global = true,
        env = "ROSTER_PASSWORD_RESET_TIMEOUT",
        default_value_t = 259_200
    )]
    pub password_reset_timeout: i64,
    /// The name people see in pages and mails, e.g. your company's name for this system.
    #[arg(
        long,
        global = true,
        env = "ROSTER_SITE_NAME",
        default_value = "Roster"
    )]
    pub site_name: String,
    /// Django's AUTH_USER_MODEL as `app_label.Model` (e.g. accounts.User); its table and columns are read from the database.
    #[arg(
        long,
        global = true,
        env = "ROSTER_USER_MODEL",
        default_value = "auth.User"
    )]
    pub user_model: String,
    /// Django's TIME_ZONE; reset-token timestamps use its local time.
    #[arg(long, global = true, env = "ROSTER_TIME_ZONE", default_value = "UTC")]
    pub time_zone: String,
    /// Django's USE_TZ: false stores the users' last login and date joined as naive local time
    /// in TIME_ZONE, as Django does with USE_TZ = False.
    #[arg(
        long,
        global = true,
        env = "ROSTER_USE_TZ",
        default_value_t = true,
        action = clap::ArgAction::Set,
        value_parser = clap::builder::BoolishValueParser::new()
    )]
    pub use_tz: bool,
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
        #[command(flatten)]
        options: ImportOptions,
    },
    /// Add one user through the import engine (the same rules, messages and role as an import row).
    Adduser {
        /// Login name of the new user.
        #[arg(long, env = "ROSTER_NEW_USERNAME")]
        username: String,
        /// E-mail address of the new user.
        #[arg(long, env = "ROSTER_NEW_EMAIL")]
        email: String,
        /// First name (required by the import rules, as a CSV row's).
        #[arg(long, env = "ROSTER_NEW_FIRST_NAME", default_value = "")]
        first_name: String,
        /// Last name (required by the import rules, as a CSV row's).
        #[arg(long, env = "ROSTER_NEW_LAST_NAME", default_value = "")]
        last_name: String,
        /// An existing organizational unit's name.
        #[arg(long, env = "ROSTER_NEW_UNIT", default_value = "")]
        unit: String,
        /// Job title.
        #[arg(long, env = "ROSTER_NEW_JOB_TITLE", default_value = "")]
        job_title: String,
        /// Read the password from the first line of standard input instead of prompting.
        #[arg(long, env = "ROSTER_PASSWORD_STDIN", conflicts_with = "invite")]
        password_stdin: bool,
        /// No password now: e-mail the user a set-password link (an invitation).
        #[arg(long, env = "ROSTER_INVITE")]
        invite: bool,
        /// With --invite: add the user without a password even when the mail server check fails.
        #[arg(long, env = "ROSTER_ALLOW_WITHOUT_MAIL", requires = "invite")]
        allow_without_mail: bool,
    },
    /// Write a consistent copy of the database to FILE while Roster keeps running (SQLite VACUUM INTO).
    Backup {
        /// The new backup file (must not exist yet).
        file: PathBuf,
    },
    /// Check the mail server (connect, EHLO, TLS, AUTH, QUIT) and explain the result.
    CheckMail,
    /// Send a test e-mail to ADDRESS, like Django's command of the same name.
    Sendtestemail {
        /// Where to send it.
        address: String,
    },
    /// Print the sample CSV.
    SampleCsv,
    /// Write the import template to FILE: `.xlsx` (columns typed as Text) or `.csv`.
    Template {
        /// The new file (must not exist yet); its extension picks the format.
        file: PathBuf,
    },
    /// Manage organizational units.
    Ou {
        #[command(subcommand)]
        command: OuCommand,
    },
    /// Manage bearer tokens for the import API.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
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
    /// Rename an organizational unit; its users stay in it.
    Rename {
        /// Its current name (any letter case).
        name: String,
        /// The new name (unique, compared without regard to case).
        new_name: String,
    },
    /// Delete an organizational unit no user belongs to.
    Delete {
        /// Its name (any letter case).
        name: String,
    },
}

/// API token actions.
#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a token; it is printed once on stdout and only its hash is stored.
    Create {
        /// Its name (unique, compared without regard to case), e.g. the script that uses it.
        name: String,
    },
    /// Revoke a token: requests with it get 403 from then on.
    Revoke {
        /// The token's name.
        name: String,
    },
    /// List tokens (never the tokens themselves).
    List,
}

/// The flags of `roster import`.
#[derive(Debug, Args)]
pub struct ImportOptions {
    /// Validate and report only; create nothing.
    #[arg(long, env = "ROSTER_DRY_RUN")]
    pub dry_run: bool,
    /// Print the result as JSON on stdout.
    #[arg(long, env = "ROSTER_JSON")]
    pub json: bool,
    /// Also write the failed rows (no passwords) to this path: `.xlsx`, or a semicolon CSV otherwise.
    #[arg(long, env = "ROSTER_ERROR_REPORT")]
    pub error_report: Option<PathBuf>,
    /// Import rows without a password even when the mail server check fails.
    #[arg(long, env = "ROSTER_ALLOW_WITHOUT_MAIL")]
    pub allow_without_mail: bool,
    /// E-mail a set-password link to each imported user without a password.
    #[arg(long, env = "ROSTER_INVITE")]
    pub invite: bool,
    /// Accept passwords Django's validators refuse (one-time passwords you hand out); audited.
    #[arg(long, env = "ROSTER_ALLOW_WEAK_PASSWORDS")]
    pub allow_weak_passwords: bool,
}
