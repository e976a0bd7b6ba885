//! The REST front end: model URLs written in strings
//! (`POST https://api.abstrakt.one/v1/models/{id}/run`,
//! `GET https://api.abstrakt.one/v1/models/{id}`) become the same
//! [`ModelUse`]s as SDK calls, whoever sends them (`fetch`, `axios`,
//! `requests`, `httpx`, `curl`).
//!
//! The id is the path between `/models/` and a final `/run` (or the end of
//! the path); ids may contain slashes (`fal-ai/flux/schnell`), and the
//! finding's range is exactly the id. A replacement field in the id part
//! (`${id}`, `{model}` in an f-string, `$MODEL` in a shell script) makes it a
//! dynamic id. The API base is Abstrakt's public one or the configured
//! `apiUrl`; any other host is somebody else's API (`/v1/models/` is common).
//!
//! Strings come from the tree (string and template literals in JS/TS, string
//! literals but not docstrings in Python); shell scripts and Markdown code
//! blocks have no tree and are scanned as text by [`extract_text`].

use std::ops::Range;

use tree_sitter::{Node, Tree};

use super::{ExtractOptions, ModelUse, SDK_METHODS, SdkMethod, Target};
use crate::text::SourceText;

/// Abstrakt's public API, without its scheme.
pub const PUBLIC_API_BASE: &str = "api.abstrakt.one/v1";

/// The API bases a URL may start with (scheme-less, no trailing slash): the
/// public one and the configured `apiUrl`.
pub fn api_bases(options: &ExtractOptions) -> Vec<String> {
    let mut bases = vec![PUBLIC_API_BASE.to_string()];
    if let Some(url) = &options.api_url
        && let Some(base) = scheme_less(url)
        && !bases.contains(&base)
    {
        bases.push(base);
    }
    bases
}

/// `https://host:port/path/` → `host:port/path`.
fn scheme_less(url: &str) -> Option<String> {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let rest = rest.split(['?', '#']).next().unwrap_or(rest);
    let rest = rest.trim_end_matches('/');
    (!rest.is_empty()).then(|| rest.to_ascii_lowercase())
}

/// Whether a text can hold a model URL at all.
pub fn may_contain_urls(text: &[u8], bases: &[String]) -> bool {
    bases
        .iter()
        .any(|base| memchr::memmem::find(text, base.as_bytes()).is_some())
}

/// Every model URL in the string literals of a parsed file.
pub(super) fn extract<S: SourceText + ?Sized>(
    tree: &Tree,
    text: &S,
    options: &ExtractOptions,
) -> Vec<ModelUse> {
    let bases = api_bases(options);
    // Over the rope's chunks in place: copying an editor's document into one
    // string for this test cost every keystroke a copy of the file.
    let may_hold_urls = bases.iter().any(|base| {
        let finder = memchr::memmem::Finder::new(base.as_bytes());
        crate::text::any_in_chunks(text.byte_chunks(), base.len().saturating_sub(1), |bytes| {
            finder.find(bytes).is_some()
        })
    });
    if !may_hold_urls {
        return Vec::new();
    }
    let mut uses = Vec::new();
    let python = crate::syntax::Language::of_tree(tree) == Some(crate::syntax::Language::Python);
    let root = tree.root_node();
    let language = root.language();
    let kinds: Vec<u16> = ["string", "template_string"]
        .iter()
        .map(|kind| language.id_for_node_kind(kind, true))
        .filter(|&id| id != 0)
        .collect();
    super::eval::preorder(root, |node| {
        if !kinds.contains(&node.kind_id()) {
            return true;
        }
        if !(python && is_docstring(node)) {
            scan_literal(node, text, &bases, &mut uses);
        }
        false
    });
    uses
}

/// A Python string that is a statement of its own: a docstring (or a
/// comment-like string), never a request.
fn is_docstring(node: Node<'_>) -> bool {
    node.parent().is_some_and(|parent| {
        parent.kind() == "expression_statement" && parent.named_child_count() == 1
    })
}

/// Model URLs in one literal; substitutions (`template_substitution`,
/// `interpolation`) are the replacement fields.
fn scan_literal<S: SourceText + ?Sized>(
    node: Node<'_>,
    text: &S,
    bases: &[String],
    out: &mut Vec<ModelUse>,
) {
    let range = node.byte_range();
    let literal = text.slice(range.clone());
    if !may_contain_urls(literal.as_bytes(), bases) {
        return;
    }
    let mut fields = Vec::new();
    let mut stack = vec![node];
    while let Some(current) = stack.pop() {
        if matches!(current.kind(), "template_substitution" | "interpolation") {
            let r = current.byte_range();
            fields.push(r.start - range.start..r.end - range.start);
            continue;
        }
        let mut cursor = current.walk();
        stack.extend(current.named_children(&mut cursor));
    }
    fields.sort_by_key(|r| r.start);
    for found in find_urls(&literal, bases, &fields) {
        out.push(found.into_use(range.start, range.clone()));
    }
}

/// One model URL found in a piece of text (ranges relative to it).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Found {
    method: &'static SdkMethod,
    method_range: Range<usize>,
    id_range: Range<usize>,
    /// `None` when a replacement field is in the id.
    id: Option<String>,
    expression: String,
}

impl Found {
    fn into_use(self, offset: usize, literal: Range<usize>) -> ModelUse {
        let shift = |r: &Range<usize>| r.start + offset..r.end + offset;
        let range = shift(&self.id_range);
        let target = match self.id {
            Some(id) => Target::Static { id, range },
            None => Target::Dynamic {
                range,
                expression: self.expression,
            },
        };
        ModelUse {
            method: self.method,
            method_range: shift(&self.method_range),
            call_range: literal.clone(),
            argument_range: literal,
            targets: vec![target],
        }
    }
}

fn method(path: &[&str]) -> &'static SdkMethod {
    super::sdk_method(path).unwrap_or(&SDK_METHODS[0])
}

fn is_host_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')
}

/// Characters that end a URL path.
fn ends_path(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '?' | '#'
                | '\''
                | '"'
                | '`'
                | '\\'
                | '<'
                | '>'
                | '('
                | ')'
                | '['
                | ']'
                | '{'
                | '}'
                | ','
                | ';'
                | '|'
                | '*'
                | '$'
        )
}

/// Finds model URLs in `text`; `fields` are the replacement fields (sorted).
fn find_urls(text: &str, bases: &[String], fields: &[Range<usize>]) -> Vec<Found> {
    let lower = text.to_ascii_lowercase();
    let mut found = Vec::new();
    for base in bases {
        let needle = format!("{base}/models/");
        let mut from = 0;
        while let Some(at) = lower[from..].find(&needle).map(|i| i + from) {
            from = at + needle.len();
            // `xapi.abstrakt.one` is another host.
            if text[..at].chars().next_back().is_some_and(is_host_char) {
                continue;
            }
            if fields.iter().any(|f| f.contains(&at)) {
                continue;
            }
            let models_start = at + base.len() + 1;
            let id_start = at + needle.len();
            let (end, dynamic) = path_end(text, id_start, fields);
            let path = text[id_start..end].trim_end_matches('/');
            let (id_end, method_path, method_range): (usize, &[&str], Range<usize>) =
                match path.strip_suffix("/run") {
                    Some(id) => {
                        let run = id_start + id.len() + 1;
                        (id_start + id.len(), &["run"], run..run + 3)
                    }
                    None => (
                        id_start + path.len(),
                        &["models", "get"],
                        models_start..models_start + "models".len(),
                    ),
                };
            if id_end <= id_start {
                continue;
            }
            let id_text = &text[id_start..id_end];
            found.push(Found {
                method: method(method_path),
                method_range,
                id_range: id_start..id_end,
                id: (!dynamic).then(|| id_text.to_string()),
                expression: id_text.chars().take(80).collect(),
            });
        }
    }
    found.sort_by_key(|f| f.id_range.start);
    found.dedup_by_key(|f| f.id_range.start);
    found
}

/// Where the model path starting at `start` ends: at a terminator outside
/// any replacement field. Also whether a field or a shell variable stands in
/// it (the id is then only known at run time).
fn path_end(text: &str, start: usize, fields: &[Range<usize>]) -> (usize, bool) {
    let mut end = start;
    let mut dynamic = false;
    while end < text.len() {
        if let Some(field) = fields.iter().find(|f| f.start == end) {
            dynamic = true;
            end = field.end;
            continue;
        }
        let Some(c) = text[end..].chars().next() else {
            break;
        };
        if c == '$'
            && let Some(len) = shell_variable_len(&text[end + 1..])
        {
            dynamic = true;
            end += 1 + len;
            continue;
        }
        if ends_path(c) {
            break;
        }
        end += c.len_utf8();
    }
    (end, dynamic)
}

/// The length of a shell variable after its `$`: `MODEL`, `{MODEL}`,
/// `(cmd)`; `None` when `$` starts none.
fn shell_variable_len(rest: &str) -> Option<usize> {
    match rest.chars().next() {
        Some('{') => rest.find('}').map(|i| i + 1),
        Some('(') => rest.find(')').map(|i| i + 1),
        Some(n) if n.is_ascii_alphabetic() || n == '_' => Some(
            rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len()),
        ),
        _ => None,
    }
}

/// A file without a grammar that `check` reads for model URLs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlainKind {
    /// A shell script: every line.
    Shell,
    /// Markdown: only fenced code blocks (prose that names a URL is not a request).
    Markdown,
}

impl PlainKind {
    pub fn from_path(path: &std::path::Path) -> Option<Self> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "sh" | "bash" | "zsh" => Some(Self::Shell),
            "md" | "markdown" => Some(Self::Markdown),
            _ => None,
        }
    }
}

/// Every model URL in a shell script or in a Markdown file's fenced code blocks.
pub fn extract_text(text: &str, kind: PlainKind, options: &ExtractOptions) -> Vec<ModelUse> {
    let bases = api_bases(options);
    if !may_contain_urls(text.as_bytes(), &bases) {
        return Vec::new();
    }
    let mut uses = Vec::new();
    let mut fence: Option<(char, usize)> = None;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let trimmed = line.trim_start();
        if kind == PlainKind::Markdown {
            let marker = trimmed.chars().next().filter(|c| matches!(c, '`' | '~'));
            let run = marker.map_or(0, |m| trimmed.chars().take_while(|&c| c == m).count());
            match (fence, marker) {
                (None, Some(m)) if run >= 3 => {
                    fence = Some((m, run));
                    continue;
                }
                (Some((open, len)), Some(m))
                    if m == open && run >= len && trimmed[run..].trim().is_empty() =>
                {
                    fence = None;
                    continue;
                }
                (None, _) => continue,
                _ => {}
            }
        }
        // A shell comment is not a request.
        if kind == PlainKind::Shell && trimmed.starts_with('#') {
            continue;
        }
        let line = line.trim_end_matches(['\n', '\r']);
        for found in find_urls(line, &bases, &[]) {
            let range = start..start + line.len();
            uses.push(found.into_use(start, range));
        }
    }
    uses
}

#[cfg(test)]
mod tests;
