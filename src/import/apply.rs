//! Commits a parsed file: hashes passwords on all cores, then writes every creatable row in one transaction.

use std::collections::HashMap;

use rayon::prelude::*;
use rusqlite::{Connection, TransactionBehavior};

use super::plan::{PasswordlessPolicy, Plan, RowOutcome, plan};
use super::{ImportReport, ImportSettings, ParsedFile};
use crate::auth::hashers::{make_password, make_unusable_password};
use crate::db;
use crate::mail::CheckOutcome;

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

/// The mail server check made before an import, recorded with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailCheckRecord {
    /// The diagnosis code, e.g. `ok` or `connection_refused`.
    pub code: String,
    /// The plain-language diagnosis.
    pub message: String,
}

/// Who runs an import, on which file, and with which choices; recorded with it.
#[derive(Debug, Clone)]
pub struct ImportContext {
    pub actor_user_id: Option<i64>,
    /// A readable name for the actor, e.g. the admin's username or `cli:alice`.
    pub actor: String,
    pub source: ImportSource,
    pub file_name: String,
    /// Whether rows without a password may be created.
    pub passwordless: PasswordlessPolicy,
    /// The mail check run for this import, if rows without a password made it necessary.
    pub mail_check: Option<MailCheckRecord>,
    /// The admin chose to import passwordless rows although the mail check failed.
    pub allowed_without_mail: bool,
    /// Queue a set-password invitation for each created user without a password.
    pub invite: bool,
}

impl ImportContext {
    /// A context with no mail involvement: passwordless rows allowed, no check, no invitations.
    pub fn new(
        actor_user_id: Option<i64>,
        actor: String,
        source: ImportSource,
        file_name: String,
    ) -> Self {
        Self {
            actor_user_id,
            actor,
            source,
            file_name,
            passwordless: PasswordlessPolicy::Allowed,
            mail_check: None,
            allowed_without_mail: false,
            invite: false,
        }
    }
}

/// Plans the file against the database as it is now, without writing anything.
pub fn preview(
    conn: &Connection,
    file: &ParsedFile,
    policy: &PasswordlessPolicy,
) -> rusqlite::Result<Plan> {
    Ok(plan(file, &db::directory::snapshot(conn)?, policy))
}

/// Previews a file whose passwordless rows need working mail: when the plan creates users without
/// a password, runs `check_mail` and, if mail does not work, plans again refusing those rows.
pub fn preview_with_mail_check(
    conn: &Connection,
    file: &ParsedFile,
    check_mail: impl FnOnce() -> CheckOutcome,
) -> rusqlite::Result<(Plan, Option<CheckOutcome>)> {
    let plan = preview(conn, file, &PasswordlessPolicy::Allowed)?;
    if plan.passwordless() == 0 {
        return Ok((plan, None));
    }
    let check = check_mail();
    if check.ok() {
        return Ok((plan, Some(check)));
    }
    let refused = preview(conn, file, &passwordless_policy(Some(&check), false))?;
    Ok((refused, Some(check)))
}

/// Passwordless rows are refused when a mail check failed, unless the admin allowed them anyway.
pub fn passwordless_policy(check: Option<&CheckOutcome>, allow_anyway: bool) -> PasswordlessPolicy {
    match check {
        Some(check) if !check.ok() && !allow_anyway => PasswordlessPolicy::Refused {
            reason: check.message.clone(),
        },
        _ => PasswordlessPolicy::Allowed,
    }
}

impl MailCheckRecord {
    /// The record of a check outcome.
    pub fn of(check: &CheckOutcome) -> Self {
        let code = serde_json::to_value(check.diagnosis)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_else(|| "unknown".to_string());
        Self {
            code,
            message: check.message.clone(),
        }
    }
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
    let first_look = preview(conn, file, &context.passwordless)?;
    let mut hashes = hash_passwords(&first_look, settings.pbkdf2_iterations);

    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let plan = plan(file, &db::directory::snapshot(&tx)?, &context.passwordless);
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
                if context.invite && user.password.is_none() {
                    db::invitations::queue(&tx, import_id, user_id, &now)?;
                }
            }
            RowOutcome::Fail(_) => db::imports::insert_row(&tx, import_id, row, None)?,
        }
    }
    let detail = format!(
        "{} ({}): {} created, {} failed, {} without password{}",
        context.file_name,
        context.source.as_str(),
        plan.creatable(),
        plan.failed(),
        plan.passwordless(),
        if context.allowed_without_mail {
            "; imported without working mail by choice"
        } else {
            ""
        }
    );
    db::audit::record(
        &tx,
        &db::audit::AuditEntry {
            actor_user_id: context.actor_user_id,
            actor: &context.actor,
            action: "import",
            target: &format!("import:{import_id}"),
            detail: &detail,
            client: "",
        },
    )?;
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
