//! Waiting for what another thread or process does: one poll loop, with a deadline and a message
//! naming what was awaited.

use std::future::Future;
use std::time::{Duration, Instant};

/// How often a condition is checked again.
const POLL_EVERY: Duration = Duration::from_millis(25);

/// Calls `check` until it returns `Some`, for at most `limit`; panics naming `what` otherwise.
pub fn eventually<T>(what: &str, limit: Duration, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(found) = check() {
            return found;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {limit:?} waiting for {what}"
        );
        std::thread::sleep(POLL_EVERY);
    }
}

/// `eventually` for async checks (the browser tests), sleeping on the async runtime.
pub async fn eventually_async<T, Fut>(
    what: &str,
    limit: Duration,
    mut check: impl FnMut() -> Fut,
) -> T
where
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + limit;
    loop {
        if let Some(found) = check().await {
            return found;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {limit:?} waiting for {what}"
        );
        tokio::time::sleep(POLL_EVERY).await;
    }
}
