//! Model-id completion without LSP types: is the cursor inside the model-id
//! argument of an SDK call, and which ids may go there.
//!
//! Detection reads the text around the cursor rather than the tree: right
//! after the opening quote is typed the string is unterminated and the tree
//! is an error node, but the text still says `client.run('`.

use std::ops::Range;

use ropey::Rope;

use crate::extract::{CLIENT_CLASS, DEFAULT_CLIENT_NAME, SDK_METHODS};
use crate::hover::{self, Format};
use crate::licensing::{CommercialUse, Model, Registry};
use crate::registry::{Resolved, Source};
use crate::rules::IntendedUse;

/// How far back from the cursor we look for `client.run(`.
const WINDOW: usize = 512;

/// How much text before `new Abstrakt` can hold `const name =`.
const LOOKBEHIND: usize = 256;

/// Where the id being typed is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdSite {
    /// The id text inside the quotes (what a chosen item replaces).
    pub range: Range<usize>,
    /// What is typed between the opening quote and the cursor.
    pub prefix: String,
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

/// Whether `receiver` names an Abstrakt client in this file: the default
/// name, a `[clients] names` entry, or `receiver = new Abstrakt(...)`.
fn is_client(receiver: &str, whole: &Rope, client_names: &[String]) -> bool {
    if receiver == DEFAULT_CLIENT_NAME || client_names.iter().any(|n| n == receiver) {
        return true;
    }
    // Chunk by chunk, without copying the file; a match may straddle two chunks,
    // so each chunk is searched with the tail of the one before.
    let needle = format!("new {CLIENT_CLASS}");
    let mut window = String::new();
    for chunk in whole.chunks() {
        let keep = window.len().saturating_sub(LOOKBEHIND);
        let keep = (keep..=window.len())
            .find(|&i| window.is_char_boundary(i))
            .unwrap_or(window.len());
        window.drain(..keep);
        window.push_str(chunk);
        let found = memchr::memmem::find_iter(window.as_bytes(), needle.as_bytes()).any(|at| {
            window[..at]
                .trim_end()
                .strip_suffix('=')
                .is_some_and(|before| trailing_identifier(before.trim_end()) == receiver)
        });
        if found {
            return true;
        }
    }
    false
}

/// The model-id argument being typed at `offset`, if the cursor is in one.
pub fn id_site(rope: &Rope, offset: usize, client_names: &[String]) -> Option<IdSite> {
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
    let receiver = SDK_METHODS.iter().find_map(|method| {
        let mut rest = call;
        for part in method.path.iter().rev() {
            rest = strip_dot(rest.strip_suffix(part)?)?;
        }
        Some(trailing_identifier(rest))
    })?;
    if receiver.is_empty() || !is_client(receiver, rope, client_names) {
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
}

impl Candidate {
    /// The Markdown (or plain) licensing card.
    pub fn card(&self, intended_use: IntendedUse, format: Format) -> String {
        let resolved = Resolved {
            model: self.model.clone(),
            source: self.source.clone(),
            matched: if self.name == self.model.id {
                crate::registry::Match::Id
            } else {
                crate::registry::Match::Alias(self.name.clone())
            },
        };
        hover::card(&self.name, &resolved, intended_use, format)
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
            if !matches(name, prefix) || !seen.insert(name.to_string()) {
                continue;
            }
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
            });
        }
    }
    out.sort_by(|a, b| a.sort_text.cmp(&b.sort_text));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(text: &str) -> Option<(String, String)> {
        let cursor = text.find('|').unwrap_or(text.len());
        let text = text.replacen('|', "", 1);
        let rope = Rope::from_str(&text);
        id_site(&rope, cursor, &["img".to_string()]).map(|s| (text[s.range].to_string(), s.prefix))
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
            ["fal-ai/flux/dev"]
        );
    }
}
