//! When documents are analysed. (Synchronous for now: each call analyses
//! the named documents from a snapshot and publishes.)

use std::collections::HashSet;
use std::sync::Arc;

use tower_lsp_server::ls_types::Uri;

use super::diagnostics::{self, report_loads};
use super::remote::schedule_fetch;
use super::session::{Session, Snapshot};
use crate::analysis::Analysis;
use crate::extract::Target;

/// Static model ids an analysis mentions.
pub fn static_ids(analysis: &Analysis) -> Vec<String> {
    let mut ids = Vec::new();
    for model_use in &analysis.uses {
        for target in &model_use.targets {
            if let Target::Static { id, .. } = target
                && !ids.contains(id)
            {
                ids.push(id.clone());
            }
        }
    }
    ids
}

/// Analyses `uris` (those still open), stores and publishes the results, then
/// fetches licensing for the ids they use.
pub async fn refresh(session: &Arc<Session>, uris: Vec<Uri>) {
    let mut batches = Vec::new();
    let mut ids = Vec::new();
    for uri in uris {
        let Some(view) = session.view(&uri) else {
            continue;
        };
        let context = session.context(&view.sources());
        let analysis = session.analyse(&view.current, &context);
        let snapshot = Arc::new(Snapshot {
            document: view.current,
            analysis,
        });
        let stored = {
            let mut state = session.state();
            match state.documents.get_mut(&uri) {
                Some(open) if open.document.version == snapshot.document.version => {
                    open.analysed = snapshot.clone();
                    true
                }
                _ => false,
            }
        };
        if stored {
            for id in static_ids(&snapshot.analysis) {
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
            let diagnostics = diagnostics::of_snapshot(&snapshot, view.caps.encoding);
            batches.push((uri, diagnostics, snapshot.document.version));
        }
    }
    report_loads(session).await;
    for (uri, diagnostics, version) in batches {
        session
            .client
            .publish_diagnostics(uri, diagnostics, Some(version))
            .await;
    }
    schedule_fetch(session, &ids);
}

/// Re-analyses every open document (settings or project files changed).
pub async fn reanalyse_all(session: &Arc<Session>) {
    let uris: Vec<Uri> = session.state().documents.keys().cloned().collect();
    refresh(session, uris).await;
}

/// Re-analyses the open documents that use one of `ids` (new licensing arrived).
pub async fn reanalyse_using(session: &Arc<Session>, ids: &HashSet<String>) {
    let uris: Vec<Uri> = session
        .state()
        .documents
        .iter()
        .filter(|(_, open)| {
            static_ids(&open.analysed.analysis)
                .iter()
                .any(|id| ids.contains(id))
        })
        .map(|(uri, _)| uri.clone())
        .collect();
    refresh(session, uris).await;
}
