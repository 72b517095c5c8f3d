//! Password reset and set-password invitations: Django-compatible links, who gets mail, token checks.

use crate::db::web_store::SessionStore;
use unicode_normalization::UnicodeNormalization;

use super::tokens::{
    TokenUser, check_token, django_timestamp, make_token, uidb64_decode, uidb64_encode,
};
use crate::db::invitation_store::InvitationStore;
use crate::db::users::UserRecord;
use crate::domain::accounts::AccountSettings;
use crate::domain::status::InvitationStatus;
use crate::mail::messages::{ResetMailData, first_password, invitation, password_reset};
use crate::mail::{MailSettings, OutgoingMail};

/// Which mail to build for a link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkPurpose {
    /// The user asked through Forgot Password, or an admin sent a reset.
    Reset,
    /// An import created the user without a password.
    Invitation,
}

fn token_user(user: &UserRecord) -> TokenUser<'_> {
    TokenUser {
        pk: user.id,
        password: &user.password,
        last_login: user.last_login.as_deref(),
        email: &user.email,
    }
}

impl AccountSettings {
    /// Seconds since Django's epoch in TIME_ZONE's local time, as its token generator counts them.
    pub fn token_timestamp(&self, now: chrono::DateTime<chrono::Utc>) -> i64 {
        use chrono::{Offset, TimeZone};
        let offset = self
            .time_zone
            .offset_from_utc_datetime(&now.naive_utc())
            .fix()
            .local_minus_utc();
        django_timestamp(now.timestamp(), i64::from(offset))
    }
}

/// `BASE_URL/reset/<uidb64>/<token>/`, exactly Django's shape, built from the configured base URL only.
pub fn reset_link(accounts: &AccountSettings, secret: &str, user: &UserRecord) -> String {
    let timestamp = accounts.token_timestamp(chrono::Utc::now());
    let token = make_token(&token_user(user), secret, timestamp);
    format!(
        "{}/reset/{}/{}/",
        accounts.base_url,
        uidb64_encode(user.id),
        token
    )
}

/// The mail carrying a fresh link for `user`.
pub fn link_mail(
    accounts: &AccountSettings,
    secret: &str,
    user: &UserRecord,
    purpose: LinkPurpose,
) -> OutgoingMail {
    let link = reset_link(accounts, secret, user);
    let display_name = format!("{} {}", user.first_name, user.last_name)
        .trim()
        .to_string();
    let data = ResetMailData {
        to: &user.email,
        username: &user.username,
        display_name: if display_name.is_empty() {
            &user.username
        } else {
            &display_name
        },
        link: &link,
        valid_hours: (accounts.reset_timeout_secs / 3600).max(1),
        site: &accounts.site_name,
    };
    match purpose {
        LinkPurpose::Reset if !crate::auth::hashers::is_password_usable(&user.password) => {
            first_password(&data)
        }
        LinkPurpose::Reset => password_reset(&data),
        LinkPurpose::Invitation => invitation(&data),
    }
}

/// The user a reset link points at, if its token is valid now.
pub fn user_for_token(
    store: &mut dyn SessionStore,
    accounts: &AccountSettings,
    secret: &str,
    uidb64: &str,
    token: &str,
) -> anyhow::Result<Option<UserRecord>> {
    let Some(pk) = uidb64_decode(uidb64) else {
        return Ok(None);
    };
    let Some(user) = store.find_user_by_id(pk)? else {
        return Ok(None);
    };
    let now = accounts.token_timestamp(chrono::Utc::now());
    // Like Django: the current key first, then each of SECRET_KEY_FALLBACKS.
    let fallbacks = accounts.secret_key_fallbacks.0.iter().map(String::as_str);
    let valid = user.is_active
        && std::iter::once(secret).chain(fallbacks).any(|key| {
            check_token(
                &token_user(&user),
                token,
                key,
                now,
                accounts.reset_timeout_secs,
            )
        });
    Ok(valid.then_some(user))
}

/// Active users whose address matches, the way Django's PasswordResetForm matches it
/// (`email__iexact` and NFKC + case-folded equality). Like Django's stock form, users with an
/// unusable password are left out, except those Roster created without one (an import or an
/// invitation): setting a first password is what they need. Others (SSO-only accounts, social
/// sign-ups) must not gain a password that bypasses the project's SSO or MFA.
pub fn reset_recipients(
    store: &mut dyn SessionStore,
    email: &str,
) -> anyhow::Result<Vec<UserRecord>> {
    let wanted = fold(email.trim());
    let mut recipients = Vec::new();
    for user in store.active_users_by_email(email.trim())? {
        if fold(&user.email) != wanted {
            continue;
        }
        if crate::auth::hashers::is_password_usable(&user.password)
            || store.created_without_password_by_roster(user.id)?
        {
            recipients.push(user);
        }
    }
    Ok(recipients)
}

fn fold(value: &str) -> String {
    value.nfkc().collect::<String>().to_lowercase()
}

/// Sends one link mail on the calling (blocking) thread.
pub fn send_link(
    mail: &MailSettings,
    accounts: &AccountSettings,
    secret: &str,
    user: &UserRecord,
    purpose: LinkPurpose,
) -> Result<(), crate::mail::SendError> {
    crate::mail::send(mail, &link_mail(accounts, secret, user, purpose))
}

/// Sends the pending (or, with `retry_failed`, the failed) invitations of an import and records
/// each outcome. Returns (sent, failed).
pub fn send_invitations(
    db: &dyn crate::db::invitation_store::InvitationOutbox,
    mail: &MailSettings,
    accounts: &AccountSettings,
    import_id: i64,
    retry_failed: bool,
) -> anyhow::Result<(usize, usize)> {
    let mut store = db.invitation_store()?;
    send_invitations_with(&mut *store, mail, accounts, import_id, retry_failed)
}

/// [`send_invitations`] on any backend's [`InvitationStore`].
pub fn send_invitations_with<S: InvitationStore + ?Sized>(
    store: &mut S,
    mail: &MailSettings,
    accounts: &AccountSettings,
    import_id: i64,
    retry_failed: bool,
) -> anyhow::Result<(usize, usize)> {
    let secret = accounts.load_secret_key()?;
    let (mut sent, mut failed) = (0, 0);
    let users = store.invited_users(import_id)?;
    for invite in store.invitations(import_id)? {
        let due = invite.status == InvitationStatus::Pending
            || (retry_failed && invite.status == InvitationStatus::Failed);
        if !due {
            continue;
        }
        let outcome = match users.get(&invite.user_id) {
            Some(user)
                if user.is_active && !crate::auth::hashers::is_password_usable(&user.password) =>
            {
                send_link(mail, accounts, &secret, user, LinkPurpose::Invitation)
                    .map_err(|e| e.to_string())
            }
            Some(_) => Err("the user already has a password or is inactive".to_string()),
            None => Err("the user no longer exists".to_string()),
        };
        match &outcome {
            Ok(()) => sent += 1,
            Err(_) => failed += 1,
        }
        store.mark(
            invite.id,
            outcome
                .as_ref()
                .map(|_| ())
                .map_err(|reason| reason.as_str()),
        )?;
    }
    tracing::info!(import_id, sent, failed, "invitations sent");
    Ok((sent, failed))
}
