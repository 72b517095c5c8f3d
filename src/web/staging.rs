//! Uploads waiting for the admin's confirmation, kept only in memory (they may hold plaintext passwords).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::auth::hashers::random_string;
use crate::import::{FileError, ParsedFile, Plan};
use crate::mail::CheckOutcome;

/// How long a preview can wait for its Import click.
pub const STAGE_TTL: Duration = Duration::from_secs(60 * 60);
/// Most previews one admin can have open at once.
const PER_ADMIN: usize = 5;

/// A file that passed the file-level checks, its preview and the mail check it needed.
#[derive(Debug)]
pub struct StagedImport {
    pub parsed: ParsedFile,
    pub plan: Plan,
    /// Run when the file has rows without a password.
    pub mail_check: Option<CheckOutcome>,
    /// The admin let weak passwords through on the upload form; the commit keeps the choice.
    pub allow_weak_passwords: bool,
}

/// An uploaded file and what the engine made of it.
#[derive(Debug)]
pub struct Staged {
    pub owner_id: i64,
    pub file_name: String,
    pub created: Instant,
    pub content: Result<StagedImport, FileError>,
}

/// The in-memory store of staged uploads, keyed by a random id.
#[derive(Debug, Default)]
pub struct Staging {
    entries: Mutex<HashMap<String, Arc<Staged>>>,
}

impl Staging {
    /// Stores an upload and returns its id; drops expired ones and the owner's oldest beyond the cap.
    pub fn put(&self, staged: Staged) -> String {
        let id = random_string(32);
        let mut entries = self.lock();
        entries.retain(|_, s| s.created.elapsed() < STAGE_TTL);
        let mut mine: Vec<(String, Instant)> = entries
            .iter()
            .filter(|(_, s)| s.owner_id == staged.owner_id)
            .map(|(k, s)| (k.clone(), s.created))
            .collect();
        mine.sort_by_key(|(_, created)| *created);
        while mine.len() >= PER_ADMIN {
            let (oldest, _) = mine.remove(0);
            entries.remove(&oldest);
        }
        entries.insert(id.clone(), Arc::new(staged));
        id
    }

    /// The upload with this id, if it exists, is fresh and belongs to `owner_id`.
    pub fn get(&self, id: &str, owner_id: i64) -> Option<Arc<Staged>> {
        self.lock()
            .get(id)
            .filter(|s| s.owner_id == owner_id && s.created.elapsed() < STAGE_TTL)
            .cloned()
    }

    /// Removes and returns the upload, so one preview is imported at most once.
    pub fn take(&self, id: &str, owner_id: i64) -> Option<Arc<Staged>> {
        let mut entries = self.lock();
        let fresh = entries
            .get(id)
            .is_some_and(|s| s.owner_id == owner_id && s.created.elapsed() < STAGE_TTL);
        if fresh { entries.remove(id) } else { None }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<Staged>>> {
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
