//! Organizational units and API tokens from the command line.

use std::process::ExitCode;

use anyhow::bail;

use super::accounts::{cli_actor, cli_audit};
use crate::cli::OuCommand;
use crate::db::audit::AuditAction;
use crate::db::{self, Db};

pub(super) fn organizational_units(db: &Db, command: OuCommand) -> anyhow::Result<ExitCode> {
    let conn = db.connect()?;
    match command {
        OuCommand::List => {
            let units = crate::db::ous::list(&conn)?;
            if units.is_empty() {
                println!("No organizational units yet. Create one with `roster ou add NAME`.");
            }
            for unit in units {
                println!("{}\t{} users", unit.name, unit.user_count);
            }
        }
        OuCommand::Add { name } => {
            let id = crate::db::ous::add(&conn, &name, &db::now_text())
                .map_err(|e| anyhow::anyhow!("Cannot create organizational unit: {e}"))?;
            cli_audit(
                &conn,
                AuditAction::OuCreated,
                &format!("ou:{id}"),
                name.trim(),
            )?;
            println!("Organizational unit \"{}\" created.", name.trim());
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub(super) fn api_tokens(db: &Db, command: crate::cli::TokenCommand) -> anyhow::Result<ExitCode> {
    use crate::cli::TokenCommand;
    use crate::db::api_tokens;
    let mut conn = db.connect()?;
    match command {
        TokenCommand::Create { name } => {
            let tx = conn.transaction()?;
            let token = api_tokens::create(&tx, &name, &cli_actor())
                .map_err(|e| anyhow::anyhow!("Cannot create the API token: {e}"))?;
            cli_audit(
                &tx,
                AuditAction::TokenCreated,
                &format!("token:{}", name.trim()),
                "",
            )?;
            tx.commit()?;
            // Only the token on stdout, so scripts can capture it.
            println!("{token}");
            eprintln!(
                "API token \"{}\" created. Copy it now: Roster stores only its hash and cannot show it again.",
                name.trim()
            );
        }
        TokenCommand::Revoke { name } => {
            let tx = conn.transaction()?;
            if !api_tokens::revoke(&tx, &name)? {
                bail!("There is no active API token named \"{}\"", name.trim());
            }
            cli_audit(
                &tx,
                AuditAction::TokenRevoked,
                &format!("token:{}", name.trim()),
                "",
            )?;
            tx.commit()?;
            println!("API token \"{}\" revoked.", name.trim());
        }
        TokenCommand::List => {
            let tokens = api_tokens::list(&conn)?;
            if tokens.is_empty() {
                println!("No API tokens yet. Create one with `roster token create NAME`.");
            }
            for t in tokens {
                let status = t
                    .revoked_at
                    .map_or_else(|| "active".to_string(), |at| format!("revoked {at}"));
                let used = t.last_used_at.as_deref().unwrap_or("never");
                println!(
                    "{}\t{status}\tcreated {} by {}\tlast used {used}",
                    t.name, t.created_at, t.created_by
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
