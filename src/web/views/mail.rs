//! The Mail page: the settings in force (editable unless a flag or variable set them; never the
//! password), Check and Save, the check's result (polled while it runs), and a test mail.

use maud::{Markup, html};

use super::layout::{Chrome, csrf_field, page};
use crate::config::{MailField, MailLocks};
use crate::mail::{CheckOutcome, Diagnosis, TlsMode};

/// The values the form shows: the settings in force, or what the admin just typed.
pub struct SettingsValues {
    pub host: String,
    pub port: String,
    pub tls: TlsMode,
    pub login: String,
    pub from: String,
    pub base_url: String,
    /// Whether a password is in force (it is never shown).
    pub has_password: bool,
}

/// What the page shows.
pub struct MailPanel<'a> {
    pub values: &'a SettingsValues,
    pub locks: &'a MailLocks,
    pub check: &'a CheckOutcome,
    /// The running check's ticket, for the page's script to poll.
    pub check_ticket: Option<u64>,
    /// A success notice (settings saved).
    pub done: Option<&'a str>,
    /// Why the settings were not saved, or that they were only checked.
    pub outcome: Option<(bool, &'a str)>,
    pub problems: &'a [(MailField, String)],
    /// Result of the last test mail: (sent, message).
    pub test_result: Option<(bool, &'a str)>,
}

/// A one-line summary of the check, used on the panel and in the import preview. A check still
/// running is shown as such; the page's script then reloads the page to show the result.
pub fn check_notice(check: &CheckOutcome) -> Markup {
    polled_check_notice(check, None)
}

/// Like [`check_notice`]; with a ticket the script fetches the result instead of reloading.
fn polled_check_notice(check: &CheckOutcome, ticket: Option<u64>) -> Markup {
    html! {
        @if check.diagnosis == Diagnosis::StillRunning {
            p.notice #mail-check role="status" data-check-pending="1" data-check-ticket=[ticket] {
                "Mail server check still running: " (check.message)
            }
            script src="/static/mail-check.js" defer {}
        } @else if check.ok() {
            p.notice.good #mail-check role="status" { "Mail server check passed: " (check.message) }
        } @else {
            p.notice.bad #mail-check role="alert" { "Mail server check failed: " (check.message) }
        }
    }
}

fn tls_label(tls: TlsMode) -> &'static str {
    match tls {
        TlsMode::None => "None (plain SMTP, trusted networks only)",
        TlsMode::StartTls => "STARTTLS (usually port 587)",
        TlsMode::Implicit => "TLS from the first byte (usually port 465)",
    }
}

fn tls_code(tls: TlsMode) -> &'static str {
    match tls {
        TlsMode::None => "none",
        TlsMode::StartTls => "starttls",
        TlsMode::Implicit => "tls",
    }
}

impl MailPanel<'_> {
    fn problems_of(&self, field: MailField) -> Markup {
        html! {
            @for (_, message) in self.problems.iter().filter(|(f, _)| *f == field) {
                div.field-error id={ (field.name()) "-error" } role="alert" { p { (message) } }
            }
        }
    }

    /// A labelled text input, or the value read-only with the variable that set it.
    fn text_field(&self, field: MailField, label: &str, kind: &str, value: &str) -> Markup {
        let name = field.name();
        let invalid = self.problems.iter().any(|(f, _)| *f == field);
        html! {
            label for=(name) { (label) }
            @if let Some(variable) = self.locks.locked_by(field) {
                input id=(name) type=(kind) value=(value) disabled aria-describedby={ (name) "-lock" };
                p.muted.locked id={ (name) "-lock" } { "set by " code { (variable) } }
            } @else {
                input id=(name) type=(kind) name=(name) value=(value)
                    aria-invalid=[invalid.then_some("true")]
                    aria-describedby=[invalid.then(|| format!("{name}-error"))];
                (self.problems_of(field))
            }
        }
    }

    fn encryption_field(&self) -> Markup {
        let current = self.values.tls;
        html! {
            label for="encryption" { "Encryption" }
            @if let Some(variable) = self.locks.locked_by(MailField::Encryption) {
                input #encryption type="text" value=(tls_label(current)) disabled aria-describedby="encryption-lock";
                p.muted.locked #encryption-lock { "set by " code { (variable) } }
            } @else {
                select #encryption name="encryption" {
                    @for tls in [TlsMode::StartTls, TlsMode::Implicit, TlsMode::None] {
                        option value=(tls_code(tls)) selected[tls == current] { (tls_label(tls)) }
                    }
                }
            }
        }
    }

    fn password_field(&self) -> Markup {
        let stored = if self.values.has_password {
            "A password is stored."
        } else {
            "No password is stored."
        };
        html! {
            label for="password" { "Password" }
            @if let Some(variable) = self.locks.locked_by(MailField::Password) {
                p.muted.locked #password-lock { "set by " code { (variable) } " (never shown)" }
            } @else {
                input #password type="password" name="password" value="" autocomplete="new-password"
                    aria-describedby="password-help";
                p.muted #password-help { (stored) " Leave empty to keep the stored password; it is never shown." }
                label.inline for="clear_password" {
                    input #clear_password type="checkbox" name="clear_password" value="1";
                    " Clear the stored password (log in without one)"
                }
            }
        }
    }
}

/// The panel page.
pub fn panel(chrome: Chrome<'_>, panel: &MailPanel<'_>) -> Markup {
    let v = panel.values;
    page(
        "Mail",
        chrome,
        html! {
            h1 { "Mail server" }
            p { "People imported without a password set one through Forgot Password, which needs working mail." }
            @if let Some(done) = panel.done { p.notice.good #mail-saved role="status" { (done) } }
            @if let Some((good, message)) = panel.outcome {
                @if good { p.notice #mail-outcome role="status" { (message) } }
                @else { p.notice.bad #mail-outcome role="alert" { (message) } }
            }
            (polled_check_notice(panel.check, panel.check_ticket))
            div.card {
                h2 { "Settings" }
                form #mail-settings method="post" action="/mail/settings" {
                    (csrf_field(chrome.csrf))
                    (panel.text_field(MailField::Host, "Server (host name)", "text", &v.host))
                    (panel.text_field(MailField::Port, "Port", "text", &v.port))
                    (panel.encryption_field())
                    (panel.text_field(MailField::Login, "Login (empty: no login)", "text", &v.login))
                    (panel.password_field())
                    (panel.text_field(MailField::From, "From address", "email", &v.from))
                    (panel.text_field(MailField::BaseUrl, "Site link (links in mails point here)", "url", &v.base_url))
                    label.inline for="save_anyway" {
                        input #save_anyway type="checkbox" name="save_anyway" value="1";
                        " Save anyway, even if the check does not pass"
                    }
                    div.actions {
                        button #check-button type="submit" name="action" value="check" { "Check" }
                        button #save-button type="submit" name="action" value="save" { "Save" }
                    }
                }
                p.muted { "Check talks to the server with these values and saves nothing. Save checks them first and stores them only when the check passes (or \"save anyway\" is ticked); they apply at once, without a restart." }
                p.muted { "Saved settings are kept in Roster's database, the password as typed (the mail server needs it in clear; the database file is readable by its owner only). A setting given as a command-line flag or ROSTER_EMAIL_* environment variable wins over the saved one and shows here as \"set by\": change it where Roster is started (its systemd unit's Environment= lines, the container's environment, or the shell that runs roster serve), then restart." }
            }
            div.card {
                h2 { "Send a test e-mail" }
                @if let Some((sent, message)) = panel.test_result {
                    @if sent { p.notice.good role="status" { (message) } } @else { p.notice.bad role="alert" { (message) } }
                }
                form method="post" action="/mail/test" {
                    (csrf_field(chrome.csrf))
                    label for="address" { "Address" }
                    input #address type="email" name="address" required;
                    div.actions { button type="submit" { "Send test email" } }
                }
            }
        },
    )
}
