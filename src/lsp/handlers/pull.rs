//! `textDocument/diagnostic` (pull diagnostics) for clients that do not take
//! pushed ones: the latest analysis, or a workspace file's last result.

use tower_lsp_server::ls_types::*;

use crate::lsp::diagnostics;
use crate::lsp::session::Session;

pub fn diagnostic(session: &Session, uri: &Uri) -> DocumentDiagnosticReportResult {
    let items = match session.view(uri) {
        Some(view) => diagnostics::of_snapshot(&view.analysed, view.caps.encoding),
        // Open but over its limits: nothing; not open: the workspace scan's result.
        None => {
            let state = session.state();
            match state.documents.contains_key(uri) {
                true => Vec::new(),
                false => state.workspace_files.get(uri).cloned().unwrap_or_default(),
            }
        }
    };
    DocumentDiagnosticReportResult::Report(DocumentDiagnosticReport::Full(
        RelatedFullDocumentDiagnosticReport {
            related_documents: None,
            full_document_diagnostic_report: FullDocumentDiagnosticReport {
                result_id: None,
                items,
            },
        },
    ))
}
