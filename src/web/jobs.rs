//! Imports running in the background: live progress in memory, the state itself in the database.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use serde::Serialize;

use crate::import::job::Progress;

/// Live progress of the running imports, by import id.
#[derive(Debug, Default)]
pub struct Jobs {
    running: Mutex<HashMap<i64, (Progress, Instant)>>,
}

/// What the progress page and its JSON show.
#[derive(Debug, Clone, Serialize)]
pub struct ProgressView {
    pub status: String,
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
        let mut running = self.running.lock().unwrap_or_else(|p| p.into_inner());
        let started = running
            .get(&progress.import_id)
            .map_or_else(Instant::now, |(_, s)| *s);
        running.insert(progress.import_id, (progress, started));
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
        let running = self.running.lock().unwrap_or_else(|p| p.into_inner());
        let (progress, started) = running.get(&import_id)?;
        let elapsed = started.elapsed().as_secs_f64();
        let rate = if elapsed > 0.0 {
            progress.done as f64 / elapsed
        } else {
            0.0
        };
        let left = progress.total.saturating_sub(progress.done) as f64;
        Some(ProgressView {
            status: "running".to_string(),
            done: progress.done,
            total: progress.total,
            rate,
            seconds_left: (rate > 0.0).then(|| (left / rate).ceil() as u64),
        })
    }
}
