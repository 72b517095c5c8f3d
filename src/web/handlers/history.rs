//! Import history: the list, and undoing an import after a confirmation that names the count.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::{html, see_other};
use crate::db::imports::UndoResult;
use crate::db::user_references::{UserReference, describe};
use crate::web::AppState;
use crate::web::audit::Actor;
use crate::web::csrf::{CsrfToken, VerifiedForm};
use crate::web::error::WebError;
use crate::web::session::Admin;
use crate::web::views::{self, layout::Chrome};

const PAGE_SIZE: i64 = 50;

#[derive(Debug, Deserialize)]
pub struct PageQuery {
    page: Option<i64>,
}

pub async fn list(
    admin: Admin,
    csrf: CsrfToken,
    state: web::Data<AppState>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, WebError> {
    let page = query.page.unwrap_or(1).clamp(1, 1_000_000);
    let time_zone = state.config.accounts.time_zone;
    let (imports, total) = web::block(move || {
        crate::db::imports::list(&state.db.connect()?, (page - 1) * PAGE_SIZE, PAGE_SIZE)
    })
    .await??;
    let pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    let chrome = Chrome {
        admin: Some(&admin.0.username),
        csrf: &csrf.0,
    };
    Ok(html(views::history::list(
        chrome, &imports, page, pages, time_zone,
    )))
}

pub async fn undo_confirm(
    admin: Admin,
    csrf: CsrfToken,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse, WebError> {
    let id = path.into_inner();
    let found = web::block(move || -> rusqlite::Result<_> {
        let conn = state.db.connect()?;
        let Some(record) = crate::db::imports::find(&conn, id)? else {
            return Ok(None);
        };
        Ok(Some((record, crate::db::imports::undo_plan(&conn, id)?)))
    })
    .await??;
    let Some((record, plan)) = found else {
        return Err(WebError::NotFound);
    };
    let chrome = Chrome {
        admin: Some(&admin.0.username),
        csrf: &csrf.0,
    };
    Ok(html(views::history::undo_confirm(chrome, &record, &plan)))
}

#[derive(Deserialize)]
pub struct UndoForm {
    /// The count the admin confirmed; if it changed meanwhile, ask again.
    expected: Option<usize>,
}

pub async fn undo(
    req: HttpRequest,
    admin: Admin,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: VerifiedForm<UndoForm>,
) -> Result<HttpResponse, WebError> {
    let id = path.into_inner();
    let expected = form.expected;
    let actor = Actor::admin(&admin, &req);
    let outcome = web::block(move || -> rusqlite::Result<UndoOutcome> {
        let mut conn = state.db.connect()?;
        if crate::db::imports::find(&conn, id)?.is_none() {
            return Ok(UndoOutcome::NoSuchImport);
        }
        let now = crate::db::imports::undo_plan(&conn, id)?.remove.len();
        if expected != Some(now) {
            return Ok(UndoOutcome::CountChanged(now));
        }
        let (removed, kept) = match crate::db::imports::undo(&mut conn, id, &actor.name)? {
            UndoResult::Undone { removed, kept } => (removed, kept),
            UndoResult::AlreadyUndone => return Ok(UndoOutcome::AlreadyUndone),
            UndoResult::Blocked(references) => {
                let detail = format!("nothing removed; {}", describe(&references));
                actor.record(
                    &conn,
                    "import_undo_blocked",
                    &format!("import:{id}"),
                    &detail,
                )?;
                return Ok(UndoOutcome::Blocked(references));
            }
        };
        let detail = format!(
            "removed {} user(s): {}; kept {} who logged in",
            removed.len(),
            removed.join(", "),
            kept.len()
        );
        actor.record(&conn, "import_undone", &format!("import:{id}"), &detail)?;
        Ok(UndoOutcome::Undone)
    })
    .await??;
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
