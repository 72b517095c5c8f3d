//! The import flow over HTTP: upload (multipart), preview, commit, result, error report, sample.

use actix_multipart::Multipart;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};
use futures_util::TryStreamExt;
use serde::Deserialize;

use super::{UploadLimit, html, see_other};
use crate::import::apply::{MailCheckRecord, passwordless_policy};
use crate::import::report::error_report_csv;
use crate::import::{ImportContext, ImportSource};
use crate::web::AppState;
use crate::web::csrf::CsrfToken;
use crate::web::error::WebError;
use crate::web::jobs::ProgressView;
use crate::web::session::Admin;
use crate::web::staging::{Staged, StagedImport};
use crate::web::views::{self, layout::Chrome};

pub async fn upload_form(
    admin: Admin,
    csrf: CsrfToken,
    state: web::Data<AppState>,
) -> HttpResponse {
    let chrome = Chrome {
        admin: Some(&admin.0.username),
        csrf: &csrf.0,
    };
    html(views::import::upload(
        chrome,
        state.config.import.max_rows,
        None,
    ))
}

pub async fn sample_csv(_admin: Admin) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"roster-sample.csv\"",
        ))
        .body(crate::SAMPLE_CSV)
}

/// The fields of the upload form, read from the multipart stream with a size cap.
struct Upload {
    csrf_token: String,
    file_name: String,
    bytes: Vec<u8>,
}

async fn read_upload(mut payload: Multipart, limit: usize) -> Result<Upload, WebError> {
    let mut upload = Upload {
        csrf_token: String::new(),
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
    admin: Admin,
    csrf: CsrfToken,
    state: web::Data<AppState>,
    limit: web::Data<UploadLimit>,
    payload: Multipart,
) -> Result<HttpResponse, WebError> {
    let upload = read_upload(payload, limit.0).await?;
    csrf.verify(&upload.csrf_token)?;
    let max_rows = state.config.import.max_rows;
    let state2 = state.clone();
    let content = web::block(move || -> rusqlite::Result<_> {
        match crate::import::parse(&upload.bytes, max_rows) {
            Err(rejection) => Ok(Err(rejection)),
            Ok(parsed) => {
                let conn = state2.db.connect()?;
                let (plan, mail_check) =
                    crate::import::apply::preview_with_mail_check(&conn, &parsed, || {
                        crate::mail::check(&state2.config.mail)
                    })?;
                Ok(Ok(StagedImport {
                    parsed,
                    plan,
                    mail_check,
                }))
            }
        }
    })
    .await??;
    let file_name = display_name(&upload.file_name);
    let id = state.staging.put(Staged {
        owner_id: admin.0.id,
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

pub async fn preview(
    admin: Admin,
    csrf: CsrfToken,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    let Some(staged) = state.staging.get(&path, admin.0.id) else {
        return Err(expired());
    };
    let chrome = Chrome {
        admin: Some(&admin.0.username),
        csrf: &csrf.0,
    };
    let content = staged.content.as_ref().map(|s| views::import::PreviewData {
        plan: &s.plan,
        mail_check: s.mail_check.as_ref(),
    });
    let mut response = html(views::import::preview(
        chrome,
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
    #[serde(default)]
    csrf_token: String,
    /// "import anyway, I will set their passwords myself"
    allow_without_mail: Option<String>,
    /// "email a set-password link to each imported user without a password"
    invite: Option<String>,
}

pub async fn commit(
    admin: Admin,
    csrf: CsrfToken,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<CommitForm>,
) -> Result<HttpResponse, WebError> {
    csrf.verify(&form.csrf_token)?;
    let Some(staged) = state.staging.take(&path, admin.0.id) else {
        return Err(expired());
    };
    let Ok(import) = &staged.content else {
        return Err(WebError::bad_request(
            StatusCode::UNPROCESSABLE_ENTITY,
            "This file was rejected; upload a corrected file.",
        ));
    };
    let check = import.mail_check.as_ref();
    let mail_failed = check.is_some_and(|c| !c.ok());
    let allow_anyway = mail_failed && form.allow_without_mail.is_some();
    let mut context = ImportContext::new(
        Some(admin.0.id),
        admin.0.username.clone(),
        ImportSource::Web,
        staged.file_name.clone(),
    );
    context.passwordless = passwordless_policy(check, allow_anyway);
    context.mail_check = check.map(MailCheckRecord::of);
    context.allowed_without_mail = allow_anyway;
    context.invite = form.invite.is_some() && !mail_failed;
    let settings = state.config.import;
    let (started_tx, started_rx) = std::sync::mpsc::channel::<rusqlite::Result<i64>>();
    let job_state = state.clone();
    std::thread::Builder::new()
        .name("roster-import".to_string())
        .spawn(move || run_import_job(job_state, staged, context, settings, started_tx))
        .map_err(|e| WebError::Unexpected(e.into()))?;
    let id = web::block(move || started_rx.recv()).await?.map_err(|_| {
        WebError::Unexpected(anyhow::anyhow!("the import job ended before it started"))
    })??;
    Ok(see_other(&format!("/imports/{id}")))
}

/// Runs a confirmed import on its own thread: records it, reports its id, then writes its batches,
/// publishing progress, and finally sends invitations. Request threads are never held up.
fn run_import_job(
    state: web::Data<AppState>,
    staged: std::sync::Arc<Staged>,
    context: ImportContext,
    settings: crate::import::ImportSettings,
    started: std::sync::mpsc::Sender<rusqlite::Result<i64>>,
) {
    let Ok(import) = &staged.content else {
        return;
    };
    let invite = context.invite;
    let begun = state.db.connect().and_then(|mut conn| {
        let job = crate::import::job::ImportJob::begin(
            &mut conn,
            context,
            settings,
            import.parsed.rows.len(),
        )?;
        Ok((conn, job))
    });
    let (mut conn, job) = match begun {
        Ok(begun) => begun,
        Err(err) => {
            let _ = started.send(Err(err));
            return;
        }
    };
    let id = job.import_id();
    state.jobs.update(crate::import::job::Progress {
        import_id: id,
        done: 0,
        total: job.total(),
    });
    let _ = started.send(Ok(id));
    let rows = import.parsed.rows.iter().cloned();
    let outcome = job.run(&mut conn, rows, |progress| state.jobs.update(progress));
    state.jobs.finish(id);
    match outcome {
        Ok(report) => {
            tracing::info!(
                import_id = id,
                created = report.created,
                failed = report.failed,
                "import finished"
            );
            if invite
                && report.passwordless > 0
                && let Err(err) = crate::auth::reset::send_invitations(
                    &state.db,
                    &state.config.mail,
                    &state.config.accounts,
                    id,
                    false,
                )
            {
                tracing::error!(import_id = id, error = ?err, "sending invitations failed");
            }
        }
        Err(err) => {
            tracing::error!(import_id = id, error = %err, "import failed; finished batches are kept");
            if let Err(err) = crate::db::imports::mark_interrupted(&conn, id) {
                tracing::error!(import_id = id, error = %err, "could not mark the import interrupted");
            }
        }
    }
}

/// Sends invitations after the import has committed, never holding up or undoing it.
pub(crate) fn spawn_invitations(state: web::Data<AppState>, import_id: i64, retry_failed: bool) {
    actix_web::rt::spawn(async move {
        let outcome = web::block(move || {
            crate::auth::reset::send_invitations(
                &state.db,
                &state.config.mail,
                &state.config.accounts,
                import_id,
                retry_failed,
            )
        })
        .await;
        match outcome {
            Ok(Ok(_)) => {}
            Ok(Err(err)) => tracing::error!(import_id, error = ?err, "sending invitations failed"),
            Err(err) => tracing::error!(import_id, error = %err, "invitation task failed"),
        }
    });
}

pub async fn resend_invitations(
    _admin: Admin,
    csrf: CsrfToken,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<ResendForm>,
) -> Result<HttpResponse, WebError> {
    csrf.verify(&form.csrf_token)?;
    let id = path.into_inner();
    let state2 = state.clone();
    web::block(move || {
        crate::auth::reset::send_invitations(
            &state2.db,
            &state2.config.mail,
            &state2.config.accounts,
            id,
            true,
        )
    })
    .await?
    .map_err(WebError::Unexpected)?;
    Ok(see_other(&format!("/imports/{id}")))
}

#[derive(Deserialize)]
pub struct ResendForm {
    #[serde(default)]
    csrf_token: String,
}

pub async fn result(
    admin: Admin,
    csrf: CsrfToken,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse, WebError> {
    let id = path.into_inner();
    let jobs = state.clone();
    let jobs = &jobs.jobs;
    let found = web::block(move || -> rusqlite::Result<_> {
        let conn = state.db.connect()?;
        let Some(found) = crate::db::imports::report(&conn, id)? else {
            return Ok(None);
        };
        let invitations = crate::db::invitations::for_import(&conn, id)?;
        Ok(Some((
            found,
            invitations,
            crate::db::imports::all_rows(&conn, id)?,
        )))
    })
    .await??;
    let Some(((record, report), invitations, rows)) = found else {
        return Err(WebError::NotFound);
    };
    if record.status == "running" {
        let view = progress_of(jobs, &record);
        let chrome = Chrome {
            admin: Some(&admin.0.username),
            csrf: &csrf.0,
        };
        let mut response = html(views::import::running(chrome, &record, &view));
        response.headers_mut().insert(
            actix_web::http::header::HeaderName::from_static("refresh"),
            actix_web::http::header::HeaderValue::from_static("1"),
        );
        return Ok(response);
    }
    let chrome = Chrome {
        admin: Some(&admin.0.username),
        csrf: &csrf.0,
    };
    Ok(html(views::import::result(
        chrome,
        &record,
        &report,
        &invitations,
        &rows,
    )))
}

/// Live progress from this process, or the last state the database recorded.
fn progress_of(
    jobs: &crate::web::jobs::Jobs,
    record: &crate::db::imports::ImportRecord,
) -> ProgressView {
    jobs.view(record.id).unwrap_or_else(|| ProgressView {
        status: record.status.clone(),
        done: record.rows_done as usize,
        total: record.rows_total as usize,
        rate: 0.0,
        seconds_left: None,
    })
}

/// `{"status", "done", "total", "rate", "seconds_left"}` for scripts and the progress page.
pub async fn progress(
    _admin: Admin,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse, WebError> {
    let id = path.into_inner();
    let state2 = state.clone();
    let record = web::block(move || crate::db::imports::find(&state2.db.connect()?, id))
        .await??
        .ok_or(WebError::NotFound)?;
    Ok(HttpResponse::Ok().json(progress_of(&state.jobs, &record)))
}

pub async fn error_report(
    _admin: Admin,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse, WebError> {
    let id = path.into_inner();
    let found = web::block(move || crate::db::imports::report(&state.db.connect()?, id)).await??;
    let Some((_, report)) = found else {
        return Err(WebError::NotFound);
    };
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"roster-import-{id}-errors.csv\""),
        ))
        .body(error_report_csv(&report.failures)))
}
