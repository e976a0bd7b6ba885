//! The `LanguageServer` implementation: each method hands its parameters to
//! the module that owns the feature. Requests answer from the latest
//! snapshot inside [`guarded`], so a panic becomes an error response and the
//! server keeps serving. Nothing here parses: completion and code actions,
//! which work on the text the user just typed, wait (briefly, without
//! blocking other messages) for the analysis of that text.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use serde_json::Value;
use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer};

use super::guard::{guarded, inject_panic};
use super::handlers::{code_actions, completion, documents, hover, inlay_hints, pull, watched};
use super::session::Session;
use super::{commands, lifecycle};

/// How long completion waits for the analysis of the text the user sees (a
/// keystroke's analysis takes milliseconds; the first analysis of a large
/// file, or one on a busy machine, longer). A text whose parse runs long is
/// answered from the analysis there is.
const COMPLETION_PATIENCE: Duration = Duration::from_secs(2);
/// The same for code actions, which editors ask for on every cursor move.
const CODE_ACTION_PATIENCE: Duration = Duration::from_secs(1);

pub struct Backend {
    session: Arc<Session>,
}

impl Backend {
    pub fn new(client: Client) -> Self {
        Self {
            session: Arc::new(Session::new(client)),
        }
    }

    /// The session, for [`super::serve`] to read the exit status from.
    pub fn session(&self) -> Arc<Session> {
        self.session.clone()
    }
}

impl LanguageServer for Backend {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        lifecycle::initialize(&self.session, params)
    }

    async fn initialized(&self, _: InitializedParams) {
        lifecycle::initialized(&self.session).await;
    }

    async fn shutdown(&self) -> Result<()> {
        self.session
            .shutdown_requested
            .store(true, Ordering::Relaxed);
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        documents::did_open(&self.session, params).await;
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        documents::did_change(&self.session, params).await;
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        documents::did_close(&self.session, params).await;
    }

    async fn did_save(&self, params: DidSaveTextDocumentParams) {
        documents::did_save(&self.session, params).await;
    }

    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        watched::did_change_watched_files(&self.session, params).await;
    }

    async fn did_change_configuration(&self, params: DidChangeConfigurationParams) {
        lifecycle::did_change_configuration(&self.session, params).await;
    }

    async fn execute_command(&self, params: ExecuteCommandParams) -> Result<Option<Value>> {
        commands::execute(&self.session, params).await
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        let uri = &params.text_document.uri;
        let Some(view) = self
            .session
            .view_when_analysed(uri, CODE_ACTION_PATIENCE)
            .await
        else {
            return Ok(None);
        };
        guarded("codeAction", || {
            inject_panic(&view.current, "codeAction");
            Some(code_actions::request(&view, &params))
        })
    }

    async fn completion(&self, params: CompletionParams) -> Result<Option<CompletionResponse>> {
        let position = params.text_document_position;
        let uri = &position.text_document.uri;
        let Some(view) = self
            .session
            .view_when_analysed(uri, COMPLETION_PATIENCE)
            .await
        else {
            return Ok(None);
        };
        guarded("completion", || {
            inject_panic(&view.current, "completion");
            completion::request(&view, position.position)
        })
    }

    async fn completion_resolve(&self, item: CompletionItem) -> Result<CompletionItem> {
        guarded("completionItem/resolve", || {
            completion::resolve_request(&self.session, item)
        })
    }

    async fn inlay_hint(&self, params: InlayHintParams) -> Result<Option<Vec<InlayHint>>> {
        let Some(view) = self.session.view(&params.text_document.uri) else {
            return Ok(None);
        };
        guarded("inlayHint", || {
            inject_panic(&view.current, "inlayHint");
            Some(inlay_hints::hints_request(&view, params.range))
        })
    }

    async fn document_link(&self, params: DocumentLinkParams) -> Result<Option<Vec<DocumentLink>>> {
        let Some(view) = self.session.view(&params.text_document.uri) else {
            return Ok(None);
        };
        guarded("documentLink", || {
            inject_panic(&view.current, "documentLink");
            Some(inlay_hints::links_request(&view))
        })
    }

    async fn diagnostic(
        &self,
        params: DocumentDiagnosticParams,
    ) -> Result<DocumentDiagnosticReportResult> {
        guarded("diagnostic", || {
            pull::diagnostic(&self.session, &params.text_document.uri)
        })
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        let position = params.text_document_position_params;
        let Some(view) = self.session.view(&position.text_document.uri) else {
            return Ok(None);
        };
        guarded("hover", || {
            inject_panic(&view.current, "hover");
            hover::hover(&view, position.position)
        })
    }
}
