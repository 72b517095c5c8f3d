//! Runs a confirmed web import on its own thread through the import service (on SQLite or
//! PostgreSQL, the same engine), publishing progress.

use std::sync::Arc;
use std::sync::mpsc::{Sender, channel};

use actix_web::web;

use crate::config::CurrentMail;
use crate::db::import_store::ImportStore;
use crate::import::job::Progress;
use crate::import::service::{Committed, MailGate, commit_to};
use crate::import::{ImportContext, ParsedFile};
use crate::web::AppState;
use crate::web::backend::ImportWork;
use crate::web::error::WebError;
use crate::web::staging::Staged;

/// Starts the import on its own thread and returns its id once it is recorded; request threads
/// are never held up by the writing or by the invitations sent afterwards.
pub async fn start(
    state: web::Data<AppState>,
    staged: Arc<Staged>,
    context: ImportContext,
    gate: MailGate,
) -> Result<i64, WebError> {
    let (started_tx, started_rx) = channel::<anyhow::Result<i64>>();
    std::thread::Builder::new()
        .name("roster-import".to_string())
        .spawn(move || run(state, staged, context, gate, started_tx))
        .map_err(|e| WebError::Unexpected(e.into()))?;
    let id = web::block(move || started_rx.recv()).await?.map_err(|_| {
        WebError::Unexpected(anyhow::anyhow!("the import job ended before it started"))
    })??;
    Ok(id)
}

fn run(
    state: web::Data<AppState>,
    staged: Arc<Staged>,
    context: ImportContext,
    gate: MailGate,
    started: Sender<anyhow::Result<i64>>,
) {
    let Some(parsed) = take_rows(staged) else {
        return;
    };
    let mut started = Some(started);
    let mut import_id = None;
    let current = state.current_mail().unwrap_or_else(|err| {
        tracing::warn!(error = %err, "the Mail page's saved settings could not be read");
        crate::config::current_mail::merge(&state.config, &Default::default())
    });
    let mut on_progress = |progress: Progress| {
        state.jobs.update(progress);
        import_id = Some(progress.import_id);
        if let Some(started) = started.take() {
            let _ = started.send(Ok(progress.import_id));
        }
    };
    let work = WebImport {
        parsed,
        context,
        gate: &gate,
        state: &state,
        current: &current,
        on_progress: &mut on_progress,
    };
    let outcome = state.backend.run_import(work);
    if let Some(id) = import_id {
        state.jobs.finish(id);
    }
    if let (Err(err), Some(started)) = (outcome, started.take()) {
        let _ = started.send(Err(err));
    }
}

/// The staged upload was taken out of the store, so this is normally its only owner: take the
/// rows and drop the preview, so passwords leave memory batch by batch as they are written.
fn take_rows(staged: Arc<Staged>) -> Option<ParsedFile> {
    match Arc::try_unwrap(staged) {
        Ok(staged) => staged.content.ok().map(|import| import.parsed),
        Err(shared) => shared
            .content
            .as_ref()
            .ok()
            .map(|import| import.parsed.clone()),
    }
}

/// A confirmed upload's import, on whichever backend's store the server runs.
struct WebImport<'a, P: FnMut(Progress)> {
    parsed: ParsedFile,
    context: ImportContext,
    gate: &'a MailGate,
    state: &'a AppState,
    current: &'a CurrentMail,
    on_progress: &'a mut P,
}

impl<P: FnMut(Progress)> ImportWork for WebImport<'_, P> {
    type Output = Committed;

    fn run<St: ImportStore>(self, store: &mut St) -> Result<Committed, St::Error> {
        let state = self.state;
        commit_to(
            store,
            self.parsed,
            self.context,
            self.gate,
            &state.config.import,
            self.on_progress,
            Some(state.mailer(self.current)),
        )
    }
}
