//! Mail: settings, the SMTP server check, sending, and the messages Roster sends (text + HTML).

pub(crate) mod check;
mod diagnosis;
pub mod messages;
pub(crate) mod settings;
pub(crate) mod transport;

pub use check::{CheckOutcome, check};
pub use diagnosis::Diagnosis;
pub use settings::{MailSettings, TlsMode};
pub use transport::{OutgoingMail, SendError, send};
