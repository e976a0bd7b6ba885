//! What both front ends' incremental extraction share: the cache handed from
//! one extraction of a document to the next, and how a top-level statement
//! is recognised as unchanged and its uses moved.
//!
//! Each front end keeps, per top-level statement, what the statement
//! contributes to file-level facts (who the clients are, what names are
//! bound at the top) without tree nodes, and the model uses found in it. A
//! statement is recognised as unchanged by tree-sitter's reuse of its
//! subtree ([`key`], JavaScript) or by its text alone (Python, whose
//! statements tree-sitter seldom reuses), always with its text the same
//! ([`text_hash`]); its uses are reused, [`shifted`], only when the
//! file-level facts come out the same as last time.

use std::ops::Range;

use tree_sitter::Node;

use super::{Clients, ModelUse, Target, javascript, python};
use crate::text::SourceText;

/// The results of the last extraction of a document, for the next one. Pass
/// it to [`crate::extract::extract_incremental`] with the tree that the next
/// version's parse produced from this one (edited, reparsed).
#[derive(Debug, Clone)]
pub struct ExtractCache {
    front: Front,
}

#[derive(Debug, Clone)]
enum Front {
    JavaScript(javascript::incremental::Cache),
    Python(python::incremental::Cache),
}

impl ExtractCache {
    pub(super) fn javascript(cache: javascript::incremental::Cache) -> Self {
        Self {
            front: Front::JavaScript(cache),
        }
    }

    pub(super) fn python(cache: python::incremental::Cache) -> Self {
        Self {
            front: Front::Python(cache),
        }
    }

    /// The JavaScript/TypeScript front end's cache (`None` for another language's).
    pub(super) fn as_javascript(&self) -> Option<&javascript::incremental::Cache> {
        match &self.front {
            Front::JavaScript(cache) => Some(cache),
            Front::Python(_) => None,
        }
    }

    /// The Python front end's cache (`None` for another language's).
    pub(super) fn as_python(&self) -> Option<&python::incremental::Cache> {
        match &self.front {
            Front::Python(cache) => Some(cache),
            Front::JavaScript(_) => None,
        }
    }

    /// How many top-level statements the extraction that built this cache
    /// took from the previous one instead of walking them (for logs and tests).
    pub fn reused_statements(&self) -> usize {
        match &self.front {
            Front::JavaScript(cache) => cache.reused_statements(),
            Front::Python(cache) => cache.reused_statements(),
        }
    }

    /// The document's SDK clients as this extraction found them.
    pub fn clients(&self) -> &Clients {
        match &self.front {
            Front::JavaScript(cache) => cache.clients(),
            Front::Python(cache) => cache.clients(),
        }
    }

    /// How many top-level statements the cache holds.
    pub fn statements(&self) -> usize {
        match &self.front {
            Front::JavaScript(cache) => cache.statements(),
            Front::Python(cache) => cache.statements(),
        }
    }
}

/// The identity of a statement's subtree. `Node::id` is the address of the
/// node's slot in its parent's child array, and the root is rebuilt on every
/// parse, so a top-level statement's own id changes even when tree-sitter
/// reuses it; its first child's slot stays the same when the subtree is
/// reused. It is a hint, not a proof: `child(0)` skips hidden nodes, so the
/// first visible child may sit in a reused *descendant* of a statement that
/// was rebuilt around it (an error node that took in the edit keeps its
/// unchanged first token). Reuse therefore also requires the statement's
/// length and text to be unchanged. Leaves (comments) have no children, hold
/// no calls or bindings and are simply walked again. The cache holds the old
/// tree, so no key can be recycled by a new node.
pub(super) fn key(statement: Node<'_>) -> Option<usize> {
    statement.child(0).map(|child| child.id())
}

/// A hash of a statement's text.
pub(super) fn text_hash<S: SourceText + ?Sized>(text: &S, statement: Node<'_>) -> u64 {
    use std::hash::Hasher;
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    text.hash_range(statement.byte_range(), &mut hasher);
    hasher.finish()
}

/// Model uses moved by `delta` bytes (the statement moved; its text did not change).
pub(super) fn shifted(uses: &[ModelUse], delta: isize) -> Vec<ModelUse> {
    let shift = |range: &Range<usize>| {
        range.start.saturating_add_signed(delta)..range.end.saturating_add_signed(delta)
    };
    uses.iter()
        .map(|u| ModelUse {
            method: u.method,
            method_range: shift(&u.method_range),
            call_range: shift(&u.call_range),
            argument_range: shift(&u.argument_range),
            targets: u
                .targets
                .iter()
                .map(|t| match t {
                    Target::Static { id, range } => Target::Static {
                        id: id.clone(),
                        range: shift(range),
                    },
                    Target::Dynamic { range, expression } => Target::Dynamic {
                        range: shift(range),
                        expression: expression.clone(),
                    },
                })
                .collect(),
        })
        .collect()
}
