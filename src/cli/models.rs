//! `abstrakt-lsp models`: the licensing registry as a table, or as a stable
//! JSON export (`--json`, documented field by field in docs/cli.md). With an
//! API key the Abstrakt API's catalog is merged in, each row saying its source.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, ValueEnum};
use serde::Serialize;
use unicode_width::UnicodeWidthStr;

use super::{ColorChoice, Fatal};
use crate::licensing::{
    Attribution, Category, CommercialUse, Confidence, Credit, Evidence, EvidenceAbout, Licensing,
    Model, Registry,
};
use crate::remote::{Api, ApiModel};

/// The version of the `models --json` document; bumped on any breaking change.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Args)]
pub struct ModelsArgs {
    /// Only models of this license category.
    #[arg(long, value_enum)]
    pub category: Option<CategoryArg>,

    /// Only models whose outputs may be used commercially without a condition.
    #[arg(long)]
    pub commercial: bool,

    /// Print the registry as JSON (a stable export, see docs/cli.md).
    #[arg(long)]
    pub json: bool,

    /// Never touch the network: list the built-in registry only
    /// [env: ABSTRAKT_OFFLINE=1].
    ///
    /// Without ABSTRAKT_API_KEY nothing is fetched either; with it, the Abstrakt
    /// API's catalog is merged with the built-in registry.
    #[arg(long)]
    pub offline: bool,

    /// Base URL of the Abstrakt API [env: ABSTRAKT_API_URL] [default:
    /// https://api.abstrakt.one/v1].
    #[arg(long, value_name = "URL")]
    pub api_url: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CategoryArg {
    OpenSource,
    OpenWeightsRestricted,
    CommercialApi,
}

impl From<CategoryArg> for Category {
    fn from(value: CategoryArg) -> Self {
        match value {
            CategoryArg::OpenSource => Category::OpenSource,
            CategoryArg::OpenWeightsRestricted => Category::OpenWeightsRestricted,
            CategoryArg::CommercialApi => Category::CommercialApi,
        }
    }
}

/// Where a row's licensing comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RowSource {
    /// The registry compiled into this binary.
    BuiltIn,
    /// The Abstrakt API's catalog (merged with the built-in entry of the same
    /// id for the details the API does not carry, when the licence is the same).
    AbstraktApi,
}

impl RowSource {
    fn as_str(self) -> &'static str {
        match self {
            RowSource::BuiltIn => "built-in",
            RowSource::AbstraktApi => "abstrakt-api",
        }
    }
}

/// One listed model: the model, and where its licensing comes from.
/// `licensed` is `false` for an API catalog entry that carries no licensing
/// (exported with `"licensing": null`).
#[derive(Debug, Clone)]
pub struct Row {
    pub source: RowSource,
    pub model: Arc<Model>,
    pub licensed: bool,
}

pub fn run(args: ModelsArgs) -> Result<ExitCode, Fatal> {
    let (_, api) =
        super::remote::client(args.api_url.as_deref(), args.offline, &crate::host::System)?;
    let catalog = match api {
        None => None,
        Some(api) => {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| Fatal(format!("cannot start the async runtime: {e}")))?;
            match runtime.block_on(api.list_models()) {
                Ok(models) => Some(models),
                Err(error) => {
                    eprintln!(
                        "abstrakt-lsp: cannot list the Abstrakt API catalog: {error}; listing the built-in registry"
                    );
                    None
                }
            }
        }
    };
    let rows = merge(Registry::builtin(), catalog.as_deref());
    let category = args.category.map(Category::from);
    let rows: Vec<Row> = rows
        .into_iter()
        .filter(|r| category.is_none() || (r.licensed && r.model.licensing.category == category))
        .filter(|r| {
            !args.commercial
                || (r.licensed && r.model.licensing.commercial == CommercialUse::Allowed)
        })
        .collect();
    let text = if args.json {
        export(&rows)?
    } else {
        table(&rows, catalog.is_some())
    };
    super::write::stdout(&text, ColorChoice::Never)?;
    Ok(ExitCode::SUCCESS)
}

/// The built-in registry with the API catalog merged in: a catalog entry for
/// a built-in id (or alias) replaces its row, keeping the built-in identity
/// and the details the API does not carry (as `explain` does); catalog
/// entries the registry does not know follow, in the API's order.
pub fn merge(registry: &Registry, catalog: Option<&[ApiModel]>) -> Vec<Row> {
    let mut rows: Vec<Row> = registry
        .models()
        .iter()
        .map(|model| Row {
            source: RowSource::BuiltIn,
            model: model.clone(),
            licensed: true,
        })
        .collect();
    let Some(catalog) = catalog else {
        return rows;
    };
    let mut replaced: HashSet<String> = HashSet::new();
    let mut seen: HashSet<String> = HashSet::new();
    for api in catalog {
        let builtin = registry.get(&api.id);
        match builtin {
            Some(builtin) => {
                // One row per built-in model: the first catalog entry naming it wins.
                if !replaced.insert(builtin.id.clone()) {
                    continue;
                }
                if let Some(model) = api.to_model(Some(builtin))
                    && let Some(row) = rows.iter_mut().find(|r| r.model.id == builtin.id)
                {
                    *row = Row {
                        source: RowSource::AbstraktApi,
                        model: Arc::new(model),
                        licensed: true,
                    };
                }
            }
            None => {
                if !seen.insert(api.id.clone()) {
                    continue;
                }
                let (model, licensed) = match api.to_model(None) {
                    Some(model) => (model, true),
                    None => (unlicensed(api), false),
                };
                rows.push(Row {
                    source: RowSource::AbstraktApi,
                    model: Arc::new(model),
                    licensed,
                });
            }
        }
    }
    rows
}

/// A catalog entry without licensing: its identity only.
fn unlicensed(api: &ApiModel) -> Model {
    Model {
        id: api.id.clone(),
        aliases: Vec::new(),
        patterns: Vec::new(),
        name: api.name.clone().unwrap_or_else(|| api.id.clone()),
        vendor: api.provider.clone(),
        modality: api.category.clone(),
        alternatives: Vec::new(),
        licensing: Licensing {
            license: String::new(),
            spdx: None,
            license_url: None,
            category: None,
            commercial: CommercialUse::Unverified,
            commercial_condition: None,
            attribution: Attribution::Unverified,
            attribution_text: None,
            attribution_text_origin: None,
            restrictions: Vec::new(),
            territories_excluded: Vec::new(),
            confidence: None,
            unverified: Vec::new(),
            sources: Vec::new(),
            license_date: None,
            verified: None,
            notes: None,
            evidence: Vec::new(),
        },
    }
}

fn table(rows: &[Row], with_source: bool) -> String {
    let mut header = vec![
        "ID",
        "NAME",
        "LICENSE",
        "CATEGORY",
        "COMMERCIAL",
        "ATTRIBUTION",
    ];
    if with_source {
        header.push("SOURCE");
    }
    header.push("PATTERNS");
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            let m = &row.model;
            let l = &m.licensing;
            let mut cells = if row.licensed {
                vec![
                    m.id.clone(),
                    m.name.clone(),
                    l.license.clone(),
                    l.category.map_or("", |c| c.as_str()).to_string(),
                    l.commercial.label().to_string(),
                    l.attribution.label().to_string(),
                ]
            } else {
                vec![
                    m.id.clone(),
                    m.name.clone(),
                    "(none given)".to_string(),
                    String::new(),
                    String::new(),
                    String::new(),
                ]
            };
            if with_source {
                cells.push(row.source.as_str().to_string());
            }
            cells.push(m.patterns.join(", "));
            cells
        })
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.width()).collect();
    for row in &cells {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.width());
        }
    }
    let mut out = String::new();
    let mut line = |cells: &[&str]| {
        let mut text = String::new();
        for (i, (cell, width)) in cells.iter().zip(&widths).enumerate() {
            text.push_str(cell);
            if i + 1 < cells.len() {
                text.push_str(&" ".repeat(width.saturating_sub(cell.width()) + 2));
            }
        }
        let _ = writeln!(out, "{}", text.trim_end());
    };
    line(&header);
    for row in &cells {
        let row: Vec<&str> = row.iter().map(String::as_str).collect();
        line(&row);
    }
    let _ = writeln!(out, "\n{} models", rows.len());
    out
}

// The `models --json` document. Its own types (not the engine's), so the
// export only changes on purpose; docs/cli.md describes every field.

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Export<'a> {
    schema_version: u32,
    tool: Tool,
    models: Vec<ExportModel<'a>>,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ExportModel<'a> {
    id: &'a str,
    source: RowSource,
    aliases: &'a [String],
    patterns: &'a [String],
    name: &'a str,
    vendor: Option<&'a str>,
    modality: Option<&'a str>,
    licensing: Option<ExportLicensing<'a>>,
    alternatives: &'a [String],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ExportLicensing<'a> {
    license: &'a str,
    spdx: Option<&'a str>,
    license_url: Option<&'a str>,
    category: Option<Category>,
    commercial: CommercialUse,
    commercial_condition: Option<&'a str>,
    attribution: Attribution,
    attribution_text: Option<&'a str>,
    credit: Option<Credit>,
    restrictions: &'a [String],
    territories_excluded: &'a [String],
    confidence: Option<Confidence>,
    unverified: &'a [String],
    sources: &'a [String],
    license_date: Option<&'a str>,
    verified: Option<&'a str>,
    notes: Option<&'a str>,
    evidence: Vec<ExportEvidence<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ExportEvidence<'a> {
    about: EvidenceAbout,
    text: &'a str,
    verbatim: bool,
    source: &'a str,
    at: Option<&'a str>,
}

impl<'a> ExportEvidence<'a> {
    fn of(evidence: &'a Evidence) -> Self {
        Self {
            about: evidence.about,
            text: &evidence.text,
            verbatim: evidence.verbatim,
            source: &evidence.source,
            at: evidence.at.as_deref(),
        }
    }
}

impl<'a> ExportModel<'a> {
    fn of(row: &'a Row) -> Self {
        let m = &row.model;
        let l = &m.licensing;
        Self {
            id: &m.id,
            source: row.source,
            aliases: &m.aliases,
            patterns: &m.patterns,
            name: &m.name,
            vendor: m.vendor.as_deref(),
            modality: m.modality.as_deref(),
            licensing: row.licensed.then(|| ExportLicensing {
                license: &l.license,
                spdx: l.spdx.as_deref(),
                license_url: l.license_url.as_deref(),
                category: l.category,
                commercial: l.commercial,
                commercial_condition: l.commercial_condition.as_deref(),
                attribution: l.attribution,
                attribution_text: l.attribution_text.as_deref(),
                credit: m.credit(),
                restrictions: &l.restrictions,
                territories_excluded: &l.territories_excluded,
                confidence: l.confidence,
                unverified: &l.unverified,
                sources: &l.sources,
                license_date: l.license_date.as_deref(),
                verified: l.verified.as_deref(),
                notes: l.notes.as_deref(),
                evidence: l.evidence.iter().map(ExportEvidence::of).collect(),
            }),
            alternatives: &m.alternatives,
        }
    }
}

/// The `models --json` document.
pub fn export(rows: &[Row]) -> Result<String, Fatal> {
    let document = Export {
        schema_version: SCHEMA_VERSION,
        tool: Tool {
            name: "abstrakt-lsp",
            version: env!("CARGO_PKG_VERSION"),
        },
        models: rows.iter().map(ExportModel::of).collect(),
    };
    let mut text = serde_json::to_string_pretty(&document)
        .map_err(|e| Fatal(format!("cannot write JSON: {e}")))?;
    text.push('\n');
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIXTURE: &str = r#"
[[model]]
id = "flux-dev"
aliases = ["fal-ai/flux/dev"]
patterns = ["fal-ai/flux-lora*"]
name = "FLUX.1 [dev]"
vendor = "Black Forest Labs"
modality = "image"
category = "open-weights-restricted"
license = "FLUX.1-dev"
license-url = "https://huggingface.co/black-forest-labs/FLUX.1-dev/blob/main/LICENSE.md"
commercial = "allowed"
attribution = "required"
restrictions = ["No deepfakes"]
territories-excluded = []
alternatives = ["flux-schnell"]
confidence = "medium"
unverified = []
sources = ["https://huggingface.co/black-forest-labs/FLUX.1-dev/blob/main/LICENSE.md"]
verified = "2026-11-29"
notes = ""

[[model.evidence]]
about = "commercial"
quote = "You may use Output for any purpose (including for commercial purposes), except as expressly prohibited herein."
source = "https://huggingface.co/black-forest-labs/FLUX.1-dev/blob/main/LICENSE.md"
at = "§2(d)"

[[model]]
id = "flux-schnell"
aliases = []
name = "FLUX.1 [schnell]"
vendor = "Black Forest Labs"
modality = "image"
category = "open-source"
license = "Apache-2.0"
spdx = "Apache-2.0"
commercial = "allowed"
attribution = "not-required"
restrictions = []
territories-excluded = []
alternatives = []
confidence = "high"
unverified = []
sources = ["https://github.com/black-forest-labs/flux/blob/main/model_licenses/LICENSE-FLUX1-schnell"]
verified = "2026-10"
notes = ""
"#;

    #[test]
    fn export_snapshot() {
        let registry = Registry::from_toml(FIXTURE).expect("valid");
        let catalog: Vec<ApiModel> = serde_json::from_str(
            r#"[{"id":"flux-schnell","licensing":{"license":"Apache-2.0","commercial":true}},
                {"id":"acme-draft","name":"Acme Draft","provider":"Acme"}]"#,
        )
        .expect("catalog");
        let rows = merge(&registry, Some(&catalog));
        let text = export(&rows)
            .expect("JSON")
            .replace(env!("CARGO_PKG_VERSION"), "[version]");
        insta::assert_snapshot!(text);
    }
}
