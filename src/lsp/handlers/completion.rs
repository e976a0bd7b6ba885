//! Model-id completion: [`crate::complete`] finds the site and the ids; this
//! turns them into LSP completion items.

use tower_lsp_server::ls_types::*;

use crate::complete::{self, Candidate};
use crate::config::ProjectConfig;
use ropey::Rope;

use crate::document::{LineIndex, PositionEncoding};
use crate::extract::Clients;
use crate::hover::Format;
use crate::licensing::Registry;
use crate::lsp::convert;

/// How items are documented: the client's card format, lazily (`lazy`: the
/// client resolves `documentation` for this document) or not, ages on the
/// cards counted from `now`.
#[derive(Debug, Clone, Copy)]
pub struct Docs<'a> {
    pub format: Format,
    pub lazy: Option<&'a Uri>,
    pub now: jiff::Timestamp,
}

/// The completion list at `offset`, or `None` when the cursor is not in a model id.
///
/// With `docs.lazy` (the client resolves `documentation`), items carry
/// `data` for [`resolve`] instead of their cards: a list of every id stays small.
/// `clients` are the document's SDK clients as its last analysis found them,
/// so completion is offered exactly where diagnostics would be (`None`: not
/// analysed yet, so nothing is known to be a client).
pub fn complete(
    rope: &Rope,
    clients: Option<&Clients>,
    offset: usize,
    project: &ProjectConfig,
    encoding: PositionEncoding,
    docs: Docs<'_>,
) -> Option<CompletionResponse> {
    let clients = clients?;
    let site = complete::id_site(rope, offset, clients)?;
    respond(rope, site, project, encoding, docs)
}

/// The completion list for a site found by [`complete::id_site`] or
/// [`complete::provider_id_site`].
fn respond(
    rope: &Rope,
    site: complete::IdSite,
    project: &ProjectConfig,
    encoding: PositionEncoding,
    docs: Docs<'_>,
) -> Option<CompletionResponse> {
    let intended_use = project.intended_use.unwrap_or_default();
    let project_models = project
        .path
        .as_deref()
        .map(|path| (project.models.as_ref(), path));
    let candidates = complete::candidates_on(
        site.route,
        &site.prefix,
        project_models,
        Registry::builtin(),
        intended_use,
    );
    let index = LineIndex::new(rope);
    let range = convert::byte_range_to_lsp(&index, site.range, encoding);
    let items = candidates
        .into_iter()
        .map(|candidate| item(candidate, site.route, range, intended_use, docs))
        .collect();
    Some(CompletionResponse::List(CompletionList {
        is_incomplete: false,
        items,
    }))
}

fn item(
    candidate: Candidate,
    route: crate::extract::Route,
    range: Range,
    intended_use: crate::rules::IntendedUse,
    docs: Docs<'_>,
) -> CompletionItem {
    let Docs { format, lazy, now } = docs;
    let (documentation, data) = match lazy {
        Some(uri) => (
            None,
            Some(serde_json::json!({ "uri": uri.as_str(), "id": candidate.name, "route": route })),
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

/// What a lazily documented item stands for: its document, id and route.
pub struct ResolveTarget {
    pub uri: Uri,
    pub id: String,
    pub route: crate::extract::Route,
}

/// The document, id and route a lazily documented item stands for (items
/// from before routes existed have none: the Abstrakt route).
pub fn resolve_target(item: &CompletionItem) -> Option<ResolveTarget> {
    let data = item.data.as_ref()?;
    let uri = data.get("uri")?.as_str()?.parse().ok()?;
    let id = data.get("id")?.as_str()?.to_string();
    let route = data
        .get("route")
        .and_then(|route| serde_json::from_value(route.clone()).ok())
        .unwrap_or(crate::extract::Route::Abstrakt);
    Some(ResolveTarget { uri, id, route })
}

/// Fills in the card of an item from [`complete`] with lazy documentation.
pub fn resolve(
    mut item: CompletionItem,
    target: &ResolveTarget,
    resolver: &crate::registry::Resolver,
    intended_use: crate::rules::IntendedUse,
    format: Format,
    now: jiff::Timestamp,
) -> CompletionItem {
    let id = target.id.as_str();
    if let Some(resolved) = crate::rules::resolve_on(resolver, target.route, id) {
        let card = crate::hover::card(id, &resolved, intended_use, format, now);
        let card = crate::hover::with_route(card, target.route, format);
        item.documentation = Some(documentation(card, format));
    }
    item
}

/// `textDocument/completion` on the current text (the cursor is where the user
/// just typed), with the clients of the latest analysis: nothing is parsed here.
pub fn request(view: &crate::lsp::session::View, position: Position) -> Option<CompletionResponse> {
    let project = view.project();
    let encoding = view.caps.encoding;
    let offset = view
        .current
        .line_index()
        .offset(convert::position_from_lsp(position), encoding);
    let lazy = view.caps.lazy_completion_docs.then_some(&view.uri);
    let docs = Docs {
        format: view.caps.hover_format,
        lazy,
        now: view.now,
    };
    let rope = view.current.rope();
    complete(
        rope,
        view.analysed.clients.as_deref(),
        offset,
        &project.config,
        encoding,
        docs,
    )
    .or_else(|| {
        // A provider call's literal, from the analysis of this very text
        // (an older analysis's byte ranges would point elsewhere).
        if view.analysed.document.revision() != view.current.revision() {
            return None;
        }
        let uses = &view.analysed.analysis.uses;
        let site = complete::provider_id_site(rope, offset, uses)?;
        respond(rope, site, &project.config, encoding, docs)
    })
}

/// `completionItem/resolve`: the card of a lazily documented item.
pub fn resolve_request(
    session: &crate::lsp::session::Session,
    item: CompletionItem,
) -> CompletionItem {
    let Some(target) = resolve_target(&item) else {
        return item;
    };
    let Some(view) = session.view(&target.uri) else {
        return item;
    };
    let project = view.project();
    let intended_use = project.intended_use();
    resolve(
        item,
        &target,
        &project.resolver,
        intended_use,
        view.caps.hover_format,
        view.now,
    )
}
