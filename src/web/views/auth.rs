//! Login and first-admin setup pages.

use maud::{Markup, html};

use super::layout::{Chrome, csrf_field, member_page, page};

/// The login form, with an optional error.
pub fn login(csrf: &str, next: &str, username: &str, error: Option<&str>) -> Markup {
    page(
        "Log in",
        Chrome::public(csrf),
        html! {
            div.card.narrow {
                h1 { "Log in to " (super::layout::site_name()) }
                @if let Some(error) = error {
                    p.notice.bad role="alert" { (error) }
                }
                form method="post" action="/login" {
                    (csrf_field(csrf))
                    input type="hidden" name="next" value=(next);
                    label for="username" { "Username" }
                    input #username type="text" name="username" value=(username) autocomplete="username" required autofocus;
                    label for="password" { "Password" }
                    input #password type="password" name="password" autocomplete="current-password" required;
                    div.actions {
                        button type="submit" { "Log in" }
                        a href="/password-reset" { "Forgot password?" }
                    }
                }
            }
        },
    )
}

/// Values of the setup form to show again after an error (never the password).
#[derive(Debug, Default)]
pub struct SetupForm<'a> {
    pub username: &'a str,
    pub email: &'a str,
}

/// The one-time form that creates the first admin.
pub fn setup(csrf: &str, action: &str, form: &SetupForm<'_>, error: Option<&str>) -> Markup {
    page(
        "Create the first admin",
        Chrome::public(csrf),
        html! {
            div.card.narrow {
                h1 { "Create the first admin" }
                p.muted { "This link works once. The account you create here can import users and manage Roster." }
                @if let Some(error) = error {
                    p.notice.bad role="alert" { (error) }
                }
                form method="post" action=(action) {
                    (csrf_field(csrf))
                    label for="username" { "Username" }
                    input #username type="text" name="username" value=(form.username) autocomplete="username" required autofocus;
                    label for="email" { "E-mail" }
                    input #email type="email" name="email" value=(form.email) autocomplete="email" required;
                    label for="password" { "Password" }
                    input #password type="password" name="password" autocomplete="new-password" required minlength="8";
                    label for="password2" { "Password again" }
                    input #password2 type="password" name="password2" autocomplete="new-password" required minlength="8";
                    div.actions { button type="submit" { "Create admin" } }
                }
            }
        },
    )
}

/// "Not allowed", for a logged-in person without admin rights, with their navigation and Log out.
pub fn not_allowed(username: &str, csrf: &str) -> Markup {
    member_page(
        "Not allowed",
        username,
        csrf,
        html! {
            div.card.narrow {
                h1 { "Not allowed" }
                p { "This page is for administrators only, and your account has no admin rights." }
                p {
                    "On " a href="/account" { "My account" }
                    " you can see your details and change your password. If you need admin \
                     rights, ask one of your administrators."
                }
            }
        },
    )
}
