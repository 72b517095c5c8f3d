//! One user's page: details, the edit form (role, status, unit, groups), sessions and password help.

use maud::{Markup, html};

use super::layout::{Chrome, csrf_field, page};
use super::time::local;
use crate::db::ous::OuItem;
use crate::db::users::UserDetail;

/// Feedback shown at the top of the user page.
pub enum Notice<'a> {
    Good(&'a str),
    Bad(&'a str),
    Errors(&'a [String]),
}

/// Everything the user page shows.
pub struct UserPageView<'a> {
    pub detail: &'a UserDetail,
    pub usable_password: bool,
    pub password_help: &'a [String],
    pub notice: Option<Notice<'a>>,
    pub units: &'a [OuItem],
    pub groups: &'a [(i64, String)],
    pub member_of: &'a [i64],
    pub sessions: i64,
    /// ROSTER_TIME_ZONE, for the times shown.
    pub time_zone: chrono_tz::Tz,
}

/// One user's page: edit form, sessions and password help for the admin.
pub fn detail(chrome: Chrome<'_>, view: &UserPageView<'_>) -> Markup {
    let d = view.detail;
    let u = &d.user;
    page(
        &u.username,
        chrome,
        html! {
            h1 { "User " (u.username) }
            @match &view.notice {
                Some(Notice::Good(text)) => p.notice.good role="status" { (text) },
                Some(Notice::Bad(text)) => p.notice.bad role="alert" { (text) },
                Some(Notice::Errors(errors)) => ul.notice.bad role="alert" { @for e in errors.iter() { li { (e) } } },
                None => {}
            }
            div.card {
                table {
                    tbody {
                        tr { th { "Status" } td #user-status { @if u.is_active { "active" } @else { "inactive" } } }
                        tr { th { "Role" } td #user-role { (u.role_label()) } }
                        tr { th { "Password" } td #password-state { @if view.usable_password { "set" } @else { "not set: the user cannot log in yet" } } }
                        tr { th { "Last login" } td { (u.last_login.as_deref().map_or_else(|| "never".to_string(), |at| local(at, view.time_zone))) } }
                        tr { th { "Joined" } td { (local(&u.date_joined, view.time_zone)) } }
                        tr { th { "Created by" } td {
                            @if let Some(import_id) = d.import_id { a href={ "/imports/" (import_id) } { "import #" (import_id) } } @else { "not an import" }
                        } }
                    }
                }
            }
            div.card {
                h2 { "Details" }
                form #user-form method="post" action={ "/users/" (u.id) } {
                    (csrf_field(chrome.csrf))
                    label for="first_name" { "First name" }
                    input #first_name type="text" name="first_name" value=(u.first_name) maxlength="150";
                    label for="last_name" { "Last name" }
                    input #last_name type="text" name="last_name" value=(u.last_name) maxlength="150";
                    label for="email" { "E-mail" }
                    input #email type="email" name="email" value=(u.email) maxlength="254";
                    label for="ou" { "Organizational unit" }
                    select #ou name="organizational_unit" {
                        option value="" { "none" }
                        @for unit in view.units {
                            option value=(unit.id) selected[d.organizational_unit.as_deref() == Some(unit.name.as_str())] { (unit.name) }
                        }
                    }
                    label for="job_title" { "Job title" }
                    input #job_title type="text" name="job_title" value=(d.job_title) maxlength="150";
                    fieldset {
                        legend { "Django groups" }
                        @for (id, name) in view.groups {
                            label.inline { input type="checkbox" name="group" value=(id) checked[view.member_of.contains(id)]; " " (name) }
                        }
                    }
                    label for="role" { "Role" }
                    select #role name="role" {
                        option value="user" selected[!u.has_admin_role()] { @if u.is_staff || u.is_superuser { (u.role_label()) " (kept)" } @else { "Default User" } }
                        option value="admin" selected[u.has_admin_role()] { "Admin (can use Roster's admin pages)" }
                    }
                    p { label.inline { input type="checkbox" name="active" value="1" checked[u.is_active]; " Active (can log in)" } }
                    p.muted { "Roster has no delete: deactivate a user instead. Deactivation blocks login at once and ends their sessions; their data is kept." }
                    div.actions { button type="submit" { "Save" } }
                }
            }
            div.card {
                h2 { "Sessions" }
                p #session-count { (view.sessions) " active session(s)." }
                @let yourself = chrome.admin == Some(u.username.as_str());
                @if yourself {
                    p.notice.warn #own-sessions-warning { "These are your own sessions: terminating them logs you out here too." }
                }
                form method="post" action={ "/users/" (u.id) "/terminate-sessions" } {
                    (csrf_field(chrome.csrf))
                    (confirm_box("confirm-terminate", if yourself {
                        "Yes, end the sessions, including mine"
                    } else {
                        "Yes, end the sessions"
                    }))
                    button type="submit" { "Terminate sessions" }
                }
            }
            div.card {
                h2 { "Send password reset email" }
                p { "Mails " (u.email) " a link to set a new password. The current password keeps working until then." }
                form method="post" action={ "/users/" (u.id) "/send-reset" } {
                    (csrf_field(chrome.csrf))
                    (confirm_box("confirm-reset", "Yes, send the mail"))
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
                    ul.muted { @for h in view.password_help { li { (h) } } }
                    label for="password2" { "New password again" }
                    input #password2 type="password" name="password2" autocomplete="new-password" required;
                    div.actions { button type="submit" { "Set password" } }
                }
            }
        },
    )
}

/// The box an admin ticks before a button that acts at once (the browser will not submit without it).
fn confirm_box(id: &str, label: &str) -> Markup {
    html! {
        label.confirm for=(id) {
            input #(id) type="checkbox" name="confirm" value="yes" required;
            " " (label)
        }
    }
}
