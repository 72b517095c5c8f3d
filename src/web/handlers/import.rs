//! The import flow over HTTP: upload (multipart), preview, commit, result, error report, sample.

use actix_multipart::Multipart;
use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpMessage, HttpRequest, HttpResponse, web};
use futures_util::TryStreamExt;
use futures_util::future::LocalBoxFuture;
use serde::Deserialize;

use super::{UploadLimit, XLSX_MEDIA_TYPE, download, html, see_other};
use crate::import::service::{Choices, FileSource, MailGate, Prepared, prepare_against};
use crate::import::{ImportContext, ImportSource, ParsedFile};
use crate::web::admin_context::AdminContext;
use crate::web::csrf::{CsrfToken, VerifiedForm};
use crate::web::error::WebError;
use crate::web::staging::{Staged, StagedImport};
use crate::web::views;

pub async fn upload_form(ctx: AdminContext) -> HttpResponse {
    html(views::import::upload(
        ctx.chrome(),
        ctx.state().config.import.max_rows,
        None,
    ))
}

pub async fn sample_csv(_ctx: AdminContext) -> HttpResponse {
    download(
        "text/csv; charset=utf-8",
        "roster-sample.csv",
        crate::SAMPLE_CSV,
    )
}

/// The sample as an `.xlsx` template whose columns are typed as Text, so Excel keeps `00123`.
pub async fn template_xlsx(_ctx: AdminContext) -> Result<HttpResponse, WebError> {
    let bytes = crate::import::workbook::template_xlsx()
        .map_err(|e| WebError::Unexpected(anyhow::anyhow!("writing the template: {e}")))?;
    Ok(download(XLSX_MEDIA_TYPE, "roster-template.xlsx", bytes))
}

/// The fields of the upload form, read from the multipart stream with a size cap.
struct Upload {
    csrf_token: String,
    /// "Allow weak passwords (one-time passwords I hand out myself)"
    allow_weak_passwords: bool,
    file_name: String,
    bytes: Vec<u8>,
}

/// An upload whose CSRF token was checked before the handler runs: the multipart form's
/// counterpart of `VerifiedForm` (the file is capped at the server's upload limit).
pub struct VerifiedUpload(Upload);

impl FromRequest for VerifiedUpload {
    type Error = WebError;
    type Future = LocalBoxFuture<'static, Result<Self, WebError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let token = req.extensions().get::<CsrfToken>().cloned();
        let limit = req
            .app_data::<web::Data<UploadLimit>>()
            .map(|limit| limit.0)
            .unwrap_or(0);
        let multipart = Multipart::new(req.headers(), payload.take());
        Box::pin(async move {
            let upload = read_upload(multipart, limit).await?;
            token.ok_or(WebError::Csrf)?.verify(&upload.csrf_token)?;
            Ok(Self(upload))
        })
    }
}

async fn read_upload(mut payload: Multipart, limit: usize) -> Result<Upload, WebError> {
    let mut upload = Upload {
        csrf_token: String::new(),
        allow_weak_passwords: false,
        file_name: String::new(),
        bytes: Vec::new(),
    };
    let mut saw_file = false;
    while let Some(mut field) = payload.try_next().await.map_err(bad_multipart)? {
        let name = field
            .content_disposition()
            .and_then(|cd| cd.get_name())
            .unwrap_or_default()
            .to_string();
        let file_name = field
            .content_disposition()
            .and_then(|cd| cd.get_filename())
            .map(str::to_string);
        let cap = if name == "file" { limit } else { 1024 };
        let mut bytes = Vec::new();
        while let Some(chunk) = field.try_next().await.map_err(bad_multipart)? {
            if bytes.len() + chunk.len() > cap {
                return Err(WebError::bad_request(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!(
                        "The file is larger than {} bytes, the most Roster accepts. Split it into smaller files.",
                        limit
                    ),
                ));
            }
            bytes.extend_from_slice(&chunk);
        }
        match name.as_str() {
            "csrf_token" => upload.csrf_token = String::from_utf8_lossy(&bytes).into_owned(),
            "allow_weak_passwords" => upload.allow_weak_passwords = !bytes.is_empty(),
            "file" => {
                saw_file = true;
                upload.file_name = file_name.unwrap_or_default();
                upload.bytes = bytes;
            }
            _ => {}
        }
    }
    if !saw_file || (upload.file_name.is_empty() && upload.bytes.is_empty()) {
        return Err(WebError::bad_request(
            StatusCode::BAD_REQUEST,
            "No file was chosen. Pick a CSV file and press Upload file.",
        ));
    }
    Ok(upload)
}

fn bad_multipart(err: actix_multipart::MultipartError) -> WebError {
    WebError::bad_request(
        StatusCode::BAD_REQUEST,
        format!("The upload could not be read ({err}). Try again."),
    )
}

/// Parses and previews the upload, keeps it in memory, and redirects to the preview page.
pub async fn upload(
    ctx: AdminContext,
    VerifiedUpload(upload): VerifiedUpload,
) -> Result<HttpResponse, WebError> {
    let max_rows = ctx.state().config.import.max_rows;
    let upload_name = upload.file_name;
    let choices = Choices {
        allow_weak_passwords: upload.allow_weak_passwords,
        ..Choices::default()
    };
    let content = ctx
        .blocking(move |state, _| {
            let current = state.current_mail()?;
            let check_mail = || state.page_mail_check(&current.mail);
            // Read first: a file refused as a whole needs no look at the database.
            let prepared = match ParsedFile::read(upload.bytes, max_rows) {
                Ok(source) => {
                    prepare_against(state.backend.directory()?, source, choices, check_mail)
                }
                Err(rejection) => Prepared::Rejected(rejection),
            };
            Ok(match prepared {
                Prepared::Rejected(rejection) => Err(rejection),
                Prepared::Ready {
                    source,
                    planned,
                    gate,
                } => Ok(StagedImport {
                    parsed: source,
                    plan: planned,
                    mail_check: gate.check,
                    allow_weak_passwords: gate.allow_weak_passwords,
                }),
            })
        })
        .await?;
    let file_name = display_name(&upload_name);
    let id = ctx.state().staging.put(Staged {
        owner_id: ctx.admin().id,
        file_name,
        created: std::time::Instant::now(),
        content,
    });
    Ok(see_other(&format!("/users/import/preview/{id}")))
}

pub(crate) fn display_name(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or_default().trim();
    let name: String = base.chars().filter(|c| !c.is_control()).take(200).collect();
    if name.is_empty() {
        "upload.csv".to_string()
    } else {
        name
    }
}

pub async fn preview(ctx: AdminContext, path: web::Path<String>) -> Result<HttpResponse, WebError> {
    let Some(staged) = ctx.state().staging.get(&path, ctx.admin().id) else {
        return Err(expired());
    };
    let pending = staged
        .content
        .as_ref()
        .ok()
        .and_then(|s| s.mail_check.clone());
    let mail_check = ctx
        .blocking(move |state, _| Ok(state.settle_mail_check(pending)))
        .await?;
    let content = staged.content.as_ref().map(|s| views::import::PreviewData {
        plan: &s.plan,
        mail_check: mail_check.as_ref(),
        allow_weak_passwords: s.allow_weak_passwords,
        notices: &s.parsed.notices,
    });
    let mut response = html(views::import::preview(
        ctx.chrome(),
        &path,
        &staged.file_name,
        content,
    ));
    if staged.content.is_err() {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

fn expired() -> WebError {
    WebError::bad_request(
        StatusCode::NOT_FOUND,
        "This preview is no longer available (it was imported already, expired after an hour, or the server restarted). Upload the file again.",
    )
}

#[derive(Deserialize)]
pub struct CommitForm {
    /// "import anyway, I will set their passwords myself"
    allow_without_mail: Option<String>,
    /// "email a set-password link to each imported user without a password"
    invite: Option<String>,
}

pub async fn commit(
    ctx: AdminContext,
    path: web::Path<String>,
    form: VerifiedForm<CommitForm>,
) -> Result<HttpResponse, WebError> {
    let admin = ctx.admin();
    let Some(staged) = ctx.state().staging.take(&path, admin.id) else {
        return Err(expired());
    };
    let Ok(import) = &staged.content else {
        return Err(WebError::bad_request(
            StatusCode::UNPROCESSABLE_ENTITY,
            "This file was rejected; upload a corrected file.",
        ));
    };
    let choices = Choices {
        allow_without_mail: form.allow_without_mail.is_some(),
        invite: form.invite.is_some(),
        allow_weak_passwords: import.allow_weak_passwords,
    };

    let pending = import.mail_check.clone();
    let mail_check = ctx
        .blocking(move |state, _| Ok(state.settle_mail_check(pending)))
        .await?;
    let gate = MailGate::decide(mail_check, choices);
    let context = ImportContext::new(
        Some(admin.id),
        admin.username.clone(),
        ImportSource::Web,
        staged.file_name.clone(),
    );
    let id = crate::web::import_runner::start(ctx.state().clone(), staged, context, gate).await?;
    Ok(see_other(&format!("/imports/{id}")))
}
