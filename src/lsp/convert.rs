//! The thin layer between our types and the LSP types crate (which is still
//! moving in the tower-lsp-server fork): nothing else in `lsp` builds LSP
//! positions, ranges or diagnostics by hand.

use std::ops::Range;

use serde::{Deserialize, Serialize};
use tower_lsp_server::ls_types as lsp;

use crate::document::{LineIndex, Position, PositionEncoding, TextChange, TextRange};
use crate::rules::{Finding, Severity};

pub fn position_from_lsp(p: lsp::Position) -> Position {
    Position::new(p.line, p.character)
}

pub fn position_to_lsp(p: Position) -> lsp::Position {
    lsp::Position::new(p.line, p.character)
}

pub fn range_to_lsp(r: TextRange) -> lsp::Range {
    lsp::Range::new(position_to_lsp(r.start), position_to_lsp(r.end))
}

pub fn byte_range_to_lsp(
    index: &LineIndex<'_>,
    bytes: Range<usize>,
    encoding: PositionEncoding,
) -> lsp::Range {
    range_to_lsp(index.range(bytes, encoding))
}

pub fn change_from_lsp(change: lsp::TextDocumentContentChangeEvent) -> TextChange {
    TextChange {
        range: change.range.map(|r| TextRange {
            start: position_from_lsp(r.start),
            end: position_from_lsp(r.end),
        }),
        text: change.text,
    }
}

pub fn encoding_to_lsp(encoding: PositionEncoding) -> lsp::PositionEncodingKind {
    match encoding {
        PositionEncoding::Utf8 => lsp::PositionEncodingKind::UTF8,
        PositionEncoding::Utf16 => lsp::PositionEncodingKind::UTF16,
        PositionEncoding::Utf32 => lsp::PositionEncodingKind::UTF32,
    }
}

/// UTF-8 when the client offers it (no conversion at all), else UTF-16, which
/// every client must support.
pub fn negotiate_encoding(offered: Option<&[lsp::PositionEncodingKind]>) -> PositionEncoding {
    match offered {
        Some(kinds) if kinds.contains(&lsp::PositionEncodingKind::UTF8) => PositionEncoding::Utf8,
        _ => PositionEncoding::Utf16,
    }
}

pub fn severity_to_lsp(severity: Severity) -> lsp::DiagnosticSeverity {
    match severity {
        Severity::Error => lsp::DiagnosticSeverity::ERROR,
        Severity::Warning => lsp::DiagnosticSeverity::WARNING,
        Severity::Info => lsp::DiagnosticSeverity::INFORMATION,
        Severity::Hint => lsp::DiagnosticSeverity::HINT,
    }
}

/// A finding as an LSP diagnostic. `data` carries what quick fixes need so
/// they do not have to recompute it.
pub fn finding_to_diagnostic(
    finding: &Finding,
    index: &LineIndex<'_>,
    encoding: PositionEncoding,
) -> lsp::Diagnostic {
    lsp::Diagnostic {
        range: byte_range_to_lsp(index, finding.range.clone(), encoding),
        severity: Some(severity_to_lsp(finding.severity)),
        code: Some(lsp::NumberOrString::String(
            finding.code.as_str().to_string(),
        )),
        source: Some("abstrakt".to_string()),
        message: finding.message.clone(),
        data: Some(DiagnosticData::of(finding).to_value()),
        ..lsp::Diagnostic::default()
    }
}

/// What a diagnostic carries for the quick fixes, so they need not recompute
/// it. Serialized as the diagnostic's `data` (camelCase keys).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DiagnosticData {
    pub model_id: Option<String>,
    pub canonical_id: Option<String>,
    pub license: Option<String>,
    #[serde(default)]
    pub suggestions: Vec<String>,
}

impl DiagnosticData {
    pub fn of(finding: &Finding) -> Self {
        Self {
            model_id: finding.model_id.clone(),
            canonical_id: finding.canonical_id.clone(),
            license: finding.license.clone(),
            suggestions: finding.suggestions.clone(),
        }
    }

    /// The data of one of our diagnostics as a client sent it back; `None`
    /// when it has none or it is not ours.
    pub fn from_diagnostic(diagnostic: &lsp::Diagnostic) -> Option<Self> {
        serde_json::from_value(diagnostic.data.clone()?).ok()
    }

    pub fn to_value(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }
}
