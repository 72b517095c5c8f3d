//! An import's own row in `roster_import` on PostgreSQL: created with the lock that tells a live
//! import from one a stopped process left `running`, its status, and the sweep of the latter.

use postgres::Client;

use super::Connector;
use crate::domain::import_context::ImportContext;
use crate::domain::status::{ImportStatus, StoredStatus};

/// A running import's connection holds the session-level advisory lock `RUNNING_IMPORT + id`
/// until it closes, so an import still `running` whose lock is free was left by a process that
/// stopped ([`interrupt_abandoned_imports`]).
const RUNNING_IMPORT: i64 = 0x5249_0000_0000_0000; // "RI", then the import's id

/// Records a running import (inside the caller's transaction) and takes its running lock for
/// as long as `client`'s connection lives; returns the import's id.
pub fn create(
    client: &mut Client,
    context: &ImportContext,
    rows_total: usize,
) -> Result<i64, postgres::Error> {
    let (check_code, check_message) = match &context.mail_check {
        Some(check) => (Some(check.code.as_str()), Some(check.message.as_str())),
        None => (None, None),
    };
    let import_id: i64 = client
        .query_one(
            "INSERT INTO roster_import (started_at, actor_user_id, actor, source, \
             file_name, rows_total, created, failed, passwordless, mail_check, \
             mail_check_message, allowed_without_mail, invite, status, rows_done) \
             VALUES (now(), $1::bigint, $2, $3, $4, $5, 0, 0, 0, $6, $7, $8, $9, $10, 0) \
             RETURNING id",
            &[
                &context.actor_user_id,
                &context.actor,
                &context.source.as_str(),
                &context.file_name,
                &(rows_total as i64),
                &check_code,
                &check_message,
                &context.allowed_without_mail,
                &context.invite,
                &ImportStatus::Running.as_str(),
            ],
        )?
        .get(0);
    client.execute(
        "SELECT pg_advisory_lock($1)",
        &[&(RUNNING_IMPORT + import_id)],
    )?;
    Ok(import_id)
}

/// Ends a running import as `status` (done or interrupted).
pub fn set_status(
    client: &mut Client,
    import_id: i64,
    status: ImportStatus,
) -> Result<(), postgres::Error> {
    client.execute(
        "UPDATE roster_import SET status = $1, finished_at = now() \
         WHERE id = $2 AND status = 'running'",
        &[&status.as_str(), &import_id],
    )?;
    Ok(())
}

/// Marks interrupted the imports left `running` by a Roster process that stopped: those whose
/// connection no longer holds their lock (a live import's is held; see [`create`]).
/// Returns how many. Another process's running import is left alone.
pub fn interrupt_abandoned_imports(connector: &Connector) -> anyhow::Result<u64> {
    let mut client = connector.connect()?;
    let interrupted = client.execute(
        "UPDATE roster_import SET status = 'interrupted', finished_at = now() \
         WHERE status = 'running' AND pg_try_advisory_xact_lock($1 + id)",
        &[&RUNNING_IMPORT],
    )?;
    Ok(interrupted)
}
