//! Commands given a PostgreSQL URL: every command works (`backup` prints the `pg_dump` command
//! instead of copying).

use std::process::ExitCode;

use anyhow::{Context, bail};

use super::accounts::{change_password, create_superuser};
use super::adduser::AddUserOptions;
use super::import::mailer;
use super::stdout::say;
use crate::auth::secret::SECRET_KEY_UNSET;
use crate::cli::{Cli, Command};
use crate::config::{
    Config, CurrentMail, PostgresConfig, SecretKeySource, ServeConfig, current_mail,
};
use crate::db::postgres::{
    Connector, PasswordLookup, PgAccounts, PgDirectory, PgImportStore, PgTarget,
    load_mail_settings, migrate,
};

/// Runs `cli` against the PostgreSQL database at `url`.
pub fn run(cli: &Cli, url: &str) -> anyhow::Result<ExitCode> {
    if let Command::Backup { file } = &cli.command {
        let target = PgTarget::parse(url, &PasswordLookup::from_environment())
            .map_err(anyhow::Error::msg)?;
        // Exits non-zero, so a backup script notices that nothing was written.
        eprintln!("{}", super::pg_backup::pg_dump_advice(&target, file));
        return Ok(ExitCode::from(super::EXIT_FAILURE));
    }
    if let Command::Serve {
        bind,
        max_upload_bytes,
    } = &cli.command
    {
        let target = PgTarget::parse(url, &PasswordLookup::from_environment())
            .map_err(anyhow::Error::msg)?;
        let connector = Connector::new(target)?;
        let a = &cli.accounts;
        if a.secret_key.as_deref().is_none_or(str::is_empty) && a.secret_key_file.is_none() {
            // No database file to keep a generated key next to.
            bail!(
                "`serve` on PostgreSQL needs ROSTER_SECRET_KEY (the Django project's SECRET_KEY) or \
                 ROSTER_SECRET_KEY_FILE: every Roster process on the database must use the same key"
            );
        }
        let config = Config::for_postgres(cli, &connector.target().to_string())?;
        super::hashing::configure_hashing(cli.hash_threads)?;
        let serve = ServeConfig::new(bind, *max_upload_bytes)?;
        crate::web::serve_postgres(config, serve, connector)?;
        return Ok(ExitCode::SUCCESS);
    }
    let address = match &cli.command {
        Command::Sendtestemail { address } => Some(super::mail::checked_address(address)?),
        _ => None,
    };
    let config = PostgresConfig::from_cli(cli)?;
    let invite = match &cli.command {
        // A dry run writes and sends nothing, so it needs no key.
        Command::Import { options, .. } => options.invite && !options.dry_run,
        Command::Adduser { invite, .. } => *invite,
        _ => false,
    };
    if invite && matches!(config.accounts.secret_key, SecretKeySource::Unset) {
        // Refused before anything is written, not once the users exist.
        bail!("--invite: {SECRET_KEY_UNSET}");
    }
    let target =
        PgTarget::parse(url, &PasswordLookup::from_environment()).map_err(anyhow::Error::msg)?;
    let connector = Connector::new(target)?;
    let started = std::time::Instant::now();
    let migrated = migrate(&connector, &config.user_model, config.naive_local_time())?;
    tracing::info!(
        created_django_tables = migrated.created_django_tables,
        applied = ?migrated.applied_versions,
        elapsed_ms = started.elapsed().as_millis() as u64,
        "migrate finished"
    );
    let iterations = config.import.pbkdf2_iterations;
    match &cli.command {
        Command::Import { file, options } => {
            super::hashing::configure_hashing(cli.hash_threads)?;
            let current = current_mail_settings(&config, &connector)?;
            let mut store = PgImportStore::new(connector.connect()?);
            super::import::import_to(
                &mut store,
                file,
                options,
                &config.import,
                &current.mail,
                Some(mailer(&connector, &current)),
            )
        }
        Command::Adduser { .. } => {
            let options = AddUserOptions::from_command(&cli.command).context("adduser options")?;
            let current = current_mail_settings(&config, &connector)?;
            let mut store = PgImportStore::new(connector.connect()?);
            let mailer = mailer(&connector, &current);
            super::adduser::adduser_to(&mut store, &config.import, mailer, options)
        }
        Command::Createsuperuser {
            username,
            email,
            noinput,
        } => {
            let mut accounts = PgAccounts(connector.connect()?);
            let (username, email) = (username.as_str(), email.as_str());
            create_superuser(&mut accounts, iterations, username, email, *noinput)
        }
        Command::Changepassword {
            username,
            password_stdin,
        } => change_password(
            &mut PgAccounts(connector.connect()?),
            iterations,
            username,
            *password_stdin,
        ),
        Command::Ou { command } => {
            let mut directory = PgDirectory(connector.connect()?);
            super::directory::organizational_units(&mut directory, command)
        }
        Command::Token { command } => {
            let mut directory = PgDirectory(connector.connect()?);
            super::directory::api_tokens(&mut directory, command)
        }
        Command::CheckMail => super::mail::check_mail(&current_mail_settings(&config, &connector)?),
        Command::Sendtestemail { .. } => {
            let current = current_mail_settings(&config, &connector)?;
            super::mail::send_test_email(&current, address.unwrap_or_default())
        }
        // `serve`, `backup`, `sample-csv` and `template` returned before migrating here.
        Command::Migrate
        | Command::Serve { .. }
        | Command::Backup { .. }
        | Command::SampleCsv
        | Command::Template { .. } => {
            let django = if migrated.created_django_tables {
                " (Django's tables created)"
            } else {
                ""
            };
            say!("Database {} is up to date{django}.", connector.target())?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The mail settings in force: flags and variables, then those saved on the Mail page, then the
/// defaults (as `current_mail::load_for_command` on SQLite).
fn current_mail_settings(
    config: &PostgresConfig,
    connector: &Connector,
) -> anyhow::Result<CurrentMail> {
    let stored = load_mail_settings(&mut connector.connect()?)?;
    Ok(current_mail::merge_parts(
        &config.mail,
        &config.accounts,
        &config.mail_locks,
        &stored,
    ))
}
