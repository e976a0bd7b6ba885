//! Model-id completion: [`crate::complete`] finds the site and the ids; this
//! turns them into LSP completion items.

use ropey::Rope;
use tower_lsp_server::ls_types::*;

use super::convert;
use crate::complete::{self, Candidate};
use crate::config::ProjectConfig;
use crate::document::{LineIndex, PositionEncoding};
use crate::hover::Format;
use crate::licensing::Registry;

/// The characters that open or continue a model id.
pub const TRIGGERS: [&str; 4] = ["'", "\"", "`", "/"];

/// The completion list at `offset`, or `None` when the cursor is not in a model id.
pub fn complete(
    rope: &Rope,
    offset: usize,
    project: &ProjectConfig,
    encoding: PositionEncoding,
    format: Format,
) -> Option<CompletionResponse> {
    let site = complete::id_site(rope, offset, &project.client_names)?;
    let intended_use = project.intended_use.unwrap_or_default();
    let project_models = project
        .path
        .as_deref()
        .map(|path| (project.models.as_ref(), path));
    let candidates = complete::candidates(
        &site.prefix,
        project_models,
        Registry::builtin(),
        intended_use,
    );
    let index = LineIndex::new(rope);
    let range = convert::byte_range_to_lsp(&index, site.range, encoding);
    let items = candidates
        .into_iter()
        .map(|candidate| item(candidate, range, intended_use, format))
        .collect();
    Some(CompletionResponse::List(CompletionList {
        is_incomplete: false,
        items,
    }))
}

fn item(
    candidate: Candidate,
    range: Range,
    intended_use: crate::rules::IntendedUse,
    format: Format,
) -> CompletionItem {
    let card = candidate.card(intended_use, format);
    CompletionItem {
        label: candidate.name.clone(),
        label_details: Some(CompletionItemLabelDetails {
            detail: None,
            description: Some(candidate.description),
        }),
        kind: Some(CompletionItemKind::CONSTANT),
        detail: Some(candidate.model.licensing.license.clone()),
        documentation: Some(Documentation::MarkupContent(MarkupContent {
            kind: match format {
                Format::Markdown => MarkupKind::Markdown,
                Format::PlainText => MarkupKind::PlainText,
            },
            value: card,
        })),
        sort_text: Some(candidate.sort_text),
        filter_text: Some(candidate.name.clone()),
        text_edit: Some(CompletionTextEdit::Edit(TextEdit {
            range,
            new_text: candidate.name,
        })),
        ..CompletionItem::default()
    }
}
