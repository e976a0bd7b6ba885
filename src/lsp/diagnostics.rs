//! Diagnostics: findings as LSP diagnostics (with typed `data` for the quick
//! fixes), project-file problems, and publishing.

use tower_lsp_server::ls_types::*;
use tracing::warn;

use super::convert;
use super::session::{NotAnalysed, Session, Snapshot};
use crate::analysis::Analysis;
use crate::config::ConfigError;
use crate::document::{LineIndex, PositionEncoding};

pub use super::convert::DiagnosticData;

/// The code of the diagnostic that marks a document whose findings are
/// unavailable (it did not parse in time), so the editor never looks clean
/// where nothing was checked.
pub const NOT_ANALYSED_CODE: &str = "not-analysed";

/// The diagnostics of an analysed document.
pub fn of_snapshot(snapshot: &Snapshot, encoding: PositionEncoding) -> Vec<Diagnostic> {
    if let Some(NotAnalysed::Unparsable(failure)) = snapshot.not_analysed {
        return vec![Diagnostic {
            range: Range::default(),
            severity: Some(DiagnosticSeverity::WARNING),
            code: Some(NumberOrString::String(NOT_ANALYSED_CODE.to_string())),
            source: Some("abstrakt".to_string()),
            message: format!(
                "Licensing not checked: {failure}. Model calls in this file are not reported until it parses."
            ),
            ..Diagnostic::default()
        }];
    }
    of_analysis(
        &snapshot.analysis,
        &snapshot.document.line_index(),
        encoding,
    )
}

/// The diagnostics of an analysis of the text `index` was made from.
pub fn of_analysis(
    analysis: &Analysis,
    index: &LineIndex,
    encoding: PositionEncoding,
) -> Vec<Diagnostic> {
    analysis
        .findings
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let mut diagnostic = convert::finding_to_diagnostic(f, index, encoding);
            if let Some((_, found)) = analysis.attribution_found.iter().find(|(j, _)| *j == i)
                && let Some(uri) = Uri::from_file_path(&found.path)
            {
                let column = |(line, columns): (u32, [u32; 3])| {
                    let character = match encoding {
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
        .collect()
}

/// A project-file problem as a diagnostic on that file.
pub fn config_diagnostic(error: &ConfigError) -> Diagnostic {
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

/// Tells the user about project files that failed (or recovered) since the
/// last call: a diagnostic on the file when it is open in the editor, else a
/// message.
pub async fn report_loads(session: &Session) {
    for report in session.take_reports() {
        let Some(uri) = Uri::from_file_path(&report.path) else {
            continue;
        };
        let open = session.state().open_project_files.contains(&uri);
        if let Some(error) = &report.error {
            warn!("{error}");
        }
        match (&report.error, open) {
            (error, true) => {
                let diagnostics = error.iter().map(config_diagnostic).collect();
                session
                    .client
                    .publish_diagnostics(uri, diagnostics, None)
                    .await;
            }
            (Some(error), false) => {
                session
                    .client
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_round_trips_through_the_wire_shape() {
        let data = DiagnosticData {
            model_id: Some("flux-dev".into()),
            canonical_id: Some("flux-dev".into()),
            license: None,
            suggestions: vec!["flux-schnell".into()],
        };
        let value = data.to_value();
        assert_eq!(
            value,
            serde_json::json!({
                "modelId": "flux-dev",
                "canonicalId": "flux-dev",
                "license": null,
                "suggestions": ["flux-schnell"],
            })
        );
        let diagnostic = Diagnostic {
            data: Some(value),
            ..Diagnostic::default()
        };
        assert_eq!(DiagnosticData::from_diagnostic(&diagnostic), Some(data));
        let foreign = Diagnostic {
            data: Some(serde_json::json!("not ours")),
            ..Diagnostic::default()
        };
        assert_eq!(DiagnosticData::from_diagnostic(&foreign), None);
    }
}
