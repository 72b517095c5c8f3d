//! After the Import button: the background job, its progress, the result page, the error report and
//! invitations.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::{html, see_other};
use crate::import::ImportContext;
use crate::import::report::error_report_csv;
use crate::web::AppState;
use crate::web::csrf::CsrfToken;
use crate::web::error::WebError;
use crate::web::jobs::ProgressView;
use crate::web::session::Admin;
use crate::web::staging::Staged;
use crate::web::views::{self, layout::Chrome};

/// Runs a confirmed import on its own thread: records it, reports its id, then writes its batches,
/// publishing progress, and finally sends invitations. Request threads are never held up.
pub(super) fn run_import_job(
    state: web::Data<AppState>,
    staged: std::sync::Arc<Staged>,
    context: ImportContext,
    settings: crate::import::ImportSettings,
    started: std::sync::mpsc::Sender<rusqlite::Result<i64>>,
) {
    // The staged upload was taken out of the store, so this is its only owner: take the rows and
    // drop the preview, so passwords leave memory batch by batch as they are written.
    let content = match std::sync::Arc::try_unwrap(staged) {
        Ok(staged) => staged.content,
        Err(shared) => match &shared.content {
            Ok(import) => Ok(crate::web::staging::StagedImport {
                parsed: import.parsed.clone(),
                plan: crate::import::Plan::default(),
                mail_check: None,
            }),
            Err(rejection) => Err(rejection.clone()),
        },
    };
    let Ok(import) = content else {
        return;
    };
    let crate::web::staging::StagedImport { parsed, plan, .. } = import;
    drop(plan);
    let invite = context.invite;
    let begun = state.db.connect().and_then(|mut conn| {
        let job =
            crate::import::job::ImportJob::begin(&mut conn, context, settings, parsed.rows.len())?;
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
    let rows = parsed.rows.into_iter();
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
