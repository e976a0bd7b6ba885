//! The language server: documents in, diagnostics and hovers out.
//!
//! State lives behind a `std::sync::Mutex` that is never held across an
//! `.await`: each handler does its synchronous work (apply edits, analyse,
//! build the answer) under the lock, releases it, then talks to the client.
//! Notifications start in wire order, so edits are applied in wire order.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::{Value, json};
use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer};
use tracing::{debug, info, warn};

use super::projects::{LoadReport, Projects, is_project_file};
use super::settings::{EditorSettings, RemoteSettings};
use super::{code_actions, completion, convert, inlay_hints, workspace};
use crate::analysis::{Analysis, analyze};
use crate::attribution::{self, AttributionIndex};
use crate::config::{ConfigError, ProjectConfig};
use crate::document::{Document, PositionEncoding};
use crate::extract::Target;
use crate::hover::{self, Format};
use crate::lockfile::Lockfile;
use crate::registry::{Lookup, RemoteSource, Resolver};
use crate::remote::cache::DiskCache;
use crate::remote::store::{DEFAULT_TTL, RemoteStore};
use crate::remote::{HttpApi, HttpOptions, SharedApi, validate_api_url};
use crate::rules::{IntendedUse, RuleCode, Severity};
use crate::syntax::Language;

/// An open document and what we last computed for it.
struct OpenDocument {
    document: Document,
    analysis: Analysis,
    /// The nearest `abstrakt.toml` and `abstrakt.lock`, if any.
    config_path: Option<PathBuf>,
    lock_path: Option<PathBuf>,
}

/// What a document is analysed with.
struct Context {
    project: Arc<ProjectConfig>,
    lock: Option<Arc<Lockfile>>,
    resolver: Resolver,
}

struct State {
    encoding: PositionEncoding,
    hover_format: Format,
    settings: EditorSettings,
    /// The settings `remote` was built from.
    remote_settings: Option<RemoteSettings>,
    remote: Arc<RemoteStore>,
    projects: Projects,
    /// Problems found while loading project files, not yet reported.
    reports: Vec<LoadReport>,
    documents: HashMap<Uri, OpenDocument>,
    /// `abstrakt.toml` / `abstrakt.lock` documents open in the editor (they get
    /// the file's problems as diagnostics).
    open_project_files: HashSet<Uri>,
    watch_dynamic: bool,
    /// Setting problems found in `initialize`, shown once the client is initialized.
    startup_problems: Vec<String>,
    /// The workspace folders (where a new `abstrakt.toml` goes).
    roots: Vec<PathBuf>,
    /// The client can be asked to refresh inlay hints.
    inlay_refresh: bool,
    /// Where the workspace shows attribution texts.
    attribution: AttributionIndex,
    /// The client resolves completion `documentation` lazily.
    lazy_completion_docs: bool,
    /// Diagnostics of workspace files that are not open (workspace scope).
    workspace_files: HashMap<Uri, Vec<Diagnostic>>,
}

fn file_path(uri: &Uri) -> Option<PathBuf> {
    uri.to_file_path().map(|p| p.into_owned())
}

/// Static model ids an analysis mentions.
fn static_ids(analysis: &Analysis) -> Vec<String> {
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

/// Builds the API store from the effective settings. Never logs the key.
fn build_remote(remote: &RemoteSettings) -> (Arc<RemoteStore>, Vec<String>) {
    let mut problems = Vec::new();
    let url = match validate_api_url(&remote.api_url) {
        Ok(url) => Some(url),
        Err(problem) => {
            problems.push(format!("API URL: {problem}; not contacting the API"));
            None
        }
    };
    let base = url
        .as_ref()
        .map_or_else(|| remote.api_url.clone(), |u| u.to_string());
    let api: Option<SharedApi> = match (&url, &remote.api_key, remote.offline) {
        (Some(url), Some(key), false) => {
            match HttpApi::new(url.clone(), key.clone(), HttpOptions::default()) {
                Ok(api) => Some(Arc::new(api)),
                Err(error) => {
                    problems.push(format!("cannot start the HTTP client: {error}"));
                    None
                }
            }
        }
        _ => None,
    };
    let cache = remote
        .cache_dir
        .as_ref()
        .map(|dir| DiskCache::new(dir, &base));
    info!(
        online = api.is_some(),
        offline = remote.offline,
        has_key = remote.api_key.is_some(),
        api = base,
        cache = ?cache.as_ref().map(|c| c.dir().display().to_string()),
        "licensing sources"
    );
    (
        Arc::new(RemoteStore::new(api, &base, cache, DEFAULT_TTL)),
        problems,
    )
}

impl State {
    /// The project file, lock file and resolver for a document.
    /// The project context of an open document, `None` when it is not open.
    fn document_context(&mut self, uri: &Uri) -> Option<Context> {
        let (config_path, lock_path) = self
            .documents
            .get(uri)
            .map(|open| (open.config_path.clone(), open.lock_path.clone()))?;
        Some(self.context(config_path.as_deref(), lock_path.as_deref()))
    }

    fn context(&mut self, config_path: Option<&Path>, lock_path: Option<&Path>) -> Context {
        let mut project = match config_path {
            Some(path) => {
                let (config, report) = self.projects.config(path);
                self.reports.extend(report);
                config.unwrap_or_default()
            }
            None => Arc::default(),
        };
        if project.intended_use.is_none() && self.settings.intended_use.is_some() {
            Arc::make_mut(&mut project).intended_use = self.settings.intended_use;
        }
        // Model URLs on a configured API host count like the public API's.
        if let Some(remote) = &self.remote_settings
            && remote.api_url != crate::remote::DEFAULT_API_URL
            && project.api_url.as_deref() != Some(remote.api_url.as_str())
        {
            Arc::make_mut(&mut project).api_url = Some(remote.api_url.clone());
        }
        let lock = lock_path.and_then(|path| {
            let (lock, report) = self.projects.lock(path);
            self.reports.extend(report);
            lock
        });
        let remote: Arc<dyn RemoteSource> = self.remote.clone();
        let resolver = project.resolver(Resolver::builtin().with_remote(remote));
        Context {
            project,
            lock,
            resolver,
        }
    }

    fn analyze(&mut self, open: &OpenDocument) -> Analysis {
        let context = self.context(open.config_path.as_deref(), open.lock_path.as_deref());
        let mut analysis = analyze(
            open.document.tree(),
            open.document.rope(),
            &context.resolver,
            &context.project,
            context.lock.as_deref(),
        );
        self.lower_shown_attributions(&mut analysis, &context.resolver);
        analysis
    }

    /// `attribution-required` drops to information where the workspace already
    /// shows the attribution text.
    fn lower_shown_attributions(&mut self, analysis: &mut Analysis, resolver: &Resolver) {
        if self.attribution.is_empty() {
            return;
        }
        for (i, finding) in analysis.findings.iter_mut().enumerate() {
            if finding.code != RuleCode::AttributionRequired {
                continue;
            }
            let Some(resolved) = finding
                .canonical_id
                .as_deref()
                .and_then(|id| resolver.resolve(id))
            else {
                continue;
            };
            let Some(found) = self.attribution.find_credit(&resolved.model) else {
                continue;
            };
            finding.severity = Severity::Info;
            let name = found
                .path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            finding.message = format!(
                "{} (shown in {name}:{})",
                finding.message,
                found.start.0 + 1
            );
            analysis.attribution_found.push((i, found));
        }
    }

    /// The diagnostics to publish for a document, with its version.
    fn diagnostics(&self, open: &OpenDocument) -> (Vec<Diagnostic>, i32) {
        let index = open.document.line_index();
        let diagnostics = open
            .analysis
            .findings
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let mut diagnostic = convert::finding_to_diagnostic(f, &index, self.encoding);
                if let Some((_, found)) = open
                    .analysis
                    .attribution_found
                    .iter()
                    .find(|(j, _)| *j == i)
                    && let Some(uri) = Uri::from_file_path(&found.path)
                {
                    let column = |(line, columns): (u32, [u32; 3])| {
                        let character = match self.encoding {
                            PositionEncoding::Utf8 => columns[0],
                            PositionEncoding::Utf16 => columns[1],
                            PositionEncoding::Utf32 => columns[2],
                        };
                        Position::new(line, character)
                    };
                    diagnostic.related_information = Some(vec![DiagnosticRelatedInformation {
                        location: Location::new(
                            uri,
                            Range::new(column(found.start), column(found.end)),
                        ),
                        message: "attribution shown here".to_string(),
                    }]);
                }
                diagnostic
            })
            .collect();
        (diagnostics, open.document.version)
    }

    fn workspace_scope(&self) -> bool {
        workspace::is_workspace_scope(self.settings.diagnostics_scope.as_deref())
    }

    /// Analyses a file that is not open, from its text on disk; records and
    /// returns its diagnostics.
    fn analyze_file(&mut self, path: &Path, text: &str) -> Option<(Uri, Vec<Diagnostic>)> {
        let uri = Uri::from_file_path(path)?;
        if self.documents.contains_key(&uri) {
            return None;
        }
        let language = Language::from_path(path)?;
        let mut open = OpenDocument {
            document: Document::new(language, 0, text),
            analysis: Analysis::default(),
            config_path: ProjectConfig::discover(path),
            lock_path: Lockfile::discover(path),
        };
        open.analysis = self.analyze(&open);
        let (diagnostics, _) = self.diagnostics(&open);
        self.workspace_files
            .insert(uri.clone(), diagnostics.clone());
        Some((uri, diagnostics))
    }

    /// (Re)builds the API store when the settings that shape it changed.
    fn refresh_remote(&mut self) -> Vec<String> {
        let wanted = self.settings.remote(|name| std::env::var(name).ok());
        if self.remote_settings.as_ref() == Some(&wanted) {
            return Vec::new();
        }
        let (remote, problems) = build_remote(&wanted);
        self.remote = remote;
        self.remote_settings = Some(wanted);
        problems
    }

    /// Finds each open document's project files again (one was created or deleted).
    fn rediscover(&mut self) {
        let uris: Vec<Uri> = self.documents.keys().cloned().collect();
        for uri in uris {
            let path = file_path(&uri);
            if let Some(open) = self.documents.get_mut(&uri) {
                open.config_path = path.as_deref().and_then(ProjectConfig::discover);
                open.lock_path = path.as_deref().and_then(Lockfile::discover);
            }
        }
    }
}

pub struct Backend {
    client: Client,
    state: Arc<Mutex<State>>,
}

/// The state lock. A panic while holding it cannot leave documents half
/// edited in a way worse than a stale analysis, so poisoning is ignored.
fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Re-analyses open documents (all, or those using one of `only`), publishes
/// their diagnostics, and returns the ids they use.
async fn republish(
    state: &Mutex<State>,
    client: &Client,
    only: Option<&HashSet<String>>,
) -> Vec<String> {
    let (batches, ids, reports) = {
        let mut state = lock(state);
        let uris: Vec<Uri> = state.documents.keys().cloned().collect();
        let mut batches = Vec::new();
        let mut ids = Vec::new();
        for uri in uris {
            let Some(open) = state.documents.remove(&uri) else {
                continue;
            };
            let affected = only.is_none_or(|only| {
                static_ids(&open.analysis)
                    .iter()
                    .any(|id| only.contains(id))
            });
            let mut open = open;
            if affected {
                open.analysis = state.analyze(&open);
                let (diagnostics, version) = state.diagnostics(&open);
                batches.push((uri.clone(), diagnostics, version));
                ids.extend(static_ids(&open.analysis));
            }
            state.documents.insert(uri, open);
        }
        (batches, ids, std::mem::take(&mut state.reports))
    };
    report_loads(state, client, reports).await;
    for (uri, diagnostics, version) in batches {
        client
            .publish_diagnostics(uri, diagnostics, Some(version))
            .await;
    }
    ids
}

/// Tells the user about project files that failed (or recovered): a diagnostic
/// on the file when it is open in the editor, else a message.
async fn report_loads(state: &Mutex<State>, client: &Client, reports: Vec<LoadReport>) {
    for report in reports {
        let Some(uri) = Uri::from_file_path(&report.path) else {
            continue;
        };
        let open = lock(state).open_project_files.contains(&uri);
        if let Some(error) = &report.error {
            warn!("{error}");
        }
        match (&report.error, open) {
            (error, true) => {
                let diagnostics = error.iter().map(config_diagnostic).collect();
                client.publish_diagnostics(uri, diagnostics, None).await;
            }
            (Some(error), false) => {
                client
                    .show_message(
                        MessageType::ERROR,
                        format!("abstrakt: {error} (the last valid version stays in force)"),
                    )
                    .await;
            }
            (None, false) => {}
        }
    }
}

fn config_diagnostic(error: &ConfigError) -> Diagnostic {
    let position = |line: usize, column: usize| {
        Position::new(
            u32::try_from(line.saturating_sub(1)).unwrap_or(0),
            u32::try_from(column.saturating_sub(1)).unwrap_or(0),
        )
    };
    let start = position(error.line.unwrap_or(1), error.column.unwrap_or(1));
    let end = match error.end {
        Some((line, column)) => Position::new(line.saturating_sub(1), column.saturating_sub(1)),
        None => start,
    };
    let end = if end > start {
        end
    } else {
        Position::new(start.line, start.character.saturating_add(1))
    };
    Diagnostic {
        range: Range::new(start, end),
        severity: Some(DiagnosticSeverity::ERROR),
        source: Some("abstrakt".to_string()),
        message: format!("{} (the last valid version stays in force)", error.message),
        ..Diagnostic::default()
    }
}

/// Starts a background fetch of whichever of `ids` need one; when answers
/// arrive, documents using them are re-published. Never awaited by handlers.
fn schedule_fetch(state: &Arc<Mutex<State>>, client: &Client, ids: &[String]) {
    if ids.is_empty() {
        return;
    }
    let store = lock(state).remote.clone();
    let claimed = store.claim(ids.iter().map(String::as_str));
    if claimed.is_empty() {
        return;
    }
    debug!(
        count = claimed.len(),
        "fetching licensing in the background"
    );
    let state = state.clone();
    let client = client.clone();
    tokio::spawn(async move {
        let report = store.fetch(claimed).await;
        if let Some(message) = report.message {
            client.show_message(MessageType::WARNING, message).await;
        }
        if !report.changed.is_empty() {
            let changed: HashSet<String> = report.changed.into_iter().collect();
            republish(&state, &client, Some(&changed)).await;
        }
    });
}

/// Checks every JS/TS file of the workspace that is not open, publishing as
/// it goes, with `$/progress` begin/report/end.
async fn scan_workspace(state: Arc<Mutex<State>>, client: Client, roots: Vec<PathBuf>) {
    let token = NumberOrString::String("abstrakt-workspace-scan".to_string());
    // A client that refuses the token still gets the diagnostics.
    let progress = client.create_work_done_progress(token.clone()).await.ok();
    let ongoing = match progress {
        Some(()) => Some(
            client
                .progress(token, "abstrakt: checking the workspace")
                .with_percentage(0)
                .begin()
                .await,
        ),
        None => None,
    };
    let client_names: Vec<String> = Vec::new();
    let files =
        tokio::task::spawn_blocking(move || workspace::candidate_files(&roots, &client_names))
            .await
            .unwrap_or_default();
    let total = files.len().max(1);
    let mut ids = Vec::new();
    for (i, (path, text)) in files.into_iter().enumerate() {
        let published = {
            let mut state = lock(&state);
            let published = state.analyze_file(&path, &text);
            if published.is_some()
                && let Some(uri) = Uri::from_file_path(&path)
                && let Some(diagnostics) = state.workspace_files.get(&uri)
            {
                ids.extend(
                    diagnostics
                        .iter()
                        .filter_map(|d| d.data.as_ref()?.get("canonicalId")?.as_str())
                        .map(str::to_string),
                );
            }
            published
        };
        if let Some((uri, diagnostics)) = published {
            client.publish_diagnostics(uri, diagnostics, None).await;
        }
        if let Some(ongoing) = &ongoing {
            let done = u32::try_from((i + 1) * 100 / total).unwrap_or(100);
            ongoing
                .report_with_message(format!("{} of {total} files", i + 1), done)
                .await;
        }
    }
    if let Some(ongoing) = ongoing {
        ongoing.finish_with_message("workspace checked").await;
    }
    ids.sort();
    ids.dedup();
    schedule_fetch(&state, &client, &ids);
}

/// The command behind the "acknowledge in abstrakt.lock" quick fix:
/// arguments `[document uri, canonical model id]`.
const ACKNOWLEDGE_COMMAND: &str = "abstrakt.acknowledgeLicensing";

/// Where a document's lock file is or would be: the one in force, else beside
/// its `abstrakt.toml`. Derived from server state, never from a client argument.
fn lock_target(open: &OpenDocument) -> Option<PathBuf> {
    open.lock_path.clone().or_else(|| {
        open.config_path
            .as_ref()
            .and_then(|c| c.parent())
            .map(|dir| dir.join(crate::lockfile::FILE_NAME))
    })
}

impl Backend {
    pub fn new(client: Client) -> Self {
        let (remote, _) = build_remote(&RemoteSettings {
            api_key: None,
            api_url: crate::remote::DEFAULT_API_URL.to_string(),
            offline: true,
            cache_dir: None,
        });
        Self {
            client,
            state: Arc::new(Mutex::new(State {
                encoding: PositionEncoding::Utf16,
                hover_format: Format::Markdown,
                settings: EditorSettings::default(),
                remote_settings: None,
                remote,
                projects: Projects::default(),
                reports: Vec::new(),
                documents: HashMap::new(),
                open_project_files: HashSet::new(),
                watch_dynamic: false,
                startup_problems: Vec::new(),
                roots: Vec::new(),
                inlay_refresh: false,
                attribution: AttributionIndex::default(),
                workspace_files: HashMap::new(),
                lazy_completion_docs: false,
            })),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }

    async fn publish(&self, uri: Uri, diagnostics: Vec<Diagnostic>, version: Option<i32>) {
        self.client
            .publish_diagnostics(uri, diagnostics, version)
            .await;
    }

    /// Re-analyses every open document (after a settings or project file change) and publishes.
    async fn republish_all(&self) {
        let ids = republish(&self.state, &self.client, None).await;
        schedule_fetch(&self.state, &self.client, &ids);
    }

    fn apply_settings(&self, value: &Value) -> Vec<String> {
        let mut state = self.state();
        let mut problems = state.settings.apply(value);
        problems.extend(state.refresh_remote());
        problems
    }

    async fn report_settings_problems(&self, problems: Vec<String>) {
        for problem in problems {
            warn!("ignored setting: {problem}");
            self.client
                .show_message(
                    MessageType::WARNING,
                    format!("abstrakt: ignored setting: {problem}"),
                )
                .await;
        }
    }

    /// A project file changed on disk (or was saved): reload it, find each
    /// document's project files again, and re-publish.
    async fn project_files_changed(&self, paths: Vec<PathBuf>) {
        if paths.is_empty() {
            return;
        }
        {
            let mut state = self.state();
            for path in &paths {
                if let Some(report) = state.projects.reload(path) {
                    state.reports.push(report);
                }
            }
            state.rediscover();
        }
        self.republish_all().await;
    }

    async fn open_project_file(&self, uri: Uri) {
        let Some(path) = file_path(&uri) else {
            return;
        };
        self.state().open_project_files.insert(uri);
        self.project_files_changed(vec![path]).await;
    }
}

fn language_of(uri: &Uri, language_id: Option<&str>) -> Option<Language> {
    let path: Option<PathBuf> = uri.to_file_path().map(|p| p.into_owned());
    let from_uri_text = || {
        // Untitled and other non-file URIs still carry an extension sometimes.
        Language::from_path(std::path::Path::new(uri.path().as_str()))
    };
    Language::detect(language_id, path.as_deref()).or_else(from_uri_text)
}

/// Watches the editor process named in `initialize` and exits when it is gone,
/// so a crashed editor never leaves a server behind.
fn watch_parent(process_id: u32) {
    #[cfg(unix)]
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(std::time::Duration::from_secs(3));
        loop {
            interval.tick().await;
            if !process_alive(process_id) {
                info!("editor process {process_id} is gone; exiting");
                std::process::exit(0);
            }
        }
    });
    #[cfg(not(unix))]
    let _ = process_id;
}

#[cfg(unix)]
fn process_alive(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return true;
    };
    // Signal 0 checks existence; EPERM means it exists but is not ours.
    // SAFETY: kill with signal 0 sends nothing and has no memory effects.
    let result = unsafe { libc::kill(pid, 0) };
    result == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

impl LanguageServer for Backend {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        // Pull diagnostics are for clients that prefer them: a client that also
        // takes pushed diagnostics (VS Code does both) would show every finding
        // twice, once per collection, so it gets push only.
        let client_takes_push = params
            .capabilities
            .text_document
            .as_ref()
            .and_then(|t| t.publish_diagnostics.as_ref())
            .is_some();
        let offered = params
            .capabilities
            .general
            .as_ref()
            .and_then(|g| g.position_encodings.as_deref());
        let encoding = convert::negotiate_encoding(offered);
        let hover_format = match params
            .capabilities
            .text_document
            .as_ref()
            .and_then(|t| t.hover.as_ref())
            .and_then(|h| h.content_format.as_ref())
        {
            Some(formats) if !formats.contains(&MarkupKind::Markdown) => Format::PlainText,
            _ => Format::Markdown,
        };
        let watch_dynamic = params
            .capabilities
            .workspace
            .as_ref()
            .and_then(|w| w.did_change_watched_files.as_ref())
            .and_then(|w| w.dynamic_registration)
            .unwrap_or(false);
        let problems = {
            let mut state = self.state();
            state.encoding = encoding;
            state.hover_format = hover_format;
            state.watch_dynamic = watch_dynamic;
            state.lazy_completion_docs = params
                .capabilities
                .text_document
                .as_ref()
                .and_then(|t| t.completion.as_ref())
                .and_then(|c| c.completion_item.as_ref())
                .and_then(|i| i.resolve_support.as_ref())
                .is_some_and(|r| r.properties.iter().any(|p| p == "documentation"));
            state.inlay_refresh = params
                .capabilities
                .workspace
                .as_ref()
                .and_then(|w| w.inlay_hint.as_ref())
                .and_then(|i| i.refresh_support)
                .unwrap_or(false);
            #[allow(deprecated)]
            let root_uri = params.root_uri.iter();
            state.roots = params
                .workspace_folders
                .iter()
                .flatten()
                .map(|f| &f.uri)
                .chain(root_uri)
                .filter_map(file_path)
                .collect();
            let mut problems = match &params.initialization_options {
                Some(options) => state.settings.apply(options),
                None => Vec::new(),
            };
            problems.extend(state.refresh_remote());
            state.startup_problems = problems.clone();
            problems
        };
        for problem in &problems {
            warn!("ignored initialization option: {problem}");
        }
        if let Some(pid) = params.process_id {
            watch_parent(pid);
        }
        info!(?encoding, "initialized");
        Ok(InitializeResult {
            capabilities: ServerCapabilities {
                position_encoding: Some(convert::encoding_to_lsp(encoding)),
                text_document_sync: Some(TextDocumentSyncCapability::Options(
                    TextDocumentSyncOptions {
                        open_close: Some(true),
                        change: Some(TextDocumentSyncKind::INCREMENTAL),
                        save: Some(TextDocumentSyncSaveOptions::Supported(true)),
                        ..TextDocumentSyncOptions::default()
                    },
                )),
                hover_provider: Some(HoverProviderCapability::Simple(true)),
                inlay_hint_provider: Some(OneOf::Left(true)),
                document_link_provider: Some(DocumentLinkOptions {
                    resolve_provider: Some(false),
                    work_done_progress_options: WorkDoneProgressOptions::default(),
                }),
                diagnostic_provider: (!client_takes_push).then(|| {
                    DiagnosticServerCapabilities::Options(DiagnosticOptions {
                        identifier: Some("abstrakt".to_string()),
                        inter_file_dependencies: true,
                        workspace_diagnostics: false,
                        work_done_progress_options: WorkDoneProgressOptions::default(),
                    })
                }),
                completion_provider: Some(CompletionOptions {
                    trigger_characters: Some(
                        completion::TRIGGERS.iter().map(|c| c.to_string()).collect(),
                    ),
                    resolve_provider: Some(true),
                    completion_item: Some(CompletionOptionsCompletionItem {
                        label_details_support: Some(true),
                    }),
                    ..CompletionOptions::default()
                }),
                code_action_provider: Some(CodeActionProviderCapability::Options(
                    CodeActionOptions {
                        code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
                        ..CodeActionOptions::default()
                    },
                )),
                execute_command_provider: Some(ExecuteCommandOptions {
                    commands: vec![ACKNOWLEDGE_COMMAND.to_string()],
                    ..ExecuteCommandOptions::default()
                }),
                ..ServerCapabilities::default()
            },
            server_info: Some(ServerInfo {
                name: "abstrakt-lsp".to_string(),
                version: Some(env!("CARGO_PKG_VERSION").to_string()),
            }),
            offset_encoding: None,
        })
    }

    async fn initialized(&self, _: InitializedParams) {
        self.client
            .log_message(
                MessageType::INFO,
                concat!("abstrakt-lsp ", env!("CARGO_PKG_VERSION"), " ready"),
            )
            .await;
        let problems = std::mem::take(&mut self.state().startup_problems);
        for problem in problems {
            self.client
                .show_message(
                    MessageType::WARNING,
                    format!("abstrakt: ignored setting: {problem}"),
                )
                .await;
        }
        let (roots, workspace_scope) = {
            let state = self.state();
            (state.roots.clone(), state.workspace_scope())
        };
        if workspace_scope && !roots.is_empty() {
            tokio::spawn(scan_workspace(
                self.state.clone(),
                self.client.clone(),
                roots.clone(),
            ));
        }
        if !roots.is_empty() {
            let state = self.state.clone();
            let client = self.client.clone();
            tokio::spawn(async move {
                let built =
                    tokio::task::spawn_blocking(move || AttributionIndex::build(&roots)).await;
                let Ok(index) = built else {
                    return;
                };
                debug!(files = index.len(), "attribution index built");
                if index.is_empty() {
                    return;
                }
                lock(&state).attribution = index;
                republish(&state, &client, None).await;
            });
        }
        if self.state().watch_dynamic {
            let client = self.client.clone();
            // In a task: the client's answer must not hold up other messages.
            tokio::spawn(async move {
                let registration = Registration {
                    id: "abstrakt-project-files".to_string(),
                    method: "workspace/didChangeWatchedFiles".to_string(),
                    register_options: Some(json!({
                        "watchers": [
                            { "globPattern": "**/abstrakt.toml" },
                            { "globPattern": "**/abstrakt.lock" },
                            { "globPattern": "**/*.{html,htm,jsx,tsx,vue,svelte,md,mdx}" },
                            { "globPattern": "**/*.{js,mjs,cjs,ts,mts,cts,py,pyi}" }
                        ]
                    })),
                };
                if let Err(error) = client.register_capability(vec![registration]).await {
                    warn!("cannot watch project files: {error}");
                }
            });
        }
    }

    async fn shutdown(&self) -> Result<()> {
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let item = params.text_document;
        if file_path(&item.uri).is_some_and(|p| is_project_file(&p)) {
            self.open_project_file(item.uri).await;
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
        let path = file_path(&item.uri);
        let config_path = path.as_deref().and_then(ProjectConfig::discover);
        let lock_path = path.as_deref().and_then(Lockfile::discover);
        let (published, ids, reports) = {
            let mut state = self.state();
            let document = Document::new(language, item.version, &item.text);
            let mut open = OpenDocument {
                document,
                analysis: Analysis::default(),
                config_path,
                lock_path,
            };
            open.analysis = state.analyze(&open);
            let published = state.diagnostics(&open);
            let ids = static_ids(&open.analysis);
            state.documents.insert(item.uri.clone(), open);
            (published, ids, std::mem::take(&mut state.reports))
        };
        report_loads(&self.state, &self.client, reports).await;
        self.publish(item.uri, published.0, Some(published.1)).await;
        schedule_fetch(&self.state, &self.client, &ids);
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        let uri = params.text_document.uri;
        let version = params.text_document.version;
        let (published, ids) = {
            let mut state = self.state();
            let encoding = state.encoding;
            let Some(mut open) = state.documents.remove(&uri) else {
                debug!(uri = uri.as_str(), "change for a document that is not open");
                return;
            };
            if version <= open.document.version {
                debug!(
                    uri = uri.as_str(),
                    version,
                    current = open.document.version,
                    "dropping stale change"
                );
                state.documents.insert(uri, open);
                return;
            }
            let changes: Vec<_> = params
                .content_changes
                .into_iter()
                .map(convert::change_from_lsp)
                .collect();
            open.document.apply_changes(version, &changes, encoding);
            open.analysis = state.analyze(&open);
            let published = state.diagnostics(&open);
            let ids = static_ids(&open.analysis);
            state.documents.insert(uri.clone(), open);
            (published, ids)
        };
        self.publish(uri, published.0, Some(published.1)).await;
        schedule_fetch(&self.state, &self.client, &ids);
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        let uri = params.text_document.uri;
        let (was_open, from_disk) = {
            let mut state = self.state();
            let was_open =
                state.documents.remove(&uri).is_some() || state.open_project_files.remove(&uri);
            // Workspace scope: the file keeps the diagnostics of its text on disk.
            let from_disk = match (state.workspace_scope(), file_path(&uri)) {
                (true, Some(path)) => workspace::read(&path)
                    .and_then(|text| state.analyze_file(&path, &text))
                    .map(|(_, diagnostics)| diagnostics),
                _ => None,
            };
            (was_open, from_disk)
        };
        if was_open {
            self.publish(uri, from_disk.unwrap_or_default(), None).await;
        }
    }

    async fn did_save(&self, params: DidSaveTextDocumentParams) {
        if let Some(path) = file_path(&params.text_document.uri).filter(|p| is_project_file(p)) {
            self.project_files_changed(vec![path]).await;
        }
    }

    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        let shown: Vec<PathBuf> = params
            .changes
            .iter()
            .filter_map(|change| file_path(&change.uri))
            .filter(|path| attribution::is_indexed(path))
            .collect();
        let sources: Vec<PathBuf> = params
            .changes
            .iter()
            .filter_map(|change| file_path(&change.uri))
            .filter(|path| Language::from_path(path).is_some())
            .collect();
        if !sources.is_empty() && self.state().workspace_scope() {
            let mut batches = Vec::new();
            {
                let mut state = self.state();
                for path in &sources {
                    match workspace::read(path) {
                        Some(text) => batches.extend(state.analyze_file(path, &text)),
                        None => {
                            if let Some(uri) = Uri::from_file_path(path)
                                && state.workspace_files.remove(&uri).is_some()
                            {
                                batches.push((uri, Vec::new()));
                            }
                        }
                    }
                }
            }
            for (uri, diagnostics) in batches {
                self.publish(uri, diagnostics, None).await;
            }
        }
        if !shown.is_empty() {
            {
                let mut state = self.state();
                for path in &shown {
                    state.attribution.update(path);
                }
            }
            self.republish_all().await;
        }
        let paths: Vec<PathBuf> = params
            .changes
            .iter()
            .filter_map(|change| file_path(&change.uri))
            .filter(|path| is_project_file(path))
            .collect();
        self.project_files_changed(paths).await;
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        let uri = params.text_document.uri;
        let mut state = self.state();
        let Some(context) = state.document_context(&uri) else {
            return Ok(None);
        };
        let Some(open) = state.documents.get(&uri) else {
            return Ok(None);
        };
        let text = open.document.text();
        let config_target = open.config_path.clone().or_else(|| {
            let path = file_path(&uri)?;
            let root = state
                .roots
                .iter()
                .filter(|root| path.starts_with(root))
                .max_by_key(|root| root.as_os_str().len())
                .cloned();
            root.or_else(|| path.parent().map(Path::to_path_buf))
                .map(|dir| dir.join(crate::config::FILE_NAME))
        });
        let input = code_actions::Input {
            uri: &uri,
            text: &text,
            rope: open.document.rope(),
            tree: open.document.tree(),
            encoding: state.encoding,
            resolver: &context.resolver,
            config_target,
            has_lock_target: lock_target(open).is_some(),
            acknowledge_command: ACKNOWLEDGE_COMMAND,
        };
        Ok(Some(code_actions::actions(
            &input,
            &params.context.diagnostics,
        )))
    }

    async fn execute_command(&self, params: ExecuteCommandParams) -> Result<Option<Value>> {
        if params.command != ACKNOWLEDGE_COMMAND {
            return Err(tower_lsp_server::jsonrpc::Error::invalid_params(format!(
                "unknown command {}",
                params.command
            )));
        }
        let (Some(uri), Some(id)) = (
            params.arguments.first().and_then(Value::as_str),
            params.arguments.get(1).and_then(Value::as_str),
        ) else {
            return Err(tower_lsp_server::jsonrpc::Error::invalid_params(
                "expected [document uri, model id]",
            ));
        };
        let uri: Uri = uri
            .parse()
            .map_err(|_| tower_lsp_server::jsonrpc::Error::invalid_params("not a URI"))?;
        let recorded = {
            let mut state = self.state();
            let Some((config_path, lock_path, target)) = state.documents.get(&uri).map(|open| {
                (
                    open.config_path.clone(),
                    open.lock_path.clone(),
                    lock_target(open),
                )
            }) else {
                return Err(tower_lsp_server::jsonrpc::Error::invalid_params(
                    "the document is not open",
                ));
            };
            let Some(target) = target else {
                return Err(tower_lsp_server::jsonrpc::Error::invalid_params(
                    "the document has no abstrakt.toml or abstrakt.lock",
                ));
            };
            let context = state.context(config_path.as_deref(), lock_path.as_deref());
            let Some(resolved) = context.resolver.resolve(id) else {
                return Err(tower_lsp_server::jsonrpc::Error::invalid_params(format!(
                    "no licensing is known for {id}"
                )));
            };
            // Start from the file on disk, so other entries written meanwhile survive.
            let mut lock = if target.exists() {
                match Lockfile::load(&target) {
                    Ok(lock) => lock,
                    Err(error) => {
                        return Err(tower_lsp_server::jsonrpc::Error::invalid_params(
                            error.to_string(),
                        ));
                    }
                }
            } else {
                Lockfile::default()
            };
            lock.record(
                &resolved.model.id,
                &resolved.model.licensing,
                crate::analysis::today(),
            );
            (target, lock)
        };
        let (target, lock) = recorded;
        if let Err(error) = lock.write(&target) {
            let message = format!("abstrakt: cannot write {}: {error}", target.display());
            self.client.show_message(MessageType::ERROR, &message).await;
            return Err(tower_lsp_server::jsonrpc::Error::internal_error());
        }
        info!(id, path = %target.display(), "licensing acknowledged");
        self.project_files_changed(vec![target]).await;
        Ok(None)
    }

    async fn did_change_configuration(&self, params: DidChangeConfigurationParams) {
        let was_workspace = self.state().workspace_scope();
        let problems = self.apply_settings(&params.settings);
        let (is_workspace, roots) = {
            let state = self.state();
            (state.workspace_scope(), state.roots.clone())
        };
        if is_workspace && !was_workspace && !roots.is_empty() {
            tokio::spawn(scan_workspace(
                self.state.clone(),
                self.client.clone(),
                roots,
            ));
        } else if was_workspace && !is_workspace {
            let dropped: Vec<Uri> = self
                .state()
                .workspace_files
                .drain()
                .map(|(u, _)| u)
                .collect();
            for uri in dropped {
                self.publish(uri, Vec::new(), None).await;
            }
        }
        self.report_settings_problems(problems).await;
        self.republish_all().await;
        if self.state().inlay_refresh {
            // In a task: the client's answer must not hold up other messages.
            let client = self.client.clone();
            tokio::spawn(async move {
                if let Err(error) = client.inlay_hint_refresh().await {
                    debug!("inlay hint refresh: {error}");
                }
            });
        }
    }

    async fn completion(&self, params: CompletionParams) -> Result<Option<CompletionResponse>> {
        let position = params.text_document_position;
        let mut state = self.state();
        let Some(context) = state.document_context(&position.text_document.uri) else {
            return Ok(None);
        };
        let Some(open) = state.documents.get(&position.text_document.uri) else {
            return Ok(None);
        };
        let offset = open.document.line_index().offset(
            convert::position_from_lsp(position.position),
            state.encoding,
        );
        let lazy = state
            .lazy_completion_docs
            .then_some(&position.text_document.uri);
        Ok(completion::complete(
            open.document.rope(),
            open.document.tree(),
            offset,
            &context.project,
            state.encoding,
            state.hover_format,
            lazy,
        ))
    }

    async fn completion_resolve(&self, item: CompletionItem) -> Result<CompletionItem> {
        let Some((uri, id)) = completion::resolve_target(&item) else {
            return Ok(item);
        };
        let mut state = self.state();
        let Some(context) = state.document_context(&uri) else {
            return Ok(item);
        };
        let intended_use = context.project.intended_use.unwrap_or_default();
        Ok(completion::resolve(
            item,
            &id,
            &context.resolver,
            intended_use,
            state.hover_format,
        ))
    }

    async fn inlay_hint(&self, params: InlayHintParams) -> Result<Option<Vec<InlayHint>>> {
        let uri = params.text_document.uri;
        let mut state = self.state();
        if state.settings.inlay_hints_enabled == Some(false) {
            return Ok(Some(Vec::new()));
        }
        let Some(context) = state.document_context(&uri) else {
            return Ok(None);
        };
        let Some(open) = state.documents.get(&uri) else {
            return Ok(None);
        };
        let index = open.document.line_index();
        let start = index.offset(
            convert::position_from_lsp(params.range.start),
            state.encoding,
        );
        let end = index.offset(convert::position_from_lsp(params.range.end), state.encoding);
        Ok(Some(inlay_hints::hints(
            &open.analysis,
            &index,
            state.encoding,
            &context.resolver,
            start..end.max(start),
        )))
    }

    async fn document_link(&self, params: DocumentLinkParams) -> Result<Option<Vec<DocumentLink>>> {
        let uri = params.text_document.uri;
        let mut state = self.state();
        let Some(context) = state.document_context(&uri) else {
            return Ok(None);
        };
        let Some(open) = state.documents.get(&uri) else {
            return Ok(None);
        };
        Ok(Some(inlay_hints::links(
            &open.analysis,
            open.document.rope(),
            &open.document.line_index(),
            state.encoding,
            &context.resolver,
        )))
    }

    async fn diagnostic(
        &self,
        params: DocumentDiagnosticParams,
    ) -> Result<DocumentDiagnosticReportResult> {
        let state = self.state();
        let items = state
            .documents
            .get(&params.text_document.uri)
            .map(|open| state.diagnostics(open).0)
            .or_else(|| {
                state
                    .workspace_files
                    .get(&params.text_document.uri)
                    .cloned()
            })
            .unwrap_or_default();
        Ok(DocumentDiagnosticReportResult::Report(
            DocumentDiagnosticReport::Full(RelatedFullDocumentDiagnosticReport {
                related_documents: None,
                full_document_diagnostic_report: FullDocumentDiagnosticReport {
                    result_id: None,
                    items,
                },
            }),
        ))
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        let position = params.text_document_position_params;
        let mut state = self.state();
        let Some(context) = state.document_context(&position.text_document.uri) else {
            return Ok(None);
        };
        let Some(open) = state.documents.get(&position.text_document.uri) else {
            return Ok(None);
        };
        let index = open.document.line_index();
        let offset = index.offset(
            convert::position_from_lsp(position.position),
            state.encoding,
        );
        let intended_use = context.project.intended_use.unwrap_or_default();
        for model_use in &open.analysis.uses {
            let on_method =
                model_use.method_range.contains(&offset) || model_use.method_range.end == offset;
            let hit = model_use.targets.iter().find(|t| {
                let r = t.range();
                r.contains(&offset) || r.end == offset
            });
            let targets: Vec<&Target> = match (hit, on_method) {
                (Some(target), _) => vec![target],
                (None, true) => model_use.targets.iter().collect(),
                (None, false) => continue,
            };
            let cards: Vec<String> = targets
                .iter()
                .map(|t| target_card(t, &context.resolver, intended_use, state.hover_format))
                .collect();
            let separator = match state.hover_format {
                Format::Markdown => "\n\n---\n\n",
                Format::PlainText => "\n\n",
            };
            let range_bytes = match hit {
                Some(target) => target.range().clone(),
                None => model_use.method_range.clone(),
            };
            return Ok(Some(Hover {
                contents: HoverContents::Markup(MarkupContent {
                    kind: match state.hover_format {
                        Format::Markdown => MarkupKind::Markdown,
                        Format::PlainText => MarkupKind::PlainText,
                    },
                    value: cards.join(separator),
                }),
                range: Some(convert::byte_range_to_lsp(
                    &index,
                    range_bytes,
                    state.encoding,
                )),
            }));
        }
        Ok(None)
    }
}

/// The hover text for one possible model id.
fn target_card(
    target: &Target,
    resolver: &Resolver,
    intended_use: IntendedUse,
    format: Format,
) -> String {
    match target {
        Target::Static { id, .. } => match resolver.resolve(id) {
            Some(resolved) => hover::card(id, &resolved, intended_use, format),
            None => hover::unknown_card(id, &resolver.suggest(id, 3), format),
        },
        Target::Dynamic { expression, .. } => hover::dynamic_card(expression, format),
    }
}
