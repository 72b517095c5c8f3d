//! Organizational units and API tokens from the command line, on any backend's `DirectoryStore`.

use std::process::ExitCode;

use anyhow::{Context as _, bail};

use super::accounts::{cli_actor, cli_entry};
use super::stdout::say;
use crate::cli::{OuCommand, TokenCommand};
use crate::db::audit::AuditAction;
use crate::db::directory_store::DirectoryStore;

/// `roster ou …`: every change and its audit entry in one transaction.
pub(super) fn organizational_units<S: DirectoryStore>(
    store: &mut S,
    command: &OuCommand,
) -> anyhow::Result<ExitCode> {
    match command {
        OuCommand::List => {
            let units = store.units()?;
            if units.is_empty() {
                say!("No organizational units yet. Create one with `roster ou add NAME`.")?;
            }
            for unit in units {
                say!("{}\t{} users", unit.name, unit.user_count)?;
            }
        }
        OuCommand::Add { name } => {
            store.atomically(|store| {
                let id = store
                    .add_unit(name)
                    .map_err(|e| anyhow::anyhow!("Cannot create organizational unit: {e}"))?;
                audit(
                    store,
                    AuditAction::OuCreated,
                    &format!("ou:{id}"),
                    name.trim(),
                )
            })?;
            say!("Organizational unit \"{}\" created.", name.trim())?;
        }
        OuCommand::Rename { name, new_name } => {
            let (old, new) = store.atomically(|store| {
                let id = unit_named(store, name)?;
                let old = store.rename_unit(id, new_name).map_err(|e| {
                    anyhow::anyhow!("Cannot rename organizational unit \"{}\": {e}", name.trim())
                })?;
                let new = new_name.trim();
                audit(
                    store,
                    AuditAction::OuRenamed,
                    &format!("ou:{id}"),
                    &format!("{old} -> {new}"),
                )?;
                Ok((old, new.to_string()))
            })?;
            say!("Organizational unit \"{old}\" renamed to \"{new}\".")?;
        }
        OuCommand::Delete { name } => {
            let deleted = store.atomically(|store| {
                let id = unit_named(store, name)?;
                let deleted = store.delete_unit_if_empty(id).map_err(|e| {
                    anyhow::anyhow!("Cannot delete organizational unit \"{}\": {e}", name.trim())
                })?;
                audit(store, AuditAction::OuDeleted, &format!("ou:{id}"), &deleted)?;
                Ok(deleted)
            })?;
            say!("Organizational unit \"{deleted}\" deleted.")?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The id of the unit named `name` without regard to case (Unicode case folding, as names are
/// kept unique).
fn unit_named<S: DirectoryStore>(store: &mut S, name: &str) -> anyhow::Result<i64> {
    let units = store.units()?.into_iter().map(|unit| (unit.id, unit.name));
    match crate::db::ous::same_name_among(units, name.trim(), None) {
        Some((id, _)) => Ok(id),
        None => bail!("There is no organizational unit named \"{}\"", name.trim()),
    }
}

/// `roster token …`: a token is printed once and stored as its SHA-256 only.
pub(super) fn api_tokens<S: DirectoryStore>(
    store: &mut S,
    command: &TokenCommand,
) -> anyhow::Result<ExitCode> {
    match command {
        TokenCommand::Create { name } => {
            let token = store.atomically(|store| {
                let token = store
                    .create_token(name, &cli_actor())
                    .map_err(|e| anyhow::anyhow!("Cannot create the API token: {e}"))?;
                let target = format!("token:{}", name.trim());
                audit(store, AuditAction::TokenCreated, &target, "")?;
                Ok(token)
            })?;
            // Only the token on stdout, so scripts can capture it.
            say!("{token}").with_context(|| {
                format!(
                    "API token \"{0}\" was created but could not be shown; revoke it with `roster token revoke '{0}'` and create another",
                    name.trim()
                )
            })?;
            eprintln!(
                "API token \"{}\" created. Copy it now: Roster stores only its hash and cannot show it again.",
                name.trim()
            );
        }
        TokenCommand::Revoke { name } => {
            store.atomically(|store| {
                if !store.revoke_token(name)? {
                    bail!("There is no active API token named \"{}\"", name.trim());
                }
                let target = format!("token:{}", name.trim());
                audit(store, AuditAction::TokenRevoked, &target, "")
            })?;
            say!("API token \"{}\" revoked.", name.trim())?;
        }
        TokenCommand::List => {
            let tokens = store.tokens()?;
            if tokens.is_empty() {
                say!("No API tokens yet. Create one with `roster token create NAME`.")?;
            }
            for t in tokens {
                let status = t
                    .revoked_at
                    .map_or_else(|| "active".to_string(), |at| format!("revoked {at}"));
                let used = t.last_used_at.as_deref().unwrap_or("never");
                say!(
                    "{}\t{status}\tcreated {} by {}\tlast used {used}",
                    t.name,
                    t.created_at,
                    t.created_by
                )?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Appends the command line's audit entry for a directory change.
fn audit<S: DirectoryStore>(
    store: &mut S,
    action: AuditAction,
    target: &str,
    detail: &str,
) -> anyhow::Result<()> {
    store.record_audit(&cli_entry(&cli_actor(), action, target, detail))
}
