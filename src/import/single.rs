//! One user typed in (the Add user form, `roster adduser`, `POST /api/users`) run as a one-row import.
//!
//! The row goes through the same planner, mail gate and batch writer as a file, so its rules and
//! messages are exactly an import row's, the user joins the Default User group, and an invitation
//! or a later Forgot Password treats the user like any imported one. The import is recorded (its
//! name says it was added by hand) and one `user_added` audit entry says who added whom.

use super::parse::{RawRow, RowValues};
use super::plan::DirectorySnapshot;
use super::plan::{Plan, Planner};
use super::report::ReportRow;
use super::service::{
    Choices, Invitations, MailGate, Mailer, Prepared, Source, commit_to, prepare_against,
};
use super::{ImportContext, ImportReport, ImportSettings};
use crate::db;
use crate::db::audit::AuditAction;
use crate::db::import_store::ImportStore;
use crate::mail::CheckOutcome;

/// The line a single user's row is reported on: the form is the whole "file".
pub const LINE: u64 = 1;

/// What the admin typed for the new user: an import row's values (`None` for the password creates
/// the user without one: an invitation, or Forgot Password later). Trimmed as a CSV cell would be.
pub type NewUserEntry = RowValues;

/// The entry as the one row of its import, trimmed like a CSV cell.
fn to_row(entry: &NewUserEntry) -> RawRow {
    RawRow {
        line: LINE,
        values: RowValues {
            person: entry.person.map(|value| value.trim().to_string()),
            password: entry
                .password
                .clone()
                .filter(|secret| !secret.expose().is_empty()),
        },
        malformed: None,
        // Typed text is Unicode: no export could have turned letters into "?".
        lossy_export: false,
        sheet_row: None,
    }
}

/// The name the import is recorded under, e.g. `Add user: alice`.
fn import_name(entry: &NewUserEntry) -> String {
    let username: String = entry
        .person
        .username
        .trim()
        .chars()
        .filter(|c| !c.is_control())
        .take(150)
        .collect();
    format!("Add user: {username}")
}

/// The one row, planned and written like a file's.
#[derive(Debug)]
pub struct OneRow {
    row: Option<RawRow>,
}

impl OneRow {
    /// A source holding `entry` as its only row.
    pub fn new(entry: &NewUserEntry) -> Self {
        Self {
            row: Some(to_row(entry)),
        }
    }
}

impl Source for OneRow {
    type Planned = Plan;
    fn plan(&mut self, mut planner: Planner) -> Result<Plan, super::FileError> {
        Ok(Plan {
            rows: self.row.iter().map(|row| planner.plan_row(row)).collect(),
        })
    }
    fn passwordless(planned: &Plan) -> usize {
        planned.passwordless()
    }
    fn report(planned: Plan) -> ImportReport {
        ImportReport::from_plan(&planned)
    }
    fn rows_total(&self) -> usize {
        usize::from(self.row.is_some())
    }
    fn notices(&self) -> Vec<String> {
        Vec::new()
    }
    fn drain(&mut self) -> impl Iterator<Item = RawRow> + Send + '_ {
        self.row.take().into_iter()
    }
}

/// Who adds the user, for the import record and the audit entry.
#[derive(Debug, Clone)]
pub struct AddedBy {
    /// The import context (actor, source); its file name is replaced by the entry's.
    pub context: ImportContext,
    /// The client address for web requests, empty otherwise.
    pub client: String,
}

/// The user as created.
#[derive(Debug, Clone)]
pub struct AddedUser {
    pub id: i64,
    pub username: String,
    pub email: String,
    pub organizational_unit: Option<String>,
    pub has_usable_password: bool,
    /// The one-row import that created the user.
    pub import_id: i64,
}

/// What adding a user came to.
#[derive(Debug)]
pub enum AddOutcome {
    /// Nothing was created: the row's problem, exactly as an import row reports it.
    Refused { problem: ReportRow, gate: MailGate },
    Added {
        user: AddedUser,
        gate: MailGate,
        invitations: Invitations,
    },
}

/// Plans `entry` against `directory` (the users and units as they are now), under the mail gate
/// (the check runs only when the user would get no password), and writes nothing: the row's
/// problem, if any.
pub fn check(
    directory: DirectorySnapshot,
    entry: &NewUserEntry,
    choices: Choices,
    check_mail: impl FnOnce() -> CheckOutcome,
) -> Option<ReportRow> {
    match plan_entry(directory, entry, choices, check_mail) {
        Planned::Ready(..) => None,
        Planned::Refused(problem, _) => Some(problem),
    }
}

/// The planned row ready to write with its gate, or its problem.
enum Planned {
    Ready(OneRow, MailGate),
    Refused(ReportRow, MailGate),
}

fn plan_entry(
    directory: DirectorySnapshot,
    entry: &NewUserEntry,
    choices: Choices,
    check_mail: impl FnOnce() -> CheckOutcome,
) -> Planned {
    let (source, planned, gate) =
        match prepare_against(directory, OneRow::new(entry), choices, check_mail) {
            Prepared::Ready {
                source,
                planned,
                gate,
            } => (source, planned, gate),
            // Planning one typed row has no file to reject; handled all the same.
            Prepared::Rejected(rejection) => {
                let problem = ReportRow {
                    line: LINE,
                    summary: Default::default(),
                    code: rejection.code.to_string(),
                    column: None,
                    message: rejection.message,
                };
                return Planned::Refused(problem, MailGate::decide(None, choices));
            }
        };
    match first_failure(ImportReport::from_plan(&planned)) {
        Some(problem) => Planned::Refused(problem, gate),
        None => Planned::Ready(source, gate),
    }
}

fn first_failure(report: ImportReport) -> Option<ReportRow> {
    report.failures.into_iter().next()
}

/// The user to add, who adds it, and how.
#[derive(Debug, Clone)]
pub struct UserToAdd<'e> {
    pub entry: &'e NewUserEntry,
    pub by: AddedBy,
    pub choices: Choices,
}

/// Plans `entry` as [`check`] does and, when it passes, creates the user through the import
/// writer of any backend's [`ImportStore`] (Default User group, profile, invitation when asked and
/// mail works), then records who added whom in the audit log. The password is only ever hashed.
pub fn add_user_to<St: ImportStore>(
    store: &mut St,
    user: UserToAdd<'_>,
    settings: &ImportSettings,
    check_mail: impl FnOnce() -> CheckOutcome,
    mailer: Mailer<'_>,
) -> Result<AddOutcome, St::Error> {
    let UserToAdd { entry, by, choices } = user;
    let (source, gate) = match plan_entry(store.snapshot()?, entry, choices, check_mail) {
        Planned::Ready(source, gate) => (source, gate),
        Planned::Refused(problem, gate) => return Ok(AddOutcome::Refused { problem, gate }),
    };
    let mut context = by.context;
    context.file_name = import_name(entry);
    let actor = (context.actor_user_id, context.actor.clone());
    let committed = commit_to(
        store,
        source,
        context,
        &gate,
        settings,
        |_| {},
        Some(mailer),
    )?;
    if let Some(problem) = first_failure(committed.report.clone()) {
        // Someone took the name meanwhile, or the project's own trigger refused the row.
        return Ok(AddOutcome::Refused { problem, gate });
    }
    let import_id = committed.import_id;
    let (record, organizational_unit) = store.created_user(import_id)?;
    let user = AddedUser {
        id: record.id,
        has_usable_password: crate::auth::hashers::is_password_usable(&record.password),
        username: record.username,
        email: record.email,
        organizational_unit,
        import_id,
    };
    let how = match (user.has_usable_password, &committed.invitations) {
        (true, _) => "password set by the admin".to_string(),
        (false, Invitations::Sent { sent: 1.., .. }) => "set-password link mailed".to_string(),
        (false, Invitations::Sent { .. } | Invitations::Unsent(_)) => {
            "set-password link queued but not sent".to_string()
        }
        (false, Invitations::NotQueued) if gate.allowed_without_mail => {
            "without a password; mail not working, added anyway by choice".to_string()
        }
        (false, Invitations::NotQueued) => "without a password".to_string(),
    };
    let detail = format!(
        "{} <{}>, unit {}; {how}; import:{import_id}",
        user.username,
        user.email,
        user.organizational_unit.as_deref().unwrap_or("none"),
    );
    store.record_audit(&db::audit::AuditEntry {
        actor_user_id: actor.0,
        actor: &actor.1,
        action: AuditAction::UserAdded,
        target: &format!("user:{} ({})", user.id, user.username),
        detail: &detail,
        client: &by.client,
    })?;
    Ok(AddOutcome::Added {
        user,
        gate,
        invitations: committed.invitations,
    })
}

/// Whether a refusal is a clash with an existing user (the API answers 409 for it).
pub fn is_duplicate(problem: &ReportRow) -> bool {
    matches!(
        problem.code.as_str(),
        "duplicate_username" | "duplicate_email"
    )
}
