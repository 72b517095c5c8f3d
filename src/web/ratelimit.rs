//! Fixed-window rate limits kept in memory, bounded in entries and key size, e.g. per client and per e-mail address.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Most keys one limit remembers; beyond it the key whose window started first is forgotten.
const MAX_KEYS: usize = 10_000;

/// Allows `limit` events per key in each `window`.
///
/// Keys are kept as 64-bit keyed hashes (a per-process random key), so a 64 KB form field costs
/// the same eight bytes as a short one; expired windows are dropped once per window.
#[derive(Debug)]
pub struct RateLimit {
    limit: u32,
    window: Duration,
    /// The name its windows are kept under in the database on PostgreSQL, where every process
    /// counts together; `None` keeps them in this process only.
    shared_as: Option<&'static str>,
    max_keys: usize,
    hasher: RandomState,
    counters: Mutex<Counters>,
}

#[derive(Debug)]
struct Counters {
    by_key: HashMap<u64, Window>,
    last_pruned: Instant,
}

#[derive(Debug, Clone, Copy)]
struct Window {
    started: Instant,
    events: u32,
}

impl RateLimit {
    /// A limit of `limit` events per `window` for each key.
    pub fn new(limit: u32, window: Duration) -> Self {
        Self::with_capacity(limit, window, MAX_KEYS)
    }

    /// Like `new`, remembering at most `max_keys` keys.
    pub fn with_capacity(limit: u32, window: Duration, max_keys: usize) -> Self {
        Self {
            limit,
            window,
            shared_as: None,
            max_keys: max_keys.max(1),
            hasher: RandomState::new(),
            counters: Mutex::new(Counters {
                by_key: HashMap::new(),
                last_pruned: Instant::now(),
            }),
        }
    }

    /// On PostgreSQL, counted in the database under `bucket` by every Roster process on it.
    pub fn shared_as(mut self, bucket: &'static str) -> Self {
        self.shared_as = Some(bucket);
        self
    }

    /// The database bucket, the limit and the window of a limit shared across processes.
    pub fn shared(&self) -> Option<(&'static str, u32, Duration)> {
        self.shared_as
            .map(|bucket| (bucket, self.limit, self.window))
    }

    /// Counts an event for `key`; false when the key is over its limit.
    pub fn allow(&self, key: &str) -> bool {
        self.count(key) <= self.limit
    }

    /// Counts an event for `key` and returns how many it has in the current window.
    pub fn count(&self, key: &str) -> u32 {
        let now = Instant::now();
        let hashed = self.hasher.hash_one(key);
        let mut counters = self.counters.lock().unwrap_or_else(|p| p.into_inner());
        let window = self.window;
        let fresh = |w: &Window| now.duration_since(w.started) < window;
        if now.duration_since(counters.last_pruned) >= window {
            counters.by_key.retain(|_, w| fresh(w));
            counters.last_pruned = now;
        }
        if !counters.by_key.contains_key(&hashed) && counters.by_key.len() >= self.max_keys {
            counters.by_key.retain(|_, w| fresh(w));
            counters.last_pruned = now;
            if counters.by_key.len() >= self.max_keys {
                let oldest = counters
                    .by_key
                    .iter()
                    .min_by_key(|(_, w)| w.started)
                    .map(|(k, _)| *k);
                if let Some(oldest) = oldest {
                    counters.by_key.remove(&oldest);
                }
            }
        }
        let entry = counters.by_key.entry(hashed).or_insert(Window {
            started: now,
            events: 0,
        });
        if !fresh(entry) {
            *entry = Window {
                started: now,
                events: 0,
            };
        }
        entry.events = entry.events.saturating_add(1);
        entry.events
    }

    /// Whether `key` has used up its events in the current window, without counting one.
    pub fn is_exhausted(&self, key: &str) -> bool {
        let hashed = self.hasher.hash_one(key);
        let counters = self.counters.lock().unwrap_or_else(|p| p.into_inner());
        counters.by_key.get(&hashed).is_some_and(|w| {
            Instant::now().duration_since(w.started) < self.window && w.events >= self.limit
        })
    }

    /// How many keys are remembered now.
    pub fn remembered(&self) -> usize {
        self.counters
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .by_key
            .len()
    }
}

/// The rate-limit bucket of the client making `req` (its real source address; no proxy header).
pub fn request_bucket(req: &actix_web::HttpRequest) -> String {
    req.peer_addr()
        .map(|a| client_bucket(a.ip()))
        .unwrap_or_default()
}

/// The rate-limit bucket of a client address: IPv4 as is (also when written as `::ffff:a.b.c.d`),
/// IPv6 by its /64 network, the smallest block one subscriber is given.
pub fn client_bucket(ip: IpAddr) -> String {
    match ip.to_canonical() {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let segments = v6.segments();
            let network = std::net::Ipv6Addr::new(
                segments[0],
                segments[1],
                segments[2],
                segments[3],
                0,
                0,
                0,
                0,
            );
            format!("{network}/64")
        }
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

    #[test]
    fn exhaustion_is_read_without_counting() {
        let limit = RateLimit::new(2, Duration::from_secs(60));
        assert!(!limit.is_exhausted("a"));
        limit.allow("a");
        assert!(!limit.is_exhausted("a"));
        limit.allow("a");
        assert!(limit.is_exhausted("a") && limit.is_exhausted("a"));
        assert!(!limit.is_exhausted("b"));
    }

    #[test]
    fn remembers_at_most_its_capacity_and_forgets_the_oldest_first() {
        let limit = RateLimit::with_capacity(1, Duration::from_secs(60), 100);
        assert!(limit.allow("first"));
        assert!(!limit.allow("first"));
        for n in 0..99 {
            limit.allow(&format!("key {n}"));
        }
        assert_eq!(limit.remembered(), 100);
        assert!(limit.allow("one more"));
        assert_eq!(limit.remembered(), 100, "bounded");
        assert!(limit.allow("first"), "the oldest window was forgotten");
    }

    #[test]
    fn expired_windows_are_pruned_by_time() {
        let limit = RateLimit::new(1, Duration::from_millis(50));
        for n in 0..500 {
            limit.allow(&format!("key {n}"));
        }
        assert_eq!(limit.remembered(), 500);
        std::thread::sleep(Duration::from_millis(60));
        limit.allow("later");
        assert_eq!(limit.remembered(), 1, "expired windows dropped");
    }

    #[test]
    fn huge_keys_cost_no_more_than_short_ones() {
        let limit = RateLimit::new(1, Duration::from_secs(60));
        let huge = "x".repeat(64 * 1024);
        assert!(limit.allow(&huge));
        assert!(!limit.allow(&huge), "still counted by its hash");
        assert!(limit.allow(&huge[1..]));
    }

    #[test]
    fn ipv6_clients_share_a_bucket_per_64_and_mapped_v4_is_plain_v4() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff:1:2:3".parse().unwrap();
        let other: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(client_bucket(a), client_bucket(b));
        assert_eq!(client_bucket(a), "2001:db8:1:2::/64");
        assert_ne!(client_bucket(a), client_bucket(other));
        let mapped: IpAddr = "::ffff:127.0.0.1".parse().unwrap();
        let plain: IpAddr = "127.0.0.1".parse().unwrap();
        assert_eq!(client_bucket(mapped), client_bucket(plain));
        assert_eq!(client_bucket(plain), "127.0.0.1");
    }
}
