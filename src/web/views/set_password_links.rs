//! The outcome of "Send set-password link": each picked user, sent, failed (why) or skipped (why).

use maud::{Markup, html};

use super::layout::{Chrome, page};
use crate::auth::set_password_links::{LinkCounts, LinkOutcome, UserLinkOutcome};

/// One row per picked user, with the counts on top.
pub fn result(chrome: Chrome<'_>, outcomes: &[UserLinkOutcome], counts: LinkCounts) -> Markup {
    page(
        "Set-password links",
        chrome,
        html! {
            h1 { "Set-password links" }
            p #link-counts {
                (counts.sent) " sent, " (counts.failed) " failed, " (counts.skipped) " skipped"
                @if counts.sso_only > 0 { " (" (counts.sso_only) " SSO-only)" }
                " of " (outcomes.len()) " user(s)."
            }
            @if counts.failed > 0 {
                p.notice.warn { "Some mails failed: fix the reason shown, then select those users in the list and send again." }
            }
            table #link-outcomes {
                thead { tr { th { "Username" } th { "E-mail" } th { "Outcome" } } }
                tbody {
                    @for item in outcomes {
                        @let (kind, text) = describe(&item.outcome);
                        tr.link-outcome data-outcome=(kind) {
                            td {
                                @if item.username.is_empty() { "user #" (item.user_id) }
                                @else { a href={ "/users/" (item.user_id) } { (item.username) } }
                            }
                            td { (item.email) }
                            td { (text) }
                        }
                    }
                }
            }
            p { a href="/users?nopw=1" { "Back to users without a password" } }
        },
    )
}

fn describe(outcome: &LinkOutcome) -> (&'static str, String) {
    match outcome {
        LinkOutcome::Sent => ("sent", "sent".to_string()),
        LinkOutcome::Failed(reason) => ("failed", format!("failed: {reason}")),
        LinkOutcome::Skipped(reason) => ("skipped", format!("skipped: {}", reason.explain())),
    }
}
