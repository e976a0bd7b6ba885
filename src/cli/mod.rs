//! The command line: `abstrakt-lsp` with no subcommand (or `--stdio`) serves
//! LSP; subcommands run the same engine for CI and records.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Shows AI-model licensing where JavaScript and TypeScript code calls Abstrakt models.
#[derive(Debug, Parser)]
#[command(name = "abstrakt-lsp", version, about, long_about = None)]
pub struct Cli {
    /// Speak LSP on stdin/stdout (the default when no command is given).
    #[arg(long, global = false)]
    pub stdio: bool,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the language server on stdin/stdout.
    Serve,
}

/// Logs go to stderr only: stdout belongs to JSON-RPC in server mode.
fn init_logging(default_level: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_level));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(crate::redact::RedactingStderr)
        .with_ansi(false)
        .try_init();
}

pub fn run(cli: Cli) -> ExitCode {
    match cli.command {
        None | Some(Command::Serve) => {
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
            runtime.block_on(crate::lsp::serve_stdio());
            ExitCode::SUCCESS
        }
    }
}
