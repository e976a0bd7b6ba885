//! `abstrakt-lsp report`: the compliance record, one row per model use.

pub(crate) use crate::credits as attribution;
mod cyclonedx;
mod spdx3;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use serde::Serialize;

use super::{ColorChoice, Fatal, ProjectArgs, WalkArgs};
use crate::host::{Host, System};
pub use crate::report::{
    ModelSummary, Row, Status, commercial_for, row, source_and_date, summaries,
};

#[derive(Debug, Args)]
pub struct ReportArgs {
    #[command(flatten)]
    pub walk: WalkArgs,

    #[command(flatten)]
    pub project: ProjectArgs,

    /// Output format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Markdown)]
    pub format: ReportFormat,

    /// Write the report to FILE (atomically) instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// CycloneDX only: the BOM's serial number (a UUID), for reproducible
    /// builds [default: a random UUID]. SOURCE_DATE_EPOCH pins the timestamp.
    #[arg(long, env = "ABSTRAKT_BOM_SERIAL_NUMBER", value_name = "UUID")]
    pub serial_number: Option<String>,

    /// CycloneDX only: the project's name in the BOM [default: the name of
    /// the first PATH's folder].
    #[arg(long, value_name = "NAME")]
    pub project_name: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// A per-model summary with the attribution lines to publish, then every use.
    Markdown,
    /// One row per model use.
    Csv,
    /// Rows and the per-model summary.
    Json,
    /// A CycloneDX 1.6 AI bill of materials (JSON): one machine-learning-model
    /// component per model, with every call site as evidence.
    Cyclonedx,
    /// The credits to ship (THIRD_PARTY_MODELS.md): every used model whose
    /// licence or provider requires one, with the exact text and where it is used.
    Attribution,
    /// SPDX 3.0.1 JSON-LD with the AI profile: one ai_AIPackage per model, its
    /// licence, supplier and limitations, and the files that call it.
    Spdx3,
}

/// The project's name for the BOM: `--project-name`, else the folder of the
/// first path.
fn project_name(args: &ReportArgs) -> String {
    if let Some(name) = &args.project_name {
        return name.clone();
    }
    let first = args
        .walk
        .paths
        .first()
        .cloned()
        .unwrap_or_else(|| PathBuf::from("."));
    let absolute = std::fs::canonicalize(&first).unwrap_or(first);
    let dir = if absolute.is_file() {
        absolute.parent().map(PathBuf::from).unwrap_or(absolute)
    } else {
        absolute
    };
    dir.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "project".to_string())
}

pub fn run(args: ReportArgs) -> Result<ExitCode, Fatal> {
    let serial_number = match (&args.serial_number, args.format) {
        (Some(text), ReportFormat::Cyclonedx) => cyclonedx::parse_serial_number(text)?,
        _ => cyclonedx::random_serial_number(),
    };
    let host = System;
    let options = super::walk::options(&args.walk, &host);
    let (scan, _) = super::remote::scan_with_api(&options, &args.project, &host)?;
    let rows: Vec<Row> = scan.uses().map(|(file, u)| row(file, u)).collect();
    let text = match args.format {
        ReportFormat::Markdown => crate::report::markdown(&rows, scan.checked, host.today()),
        ReportFormat::Csv => csv(&rows)?,
        ReportFormat::Json => json(&rows, host.today())?,
        ReportFormat::Cyclonedx => cyclonedx::render(
            &scan,
            &cyclonedx::Options {
                serial_number,
                timestamp: host.now(),
                project_name: &project_name(&args),
            },
        )?,
        ReportFormat::Spdx3 => spdx3::render(
            &scan,
            &spdx3::Options {
                timestamp: host.now(),
                project_name: &project_name(&args),
            },
        )?,
        ReportFormat::Attribution => attribution::render(&attribution::entries(
            scan.uses(),
            &super::output::current_dir()?,
        )),
    };
    match &args.output {
        Some(path) => super::write::atomic(path, text.as_bytes())?,
        None => super::write::stdout(&text, ColorChoice::Never)?,
    }
    super::walk::print_diagnostics(&scan, args.walk.verbose);
    Ok(if scan.errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}

const CSV_HEADER: [&str; 21] = [
    "file",
    "line",
    "column",
    "status",
    "model_id",
    "expression",
    "canonical_id",
    "model_name",
    "license",
    "license_url",
    "category",
    "intended_use",
    "commercial_use",
    "attribution",
    "attribution_text",
    "restrictions",
    "territories_excluded",
    "source",
    "source_date",
    "findings",
    // Last, so readers that address columns by position are unaffected.
    "route",
];

fn csv(rows: &[Row]) -> Result<String, Fatal> {
    let failed = |e: csv::Error| Fatal(format!("cannot write CSV: {e}"));
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(CSV_HEADER).map_err(failed)?;
    for row in rows {
        let status = match row.status {
            Status::Known => "known".to_string(),
            Status::Dynamic => "dynamic".to_string(),
            Status::Unknown if row.suggestions.is_empty() => "unknown".to_string(),
            Status::Unknown => format!("unknown (did you mean {}?)", row.suggestions.join(", ")),
        };
        let opt = |v: &Option<String>| v.clone().unwrap_or_default();
        writer
            .write_record([
                row.file.clone(),
                row.line.to_string(),
                row.column.to_string(),
                status,
                opt(&row.model_id),
                opt(&row.expression),
                opt(&row.canonical_id),
                opt(&row.model_name),
                opt(&row.license),
                opt(&row.license_url),
                opt(&row.category),
                row.intended_use.as_str().to_string(),
                row.commercial_use.clone(),
                row.attribution.clone(),
                opt(&row.attribution_text),
                row.restrictions.join("; "),
                row.territories_excluded.join("; "),
                opt(&row.source),
                opt(&row.source_date),
                row.findings.join("; "),
                row.route.as_str().to_string(),
            ])
            .map_err(failed)?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| Fatal(format!("cannot write CSV: {e}")))?;
    String::from_utf8(bytes).map_err(|e| Fatal(format!("cannot write CSV: {e}")))
}

fn json(rows: &[Row], today: jiff::civil::Date) -> Result<String, Fatal> {
    #[derive(Serialize)]
    struct Tool {
        name: &'static str,
        version: &'static str,
    }
    #[derive(Serialize)]
    struct Document<'a> {
        tool: Tool,
        generated: String,
        models: Vec<ModelSummary>,
        uses: &'a [Row],
    }
    let document = Document {
        tool: Tool {
            name: "abstrakt-lsp",
            version: env!("CARGO_PKG_VERSION"),
        },
        generated: today.to_string(),
        models: summaries(rows),
        uses: rows,
    };
    let mut text = serde_json::to_string_pretty(&document)
        .map_err(|e| Fatal(format!("cannot write JSON: {e}")))?;
    text.push('\n');
    Ok(text)
}
