//! Mail: settings, the SMTP server check, sending, and the messages Roster sends (text + HTML).

pub(crate) mod check;
pub mod check_cache;
mod diagnosis;
pub mod messages;
pub(crate) mod settings;
pub(crate) mod transport;
mod web_port;

pub use check::{CheckOutcome, check};
pub use check_cache::{CheckCache, Freshness};
pub use diagnosis::Diagnosis;
pub use settings::{MailSettings, Secret, TlsMode};
pub use transport::{OutgoingMail, SendError, send};
