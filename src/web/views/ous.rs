//! Organizational units: list and create.

use maud::{Markup, html};

use super::layout::{Chrome, csrf_field, page};
use crate::db::ous::OuItem;

/// The OU list with the create form; `message` reports the last action.
pub fn list(
    chrome: Chrome<'_>,
    units: &[OuItem],
    message: Option<(bool, &str)>,
    name: &str,
) -> Markup {
    page(
        "Organizational units",
        chrome,
        html! {
            h1 { "Organizational units" }
            p.muted { "An import can only place users in units that exist, so create them first." }
            @if let Some((ok, text)) = message {
                @if ok { p.notice.good role="status" { (text) } } @else { p.notice.bad role="alert" { (text) } }
            }
            div.card {
                form method="post" action="/ous" {
                    (csrf_field(chrome.csrf))
                    label for="name" { "New unit name" }
                    input #name type="text" name="name" value=(name) maxlength="150" required;
                    div.actions { button type="submit" { "Create unit" } }
                }
            }
            @if units.is_empty() {
                p { "No organizational units yet." }
            } @else {
                table {
                    thead { tr { th { "Name" } th { "Users" } th { "Rename" } th { "Delete" } } }
                    tbody {
                        @for unit in units {
                            tr {
                                td.ou-name { (unit.name) }
                                td { (unit.user_count) }
                                td {
                                    form.inline method="post" action={ "/ous/" (unit.id) "/rename" } {
                                        (csrf_field(chrome.csrf))
                                        input type="text" name="name" value=(unit.name) maxlength="150" required aria-label={ "New name for " (unit.name) };
                                        " " button.secondary type="submit" { "Rename" }
                                    }
                                }
                                td {
                                    @if unit.user_count == 0 {
                                        form.inline method="post" action={ "/ous/" (unit.id) "/delete" } {
                                            (csrf_field(chrome.csrf))
                                            button.secondary type="submit" { "Delete" }
                                        }
                                    } @else {
                                        span.muted { "has users" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        },
    )
}
