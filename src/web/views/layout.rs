//! The page frame shared by every view: head, navigation, logout form.

use maud::{Markup, html};

use crate::domain::html::html_document;

/// The name people see on the page being rendered: `ROSTER_SITE_NAME`, or "Roster".
pub fn site_name() -> String {
    crate::web::middleware::current_site_name()
}

/// Who is looking at the page, for the navigation bar.
#[derive(Debug, Clone, Copy)]
pub struct Chrome<'a> {
    /// The logged-in admin's username; `None` on public pages.
    pub admin: Option<&'a str>,
    /// The CSRF token for the logout form.
    pub csrf: &'a str,
}

impl<'a> Chrome<'a> {
    /// A page for someone not logged in: no navigation.
    pub fn public(csrf: &'a str) -> Self {
        Self { admin: None, csrf }
    }
}

/// A full HTML page.
pub fn page(title: &str, chrome: Chrome<'_>, body: Markup) -> Markup {
    let navigation = match chrome.admin {
        Some(admin) => html! {
            nav aria-label="Main" {
                a href="/users" { "Users" }
                a href="/users/import" { "Import" }
                a href="/imports" { "Import history" }
                a href="/ous" { "Organizational units" }
                a href="/mail" { "Mail" }
                a href="/audit" { "Audit log" }
                a href="/tokens" { "API tokens" }
            }
            (signed_in(admin, chrome.csrf))
        },
        None => html! {},
    };
    frame(title, navigation, body)
}

/// A page for a logged-in person without admin rights: their account, and Log out.
pub fn member_page(title: &str, username: &str, csrf: &str, body: Markup) -> Markup {
    let navigation = html! {
        nav aria-label="Main" { a href="/account" { "My account" } }
        (signed_in(username, csrf))
    };
    frame(title, navigation, body)
}

/// "Signed in as …" and the Log out button.
fn signed_in(username: &str, csrf: &str) -> Markup {
    html! {
        span.who { "Signed in as " strong { (username) } }
        form.inline method="post" action="/logout" {
            (csrf_field(csrf))
            button.secondary type="submit" { "Log out" }
        }
    }
}

fn frame(title: &str, navigation: Markup, body: Markup) -> Markup {
    html_document(
        &format!("{title} · {}", site_name()),
        html! { link rel="stylesheet" href="/static/app.css"; },
        html! {
            body {
                a.skip href="#content" { "Skip to content" }
                header.top {
                    a.brand href="/" { (site_name()) }
                    (navigation)
                }
                main #content tabindex="-1" { (body) }
            }
        },
    )
}

/// The hidden CSRF input every form carries.
pub fn csrf_field(token: &str) -> Markup {
    html! { input type="hidden" name="csrf_token" value=(token); }
}

/// A page for errors, without navigation.
pub fn error_page(title: &str, message: &str) -> Markup {
    page(
        title,
        Chrome::public(""),
        html! {
            div.card.narrow {
                h1 { (title) }
                p { (message) }
                p { a href="/" { "Back to " (site_name()) } }
            }
        },
    )
}
