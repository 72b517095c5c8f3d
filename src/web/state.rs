//! What every request handler can reach: the database, the configuration and the shared limits.

use std::sync::Mutex;

use super::backend::Backend;
use super::{jobs, ratelimit, staging};
use crate::config::Config;

/// What every request handler can reach.
pub struct AppState {
    /// The database: an SQLite file (with kept read connections) or PostgreSQL.
    pub backend: Backend,
    pub config: Config,
    pub staging: staging::Staging,
    /// The one-time first-admin setup token, while no admin exists.
    pub setup_token: Mutex<Option<String>>,
    /// Django's SECRET_KEY for reset tokens.
    pub secret_key: String,
    /// Forgot-password requests per client address and per e-mail address.
    pub forgot_by_ip: ratelimit::RateLimit,
    pub forgot_by_email: ratelimit::RateLimit,
    /// Imports running in the background.
    pub jobs: jobs::Jobs,
    /// Login attempts per client address and per username.
    pub login_by_ip: ratelimit::RateLimit,
    pub login_by_username: ratelimit::RateLimit,
    /// Clients whose rate-limited logins were already audited in this window.
    pub login_limit_audited: ratelimit::RateLimit,
    /// Recent mail check results; checks run in the background.
    pub mail_checks: crate::mail::CheckCache,
}
