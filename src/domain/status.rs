//! Where an invitation or an import stands, as stored in their `status` columns.

use serde::Serialize;

/// A status stored as one of a fixed set of words; a value Roster never writes is an error.
pub trait StoredStatus: Sized + Copy + 'static {
    /// Every status, so a stored word can be read back.
    const ALL: &'static [Self];
    /// What the status belongs to, for the error on an unknown value ("invitation").
    const OF: &'static str;
    /// The value stored in the database and shown on pages.
    fn as_str(self) -> &'static str;

    /// The status a stored value names, if it names one (exact spelling).
    fn from_stored(value: &str) -> Option<Self> {
        Self::ALL
            .iter()
            .copied()
            .find(|status| status.as_str() == value)
    }
}

/// A set-password invitation: `pending`, `sent`, `failed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvitationStatus {
    /// Queued by an import, not sent yet.
    Pending,
    Sent,
    /// The last send failed; the invitation's reason says why.
    Failed,
}

impl StoredStatus for InvitationStatus {
    const ALL: &'static [Self] = &[Self::Pending, Self::Sent, Self::Failed];
    const OF: &'static str = "invitation";

    fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sent => "sent",
            Self::Failed => "failed",
        }
    }
}

/// An import job: `running`, `done`, or `interrupted` (the process died or the job failed; the
/// batches it finished stay, and re-importing the file finishes it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ImportStatus {
    Running,
    Done,
    Interrupted,
}

impl StoredStatus for ImportStatus {
    const ALL: &'static [Self] = &[Self::Running, Self::Done, Self::Interrupted];
    const OF: &'static str = "import";

    fn as_str(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Done => "done",
            Self::Interrupted => "interrupted",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reads_back<T: StoredStatus + PartialEq + std::fmt::Debug>() {
        for &status in T::ALL {
            assert_eq!(T::from_stored(status.as_str()), Some(status));
            assert_eq!(T::from_stored(&status.as_str().to_uppercase()), None);
        }
    }

    #[test]
    fn every_status_reads_back_from_its_stored_value() {
        reads_back::<InvitationStatus>();
        reads_back::<ImportStatus>();
        assert_eq!(
            serde_json::to_string(&ImportStatus::Interrupted).unwrap(),
            "\"interrupted\"",
            "the progress JSON keeps the stored word"
        );
    }
}
