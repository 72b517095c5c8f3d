//! Who runs an import, from where, on which file, and the mail choices recorded with it.

use super::plan::PlanRules;
use crate::domain::import_context::{ImportContext, MailCheckRecord};
use crate::mail::CheckOutcome;

impl ImportContext {
    /// The rules its rows are planned under.
    pub fn rules(&self) -> PlanRules {
        PlanRules {
            passwordless: self.passwordless.clone(),
            allow_weak_passwords: self.allow_weak_passwords,
        }
    }
}

impl MailCheckRecord {
    /// The record of a check outcome.
    pub fn of(check: &CheckOutcome) -> Self {
        let code = serde_json::to_value(check.diagnosis)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_else(|| "unknown".to_string());
        Self {
            code,
            message: check.message.clone(),
        }
    }
}
