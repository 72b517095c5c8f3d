//! API tokens: the list, the create form, the one-time display of a new token, revoke buttons.

use maud::{Markup, html};

use super::layout::{Chrome, csrf_field, page};
use crate::db::api_tokens::{ApiTokenInfo, NAME_MAX};

/// What the last action did.
#[derive(Debug, Clone, Copy)]
pub enum Notice<'a> {
    /// A token was just created: the only time it is shown.
    Created {
        name: &'a str,
        token: &'a str,
    },
    Revoked(&'a str),
    Error(&'a str),
}

/// The token list with the create form; `name` refills the form after an error.
pub fn list(
    chrome: Chrome<'_>,
    tokens: &[ApiTokenInfo],
    notice: Option<Notice<'_>>,
    name: &str,
) -> Markup {
    page(
        "API tokens",
        chrome,
        html! {
            h1 { "API tokens" }
            p.muted {
                "Scripts import users with " code { "POST /api/users/import" } " and the header "
                code { "Authorization: Bearer <token>" } ". Roster stores only a hash of each token."
            }
            @match notice {
                Some(Notice::Created { name, token }) => {
                    div.notice.warn #new-token-notice role="status" {
                        p { "Token " strong { (name) } " created. Copy it now: Roster cannot show it again." }
                        p { code #new-token { (token) } }
                    }
                }
                Some(Notice::Revoked(name)) => {
                    p.notice.good role="status" { "Token " strong { (name) } " revoked; it no longer works." }
                }
                Some(Notice::Error(text)) => { p.notice.bad role="alert" { (text) } }
                None => {}
            }
            div.card {
                form method="post" action="/tokens" {
                    (csrf_field(chrome.csrf))
                    label for="name" { "New token name" }
                    input #name type="text" name="name" value=(name) maxlength=(NAME_MAX) required
                        placeholder="e.g. hr-sync";
                    div.actions { button type="submit" { "Create token" } }
                }
            }
            @if tokens.is_empty() {
                p { "No API tokens yet." }
            } @else {
                table #tokens {
                    thead { tr { th { "Name" } th { "Created" } th { "Created by" } th { "Last used" } th { "Status" } th {} } }
                    tbody {
                        @for token in tokens {
                            tr {
                                td { (token.name) }
                                td { (token.created_at) }
                                td { (token.created_by) }
                                td { (token.last_used_at.as_deref().unwrap_or("never")) }
                                @if let Some(at) = &token.revoked_at {
                                    td { "Revoked " (at) }
                                    td {}
                                } @else {
                                    td { "Active" }
                                    td {
                                        form.inline method="post" action="/tokens/revoke" {
                                            (csrf_field(chrome.csrf))
                                            input type="hidden" name="name" value=(token.name);
                                            button.secondary type="submit" { "Revoke" }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        },
    )
}
