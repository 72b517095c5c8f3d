//! The user list: search, filters, sorting and pages.

use maud::{Markup, html};

use super::layout::{Chrome, page};
use super::pager::pager_at_least;
use super::time::local;
use crate::db::ous::OuItem;
use crate::db::user_list::{MatchCount, SortKey, UserListItem, UserQuery};

/// Everything the list page shows.
pub struct UserListView<'a> {
    pub users: &'a [UserListItem],
    pub total: MatchCount,
    pub page: i64,
    pub page_size: i64,
    pub query: &'a UserQuery,
    pub units: &'a [OuItem],
    /// ROSTER_TIME_ZONE, for the times shown.
    pub time_zone: chrono_tz::Tz,
}

impl UserListView<'_> {
    /// How many pages there are, and whether there may be more than that.
    fn pages(&self) -> (i64, bool) {
        let pages = |users: i64| ((users + self.page_size - 1) / self.page_size).max(1);
        match self.total {
            MatchCount::Exactly(users) => (pages(users), false),
            MatchCount::MoreThan(users) => (pages(users + 1), true),
        }
    }

    /// The query string for this search with another page or sort.
    fn link(&self, page: i64, sort: SortKey, descending: bool) -> String {
        let mut parts = vec![format!("page={page}"), format!("sort={}", sort.as_str())];
        if descending {
            parts.push("desc=1".to_string());
        }
        parts.extend(self.filter_parts());
        format!("/users?{}", parts.join("&"))
    }

    /// The filters of this search as query-string parts (no page, no sort).
    fn filter_parts(&self) -> Vec<String> {
        let q = self.query;
        let mut parts = Vec::new();
        if !q.text.is_empty() {
            parts.push(format!(
                "q={}",
                crate::web::query_string::urlencode(&q.text)
            ));
        }
        if let Some(ou) = q.organizational_unit {
            parts.push(format!("ou={ou}"));
        }
        match q.active {
            Some(true) => parts.push("status=active".to_string()),
            Some(false) => parts.push("status=inactive".to_string()),
            None => {}
        }
        match q.admin {
            Some(true) => parts.push("role=admin".to_string()),
            Some(false) => parts.push("role=user".to_string()),
            None => {}
        }
        if q.never_logged_in {
            parts.push("never=1".to_string());
        }
        if q.password_not_set {
            parts.push("nopw=1".to_string());
        }
        parts
    }

    fn sort_header(&self, label: &str, key: SortKey) -> Markup {
        let active = self.query.sort == key;
        let descending = active && !self.query.descending;
        html! {
            th {
                a href=(self.link(1, key, descending)) {
                    (label)
                    @if active { @if self.query.descending { " \u{25bc}" } @else { " \u{25b2}" } }
                }
            }
        }
    }
}

/// One page of users with the search form.
pub fn list(chrome: Chrome<'_>, view: &UserListView<'_>) -> Markup {
    let q = view.query;
    let csrf = chrome.csrf;
    page(
        "Users",
        chrome,
        html! {
            h1 { "Users" }
            form.card #user-search method="get" action="/users" {
                div.filters {
                    label { "Search" input type="search" name="q" value=(q.text) placeholder="username, name or e-mail"; }
                    label { "Unit"
                        select name="ou" {
                            option value="" { "any" }
                            @for unit in view.units {
                                option value=(unit.id) selected[q.organizational_unit == Some(unit.id)] { (unit.name) }
                            }
                        }
                    }
                    label { "Status"
                        select name="status" {
                            option value="" { "any" }
                            option value="active" selected[q.active == Some(true)] { "active" }
                            option value="inactive" selected[q.active == Some(false)] { "inactive" }
                        }
                    }
                    label { "Role"
                        select name="role" {
                            option value="" { "any" }
                            option value="admin" selected[q.admin == Some(true)] { "Admin" }
                            option value="user" selected[q.admin == Some(false)] { "Default User" }
                        }
                    }
                    label.inline { input type="checkbox" name="never" value="1" checked[q.never_logged_in]; " never logged in" }
                    label.inline { input #filter-nopw type="checkbox" name="nopw" value="1" checked[q.password_not_set]; " password not set" }
                    input type="hidden" name="sort" value=(q.sort.as_str());
                    @if q.descending { input type="hidden" name="desc" value="1"; }
                    button type="submit" { "Search" }
                    a href="/users" { "Clear" }
                }
            }
            div.actions {
                a.button #add-user href="/users/new" { "Add user" }
                a.button.secondary href="/users/import" { "Import users" }
                span.muted #user-total { (counted(view.total)) }
            }
            form #link-form method="post" action={ "/users/send-set-password-link?" (view.filter_parts().join("&")) } {}
            table {
                thead {
                    tr {
                        (view.sort_header("Username", SortKey::Username))
                        (view.sort_header("Name", SortKey::Name))
                        (view.sort_header("E-mail", SortKey::Email))
                        th { "Unit" } th { "Job title" } th { "Role" } th { "Status" } th { "Password" }
                        (view.sort_header("Last login", SortKey::LastLogin))
                        th { "Select" }
                    }
                }
                tbody {
                    @for user in view.users {
                        tr.user-row {
                            td { a href={ "/users/" (user.id) } { (user.username) } }
                            td { (user.name) }
                            td { (user.email) }
                            td { (user.organizational_unit.as_deref().unwrap_or("")) }
                            td { (user.job_title) }
                            td { @if user.is_admin { "Admin" } @else { "Default User" } }
                            td { @if user.is_active { "active" } @else { "inactive" } }
                            td { @if user.has_usable_password { "set" } @else { "not set" } }
                            td { (user.last_login.as_deref().map_or_else(|| "never".to_string(), |at| local(at, view.time_zone))) }
                            td { input.pick type="checkbox" form="link-form" name="user" value=(user.id) aria-label={ "Select " (user.username) }; }
                        }
                    }
                }
            }
            @let (pages, maybe_more) = view.pages();
            (pager_at_least(view.page, pages, maybe_more, |n| view.link(n, q.sort, q.descending)))
            (send_links_card(csrf, view.total))
        },
    )
}

/// "12 user(s)", or "more than 1000 user(s)" when counting stopped at the cap.
fn counted(total: MatchCount) -> String {
    match total {
        MatchCount::Exactly(users) => format!("{users} user(s)"),
        MatchCount::MoreThan(users) => format!("more than {users} user(s)"),
    }
}

/// Send set-password link: to the ticked rows (their boxes, in the last column, belong to `#link-form`) or to every
/// user the current filter matches, after the "Yes, …" box.
fn send_links_card(csrf: &str, total: MatchCount) -> Markup {
    html! {
        fieldset.card #send-links form="link-form" {
            legend { "Send set-password link" }
            p.muted { "Mails a link to set a first password to users Roster created without one. Others (with a password, inactive, without an e-mail address, or SSO-only) are skipped and listed." }
            label.inline { input #scope-selected type="radio" form="link-form" name="scope" value="selected" checked; " the users ticked above" }
            label.inline { input #scope-filter type="radio" form="link-form" name="scope" value="filter"; " all " (counted(total)) " matching the filter" }
            input type="hidden" form="link-form" name="csrf_token" value=(csrf);
            label.confirm for="confirm-links" {
                input #confirm-links type="checkbox" form="link-form" name="confirm" value="yes" required;
                " Yes, send the links"
            }
            button #send-links-button type="submit" form="link-form" { "Send set-password link" }
        }
    }
}
