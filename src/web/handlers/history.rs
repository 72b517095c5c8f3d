//! Import history: the list, and undoing an import after a confirmation that names the count.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::{html, see_other};
use crate::db::audit::AuditAction;
use crate::db::undo::UndoResult;
use crate::db::user_references::{UserReference, describe};
use crate::web::admin_context::AdminContext;
use crate::web::csrf::VerifiedForm;
use crate::web::error::WebError;
use crate::web::path_param::PathParam;
use crate::web::views;

const PAGE_SIZE: i64 = 50;

#[derive(Debug, Deserialize)]
pub struct PageQuery {
    page: Option<i64>,
}

pub async fn list(
    ctx: AdminContext,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, WebError> {
    let page = query.page.unwrap_or(1).clamp(1, 1_000_000);
    let time_zone = ctx.state().config.accounts.time_zone;
    let (imports, total) = ctx
        .store(move |store| store.list_imports((page - 1) * PAGE_SIZE, PAGE_SIZE))
        .await?;
    let pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    Ok(html(views::history::list(
        ctx.chrome(),
        &imports,
        page,
        pages,
        time_zone,
    )))
}

pub async fn undo_confirm(
    ctx: AdminContext,
    PathParam(id): PathParam<i64>,
) -> Result<HttpResponse, WebError> {
    let found = ctx
        .store(move |store| {
            let Some(record) = store.find_import(id)? else {
                return Ok(None);
            };
            Ok(Some((record, store.undo_plan(id)?)))
        })
        .await?;
    let Some((record, plan)) = found else {
        return Err(WebError::NotFound);
    };
    Ok(html(views::history::undo_confirm(
        ctx.chrome(),
        &record,
        &plan,
    )))
}

#[derive(Deserialize)]
pub struct UndoForm {
    /// The count the admin confirmed; if it changed meanwhile, ask again.
    expected: Option<usize>,
}

/// Undoes an import and records it, in one write transaction: the count check, the removal and
/// the audit entry see the same database.
pub async fn undo(
    ctx: AdminContext,
    PathParam(id): PathParam<i64>,
    form: VerifiedForm<UndoForm>,
) -> Result<HttpResponse, WebError> {
    let expected = form.expected;
    let outcome = ctx
        .store_change(move |store, actor| {
            if store.find_import(id)?.is_none() {
                return Ok(UndoOutcome::NoSuchImport);
            }
            let now = store.undo_plan(id)?.remove.len();
            if expected != Some(now) {
                return Ok(UndoOutcome::CountChanged(now));
            }
            let (removed, kept) = match store.undo_import(id, &actor.name)? {
                UndoResult::Undone { removed, kept } => (removed, kept),
                UndoResult::AlreadyUndone => return Ok(UndoOutcome::AlreadyUndone),
                UndoResult::Blocked(references) => {
                    let detail = format!("nothing removed; {}", describe(&references));
                    actor.record_in(
                        store,
                        AuditAction::ImportUndoBlocked,
                        &format!("import:{id}"),
                        &detail,
                    )?;
                    return Ok(UndoOutcome::Blocked(references));
                }
            };
            let detail = format!(
                "removed {} user(s): {}; kept {} (logged in, admins or changed since)",
                removed.len(),
                removed.join(", "),
                kept.len()
            );
            actor.record_in(
                store,
                AuditAction::ImportUndone,
                &format!("import:{id}"),
                &detail,
            )?;
            Ok(UndoOutcome::Undone)
        })
        .await?;
    match outcome {
        UndoOutcome::Undone => Ok(see_other(&format!("/imports/{id}"))),
        UndoOutcome::NoSuchImport => Err(WebError::NotFound),
        UndoOutcome::AlreadyUndone => Err(WebError::bad_request(
            StatusCode::CONFLICT,
            "This import was undone already. Nothing more was removed.",
        )),
        UndoOutcome::CountChanged(now) => Err(WebError::bad_request(
            StatusCode::CONFLICT,
            format!(
                "The number of users to remove changed to {now} since you confirmed. Nothing was removed; open the undo page again."
            ),
        )),
        UndoOutcome::Blocked(references) => Err(WebError::bad_request(
            StatusCode::CONFLICT,
            format!(
                "Nothing was removed: rows of your project refer to users this undo would remove ({}). \
                 Delete or reassign those rows in your project first, or keep these users; then undo again.",
                describe(&references)
            ),
        )),
    }
}

/// What an undo request came to.
enum UndoOutcome {
    Undone,
    NoSuchImport,
    /// A concurrent request undid it first; nothing was changed.
    AlreadyUndone,
    /// The users to remove are no longer what the admin confirmed (now this many).
    CountChanged(usize),
    /// Rows of the project's own tables refer to users to remove; nothing was changed.
    Blocked(Vec<UserReference>),
}
