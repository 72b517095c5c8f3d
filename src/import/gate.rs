//! The mail gate: how an import treats rows without a password, decided once from the mail check and the admin's choices.

use super::plan::{PasswordlessPolicy, PlanRules};
use super::{ImportContext, MailCheckRecord};
use crate::mail::CheckOutcome;

/// What the caller lets an import do with rows that have no password.
#[derive(Debug, Clone, Copy, Default)]
pub struct Choices {
    /// Import rows without a password even when the mail check fails.
    pub allow_without_mail: bool,
    /// Queue a set-password invitation for each created user without a password (only when mail works).
    pub invite: bool,
    /// Let passwords that fail Django's validators through (one-time passwords); audited.
    pub allow_weak_passwords: bool,
}

/// The mail gate: how rows without a password are treated, decided once from the check and the choices.
#[derive(Debug, Clone)]
pub struct MailGate {
    /// The check, run only when the file creates users without a password.
    pub check: Option<CheckOutcome>,
    /// Whether those rows may be created.
    pub policy: PasswordlessPolicy,
    /// The admin imports them although the check failed.
    pub allowed_without_mail: bool,
    /// Invitations are queued for them.
    pub invite: bool,
    /// The admin lets weak passwords through for this import.
    pub allow_weak_passwords: bool,
}

impl MailGate {
    /// The rule, in its one place: rows without a password are held back when the mail check
    /// failed, unless the caller imports them anyway; invitations only go out when mail works.
    pub fn decide(check: Option<CheckOutcome>, choices: Choices) -> Self {
        let failed = check.as_ref().is_some_and(|c| !c.ok());
        let policy = match &check {
            Some(check) if failed && !choices.allow_without_mail => PasswordlessPolicy::Refused {
                reason: check.message.clone(),
            },
            _ => PasswordlessPolicy::Allowed,
        };
        Self {
            allowed_without_mail: failed && choices.allow_without_mail,
            invite: choices.invite && !failed,
            allow_weak_passwords: choices.allow_weak_passwords,
            policy,
            check,
        }
    }

    /// The check ran and mail does not work.
    pub fn mail_failed(&self) -> bool {
        self.check.as_ref().is_some_and(|c| !c.ok())
    }

    /// The rules rows are planned under once the gate is decided.
    pub fn rules(&self) -> PlanRules {
        PlanRules {
            passwordless: self.policy.clone(),
            allow_weak_passwords: self.allow_weak_passwords,
        }
    }

    /// Records the gate in the import's context (what the history and audit log show).
    pub(super) fn apply_to(&self, context: &mut ImportContext) {
        context.passwordless = self.policy.clone();
        context.mail_check = self.check.as_ref().map(MailCheckRecord::of);
        context.allowed_without_mail = self.allowed_without_mail;
        context.invite = self.invite;
        context.allow_weak_passwords = self.allow_weak_passwords;
    }
}
