//! The language server: documents in, diagnostics and hovers out.
//!
//! State lives behind a `std::sync::Mutex` that is never held across an
//! `.await`: each handler does its synchronous work (apply edits, analyse,
//! build the answer) under the lock, releases it, then talks to the client.
//! Notifications start in wire order, so edits are applied in wire order.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::Value;
use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer};
use tracing::{debug, info, warn};

use super::convert;
use super::settings::EditorSettings;
use crate::analysis::{Analysis, analyze};
use crate::config::ProjectConfig;
use crate::document::{Document, PositionEncoding};
use crate::extract::Target;
use crate::hover::{self, Format};
use crate::registry::{Lookup, Resolver};
use crate::rules::IntendedUse;
use crate::syntax::Language;

/// An open document and what we last computed for it.
struct OpenDocument {
    document: Document,
    analysis: Analysis,
}

struct State {
    encoding: PositionEncoding,
    hover_format: Format,
    settings: EditorSettings,
    resolver: Resolver,
    documents: HashMap<Uri, OpenDocument>,
}

impl State {
    fn project(&self) -> ProjectConfig {
        ProjectConfig {
            intended_use: self.settings.intended_use,
            ..ProjectConfig::default()
        }
    }

    fn analyze(&self, document: &Document) -> Analysis {
        analyze(
            document.tree(),
            document.rope(),
            &self.resolver,
            &self.project(),
            None,
        )
    }

    /// The diagnostics to publish for a document, with its version.
    fn diagnostics(&self, open: &OpenDocument) -> (Vec<Diagnostic>, i32) {
        let index = open.document.line_index();
        let diagnostics = open
            .analysis
            .findings
            .iter()
            .map(|f| convert::finding_to_diagnostic(f, &index, self.encoding))
            .collect();
        (diagnostics, open.document.version)
    }
}

pub struct Backend {
    client: Client,
    state: Arc<Mutex<State>>,
}

impl Backend {
    pub fn new(client: Client) -> Self {
        Self {
            client,
            state: Arc::new(Mutex::new(State {
                encoding: PositionEncoding::Utf16,
                hover_format: Format::Markdown,
                settings: EditorSettings::default(),
                resolver: Resolver::builtin(),
                documents: HashMap::new(),
            })),
        }
    }

    /// The state lock. A panic while holding it cannot leave documents half
    /// edited in a way worse than a stale analysis, so poisoning is ignored.
    fn state(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    async fn publish(&self, uri: Uri, diagnostics: Vec<Diagnostic>, version: Option<i32>) {
        self.client
            .publish_diagnostics(uri, diagnostics, version)
            .await;
    }

    /// Re-analyses every open document (after a settings change) and publishes.
    async fn republish_all(&self) {
        let batches: Vec<(Uri, Vec<Diagnostic>, i32)> = {
            let mut state = self.state();
            let uris: Vec<Uri> = state.documents.keys().cloned().collect();
            let mut batches = Vec::new();
            for uri in uris {
                let Some(open) = state.documents.get(&uri) else {
                    continue;
                };
                let analysis = state.analyze(&open.document);
                if let Some(open) = state.documents.get_mut(&uri) {
                    open.analysis = analysis;
                }
                if let Some(open) = state.documents.get(&uri) {
                    let (diagnostics, version) = state.diagnostics(open);
                    batches.push((uri, diagnostics, version));
                }
            }
            batches
        };
        for (uri, diagnostics, version) in batches {
            self.publish(uri, diagnostics, Some(version)).await;
        }
    }

    fn apply_settings(&self, value: &Value) -> Vec<String> {
        self.state().settings.apply(value)
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
        let problems = {
            let mut state = self.state();
            state.encoding = encoding;
            state.hover_format = hover_format;
            match &params.initialization_options {
                Some(options) => state.settings.apply(options),
                None => Vec::new(),
            }
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
                        ..TextDocumentSyncOptions::default()
                    },
                )),
                hover_provider: Some(HoverProviderCapability::Simple(true)),
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
    }

    async fn shutdown(&self) -> Result<()> {
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let item = params.text_document;
        let Some(language) = language_of(&item.uri, Some(&item.language_id)) else {
            debug!(
                uri = item.uri.as_str(),
                language = item.language_id,
                "not a JS/TS document"
            );
            return;
        };
        let published = {
            let mut state = self.state();
            let document = Document::new(language, item.version, &item.text);
            let analysis = state.analyze(&document);
            let open = OpenDocument { document, analysis };
            let published = state.diagnostics(&open);
            state.documents.insert(item.uri.clone(), open);
            published
        };
        self.publish(item.uri, published.0, Some(published.1)).await;
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        let uri = params.text_document.uri;
        let version = params.text_document.version;
        let published = {
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
            open.analysis = state.analyze(&open.document);
            let published = state.diagnostics(&open);
            state.documents.insert(uri.clone(), open);
            published
        };
        self.publish(uri, published.0, Some(published.1)).await;
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        let uri = params.text_document.uri;
        let was_open = self.state().documents.remove(&uri).is_some();
        if was_open {
            self.publish(uri, Vec::new(), None).await;
        }
    }

    async fn did_change_configuration(&self, params: DidChangeConfigurationParams) {
        let problems = self.apply_settings(&params.settings);
        self.report_settings_problems(problems).await;
        self.republish_all().await;
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        let position = params.text_document_position_params;
        let state = self.state();
        let Some(open) = state.documents.get(&position.text_document.uri) else {
            return Ok(None);
        };
        let index = open.document.line_index();
        let offset = index.offset(
            convert::position_from_lsp(position.position),
            state.encoding,
        );
        let intended_use = state.settings.intended_use.unwrap_or_default();
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
                .map(|t| target_card(t, &state.resolver, intended_use, state.hover_format))
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
