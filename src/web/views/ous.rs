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
                    thead { tr { th { "Name" } th { "Users" } } }
                    tbody { @for unit in units { tr { td { (unit.name) } td { (unit.user_count) } } } }
                }
            }
        },
    )
}
