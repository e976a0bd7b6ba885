//! When documents are analysed: never on the request path.
//!
//! A change only records the edit on the text and the tree and marks the
//! document dirty ([`request`]). One worker per dirty document takes an
//! immutable snapshot (rope and tree clones share storage), parses and
//! analyses it on tokio's blocking pool without any lock, and stores the
//! result (and the parsed tree, when no edit came meanwhile). Edits that
//! arrive meanwhile coalesce: the worker runs once more for the newest
//! version, and a result that is already stale is kept for requests but not
//! published. A panic in an analysis is caught and logged; the document
//! keeps its last analysis.
//!
//! Every parse runs under a deadline ([`crate::syntax::ParseBudget`]), and a
//! newer version cancels the parse of an older one: a text that sends
//! tree-sitter's error recovery into minutes costs one deadline, is reported
//! as not analysed, and the next edit is analysed as usual.
//!
//! Memory follows what is being edited: a document that was only opened
//! keeps its analysis, not its tree; an edited one keeps its tree (for
//! incremental parsing) until it has been idle for [`IDLE`].
//!
//! When a document has been quiet for [`QUIET`], a fresh parse checks the
//! incrementally edited tree (tree-sitter's subtree reuse is not always equal
//! to a fresh parse); a differing tree is replaced and the document
//! re-analysed, so published findings are those of the fresh tree.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tower_lsp_server::ls_types::{MessageType, Uri};
use tracing::{debug, error, info};

use super::analyse;
use super::diagnostics::report_loads;
use super::guard::{inject_panic, panic_message};
use super::remote::schedule_fetch;
use super::session::{NotAnalysed, Session, Snapshot, State, file_path};
use crate::analysis::Analysis;
use crate::extract::Target;
use crate::syntax::{ParseBudget, ParseFailure};

/// How long a document must go without edits before its tree is checked.
pub const QUIET: Duration = Duration::from_millis(300);

/// Static model ids an analysis mentions, in order of appearance.
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

/// Marks a document dirty and makes sure a worker will analyse its newest
/// version. Cheap and synchronous: handlers call it and return.
pub fn request(session: &Arc<Session>, uri: &Uri) {
    let id = {
        let mut state = session.state();
        let Some(open) = state.documents.get_mut(uri) else {
            return;
        };
        open.schedule.dirty = true;
        if open.schedule.in_flight {
            // The round in flight analyses an older version: stop its parse.
            open.schedule.cancel.store(true, Ordering::Relaxed);
            return;
        }
        open.schedule.in_flight = true;
        open.id
    };
    tokio::spawn(work(session.clone(), uri.clone(), id));
}

/// What a worker took from the state for one round.
struct Round {
    snapshot_document: crate::document::Document,
    /// The last analysis's extraction cache, reused for unchanged statements.
    extract_cache: Option<Arc<crate::extract::ExtractCache>>,
    encoding: crate::document::PositionEncoding,
    /// Set when a newer version makes this round's parse pointless.
    cancel: Arc<AtomicBool>,
}

/// Takes the newest version to analyse, clearing `dirty`; `None` when the
/// document was closed (or reopened: another worker owns it now).
fn take_round(session: &Session, uri: &Uri, id: u64) -> Option<Round> {
    let mut state = session.state();
    let encoding = state.caps.encoding;
    let open = state.documents.get_mut(uri).filter(|open| open.id == id)?;
    open.schedule.dirty = false;
    let cancel = Arc::new(AtomicBool::new(false));
    open.schedule.cancel = cancel.clone();
    Some(Round {
        snapshot_document: open.document.clone(),
        extract_cache: open.extract_cache.clone(),
        cancel,
        encoding,
    })
}

/// The worker of one document: analyses until nothing new is waiting.
async fn work(session: Arc<Session>, uri: Uri, id: u64) {
    loop {
        let Some(round) = take_round(&session, &uri, id) else {
            return;
        };
        let encoding = round.encoding;
        debug!(
            uri = uri.as_str(),
            version = round.snapshot_document.version,
            "analysis started"
        );
        let worker_session = session.clone();
        let worker_uri = uri.clone();
        let analysed = tokio::task::spawn_blocking(move || {
            let document = round.snapshot_document;
            inject_panic(&document, "analysis");
            let previous = round.extract_cache.as_deref();
            analyse::round(
                &worker_session,
                &worker_uri,
                document,
                previous,
                round.cancel,
            )
        })
        .await;
        match analysed {
            Ok((snapshot, _))
                if snapshot.not_analysed
                    == Some(NotAnalysed::Unparsable(ParseFailure::Cancelled)) =>
            {
                debug!(uri = uri.as_str(), "parse cancelled by a newer version");
            }
            Ok((snapshot, cache)) => {
                let fresh = store(&session, &uri, id, snapshot, cache);
                session.analysis_stored();
                report_loads(&session).await;
                if let Some((snapshot, notice)) = fresh {
                    analyse::publish(&session, &uri, &snapshot, notice, encoding).await;
                    settle_after_close(&session, &uri, id).await;
                    schedule_fetch(&session, &static_ids(&snapshot.analysis), reanalyse_using);
                } else {
                    debug!(uri = uri.as_str(), "analysis superseded; not published");
                }
            }
            Err(join_error) => report_failure(&session, &uri, join_error).await,
        }
        if !again(&session, &uri, id) {
            tokio::spawn(check_when_quiet(session, uri, id));
            return;
        }
    }
}

/// Whether a newer version is waiting for another round; if not, the
/// document is no longer in flight.
fn again(session: &Session, uri: &Uri, id: u64) -> bool {
    let mut state = session.state();
    match state.documents.get_mut(uri).filter(|open| open.id == id) {
        Some(open) if open.schedule.dirty => true,
        Some(open) => {
            open.schedule.in_flight = false;
            false
        }
        None => false,
    }
}

/// A panicked (or cancelled) analysis: logged, and told to the client; the
/// document keeps its last results.
async fn report_failure(session: &Session, uri: &Uri, join_error: tokio::task::JoinError) {
    let message = if join_error.is_panic() {
        panic_message(&*join_error.into_panic())
    } else {
        join_error.to_string()
    };
    error!(uri = uri.as_str(), "analysis panicked: {message}");
    session
        .client
        .log_message(
            MessageType::ERROR,
            format!(
                "abstrakt: the analysis of {} failed ({message}); its last results stay",
                uri.as_str()
            ),
        )
        .await;
}

/// Stores a finished analysis in the document it belongs to (unless it was
/// closed or reopened meanwhile). Returns the snapshot to publish, with the
/// one-time notice for a document that was not analysed, unless something
/// newer is already waiting.
fn store(
    session: &Session,
    uri: &Uri,
    id: u64,
    mut snapshot: Snapshot,
    cache: Option<crate::extract::ExtractCache>,
) -> Option<(Arc<Snapshot>, Option<String>)> {
    let mut state = session.state();
    let open = state.documents.get_mut(uri).filter(|open| open.id == id)?;
    let same_text = open.document.revision() == snapshot.document.revision();
    // A document that was only opened, not edited, keeps its findings but
    // not its tree: the first edit parses it again.
    let edited = open.document.revision() > 0;
    let mut cache = cache.map(Arc::new);
    if snapshot.not_analysed.is_some() {
        // Edits stop being recorded on a tree: the next version is parsed afresh.
        open.document.drop_tree();
    } else if same_text {
        match snapshot.document.tree().cloned() {
            Some(tree) if edited => open.document.replace_tree(tree),
            _ => {
                open.document.drop_tree();
                cache = None;
            }
        }
    }
    // Requests need the text and findings, not the tree.
    snapshot.document.drop_tree();
    let snapshot = Arc::new(snapshot);
    if snapshot.document.revision() >= open.analysed.document.revision() {
        open.analysed = snapshot.clone();
        open.extract_cache = cache;
    }
    // Something newer is waiting: this result is stale.
    if open.schedule.dirty {
        return None;
    }
    let notice = skip_notice(&mut state, uri, &snapshot);
    Some((snapshot, notice))
}

/// The one-time notice for a document its analysis skipped (`None` when it
/// was shown already); a document analysed again may be noticed again later.
fn skip_notice(state: &mut State, uri: &Uri, snapshot: &Snapshot) -> Option<String> {
    let Some(reason) = snapshot.not_analysed else {
        state.skip_notified.remove(uri);
        return None;
    };
    if !state.skip_notified.insert(uri.clone()) {
        return None;
    }
    let file_name = file_path(uri)
        .and_then(|path| path.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| uri.as_str().to_string());
    Some(reason.message(&file_name))
}

/// A close (or close and reopen) may have crossed this worker's publish:
/// make sure the client ends with the right diagnostics.
async fn settle_after_close(session: &Arc<Session>, uri: &Uri, id: u64) {
    let (now, on_disk) = {
        let state = session.state();
        (
            state.documents.get(uri).map(|open| open.id),
            // Workspace scope: a closed file shows its text on disk.
            state.workspace_files.get(uri).cloned().unwrap_or_default(),
        )
    };
    match now {
        Some(current) if current == id => {}
        Some(_) => request(session, uri),
        None => {
            session
                .client
                .publish_diagnostics(uri.clone(), on_disk, None)
                .await;
        }
    }
}

/// The safety net: once the document has been quiet for [`QUIET`], compare
/// its tree with a fresh parse and, when they differ, take the fresh tree
/// and re-analyse.
async fn check_when_quiet(session: Arc<Session>, uri: Uri, id: u64) {
    tokio::time::sleep(QUIET).await;
    let document = {
        let state = session.state();
        let Some(open) = state.documents.get(&uri).filter(|open| open.id == id) else {
            return;
        };
        let quiet = open.schedule.last_edit.elapsed() >= QUIET;
        if !open.document.is_incremental() {
            // Parsed from scratch: nothing to check.
            return;
        }
        if !quiet
            || open.document.needs_reparse()
            || !open.document.has_tree()
            || open.schedule.dirty
            || open.schedule.in_flight
            || open.schedule.verified == Some(open.document.revision())
        {
            // Still being edited or analysed: a later worker checks again.
            return;
        }
        open.document.clone()
    };
    let revision = document.revision();
    let version = document.version;
    let fresh = tokio::task::spawn_blocking(move || {
        let budget = ParseBudget::for_len(document.rope().len_bytes());
        document.fresh_tree_if_different(&budget)
    })
    .await;
    let fresh = match fresh {
        Ok(Ok(fresh)) => fresh,
        Ok(Err(failure)) => {
            debug!(
                uri = uri.as_str(),
                "no fresh parse to compare with: {failure}"
            );
            None
        }
        Err(join_error) => {
            error!(uri = uri.as_str(), "fresh parse failed: {join_error}");
            return;
        }
    };
    let repaired = {
        let mut state = session.state();
        let Some(open) = state
            .documents
            .get_mut(&uri)
            .filter(|open| open.id == id && open.document.revision() == revision)
        else {
            return;
        };
        open.schedule.verified = Some(revision);
        match fresh {
            Some(tree) => {
                open.document.replace_with_fresh_tree(tree);
                true
            }
            None => false,
        }
    };
    if repaired {
        let count = session.tree_repairs.fetch_add(1, Ordering::Relaxed) + 1;
        info!(
            uri = uri.as_str(),
            version,
            repairs = count,
            "incremental tree differed from a fresh parse; replaced"
        );
        request(&session, &uri);
    }
}

/// How long a document goes without edits before its tree is dropped.
pub const IDLE: Duration = Duration::from_secs(30);

/// Drops the trees of documents idle for [`IDLE`], so memory follows what is
/// being edited rather than what is open. The next analysis parses again (off
/// the request path) and hands its tree back to the document.
pub async fn sweep_idle_trees(session: Arc<Session>) {
    let mut interval = tokio::time::interval(IDLE / 6);
    loop {
        interval.tick().await;
        let dropped = {
            let mut state = session.state();
            let mut dropped = 0;
            for open in state.documents.values_mut() {
                let idle = open.schedule.last_edit.elapsed() >= IDLE
                    && !open.schedule.dirty
                    && !open.schedule.in_flight;
                if idle && (open.document.has_tree() || open.extract_cache.is_some()) {
                    // The extraction cache holds the tree it was built from.
                    open.document.drop_tree();
                    open.extract_cache = None;
                    dropped += 1;
                }
            }
            dropped
        };
        if dropped > 0 {
            release_freed_memory();
            debug!(documents = dropped, "dropped the trees of idle documents");
        }
    }
}

/// Hands memory freed by dropped trees and closed documents back to the OS
/// (glibc keeps it otherwise).
pub fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns unused heap pages; it takes no pointers.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Re-analyses every open document (settings or project files changed).
pub fn reanalyse_all(session: &Arc<Session>) {
    let uris: Vec<Uri> = session.state().documents.keys().cloned().collect();
    for uri in uris {
        request(session, &uri);
    }
}

/// Re-analyses the open documents that use one of `ids` (new licensing arrived).
pub fn reanalyse_using(session: &Arc<Session>, ids: &HashSet<String>) {
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
    for uri in uris {
        request(session, &uri);
    }
}
