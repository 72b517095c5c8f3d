//! The audit log page and its CSV export (formulas neutralised so spreadsheets run nothing).

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::html;
use crate::db::audit::AuditFilter;
use crate::import::formula::neutralise_formula;
use crate::web::admin_context::AdminContext;
use crate::web::error::WebError;
use crate::web::query_string::urlencode;
use crate::web::views::{self, audit::AuditView};

const PAGE_SIZE: i64 = 100;
/// Most rows one export holds.
const EXPORT_LIMIT: i64 = 100_000;

#[derive(Debug, Deserialize)]
pub struct AuditQuery {
    page: Option<i64>,
    action: Option<String>,
    actor: Option<String>,
    text: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

impl AuditQuery {
    fn filter(&self) -> AuditFilter {
        let date = |v: &Option<String>| {
            v.clone()
                .filter(|d| d.len() == 10 && d.chars().all(|c| c.is_ascii_digit() || c == '-'))
                .unwrap_or_default()
        };
        let text = |v: &Option<String>| v.clone().unwrap_or_default().chars().take(200).collect();
        AuditFilter {
            action: text(&self.action),
            actor: text(&self.actor),
            text: text(&self.text),
            from: date(&self.from),
            to: date(&self.to),
        }
    }
}

fn query_string(f: &AuditFilter) -> String {
    format!(
        "action={}&actor={}&text={}&from={}&to={}",
        urlencode(&f.action),
        urlencode(&f.actor),
        urlencode(&f.text),
        urlencode(&f.from),
        urlencode(&f.to)
    )
}

pub async fn page(
    ctx: AdminContext,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, WebError> {
    let page = query.page.unwrap_or(1).clamp(1, 1_000_000);
    let filter = query.filter();
    let filter2 = filter.clone();
    let time_zone = ctx.state().config.accounts.time_zone;
    let ((rows, total), actions) = ctx
        .store(move |store| {
            Ok((
                store.audit_search(&filter2, (page - 1) * PAGE_SIZE, PAGE_SIZE)?,
                store.audit_actions()?,
            ))
        })
        .await?;
    let pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    let query = query_string(&filter);
    let view = AuditView {
        rows: &rows,
        total,
        page,
        pages,
        filter: &filter,
        actions: &actions,
        query: &query,
        time_zone,
    };
    Ok(html(views::audit::page_view(ctx.chrome(), &view)))
}

pub async fn export(
    ctx: AdminContext,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, WebError> {
    let filter = query.filter();
    let (rows, _) = ctx
        .store(move |store| store.audit_search(&filter, 0, EXPORT_LIMIT))
        .await?;
    let mut writer = csv::WriterBuilder::new()
        .delimiter(b';')
        .terminator(csv::Terminator::CRLF)
        .from_writer(b"\xEF\xBB\xBF".to_vec());
    let mut write = |record: [&str; 7]| {
        let cells: Vec<String> = record.iter().map(|c| neutralise_formula(c)).collect();
        writer
            .write_record(&cells)
            .map_err(|e| WebError::Unexpected(e.into()))
    };
    write([
        "id", "at_utc", "actor", "action", "target", "detail", "client",
    ])?;
    for row in &rows {
        write([
            &row.id.to_string(),
            &row.at,
            &row.actor,
            &row.action,
            &row.target,
            &row.detail,
            &row.client,
        ])?;
    }
    let body = writer
        .into_inner()
        .map_err(|e| WebError::Unexpected(anyhow::anyhow!("csv: {e}")))?;
    Ok(super::download(
        "text/csv; charset=utf-8",
        "roster-audit.csv",
        body,
    ))
}
