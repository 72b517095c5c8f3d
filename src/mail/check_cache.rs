//! Recent mail check results, one per set of settings, and checks run in the background so that
//! no page waits on a slow or silent server longer than it chooses to.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use super::check::CheckOutcome;
use super::diagnosis::{Diagnosis, server_label};
use super::settings::{MailSettings, TlsMode};

/// How long a finished check answers for the same settings.
pub const FRESH_FOR: Duration = Duration::from_secs(60);
/// How long a page waits for a check before it shows "still running".
pub const PAGE_WAIT: Duration = Duration::from_secs(2);
/// How long an API call or command waits: a whole check, every step at its time limit.
pub const API_WAIT: Duration = Duration::from_secs(120);

enum Slot {
    Running,
    Done { outcome: CheckOutcome, at: Instant },
}

/// One set of settings' check, with the ticket a page polls it by.
struct Entry {
    ticket: u64,
    slot: Slot,
}

#[derive(Default)]
struct Entries {
    by_settings: HashMap<u64, Entry>,
    last_ticket: u64,
}

/// Shared by all requests of a server.
#[derive(Clone, Default)]
pub struct CheckCache {
    inner: Arc<(Mutex<Entries>, Condvar)>,
}

/// Whether a cached result may answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freshness {
    /// A result younger than [`FRESH_FOR`] answers.
    Recent,
    /// Only a check started now (or one still running) answers: the admin pressed Check.
    New,
}

impl CheckCache {
    /// The check of `settings`: a recent result, else one started in the background and awaited
    /// for at most `wait`; when the wait runs out the outcome says the check is still running.
    pub fn outcome(
        &self,
        settings: &MailSettings,
        freshness: Freshness,
        wait: Duration,
    ) -> CheckOutcome {
        let key = key_of(settings);
        let (entries, ready) = &*self.inner;
        let mut entries = entries.lock().unwrap_or_else(|p| p.into_inner());
        let reusable = match entries.by_settings.get(&key).map(|e| &e.slot) {
            Some(Slot::Running) => true,
            Some(Slot::Done { at, .. }) => {
                freshness == Freshness::Recent && at.elapsed() < FRESH_FOR
            }
            None => false,
        };
        if !reusable {
            entries.by_settings.retain(
                |_, e| !matches!(e.slot, Slot::Done { at, .. } if at.elapsed() > FRESH_FOR * 10),
            );
            entries.last_ticket += 1;
            let ticket = entries.last_ticket;
            entries.by_settings.insert(
                key,
                Entry {
                    ticket,
                    slot: Slot::Running,
                },
            );
            let inner = Arc::clone(&self.inner);
            let settings = settings.clone();
            std::thread::spawn(move || {
                let outcome = super::check(&settings);
                let (entries, ready) = &*inner;
                let mut entries = entries.lock().unwrap_or_else(|p| p.into_inner());
                let slot = Slot::Done {
                    outcome,
                    at: Instant::now(),
                };
                entries.by_settings.insert(key, Entry { ticket, slot });
                ready.notify_all();
            });
        }
        let deadline = Instant::now() + wait;
        loop {
            if let Some(Slot::Done { outcome, .. }) = entries.by_settings.get(&key).map(|e| &e.slot)
            {
                return outcome.clone();
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return still_running(settings);
            }
            entries = ready
                .wait_timeout(entries, left)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
    }

    /// The ticket of the latest check of `settings`, for a page to poll [`Self::by_ticket`] with.
    pub fn ticket(&self, settings: &MailSettings) -> Option<u64> {
        let entries = self.inner.0.lock().unwrap_or_else(|p| p.into_inner());
        entries.by_settings.get(&key_of(settings)).map(|e| e.ticket)
    }

    /// The check a ticket names: `Some(None)` while it runs, `None` for an unknown ticket.
    pub fn by_ticket(&self, ticket: u64) -> Option<Option<CheckOutcome>> {
        let entries = self.inner.0.lock().unwrap_or_else(|p| p.into_inner());
        let entry = entries.by_settings.values().find(|e| e.ticket == ticket)?;
        Some(match &entry.slot {
            Slot::Running => None,
            Slot::Done { outcome, .. } => Some(outcome.clone()),
        })
    }
}

fn key_of(settings: &MailSettings) -> u64 {
    let mut hasher = DefaultHasher::new();
    settings.host.hash(&mut hasher);
    settings.port.hash(&mut hasher);
    settings.username.hash(&mut hasher);
    settings.password.hash(&mut hasher);
    match settings.tls {
        TlsMode::None => 0u8,
        TlsMode::StartTls => 1,
        TlsMode::Implicit => 2,
    }
    .hash(&mut hasher);
    settings.timeout.hash(&mut hasher);
    settings.extra_root_pem.hash(&mut hasher);
    hasher.finish()
}

fn still_running(settings: &MailSettings) -> CheckOutcome {
    CheckOutcome {
        diagnosis: Diagnosis::StillRunning,
        message: format!(
            "The check of {} is still running (the server has not answered yet; it is given up \
             to {} s for each step). This page shows the result when it is ready.",
            server_label(settings),
            settings.timeout.as_secs()
        ),
        server: server_label(settings),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    #[test]
    fn a_silent_server_answers_still_running_within_the_wait_then_the_result() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let settings = MailSettings {
            host: Some("127.0.0.1".into()),
            port,
            username: None,
            password: None,
            tls: TlsMode::None,
            timeout: Duration::from_secs(1),
            from: "roster@example.com".into(),
            extra_root_pem: None,
        };
        let cache = CheckCache::default();
        let started = Instant::now();
        let first = cache.outcome(&settings, Freshness::Recent, Duration::from_millis(200));
        assert!(started.elapsed() < Duration::from_millis(900));
        assert_eq!(first.diagnosis, Diagnosis::StillRunning);
        let ticket = cache.ticket(&settings).unwrap();
        assert!(matches!(cache.by_ticket(ticket), Some(None)));
        let done = cache.outcome(&settings, Freshness::Recent, Duration::from_secs(10));
        assert_ne!(done.diagnosis, Diagnosis::StillRunning);
        let again = cache.outcome(&settings, Freshness::Recent, Duration::ZERO);
        assert_eq!(
            again.message, done.message,
            "a recent result answers at once"
        );
        assert_eq!(
            cache.by_ticket(ticket).unwrap().unwrap().message,
            done.message
        );
        assert!(cache.by_ticket(ticket + 1).is_none());
        drop(listener);
    }
}
