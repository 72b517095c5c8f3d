//! Who did it, for the audit log: the admin (or anonymous visitor) and their client address.

use actix_web::HttpRequest;

use crate::db::audit::{AuditAction, AuditEntry};
use crate::db::web_store::SessionStore;

/// The person behind a request.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: Option<i64>,
    pub name: String,
    pub client: String,
}

impl Actor {
    /// Someone not logged in, named by what they typed (e.g. a username at login).
    pub fn visitor(name: &str, req: &HttpRequest) -> Self {
        Self {
            user_id: None,
            name: name.chars().take(150).collect(),
            client: client(req),
        }
    }

    /// Appends an entry by this actor through the web's stores (SQLite or PostgreSQL).
    pub fn record_in(
        &self,
        store: &mut dyn SessionStore,
        action: AuditAction,
        target: &str,
        detail: &str,
    ) -> anyhow::Result<()> {
        store.record_audit(&self.entry(action, target, detail))
    }

    fn entry<'a>(
        &'a self,
        action: AuditAction,
        target: &'a str,
        detail: &'a str,
    ) -> AuditEntry<'a> {
        AuditEntry {
            actor_user_id: self.user_id,
            actor: &self.name,
            action,
            target,
            detail,
            client: &self.client,
        }
    }
}

/// The client's address as seen by the server (no proxy headers are trusted).
pub fn client(req: &HttpRequest) -> String {
    req.peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_default()
}

/// `user:42 (alice)`.
pub fn user_target(id: i64, username: &str) -> String {
    format!("user:{id} ({username})")
}
