//! After the Import button: the background job, its progress, the result page, the error report and
//! invitations.

use actix_web::HttpResponse;

use super::{XLSX_MEDIA_TYPE, download, html, see_other};
use crate::domain::status::ImportStatus;
use crate::import::report::error_report_csv;
use crate::web::admin_context::AdminContext;
use crate::web::csrf::{TokenOnly, VerifiedForm};
use crate::web::error::WebError;
use crate::web::jobs::ProgressView;
use crate::web::path_param::PathParam;
use crate::web::views;

pub async fn resend_invitations(
    ctx: AdminContext,
    PathParam(id): PathParam<i64>,
    _verified: VerifiedForm<TokenOnly>,
) -> Result<HttpResponse, WebError> {
    ctx.blocking(move |state, _| {
        let current = state.current_mail()?;
        crate::auth::reset::send_invitations(
            state.backend.outbox(),
            &current.mail,
            &current.accounts,
            id,
            true,
        )
        .map_err(WebError::Unexpected)
    })
    .await?;
    Ok(see_other(&format!("/imports/{id}")))
}

pub async fn result(
    ctx: AdminContext,
    PathParam(id): PathParam<i64>,
) -> Result<HttpResponse, WebError> {
    let jobs = &ctx.state().jobs;
    let found = ctx
        .store(move |store| {
            let Some(record) = store.find_import(id)? else {
                return Ok(ImportPage::Missing);
            };
            if record.status == ImportStatus::Running {
                // The page only shows progress while the import runs: no rows are read for it.
                return Ok(ImportPage::Running(record));
            }
            let Some((record, report)) = store.import_report(id)? else {
                return Ok(ImportPage::Missing);
            };
            let invitations = store.import_invitations(id)?;
            let rows = store.import_rows(id)?;
            Ok(ImportPage::Finished {
                record,
                report,
                invitations,
                rows,
            })
        })
        .await?;
    let (record, report, invitations, rows) = match found {
        ImportPage::Missing => return Err(WebError::NotFound),
        ImportPage::Running(record) => {
            let view = progress_of(jobs, &record);
            let mut response = html(views::import::running(ctx.chrome(), &record, &view));
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
    Ok(html(views::import::result(
        ctx.chrome(),
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
    jobs.view(record.id).unwrap_or(ProgressView {
        status: record.status,
        done: record.rows_done as usize,
        total: record.rows_total as usize,
        rate: 0.0,
        seconds_left: None,
    })
}

/// `{"status", "done", "total", "rate", "seconds_left"}` for scripts and the progress page.
pub async fn progress(
    ctx: AdminContext,
    PathParam(id): PathParam<i64>,
) -> Result<HttpResponse, WebError> {
    let record = ctx
        .store(move |store| store.find_import(id))
        .await?
        .ok_or(WebError::NotFound)?;
    Ok(HttpResponse::Ok().json(progress_of(&ctx.state().jobs, &record)))
}

/// The failed rows as the semicolon CSV Roster imports again.
pub async fn error_report(
    ctx: AdminContext,
    PathParam(id): PathParam<i64>,
) -> Result<HttpResponse, WebError> {
    let failures = stored_failures(&ctx, id).await?;
    Ok(download(
        "text/csv; charset=utf-8",
        &format!("roster-import-{id}-errors.csv"),
        error_report_csv(&failures),
    ))
}

/// The failed rows as an `.xlsx` whose columns are typed as Text, so fixing it in Excel keeps `00777`.
pub async fn error_report_xlsx(
    ctx: AdminContext,
    PathParam(id): PathParam<i64>,
) -> Result<HttpResponse, WebError> {
    let failures = stored_failures(&ctx, id).await?;
    let bytes = crate::import::workbook::error_report_xlsx(&failures)
        .map_err(|e| WebError::Unexpected(anyhow::anyhow!("writing the error report: {e}")))?;
    Ok(download(
        XLSX_MEDIA_TYPE,
        &format!("roster-import-{id}-errors.xlsx"),
        bytes,
    ))
}

/// The failed rows of a stored import, or 404.
async fn stored_failures(
    ctx: &AdminContext,
    id: i64,
) -> Result<Vec<crate::import::ReportRow>, WebError> {
    let found = ctx.store(move |store| store.import_report(id)).await?;
    found
        .map(|(_, report)| report.failures)
        .ok_or(WebError::NotFound)
}
