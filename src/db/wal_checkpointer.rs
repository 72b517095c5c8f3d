//! WAL checkpoints for a bulk import, run on a thread of their own instead of after its commits.
//
// SQLite checkpoints (copies the WAL's pages into the database file and syncs both) in whichever
// connection's commit takes the WAL past 1,000 pages: during an import, the import's own, between
// two batches. Here the import's connection does not checkpoint; after each commit it asks a
// thread with its own connection to run a PASSIVE checkpoint, which neither waits for nor blocks
// readers and writers. The checkpoints are as frequent as before (a batch writes about as many
// pages as SQLite's threshold) and the database is as durable (each commit goes to the WAL first,
// as before); the import just goes on writing while a checkpoint copies and syncs.

use std::sync::mpsc::SyncSender;
use std::thread::JoinHandle;

use rusqlite::Connection;

/// Checkpoints the database of an import's connection on another thread until [`Self::stop`].
pub(super) struct WalCheckpointer {
    wake: Option<SyncSender<()>>,
    thread: Option<JoinHandle<()>>,
    /// The connection's `wal_autocheckpoint` before, given back by [`Self::stop`].
    autocheckpoint_pages: i64,
}

impl WalCheckpointer {
    /// Starts checkpointing `conn`'s database (a file in WAL mode) on its own thread and stops
    /// `conn`'s own automatic checkpoints; `None`, with `conn` unchanged, when the database is not
    /// such a file or a second connection cannot be opened.
    pub fn start(conn: &Connection) -> Option<Self> {
        let path = conn.path().filter(|path| !path.is_empty())?;
        let mode: String = conn
            .pragma_query_value(None, "journal_mode", |r| r.get(0))
            .ok()?;
        if !mode.eq_ignore_ascii_case("wal") {
            return None;
        }
        let autocheckpoint_pages: i64 = conn
            .pragma_query_value(None, "wal_autocheckpoint", |r| r.get(0))
            .ok()?;
        let checkpoints = Connection::open(path).ok()?;
        conn.pragma_update(None, "wal_autocheckpoint", 0).ok()?;
        let (wake, woken) = std::sync::mpsc::sync_channel::<()>(1);
        let thread = std::thread::Builder::new()
            .name("wal-checkpoint".into())
            .spawn(move || {
                // Once more after the last commit, then the thread ends.
                while woken.recv().is_ok() {
                    if let Err(err) = checkpoint(&checkpoints) {
                        // Busy (another checkpoint runs) or failed: the next commit asks again,
                        // and SQLite checkpoints when the last connection closes.
                        tracing::debug!(error = %err, "passive WAL checkpoint did not run");
                    }
                }
            });
        match thread {
            Ok(thread) => Some(Self {
                wake: Some(wake),
                thread: Some(thread),
                autocheckpoint_pages,
            }),
            Err(_) => {
                let _ = conn.pragma_update(None, "wal_autocheckpoint", autocheckpoint_pages);
                None
            }
        }
    }

    /// After a commit: a checkpoint runs as soon as the thread is free (one is queued at most).
    pub fn committed(&self) {
        if let Some(wake) = &self.wake {
            // Full: a checkpoint is queued already and will see this commit too.
            let _ = wake.try_send(());
        }
    }
}

/// A PASSIVE checkpoint: copies what it can without waiting for readers or writers.
fn checkpoint(conn: &Connection) -> rusqlite::Result<()> {
    conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
}

impl WalCheckpointer {
    /// Waits for the last checkpoint and gives `conn` (the connection it was started on) its
    /// automatic checkpoints back.
    pub fn stop(mut self, conn: &Connection) {
        self.finish();
        let _ = conn.pragma_update(None, "wal_autocheckpoint", self.autocheckpoint_pages);
    }

    fn finish(&mut self) {
        drop(self.wake.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for WalCheckpointer {
    fn drop(&mut self) {
        self.finish();
    }
}
