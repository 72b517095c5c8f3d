//! Imports running in the background: live progress in memory, the state itself in the database.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use serde::Serialize;

use crate::domain::status::ImportStatus;
use crate::import::job::Progress;

/// Live progress of the running imports, by import id.
#[derive(Debug, Default)]
pub struct Jobs {
    running: Mutex<HashMap<i64, Running>>,
}

/// A running import's last report, when it started and when it last moved.
#[derive(Debug, Clone, Copy)]
struct Running {
    progress: Progress,
    started: Instant,
    moved: Instant,
}

/// What the progress page and its JSON show.
#[derive(Debug, Clone, Serialize)]
pub struct ProgressView {
    pub status: ImportStatus,
    pub done: usize,
    pub total: usize,
    /// Rows per second so far.
    pub rate: f64,
    /// Estimated seconds until done.
    pub seconds_left: Option<u64>,
}

impl Jobs {
    /// Records progress reported by a job.
    pub fn update(&self, progress: Progress) {
        self.update_at(progress, Instant::now());
    }

    fn update_at(&self, progress: Progress, now: Instant) {
        let mut running = self.running.lock().unwrap_or_else(|p| p.into_inner());
        let started = running.get(&progress.import_id).map_or(now, |r| r.started);
        let moved = match running.get(&progress.import_id) {
            Some(last) if last.progress.done == progress.done => last.moved,
            _ => now,
        };
        running.insert(
            progress.import_id,
            Running {
                progress,
                started,
                moved,
            },
        );
    }

    /// Forgets a finished job.
    pub fn finish(&self, import_id: i64) {
        self.running
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&import_id);
    }

    /// Progress of a running import, if this process runs it.
    pub fn view(&self, import_id: i64) -> Option<ProgressView> {
        self.view_at(import_id, Instant::now())
    }

    /// The pace is measured up to the last move, and the estimate counts down from there, so it
    /// does not climb while a batch is being hashed.
    fn view_at(&self, import_id: i64, now: Instant) -> Option<ProgressView> {
        let running = self.running.lock().unwrap_or_else(|p| p.into_inner());
        let Running {
            progress,
            started,
            moved,
        } = *running.get(&import_id)?;
        let elapsed = moved.duration_since(started).as_secs_f64();
        let rate = if elapsed > 0.0 {
            progress.done as f64 / elapsed
        } else {
            0.0
        };
        let left = progress.total.saturating_sub(progress.done) as f64;
        let since_move = now.saturating_duration_since(moved).as_secs_f64();
        Some(ProgressView {
            status: ImportStatus::Running,
            done: progress.done,
            total: progress.total,
            rate,
            seconds_left: (rate > 0.0).then(|| (left / rate - since_move).max(0.0).ceil() as u64),
        })
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::*;

    #[test]
    fn the_estimate_counts_down_while_nothing_moves() {
        let jobs = Jobs::default();
        let t0 = Instant::now();
        let at = |s: u64| t0 + Duration::from_secs(s);
        let report = |done| Progress {
            import_id: 7,
            done,
            total: 100,
        };
        jobs.update_at(report(0), at(0));
        jobs.update_at(report(10), at(5));
        let left = |s| jobs.view_at(7, at(s)).unwrap().seconds_left.unwrap();
        // 10 rows in 5 s: 90 rows are 45 s away.
        assert_eq!(left(5), 45);
        // Nothing moved for 10 s: the estimate went down, not up.
        assert_eq!(left(15), 35);
        // A repeated report of the same count does not reset the clock.
        jobs.update_at(report(10), at(16));
        assert_eq!(left(16), 34);
        assert_eq!(left(100), 0);
        jobs.update_at(report(20), at(20));
        // 20 rows in 20 s: 80 rows at one a second.
        assert_eq!(left(20), 80);
    }
}
