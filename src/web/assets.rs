//! Static files compiled into the binary: no CDN, nothing read from disk at run time.

use actix_web::{HttpResponse, http::header};

const APP_CSS: &str = include_str!("assets/app.css");
const IMPORT_JS: &str = include_str!("assets/import.js");
const MAIL_CHECK_JS: &str = include_str!("assets/mail-check.js");

/// The stylesheet.
pub async fn app_css() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(APP_CSS)
}

/// Drag and drop for the import page.
pub async fn import_js() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(IMPORT_JS)
}

/// Shows a mail check's result when it finishes after the page was made.
pub async fn mail_check_js() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(MAIL_CHECK_JS)
}
