//! Cookies over https: every cookie `Secure`, and Roster's cookies under the `__Host-` prefix
//! (`__Secure-` for one with a narrower path), so no sibling host or plain-http page can plant them.
//!
//! Handlers keep using the plain names (`roster_session`, …): requests have the prefix stripped
//! before any handler reads a cookie, and responses get it added on the way out. Under https a plain
//! `roster_*` cookie in a request can only have been planted, and is dropped.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{COOKIE, HeaderValue, SET_COOKIE};
use actix_web::middleware::Next;

/// What Roster's own cookie names start with.
const OURS: &str = "roster_";
const HOST_PREFIX: &str = "__Host-";
const SECURE_PREFIX: &str = "__Secure-";

/// Marks every cookie `Secure` and prefixes Roster's when Roster is served over https
/// (`ROSTER_BASE_URL` starts with https); strips the prefixes from the cookies a request brings.
pub async fn secure_cookies(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let secure = req
        .app_data::<actix_web::web::Data<super::AppState>>()
        .is_some_and(|state| state.config.accounts.base_url.starts_with("https://"));
    if secure {
        let incoming: Vec<String> = req
            .headers()
            .get_all(COOKIE)
            .filter_map(|v| v.to_str().ok())
            .map(str::to_string)
            .collect();
        let headers = req.headers_mut();
        headers.remove(COOKIE);
        for header in incoming {
            if let Ok(value) = HeaderValue::from_str(&unprefixed_request_cookies(&header)) {
                headers.append(COOKIE, value);
            }
        }
    }
    let mut res = next.call(req).await?;
    if secure {
        let headers = res.headers_mut();
        let cookies: Vec<String> = headers
            .get_all(SET_COOKIE)
            .filter_map(|v| v.to_str().ok())
            .map(prefixed_set_cookie)
            .collect();
        headers.remove(SET_COOKIE);
        for cookie in cookies {
            if let Ok(value) = HeaderValue::from_str(&cookie) {
                headers.append(SET_COOKIE, value);
            }
        }
    }
    Ok(res)
}

/// A `Cookie` request header with `__Host-roster_x`/`__Secure-roster_x` renamed to `roster_x` and
/// plain `roster_x` pairs (planted: over https Roster never sets them) dropped.
fn unprefixed_request_cookies(header: &str) -> String {
    header
        .split(';')
        .map(str::trim)
        .filter(|pair| !pair.is_empty())
        .filter_map(|pair| {
            let name = pair.split('=').next().unwrap_or_default();
            if name.starts_with(OURS) {
                return None;
            }
            let stripped = pair
                .strip_prefix(HOST_PREFIX)
                .or_else(|| pair.strip_prefix(SECURE_PREFIX))
                .filter(|rest| rest.starts_with(OURS));
            Some(stripped.unwrap_or(pair))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// A `Set-Cookie` value made `Secure`, with Roster's cookie names prefixed: `__Host-` when the
/// cookie is for the whole site (`Path=/`, no `Domain`), `__Secure-` otherwise.
fn prefixed_set_cookie(value: &str) -> String {
    let secure = if value.split(';').any(|a| a.trim() == "Secure") {
        value.to_string()
    } else {
        format!("{value}; Secure")
    };
    if !secure.starts_with(OURS) {
        return secure;
    }
    let attributes: Vec<&str> = secure.split(';').skip(1).map(str::trim).collect();
    let whole_site = attributes.contains(&"Path=/")
        && !attributes
            .iter()
            .any(|a| a.to_ascii_lowercase().starts_with("domain="));
    let prefix = if whole_site {
        HOST_PREFIX
    } else {
        SECURE_PREFIX
    };
    format!("{prefix}{secure}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_cookies_lose_their_prefix_and_planted_plain_ones_are_dropped() {
        assert_eq!(
            unprefixed_request_cookies(
                "roster_csrf=planted; __Host-roster_session=abc; other=1; __Secure-roster_reset=t; __Host-x=2"
            ),
            "roster_session=abc; other=1; roster_reset=t; __Host-x=2"
        );
    }

    #[test]
    fn set_cookies_get_secure_and_the_prefix_their_path_allows() {
        assert_eq!(
            prefixed_set_cookie("roster_session=k; HttpOnly; SameSite=Strict; Path=/; Max-Age=60"),
            "__Host-roster_session=k; HttpOnly; SameSite=Strict; Path=/; Max-Age=60; Secure"
        );
        assert_eq!(
            prefixed_set_cookie("roster_reset=t; HttpOnly; Path=/reset/"),
            "__Secure-roster_reset=t; HttpOnly; Path=/reset/; Secure"
        );
        assert_eq!(
            prefixed_set_cookie("other=1; Path=/"),
            "other=1; Path=/; Secure"
        );
    }
}
