//! Incremental extraction for Python: after an edit, only the top-level
//! statements whose text changed (or that hold a syntax error) are walked
//! again.
//!
//! A statement's model uses depend on its own subtree and on two file-level
//! facts: who the file's clients are (bindings anywhere in the file, resolved
//! to a fix-point) and what the module's names stand for (an id resolves
//! through module constants, dicts and class bodies written in other
//! statements). The cache keeps, per top-level statement, both contributions
//! without tree nodes ([`ClientBindings`], [`StatementBindings`]) and the
//! statement's model uses. A statement is reused when it parsed without
//! error to the same kind of node over the same text as a statement of the
//! last version ([`StatementKey`]). Its uses are reused, shifted by the
//! edit, only if the clients and the module's table
//! ([`TableFacts`]: each name's constant text or class summary) come out
//! equal to the last extraction's; otherwise every call of the file is
//! evaluated again, as in a full extraction.

use std::collections::HashMap;

use tree_sitter::{Node, Tree};

use super::Python;
use super::clients::{ClientBindings, Scan, resolve};
use super::scopes::{Scopes, StatementBindings, TableFacts, root_facts, statement_bindings};
use crate::extract::eval::model_use;
use crate::extract::incremental::{shifted, text_hash};
use crate::extract::{Clients, ExtractOptions, ModelUse};
use crate::text::SourceText;

/// What one top-level statement contributed to the last extraction.
#[derive(Debug, Clone)]
struct Entry {
    start: usize,
    bindings: ClientBindings,
    module: StatementBindings,
    /// Model uses found in the statement, with the ranges of the last extraction.
    uses: Vec<ModelUse>,
}

/// The results of the last Python extraction of a document, for the next one
/// (inside [`crate::extract::ExtractCache`]).
#[derive(Debug, Clone)]
pub(in crate::extract) struct Cache {
    options: ExtractOptions,
    clients: Clients,
    /// The module's table as lookups observe it.
    module: TableFacts,
    entries: HashMap<StatementKey, Entry>,
    /// How many statements' model uses came from the previous cache.
    reused: usize,
}

impl Cache {
    pub(in crate::extract) fn reused_statements(&self) -> usize {
        self.reused
    }

    pub(in crate::extract) fn clients(&self) -> &Clients {
        &self.clients
    }

    pub(in crate::extract) fn statements(&self) -> usize {
        self.entries.len()
    }
}

/// What identifies a top-level statement across versions: its kind, length
/// and a hash of its text. Not tree-sitter's node identity, as for
/// JavaScript: tree-sitter rarely reuses a Python statement's subtree (its
/// first token was lexed in a parse state the next parse does not reach
/// again), so that key would miss nearly every statement. A top-level
/// statement without syntax errors is a function of its text: it starts at
/// the module's indentation with no bracket open, and the text ends where the
/// statement ends (an `else` that attaches to an `if` changes the `if`'s
/// text). A statement with an error (error recovery looks at its
/// surroundings) is never keyed and is walked again. What the entry holds is
/// computed from the statement alone (its uses relative to its start), so
/// two statements with the same text may share one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct StatementKey {
    kind: u16,
    len: usize,
    text_hash: u64,
}

impl StatementKey {
    /// The key of a statement that can be reused (`None`: one with a syntax error).
    fn of<S: SourceText + ?Sized>(statement: Node<'_>, text: &S) -> Option<Self> {
        (!statement.has_error()).then(|| Self {
            kind: statement.kind_id(),
            len: statement.byte_range().len(),
            text_hash: text_hash(text, statement),
        })
    }
}

/// One top-level statement of the new tree: reused from the cache or walked.
struct Part<'t, 'c> {
    node: Node<'t>,
    key: Option<StatementKey>,
    reused: Option<&'c Entry>,
    bindings: ClientBindings,
    module: StatementBindings,
    calls: Vec<Node<'t>>,
}

/// [`super::extract`], reusing what `previous` found in statements the edit
/// did not touch. Returns the same uses as a full extraction, and the cache
/// for the next call.
pub(in crate::extract) fn extract_python<'c, S: SourceText + ?Sized>(
    tree: &Tree,
    text: &S,
    options: &ExtractOptions,
    previous: Option<&'c Cache>,
) -> (Vec<ModelUse>, Cache) {
    let previous = previous.filter(|cache| cache.options == *options);
    let root = tree.root_node();
    let mut scan = Scan::new(text);
    let mut cursor = root.walk();
    let parts: Vec<Part<'_, 'c>> = root
        .children(&mut cursor)
        .map(|node| Part::new(node, text, previous, &mut scan))
        .collect();

    let clients = resolve(options, parts.iter().map(|p| &p.bindings));
    let module = root_facts(root, text, parts.iter().map(|p| &p.module));
    let context_unchanged =
        previous.is_some_and(|cache| cache.clients == clients && cache.module == module);

    let mut scopes = Scopes::new(root);
    let mut uses = Vec::new();
    let mut entries = HashMap::with_capacity(parts.len());
    let mut reused = 0;
    for mut part in parts {
        let start = part.node.start_byte();
        let part_uses = match part.reused {
            Some(entry) if context_unchanged => {
                reused += 1;
                shifted(&entry.uses, start as isize - entry.start as isize)
            }
            _ => {
                if part.reused.is_some() {
                    scan.walk(part.node);
                    part.calls = std::mem::take(&mut scan.calls);
                    scan.bindings = ClientBindings::default();
                }
                part.calls
                    .iter()
                    .filter_map(|call| model_use(&Python, &clients, *call, text, &mut scopes))
                    .collect()
            }
        };
        uses.extend(part_uses.iter().cloned());
        if let Some((key, entry)) = part.into_entry(part_uses) {
            entries.insert(key, entry);
        }
    }
    let cache = Cache {
        options: options.clone(),
        clients,
        module,
        entries,
        reused,
    };
    (uses, cache)
}

impl<'t, 'c> Part<'t, 'c> {
    /// The statement's entry from `previous` when a statement of the last
    /// version had the same key; else the statement walked now (its client
    /// bindings, module bindings and calls).
    fn new<S: SourceText + ?Sized>(
        node: Node<'t>,
        text: &S,
        previous: Option<&'c Cache>,
        scan: &mut Scan<'t, '_, S>,
    ) -> Self {
        let key = StatementKey::of(node, text);
        let reused = previous
            .zip(key)
            .and_then(|(cache, key)| cache.entries.get(&key));
        match reused {
            Some(entry) => Part {
                node,
                key,
                reused: Some(entry),
                bindings: entry.bindings.clone(),
                module: entry.module.clone(),
                calls: Vec::new(),
            },
            None => {
                scan.walk(node);
                Part {
                    node,
                    key,
                    reused: None,
                    bindings: std::mem::take(&mut scan.bindings),
                    // The module's table is built from its named children.
                    module: if node.is_named() {
                        statement_bindings(node, text)
                    } else {
                        StatementBindings::default()
                    },
                    calls: std::mem::take(&mut scan.calls),
                }
            }
        }
    }

    /// The statement's cache entry with the uses found in it, under its key
    /// (`None` for a statement that cannot be keyed).
    fn into_entry(self, uses: Vec<ModelUse>) -> Option<(StatementKey, Entry)> {
        let key = self.key?;
        let entry = Entry {
            start: self.node.start_byte(),
            bindings: self.bindings,
            module: self.module,
            uses,
        };
        Some((key, entry))
    }
}

#[cfg(test)]
mod tests;
