//! Mail: settings, the SMTP server check, sending, and the messages Roster sends (text + HTML).

pub mod check;
pub mod messages;
pub mod settings;
pub mod transport;

pub use check::{CheckOutcome, Diagnosis, check};
pub use settings::{MailSettings, TlsMode};
pub use transport::{OutgoingMail, SendError, send};
