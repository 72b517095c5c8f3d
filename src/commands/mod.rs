//! The command-line subcommands: thin callers of the database, the import engine and the web server.

mod accounts;
mod adduser;
mod directory;
mod exit_codes;
mod hashing;
mod import;
mod mail;
mod pg_backup;
mod postgres;
mod stdout;

use std::process::ExitCode;

use anyhow::Context;

pub use exit_codes::{EXIT_FAILURE, EXIT_PARTIAL};

use crate::cli::{Cli, Command};
use crate::config::{Config, ServeConfig};
use accounts::{change_password, create_superuser};
use adduser::{AddUserOptions, adduser};
use directory::{api_tokens, organizational_units};
use hashing::configure_hashing;
use import::import;
use stdout::say;

/// Runs a parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    // Commands that need no database work whatever `--database` names.
    match &cli.command {
        Command::SampleCsv => {
            stdout::text(crate::SAMPLE_CSV)?;
            return Ok(ExitCode::SUCCESS);
        }
        Command::Template { file } => {
            write_template(file)?;
            say!("Template written to {}.", file.display())?;
            return Ok(ExitCode::SUCCESS);
        }
        _ => {}
    }
    let database = cli.database.to_string_lossy();
    if crate::db::postgres::is_postgres_url(&database) {
        return postgres::run(&cli, &database);
    }
    let config = Config::from_cli(&cli)?;
    configure_hashing(cli.hash_threads)?;
    let db = config.db();
    match cli.command {
        Command::SampleCsv | Command::Template { .. } => unreachable!("handled above"),
        Command::Migrate => {
            db.migrate()?;
            say!("Database {} is up to date.", config.database.display())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve {
            bind,
            max_upload_bytes,
        } => {
            let serve = ServeConfig::new(&bind, max_upload_bytes)?;
            crate::web::serve(config, serve)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Createsuperuser {
            username,
            email,
            noinput,
        } => {
            db.migrate()?;
            let conn = db.connect()?;
            create_superuser(
                &mut &conn,
                config.import.pbkdf2_iterations,
                &username,
                &email,
                noinput,
            )
        }
        Command::Changepassword {
            username,
            password_stdin,
        } => {
            db.migrate()?;
            let conn = db.connect()?;
            change_password(
                &mut &conn,
                config.import.pbkdf2_iterations,
                &username,
                password_stdin,
            )
        }
        Command::Import { file, options } => {
            db.migrate()?;
            import(&db, &config, &file, &options)
        }
        Command::Adduser { .. } => {
            db.migrate()?;
            let options = AddUserOptions::from_command(&cli.command).context("adduser options")?;
            adduser(&db, &config, options)
        }
        Command::Backup { file } => {
            db.migrate()?;
            db.backup_to(&file)?;
            say!("Backup written to {}.", file.display())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::CheckMail => {
            let current = crate::config::current_mail::load_for_command(&config, &db);
            mail::check_mail(&current)
        }
        Command::Sendtestemail { address } => {
            let address = mail::checked_address(&address)?;
            let current = crate::config::current_mail::load_for_command(&config, &db);
            mail::send_test_email(&current, address)
        }
        Command::Ou { command } => {
            db.migrate()?;
            organizational_units(&mut &db.connect()?, &command)
        }
        Command::Token { command } => {
            db.migrate()?;
            api_tokens(&mut &db.connect()?, &command)
        }
    }
}

/// The import template: `.xlsx` with Text-typed columns, or the sample CSV for a `.csv` path; an
/// existing file is never overwritten.
fn write_template(file: &std::path::Path) -> anyhow::Result<()> {
    use std::io::Write;
    let bytes = if import::is_xlsx(file) {
        crate::import::workbook::template_xlsx()?
    } else if file
        .extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("csv"))
    {
        crate::SAMPLE_CSV.as_bytes().to_vec()
    } else {
        anyhow::bail!(
            "{}: the template file must end in .xlsx (recommended: its columns are typed as Text, \
             so Excel keeps leading zeros) or .csv",
            file.display()
        );
    };
    let mut out = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(file)
        .with_context(|| format!("cannot create {} (it must not exist yet)", file.display()))?;
    out.write_all(&bytes)
        .with_context(|| format!("cannot write {}", file.display()))
}
