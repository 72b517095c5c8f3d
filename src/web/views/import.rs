//! The import flow's pages: upload, preview, result.

use maud::{Markup, html};

use super::layout::{Chrome, csrf_field, page};
use crate::db::imports::{ImportRecord, StoredRow};
use crate::db::invitations::Invitation;
use crate::domain::status::{ImportStatus, InvitationStatus, StoredStatus};
use crate::import::plan::{RowOutcome, RowSummary};
use crate::import::{Column, FileError, ImportReport, Plan};
use crate::mail::CheckOutcome;
use crate::web::jobs::ProgressView;

/// The upload form with the CSV contract, the sample and drag and drop.
pub fn upload(chrome: Chrome<'_>, max_rows: usize, error: Option<&str>) -> Markup {
    page(
        "Import users",
        chrome,
        html! {
            h1 { "Import users from a CSV file or a spreadsheet" }
            @if let Some(error) = error {
                p.notice.bad role="alert" { (error) }
            }
            div.card {
                form #upload-form method="post" action="/users/import" enctype="multipart/form-data" {
                    (csrf_field(chrome.csrf))
                    div #dropzone .dropzone {
                        label for="file" { "Choose a CSV file or a spreadsheet (XLSX, ODS, XLS), or drop it here" }
                        input #file type="file" name="file" accept=(UPLOAD_ACCEPT) required;
                        p #chosen .muted aria-live="polite" { "No file selected." }
                    }
                    p { label.inline { input type="checkbox" name="allow_weak_passwords" value="1"; " Allow weak passwords (one-time passwords I hand out myself; recorded in the audit log)" } }
                    div.actions {
                        button type="submit" { "Upload file" }
                        button.secondary type="reset" { "Upload different file" }
                        a href="/users/import/template.xlsx" download="roster-template.xlsx" { "Download the Excel template" }
                        a href="/users/import/sample.csv" download="roster-sample.csv" { "Download the sample CSV" }
                    }
                }
                p.muted { "Nothing is written until you confirm the preview. A spreadsheet's first sheet is read; its first row is the header." }
            }
            div.card {
                h2 { "File format" }
                p { "UTF-8 text, " strong { "semicolon (;)" } " between fields, one header line, then one user per line (at most " (max_rows) " users). Values containing ; or line breaks go in double quotes." }
                table {
                    thead { tr { th { "Column" } th { "Required" } th { "Notes" } } }
                    tbody {
                        @for column in Column::ALL {
                            tr {
                                td.code { (column.name()) }
                                td { @if column.required() { "yes" } @else { "no" } }
                                td { (column_note(column)) }
                            }
                        }
                    }
                }
                p.muted { "Every imported user becomes an active Default User; a CSV can never create an admin." }
            }
            script src="/static/import.js" defer {}
        },
    )
}

fn column_note(column: Column) -> &'static str {
    match column {
        Column::FirstName | Column::LastName => "At most 150 characters.",
        Column::Email => "A valid address, unique among users (case is ignored).",
        Column::Username => {
            "Letters, digits and @ . + - _ only; at most 150; unique (case is ignored)."
        }
        Column::OrganizationalUnit => {
            "Must already exist (see Organizational units); empty for none."
        }
        Column::JobTitle => "Optional, at most 150 characters.",
        Column::Password => {
            "Optional. Empty: the user sets a password via Forgot Password (needs mail) or you set one."
        }
    }
}

/// The preview of a staged upload, or why the file was rejected.
/// A staged file's preview and the mail check it needed.
pub struct PreviewData<'a> {
    pub plan: &'a Plan,
    pub mail_check: Option<&'a CheckOutcome>,
    /// The admin let passwords that fail Django's validators through.
    pub allow_weak_passwords: bool,
    /// How the file was read (e.g. comma-delimited).
    pub notices: &'a [String],
}

/// The preview of a staged upload, or why the file was rejected.
pub fn preview(
    chrome: Chrome<'_>,
    stage_id: &str,
    file_name: &str,
    content: Result<PreviewData<'_>, &FileError>,
) -> Markup {
    page(
        "Preview import",
        chrome,
        html! {
            h1 { "Preview: " (file_name) }
            @match content {
                Err(rejection) => {
                    div.notice.bad role="alert" {
                        strong { "The file was rejected; nothing was imported." }
                        p { (rejection.message) }
                        p.muted.code { (rejection.code) }
                    }
                    div.actions { a.button href="/users/import" { "Upload different file" } }
                }
                Ok(data) => { (plan_preview(chrome, stage_id, &data)) }
            }
        },
    )
}

fn plan_preview(chrome: Chrome<'_>, stage_id: &str, data: &PreviewData<'_>) -> Markup {
    let plan = data.plan;
    let creatable = plan.creatable();
    let refused = plan.refused_for_mail();
    let mail_ok = data.mail_check.is_some_and(CheckOutcome::ok);
    html! {
        dl.stats {
            div { dt { "Rows detected" } dd #rows-total { (plan.rows_total()) } }
            div.good { dt { "Will be created" } dd #rows-create { (creatable) } }
            div.bad { dt { "Rows with errors" } dd #rows-failed { (plan.failed()) } }
            // The same rows the notices below count: valid rows without a password.
            div { dt { "Without password" } dd #rows-passwordless { (plan.passwordless() + refused) } }
        }
        @for notice in data.notices {
            p.notice.file-notice { (notice) }
        }
        @if data.allow_weak_passwords {
            p.notice.warn #weak-passwords-allowed { "Weak passwords are allowed for this import, as you chose on the upload page: passwords Django's validators refuse are imported as they are. The choice is recorded in the audit log." }
        }
        @if let Some(check) = data.mail_check {
            (super::mail::check_notice(check))
        }
        @if refused > 0 {
            p.notice.warn {
                (refused) " row(s) without a password will not be imported: those people could not set a password through Forgot Password. Fix the mail settings and upload again, or tick \"import anyway\" below and set their passwords yourself."
            }
        } @else if plan.passwordless() > 0 {
            p.notice.warn {
                (plan.passwordless()) " user(s) will get an unusable password: they cannot log in until they use Forgot Password or an administrator sets a password."
            }
        }
        div.actions {
            @if creatable + refused > 0 {
                form method="post" action={ "/users/import/preview/" (stage_id) "/commit" } {
                    (csrf_field(chrome.csrf))
                    @if refused > 0 {
                        // With nothing to create now, the button only works with the box ticked.
                        p { label.inline { input type="checkbox" name="allow_without_mail" value="1" required[creatable == 0]; " Import anyway, I will set their passwords myself (" (refused) " more user(s))" } }
                    }
                    @if mail_ok && plan.passwordless() > 0 {
                        p { label.inline { input type="checkbox" name="invite" value="1"; " E-mail a set-password link to each imported user without a password" } }
                    }
                    button type="submit" { (import_button_text(creatable, refused)) }
                }
            } @else {
                p.notice.bad { "No row can be imported. Fix the errors below and upload the file again." }
            }
            a.button.secondary href="/users/import" { "Upload different file" }
        }
        h2 { "Rows" }
        table {
            thead { tr { th { "Line" } th { "Username" } th { "Name" } th { "E-mail" } th { "Unit" } th { "Job title" } th { "Password" } th { "Result" } } }
            tbody {
                @for row in &plan.rows {
                    @match &row.outcome {
                        RowOutcome::Create(_) => {
                            tr { (summary_cells(row.line, &row.summary)) td { "will be created" } }
                        }
                        RowOutcome::Fail(problem) => {
                            tr.error { (summary_cells(row.line, &row.summary)) td.reason { span.code { (problem.code.as_str()) } @if let Some(column) = problem.column { " in " (column) } ": " (problem.message) } }
                        }
                    }
                }
            }
        }
    }
}

/// "Import 2 users", or with rows held back for the mail check "Import 2 users now (5 with
/// Import anyway)", or "Import 3 users anyway" when only the held-back rows can be imported.
fn import_button_text(creatable: usize, refused: usize) -> String {
    let users = |n: usize| format!("{n} user{}", if n == 1 { "" } else { "s" });
    match (creatable, refused) {
        (_, 0) => format!("Import {}", users(creatable)),
        (0, _) => format!("Import {} anyway", users(refused)),
        _ => format!(
            "Import {} now ({} with Import anyway)",
            users(creatable),
            creatable + refused
        ),
    }
}

fn summary_cells(line: u64, summary: &RowSummary) -> Markup {
    let s = &summary.person;
    html! {
        td { (line) }
        td { (s.username) }
        td { (s.first_name) " " (s.last_name) }
        td { (s.email) }
        td { (s.organizational_unit) }
        td { (s.job_title) }
        td { @if summary.has_password { "supplied" } @else { "none" } }
    }
}

/// The outcome of a committed import: counts, failed rows, invitations, every row, undo.
pub fn result(
    chrome: Chrome<'_>,
    record: &ImportRecord,
    report: &ImportReport,
    invitations: &[Invitation],
    rows: &[StoredRow],
) -> Markup {
    page(
        "Import result",
        chrome,
        html! {
            h1 { "Import of " (record.file_name) }
            p.muted { "Started " (record.started_at) " UTC by " (record.actor) " (" (record.source) ")." }
            @if record.status == ImportStatus::Interrupted {
                p.notice.bad #interrupted role="alert" {
                    "This import was interrupted (Roster stopped) after " (record.rows_done) " of " (record.rows_total)
                    " rows. Every user it created is complete. Import the same file again to finish: the users already created are reported as duplicates, the rest are created."
                }
            }
            @if let Some(at) = &record.undone_at {
                p.notice.warn #undone { "Undone on " (at) " UTC by " (record.undone_by.as_deref().unwrap_or("?")) ": the users it created who had never logged in were removed." }
            }
            @if report.failed == 0 {
                p.notice.good role="status" { (report.created) " user(s) created. All rows were imported." }
            } @else {
                p.notice.warn role="status" { (report.created) " user(s) created, " (report.failed) " row(s) failed." }
            }
            @if let (Some(code), Some(message)) = (&record.mail_check, &record.mail_check_message) {
                p #import-mail-check .notice.(if code == "ok" { "good" } else { "bad" }) {
                    "Mail server check before this import: " (message)
                    @if record.allowed_without_mail { " The admin chose to import users without a password anyway." }
                }
            }
            dl.stats {
                div { dt { "Rows" } dd { (report.rows_total) } }
                div.good { dt { "Created" } dd #created { (report.created) } }
                div.bad { dt { "Failed" } dd #failed { (report.failed) } }
                div { dt { "Created without password" } dd { (report.passwordless) } }
            }
            @if !invitations.is_empty() {
                (invitation_table(chrome, record.id, invitations))
            }
            @if report.failed > 0 {
                div.actions {
                    a.button href={ "/imports/" (record.id) "/errors.xlsx" } { "Download error report (Excel)" }
                    a.button.secondary href={ "/imports/" (record.id) "/errors.csv" } { "Download error report (CSV)" }
                    a.button.secondary href="/users/import" { "Import the corrected file" }
                }
                h2 { "Failed rows" }
                table {
                    thead { tr { th { "Line" } th { "Username" } th { "E-mail" } th { "Error" } } }
                    tbody {
                        @for row in &report.failures {
                            tr.error {
                                td { (row.line) }
                                td { (row.summary.person.username) }
                                td { (row.summary.person.email) }
                                td.reason { span.code { (row.code) } @if let Some(column) = &row.column { " in " (column) } ": " (row.message) }
                            }
                        }
                    }
                }
            } @else {
                div.actions { a.button href="/users" { "See users" } a.button.secondary href="/users/import" { "Import another file" } }
            }
            h2 { "Every row" }
            table #all-rows {
                thead { tr { th { "Line" } th { "Username" } th { "E-mail" } th { "Outcome" } } }
                tbody {
                    @for StoredRow { line, summary, user_id, code, message, removed_by_undo, created_username, .. } in rows {
                        tr.(if code.is_some() { "error" } else { "" }) {
                            td { (line) }
                            td { @if let Some(id) = user_id { a href={ "/users/" (id) } { (summary.person.username) } } @else { (summary.person.username) } }
                            td { (summary.person.email) }
                            td {
                                @match (code, message) {
                                    (Some(code), Some(message)) => { span.code { (code) } ": " (message) }
                                    _ => {
                                        @if user_id.is_some() { "created" }
                                        @else if *removed_by_undo { "created, later removed by undo" }
                                        @else {
                                            "created"
                                            @if let Some(name) = created_username.as_ref().filter(|name| **name != summary.person.username) { " as " (name) }
                                            ", since deleted outside Roster"
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @if record.created > 0 {
                p { a.button.secondary #undo-link href={ "/imports/" (record.id) "/undo" } { "Undo import\u{2026}" } }
            }
        },
    )
}

fn invitation_table(chrome: Chrome<'_>, import_id: i64, invitations: &[Invitation]) -> Markup {
    let sent = invitations
        .iter()
        .filter(|i| i.status == InvitationStatus::Sent)
        .count();
    let failed = invitations
        .iter()
        .filter(|i| i.status == InvitationStatus::Failed)
        .count();
    let pending = invitations.len() - sent - failed;
    html! {
        h2 { "Set-password invitations" }
        p #invitations-summary { (sent) " sent, " (failed) " failed" @if pending > 0 { ", " (pending) " still sending (reload to see)" } "." }
        table {
            thead { tr { th { "Username" } th { "E-mail" } th { "Outcome" } } }
            tbody {
                @for i in invitations {
                    tr.(if i.status == InvitationStatus::Failed { "error" } else { "" }) {
                        td { (i.username) } td { (i.email) }
                        td { (i.status.as_str()) @if let Some(reason) = &i.reason { ": " (reason) } }
                    }
                }
            }
        }
        @if failed > 0 {
            form method="post" action={ "/imports/" (import_id) "/resend" } {
                (csrf_field(chrome.csrf))
                button type="submit" { "Resend to failed" }
            }
        }
    }
}

/// A running import: a progress bar that refreshes itself (no script needed) until it is done.
pub fn running(chrome: Chrome<'_>, record: &ImportRecord, progress: &ProgressView) -> Markup {
    let percent = (progress.done * 100)
        .checked_div(progress.total)
        .unwrap_or(0);
    page(
        "Import running",
        chrome,
        html! {
            meta http-equiv="refresh" content="1";
            h1 { "Importing " (record.file_name) }
            p.muted { "Started " (record.started_at) " UTC by " (record.actor) ". You can leave this page; the import goes on and this page shows the result when it is done." }
            progress #import-progress max=(progress.total) value=(progress.done) { (percent) "%" }
            p #progress-text role="status" {
                (progress.done) " of " (progress.total) " rows"
                @if progress.rate > 0.0 { ", " (format!("{:.0}", progress.rate)) " rows/s" }
                @if let Some(left) = progress.seconds_left { ", about " (left) " s left" }
            }
        },
    )
}

/// What the file picker offers: CSV files and the spreadsheet formats Roster reads.
const UPLOAD_ACCEPT: &str = ".csv,.xlsx,.ods,.xls,text/csv,\
    application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,\
    application/vnd.oasis.opendocument.spreadsheet,application/vnd.ms-excel";
