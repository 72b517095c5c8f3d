//! The import API: `POST /api/users/import` with a bearer token, answering JSON (one user:
//! `POST /api/users`, in `api_users.rs`).
//!
//! The API is a thin caller of the same engine and mail gating as `roster import`; it never looks at
//! cookies, so it needs no CSRF token, and a session cookie does not authorize it.

use std::fmt;

use actix_multipart::Multipart;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use futures_util::TryStreamExt;
use serde::Deserialize;

use super::UploadLimit;
use super::import::display_name;
use crate::config::CurrentMail;
use crate::db::api_tokens::Authenticated;
use crate::db::import_store::ImportStore;
use crate::import::report::rejected_json;
use crate::import::service::{Choices, StreamedOutcome, import_streamed};
use crate::import::{ImportContext, ImportSource};
use crate::web::AppState;
use crate::web::backend::ImportWork;
use crate::web::blocking::{store, with_state};
use crate::web::error::WebError;

/// Media types of spreadsheet bodies, read like a CSV body.
const SPREADSHEET_XLSX: &str = super::XLSX_MEDIA_TYPE;
const SPREADSHEET_ODS: &str = "application/vnd.oasis.opendocument.spreadsheet";
const SPREADSHEET_XLS: &str = "application/vnd.ms-excel";

/// The file name recorded for a `text/csv` body, which has none.
const DEFAULT_FILE_NAME: &str = "api-upload.csv";

/// The API route and the token pages.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/users/import", web::post().to(import))
        .route("/api/users", web::post().to(super::api_users::add))
        .route("/tokens", web::get().to(super::tokens::tokens))
        .route("/tokens", web::post().to(super::tokens::create_token))
        .route(
            "/tokens/revoke",
            web::post().to(super::tokens::revoke_token),
        );
}

/// An API failure: a status and `{"error": "..."}`.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    message: String,
}

impl ApiError {
    pub(super) fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }

    /// Logged here, once, with its cause; the client gets a generic message.
    fn unexpected(err: impl fmt::Debug) -> Self {
        tracing::error!(error = ?err, "unexpected API error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Roster hit an unexpected error. The details are in the server log.",
        )
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        if self.status == StatusCode::UNAUTHORIZED {
            response.insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"roster\""));
        }
        response.json(serde_json::json!({ "error": self.message }))
    }
}

impl From<rusqlite::Error> for ApiError {
    fn from(err: rusqlite::Error) -> Self {
        Self::unexpected(err)
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(err: actix_web::error::BlockingError) -> Self {
        Self::unexpected(err)
    }
}

impl From<WebError> for ApiError {
    fn from(err: WebError) -> Self {
        match err {
            WebError::BadRequest { status, message } => Self::new(status, message),
            other => Self::unexpected(other),
        }
    }
}

/// The token of an `Authorization: Bearer <token>` header.
fn bearer(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then(|| token.to_string())
}

/// The name of the token the request carries, or 401 (missing, unknown) / 403 (revoked).
pub(super) async fn authenticate(
    state: &web::Data<AppState>,
    req: &HttpRequest,
) -> Result<String, ApiError> {
    let Some(token) = bearer(req) else {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "Send an API token in the header \"Authorization: Bearer <token>\". Admins create \
             tokens on the API tokens page or with `roster token create NAME`.",
        ));
    };
    let found = store(state, move |store| {
        store.directory().authenticate_token(&token)
    })
    .await?;
    match found {
        Authenticated::Valid { name, .. } => Ok(name),
        Authenticated::Revoked => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "This API token was revoked. Ask an admin for a new one.",
        )),
        Authenticated::Unknown => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "This API token is not valid. Check that it was copied completely.",
        )),
    }
}

/// `?dry_run=`, `?allow_without_mail=`, `?invite=`, `?allow_weak_passwords=`, each `true` or
/// `false` (also 1/0).
#[derive(Debug, Default, Deserialize)]
struct ImportQuery {
    dry_run: Option<String>,
    allow_without_mail: Option<String>,
    invite: Option<String>,
    allow_weak_passwords: Option<String>,
}

fn flag(name: &str, value: Option<&str>) -> Result<bool, ApiError> {
    match value {
        None => Ok(false),
        Some(v) if v.eq_ignore_ascii_case("true") || v == "1" => Ok(true),
        Some(v) if v.eq_ignore_ascii_case("false") || v == "0" => Ok(false),
        Some(_) => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("The query parameter {name} takes true or false."),
        )),
    }
}

fn too_large(limit: usize) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!(
            "The file is larger than {limit} bytes, the most Roster accepts. Split it into smaller files."
        ),
    )
}

fn unreadable(err: impl fmt::Display) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        format!("The request body could not be read ({err})."),
    )
}

/// The request's media type, lower-cased, without parameters (`text/csv; charset=utf-8` → `text/csv`).
pub(super) fn media_type(req: &HttpRequest) -> String {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// The whole body, refused with `too_large` as soon as it passes `limit` bytes.
pub(super) async fn read_body(
    payload: &mut web::Payload,
    limit: usize,
    too_large: impl Fn() -> ApiError,
) -> Result<Vec<u8>, ApiError> {
    let mut bytes = Vec::new();
    while let Some(chunk) = payload.try_next().await.map_err(unreadable)? {
        if bytes.len() + chunk.len() > limit {
            return Err(too_large());
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

/// The uploaded file's name and bytes: a multipart field `file`, or a whole `text/csv` body.
async fn read_csv(
    req: &HttpRequest,
    mut payload: web::Payload,
    limit: usize,
) -> Result<(String, Vec<u8>), ApiError> {
    let content_type = media_type(req);
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    match content_type.as_str() {
        "text/csv" | SPREADSHEET_XLSX | SPREADSHEET_ODS | SPREADSHEET_XLS => {
            if declared.is_some_and(|n| n > limit) {
                return Err(too_large(limit));
            }
            let bytes = read_body(&mut payload, limit, || too_large(limit)).await?;
            Ok((DEFAULT_FILE_NAME.to_string(), bytes))
        }
        "multipart/form-data" => read_multipart_file(req, payload, limit).await,
        _ => Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Send the file as multipart/form-data (field \"file\") or as the body with \
             Content-Type: text/csv (or the XLSX, ODS or XLS media type for a spreadsheet).",
        )),
    }
}

async fn read_multipart_file(
    req: &HttpRequest,
    payload: web::Payload,
    limit: usize,
) -> Result<(String, Vec<u8>), ApiError> {
    let mut multipart = Multipart::new(req.headers(), payload);
    let mut file: Option<(String, Vec<u8>)> = None;
    while let Some(mut field) = multipart.try_next().await.map_err(unreadable)? {
        let disposition = field.content_disposition();
        let is_file = disposition.and_then(|cd| cd.get_name()) == Some("file");
        let raw_name = disposition
            .and_then(|cd| cd.get_filename())
            .unwrap_or_default()
            .to_string();
        if is_file && file.is_some() {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "Send one file per request (more than one field named \"file\").",
            ));
        }
        let cap = if is_file { limit } else { 1024 };
        let mut bytes = Vec::new();
        while let Some(chunk) = field.try_next().await.map_err(unreadable)? {
            if bytes.len() + chunk.len() > cap {
                return Err(too_large(limit));
            }
            bytes.extend_from_slice(&chunk);
        }
        if is_file {
            let name = if raw_name.trim().is_empty() {
                DEFAULT_FILE_NAME.to_string()
            } else {
                display_name(&raw_name)
            };
            file = Some((name, bytes));
        }
    }
    file.ok_or_else(|| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "The form has no field named \"file\". Send the CSV in a field named \"file\".",
        )
    })
}

/// An API upload for the import service, on the server's backend.
struct StreamedImport<'a> {
    state: &'a AppState,
    current: &'a CurrentMail,
    bytes: Vec<u8>,
    context: ImportContext,
    choices: Choices,
    dry_run: bool,
}

impl ImportWork for StreamedImport<'_> {
    type Output = StreamedOutcome;

    fn run<St: ImportStore>(self, store: &mut St) -> Result<StreamedOutcome, St::Error> {
        let Self { state, current, .. } = self;
        import_streamed(
            store,
            self.bytes,
            self.context,
            self.choices,
            self.dry_run,
            &state.config.import,
            || state.api_mail_check(&current.mail),
            |_| {},
            Some(state.mailer(current)),
        )
    }
}

/// `POST /api/users/import`: the JSON of `roster import --json`; 200 when the file was processed
/// (even with failed rows), 400 when it was rejected.
pub async fn import(
    req: HttpRequest,
    state: web::Data<AppState>,
    limit: web::Data<UploadLimit>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let token_name = authenticate(&state, &req).await?;
    let query = web::Query::<ImportQuery>::from_query(req.query_string()).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("The query string could not be read ({e})."),
        )
    })?;
    let dry_run = flag("dry_run", query.dry_run.as_deref())?;
    let allow_without_mail = flag("allow_without_mail", query.allow_without_mail.as_deref())?;
    let invite = flag("invite", query.invite.as_deref())?;
    let allow_weak_passwords = flag(
        "allow_weak_passwords",
        query.allow_weak_passwords.as_deref(),
    )?;
    let (file_name, bytes) = read_csv(&req, payload, limit.0).await?;
    let actor = format!("api:{token_name}");
    let outcome = with_state(&state, move |state2| -> Result<_, WebError> {
        let current = state2.current_mail()?;
        let work = StreamedImport {
            state: state2,
            current: &current,
            bytes,
            context: ImportContext::new(None, actor, ImportSource::Api, file_name),
            choices: Choices {
                allow_without_mail,
                invite,
                allow_weak_passwords,
            },
            dry_run,
        };
        Ok(state2.backend.run_import(work)?)
    })
    .await?;
    match outcome {
        StreamedOutcome::Rejected(rejection) => {
            tracing::info!(token = %token_name, code = rejection.code, "API import rejected");
            Ok(HttpResponse::BadRequest().json(rejected_json(&rejection)))
        }
        StreamedOutcome::Processed {
            report, notices, ..
        } => {
            tracing::info!(
                token = %token_name,
                dry_run,
                created = report.created,
                failed = report.failed,
                "API import processed"
            );
            let mut json = report.to_json();
            json.notices = notices;
            Ok(HttpResponse::Ok().json(json))
        }
    }
}
