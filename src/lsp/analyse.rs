//! The analysis of one document for the editor, beside the scheduler that
//! decides when it runs: the project's `[limits]`, the parse within its
//! budget (cancelled by a newer version), the shared analysis entry with the
//! previous extraction cache, the editor's attribution knowledge, the
//! snapshot requests answer from (clients and JSX anchors taken out of the
//! tree), and publishing it. The session only holds state
//! (docs/architecture.md, "The path of one keystroke").

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use tower_lsp_server::ls_types::{MessageType, Uri};

use super::diagnostics;
use super::session::{NotAnalysed, Session, Snapshot};
use crate::analysis::{Analysis, analyze_incremental};
use crate::attribution::Found;
use crate::document::{Document, PositionEncoding};
use crate::extract::ExtractCache;
use crate::project::Project;
use crate::registry::Resolver;
use crate::syntax::{ParseBudget, ParseFailure};

/// One scheduler round: the document under its project, not parsed when it
/// is over the project's `[limits]` (a minified bundle), else parsed
/// incrementally from the edits recorded since the last parse (or in full for
/// a new, idle or formerly skipped document) within the budget for its size,
/// cancelled by `cancel`.
pub fn round(
    session: &Session,
    uri: &Uri,
    document: Document,
    previous: Option<&ExtractCache>,
    cancel: Arc<AtomicBool>,
) -> (Snapshot, Option<ExtractCache>) {
    let project = session.project_for(uri);
    if let Some(reason) = project.config.limits.check_rope(document.rope()) {
        return (
            Snapshot::not_analysed(document, NotAnalysed::OverLimits(reason), project),
            None,
        );
    }
    let budget = ParseBudget::for_len(document.rope().len_bytes()).cancelled_by(cancel);
    analyse_after(session, document, project, previous, &budget)
}

/// Analyses a document read from disk (no state lock held), parsing it
/// within the default budget for its size.
pub fn analyse(session: &Session, document: Document, project: Arc<Project>) -> Snapshot {
    let budget = ParseBudget::for_len(document.rope().len_bytes());
    analyse_after(session, document, project, None, &budget).0
}

/// Parses (within `budget`) and analyses a document: the shared analysis
/// entry, then the editor's attribution knowledge. Reuses the extraction
/// cache of an earlier version (whose tree this document's was
/// incrementally parsed from). A parse that fails (cancelled included)
/// gives a snapshot that says so.
pub fn analyse_after(
    session: &Session,
    mut document: Document,
    project: Arc<Project>,
    previous: Option<&ExtractCache>,
    budget: &ParseBudget,
) -> (Snapshot, Option<ExtractCache>) {
    let parsed = document.parse(budget).map(|_| ());
    let (Ok(()), Some(tree)) = (parsed, document.tree()) else {
        let failure = parsed.err().unwrap_or(ParseFailure::Cancelled);
        let reason = NotAnalysed::Unparsable(failure);
        return (Snapshot::not_analysed(document, reason, project), None);
    };
    let (mut analysis, cache) = analyze_incremental(
        tree,
        document.rope(),
        &project.resolver,
        &project.config,
        project.lock.as_ref(),
        previous,
        session.today(),
    );
    tracing::debug!(
        reused = cache.reused_statements(),
        statements = cache.statements(),
        "extraction reused top-level statements"
    );
    // From the extraction itself: no second walk of the tree.
    let clients = cache.clients().clone();
    let jsx_closing_tags = jsx_closing_tags(tree, document.language, &analysis);
    let attribution_queries = lower_shown_attributions(session, &mut analysis, &project.resolver);
    let snapshot = Snapshot {
        document,
        project,
        analysis,
        attribution_queries,
        clients: Some(Arc::new(clients)),
        jsx_closing_tags,
        not_analysed: None,
    };
    (snapshot, Some(cache))
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

/// Where the attribution quick fix of each finding in a JSX component would
/// put the credit (see [`Snapshot::jsx_closing_tags`]).
fn jsx_closing_tags(
    tree: &tree_sitter::Tree,
    language: crate::syntax::Language,
    analysis: &Analysis,
) -> Vec<(usize, usize)> {
    if !language.is_jsx() {
        return Vec::new();
    }
    analysis
        .findings
        .iter()
        .filter(|finding| finding.code == crate::rules::RuleCode::AttributionRequired)
        .filter_map(|finding| {
            let start = finding.range.start;
            crate::fixes::jsx_closing_tag(tree, start).map(|at| (start, at))
        })
        .collect()
}

/// Publishes a stored snapshot's diagnostics under its version, after the
/// one-time notice for a document that was not analysed.
pub async fn publish(
    session: &Session,
    uri: &Uri,
    snapshot: &Snapshot,
    notice: Option<String>,
    encoding: PositionEncoding,
) {
    if let Some(message) = notice {
        session
            .client
            .show_message(MessageType::INFO, message)
            .await;
    }
    let version = snapshot.document.version;
    let published = diagnostics::of_snapshot(snapshot, encoding);
    session
        .client
        .publish_diagnostics(uri.clone(), published, Some(version))
        .await;
}
