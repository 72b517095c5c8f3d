//! Admin accounts from the command line: createsuperuser, changepassword, and their audit entries.

use super::stdout::say;
use std::io::{BufRead, IsTerminal};
use std::process::ExitCode;

use anyhow::bail;

use crate::auth::hashers::make_password;
use crate::auth::password_validation::{UserAttributes, refusal};
use crate::db::account_store::AccountStore;
use crate::db::audit::AuditAction;
use crate::domain::fields::{
    is_valid_email, is_valid_username, normalize_email, normalize_username,
};

/// `createsuperuser` on any backend's store, hashing with `iterations`.
pub(super) fn create_superuser<S: AccountStore>(
    store: &mut S,
    iterations: u32,
    username: &str,
    email: &str,
    noinput: bool,
) -> anyhow::Result<ExitCode> {
    let username = normalize_username(username.trim());
    if !is_valid_username(&username) {
        bail!(
            "Username \"{username}\" is not valid: use at most 150 letters, digits and @ . + - _"
        );
    }
    let email = normalize_email(email);
    if !is_valid_email(&email) {
        bail!("E-mail \"{email}\" is not a valid address");
    }
    if store.identity_taken(&username, &email)? {
        bail!("A user with username \"{username}\" or e-mail \"{email}\" already exists");
    }
    let password = if noinput {
        match std::env::var("ROSTER_SUPERUSER_PASSWORD") {
            Ok(p) if !p.is_empty() => p,
            _ => bail!("--noinput needs the password in ROSTER_SUPERUSER_PASSWORD"),
        }
    } else {
        prompt_new_password("--noinput with ROSTER_SUPERUSER_PASSWORD, or --password-stdin")?
    };
    refuse_weak(
        &password,
        &UserAttributes {
            username: &username,
            first_name: "",
            last_name: "",
            email: &email,
        },
    )?;
    let hash = make_password(&password, iterations);
    let id = store.insert_superuser(&username, &email, &hash)?;
    audit_to(
        store,
        AuditAction::AdminCreated,
        &format!("user:{id} ({username})"),
        "roster createsuperuser",
    )?;
    say!("Superuser \"{username}\" created.")?;
    Ok(ExitCode::SUCCESS)
}

/// `changepassword` on any backend's store, hashing with `iterations`.
pub(super) fn change_password<S: AccountStore>(
    store: &mut S,
    iterations: u32,
    username: &str,
    from_stdin: bool,
) -> anyhow::Result<ExitCode> {
    let Some(user) = store.find_by_username(username)? else {
        bail!("User \"{username}\" does not exist");
    };
    let password = if from_stdin {
        password_from_stdin()?
    } else {
        prompt_new_password("--password-stdin")?
    };
    refuse_weak(
        &password,
        &UserAttributes {
            username: &user.username,
            first_name: &user.first_name,
            last_name: &user.last_name,
            email: &user.email,
        },
    )?;
    let hash = make_password(&password, iterations);
    store.set_password(user.id, &hash)?;
    audit_to(
        store,
        AuditAction::PasswordSet,
        &format!("user:{} ({})", user.id, user.username),
        "roster changepassword",
    )?;
    say!(
        "Password changed successfully for user \"{}\".",
        user.username
    )?;
    Ok(ExitCode::SUCCESS)
}

/// Refuses a password Django's validators refuse, as every web form does; nothing is written.
fn refuse_weak(password: &str, user: &UserAttributes) -> anyhow::Result<()> {
    match refusal(password, user) {
        None => Ok(()),
        Some(problems) => bail!("{problems} Nothing was changed; choose another password."),
    }
}

/// The actor name for the command line: `cli:<OS user>`.
pub(super) fn cli_actor() -> String {
    format!(
        "cli:{}",
        std::env::var("USER").unwrap_or_else(|_| "unknown".into())
    )
}

/// An audit entry for a command-line action by `actor` ([`cli_actor`]).
pub(super) fn cli_entry<'a>(
    actor: &'a str,
    action: crate::db::audit::AuditAction,
    target: &'a str,
    detail: &'a str,
) -> crate::db::audit::AuditEntry<'a> {
    crate::db::audit::AuditEntry {
        actor_user_id: None,
        actor,
        action,
        target,
        detail,
        client: "",
    }
}

/// Appends a command-line audit entry to any backend's account store.
fn audit_to<S: AccountStore>(
    store: &mut S,
    action: crate::db::audit::AuditAction,
    target: &str,
    detail: &str,
) -> Result<(), S::Error> {
    store.record_audit(&cli_entry(&cli_actor(), action, target, detail))
}

/// The first line of standard input, without its line ending; empty is refused.
pub(super) fn password_from_stdin() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let password = line.strip_suffix('\n').unwrap_or(&line);
    let password = password.strip_suffix('\r').unwrap_or(password).to_string();
    if password.is_empty() {
        bail!("No password on standard input");
    }
    Ok(password)
}

/// Asks twice on the terminal; without one, refuses and names the flags to use instead.
pub(super) fn prompt_new_password(instead: &str) -> anyhow::Result<String> {
    if !std::io::stdin().is_terminal() {
        bail!("No terminal to prompt for a password: use {instead}");
    }
    for _ in 0..3 {
        let first = rpassword::prompt_password("Password: ")?;
        let second = rpassword::prompt_password("Password (again): ")?;
        if first.is_empty() {
            eprintln!("The password cannot be empty.");
        } else if first != second {
            eprintln!("The passwords do not match.");
        } else {
            return Ok(first);
        }
    }
    bail!("Too many attempts; nothing was changed")
}
