//! Success notices carried through a POST-redirect-GET, signed so only Roster can write one.
//!
//! A notice travels in the query string (`?done=TEXT&sig=MAC`); a page shows it only when the MAC,
//! keyed by the secret key and the page's name, matches. A crafted link (`/ous?done=…`) shows
//! nothing, so no one can put their own words in a green success box on an admin page.

use hmac::{Hmac, Mac as _};
use serde::Deserialize;
use sha2::Sha256;

use super::query_string::urlencode;

/// The `done` and `sig` query parameters of a page that shows signed notices.
#[derive(Debug, Deserialize)]
pub struct SignedNotice {
    done: Option<String>,
    sig: Option<String>,
}

impl SignedNotice {
    /// The notice when Roster wrote it for `page`; otherwise none.
    pub fn verified(&self, secret_key: &str, page: &str) -> Option<String> {
        verified(secret_key, page, self.done.as_deref(), self.sig.as_deref())
    }
}

/// The query string (`done=…&sig=…`) that carries `text` to `page`.
pub fn query(secret_key: &str, page: &str, text: &str) -> String {
    let sig = hex(&mac(secret_key, page, text).finalize().into_bytes());
    format!("done={}&sig={sig}", urlencode(text))
}

/// The notice `done` when `sig` proves Roster wrote it for `page`; otherwise none.
pub fn verified(
    secret_key: &str,
    page: &str,
    done: Option<&str>,
    sig: Option<&str>,
) -> Option<String> {
    let (text, sig) = (done?, unhex(sig?)?);
    mac(secret_key, page, text)
        .verify_slice(&sig)
        .ok()
        .map(|()| text.to_string())
}

fn mac(secret_key: &str, page: &str, text: &str) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret_key.as_bytes())
        .expect("HMAC takes a key of any length");
    for part in ["roster.notice", page, text] {
        mac.update(&(part.len() as u64).to_be_bytes());
        mac.update(part.as_bytes());
    }
    mac
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if text.len() != 64 || !text.is_ascii() {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_notice_roster_signed_for_that_page_is_shown() {
        let q = query("key", "ous", "Unit Sales created.");
        let sig = q.split("sig=").nth(1).unwrap();
        assert_eq!(
            verified("key", "ous", Some("Unit Sales created."), Some(sig)).as_deref(),
            Some("Unit Sales created.")
        );
        assert_eq!(verified("key", "ous", Some("Phish here"), Some(sig)), None);
        assert_eq!(
            verified("key", "tokens", Some("Unit Sales created."), Some(sig)),
            None
        );
        assert_eq!(
            verified("other", "ous", Some("Unit Sales created."), Some(sig)),
            None
        );
        assert_eq!(
            verified("key", "ous", Some("Unit Sales created."), None),
            None
        );
        assert_eq!(verified("key", "ous", Some("x"), Some("zz")), None);
    }
}
