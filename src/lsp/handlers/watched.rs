//! `workspace/didChangeWatchedFiles`: project files, markup that may show
//! attribution texts, and (workspace scope) source files that are not open.

use std::path::PathBuf;
use std::sync::Arc;

use tower_lsp_server::ls_types::*;

use crate::attribution;
use crate::lsp::lifecycle::project_files_changed;
use crate::lsp::projects::is_project_file;
use crate::lsp::scheduler;
use crate::lsp::session::{Session, file_path};
use crate::lsp::workspace::{self, DiagnosticsScope};
use crate::syntax::Language;

pub async fn did_change_watched_files(session: &Arc<Session>, params: DidChangeWatchedFilesParams) {
    let paths: Vec<PathBuf> = params
        .changes
        .iter()
        .filter_map(|change| file_path(&change.uri))
        .collect();
    let shown: Vec<&PathBuf> = paths
        .iter()
        .filter(|p| attribution::is_indexed(p))
        .collect();
    let sources: Vec<&PathBuf> = paths
        .iter()
        .filter(|p| Language::from_path(p).is_some())
        .collect();
    if !sources.is_empty() && session.state().scope() == DiagnosticsScope::Workspace {
        let mut batches = Vec::new();
        for path in sources {
            match workspace::read(path) {
                Some(text) => batches.extend(workspace::analyze_file(session, path, &text)),
                None => {
                    if let Some(uri) = Uri::from_file_path(path)
                        && session.state().workspace_files.remove(&uri).is_some()
                    {
                        batches.push((uri, Vec::new()));
                    }
                }
            }
        }
        for (uri, diagnostics) in batches {
            session
                .client
                .publish_diagnostics(uri, diagnostics, None)
                .await;
        }
    }
    if !shown.is_empty() {
        {
            let mut index = session.attribution();
            for path in &shown {
                index.update(path);
            }
        }
        scheduler::reanalyse_all(session);
    }
    let project: Vec<PathBuf> = paths.into_iter().filter(|p| is_project_file(p)).collect();
    project_files_changed(session, project).await;
}
