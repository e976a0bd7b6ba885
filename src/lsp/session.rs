//! The server's state: open documents with their latest analysis, the
//! project index, settings and what the client can do. It holds state only:
//! analysing a document is [`super::analyse`]'s, deciding when is
//! [`super::scheduler`]'s, fetching is [`super::remote`]'s.
//!
//! Three locks, each held only for short synchronous work and never across an
//! `.await`: `state` (documents, settings), the project index's own lock
//! (loading a project file reads the disk, so it is not the document lock) and
//! `attribution` (the index of shown attribution texts). Handlers copy what
//! they need out with [`Session::view`] and compute without any lock.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tower_lsp_server::Client;
use tower_lsp_server::ls_types::{Diagnostic, Uri};

use super::capabilities::ClientCaps;
use super::settings::{DiagnosticsScope, EditorSettings};
use crate::analysis::Analysis;
use crate::attribution::{AttributionIndex, Found};
use crate::document::Document;
use crate::extract::{Clients, ExtractCache};
use crate::host::{Host, System};
use crate::limits::SkipReason;
use crate::project::{LoadReport, OnError, Overrides, Project, ProjectIndex};
use crate::registry::RemoteSource;
use crate::remote::settings::{self as remote_settings, RemoteSettings};
use crate::remote::store::RemoteStore;
use crate::syntax::ParseFailure;

/// Why a document has no findings: it was not analysed, and requests answer
/// nothing for it until a later version is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotAnalysed {
    /// Just opened: the first analysis is on its way.
    Pending,
    /// Over the project's `[limits]` (a minified bundle): not parsed.
    OverLimits(SkipReason),
    /// The parse ran out of its budget.
    Unparsable(ParseFailure),
}

impl NotAnalysed {
    /// The editor's one-time notice (`window/showMessage`) for this document.
    pub fn message(&self, file_name: &str) -> String {
        match self {
            NotAnalysed::Pending => format!("abstrakt-lsp is analysing {file_name}."),
            NotAnalysed::OverLimits(reason) => reason.message(file_name),
            NotAnalysed::Unparsable(failure) => format!(
                "abstrakt-lsp could not analyse {file_name}: {failure}. Its licensing findings are unavailable until the text parses."
            ),
        }
    }
}

/// What was analysed: the document as it was and what the analysis found.
/// Requests answer from this, so byte ranges and text always agree. It holds
/// no syntax tree: what requests need from the tree is taken out during the
/// analysis ([`Snapshot::clients`], [`Snapshot::jsx_closing_tags`]).
pub struct Snapshot {
    pub document: Document,
    /// The project it was analysed under (config, lock, resolver): requests
    /// answer from it rather than rebuilding one.
    pub project: Arc<Project>,
    pub analysis: Analysis,
    /// The attribution texts this analysis looked up and what the index
    /// answered: a changed markup file re-analyses only documents whose
    /// answers it changes.
    pub attribution_queries: Vec<(String, Option<Found>)>,
    /// The SDK clients of the document (completion offers ids where
    /// diagnostics would be, without a tree).
    pub clients: Option<Arc<Clients>>,
    /// For each finding (by byte offset of its start) in a JSX component, where
    /// the closing tag of the element the component returns starts: the
    /// attribution quick fix puts the credit there.
    pub jsx_closing_tags: Vec<(usize, usize)>,
    /// Set when the document was not analysed (too large, did not parse).
    pub not_analysed: Option<NotAnalysed>,
}

impl Snapshot {
    /// A document that was not analysed: no tree, no findings.
    pub fn not_analysed(
        mut document: Document,
        reason: NotAnalysed,
        project: Arc<Project>,
    ) -> Self {
        document.drop_tree();
        Self {
            document,
            project,
            analysis: Analysis::default(),
            attribution_queries: Vec::new(),
            clients: None,
            jsx_closing_tags: Vec::new(),
            not_analysed: Some(reason),
        }
    }

    /// Whether requests answer from this snapshot: not for a document that
    /// could not be analysed (they would answer as if nothing were there).
    pub fn answers_requests(&self) -> bool {
        matches!(self.not_analysed, None | Some(NotAnalysed::Pending))
    }

    /// The placeholder of a document just opened: not analysed yet, nothing found.
    pub fn pending(document: Document, project: Arc<Project>) -> Self {
        Self::not_analysed(document, NotAnalysed::Pending, project)
    }
}

/// Where a document stands with the scheduler.
#[derive(Debug, Clone)]
pub struct Schedule {
    /// Changed (text or context) since the last analysis started.
    pub dirty: bool,
    /// A worker is analysing this document (at most one at a time).
    pub in_flight: bool,
    /// When the text last changed (the safety net waits for quiet).
    pub last_edit: std::time::Instant,
    /// The revision whose tree was last checked against a fresh parse.
    pub verified: Option<u64>,
    /// Set to cancel the parse of the round in flight (a newer version came).
    pub cancel: Arc<AtomicBool>,
}

impl Default for Schedule {
    fn default() -> Self {
        Self {
            dirty: false,
            in_flight: false,
            last_edit: std::time::Instant::now(),
            verified: None,
            cancel: Arc::default(),
        }
    }
}

/// An open source document.
pub struct OpenDocument {
    /// Tells this opening apart from an earlier one of the same URI, so a
    /// worker of a closed document never writes into a reopened one.
    pub id: u64,
    pub schedule: Schedule,
    /// The latest text and tree (edits land here first).
    pub document: Document,
    /// The newest analysis; its version may trail `document.version`.
    pub analysed: Arc<Snapshot>,
    /// What extraction found per top-level statement in `analysed`, so the
    /// next version re-extracts only the statements its edits touched. It
    /// holds the tree it was built from: dropped with the tree when idle.
    pub extract_cache: Option<Arc<ExtractCache>>,
}

/// Documents, settings and workspace knowledge.
pub struct State {
    pub caps: ClientCaps,
    pub settings: EditorSettings,
    /// The settings `remote` was built from.
    pub remote_settings: Option<RemoteSettings>,
    pub remote: Arc<RemoteStore>,
    pub documents: HashMap<Uri, OpenDocument>,
    /// `abstrakt.toml` / `abstrakt.lock` documents open in the editor (they get
    /// the file's problems as diagnostics).
    pub open_project_files: HashSet<Uri>,
    /// Setting problems found in `initialize`, shown once the client is initialized.
    pub startup_problems: Vec<String>,
    /// The workspace folders (where a new `abstrakt.toml` goes).
    pub roots: Vec<PathBuf>,
    /// Diagnostics of workspace files that are not open (workspace scope).
    pub workspace_files: HashMap<Uri, Vec<Diagnostic>>,
    /// Open documents over their limits whose notice was shown: one
    /// `window/showMessage` per file, until it is back under the limits or closed.
    pub skip_notified: HashSet<Uri>,
}

impl State {
    /// The API URL the editor configured, when it is not the public one.
    pub fn configured_api_url(&self) -> Option<String> {
        self.remote_settings
            .as_ref()
            .and_then(RemoteSettings::configured_api_url)
    }

    /// What the editor sets on top of project files.
    pub fn overrides(&self) -> Overrides {
        Overrides {
            intended_use: None,
            intended_use_fallback: self.settings.intended_use,
            api_url: self.configured_api_url(),
        }
    }

    pub fn scope(&self) -> DiagnosticsScope {
        DiagnosticsScope::from_setting(self.settings.diagnostics_scope.as_deref())
    }

    /// (Re)builds the API store when the settings that shape it changed.
    /// The environment is read by the same function as the command line's.
    pub fn refresh_remote(&mut self) -> Vec<String> {
        let (wanted, mut problems) =
            RemoteSettings::resolve(&self.settings.explicit_remote(), |name| System.env(name));
        if self.remote_settings.as_ref() == Some(&wanted) {
            return Vec::new();
        }
        let (store, built) = remote_settings::build(&wanted);
        problems.extend(built);
        self.remote = store;
        self.remote_settings = Some(wanted);
        problems
    }
}

/// Everything a request needs about one open document, copied out of the
/// state so the lock is released before any work (rope and tree clones are
/// cheap: both share their storage).
pub struct View {
    pub uri: Uri,
    pub current: Document,
    pub analysed: Arc<Snapshot>,
    pub caps: ClientCaps,
    pub settings: EditorSettings,
    pub roots: Vec<PathBuf>,
    /// Now, as the host tells it (ages on licensing cards).
    pub now: jiff::Timestamp,
}

impl View {
    /// The project the latest analysis ran under.
    pub fn project(&self) -> &Arc<Project> {
        &self.analysed.project
    }
}

pub struct Session {
    pub client: Client,
    /// The source of [`OpenDocument::id`].
    next_id: std::sync::atomic::AtomicU64,
    /// How often the quiet-document check found the incremental tree wrong.
    pub tree_repairs: std::sync::atomic::AtomicU64,
    state: Mutex<State>,
    /// The engine's project index (its own lock: loading reads the disk).
    projects: ProjectIndex,
    /// The overrides and remote store the index was last configured with.
    configured: Mutex<Option<(Overrides, Arc<RemoteStore>)>>,
    /// The clock and the environment.
    host: Box<dyn Host>,
    attribution: Mutex<AttributionIndex>,
    /// Woken whenever an analysis is stored (requests wait on it, bounded).
    analysed: tokio::sync::Notify,
    /// Whether the client sent `shutdown` (exit status 0 only then).
    pub shutdown_requested: AtomicBool,
}

/// A poisoned lock is taken anyway: no state is half-updated across a panic
/// point (analyses and requests run outside the locks).
fn guard<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

pub fn file_path(uri: &Uri) -> Option<PathBuf> {
    uri.to_file_path().map(|p| p.into_owned())
}

impl Session {
    pub fn new(client: Client) -> Self {
        let (remote, _) = remote_settings::build(&RemoteSettings {
            api_key: None,
            api_url: crate::remote::DEFAULT_API_URL.to_string(),
            offline: true,
            cache_dir: None,
        });
        let host: Box<dyn Host> = Box::new(System);
        Self {
            client,
            next_id: std::sync::atomic::AtomicU64::new(1),
            tree_repairs: std::sync::atomic::AtomicU64::new(0),
            state: Mutex::new(State {
                caps: ClientCaps::default(),
                settings: EditorSettings::default(),
                remote_settings: None,
                remote,
                documents: HashMap::new(),
                open_project_files: HashSet::new(),
                startup_problems: Vec::new(),
                roots: Vec::new(),
                workspace_files: HashMap::new(),
                skip_notified: HashSet::new(),
            }),
            projects: ProjectIndex::new(OnError::KeepLastGood, Overrides::default(), None)
                .with_files(host.files()),
            configured: Mutex::new(None),
            attribution: Mutex::new(AttributionIndex::reading(host.files())),
            host,
            analysed: tokio::sync::Notify::new(),
            shutdown_requested: AtomicBool::new(false),
        }
    }

    pub fn next_document_id(&self) -> u64 {
        self.next_id
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    }

    /// The state lock. Hold it briefly; never across an `.await`.
    pub fn state(&self) -> MutexGuard<'_, State> {
        guard(&self.state)
    }

    pub fn attribution(&self) -> MutexGuard<'_, AttributionIndex> {
        guard(&self.attribution)
    }

    /// The lock-and-lookup preamble of every document request: a copy of what
    /// the request needs, `None` when the document is not open or its last
    /// analysis could not analyse it (too large, did not parse).
    pub fn view(&self, uri: &Uri) -> Option<View> {
        self.view_any(uri)
            .filter(|view| view.analysed.answers_requests())
    }

    /// [`Session::view`] once the current text is analysed, waiting at most
    /// `patience` for it (the scheduler is on it): requests that edit or read
    /// around the cursor answer from an analysis of the text the user sees.
    /// After `patience`, the latest analysis there is. Waiting never holds a
    /// lock and never blocks other messages.
    pub async fn view_when_analysed(&self, uri: &Uri, patience: Duration) -> Option<View> {
        let deadline = tokio::time::Instant::now() + patience;
        loop {
            let stored = self.analysed.notified();
            tokio::pin!(stored);
            // Registered before the check, so a store in between still wakes us.
            stored.as_mut().enable();
            let view = self.view_any(uri)?;
            let current = view.analysed.not_analysed != Some(NotAnalysed::Pending)
                && view.analysed.document.revision() >= view.current.revision();
            if current || tokio::time::timeout_at(deadline, stored).await.is_err() {
                return Some(view).filter(|view| view.analysed.answers_requests());
            }
        }
    }

    /// Wakes the requests waiting in [`Session::view_when_analysed`].
    pub fn analysis_stored(&self) {
        self.analysed.notify_waiters();
    }

    /// The copy of what a request needs, whatever the last analysis said.
    pub fn view_any(&self, uri: &Uri) -> Option<View> {
        let state = self.state();
        let open = state.documents.get(uri)?;
        Some(View {
            uri: uri.clone(),
            current: open.document.clone(),
            analysed: open.analysed.clone(),
            caps: state.caps,
            settings: state.settings.clone(),
            roots: state.roots.clone(),
            now: self.host.now(),
        })
    }

    /// The project governing the file at `uri` (the last good version of
    /// its project files; none for a document without a path). Memoised by
    /// the index; rebuilt when the editor's settings or remote store changed.
    pub fn project_for(&self, uri: &Uri) -> Arc<Project> {
        match file_path(uri) {
            Some(path) => self.project_for_path(&path),
            None => {
                self.configure_projects();
                self.projects.detached()
            }
        }
    }

    /// [`Session::project_for`] by path.
    pub fn project_for_path(&self, path: &Path) -> Arc<Project> {
        self.configure_projects();
        self.projects
            .project_for_file(path)
            .unwrap_or_else(|_| self.projects.detached())
    }

    /// Today (UTC; `SOURCE_DATE_EPOCH` when set).
    pub fn today(&self) -> jiff::civil::Date {
        self.host.today()
    }

    /// The project index, configured with the editor's current settings.
    pub fn projects(&self) -> &ProjectIndex {
        self.configure_projects();
        &self.projects
    }

    /// Hands the editor's overrides and store to the index when they changed.
    fn configure_projects(&self) {
        let (overrides, remote) = {
            let state = self.state();
            (state.overrides(), state.remote.clone())
        };
        let mut configured = guard(&self.configured);
        let current = configured
            .as_ref()
            .is_some_and(|(o, r)| *o == overrides && Arc::ptr_eq(r, &remote));
        if !current {
            let source: Arc<dyn RemoteSource> = remote.clone();
            self.projects.configure(overrides.clone(), Some(source));
            *configured = Some((overrides, remote));
        }
    }

    /// Re-reads changed project files.
    pub fn reload_project_files(&self, paths: &[PathBuf]) {
        for path in paths {
            self.projects.reload(path);
        }
    }

    /// Project-file problems found since the last call.
    pub fn take_reports(&self) -> Vec<LoadReport> {
        self.projects.take_reports()
    }

    /// The open documents whose project is no longer the one their latest
    /// analysis ran under (a project file changed, appeared or went away).
    pub fn moved_projects(&self) -> Vec<Uri> {
        let analysed: Vec<(Uri, Arc<Project>)> = self
            .state()
            .documents
            .iter()
            .map(|(uri, open)| (uri.clone(), open.analysed.project.clone()))
            .collect();
        analysed
            .into_iter()
            .filter(|(uri, before)| !Arc::ptr_eq(before, &self.project_for(uri)))
            .map(|(uri, _)| uri)
            .collect()
    }

    /// The open documents whose attribution answers differ from what the
    /// index says now (after a markup file changed).
    pub fn attribution_changed(&self) -> Vec<Uri> {
        let analysed: Vec<(Uri, Arc<Snapshot>)> = self
            .state()
            .documents
            .iter()
            .map(|(uri, open)| (uri.clone(), open.analysed.clone()))
            .collect();
        let mut index = self.attribution();
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
}
