//! `textDocument/hover`: the licensing card of the model id under the cursor,
//! from the latest analysis.

use tower_lsp_server::ls_types::*;

use crate::extract::{Route, Target};
use crate::hover::{self, Format};
use crate::lsp::convert;
use crate::lsp::session::View;
use crate::registry::Resolver;
use crate::rules::{self, IntendedUse};

pub fn hover(view: &View, position: Position) -> Option<Hover> {
    let project = view.project();
    let snapshot = &view.analysed;
    let encoding = view.caps.encoding;
    let format = view.caps.hover_format;
    let index = snapshot.document.line_index();
    let offset = index.offset(convert::position_from_lsp(position), encoding);
    let intended_use = project.intended_use();
    for model_use in &snapshot.analysis.uses {
        let on_method =
            model_use.method_range.contains(&offset) || model_use.method_range.end == offset;
        let hit = model_use.targets.iter().find(|t| {
            let r = t.range();
            r.contains(&offset) || r.end == offset
        });
        let targets: Vec<&Target> = match (hit, on_method) {
            (Some(target), _) => vec![target],
            (None, true) => model_use.targets.iter().collect(),
            (None, false) => continue,
        };
        let cards: Vec<String> = targets
            .iter()
            .map(|t| {
                target_card(
                    t,
                    model_use.route(),
                    &project.resolver,
                    intended_use,
                    format,
                    view.now,
                )
            })
            .collect();
        let separator = match format {
            Format::Markdown => "\n\n---\n\n",
            Format::PlainText => "\n\n",
        };
        let range_bytes = match hit {
            Some(target) => target.range().clone(),
            None => model_use.method_range.clone(),
        };
        return Some(Hover {
            contents: HoverContents::Markup(MarkupContent {
                kind: match format {
                    Format::Markdown => MarkupKind::Markdown,
                    Format::PlainText => MarkupKind::PlainText,
                },
                value: cards.join(separator),
            }),
            range: Some(convert::byte_range_to_lsp(&index, range_bytes, encoding)),
        });
    }
    None
}

/// The hover text for one possible model id, resolved on the call's route;
/// a provider route is named on the card.
fn target_card(
    target: &Target,
    route: Route,
    resolver: &Resolver,
    intended_use: IntendedUse,
    format: Format,
    now: jiff::Timestamp,
) -> String {
    let card = match target {
        Target::Static { id, .. } => match rules::resolve_on(resolver, route, id) {
            Some(resolved) => hover::card(id, &resolved, intended_use, format, now),
            None => hover::unknown_card(id, &rules::suggest_on(resolver, route, id, 3), format),
        },
        Target::Dynamic { expression, .. } => hover::dynamic_card(expression, format),
    };
    hover::with_route(card, route, format)
}
