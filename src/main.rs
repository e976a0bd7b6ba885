use std::process::ExitCode;

use clap::Parser;

use abstrakt_lsp::cli::{Cli, run};

fn main() -> ExitCode {
    run(Cli::parse())
}
