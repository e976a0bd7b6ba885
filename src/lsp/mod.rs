//! The LSP face of the engine.

mod convert;
mod projects;
mod server;
mod settings;

pub use server::Backend;

use tower_lsp_server::{LspService, Server};

/// Serves LSP on stdin/stdout until the client sends `exit` or closes stdin.
pub async fn serve_stdio() {
    let stdin = tokio::io::stdin();
    let stdout = tokio::io::stdout();
    let (service, socket) = LspService::new(Backend::new);
    Server::new(stdin, stdout, socket).serve(service).await;
}
