//! Links clicked on another site (webmail, chat): one same-site bounce, so the Strict cookies arrive.
//!
//! The session, CSRF and reset-token cookies stay `SameSite=Strict`, so no other site can ride on
//! them. A browser leaves them off a navigation that started on another site, and off every
//! redirect of that navigation: a reset link clicked in webmail then found no token after its
//! redirect, and an admin following a link from mail looked logged out. Such a navigation gets a
//! tiny page that reloads the same address; the reload starts on Roster, so it is same-site and
//! carries the cookies. The page repeats nothing of the address (it may hold a token) and
//! changes nothing; every form keeps its CSRF check.

use actix_web::HttpResponse;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::cookie::{Cookie, SameSite, time::Duration};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use maud::{DOCTYPE, html};

/// Marks a browser that was just bounced, so a browser that still sends no cookies is not
/// bounced in a loop. Lax, so that it comes back on the reload; it holds no secret.
const BOUNCED: &str = "roster_bounced";

/// Whether this request is a page navigation that started on another site.
fn is_cross_site_navigation(req: &ServiceRequest) -> bool {
    if !matches!(*req.method(), Method::GET | Method::HEAD) {
        return false;
    }
    let path = req.path();
    if path.starts_with("/api/") || path.starts_with("/static/") {
        return false;
    }
    let header_value = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_ascii_lowercase)
    };
    match header_value("sec-fetch-site") {
        Some(site) => {
            site == "cross-site" && header_value("sec-fetch-mode").as_deref() != Some("cors")
        }
        // Browsers send no Sec-Fetch-* headers to plain-http hosts other than localhost: there a
        // page request without the (Strict) CSRF cookie may have come from another site.
        None => {
            let wants_page = header_value("accept").is_some_and(|a| a.contains("text/html"));
            wants_page && req.cookie(super::csrf::COOKIE).is_none()
        }
    }
}

fn bounced_cookie(max_age: Duration) -> Cookie<'static> {
    Cookie::build(BOUNCED, "1")
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .max_age(max_age)
        .finish()
}

/// The page that reloads the address it was served for, from Roster itself.
fn bounce_page() -> HttpResponse {
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta http-equiv="refresh" content="0";
                title { "Opening…" }
                link rel="stylesheet" href="/static/app.css";
            }
            body {
                main {
                    div.card.narrow {
                        h1 { "Opening…" }
                        // An empty href is this very address.
                        p { a href="" { "Continue" } }
                    }
                }
            }
        }
    };
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .cookie(bounced_cookie(Duration::seconds(30)))
        .body(markup.into_string())
}

/// Answers a cross-site page navigation with the bounce page (once); passes everything else on.
pub async fn bounce_cross_site(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let bounced_before = req.cookie(BOUNCED).is_some();
    let cross_site = is_cross_site_navigation(&req);
    if cross_site && !bounced_before {
        return Ok(req.into_response(bounce_page()).map_into_right_body());
    }
    let mut res = next.call(req).await?;
    if bounced_before && !cross_site {
        let mut gone = bounced_cookie(Duration::ZERO);
        gone.make_removal();
        res.response_mut().add_cookie(&gone)?;
    }
    Ok(res.map_into_left_body())
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn only_page_navigations_from_another_site_are_bounced() {
        let from_mail = TestRequest::get()
            .uri("/reset/MQ/abc-123/")
            .insert_header(("Sec-Fetch-Site", "cross-site"))
            .insert_header(("Sec-Fetch-Mode", "navigate"))
            .to_srv_request();
        assert!(is_cross_site_navigation(&from_mail));
        let typed = TestRequest::get()
            .uri("/users")
            .insert_header(("Sec-Fetch-Site", "none"))
            .to_srv_request();
        assert!(!is_cross_site_navigation(&typed));
        let posted = TestRequest::post()
            .uri("/login")
            .insert_header(("Sec-Fetch-Site", "cross-site"))
            .to_srv_request();
        assert!(!is_cross_site_navigation(&posted));
        let api = TestRequest::get()
            .uri("/api/users")
            .insert_header(("Sec-Fetch-Site", "cross-site"))
            .to_srv_request();
        assert!(!is_cross_site_navigation(&api));
    }
}
