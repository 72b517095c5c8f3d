//! Forgot Password, the set-password page and the small account page for non-admin users.

use maud::{Markup, html};

use super::layout::{Chrome, csrf_field, member_page, page};

/// The e-mail form behind "Forgot password?".
pub fn forgot(csrf: &str, error: Option<&str>) -> Markup {
    page(
        "Forgot password",
        Chrome::public(csrf),
        html! {
            div.card.narrow {
                h1 { "Forgot your password?" }
                p { "Enter the e-mail address of your account. We will send you a link to set a new password." }
                @if let Some(error) = error { p.notice.bad role="alert" { (error) } }
                form method="post" action="/password-reset" {
                    (csrf_field(csrf))
                    label for="email" { "E-mail" }
                    input #email type="email" name="email" autocomplete="email" required autofocus;
                    div.actions { button type="submit" { "Send me a link" } a href="/login" { "Back to login" } }
                }
            }
        },
    )
}

/// The same answer whether or not the address exists.
pub fn forgot_done(valid_hours: i64) -> Markup {
    page(
        "Check your e-mail",
        Chrome::public(""),
        html! {
            div.card.narrow {
                h1 { "Check your e-mail" }
                p { "If an active account uses that address, we have sent it a link to set a password. The link works for " (valid_hours) " hours and only once." }
                p.muted { "No mail after a few minutes? Check the spam folder and that you typed the address of your account." }
                p { a href="/login" { "Back to login" } }
            }
        },
    )
}

/// A reset link that is wrong, used or expired.
pub fn link_invalid() -> Markup {
    page(
        "Link not valid",
        Chrome::public(""),
        html! {
            div.card.narrow {
                h1 { "This link does not work any more" }
                p { "The link is invalid, it has expired, or it was used already (a link dies once the password is set or the account logs in)." }
                p { a.button href="/password-reset" { "Request a new link" } }
            }
        },
    )
}

/// The new-password form of a valid link.
pub fn set_password(
    csrf: &str,
    action: &str,
    username: &str,
    help: &[String],
    errors: &[String],
) -> Markup {
    page(
        "Set your password",
        Chrome::public(csrf),
        html! {
            div.card.narrow {
                h1 { "Set your password" }
                p { "Account: " strong { (username) } }
                @if !errors.is_empty() {
                    ul.notice.bad role="alert" { @for e in errors { li { (e) } } }
                }
                form method="post" action=(action) {
                    (csrf_field(csrf))
                    input type="text" name="username" value=(username) autocomplete="username" hidden;
                    label for="new_password1" { "New password" }
                    input #new_password1 type="password" name="new_password1" autocomplete="new-password" required autofocus;
                    ul.muted { @for h in help { li { (h) } } }
                    label for="new_password2" { "New password again" }
                    input #new_password2 type="password" name="new_password2" autocomplete="new-password" required;
                    div.actions { button type="submit" { "Set password" } }
                }
            }
        },
    )
}

/// What a logged-in user without admin rights sees: details, change password, log out.
pub fn account(
    csrf: &str,
    username: &str,
    name: &str,
    email: &str,
    notice: Option<&str>,
    help: &[String],
    errors: &[String],
) -> Markup {
    member_page(
        "My account",
        username,
        csrf,
        html! {
            div.card.narrow.account {
                h1 { "My account" }
                @if let Some(notice) = notice { p.notice.good role="status" { (notice) } }
                p.muted { "Here you can check your details and change your password. To change your name or e-mail, ask an administrator." }
                dl.details {
                    dt { "Username" } dd #account-username { (username) }
                    dt { "Name" } dd { (name) }
                    dt { "E-mail" } dd { (email) }
                }
                h2 { "Change password" }
                @if !errors.is_empty() {
                    ul.notice.bad role="alert" { @for e in errors { li { (e) } } }
                }
                form method="post" action="/account/password" {
                    (csrf_field(csrf))
                    input type="text" name="username" value=(username) autocomplete="username" hidden;
                    label for="old_password" { "Current password" }
                    input #old_password type="password" name="old_password" autocomplete="current-password" required;
                    label for="new_password1" { "New password" }
                    input #new_password1 type="password" name="new_password1" autocomplete="new-password" required;
                    ul.muted { @for h in help { li { (h) } } }
                    label for="new_password2" { "New password again" }
                    input #new_password2 type="password" name="new_password2" autocomplete="new-password" required;
                    div.actions { button type="submit" { "Change password" } }
                }
            }
        },
    )
}
