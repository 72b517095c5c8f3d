//! `roster adduser`: one user through the import engine, with `roster import`'s messages and exit codes.

use std::process::ExitCode;

use super::accounts::{cli_actor, password_from_stdin, prompt_new_password};
use super::exit_codes::{EXIT_FAILURE, EXIT_PARTIAL};
use super::stdout::say;
use crate::cli::Command;
use crate::config::Config;
use crate::db::Db;
use crate::db::import_store::{ImportStore, SqliteImportStore};
use crate::import::service::{Choices, Invitations, Mailer};
use crate::import::single::{AddOutcome, AddedBy, NewUserEntry, UserToAdd, add_user_to};
use crate::import::{ImportContext, ImportSettings, ImportSource, Secret};

/// The flags of `roster adduser` (the password never comes from an argument).
pub(super) struct AddUserOptions {
    pub(super) entry: NewUserEntry,
    pub(super) password_stdin: bool,
    pub(super) invite: bool,
    pub(super) allow_without_mail: bool,
}

impl AddUserOptions {
    /// The options `roster adduser …` was given; `None` for any other command.
    pub(super) fn from_command(command: &Command) -> Option<Self> {
        let Command::Adduser {
            username,
            email,
            first_name,
            last_name,
            unit,
            job_title,
            password_stdin,
            invite,
            allow_without_mail,
        } = command
        else {
            return None;
        };
        let entry = NewUserEntry {
            person: crate::import::Person {
                first_name: first_name.clone(),
                last_name: last_name.clone(),
                email: email.clone(),
                username: username.clone(),
                organizational_unit: unit.clone(),
                job_title: job_title.clone(),
            },
            password: None,
        };
        Some(Self {
            entry,
            password_stdin: *password_stdin,
            invite: *invite,
            allow_without_mail: *allow_without_mail,
        })
    }
}

/// Exit codes: 0 created, 3 the row was refused (as an import's failed row), 1 anything else.
pub(super) fn adduser(
    db: &Db,
    config: &Config,
    options: AddUserOptions,
) -> anyhow::Result<ExitCode> {
    let current = crate::config::current_mail::load_for_command(config, db);
    let mut conn = db.connect()?;
    let mut store = SqliteImportStore::new(&mut conn);
    let mailer = super::import::mailer(db, &current);
    adduser_to(&mut store, &config.import, mailer, options)
}

/// [`adduser`] on any backend's store, under the mail settings `mailer` holds.
pub(super) fn adduser_to<St: ImportStore>(
    store: &mut St,
    settings: &ImportSettings,
    mailer: Mailer<'_>,
    options: AddUserOptions,
) -> anyhow::Result<ExitCode>
where
    St::Error: std::error::Error + Send + Sync + 'static,
{
    let mut entry = options.entry;
    if !options.invite {
        let password = if options.password_stdin {
            password_from_stdin()?
        } else {
            prompt_new_password("--password-stdin, or --invite to mail a set-password link")?
        };
        entry.password = Some(Secret::new(password));
    }
    let by = AddedBy {
        context: ImportContext::new(None, cli_actor(), ImportSource::Cli, String::new()),
        client: String::new(),
    };
    let choices = Choices {
        allow_without_mail: options.allow_without_mail,
        invite: options.invite,
        // One user's password passes Django's validators; there is no one-time-password opt-out.
        allow_weak_passwords: false,
    };
    let user = UserToAdd {
        entry: &entry,
        by,
        choices,
    };
    let outcome = add_user_to(
        store,
        user,
        settings,
        || crate::mail::check(mailer.mail),
        mailer,
    )?;
    let gate = match &outcome {
        AddOutcome::Refused { gate, .. } | AddOutcome::Added { gate, .. } => gate,
    };
    if let Some(check) = &gate.check {
        eprintln!("Mail server check ({}): {}", check.server, check.message);
    }
    match outcome {
        AddOutcome::Refused { problem, .. } => {
            eprintln!(
                "User \"{}\" not created.\n  {}: {}: {}",
                crate::import::visible(entry.person.username.trim()),
                problem.location(),
                problem.code,
                problem.message
            );
            if problem.code == "mail_server_unavailable" {
                eprintln!(
                    "Use --allow-without-mail to add the user anyway without a password (no link is mailed)."
                );
            }
            Ok(ExitCode::from(EXIT_PARTIAL))
        }
        AddOutcome::Added {
            user, invitations, ..
        } => {
            say!(
                "User \"{}\" created (id {}, import #{}, role Default User).",
                user.username,
                user.id,
                user.import_id
            )?;
            match invitations {
                Invitations::Sent { sent: 1.., .. } => {
                    say!("Set-password link mailed to {}.", user.email)?;
                }
                Invitations::Sent { .. } => {
                    eprintln!(
                        "The set-password link could not be mailed; import #{} in the web interface says why and sends it again.",
                        user.import_id
                    );
                    return Ok(ExitCode::from(EXIT_FAILURE));
                }
                Invitations::Unsent(err) => return Err(err),
                Invitations::NotQueued if !user.has_usable_password => {
                    say!(
                        "No link was mailed (the mail server check failed): the user has no password until an admin sets one (`roster changepassword {}`).",
                        user.username
                    )?;
                }
                Invitations::NotQueued => {}
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
