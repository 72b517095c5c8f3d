//! `roster check-mail` and `roster sendtestemail`, under the mail settings in force on any backend.

use std::process::ExitCode;

use anyhow::bail;

use super::exit_codes::EXIT_FAILURE;
use super::stdout::say;
use crate::config::CurrentMail;
use crate::domain::fields::is_valid_email;

/// Refuses an address that is not one, before anything is read or sent.
pub(super) fn checked_address(address: &str) -> anyhow::Result<&str> {
    if !is_valid_email(address.trim()) {
        bail!("\"{address}\" is not a valid e-mail address");
    }
    Ok(address.trim())
}

/// Talks to the mail server and says how it went; exit code 1 when the check failed.
pub(super) fn check_mail(current: &CurrentMail) -> anyhow::Result<ExitCode> {
    let outcome = crate::mail::check(&current.mail);
    say!("{}: {}", outcome.server, outcome.message)?;
    Ok(if outcome.ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_FAILURE)
    })
}

/// Sends the test mail to `address` (checked by [`checked_address`]).
pub(super) fn send_test_email(current: &CurrentMail, address: &str) -> anyhow::Result<ExitCode> {
    let server = format!(
        "{}:{}",
        current.mail.host.as_deref().unwrap_or("?"),
        current.mail.port
    );
    crate::mail::send(
        &current.mail,
        &crate::mail::messages::test_message(address, &server),
    )
    .map_err(|e| anyhow::anyhow!("The test e-mail was not sent: {e}"))?;
    say!("Test e-mail sent to {address}.")?;
    Ok(ExitCode::SUCCESS)
}
