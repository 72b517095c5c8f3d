//! The user list.

use maud::{Markup, html};

use super::layout::{Chrome, csrf_field, page};
use crate::db::users::{UserDetail, UserListItem};

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
                            td { a href={ "/users/" (user.id) } { (user.username) } }
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

/// Feedback shown at the top of the user page.
pub enum Notice<'a> {
    Good(&'a str),
    Bad(&'a str),
    Errors(&'a [String]),
}

/// One user's page with password help for the admin.
pub fn detail(
    chrome: Chrome<'_>,
    d: &UserDetail,
    usable_password: bool,
    help: &[String],
    notice: Option<Notice<'_>>,
) -> Markup {
    let u = &d.user;
    page(
        &u.username,
        chrome,
        html! {
            h1 { "User " (u.username) }
            @match notice {
                Some(Notice::Good(text)) => p.notice.good role="status" { (text) },
                Some(Notice::Bad(text)) => p.notice.bad role="alert" { (text) },
                Some(Notice::Errors(errors)) => ul.notice.bad role="alert" { @for e in errors { li { (e) } } },
                None => {}
            }
            div.card {
                table {
                    tbody {
                        tr { th { "Name" } td { (u.first_name) " " (u.last_name) } }
                        tr { th { "E-mail" } td { (u.email) } }
                        tr { th { "Unit" } td { (d.organizational_unit.as_deref().unwrap_or("")) } }
                        tr { th { "Job title" } td { (d.job_title) } }
                        tr { th { "Role" } td { @if u.is_admin() { "Admin" } @else { "Default User" } } }
                        tr { th { "Status" } td { @if u.is_active { "active" } @else { "inactive" } } }
                        tr { th { "Password" } td #password-state { @if usable_password { "set" } @else { "not set: the user cannot log in yet" } } }
                        tr { th { "Last login" } td { (u.last_login.as_deref().unwrap_or("never")) } }
                        tr { th { "Joined" } td { (u.date_joined) } }
                        @if let Some(import_id) = d.import_id {
                            tr { th { "Created by" } td { a href={ "/imports/" (import_id) } { "import #" (import_id) } } }
                        }
                    }
                }
            }
            div.card {
                h2 { "Send password reset email" }
                p { "Mails " (u.email) " a link to set a new password. The current password keeps working until then." }
                form method="post" action={ "/users/" (u.id) "/send-reset" } {
                    (csrf_field(chrome.csrf))
                    button type="submit" { "Send password reset email" }
                }
            }
            div.card {
                h2 { "Set password" }
                p { "Type a password to hand over outside Roster. It is stored only as a hash and never shown again." }
                form method="post" action={ "/users/" (u.id) "/set-password" } {
                    (csrf_field(chrome.csrf))
                    label for="password1" { "New password" }
                    input #password1 type="password" name="password1" autocomplete="new-password" required;
                    ul.muted { @for h in help { li { (h) } } }
                    label for="password2" { "New password again" }
                    input #password2 type="password" name="password2" autocomplete="new-password" required;
                    div.actions { button type="submit" { "Set password" } }
                }
            }
        },
    )
}
