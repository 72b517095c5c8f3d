//! Fixed-window rate limits kept in memory, e.g. per client address and per e-mail address.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Allows `limit` events per key in each `window`.
#[derive(Debug)]
pub struct RateLimit {
    limit: u32,
    window: Duration,
    counters: Mutex<HashMap<String, (Instant, u32)>>,
}

impl RateLimit {
    /// A limit of `limit` events per `window` for each key.
    pub fn new(limit: u32, window: Duration) -> Self {
        Self {
            limit,
            window,
            counters: Mutex::new(HashMap::new()),
        }
    }

    /// Counts an event for `key`; false when the key is over its limit.
    pub fn allow(&self, key: &str) -> bool {
        let now = Instant::now();
        let mut counters = self.counters.lock().unwrap_or_else(|p| p.into_inner());
        if counters.len() > 10_000 {
            counters.retain(|_, (start, _)| now.duration_since(*start) < self.window);
        }
        let entry = counters.entry(key.to_string()).or_insert((now, 0));
        if now.duration_since(entry.0) >= self.window {
            *entry = (now, 0);
        }
        entry.1 += 1;
        entry.1 <= self.limit
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_per_key() {
        let limit = RateLimit::new(2, Duration::from_secs(60));
        assert!(limit.allow("a") && limit.allow("a"));
        assert!(!limit.allow("a"));
        assert!(limit.allow("b"));
    }
}
