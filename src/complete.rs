//! Model-id completion without LSP types: is the cursor inside the model-id
//! argument of an SDK call, and which ids may go there.
//!
//! The call site is read from the text around the cursor rather than the
//! tree: right after the opening quote is typed the string is unterminated and
//! the call is an error node, but the text still says `client.run('`. Whether
//! the receiver is a client is extraction's own answer ([`Clients`], from the
//! whole tree, whose declarations survive the error), so completion is offered
//! exactly where diagnostics would be.

use std::ops::Range;

use ropey::Rope;

use crate::extract::{Clients, ModelUse, Route, SDK_METHODS, Target};
use crate::hover::{self, Format};
use crate::licensing::{CommercialUse, Model, Registry};
use crate::registry::{Resolved, Source};
use crate::rules::IntendedUse;

/// How far back from the cursor we look for `client.run(`.
const WINDOW: usize = 512;

/// Where the id being typed is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdSite {
    /// The id text inside the quotes (what a chosen item replaces).
    pub range: Range<usize>,
    /// What is typed between the opening quote and the cursor.
    pub prefix: String,
    /// The route of the call: ids are offered as that route spells them.
    pub route: Route,
}

fn is_id_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '/' | ':' | '@' | '+')
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '$'
}

/// The identifier at the end of `text`.
fn trailing_identifier(text: &str) -> &str {
    let start = text
        .char_indices()
        .rev()
        .take_while(|(_, c)| is_ident_char(*c))
        .last()
        .map_or(text.len(), |(i, _)| i);
    &text[start..]
}

/// `text` without a trailing member access dot (`.` or `?.`).
fn strip_dot(text: &str) -> Option<&str> {
    let text = text.trim_end().strip_suffix('.')?;
    Some(text.strip_suffix('?').unwrap_or(text).trim_end())
}

/// Whether the callee text before the method (`ai`, `this.ai`, `self.ai`) is a
/// client: a plain identifier that names one, or `this.<field>` for a client
/// field. Longer chains are not receivers, as in extraction.
fn is_client_receiver(callee: &str, clients: &Clients) -> bool {
    let name = trailing_identifier(callee);
    if name.is_empty() {
        return false;
    }
    let before = &callee[..callee.len() - name.len()];
    match strip_dot(before) {
        // `name.run(`: `name` starts the chain.
        None => clients.is_client(name),
        // `this.name.run(` (`self.name.run(` in Python), with `this` starting the chain.
        Some(object) => {
            let root = trailing_identifier(object);
            matches!(root, "this" | "self")
                && strip_dot(&object[..object.len() - root.len()]).is_none()
                && clients.is_client_field(name)
        }
    }
}

/// The model-id argument being typed at `offset`, if the cursor is in one.
/// `clients` are the document's clients as its last analysis found them.
pub fn id_site(rope: &Rope, offset: usize, clients: &Clients) -> Option<IdSite> {
    let offset = offset.min(rope.len_bytes());
    let start_char = rope.byte_to_char(offset.saturating_sub(WINDOW));
    let cursor_char = rope.byte_to_char(offset);
    let before: String = rope.slice(start_char..cursor_char).to_string();
    // The opening quote: the last quote before the cursor with only id
    // characters after it.
    let (quote_at, quote) = before
        .char_indices()
        .rev()
        .find(|(_, c)| !is_id_char(*c))
        .filter(|(_, c)| matches!(c, '\'' | '"' | '`'))?;
    let prefix = before[quote_at + quote.len_utf8()..].to_string();
    // `client.run(` / `client.models.get(` before the quote.
    let call = before[..quote_at].trim_end().strip_suffix('(')?.trim_end();
    let receivers: Vec<&str> = SDK_METHODS
        .iter()
        .filter_map(|method| {
            let mut rest = call;
            for part in method.path.iter().rev() {
                rest = strip_dot(rest.strip_suffix(part)?)?;
            }
            Some(rest)
        })
        .collect();
    if receivers.is_empty() {
        return None;
    }
    if !receivers
        .iter()
        .any(|receiver| is_client_receiver(receiver, clients))
    {
        return None;
    }
    // The id extends past the cursor up to the closing quote.
    let after_char = rope.byte_to_char((offset + WINDOW).min(rope.len_bytes()));
    let after: String = rope.slice(cursor_char..after_char).to_string();
    let rest = after
        .char_indices()
        .find(|(_, c)| !is_id_char(*c))
        .map_or(after.len(), |(i, _)| i);
    Some(IdSite {
        range: offset - prefix.len()..offset + rest,
        prefix,
        route: Route::Abstrakt,
    })
}

/// The model-id literal of a provider SDK call (`replicate.run("…")`,
/// `openai.images.generate(model="…")`) that holds `offset`, as the analysis
/// of this very text found it. Unlike [`id_site`] this reads the analysis,
/// not the text: a provider's receivers come from the file's imports, which
/// a look back from the cursor cannot see; a freshly typed `""` (editors
/// close the quote) is a literal the analysis already has.
pub fn provider_id_site(rope: &Rope, offset: usize, uses: &[ModelUse]) -> Option<IdSite> {
    uses.iter()
        .filter(|model_use| !model_use.route().is_abstrakt())
        .flat_map(|model_use| {
            model_use
                .targets
                .iter()
                .filter_map(move |target| match target {
                    Target::Static { range, .. } => Some((range, model_use.route())),
                    Target::Dynamic { .. } => None,
                })
        })
        .find_map(|(range, route)| {
            if !(range.start < offset && offset < range.end && range.end <= rope.len_bytes()) {
                return None;
            }
            let literal = rope.byte_slice(range.clone()).to_string();
            let inside = crate::fixes::literal_inside(&literal, &(0..literal.len()))?;
            let (start, end) = (range.start + inside.start, range.start + inside.end);
            (start..=end).contains(&offset).then(|| IdSite {
                prefix: literal[inside.start..offset - range.start].to_string(),
                range: start..end,
                route,
            })
        })
}

/// One id that can be offered.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// The id as it would be written (a canonical id or an alias).
    pub name: String,
    pub model: std::sync::Arc<Model>,
    pub source: Source,
    /// `Apache-2.0 · image`.
    pub description: String,
    /// Orders commercial-safe models first for commercial projects.
    pub sort_text: String,
    /// The route of the call it completes (named on the card).
    pub route: Route,
}

impl Candidate {
    /// The Markdown (or plain) licensing card.
    pub fn card(&self, intended_use: IntendedUse, format: Format, now: jiff::Timestamp) -> String {
        let resolved = Resolved {
            model: self.model.clone(),
            source: self.source.clone(),
            matched: if self.name == self.model.id {
                crate::registry::Match::Id
            } else {
                crate::registry::Match::Alias(self.name.clone())
            },
        };
        let card = hover::card(&self.name, &resolved, intended_use, format, now);
        hover::with_route(card, self.route, format)
    }
}

fn matches(name: &str, prefix: &str) -> bool {
    let name = name.to_lowercase();
    let prefix = prefix.to_lowercase();
    prefix.is_empty()
        || name.starts_with(&prefix)
        || name
            .match_indices('/')
            .any(|(i, _)| name[i + 1..].starts_with(&prefix))
}

/// Every known id matching `prefix`, project `[[models]]` first among equals,
/// sorted by `sort_text`.
pub fn candidates(
    prefix: &str,
    project: Option<(&Registry, &std::path::Path)>,
    builtin: &Registry,
    intended_use: IntendedUse,
) -> Vec<Candidate> {
    candidates_on(Route::Abstrakt, prefix, project, builtin, intended_use)
}

/// [`candidates`] for a call on `route`, each id spelled as the route spells
/// it (`black-forest-labs/flux-dev` for Replicate, `dall-e-3` for OpenAI),
/// and only the models the route has a spelling for: never another vendor's.
pub fn candidates_on(
    route: Route,
    prefix: &str,
    project: Option<(&Registry, &std::path::Path)>,
    builtin: &Registry,
    intended_use: IntendedUse,
) -> Vec<Candidate> {
    let mut out: Vec<Candidate> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let sources = project
        .map(|(registry, file)| {
            (
                registry,
                Source::Project {
                    file: file.to_path_buf(),
                },
            )
        })
        .into_iter()
        .chain(std::iter::once((builtin, Source::BuiltIn)));
    for (registry, source) in sources {
        for (name, model) in registry.names() {
            let Some(name) = route.spelling(name) else {
                continue;
            };
            if !matches(name, prefix) || !seen.insert(name.to_string()) {
                continue;
            }
            // As it binds on this route, as the diagnostics will say.
            let model = crate::rules::model_on(model, route);
            let licensing = &model.licensing;
            let group = match (intended_use, licensing.commercial) {
                (IntendedUse::Commercial, CommercialUse::Conditional) => 1,
                (IntendedUse::Commercial, CommercialUse::Unverified) => 2,
                (IntendedUse::Commercial, CommercialUse::NotAllowed) => 3,
                _ => 0,
            };
            // Canonical ids before aliases of the same group.
            let alias = u8::from(name != model.id);
            let description = match &model.modality {
                Some(modality) => format!("{} · {modality}", licensing.license),
                None => licensing.license.clone(),
            };
            out.push(Candidate {
                name: name.to_string(),
                model: model.clone(),
                source: source.clone(),
                description,
                sort_text: format!("{group}{alias}{}", name.to_lowercase()),
                route,
            });
        }
    }
    out.sort_by(|a, b| a.sort_text.cmp(&b.sort_text));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::extract::{self, ExtractOptions};
    use crate::syntax::{self, Language};

    /// The id text and prefix at `|` in a TypeScript file where `img` is a
    /// configured client name.
    fn site(text: &str) -> Option<(String, String)> {
        let cursor = text.find('|').unwrap_or(text.len());
        let text = text.replacen('|', "", 1);
        let rope = Rope::from_str(&text);
        let options = ExtractOptions {
            client_names: vec!["img".to_string()],
            ..Default::default()
        };
        let tree = syntax::parse(Language::TypeScript, &text);
        let clients = extract::clients(&tree, &rope, &options);
        id_site(&rope, cursor, &clients).map(|s| (text[s.range].to_string(), s.prefix))
    }

    /// The id text, prefix and route at `|` in a provider call of a Python file.
    fn provider_site(text: &str) -> Option<(String, String, Route)> {
        let cursor = text.find('|').unwrap_or(text.len());
        let text = text.replacen('|', "", 1);
        let rope = Rope::from_str(&text);
        let tree = syntax::parse(Language::Python, &text);
        let uses = extract::extract(&tree, &rope, &ExtractOptions::default());
        provider_id_site(&rope, cursor, &uses)
            .map(|s| (text[s.range].to_string(), s.prefix, s.route))
    }

    #[test]
    fn provider_sites_are_the_literals_the_analysis_found() {
        let call = |id: &str| format!("import replicate\nreplicate.run(\"{id}\")\n");
        assert_eq!(
            provider_site(&call("black-forest-labs/fl|ux")),
            Some((
                "black-forest-labs/flux".to_string(),
                "black-forest-labs/fl".to_string(),
                Route::Replicate
            ))
        );
        assert_eq!(
            provider_site(&call("|")),
            Some((String::new(), String::new(), Route::Replicate))
        );
        // On the quotes, or in a call that is not a provider's: no site.
        assert_eq!(
            provider_site("import replicate\nreplicate.run(|\"x\")\n"),
            None
        );
        assert_eq!(provider_site("other.run(\"x|\")\n"), None);
    }

    fn pair(a: &str, b: &str) -> Option<(String, String)> {
        Some((a.to_string(), b.to_string()))
    }

    #[test]
    fn sites() {
        assert_eq!(site("abstrakt.run('|"), pair("", ""));
        assert_eq!(site("abstrakt.run('fl|"), pair("fl", "fl"));
        assert_eq!(
            site("abstrakt.run(\"fl|ux-dev\", {})"),
            pair("flux-dev", "fl")
        );
        assert_eq!(
            site("await abstrakt.models.get(`fal-ai/fl|"),
            pair("fal-ai/fl", "fal-ai/fl")
        );
        assert_eq!(site("abstrakt?.run(\n  'x|'\n)"), pair("x", "x"));
        assert_eq!(site("img.run('|')"), pair("", ""));
        assert_eq!(
            site("const ai = new Abstrakt();\nai.run('|')"),
            pair("", "")
        );
        // Long files: the declaration sits anywhere in the rope's chunks.
        for pad in [0, 700, 1000, 1021, 5000] {
            let text = format!(
                "{}\nconst ai = new Abstrakt();\n{}\nai.run('|')",
                "x".repeat(pad),
                "y".repeat(pad)
            );
            assert_eq!(site(&text), pair("", ""), "pad {pad}");
        }
        assert_eq!(site(&format!("{}\nother.run('|')", "z".repeat(3000))), None);
        assert_eq!(site("other.run('|')"), None);
        assert_eq!(site("abstrakt.run(model, '|')"), None);
        assert_eq!(site("abstrakt.run('a b|')"), None);
        assert_eq!(site("abstrakt.runner('|')"), None);
        assert_eq!(site("run('|')"), None);
    }

    /// Completion is offered on exactly the receivers extraction treats as
    /// clients, including those the old text heuristic missed.
    #[test]
    fn sites_follow_extraction_client_detection() {
        // A parameter typed `Abstrakt`.
        assert_eq!(site("const f = (ai: Abstrakt) => ai.run('|"), pair("", ""));
        assert_eq!(
            site("function g(ai: Abstrakt) {\n  return ai.run(`fl|\n}\n"),
            pair("fl", "fl")
        );
        // An imported alias of the client class.
        assert_eq!(
            site("import { Abstrakt as AK } from 'abstrakt';\nconst c = new AK();\nc.run('|"),
            pair("", "")
        );
        // A client field through `this`, declared by a parameter property.
        assert_eq!(
            site(
                "class A {\n  constructor(private ai: Abstrakt) {}\n  go() { return this.ai.run('|\n  }\n}\n"
            ),
            pair("", "")
        );
        // Not clients for extraction, so not for completion either.
        assert_eq!(site("const f = (ai: Other) => ai.run('|"), None);
        assert_eq!(site("const c = new AK();\nc.run('|"), None);
        assert_eq!(site("const ai = new Abstrakt();\nthis.ai.run('|"), None);
        assert_eq!(site("const ai = new Abstrakt();\nx.ai.run('|"), None);
    }

    #[test]
    fn candidates_filter_and_sort() {
        let builtin = Registry::builtin();
        let all = candidates("", None, builtin, IntendedUse::Commercial);
        assert!(all.len() > 20);
        let first_nc = all
            .iter()
            .position(|c| c.model.licensing.commercial == CommercialUse::NotAllowed)
            .unwrap_or(0);
        assert!(
            all[first_nc..]
                .iter()
                .all(|c| c.model.licensing.commercial == CommercialUse::NotAllowed)
        );
        let flux = candidates("FLUX-s", None, builtin, IntendedUse::Commercial);
        assert_eq!(flux[0].name, "flux-schnell");
        assert_eq!(flux[0].description, "Apache-2.0 · image");
        let slashed = candidates("fal-ai/flux/d", None, builtin, IntendedUse::Commercial);
        assert_eq!(
            slashed.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(),
            ["fal-ai/flux/dev", "fal-ai/flux/dev/redux"]
        );
    }
}
