//! Analysing a document in the editor: the engine's analysis
//! ([`crate::analysis`]) under the document's project, then the editor's
//! attribution knowledge (credits the workspace already shows). The
//! scheduler and the workspace scope call it; the session only holds state.

use std::sync::Arc;

use tower_lsp_server::ls_types::Uri;

use super::session::{Session, Snapshot};
use crate::analysis::{Analysis, analyze_incremental};
use crate::attribution::Found;
use crate::document::Document;
use crate::extract::ExtractCache;
use crate::project::Project;
use crate::registry::Resolver;

/// Analyses a document (no state lock held): the shared analysis entry,
/// then the editor's attribution knowledge.
pub fn analyse(session: &Session, document: Document, project: Arc<Project>) -> Snapshot {
    analyse_after(session, document, project, None)
}

/// [`analyse`] reusing the extraction cache of the analysis of an
/// earlier version (whose tree this document's was incrementally parsed from).
pub fn analyse_after(
    session: &Session,
    document: Document,
    project: Arc<Project>,
    previous: Option<&ExtractCache>,
) -> Snapshot {
    let (mut analysis, cache) = analyze_incremental(
        document.tree(),
        document.rope(),
        &project.resolver,
        &project.config,
        project.lock.as_ref(),
        previous,
        session.today(),
    );
    let attribution_queries = lower_shown_attributions(session, &mut analysis, &project.resolver);
    Snapshot {
        document,
        project,
        analysis,
        attribution_queries,
        extract_cache: cache.map(Arc::new),
        skipped: None,
    }
}

/// `attribution-required` drops to information where the workspace already
/// shows the attribution text. Returns the texts looked up and the answers.
pub fn lower_shown_attributions(
    session: &Session,
    analysis: &mut Analysis,
    resolver: &Resolver,
) -> Vec<(String, Option<Found>)> {
    let mut index = session.attribution();
    let (queries, lowered) =
        crate::attribution::lower_shown(&mut analysis.findings, &mut index, resolver);
    analysis.attribution_found.extend(lowered);
    queries
}

/// The open documents whose attribution answers differ from what the
/// index says now (after a markup file changed).
pub fn attribution_changed(session: &Session) -> Vec<Uri> {
    let analysed: Vec<(Uri, Arc<Snapshot>)> = session
        .state()
        .documents
        .iter()
        .map(|(uri, open)| (uri.clone(), open.analysed.clone()))
        .collect();
    let mut index = session.attribution();
    analysed
        .into_iter()
        .filter(|(_, snapshot)| {
            snapshot.attribution_queries.iter().any(|(text, before)| {
                let now = if index.is_empty() {
                    None
                } else {
                    index.find(text)
                };
                now != *before
            })
        })
        .map(|(uri, _)| uri)
        .collect()
}
