//! abstrakt-lsp: AI-model licensing for JavaScript, TypeScript and Python
//! code (and shell scripts and Markdown) that calls the Abstrakt API, as a
//! language server and as a CI checker. One engine, two faces (`cli`, `lsp`)
//! that never import each other: docs/architecture.md.

pub mod analysis;
pub mod atomic_file;
pub mod attribution;
pub mod batch;
pub mod cli;
pub mod complete;
pub mod compliance_log;
pub mod config;
pub mod credits;
pub mod document;
pub mod extract;
pub mod fixes;
pub mod host;
pub mod hover;
pub mod licensing;
pub mod limits;
pub mod lockfile;
pub mod lsp;
pub mod policy;
pub mod project;
pub mod redact;
pub mod registry;
pub mod remote;
pub mod report;
pub mod review;
pub mod rules;
pub mod syntax;
pub mod text;
pub mod walker;
