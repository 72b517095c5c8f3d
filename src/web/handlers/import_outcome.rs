//! After the Import button: the background job, its progress, the result page, the error report and
//! invitations.

use actix_web::http::header;
use actix_web::{HttpResponse, web};

use super::{html, see_other};
use crate::import::report::error_report_csv;
use crate::web::AppState;
use crate::web::csrf::{CsrfToken, TokenOnly, VerifiedForm};
use crate::web::error::WebError;
use crate::web::jobs::ProgressView;
use crate::web::session::Admin;
use crate::web::views::{self, layout::Chrome};

pub async fn resend_invitations(
    _admin: Admin,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    _verified: VerifiedForm<TokenOnly>,
) -> Result<HttpResponse, WebError> {
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
        let Some(record) = crate::db::imports::find(&conn, id)? else {
            return Ok(ImportPage::Missing);
        };
        if record.status == "running" {
            // The page only shows progress while the import runs: no rows are read for it.
            return Ok(ImportPage::Running(record));
        }
        let Some((record, report)) = crate::db::imports::report(&conn, id)? else {
            return Ok(ImportPage::Missing);
        };
        let invitations = crate::db::invitations::for_import(&conn, id)?;
        let rows = crate::db::imports::all_rows(&conn, id)?;
        Ok(ImportPage::Finished {
            record,
            report,
            invitations,
            rows,
        })
    })
    .await??;
    let (record, report, invitations, rows) = match found {
        ImportPage::Missing => return Err(WebError::NotFound),
        ImportPage::Running(record) => {
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
        ImportPage::Finished {
            record,
            report,
            invitations,
            rows,
        } => (record, report, invitations, rows),
    };
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

/// What the import page shows: progress while it runs (read without its rows), or the outcome.
enum ImportPage {
    Missing,
    Running(crate::db::imports::ImportRecord),
    Finished {
        record: crate::db::imports::ImportRecord,
        report: crate::import::ImportReport,
        invitations: Vec<crate::db::invitations::Invitation>,
        rows: Vec<crate::db::imports::StoredRow>,
    },
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
