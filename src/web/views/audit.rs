//! The audit log page with its filters.

use maud::{Markup, html};

use super::layout::{Chrome, page};
use super::pager::pager;
use super::time::{label, local};
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
    /// ROSTER_TIME_ZONE, for the times shown.
    pub time_zone: chrono_tz::Tz,
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
                thead { tr { th { (label("When", view.time_zone)) } th { "Who" } th { "Action" } th { "Target" } th { "Detail" } th { "Client" } } }
                tbody {
                    @for row in view.rows {
                        tr { td { (local(&row.at, view.time_zone)) } td { (row.actor) } td.code { (row.action) } td { (row.target) } td { (row.detail) } td { (row.client) } }
                    }
                }
            }
            (pager(view.page, view.pages, |n| format!("/audit?{}&page={n}", view.query)))
        },
    )
}
