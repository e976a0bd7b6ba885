//! One module per LSP feature; each answers from a [`crate::lsp::session::View`]
//! copied out of the state, so no lock is held while it works.

pub mod code_actions;
pub mod completion;
pub mod documents;
pub mod hover;
pub mod inlay_hints;
pub mod pull;
pub mod watched;
