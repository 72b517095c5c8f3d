//! Where a set-password invitation stands, as stored in `roster_invitation.status`.

/// The stored values are Roster's own: `pending`, `sent`, `failed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvitationStatus {
    /// Queued by an import, not sent yet.
    Pending,
    Sent,
    /// The last send failed; the invitation's reason says why.
    Failed,
}

impl InvitationStatus {
    /// The value stored in the database and shown on the import's page.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sent => "sent",
            Self::Failed => "failed",
        }
    }

    /// The status a stored value names, if it names one.
    pub fn from_stored(value: &str) -> Option<Self> {
        [Self::Pending, Self::Sent, Self::Failed]
            .into_iter()
            .find(|status| status.as_str() == value)
    }
}

#[cfg(test)]
mod tests {
    use super::InvitationStatus;

    #[test]
    fn every_status_reads_back_from_its_stored_value() {
        for status in [
            InvitationStatus::Pending,
            InvitationStatus::Sent,
            InvitationStatus::Failed,
        ] {
            assert_eq!(InvitationStatus::from_stored(status.as_str()), Some(status));
        }
        assert_eq!(InvitationStatus::from_stored("Sent"), None);
    }
}
