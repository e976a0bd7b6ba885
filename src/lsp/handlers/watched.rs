//! `workspace/didChangeWatchedFiles`: project files, markup that may show
//! attribution texts, and (workspace scope) source files that are not open.

use std::path::PathBuf;
use std::sync::Arc;

use tower_lsp_server::ls_types::*;

use crate::attribution;
use crate::batch::FileKind;
use crate::lsp::lifecycle::project_files_changed;
use crate::lsp::scheduler;
use crate::lsp::session::{Session, file_path};
use crate::lsp::workspace::{self, DiagnosticsScope};
use crate::project::is_project_file;

/// Returns at once: the work happens in background tasks, so saving a file
/// never holds up a request.
pub async fn did_change_watched_files(session: &Arc<Session>, params: DidChangeWatchedFilesParams) {
    let paths: Vec<PathBuf> = params
        .changes
        .iter()
        .filter_map(|change| file_path(&change.uri))
        .collect();
    let shown: Vec<PathBuf> = paths
        .iter()
        .filter(|p| attribution::is_indexed(p))
        .cloned()
        .collect();
    let sources: Vec<PathBuf> = paths
        .iter()
        .filter(|p| FileKind::from_path(p).is_some())
        .cloned()
        .collect();
    if !sources.is_empty() && session.state().scope() == DiagnosticsScope::Workspace {
        tokio::spawn(recheck_unopened(session.clone(), sources));
    }
    if !shown.is_empty() {
        tokio::spawn(reindex_attribution(session.clone(), shown));
    }
    let project: Vec<PathBuf> = paths.into_iter().filter(|p| is_project_file(p)).collect();
    project_files_changed(session, project).await;
}

/// Re-reads changed markup files into the attribution index and re-analyses
/// only the open documents whose attribution answers changed.
async fn reindex_attribution(session: Arc<Session>, shown: Vec<PathBuf>) {
    let worker = session.clone();
    let changed = tokio::task::spawn_blocking(move || {
        {
            let mut index = worker.attribution();
            for path in &shown {
                index.update(path);
            }
        }
        worker.attribution_changed()
    })
    .await
    .unwrap_or_else(|error| {
        tracing::error!("attribution re-index failed: {error}");
        Vec::new()
    });
    tracing::debug!(documents = changed.len(), "attribution answers changed");
    for uri in changed {
        scheduler::request(&session, &uri);
    }
}

/// Workspace scope: checks changed source files that are not open.
async fn recheck_unopened(session: Arc<Session>, sources: Vec<PathBuf>) {
    let worker = session.clone();
    let batches = tokio::task::spawn_blocking(move || {
        let mut batches = Vec::new();
        for path in &sources {
            match workspace::read(&worker, path) {
                Some(candidate) => batches.extend(workspace::analyze_file(&worker, candidate)),
                None => {
                    if let Some(uri) = Uri::from_file_path(path)
                        && worker.state().workspace_files.remove(&uri).is_some()
                    {
                        batches.push((uri, Vec::new()));
                    }
                }
            }
        }
        batches
    })
    .await
    .unwrap_or_default();
    for (uri, diagnostics) in batches {
        session
            .client
            .publish_diagnostics(uri, diagnostics, None)
            .await;
    }
}
