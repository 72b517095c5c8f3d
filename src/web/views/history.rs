//! Import history: the list of imports and the undo confirmation.

use maud::{Markup, html};

use super::layout::{Chrome, csrf_field, page};
use super::pager::pager;
use super::time::{label, local};
use crate::db::imports::{ImportRecord, UndoPlan};

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
                p.notice.warn { "This import was already undone on " (at) " UTC; undoing again only removes users it created who still never logged in." }
            }
            p #undo-count .notice.warn {
                "This removes " strong { (plan.remove.len()) } " user(s) this import created who have never logged in. "
                "It cannot be reversed, but you can import the file again."
            }
            @if !plan.remove.is_empty() {
                details { summary { "Users that will be removed" } ul { @for (_, username) in &plan.remove { li { (username) } } } }
            }
            @if !plan.keep.is_empty() {
                h2 { "Kept: these users have logged in" }
                ul #undo-kept { @for (_, username, last_login) in &plan.keep { li { (username) " (last login " (last_login) " UTC)" } } }
            }
            div.actions {
                form.inline method="post" action={ "/imports/" (import.id) "/undo" } {
                    (csrf_field(chrome.csrf))
                    input type="hidden" name="expected" value=(plan.remove.len());
                    button.danger type="submit" { "Remove " (plan.remove.len()) " user(s)" }
                }
                a.button.secondary href={ "/imports/" (import.id) } { "Cancel" }
            }
        },
    )
}
