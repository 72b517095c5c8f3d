//! Every action the audit log records, by the stable snake_case name it is stored and filtered under.

/// What an audit entry says happened. The stored names never change: old entries and saved
/// filters keep working.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditAction {
    Login,
    LoginFailed,
    LoginRateLimited,
    AdminCreated,
    Import,
    ImportUndone,
    ImportUndoBlocked,
    UserAdded,
    UserChanged,
    RoleChanged,
    UserDeactivated,
    UserReactivated,
    SessionsTerminated,
    PasswordSet,
    PasswordChanged,
    PasswordResetRequested,
    PasswordResetSent,
    PasswordSetByLink,
    InvitationUsed,
    SetPasswordLinksSent,
    OuCreated,
    OuRenamed,
    OuDeleted,
    TokenCreated,
    TokenRevoked,
    MailSettingsChanged,
}

impl AuditAction {
    /// The name stored in `roster_audit.action`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Login => "login",
            Self::LoginFailed => "login_failed",
            Self::LoginRateLimited => "login_rate_limited",
            Self::AdminCreated => "admin_created",
            Self::Import => "import",
            Self::ImportUndone => "import_undone",
            Self::ImportUndoBlocked => "import_undo_blocked",
            Self::UserAdded => "user_added",
            Self::UserChanged => "user_changed",
            Self::RoleChanged => "role_changed",
            Self::UserDeactivated => "user_deactivated",
            Self::UserReactivated => "user_reactivated",
            Self::SessionsTerminated => "sessions_terminated",
            Self::PasswordSet => "password_set",
            Self::PasswordChanged => "password_changed",
            Self::PasswordResetRequested => "password_reset_requested",
            Self::PasswordResetSent => "password_reset_sent",
            Self::PasswordSetByLink => "password_set_by_link",
            Self::InvitationUsed => "invitation_used",
            Self::SetPasswordLinksSent => "set_password_links_sent",
            Self::OuCreated => "ou_created",
            Self::OuRenamed => "ou_renamed",
            Self::OuDeleted => "ou_deleted",
            Self::TokenCreated => "token_created",
            Self::TokenRevoked => "token_revoked",
            Self::MailSettingsChanged => "mail_settings_changed",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::AuditAction;

    /// Every action (a new one must be added here too).
    const ALL: [AuditAction; 26] = [
        AuditAction::Login,
        AuditAction::LoginFailed,
        AuditAction::LoginRateLimited,
        AuditAction::AdminCreated,
        AuditAction::Import,
        AuditAction::ImportUndone,
        AuditAction::ImportUndoBlocked,
        AuditAction::UserAdded,
        AuditAction::UserChanged,
        AuditAction::RoleChanged,
        AuditAction::UserDeactivated,
        AuditAction::UserReactivated,
        AuditAction::SessionsTerminated,
        AuditAction::PasswordSet,
        AuditAction::PasswordChanged,
        AuditAction::PasswordResetRequested,
        AuditAction::PasswordResetSent,
        AuditAction::PasswordSetByLink,
        AuditAction::InvitationUsed,
        AuditAction::SetPasswordLinksSent,
        AuditAction::OuCreated,
        AuditAction::OuRenamed,
        AuditAction::OuDeleted,
        AuditAction::TokenCreated,
        AuditAction::TokenRevoked,
        AuditAction::MailSettingsChanged,
    ];

    #[test]
    fn stored_names_are_unique_snake_case() {
        let mut names: Vec<&str> = ALL.iter().map(|a| a.as_str()).collect();
        assert!(
            names
                .iter()
                .all(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
        );
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ALL.len());
    }
}
