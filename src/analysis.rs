//! One file's analysis: extraction followed by the rules. The server and the
//! CLI both call this, so the editor and CI never disagree.

use tree_sitter::Tree;

use crate::extract::{ExtractOptions, ModelUse, extract};
use crate::registry::Lookup;
use crate::rules::{Finding, RuleSettings, check};
use crate::text::SourceText;

#[derive(Debug, Clone, Default)]
pub struct Analysis {
    pub uses: Vec<ModelUse>,
    pub findings: Vec<Finding>,
}

/// Everything the rules say about one parsed file.
pub fn analyze<S: SourceText + ?Sized>(
    tree: &Tree,
    text: &S,
    options: &ExtractOptions,
    lookup: &impl Lookup,
    settings: &RuleSettings,
) -> Analysis {
    let uses = extract(tree, text, options);
    let findings = check(&uses, lookup, settings);
    Analysis { uses, findings }
}
