//! The binary: a command ([`abstrakt_lsp::cli`]) or, with none, the language
//! server ([`abstrakt_lsp::lsp`]). The two faces meet only here.

use std::process::ExitCode;

use clap::Parser;

use abstrakt_lsp::cli::{Cli, run};

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Some(code) => code,
        None => serve(),
    }
}

/// Logs go to stderr only: stdout belongs to JSON-RPC in server mode.
fn init_logging(default_level: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_level));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(abstrakt_lsp::redact::RedactingStderr)
        .with_ansi(false)
        .try_init();
}

fn serve() -> ExitCode {
    init_logging("info");
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("abstrakt-lsp: cannot start the async runtime: {error}");
            return ExitCode::from(2);
        }
    };
    let shut_down = runtime.block_on(abstrakt_lsp::lsp::serve_stdio());
    // Reading stdin parks a blocking thread that only returns with the
    // next byte; after `exit`, do not wait for it.
    runtime.shutdown_timeout(std::time::Duration::from_millis(100));
    // LSP: exit with 0 only after a `shutdown` request, otherwise 1.
    if shut_down {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
