//! The user list.

use maud::{Markup, html};

use super::layout::{Chrome, page};
use crate::db::users::UserListItem;

/// One page of users with links to the neighbouring pages.
pub fn list(
    chrome: Chrome<'_>,
    users: &[UserListItem],
    page_number: i64,
    pages: i64,
    total: i64,
) -> Markup {
    page(
        "Users",
        chrome,
        html! {
            h1 { "Users" }
            div.actions {
                a.button href="/users/import" { "Import users" }
                span.muted { (total) " user(s)" }
            }
            table {
                thead { tr { th { "Username" } th { "Name" } th { "E-mail" } th { "Unit" } th { "Job title" } th { "Role" } th { "Status" } th { "Password" } th { "Last login" } } }
                tbody {
                    @for user in users {
                        tr {
                            td { (user.username) }
                            td { (user.name) }
                            td { (user.email) }
                            td { (user.organizational_unit.as_deref().unwrap_or("")) }
                            td { (user.job_title) }
                            td { @if user.is_admin { "Admin" } @else { "Default User" } }
                            td { @if user.is_active { "active" } @else { "inactive" } }
                            td { @if user.has_usable_password { "set" } @else { "not set" } }
                            td { (user.last_login.as_deref().unwrap_or("never")) }
                        }
                    }
                }
            }
            @if pages > 1 {
                nav.pager aria-label="Pages" {
                    @if page_number > 1 { a href={ "/users?page=" (page_number - 1) } { "Previous" } }
                    span { "Page " (page_number) " of " (pages) }
                    @if page_number < pages { a href={ "/users?page=" (page_number + 1) } { "Next" } }
                }
            }
        },
    )
}
