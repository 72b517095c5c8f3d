//! The audit log page with its filters.

use maud::{Markup, html};

use super::layout::{Chrome, page};
use crate::db::audit::{AuditFilter, AuditRow};

/// What the audit page shows.
pub struct AuditView<'a> {
    pub rows: &'a [AuditRow],
    pub total: i64,
    pub page: i64,
    pub pages: i64,
    pub filter: &'a AuditFilter,
    pub actions: &'a [String],
    /// The filter as a query string, for paging and the export link.
    pub query: &'a str,
}

/// The audit log, newest first.
pub fn page_view(chrome: Chrome<'_>, view: &AuditView<'_>) -> Markup {
    let f = view.filter;
    page(
        "Audit log",
        chrome,
        html! {
            h1 { "Audit log" }
            p.muted { "Every admin action and login attempt, newest first. Entries cannot be changed or deleted." }
            form.card method="get" action="/audit" {
                div.filters {
                    label { "Action"
                        select name="action" {
                            option value="" { "any" }
                            @for action in view.actions { option value=(action) selected[&f.action == action] { (action) } }
                        }
                    }
                    label { "Who" input type="search" name="actor" value=(f.actor); }
                    label { "Text" input type="search" name="text" value=(f.text) placeholder="target or detail"; }
                    label { "From" input type="date" name="from" value=(f.from); }
                    label { "To" input type="date" name="to" value=(f.to); }
                    button type="submit" { "Filter" }
                    a href="/audit" { "Clear" }
                }
            }
            div.actions {
                span.muted #audit-total { (view.total) " entr" @if view.total == 1 { "y" } @else { "ies" } }
                a.button.secondary href={ "/audit.csv?" (view.query) } { "Export CSV" }
            }
            table #audit {
                thead { tr { th { "When (UTC)" } th { "Who" } th { "Action" } th { "Target" } th { "Detail" } th { "Client" } } }
                tbody {
                    @for row in view.rows {
                        tr { td { (row.at) } td { (row.actor) } td.code { (row.action) } td { (row.target) } td { (row.detail) } td { (row.client) } }
                    }
                }
            }
            @if view.pages > 1 {
                nav.pager aria-label="Pages" {
                    @if view.page > 1 { a href={ "/audit?" (view.query) "&page=" (view.page - 1) } { "Newer" } }
                    span { "Page " (view.page) " of " (view.pages) }
                    @if view.page < view.pages { a href={ "/audit?" (view.query) "&page=" (view.page + 1) } { "Older" } }
                }
            }
        },
    )
}
