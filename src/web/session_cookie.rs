//! The session cookie's name, below both the session code and the CSRF code that binds its token
//! to the session.

/// Name of the session cookie.
pub const NAME: &str = "roster_session";
