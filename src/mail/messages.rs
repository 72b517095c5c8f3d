//! The mails Roster sends, each as plain text plus HTML (maud escapes every value).

use maud::{Markup, html};

use super::transport::OutgoingMail;
use crate::domain::html::html_document;

/// What the password-reset and invitation mails say about one account.
pub struct ResetMailData<'a> {
    pub to: &'a str,
    pub username: &'a str,
    pub display_name: &'a str,
    pub link: &'a str,
    pub valid_hours: i64,
    /// The name people know the system by (`ROSTER_SITE_NAME`).
    pub site: &'a str,
}

/// "Reset your <site> password": someone asked for a reset; ignore it if it was not you.
pub fn password_reset(d: &ResetMailData) -> OutgoingMail {
    requested_link(
        d,
        &RequestedLink {
            subject: format!("Reset your {} password", d.site),
            intro: format!(
                "Someone asked to reset the password of your {} account. To choose a new \
                 password, open this link:",
                d.site
            ),
            button: "Choose a new password",
            if_ignored: "your password stays as it is.",
            username_label: "Your username, in case you forgot it",
        },
    )
}

/// "Set your password": an account was created; the link sets its first password.
pub fn invitation(d: &ResetMailData) -> OutgoingMail {
    let name = greeting_name(d);
    let hours = hours(d.valid_hours);
    let text = format!(
        "Hello {name},\n\n\
         An account was created for you in {site}. Your username is: {username}\n\n\
         Set your password at this link:\n\n\
         {link}\n\n\
         The link is valid for {hours}. If it has expired, use \"Forgot password?\" on the \
         login page to get a new one.\n\n\
         -- \n{site}\n",
        link = d.link,
        username = d.username,
        site = d.site,
    );
    let html = layout(
        "Set your password",
        d.site,
        html! {
            p { "Hello " (name) "," }
            p { "An account was created for you in " (d.site) ". Your username is: " strong { (d.username) } }
            p { "Set your password at this link:" }
            (button(d.link, "Set your password"))
            (link_fallback(d.link))
            p { "The link is valid for " (hours) ". If it has expired, use \u{201c}Forgot password?\u{201d} on the login page to get a new one." }
        },
    );
    mail(
        d.to,
        &format!("Set your password for {}", d.site),
        text,
        html,
    )
}

/// "Set your password" on request: Forgot Password or an admin's reset for an account that never
/// had a password, so there is no password that could "stay as it is".
pub fn first_password(d: &ResetMailData) -> OutgoingMail {
    requested_link(
        d,
        &RequestedLink {
            subject: format!("Set your {} password", d.site),
            intro: format!(
                "Someone asked for a link to set the password of your {} account. Your account \
                 has no password yet; choose one at this link:",
                d.site
            ),
            button: "Set your password",
            if_ignored: "nobody can log in to your account until a password is set.",
            username_label: "Your username",
        },
    )
}

/// What differs between the mails that answer a request for a password link.
struct RequestedLink {
    subject: String,
    /// The paragraph before the link.
    intro: String,
    button: &'static str,
    /// What happens when the mail is ignored (after "If you did not ask for this, ignore this mail: ").
    if_ignored: &'static str,
    username_label: &'static str,
}

/// A mail with a link someone asked for: greeting, why it came, the link and how long it is
/// valid, what ignoring it means, and the username.
fn requested_link(d: &ResetMailData, parts: &RequestedLink) -> OutgoingMail {
    let name = greeting_name(d);
    let hours = hours(d.valid_hours);
    let text = format!(
        "Hello {name},\n\n\
         {intro}\n\n\
         {link}\n\n\
         The link is valid for {hours}.\n\n\
         If you did not ask for this, ignore this mail: {if_ignored}\n\n\
         {username_label}: {username}\n\n\
         -- \n{site}\n",
        intro = parts.intro,
        link = d.link,
        if_ignored = parts.if_ignored,
        username_label = parts.username_label,
        username = d.username,
        site = d.site,
    );
    let html = layout(
        &parts.subject,
        d.site,
        html! {
            p { "Hello " (name) "," }
            p { (parts.intro) }
            (button(d.link, parts.button))
            (link_fallback(d.link))
            p { "The link is valid for " (hours) "." }
            p { "If you did not ask for this, ignore this mail: " (parts.if_ignored) }
            p { (parts.username_label) ": " strong { (d.username) } }
        },
    );
    mail(d.to, &parts.subject, text, html)
}

/// Like Django's `sendtestemail`: proves that mail leaves Roster and arrives.
pub fn test_message(to: &str, server: &str) -> OutgoingMail {
    let text = format!(
        "This is a test email from Roster, sent through {server}.\n\n\
         If you can read this, Roster can send mail: password resets and invitations will \
         arrive too.\n\n\
         -- \nRoster\n"
    );
    let html = layout(
        "Test email from Roster",
        "Roster",
        html! {
            p { "This is a test email from Roster, sent through " code { (server) } "." }
            p { "If you can read this, Roster can send mail: password resets and invitations will arrive too." }
        },
    );
    mail(to, "Test email from Roster", text, html)
}

fn mail(to: &str, subject: &str, text: String, html: Markup) -> OutgoingMail {
    OutgoingMail {
        to: to.to_string(),
        subject: subject.to_string(),
        text,
        html: html.into_string(),
    }
}

/// The display name, or the username when there is none.
fn greeting_name<'a>(d: &ResetMailData<'a>) -> &'a str {
    match d.display_name.trim() {
        "" => d.username,
        name => name,
    }
}

fn hours(n: i64) -> String {
    if n == 1 {
        "1 hour".to_string()
    } else {
        format!("{n} hours")
    }
}

fn layout(title: &str, site: &str, body: Markup) -> Markup {
    html_document(
        title,
        html! {},
        html! {
            body style="margin:0;padding:24px;background:#f4f5f7;font-family:system-ui,-apple-system,'Segoe UI',sans-serif;color:#1f2328;line-height:1.5" {
                div style="max-width:560px;margin:0 auto;background:#fff;border-radius:8px;padding:24px 28px" {
                    h1 style="font-size:20px;margin:0 0 16px" { (title) }
                    (body)
                    p style="margin-top:24px;color:#6a737d;font-size:13px" { (site) }
                }
            }
        },
    )
}

fn button(link: &str, label: &str) -> Markup {
    html! {
        p style="margin:24px 0" {
            a href=(link) style="display:inline-block;background:#1f6feb;color:#fff;padding:10px 18px;border-radius:6px;text-decoration:none;font-weight:600" { (label) }
        }
    }
}

/// The bare link for mail clients that hide buttons.
fn link_fallback(link: &str) -> Markup {
    html! {
        p style="font-size:13px;color:#6a737d;word-break:break-all" {
            "If the button does not work, copy this address into your browser: "
            a href=(link) { (link) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data<'a>(display_name: &'a str, link: &'a str) -> ResetMailData<'a> {
        ResetMailData {
            to: "ann@example.com",
            username: "ann<b>",
            display_name,
            link,
            valid_hours: 72,
            site: "Roster",
        }
    }

    #[test]
    fn reset_mail_has_link_hours_and_username_in_both_bodies() {
        let m = password_reset(&data("Ann", "https://roster.example.com/reset/abc/def/"));
        assert_eq!(m.subject, "Reset your Roster password");
        assert_eq!(m.to, "ann@example.com");
        for body in [&m.text, &m.html] {
            assert!(
                body.contains("https://roster.example.com/reset/abc/def/"),
                "{body}"
            );
            assert!(body.contains("72 hours"), "{body}");
            assert!(body.contains("ignore this mail"), "{body}");
        }
        assert!(m.text.contains("Hello Ann,"));
        assert!(m.text.contains("username, in case you forgot it: ann<b>"));
        assert!(m.html.contains("ann&lt;b&gt;"), "{}", m.html);
    }

    #[test]
    fn html_escapes_hostile_values() {
        let link = "https://x.example/r/?a=1&b=\"><script>alert(1)</script>";
        let m = invitation(&data("<script>alert(2)</script>", link));
        assert!(!m.html.contains("<script>"), "{}", m.html);
        assert!(m.html.contains("&lt;script&gt;alert(2)&lt;/script&gt;"));
        assert!(m.html.contains("a=1&amp;b=&quot;&gt;"), "{}", m.html);
        assert!(m.text.contains(link));
    }

    #[test]
    fn invitation_says_set_your_password_and_falls_back_to_username() {
        let mut d = data("   ", "https://roster.example.com/set/x/");
        d.valid_hours = 1;
        let m = invitation(&d);
        assert!(m.subject.starts_with("Set your password"));
        assert!(m.text.contains("Hello ann<b>,"));
        assert!(m.text.contains("valid for 1 hour."));
        assert!(m.html.contains("An account was created for you"));
    }

    #[test]
    fn test_message_names_the_server() {
        let m = test_message("admin@example.com", "smtp.example.com:587 (STARTTLS)");
        assert_eq!(m.subject, "Test email from Roster");
        assert!(m.text.contains("smtp.example.com:587 (STARTTLS)"));
        assert!(m.html.contains("smtp.example.com:587 (STARTTLS)"));
    }
}
