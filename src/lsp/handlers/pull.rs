//! `textDocument/diagnostic` (pull diagnostics) for clients that do not take
//! pushed ones: the latest analysis, or a workspace file's last result.

use tower_lsp_server::ls_types::*;

use crate::lsp::diagnostics;
use crate::lsp::session::Session;

pub fn diagnostic(session: &Session, uri: &Uri) -> DocumentDiagnosticReportResult {
    let items = match session.view_any(uri) {
        // Open: its latest analysis (nothing when over its limits, a
        // "not analysed" warning when it did not parse in time).
        Some(view) => diagnostics::of_snapshot(&view.analysed, view.caps.encoding),
        // Not open: the workspace scan's result.
        None => {
            let state = session.state();
            state.workspace_files.get(uri).cloned().unwrap_or_default()
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
