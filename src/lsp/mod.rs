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

/// How many messages the server works on at once. Completion and code
/// actions may wait (bounded) for an analysis; waiting futures cost nothing,
/// and only this many of them could hold up the messages behind them.
const CONCURRENT_REQUESTS: usize = 64;

/// Serves LSP on stdin/stdout until the client sends `exit` or closes stdin.
/// Whether the client asked for `shutdown` first.
pub async fn serve_stdio() -> bool {
    serve(tokio::io::stdin(), tokio::io::stdout()).await
}

/// Serves LSP over any byte streams, behind the framing guard of [`transport`];
/// whether the client asked for `shutdown` before the end.
pub async fn serve<I, O>(input: I, output: O) -> bool
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

    let mut session = None;
    let (service, socket) = LspService::new(|client| {
        let backend = Backend::new(client);
        session = Some(backend.session());
        backend
    });
    Server::new(server_input, server_output, socket)
        .concurrency_level(CONCURRENT_REQUESTS)
        .serve(service)
        .await;
    // The server's output side is dropped now; let the writer drain it.
    let _ = writer.await;
    session.is_some_and(|session| {
        session
            .shutdown_requested
            .load(std::sync::atomic::Ordering::Relaxed)
    })
}
