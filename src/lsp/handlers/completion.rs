//! Model-id completion: [`crate::complete`] finds the site and the ids; this
//! turns them into LSP completion items.

use tower_lsp_server::ls_types::*;

use crate::complete::{self, Candidate};
use crate::config::ProjectConfig;
use crate::document::{Document, LineIndex, PositionEncoding};
use crate::extract;
use crate::hover::Format;
use crate::licensing::Registry;
use crate::lsp::convert;

/// The completion list at `offset`, or `None` when the cursor is not in a model id.
///
/// With `lazy_docs` (the client resolves `documentation`), items carry
/// `data` for [`resolve`] instead of their cards: a list of every id stays small.
pub fn complete(
    document: &Document,
    offset: usize,
    project: &ProjectConfig,
    encoding: PositionEncoding,
    format: Format,
    lazy_docs: Option<&Uri>,
    now: jiff::Timestamp,
) -> Option<CompletionResponse> {
    let rope = document.rope();
    // Clients as extraction sees them, so completion and diagnostics agree;
    // the tree is only needed (and parsed if it was dropped) at an SDK call.
    let clients = || extract::clients(document.tree(), rope, &project.extract_options());
    let site = complete::id_site(rope, offset, clients)?;
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
        .map(|candidate| item(candidate, range, intended_use, format, lazy_docs, now))
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
    lazy_docs: Option<&Uri>,
    now: jiff::Timestamp,
) -> CompletionItem {
    let (documentation, data) = match lazy_docs {
        Some(uri) => (
            None,
            Some(serde_json::json!({ "uri": uri.as_str(), "id": candidate.name })),
        ),
        None => (
            Some(documentation(
                candidate.card(intended_use, format, now),
                format,
            )),
            None,
        ),
    };
    CompletionItem {
        label: candidate.name.clone(),
        label_details: Some(CompletionItemLabelDetails {
            detail: None,
            description: Some(candidate.description),
        }),
        kind: Some(CompletionItemKind::CONSTANT),
        detail: Some(candidate.model.licensing.license.clone()),
        documentation,
        data,
        sort_text: Some(candidate.sort_text),
        filter_text: Some(candidate.name.clone()),
        text_edit: Some(CompletionTextEdit::Edit(TextEdit {
            range,
            new_text: candidate.name,
        })),
        ..CompletionItem::default()
    }
}

fn documentation(card: String, format: Format) -> Documentation {
    Documentation::MarkupContent(MarkupContent {
        kind: match format {
            Format::Markdown => MarkupKind::Markdown,
            Format::PlainText => MarkupKind::PlainText,
        },
        value: card,
    })
}

/// The document and id a lazily documented item stands for.
pub fn resolve_target(item: &CompletionItem) -> Option<(Uri, String)> {
    let data = item.data.as_ref()?;
    let uri = data.get("uri")?.as_str()?.parse().ok()?;
    let id = data.get("id")?.as_str()?.to_string();
    Some((uri, id))
}

/// Fills in the card of an item from [`complete`] with lazy documentation.
pub fn resolve(
    mut item: CompletionItem,
    id: &str,
    resolver: &crate::registry::Resolver,
    intended_use: crate::rules::IntendedUse,
    format: Format,
    now: jiff::Timestamp,
) -> CompletionItem {
    use crate::registry::Lookup;
    if let Some(resolved) = resolver.resolve(id) {
        let card = crate::hover::card(id, &resolved, intended_use, format, now);
        item.documentation = Some(documentation(card, format));
    }
    item
}

/// `textDocument/completion` on the current text (not the last analysis: the
/// cursor is where the user just typed).
pub fn request(view: &crate::lsp::session::View, position: Position) -> Option<CompletionResponse> {
    let project = view.project();
    let encoding = view.caps.encoding;
    let offset = view
        .current
        .line_index()
        .offset(convert::position_from_lsp(position), encoding);
    let lazy = view.caps.lazy_completion_docs.then_some(&view.uri);
    // The view is a copy: bring its tree up to date with the edits typed since
    // the last parse (incremental, cheap) so client detection reads current text.
    let mut document = view.current.clone();
    document.reparse();
    complete(
        &document,
        offset,
        &project.config,
        encoding,
        view.caps.hover_format,
        lazy,
        view.now,
    )
}

/// `completionItem/resolve`: the card of a lazily documented item.
pub fn resolve_request(
    session: &crate::lsp::session::Session,
    item: CompletionItem,
) -> CompletionItem {
    let Some((uri, id)) = resolve_target(&item) else {
        return item;
    };
    let Some(view) = session.view(&uri) else {
        return item;
    };
    let project = view.project();
    let intended_use = project.intended_use();
    resolve(
        item,
        &id,
        &project.resolver,
        intended_use,
        view.caps.hover_format,
        view.now,
    )
}
