//! Fixed-window rate limits kept in `roster_rate_limit` (migration V14), so every Roster process
//! on the database counts the same attempts; the keys are stored hashed.

use std::time::Duration;

use postgres::Client;
use sha2::{Digest, Sha256};

fn key_hash(bucket: &str, key: &str) -> String {
    let digest = Sha256::digest(format!("roster-rate-limit:{bucket}:{key}").as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn seconds(window: Duration) -> i64 {
    i64::try_from(window.as_secs()).unwrap_or(i64::MAX)
}

/// Counts an event for `key` in `bucket` and returns how many it has in the current window (a
/// window older than `window` starts again at one). Expired windows of the bucket are dropped.
pub fn count_event(
    client: &mut Client,
    bucket: &str,
    key: &str,
    window: Duration,
) -> Result<u32, postgres::Error> {
    let window = seconds(window);
    client.execute(
        "DELETE FROM roster_rate_limit \
         WHERE bucket = $1 AND started_at <= now() - $2::bigint * interval '1 second'",
        &[&bucket, &window],
    )?;
    let row = client.query_one(
        "INSERT INTO roster_rate_limit AS r (bucket, key_hash, started_at, events) \
         VALUES ($1, $2, now(), 1) \
         ON CONFLICT (bucket, key_hash) DO UPDATE SET \
             events = CASE WHEN r.started_at <= now() - $3::bigint * interval '1 second' \
                           THEN 1 ELSE r.events + 1 END, \
             started_at = CASE WHEN r.started_at <= now() - $3::bigint * interval '1 second' \
                               THEN now() ELSE r.started_at END \
         RETURNING events",
        &[&bucket, &key_hash(bucket, key), &window],
    )?;
    Ok(u32::try_from(row.get::<_, i32>(0)).unwrap_or(0))
}

/// Whether `key` has used up `limit` events in its current window, without counting one.
pub fn is_exhausted(
    client: &mut Client,
    bucket: &str,
    key: &str,
    limit: u32,
    window: Duration,
) -> Result<bool, postgres::Error> {
    let row = client.query_opt(
        "SELECT events FROM roster_rate_limit WHERE bucket = $1 AND key_hash = $2 \
         AND started_at > now() - $3::bigint * interval '1 second'",
        &[&bucket, &key_hash(bucket, key), &seconds(window)],
    )?;
    Ok(row.is_some_and(|row| u32::try_from(row.get::<_, i32>(0)).unwrap_or(0) >= limit))
}
