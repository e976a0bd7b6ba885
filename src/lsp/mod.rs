//! The LSP face of the engine.

mod analyse;
mod capabilities;
mod commands;
mod convert;
mod diagnostics;
mod guard;
mod handlers;
mod lifecycle;
mod remote;
mod scheduler;
mod server;
mod session;
mod settings;
mod transport;
mod workspace;

pub use server::Backend;

use tokio::sync::mpsc;
use tower_lsp_server::{LspService, Server};

/// Buffer between the framing guard and the server, in each direction.
const PIPE_BYTES: usize = 1 << 16;

/// Serves LSP on stdin/stdout until the client sends `exit` or closes stdin.
pub async fn serve_stdio() {
    serve(tokio::io::stdin(), tokio::io::stdout()).await;
}

/// Serves LSP over any byte streams, behind the framing guard of [`transport`].
pub async fn serve<I, O>(input: I, output: O)
where
    I: tokio::io::AsyncRead + Unpin + Send + 'static,
    O: tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let (server_input, client_side_input) = tokio::io::duplex(PIPE_BYTES);
    let (client_side_output, server_output) = tokio::io::duplex(PIPE_BYTES);
    let (errors_tx, errors_rx) = mpsc::unbounded_channel();
    tokio::spawn(transport::pump_input(input, client_side_input, errors_tx));
    let writer = tokio::spawn(transport::pump_output(
        client_side_output,
        output,
        errors_rx,
    ));

    let (service, socket) = LspService::new(Backend::new);
    Server::new(server_input, server_output, socket)
        .serve(service)
        .await;
    // The server's output side is dropped now; let the writer drain it.
    let _ = writer.await;
}
