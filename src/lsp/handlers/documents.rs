//! Text synchronisation: open, change, close, save.

use std::sync::Arc;

use tower_lsp_server::ls_types::*;
use tracing::debug;

use crate::document::Document;
use crate::lsp::lifecycle::{open_project_file, project_files_changed};
use crate::lsp::session::{OpenDocument, Schedule, Session, Snapshot, file_path};
use crate::lsp::workspace::{self, DiagnosticsScope};
use crate::lsp::{convert, scheduler};
use crate::project::is_project_file;
use crate::syntax::Language;

fn language_of(uri: &Uri, language_id: Option<&str>) -> Option<Language> {
    let path = file_path(uri);
    let from_uri_text = || {
        // Untitled and other non-file URIs still carry an extension sometimes.
        Language::from_path(std::path::Path::new(uri.path().as_str()))
    };
    Language::detect(language_id, path.as_deref()).or_else(from_uri_text)
}

pub async fn did_open(session: &Arc<Session>, params: DidOpenTextDocumentParams) {
    let item = params.text_document;
    if file_path(&item.uri).is_some_and(|p| is_project_file(&p)) {
        open_project_file(session, item.uri).await;
        return;
    }
    let Some(language) = language_of(&item.uri, Some(&item.language_id)) else {
        debug!(
            uri = item.uri.as_str(),
            language = item.language_id,
            "not a JS/TS document"
        );
        return;
    };
    // Memoised discovery: a couple of `stat`s the first time in a folder.
    let project = session.project_for(&item.uri);
    // Parsed by the first analysis, off the request path.
    let document = Document::unparsed(language, item.version, &item.text);
    let open = OpenDocument {
        id: session.next_document_id(),
        schedule: Schedule::default(),
        analysed: Arc::new(Snapshot::pending(document.clone(), project)),
        extract_cache: None,
        document,
    };
    session.state().documents.insert(item.uri.clone(), open);
    scheduler::request(session, &item.uri);
}

pub async fn did_change(session: &Arc<Session>, params: DidChangeTextDocumentParams) {
    let uri = params.text_document.uri;
    let version = params.text_document.version;
    {
        let mut state = session.state();
        let encoding = state.caps.encoding;
        let Some(open) = state.documents.get_mut(&uri) else {
            debug!(uri = uri.as_str(), "change for a document that is not open");
            return;
        };
        // The client's text is the truth even when its version numbering goes
        // backwards (dropping the change would leave our text, and the
        // diagnostics, out of step with the editor's for good); snapshots are
        // ordered by the document's own revision count.
        if version <= open.document.version {
            debug!(
                uri = uri.as_str(),
                version,
                current = open.document.version,
                "change with a version not above the current one; applied"
            );
        }
        let changes: Vec<_> = params
            .content_changes
            .into_iter()
            .map(convert::change_from_lsp)
            .collect();
        // Text and tree edits only: the parse happens in the scheduler.
        open.document.apply_edits(version, &changes, encoding);
        open.schedule.last_edit = std::time::Instant::now();
    }
    scheduler::request(session, &uri);
}

pub async fn did_close(session: &Arc<Session>, params: DidCloseTextDocumentParams) {
    let uri = params.text_document.uri;
    let (was_open, scope) = {
        let mut state = session.state();
        let was_open =
            state.documents.remove(&uri).is_some() || state.open_project_files.remove(&uri);
        state.skip_notified.remove(&uri);
        (was_open, state.scope())
    };
    if !was_open {
        return;
    }
    scheduler::release_freed_memory();
    let path = match (scope, file_path(&uri)) {
        (DiagnosticsScope::Workspace, Some(path)) => path,
        _ => {
            session
                .client
                .publish_diagnostics(uri, Vec::new(), None)
                .await;
            return;
        }
    };
    // Workspace scope: the file keeps the diagnostics of its text on disk,
    // read and analysed off the message loop.
    let session = session.clone();
    tokio::spawn(async move {
        let worker = session.clone();
        let from_disk = tokio::task::spawn_blocking(move || {
            workspace::read(&worker, &path)
                .and_then(|candidate| workspace::analyze_file(&worker, candidate))
                .map(|(_, diagnostics)| diagnostics)
        })
        .await
        .ok()
        .flatten();
        // Reopened meanwhile: the open document's analysis publishes.
        if session.state().documents.contains_key(&uri) {
            return;
        }
        session
            .client
            .publish_diagnostics(uri, from_disk.unwrap_or_default(), None)
            .await;
    });
}

pub async fn did_save(session: &Arc<Session>, params: DidSaveTextDocumentParams) {
    if let Some(path) = file_path(&params.text_document.uri).filter(|p| is_project_file(p)) {
        project_files_changed(session, vec![path]).await;
    }
}
