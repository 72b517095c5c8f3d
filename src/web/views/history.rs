//! Import history: the list of imports and the undo confirmation.

use maud::{Markup, html};

use super::layout::{Chrome, csrf_field, page};
use super::pager::pager;
use super::time::{label, local};
use crate::db::imports::ImportRecord;
use crate::db::undo::UndoPlan;

/// Every import, newest first.
pub fn list(
    chrome: Chrome<'_>,
    imports: &[ImportRecord],
    page_number: i64,
    pages: i64,
    time_zone: chrono_tz::Tz,
) -> Markup {
    page(
        "Import history",
        chrome,
        html! {
            h1 { "Import history" }
            @if imports.is_empty() {
                p { "No imports yet. " a href="/users/import" { "Import users" } }
            } @else {
                table #imports {
                    thead { tr { th { "#" } th { (label("When", time_zone)) } th { "Who" } th { "File" } th { "Rows" } th { "Created" } th { "Failed" } th { "Without password" } th { "Mail check" } th { "" } } }
                    tbody {
                        @for import in imports {
                            tr {
                                td { a href={ "/imports/" (import.id) } { (import.id) } }
                                td { (local(&import.started_at, time_zone)) }
                                td { (import.actor) " (" (import.source) ")" }
                                td { (import.file_name) }
                                td { (import.rows_total) }
                                td { (import.created) }
                                td { (import.failed) }
                                td { (import.passwordless) }
                                td {
                                    (import.mail_check.as_deref().unwrap_or("not needed"))
                                    @if import.allowed_without_mail { " (imported anyway)" }
                                }
                                td { @if import.undone_at.is_some() { "undone" } }
                            }
                        }
                    }
                }
                (pager(page_number, pages, |n| format!("/imports?page={n}")))
            }
        },
    )
}

/// "Undo import #N will remove exactly K users": the confirmation before anything is removed.
pub fn undo_confirm(chrome: Chrome<'_>, import: &ImportRecord, plan: &UndoPlan) -> Markup {
    page(
        "Undo import",
        chrome,
        html! {
            h1 { "Undo import #" (import.id) " (" (import.file_name) ")" }
            @if let Some(at) = &import.undone_at {
                p #undo-done .notice.warn { "This import was undone on " (at) " UTC by " (import.undone_by.as_deref().unwrap_or("?")) ". An import is undone once; nothing more will be removed." }
                a.button.secondary href={ "/imports/" (import.id) } { "Back to the import" }
            } @else {
                (undo_form(chrome, import, plan))
            }
        },
    )
}

/// What the undo would remove and keep, and the button.
fn undo_form(chrome: Chrome<'_>, import: &ImportRecord, plan: &UndoPlan) -> Markup {
    html! {
            @if plan.blocked.is_empty() {
                p #undo-count .notice.warn {
                    "This removes " strong { (plan.remove.len()) } " user(s) this import created who are as it left them: never logged in, not admins, not changed since. "
                    "It cannot be reversed, but you can import the file again."
                }
            } @else {
                (undo_blocked(plan))
            }
            @if !plan.remove.is_empty() {
                details { summary { "Users that will be removed" } ul { @for (_, username) in &plan.remove { li { (username) } } } }
            }
            @if !plan.deleted_elsewhere.is_empty() {
                h2 { "Already deleted outside Roster" }
                ul #undo-deleted-elsewhere { @for username in &plan.deleted_elsewhere { li { (username) } } }
            }
            @if !plan.keep.is_empty() {
                h2 { "Kept: these users were used or changed after the import" }
                ul #undo-kept { @for kept in &plan.keep { li { (kept.username) ": " (kept.reason) } } }
            }
            div.actions {
                form.inline method="post" action={ "/imports/" (import.id) "/undo" } {
                    (csrf_field(chrome.csrf))
                    input type="hidden" name="expected" value=(plan.remove.len());
                    // Disabled while blocked; a post anyway is refused with the same explanation.
                    button.danger type="submit" disabled[!plan.blocked.is_empty()] { "Remove " (plan.remove.len()) " user(s)" }
                }
                a.button.secondary href={ "/imports/" (import.id) } { "Cancel" }
            }
    }
}

/// Why the undo cannot run: which users the project's own rows still refer to, and where.
fn undo_blocked(plan: &UndoPlan) -> Markup {
    html! {
        p #undo-blocked .notice.bad role="alert" {
            "This import cannot be undone now: rows of your project refer to users it would remove, "
            "and removing those users would delete or orphan that data. Nothing will be removed. "
            "Delete or reassign these rows in your project (in Django's admin, say), or keep these users; then undo again."
        }
        table #undo-blockers {
            thead { tr { th { "User" } th { "Table" } th { "Column" } th { "Rows" } } }
            tbody {
                @for reference in &plan.blocked {
                    tr { td { (reference.username) } td.code { (reference.table) } td.code { (reference.columns) } td { (reference.rows) } }
                }
            }
        }
    }
}
