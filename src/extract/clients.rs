//! Who counts as a client in one file, whichever front end found them.

use std::collections::HashSet;

/// Who counts as an Abstrakt client in one file. Completion asks the same
/// question as extraction through [`Clients::is_client`] and
/// [`Clients::is_client_field`], so an id gets completion exactly where it
/// would get diagnostics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clients {
    names: HashSet<String>,
    this_fields: HashSet<String>,
}

impl Clients {
    /// Clients found by a front end: receiver names, and the fields of
    /// `this` (`self` in Python) that hold a client.
    pub(super) fn from_sets(names: HashSet<String>, this_fields: HashSet<String>) -> Self {
        Self { names, this_fields }
    }

    /// Whether a plain identifier receiver (`ai` in `ai.run(...)`) is a client.
    pub fn is_client(&self, name: &str) -> bool {
        self.names.contains(name)
    }

    /// Whether `this.<field>` is a client (`this.ai.run(...)`).
    pub fn is_client_field(&self, field: &str) -> bool {
        self.this_fields.contains(field)
    }
}
