//! The mail status panel: settings (never the password), the live check, and a test mail.

use maud::{Markup, html};

use super::layout::{Chrome, csrf_field, page};
use crate::mail::{CheckOutcome, MailSettings, TlsMode};

/// What the panel shows.
pub struct MailPanel<'a> {
    pub settings: &'a MailSettings,
    pub base_url: &'a str,
    pub check: &'a CheckOutcome,
    /// Result of the last test mail: (sent, message).
    pub test_result: Option<(bool, &'a str)>,
}

/// A one-line summary of the check, used on the panel and in the import preview.
pub fn check_notice(check: &CheckOutcome) -> Markup {
    html! {
        @if check.ok() {
            p.notice.good #mail-check role="status" { "Mail server check passed: " (check.message) }
        } @else {
            p.notice.bad #mail-check role="alert" { "Mail server check failed: " (check.message) }
        }
    }
}

/// The panel page.
pub fn panel(chrome: Chrome<'_>, panel: &MailPanel<'_>) -> Markup {
    let s = panel.settings;
    page(
        "Mail",
        chrome,
        html! {
            h1 { "Mail server" }
            p { "People imported without a password set one through Forgot Password, which needs working mail." }
            (check_notice(panel.check))
            div.card {
                h2 { "Settings" }
                table {
                    tbody {
                        tr { th { "Server" } td { (s.host.as_deref().unwrap_or("not configured")) ":" (s.port) } }
                        tr { th { "Encryption" } td { (match s.tls { TlsMode::None => "none", TlsMode::StartTls => "STARTTLS (ROSTER_EMAIL_USE_TLS)", TlsMode::Implicit => "implicit TLS (ROSTER_EMAIL_USE_SSL)" }) } }
                        tr { th { "Login" } td { (s.username.as_deref().unwrap_or("none")) @if s.password.is_some() { " (password set)" } } }
                        tr { th { "From" } td { (s.from) } }
                        tr { th { "Links point to" } td { (panel.base_url) } }
                    }
                }
                p.muted { "Change these with the ROSTER_EMAIL_* settings and restart Roster." }
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
