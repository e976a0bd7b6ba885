//! Inlay hints after each resolved model id (`FLUX.1-dev · attribution`) and
//! document links from each model-id literal to its license.

use tower_lsp_server::ls_types::*;

use crate::analysis::Analysis;
use crate::document::{LineIndex, PositionEncoding};
use crate::extract::Target;
use crate::fixes;
use crate::lsp::convert;
use crate::registry::Resolver;
use crate::rules::resolve_on;
use crate::text::SourceText;

/// The hints whose position falls in `range` (bytes).
pub fn hints(
    analysis: &Analysis,
    index: &LineIndex<'_>,
    encoding: PositionEncoding,
    resolver: &Resolver,
    range: std::ops::Range<usize>,
) -> Vec<InlayHint> {
    let mut hints = Vec::new();
    for model_use in &analysis.uses {
        for target in &model_use.targets {
            let Target::Static { id, range: at } = target else {
                continue;
            };
            if at.end < range.start || at.end > range.end {
                continue;
            }
            let Some(resolved) = resolve_on(resolver, model_use.route(), id) else {
                continue;
            };
            let licensing = &resolved.model.licensing;
            hints.push(InlayHint {
                position: convert::position_to_lsp(index.position(at.end, encoding)),
                label: InlayHintLabel::String(licensing.short_summary()),
                kind: None,
                text_edits: None,
                tooltip: Some(InlayHintTooltip::String(format!(
                    "{} ({}): commercial use {}, attribution {}",
                    resolved.model.name,
                    resolved.source.label(),
                    licensing.commercial.label().to_lowercase(),
                    licensing.attribution.label().to_lowercase()
                ))),
                padding_left: Some(true),
                padding_right: None,
                data: None,
            });
        }
    }
    hints
}

/// A link on the inside of each model-id literal to its license text.
pub fn links<S: SourceText + ?Sized>(
    analysis: &Analysis,
    text: &S,
    index: &LineIndex<'_>,
    encoding: PositionEncoding,
    resolver: &Resolver,
) -> Vec<DocumentLink> {
    let mut links = Vec::new();
    for model_use in &analysis.uses {
        for target in &model_use.targets {
            let Target::Static { id, range } = target else {
                continue;
            };
            let literal = text.slice(range.clone());
            let Some(inside) = fixes::literal_inside(&literal, &(0..literal.len())) else {
                continue;
            };
            let Some(resolved) = resolve_on(resolver, model_use.route(), id) else {
                continue;
            };
            let Some(url) = resolved.model.licensing.license_url.as_deref() else {
                continue;
            };
            let Ok(target) = url.parse::<Uri>() else {
                continue;
            };
            let bytes = range.start + inside.start..range.start + inside.end;
            links.push(DocumentLink {
                range: convert::byte_range_to_lsp(index, bytes, encoding),
                target: Some(target),
                tooltip: Some(format!("{} license", resolved.model.licensing.license)),
                data: None,
            });
        }
    }
    links
}

/// `textDocument/inlayHint` from the latest analysis.
pub fn hints_request(
    view: &crate::lsp::session::View,
    range: tower_lsp_server::ls_types::Range,
) -> Vec<InlayHint> {
    if view.settings.inlay_hints_enabled == Some(false) {
        return Vec::new();
    }
    let project = view.project();
    let encoding = view.caps.encoding;
    let snapshot = &view.analysed;
    let index = snapshot.document.line_index();
    let start = index.offset(convert::position_from_lsp(range.start), encoding);
    let end = index.offset(convert::position_from_lsp(range.end), encoding);
    hints(
        &snapshot.analysis,
        &index,
        encoding,
        &project.resolver,
        start..end.max(start),
    )
}

/// `textDocument/documentLink` from the latest analysis.
pub fn links_request(view: &crate::lsp::session::View) -> Vec<DocumentLink> {
    let project = view.project();
    let snapshot = &view.analysed;
    links(
        &snapshot.analysis,
        snapshot.document.rope(),
        &snapshot.document.line_index(),
        view.caps.encoding,
        &project.resolver,
    )
}
