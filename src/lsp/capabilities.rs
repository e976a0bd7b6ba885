//! Capability negotiation: what the client can do, and what we offer it.

use tower_lsp_server::ls_types::*;

use super::convert;
use crate::document::PositionEncoding;
use crate::hover::Format;

/// The command behind the "acknowledge in abstrakt.lock" quick fix:
/// arguments `[document uri, canonical model id]`.
pub const ACKNOWLEDGE_COMMAND: &str = "abstrakt.acknowledgeLicensing";

/// The Markdown licensing report of the workspace (what `abstrakt-lsp report
/// --format markdown` prints), made with the editor's settings: intended use,
/// offline, API. Arguments: none, or `[folder uri]` for one workspace folder.
pub const REPORT_COMMAND: &str = "abstrakt.report";

/// Writes the project's attribution file (`[attribution] file`) as
/// `report --format attribution` does, from the project's files on disk.
/// Arguments: `[document uri]`; the project is the document's.
pub const REGENERATE_ATTRIBUTION_COMMAND: &str = "abstrakt.regenerateAttribution";

/// The source action (VS Code's "Source Action…" menu) that runs
/// [`REGENERATE_ATTRIBUTION_COMMAND`].
pub const REGENERATE_ATTRIBUTION_KIND: &str = "source.abstrakt.regenerateAttribution";

/// Every command the server executes (advertised in `initialize`; executed
/// by [`super::commands`]).
pub const COMMANDS: &[&str] = &[
    ACKNOWLEDGE_COMMAND,
    REPORT_COMMAND,
    REGENERATE_ATTRIBUTION_COMMAND,
];

/// Characters that open completion (quotes start an id, `/` continues one).
pub const TRIGGERS: [&str; 4] = ["'", "\"", "`", "/"];

/// What the client told us in `initialize` that changes our answers.
#[derive(Debug, Clone, Copy)]
pub struct ClientCaps {
    pub encoding: PositionEncoding,
    pub hover_format: Format,
    /// The client registers file watchers dynamically.
    pub watch_dynamic: bool,
    /// The client can be asked to refresh inlay hints.
    pub inlay_refresh: bool,
    /// The client resolves completion `documentation` lazily.
    pub lazy_completion_docs: bool,
    /// The client takes pushed diagnostics.
    pub takes_push: bool,
}

impl Default for ClientCaps {
    fn default() -> Self {
        Self {
            encoding: PositionEncoding::Utf16,
            hover_format: Format::Markdown,
            watch_dynamic: false,
            inlay_refresh: false,
            lazy_completion_docs: false,
            takes_push: false,
        }
    }
}

impl ClientCaps {
    pub fn from_params(params: &InitializeParams) -> Self {
        let text_document = params.capabilities.text_document.as_ref();
        let workspace = params.capabilities.workspace.as_ref();
        let offered = params
            .capabilities
            .general
            .as_ref()
            .and_then(|g| g.position_encodings.as_deref());
        let hover_format = match text_document
            .and_then(|t| t.hover.as_ref())
            .and_then(|h| h.content_format.as_ref())
        {
            Some(formats) if !formats.contains(&MarkupKind::Markdown) => Format::PlainText,
            _ => Format::Markdown,
        };
        Self {
            encoding: convert::negotiate_encoding(offered),
            hover_format,
            watch_dynamic: workspace
                .and_then(|w| w.did_change_watched_files.as_ref())
                .and_then(|w| w.dynamic_registration)
                .unwrap_or(false),
            inlay_refresh: workspace
                .and_then(|w| w.inlay_hint.as_ref())
                .and_then(|i| i.refresh_support)
                .unwrap_or(false),
            lazy_completion_docs: text_document
                .and_then(|t| t.completion.as_ref())
                .and_then(|c| c.completion_item.as_ref())
                .and_then(|i| i.resolve_support.as_ref())
                .is_some_and(|r| r.properties.iter().any(|p| p == "documentation")),
            takes_push: text_document
                .and_then(|t| t.publish_diagnostics.as_ref())
                .is_some(),
        }
    }
}

/// What we offer. Pull diagnostics are for clients that prefer them: a client
/// that also takes pushed diagnostics (VS Code does both) would show every
/// finding twice, once per collection, so it gets push only.
pub fn server_capabilities(caps: &ClientCaps) -> ServerCapabilities {
    ServerCapabilities {
        position_encoding: Some(convert::encoding_to_lsp(caps.encoding)),
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
        diagnostic_provider: (!caps.takes_push).then(|| {
            DiagnosticServerCapabilities::Options(DiagnosticOptions {
                identifier: Some("abstrakt".to_string()),
                inter_file_dependencies: true,
                workspace_diagnostics: false,
                work_done_progress_options: WorkDoneProgressOptions::default(),
            })
        }),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(TRIGGERS.iter().map(|c| c.to_string()).collect()),
            resolve_provider: Some(true),
            completion_item: Some(CompletionOptionsCompletionItem {
                label_details_support: Some(true),
            }),
            ..CompletionOptions::default()
        }),
        code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
            code_action_kinds: Some(vec![
                CodeActionKind::QUICKFIX,
                CodeActionKind::REFACTOR_REWRITE,
                CodeActionKind::new(REGENERATE_ATTRIBUTION_KIND),
            ]),
            ..CodeActionOptions::default()
        })),
        execute_command_provider: Some(ExecuteCommandOptions {
            commands: COMMANDS.iter().map(|c| (*c).to_string()).collect(),
            ..ExecuteCommandOptions::default()
        }),
        ..ServerCapabilities::default()
    }
}
