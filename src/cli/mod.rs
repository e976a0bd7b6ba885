//! The command line: `abstrakt-lsp` with no subcommand (or `--stdio`) serves
//! LSP; subcommands run the same engine for CI and records.
//!
//! Exit codes of every command: 0 success, 1 when the command's own verdict is
//! negative (findings at or above `--fail-on`, an unknown model for `explain`,
//! an out-of-date lock for `lock --check`), 2 for usage errors, unreadable or
//! nonexistent paths and invalid configuration (with a message on stderr).

mod attribution_file;
mod baseline;
mod check;
mod exceptions;
mod explain;
mod lock;
mod models;
mod narrow;
mod new_since;
mod output;
mod project_findings;
mod remote;
mod report;
mod walk;
mod write;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::rules::IntendedUse;

pub use crate::project::Project;
pub use walk::{FileResult, LocatedFinding, LocatedUse, Scan, ScanOptions};

/// Where the project's documentation lives; `--help`, SARIF `informationUri`
/// and each rule's `helpUri` point here. Taken from Cargo.toml's `repository`
/// when it is set.
pub const PROJECT_URL: &str = if env!("CARGO_PKG_REPOSITORY").is_empty() {
    "https://github.com/abstrakt-lsp/abstrakt-lsp"
} else {
    env!("CARGO_PKG_REPOSITORY")
};

/// Shows AI-model licensing where JavaScript and TypeScript code calls Abstrakt models.
///
/// With no command (or with --stdio) it runs the language server on stdin/stdout.
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
    /// Check JavaScript and TypeScript files for model-licensing findings (for CI).
    ///
    /// Walks the given paths like ripgrep (.gitignore, .ignore and hidden files are
    /// skipped), in parallel, and reports every finding. Each file's nearest
    /// abstrakt.toml applies.
    ///
    /// Lines and columns are 1-based; columns count UTF-16 code units, as LSP
    /// editors and SARIF do (a character outside the Basic Multilingual Plane, such
    /// as most emoji, counts as 2).
    ///
    /// Exit status: 0 when no finding reaches --fail-on, 1 when one does, 2 for
    /// usage errors, unreadable or nonexistent paths and invalid configuration.
    Check(check::CheckArgs),
    /// Write the compliance record: one row per model use with its licensing.
    ///
    /// Rows: file, line, model id, model name, license, license URL, category,
    /// commercial use for the intended use, attribution requirement and text,
    /// restrictions, where the data came from and when it was verified. Dynamic
    /// and unknown ids appear as rows that say so. Markdown adds a per-model
    /// summary with the attribution lines to publish.
    Report(report::ReportArgs),
    /// Show a model's licensing card (exit 1 with suggestions for unknown ids).
    Explain(explain::ExplainArgs),
    /// List the built-in licensing registry.
    Models(models::ModelsArgs),
    /// Write abstrakt.lock: the licensing of every model the tree uses, as reviewed.
    ///
    /// The lock records, per canonical model id, the license, a fingerprint of the
    /// licensing terms and the date it was recorded. The license-changed rule fires
    /// when current licensing no longer matches it. With --check nothing is written
    /// and the exit status is 1 when the lock is missing or out of date.
    Lock(lock::LockArgs),
}

/// Which paths to look at and how to walk them.
#[derive(Debug, Clone, Args)]
pub struct WalkArgs {
    /// Files or directories to check [default: .]
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Don't respect .gitignore, .ignore and other ignore files.
    #[arg(long)]
    pub no_ignore: bool,

    /// Include hidden files and directories.
    #[arg(long)]
    pub hidden: bool,

    /// Skip files larger than this (bytes, or e.g. `8MB`) [default: `[limits]
    /// max-file-size` in abstrakt.toml, else 5 MB].
    #[arg(long, value_name = "SIZE", value_parser = crate::limits::parse_size)]
    pub max_file_size: Option<u64>,

    /// Skip files with a line longer than this many bytes (minified code)
    /// [default: `[limits] max-line-length` in abstrakt.toml, else 20000].
    #[arg(long, value_name = "BYTES")]
    pub max_line_length: Option<usize>,

    /// Worker threads [default: the number of CPUs].
    #[arg(short = 'j', long, value_name = "N")]
    pub threads: Option<usize>,

    /// List every skipped file (binary, too large, over-long lines) and every
    /// file read with invalid UTF-8 replaced; the summary counts skipped files either way.
    #[arg(short, long)]
    pub verbose: bool,
}

/// Settings that decide licensing answers and rule severities.
#[derive(Debug, Clone, Args)]
pub struct ProjectArgs {
    /// How outputs are used; overrides `intended-use` in abstrakt.toml.
    #[arg(long, value_enum, value_name = "USE")]
    pub intended_use: Option<IntendedUseArg>,

    /// Never touch the network: use built-in and cached licensing data only
    /// [env: ABSTRAKT_OFFLINE=1; 1/true/yes/on or 0/false/no/off].
    ///
    /// Without ABSTRAKT_API_KEY nothing is fetched either; with it, ids that have
    /// no fresh cached answer are fetched once per run. The environment is read
    /// as the language server reads it: another value of ABSTRAKT_OFFLINE is
    /// a warning and means offline.
    #[arg(long)]
    pub offline: bool,

    /// Base URL of the Abstrakt API [env: ABSTRAKT_API_URL] [default:
    /// https://api.abstrakt.one/v1].
    ///
    /// The API key (ABSTRAKT_API_KEY) is sent only here; https:// only, except
    /// loopback addresses. Cached answers live in ABSTRAKT_CACHE_DIR (default:
    /// the user cache folder).
    #[arg(long, value_name = "URL")]
    pub api_url: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum IntendedUseArg {
    Commercial,
    Personal,
    Research,
}

impl From<IntendedUseArg> for IntendedUse {
    fn from(value: IntendedUseArg) -> Self {
        match value {
            IntendedUseArg::Commercial => IntendedUse::Commercial,
            IntendedUseArg::Personal => IntendedUse::Personal,
            IntendedUseArg::Research => IntendedUse::Research,
        }
    }
}

/// When to colour human output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum ColorChoice {
    /// When stdout is a terminal and NO_COLOR is not set.
    #[default]
    Auto,
    Always,
    Never,
}

/// An error that ends a command with exit status 2.
#[derive(Debug)]
pub struct Fatal(pub String);

impl std::fmt::Display for Fatal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<crate::project::ProjectError> for Fatal {
    fn from(error: crate::project::ProjectError) -> Self {
        Fatal(error.0)
    }
}

impl From<String> for Fatal {
    fn from(message: String) -> Self {
        Fatal(message)
    }
}

/// Exit status 2, after the message on stderr.
fn fatal(error: Fatal) -> ExitCode {
    eprintln!("abstrakt-lsp: {error}");
    ExitCode::from(2)
}

/// Runs a command; `None` (no command, `--stdio` or `serve`) is for the
/// binary to serve LSP: the command line does not know the server.
pub fn run(cli: Cli) -> Option<ExitCode> {
    if !matches!(cli.command, None | Some(Command::Serve)) {
        // Commands write files (the lock, the API cache, reports): an
        // interrupted write leaves no temporary file behind.
        crate::atomic_file::clean_up_on_signals();
    }
    let result = match cli.command {
        None | Some(Command::Serve) => return None,
        Some(Command::Check(args)) => check::run(args),
        Some(Command::Report(args)) => report::run(args),
        Some(Command::Explain(args)) => explain::run(args),
        Some(Command::Models(args)) => models::run(args),
        Some(Command::Lock(args)) => lock::run(args),
    };
    Some(result.unwrap_or_else(fatal))
}
