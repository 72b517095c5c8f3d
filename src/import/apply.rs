//! Commits a parsed file: hashes passwords on all cores, then writes every creatable row in one transaction.

use std::collections::HashMap;

use rayon::prelude::*;
use rusqlite::{Connection, TransactionBehavior};

use super::plan::{Plan, RowOutcome, plan};
use super::{ImportReport, ImportSettings, ParsedFile};
use crate::auth::hashers::{make_password, make_unusable_password};
use crate::db;

/// The Django group every imported user joins.
pub const DEFAULT_GROUP: &str = "Default User";

/// Where an import came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportSource {
    Web,
    Cli,
    Api,
}

impl ImportSource {
    /// The value stored in `roster_import.source`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Web => "web",
            Self::Cli => "cli",
            Self::Api => "api",
        }
    }
}

/// Who runs an import and on which file; recorded with it.
#[derive(Debug, Clone)]
pub struct ImportContext {
    pub actor_user_id: Option<i64>,
    /// A readable name for the actor, e.g. the admin's username or `cli:alice`.
    pub actor: String,
    pub source: ImportSource,
    pub file_name: String,
}

/// Plans the file against the database as it is now, without writing anything.
pub fn preview(conn: &Connection, file: &ParsedFile) -> rusqlite::Result<Plan> {
    Ok(plan(file, &db::directory::snapshot(conn)?))
}

/// Creates every valid row and records the import; invalid rows are reported, never half-written.
///
/// Passwords are hashed before the write transaction so the database is locked only briefly; the
/// plan is then made again inside the transaction, so concurrent imports cannot create a user twice.
pub fn commit(
    conn: &mut Connection,
    file: &ParsedFile,
    context: &ImportContext,
    settings: &ImportSettings,
) -> rusqlite::Result<ImportReport> {
    let first_look = preview(conn, file)?;
    let mut hashes = hash_passwords(&first_look, settings.pbkdf2_iterations);

    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let plan = plan(file, &db::directory::snapshot(&tx)?);
    let now = db::now_text();
    let group_id = db::users::ensure_group(&tx, DEFAULT_GROUP)?;
    let import_id = db::imports::create(&tx, context, &plan, &now)?;
    for row in &plan.rows {
        match &row.outcome {
            RowOutcome::Create(user) => {
                let hash = match &user.password {
                    None => make_unusable_password(),
                    Some(secret) => hashes.remove(&row.line).unwrap_or_else(|| {
                        make_password(secret.expose(), settings.pbkdf2_iterations)
                    }),
                };
                let user_id =
                    db::users::insert_imported(&tx, user, &hash, group_id, import_id, &now)?;
                db::imports::insert_row(&tx, import_id, row, Some(user_id))?;
            }
            RowOutcome::Fail(_) => db::imports::insert_row(&tx, import_id, row, None)?,
        }
    }
    tx.commit()?;

    let mut report = ImportReport::from_plan(&plan);
    report.import_id = Some(import_id);
    Ok(report)
}

/// Hashes the supplied passwords of creatable rows in parallel, keyed by line.
fn hash_passwords(plan: &Plan, iterations: u32) -> HashMap<u64, String> {
    plan.rows
        .par_iter()
        .filter_map(|row| match &row.outcome {
            RowOutcome::Create(user) => user
                .password
                .as_ref()
                .map(|secret| (row.line, make_password(secret.expose(), iterations))),
            RowOutcome::Fail(_) => None,
        })
        .collect()
}
