//! abstrakt-lsp: AI-model licensing for JavaScript and TypeScript code that
//! calls the Abstrakt API, as a language server and as a CI checker.

pub mod analysis;
pub mod atomic_file;
pub mod attribution;
pub mod cli;
pub mod complete;
pub mod config;
pub mod context;
pub mod document;
pub mod extract;
pub mod fixes;
pub mod hover;
pub mod licensing;
pub mod limits;
pub mod lockfile;
pub mod lsp;
pub mod policy;
pub mod redact;
pub mod registry;
pub mod remote;
pub mod rules;
pub mod syntax;
pub mod text;
