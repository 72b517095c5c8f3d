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

/// Implements `StoredStatus` from one table of variants and their stored words, so `ALL` and
/// `as_str` cannot drift apart.
macro_rules! stored_status {
    ($type:ident of $of:literal: $($variant:ident => $word:literal),+ $(,)?) => {
        impl StoredStatus for $type {
            const ALL: &'static [Self] = &[$(Self::$variant),+];
            const OF: &'static str = $of;

            fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $word,)+
                }
            }
        }
    };
}

stored_status!(InvitationStatus of "invitation":
    Pending => "pending",
    Sent => "sent",
    Failed => "failed",
);

/// An import job: `running`, `done`, or `interrupted` (the process died or the job failed; the
/// batches it finished stay, and re-importing the file finishes it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ImportStatus {
    Running,
    Done,
    Interrupted,
}

stored_status!(ImportStatus of "import":
    Running => "running",
    Done => "done",
    Interrupted => "interrupted",
);

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
