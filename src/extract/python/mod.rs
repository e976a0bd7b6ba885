//! The Python front end: SDK calls on Abstrakt clients in `.py`/`.pyi` files,
//! producing the same [`ModelUse`]s as the JavaScript front end.
//!
//! - [`clients`]: which receivers are clients (one walk collects bindings and
//!   calls whose callee is an attribute);
//! - [`grammar`]: Python as the shared evaluator sees it (shapes, dict and
//!   class-body entries, attribute callees, positional or keyword arguments);
//! - [`scopes`]: which value a name stands for under Python's scoping;
//! - [`literal`]: decoding string literals;
//! - [`incremental`]: re-walking only the top-level statements an edit touched.
//!
//! Abstrakt documents only the Python client's construction
//! (`Abstrakt(api_key=...)`); its methods are taken to mirror the JS SDK, so
//! the one [`super::SDK_METHODS`] table serves both. The model id is the positional
//! argument the table names, else a keyword from [`super::SdkMethod::keywords`].

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

use clients::{Scan, resolve};
use grammar::Python;
use scopes::Scopes;

/// Every model reference in a parsed Python file.
pub(super) fn extract<S: SourceText + ?Sized>(
    tree: &Tree,
    text: &S,
    options: &ExtractOptions,
) -> Vec<ModelUse> {
    let mut scan = Scan::new(text);
    scan.walk(tree.root_node());
    let clients = resolve(options, std::iter::once(&scan.bindings));
    let mut scopes = Scopes::new(tree.root_node());
    scan.calls
        .iter()
        .filter_map(|call| model_use(&Python, &clients, *call, text, &mut scopes))
        .collect()
}

/// Every provider SDK call in a parsed Python file.
pub(super) fn provider_uses<S: SourceText + ?Sized>(tree: &Tree, text: &S) -> Vec<ModelUse> {
    let scan = providers::scan(tree.root_node(), text);
    let mut scopes = Scopes::new(tree.root_node());
    provider_uses_with(
        &Python,
        &scan.receivers,
        &scan.calls,
        SdkLanguage::Python,
        text,
        &mut scopes,
    )
}

/// Who counts as a client in a parsed Python file.
pub(super) fn clients<S: SourceText + ?Sized>(
    tree: &Tree,
    text: &S,
    options: &ExtractOptions,
) -> Clients {
    let mut scan = Scan::new(text);
    scan.walk(tree.root_node());
    resolve(options, std::iter::once(&scan.bindings))
}

#[cfg(test)]
mod tests;
