//! Who runs an import, from where, on which file, and the mail choices recorded with it.

/// The Django group every imported user joins.
pub const DEFAULT_GROUP: &str = "Default User";

/// Where an import came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportSource {
    Web,
    Cli,
    Api,
}

impl ImportSource {
    /// The value stored in `roster_import.source`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Web => "web",
            Self::Cli => "cli",
            Self::Api => "api",
        }
    }
}

/// The mail server check made before an import, recorded with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailCheckRecord {
    /// The diagnosis code, e.g. `ok` or `connection_refused`.
    pub code: String,
    /// The plain-language diagnosis.
    pub message: String,
}

/// Who runs an import, on which file, and with which choices; recorded with it.
#[derive(Debug, Clone)]
pub struct ImportContext {
    pub actor_user_id: Option<i64>,
    /// A readable name for the actor, e.g. the admin's username or `cli:alice`.
    pub actor: String,
    pub source: ImportSource,
    pub file_name: String,
    /// Whether rows without a password may be created.
    pub passwordless: PasswordlessPolicy,
    /// The mail check run for this import, if rows without a password made it necessary.
    pub mail_check: Option<MailCheckRecord>,
    /// The admin chose to import passwordless rows although the mail check failed.
    pub allowed_without_mail: bool,
    /// Queue a set-password invitation for each created user without a password.
    pub invite: bool,
    /// The admin let passwords that fail Django's validators through.
    pub allow_weak_passwords: bool,
}

impl ImportContext {
    /// A context with no mail involvement: passwordless rows allowed, no check, no invitations.
    pub fn new(
        actor_user_id: Option<i64>,
        actor: String,
        source: ImportSource,
        file_name: String,
    ) -> Self {
        Self {
            actor_user_id,
            actor,
            source,
            file_name,
            passwordless: PasswordlessPolicy::Allowed,
            mail_check: None,
            allowed_without_mail: false,
            invite: false,
            allow_weak_passwords: false,
        }
    }
}

/// Whether rows without a password may be created.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum PasswordlessPolicy {
    /// Yes: mail works, or the admin chose to set passwords themselves.
    #[default]
    Allowed,
    /// No: the mail server check failed for this reason, so nobody could use Forgot Password.
    Refused { reason: String },
}
