//! Mail: settings, the SMTP server check, sending, and the messages Roster sends (text + HTML).

pub mod check;
pub mod check_cache;
pub mod current;
pub mod messages;
pub mod settings;
pub mod transport;
mod web_port;

pub use check::{CheckOutcome, Diagnosis, check};
pub use check_cache::{CheckCache, Freshness};
pub use current::{CurrentMail, MailField, MailLocks};
pub use settings::{MailSettings, TlsMode};
pub use transport::{OutgoingMail, SendError, send};
