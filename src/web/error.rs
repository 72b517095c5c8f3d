//! Errors of web handlers: the user's fault (a page with a safe message) or unexpected (500, logged
//! once in the request's span, the page quoting the request id).

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};

use super::query_string::urlencode;
use super::views;

/// What can go wrong in a handler.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    /// Not logged in: go to the login page.
    #[error("login required")]
    LoginRequired { next: String },
    /// A logged-in person without admin rights on an admin page: shown with their navigation.
    #[error("not an admin")]
    NotAdmin { username: String, csrf: String },
    /// Missing or wrong CSRF token.
    #[error("CSRF check failed")]
    Csrf,
    /// No such page or object.
    #[error("not found")]
    NotFound,
    /// The request is wrong in a way the user can fix; the message is safe to show.
    #[error("{message}")]
    BadRequest { status: StatusCode, message: String },
    /// Anything else: logged with its cause chain, shown as a generic page.
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl WebError {
    /// A 400-class error with a message for the user.
    pub fn bad_request(status: StatusCode, message: impl Into<String>) -> Self {
        Self::BadRequest {
            status,
            message: message.into(),
        }
    }
}

impl From<rusqlite::Error> for WebError {
    fn from(err: rusqlite::Error) -> Self {
        Self::Unexpected(err.into())
    }
}

impl From<actix_web::error::BlockingError> for WebError {
    fn from(err: actix_web::error::BlockingError) -> Self {
        Self::Unexpected(anyhow::anyhow!("blocking task failed: {err}"))
    }
}

impl ResponseError for WebError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::LoginRequired { .. } => StatusCode::SEE_OTHER,
            Self::NotAdmin { .. } | Self::Csrf => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::BadRequest { status, .. } => *status,
            Self::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let (title, message) = match self {
            Self::LoginRequired { next } => {
                let location = format!("/login?next={}", urlencode(next));
                return HttpResponse::SeeOther()
                    .insert_header((header::LOCATION, location))
                    .finish();
            }
            Self::NotAdmin { username, csrf } => {
                return HttpResponse::build(self.status_code())
                    .content_type("text/html; charset=utf-8")
                    .body(views::auth::not_allowed(username, csrf).into_string());
            }
            Self::Csrf => (
                "Form expired",
                "The form was missing its security token or it did not match. Go back, reload \
                 the page and submit again."
                    .to_string(),
            ),
            Self::NotFound => ("Not found", "There is nothing at this address.".to_string()),
            Self::BadRequest { message, .. } => ("Cannot do that", message.clone()),
            Self::Unexpected(err) => {
                // Inside the request's span: the line carries the request id quoted on the page.
                tracing::error!(error = ?err, "unexpected error");
                let reference = super::middleware::current_request_id()
                    .map(|id| format!(" Quote this reference: {id}."))
                    .unwrap_or_default();
                (
                    "Something went wrong",
                    format!(
                        "Roster hit an unexpected error; nothing was half-done. The details are \
                         in the server log.{reference}"
                    ),
                )
            }
        };
        HttpResponse::build(self.status_code())
            .content_type("text/html; charset=utf-8")
            .body(views::layout::error_page(title, &message).into_string())
    }
}

/// Form bodies that are too large or unreadable get the same HTML error page as everything else,
/// not actix's plain-text message.
pub fn form_error(
    err: actix_web::error::UrlencodedError,
    _: &actix_web::HttpRequest,
) -> actix_web::Error {
    let error = match err {
        actix_web::error::UrlencodedError::Overflow { limit, .. } => WebError::bad_request(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "The form is larger than {limit} bytes, the most Roster accepts. Shorten what you typed and try again."
            ),
        ),
        _ => WebError::bad_request(
            StatusCode::BAD_REQUEST,
            "The form could not be read. Reload the page and try again.",
        ),
    };
    error.into()
}

/// Query strings that do not fit the page (e.g. `?page=abc`) get the HTML error page too.
pub fn query_error(
    _: actix_web::error::QueryPayloadError,
    _: &actix_web::HttpRequest,
) -> actix_web::Error {
    WebError::bad_request(
        StatusCode::BAD_REQUEST,
        "The address has a value this page cannot use (for example a page number that is not a \
         number). Go back and use the page's own links.",
    )
    .into()
}
