//! The JavaScript/TypeScript front end (also JSX/TSX), split by question:
//! - [`clients`]: which receivers are Abstrakt clients (one walk collects
//!   bindings and calls whose callee is a member chain);
//! - [`grammar`]: the grammar as the shared evaluator sees it (shapes of
//!   expressions, object-literal entries, callee paths, model arguments);
//! - [`scopes`]: which `const` a name refers to (block tables, ancestor chains);
//! - [`literal`]: decoding string and template literals;
//! - [`incremental`]: re-walking only the top-level statements an edit touched.

use tree_sitter::Tree;

use super::eval::{model_use, provider_uses as provider_uses_with};
use super::providers::SdkLanguage;
use super::{Clients, ExtractOptions, ModelUse};
use crate::text::SourceText;

mod clients;
mod grammar;
pub(super) mod incremental;
mod literal;
mod providers;
mod scopes;

use clients::Scan;
use scopes::Scopes;

/// Every model reference in a parsed JavaScript/TypeScript file: find the
/// clients, then evaluate the model-id argument of every SDK call on one.
pub(super) fn extract<S: SourceText + ?Sized>(
    tree: &Tree,
    text: &S,
    options: &ExtractOptions,
) -> Vec<ModelUse> {
    let mut scan = Scan::new(text, &tree.language());
    scan.walk(tree.root_node());
    let clients = scan.clients(options);
    let grammar = scan.grammar();
    let mut scopes = Scopes::new(tree.root_node());
    scan.calls
        .iter()
        .filter_map(|call| model_use(&grammar, &clients, *call, text, &mut scopes))
        .collect()
}

/// Every provider SDK call in a parsed JavaScript/TypeScript file.
pub(super) fn provider_uses<S: SourceText + ?Sized>(tree: &Tree, text: &S) -> Vec<ModelUse> {
    let grammar = grammar::JavaScript::new(&tree.language());
    let scan = providers::scan(tree.root_node(), &grammar, text);
    let mut scopes = Scopes::new(tree.root_node());
    provider_uses_with(
        &grammar,
        &scan.receivers,
        &scan.calls,
        SdkLanguage::Javascript,
        text,
        &mut scopes,
    )
}

/// Who counts as a client in a parsed JavaScript/TypeScript file.
pub(super) fn clients<S: SourceText + ?Sized>(
    tree: &Tree,
    text: &S,
    options: &ExtractOptions,
) -> Clients {
    let mut scan = Scan::new(text, &tree.language());
    scan.walk(tree.root_node());
    scan.clients(options)
}
