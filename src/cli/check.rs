//! `abstrakt-lsp check`: findings for CI, as text, JSON, SARIF, GitHub
//! annotations, a GitLab Code Quality report or JUnit XML.

use std::process::ExitCode;

use clap::{Args, ValueEnum};

use super::output;
use super::walk::Scan;
use super::{ColorChoice, Fatal, ProjectArgs, WalkArgs};
use crate::host::{Host, System};
use crate::rules::Severity;

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub walk: WalkArgs,

    #[command(flatten)]
    pub project: ProjectArgs,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,

    /// The lowest severity that makes the exit status 1.
    #[arg(long, value_enum, value_name = "SEVERITY", default_value_t = FailOn::Error)]
    pub fail_on: FailOn,

    /// Colour the human output.
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    /// Report exceptions that matched nothing or expired (unused-exception) as errors.
    #[arg(long)]
    pub strict: bool,

    #[command(flatten)]
    pub narrow: super::narrow::NarrowArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// One block per finding with the source line, like rustc and ruff.
    Human,
    /// One JSON document with every finding and a summary.
    Json,
    /// SARIF 2.1.0, for code-scanning upload.
    Sarif,
    /// GitHub Actions workflow commands: annotations on the changed lines.
    Github,
    /// A GitLab Code Quality report, for `artifacts: reports: codequality`.
    Gitlab,
    /// JUnit XML, one failing test case per finding.
    Junit,
    /// A short Markdown summary for a pull-request comment: counts, the
    /// (new) findings, attribution changes.
    MarkdownSummary,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Fail on errors only.
    Error,
    /// Fail on warnings and errors.
    Warning,
    /// Never fail because of findings.
    Never,
}

impl FailOn {
    fn fails(self, severity: Severity) -> bool {
        match self {
            FailOn::Error => severity >= Severity::Error,
            FailOn::Warning => severity >= Severity::Warning,
            FailOn::Never => false,
        }
    }
}

pub fn run(args: CheckArgs) -> Result<ExitCode, Fatal> {
    let host = System;
    let options = super::walk::options(&args.walk, &host);
    let (mut scan, projects) = super::remote::scan_with_api(&options, &args.project, &host)?;
    // Findings about whole projects, when the walk covered them.
    let covered = super::project_findings::covered_projects(&scan, &options, &projects)?;
    let attribution = super::attribution_file::check(&mut scan, &covered)?;
    super::exceptions::check(&mut scan, &covered, args.strict, host.today());
    let narrowing = super::narrow::apply(&mut scan, &args.narrow)?;
    let rendered = match args.format {
        Format::Human => output::human::render(&scan),
        Format::Json => output::json::render(&scan),
        Format::Sarif => output::sarif::render(&scan)?,
        Format::Github => output::github::render(&scan)?,
        Format::Gitlab => output::gitlab::render(&scan)?,
        Format::Junit => output::junit::render(&scan)?,
        Format::MarkdownSummary => {
            output::markdown_summary::render(&scan, &narrowing, &attribution)?
        }
    };
    super::write::stdout(&rendered, args.color)?;
    super::walk::print_diagnostics(&scan, args.walk.verbose);
    super::narrow::print_note(&narrowing);
    Ok(exit_code(&scan, args.fail_on))
}

fn exit_code(scan: &Scan, fail_on: FailOn) -> ExitCode {
    if !scan.errors.is_empty() {
        ExitCode::from(2)
    } else if scan
        .findings()
        .any(|(_, f)| fail_on.fails(f.finding.severity))
    {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
