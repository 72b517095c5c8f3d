//! The Mail page's saved settings (`roster_mail_settings`) as the web reads and saves them, per backend.

use super::mail_settings::StoredMail;

/// The one row of saved mail settings.
pub trait MailSettingsStore {
    /// The saved settings, all `None` when none were saved.
    fn load_mail_settings(&mut self) -> anyhow::Result<StoredMail>;
    /// Replaces the saved settings (the password as given: SMTP AUTH needs it in clear).
    fn save_mail_settings(&mut self, stored: &StoredMail) -> anyhow::Result<()>;
}
