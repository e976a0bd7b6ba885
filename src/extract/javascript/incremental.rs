//! Incremental extraction for JavaScript/TypeScript: after an edit, only the
//! top-level statements whose syntax subtree changed are walked again.
//!
//! A statement's model uses depend on its own subtree, on who the file's
//! clients are and on the file's top-level declarations (ids resolve through
//! top-level `const`s). The cache keeps, per top-level statement, its client
//! bindings, its declarations and its model uses. A statement is reused when
//! tree-sitter reused its subtree and its text is the same (see [`key`]; the
//! cache holds the old tree so no key can be recycled). Its model uses are reused, shifted by the
//! edit, only if the clients and the declaration list come out the same;
//! otherwise every call is evaluated again, as in a full extraction.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use tree_sitter::{Node, Tree};

use super::clients::{ClientBindings, Scan, resolve};
use super::scopes::{Scopes, declared};
use crate::extract::eval::model_use;
use crate::extract::incremental::{key, shifted, text_hash};
use crate::extract::{Clients, ExtractOptions, ModelUse};
use crate::text::SourceText;

/// Each top-level name with its `const` value's text and shape (`None` for
/// any other binding).
type Declarations = HashMap<Box<str>, Option<(String, String)>>;

/// One statement's top-level names, each with its `const` value's text and
/// shape, in order.
type Declared = [(String, Option<(String, String)>)];

/// What one top-level statement contributed to the last extraction,
/// wherever it sits: shared between versions while the statement is
/// unchanged, so a keystroke copies nothing of the statements it did not
/// touch.
type Entry = Arc<Body>;

#[derive(Debug)]
struct Body {
    len: usize,
    /// A hash of the statement's text (see [`key`] for why the key alone is not enough).
    text_hash: u64,
    bindings: ClientBindings,
    declared: Vec<(String, Option<(String, String)>)>,
    /// Model uses found in the statement, ranges counted from its start.
    uses: Vec<ModelUse>,
}

/// The results of the last JavaScript/TypeScript extraction of a document,
/// for the next one (inside [`crate::extract::ExtractCache`]).
#[derive(Debug, Clone)]
pub(in crate::extract) struct Cache {
    /// Keeps the subtrees alive so that a node id in `entries` can only mean
    /// the same subtree (`None`: no statement to reuse).
    _subtrees: Option<Tree>,
    options: ExtractOptions,
    clients: Clients,
    /// The top-level declaration table ids resolve through.
    declared: Declarations,
    entries: HashMap<usize, Entry>,
    /// How many statements' model uses came from the previous cache.
    reused: usize,
}

impl Cache {
    /// How many top-level statements the extraction that built this cache
    /// took from the previous one instead of walking them (for logs and tests).
    pub fn reused_statements(&self) -> usize {
        self.reused
    }

    /// The document's SDK clients as this extraction found them.
    pub fn clients(&self) -> &Clients {
        &self.clients
    }

    /// How many top-level statements the cache holds.
    pub fn statements(&self) -> usize {
        self.entries.len()
    }
}

/// One top-level statement of the new tree: reused from the cache or walked.
struct Part<'t, 'c> {
    node: Node<'t>,
    /// The hash of its text, once computed (every statement the cache may
    /// hold is hashed once per extraction).
    text_hash: Option<u64>,
    reused: Option<&'c Entry>,
    bindings: Cow<'c, ClientBindings>,
    declared: Cow<'c, Declared>,
    calls: Vec<Node<'t>>,
}

/// [`crate::extract::extract`]'s JavaScript/TypeScript front end, reusing what
/// `previous` found in statements the edit did not touch. Returns the same
/// uses as a full extraction, and the cache for the next call.
pub(in crate::extract) fn extract_javascript<'c, S: SourceText + ?Sized>(
    tree: &Tree,
    text: &S,
    options: &ExtractOptions,
    previous: Option<&'c Cache>,
) -> (Vec<ModelUse>, Cache) {
    let previous = previous.filter(|cache| cache.options == *options);
    let root = tree.root_node();
    let mut scan = Scan::new(text, &tree.language());
    let mut parts: Vec<Part<'_, 'c>> = Vec::new();
    let mut cursor = root.walk();
    for node in root.children(&mut cursor) {
        parts.push(Part::new(node, text, previous, &mut scan));
    }

    let clients = resolve(options, parts.iter().map(|p| p.bindings.as_ref()));
    let grammar = scan.grammar();
    let all_declared = first_declarations(&parts);
    let context_unchanged =
        previous.is_some_and(|cache| cache.clients == clients && cache.declared == all_declared);

    let mut scopes = Scopes::new(root);
    let mut uses = Vec::new();
    let mut entries = HashMap::with_capacity(parts.len());
    let mut reused = 0;
    for mut part in parts {
        let start = part.node.start_byte();
        if let Some(entry) = part.reused.filter(|_| context_unchanged) {
            reused += 1;
            uses.extend(shifted(&entry.uses, start as isize));
            if let Some(key) = key(part.node) {
                entries.insert(key, entry.clone());
            }
            continue;
        }
        if part.reused.is_some() {
            scan.walk(part.node);
            part.calls = std::mem::take(&mut scan.calls);
            scan.bindings = ClientBindings::default();
        }
        let part_uses: Vec<ModelUse> = part
            .calls
            .iter()
            .filter_map(|call| model_use(&grammar, &clients, *call, text, &mut scopes))
            .collect();
        uses.extend(part_uses.iter().cloned());
        if let Some((key, entry)) = part.into_entry(text, part_uses) {
            entries.insert(key, entry);
        }
    }
    let cache = Cache {
        _subtrees: Some(tree.clone()),
        options: options.clone(),
        clients,
        declared: all_declared,
        entries,
        reused,
    };
    (uses, cache)
}

impl<'t, 'c> Part<'t, 'c> {
    /// The statement's entry from `previous` when tree-sitter reused its
    /// subtree and its text is the same; else the statement walked now (its
    /// client bindings, declarations and calls).
    fn new<S: SourceText + ?Sized>(
        node: Node<'t>,
        text: &S,
        previous: Option<&'c Cache>,
        scan: &mut Scan<'t, '_, S>,
    ) -> Self {
        let candidate = previous
            .zip(key(node))
            .and_then(|(cache, key)| cache.entries.get(&key))
            .filter(|entry| entry.len == node.byte_range().len());
        let hash = candidate.map(|_| text_hash(text, node));
        match candidate.filter(|entry| Some(entry.text_hash) == hash) {
            Some(entry) => Part {
                node,
                text_hash: hash,
                reused: Some(entry),
                bindings: Cow::Borrowed(&entry.bindings),
                declared: Cow::Borrowed(&entry.declared),
                calls: Vec::new(),
            },
            None => {
                scan.walk(node);
                Part {
                    node,
                    text_hash: hash,
                    reused: None,
                    bindings: Cow::Owned(std::mem::take(&mut scan.bindings)),
                    declared: if node.is_named() {
                        Cow::Owned(declared(node, text))
                    } else {
                        Cow::Owned(Vec::new())
                    },
                    calls: std::mem::take(&mut scan.calls),
                }
            }
        }
    }

    /// The statement's cache entry with the uses found in it, under its key
    /// (`None` for a statement that cannot be keyed).
    fn into_entry<S: SourceText + ?Sized>(
        self,
        text: &S,
        uses: Vec<ModelUse>,
    ) -> Option<(usize, Entry)> {
        let key = key(self.node)?;
        let range = self.node.byte_range();
        // Every range is inside the statement (targets are its arguments),
        // so they can be kept relative to its start.
        let inside = |r: &std::ops::Range<usize>| range.start <= r.start && r.end <= range.end;
        if !uses
            .iter()
            .all(|u| inside(&u.call_range) && u.targets.iter().all(|t| inside(t.range())))
        {
            return None;
        }
        let start = range.start;
        let body = Body {
            len: range.len(),
            text_hash: self.text_hash.unwrap_or_else(|| text_hash(text, self.node)),
            bindings: self.bindings.into_owned(),
            declared: self.declared.into_owned(),
            uses: shifted(&uses, -(start as isize)),
        };
        Some((key, Arc::new(body)))
    }
}

/// The file's top-level declaration table. The first declaration of a name
/// wins, as in `Scopes`: only that one matters.
fn first_declarations(parts: &[Part<'_, '_>]) -> Declarations {
    let mut all_declared = Declarations::with_capacity(parts.len());
    for (name, value) in parts.iter().flat_map(|p| p.declared.iter()) {
        all_declared
            .entry(name.as_str().into())
            .or_insert_with(|| value.clone());
    }
    all_declared
}

#[cfg(test)]
mod tests {
    use crate::document::{Document, Position, PositionEncoding, TextChange, TextRange};
    use crate::extract::{ExtractOptions, Target, extract, extract_incremental};
    use crate::syntax::Language;

    /// Reduced from a property-test failure (`tests/incremental_props.rs`):
    /// the edit rebuilds the top-level error node around an unchanged first
    /// token, whose slot (the cache key) is the old one. Reusing the old
    /// statement's uses found `models.get("musicgen")` in text that no longer
    /// holds it.
    #[test]
    fn a_statement_rebuilt_around_its_unchanged_first_token_is_walked_again() {
        let before = "im(abstrakt.run('flux-dev', {})'\r\nawait ai.run('flux-dev', { prompt });\nabstrawait abstrakt.models.get(\"musicgen\")kt.models.get(`mu}const )/*}\r";
        let after = "im(abstrakt.run('flux-dev', {})'\r\nawait ai.run('fconst ai = lux-dev', { prompt });\nabstrawait abstrakt.models.get(\"musicgen)/*ai.models.get(M)";
        let options = ExtractOptions {
            client_names: vec!["ai2".into()],
            api_url: None,
        };
        let mut doc = Document::new(Language::JavaScript, 1, before);
        let (_, cache) =
            extract_incremental(doc.tree().expect("parsed"), doc.rope(), &options, None);
        // One edit: the differing middle of the two texts.
        let prefix = before
            .bytes()
            .zip(after.bytes())
            .take_while(|(a, b)| a == b)
            .count();
        let suffix = before[prefix..]
            .bytes()
            .rev()
            .zip(after[prefix..].bytes().rev())
            .take_while(|(a, b)| a == b)
            .count();
        let range = doc
            .line_index()
            .range(prefix..before.len() - suffix, PositionEncoding::Utf8);
        let change = TextChange {
            range: Some(range),
            text: after[prefix..after.len() - suffix].to_string(),
        };
        doc.apply_changes(2, &[change], PositionEncoding::Utf8);
        assert_eq!(doc.text(), after);
        let (uses, _) = extract_incremental(
            doc.tree().expect("parsed"),
            doc.rope(),
            &options,
            Some(&cache),
        );
        let ids: Vec<&Target> = uses.iter().flat_map(|u| &u.targets).collect();
        assert_eq!(
            ids,
            [&Target::Static {
                id: "flux-dev".into(),
                range: 16..26
            }]
        );
        assert_eq!(
            uses,
            extract(doc.tree().expect("parsed"), doc.rope(), &options)
        );
    }

    const SOURCE: &str = "import { Abstrakt } from 'abstrakt';\nconst ai = new Abstrakt();\nconst M = 'flux-dev';\nfunction a() { ai.run(M); }\nfunction b() { ai.run('musicgen'); }\n";

    /// Replaces `old` (first occurrence) with `new` as an LSP edit; returns
    /// the ids the incremental extraction found, and how many statements it reused.
    fn after_edit(old: &str, new: &str) -> (Vec<String>, usize) {
        let options = ExtractOptions::default();
        let mut doc = Document::new(Language::TypeScript, 1, SOURCE);
        let (_, cache) =
            extract_incremental(doc.tree().expect("parsed"), doc.rope(), &options, None);
        let start = SOURCE.find(old).expect("in source");
        let line = SOURCE[..start].matches('\n').count();
        let column = start - SOURCE[..start].rfind('\n').map_or(0, |i| i + 1);
        let position = |c: usize| Position::new(line as u32, c as u32);
        let change = TextChange {
            range: Some(TextRange {
                start: position(column),
                end: position(column + old.len()),
            }),
            text: new.to_string(),
        };
        doc.apply_changes(2, &[change], PositionEncoding::Utf8);
        let (uses, cache) = extract_incremental(
            doc.tree().expect("parsed"),
            doc.rope(),
            &options,
            Some(&cache),
        );
        assert_eq!(
            uses,
            extract(doc.tree().expect("parsed"), doc.rope(), &options)
        );
        let ids = uses
            .iter()
            .flat_map(|u| &u.targets)
            .map(|t| match t {
                Target::Static { id, .. } => id.clone(),
                Target::Dynamic { expression, .. } => format!("dynamic {expression}"),
            })
            .collect();
        (ids, cache.reused_statements())
    }

    #[test]
    fn an_edit_inside_one_function_reuses_every_other_statement() {
        let (ids, reused) = after_edit("'musicgen'", "'flux-schnell'");
        assert_eq!(ids, ["flux-dev", "flux-schnell"]);
        assert_eq!(reused, 4);
    }

    #[test]
    fn changing_a_const_re_resolves_its_users_elsewhere() {
        let (ids, reused) = after_edit("'flux-dev'", "'sdxl'");
        assert_eq!(ids, ["sdxl", "musicgen"]);
        assert_eq!(reused, 0);
    }

    #[test]
    fn changing_the_client_binding_re_checks_every_call() {
        let (ids, reused) = after_edit("new Abstrakt()", "new Other()");
        assert!(ids.is_empty(), "{ids:?}");
        assert_eq!(reused, 0);
    }
}
