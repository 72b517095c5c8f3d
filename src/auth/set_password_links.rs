//! Set-password links an admin sends to users who have no password yet, with each user's outcome.

use super::reset::{LinkPurpose, send_link};
use crate::db::web_store::SessionStore;
use crate::domain::accounts::AccountSettings;
use crate::mail::MailSettings;

/// Why a user got no link although the admin picked them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkipReason {
    /// Deleted between the list and the send.
    Missing,
    /// Has a usable password already: a reset e-mail is the way for them.
    HasPassword,
    Inactive,
    NoEmail,
    /// Roster did not create the account without a password (an SSO-only or social account):
    /// a password would bypass the project's single sign-on or MFA.
    SsoOnly,
}

impl SkipReason {
    /// Plain language, with what the admin can do.
    pub fn explain(self) -> &'static str {
        match self {
            Self::Missing => "the user no longer exists",
            Self::HasPassword => "the user already has a password (send a reset e-mail instead)",
            Self::Inactive => "the account is inactive (activate it first)",
            Self::NoEmail => "the user has no e-mail address (add one on the user's page)",
            Self::SsoOnly => {
                "SSO-only account: Roster did not create it without a password, so no password \
                 is offered by mail (it would bypass the project's sign-in)"
            }
        }
    }
}

/// What happened for one user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkOutcome {
    Sent,
    /// The mail server refused or could not be reached; the reason names the fix.
    Failed(String),
    Skipped(SkipReason),
}

/// One picked user and their outcome.
#[derive(Debug, Clone)]
pub struct UserLinkOutcome {
    pub user_id: i64,
    pub username: String,
    pub email: String,
    pub outcome: LinkOutcome,
}

/// How many were sent, failed and skipped (and of those, how many SSO-only).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LinkCounts {
    pub sent: usize,
    pub failed: usize,
    pub skipped: usize,
    pub sso_only: usize,
}

impl LinkCounts {
    pub fn of(outcomes: &[UserLinkOutcome]) -> Self {
        let mut counts = Self::default();
        for item in outcomes {
            match item.outcome {
                LinkOutcome::Sent => counts.sent += 1,
                LinkOutcome::Failed(_) => counts.failed += 1,
                LinkOutcome::Skipped(reason) => {
                    counts.skipped += 1;
                    counts.sso_only += usize::from(reason == SkipReason::SsoOnly);
                }
            }
        }
        counts
    }
}

/// Mails an invitation link to each of `user_ids` that may get a first password by mail: active,
/// with an address, no usable password, and created without one by Roster. Blocking.
pub fn send_set_password_links(
    store: &mut dyn SessionStore,
    mail: &MailSettings,
    accounts: &AccountSettings,
    secret: &str,
    user_ids: &[i64],
) -> anyhow::Result<Vec<UserLinkOutcome>> {
    let mut outcomes = Vec::with_capacity(user_ids.len());
    for &user_id in user_ids {
        let Some(user) = store.find_user_by_id(user_id)? else {
            outcomes.push(UserLinkOutcome {
                user_id,
                username: String::new(),
                email: String::new(),
                outcome: LinkOutcome::Skipped(SkipReason::Missing),
            });
            continue;
        };
        let skip = if crate::auth::hashers::is_password_usable(&user.password)
            && !user.password.is_empty()
        {
            Some(SkipReason::HasPassword)
        } else if !user.is_active {
            Some(SkipReason::Inactive)
        } else if user.email.trim().is_empty() {
            Some(SkipReason::NoEmail)
        } else if !store.created_without_password_by_roster(user.id)? {
            Some(SkipReason::SsoOnly)
        } else {
            None
        };
        let outcome = match skip {
            Some(reason) => LinkOutcome::Skipped(reason),
            None => match send_link(mail, accounts, secret, &user, LinkPurpose::Invitation) {
                Ok(()) => LinkOutcome::Sent,
                Err(err) => LinkOutcome::Failed(err.to_string()),
            },
        };
        outcomes.push(UserLinkOutcome {
            user_id,
            username: user.username,
            email: user.email,
            outcome,
        });
    }
    Ok(outcomes)
}
