//! `abstrakt-lsp models`: the built-in registry as a table.

use std::fmt::Write as _;
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use unicode_width::UnicodeWidthStr;

use super::{ColorChoice, Fatal};
use crate::licensing::{Category, CommercialUse, Model, Registry};

#[derive(Debug, Args)]
pub struct ModelsArgs {
    /// Only models of this license category.
    #[arg(long, value_enum)]
    pub category: Option<CategoryArg>,

    /// Only models whose outputs may be used commercially without a condition.
    #[arg(long)]
    pub commercial: bool,

    /// Print the models (with their full licensing) as JSON.
    #[arg(long)]
    pub json: bool,
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

pub fn run(args: ModelsArgs) -> Result<ExitCode, Fatal> {
    let category = args.category.map(Category::from);
    let models: Vec<&Model> = Registry::builtin()
        .models()
        .iter()
        .map(AsRef::as_ref)
        .filter(|m| category.is_none() || m.licensing.category == category)
        .filter(|m| !args.commercial || m.licensing.commercial == CommercialUse::Allowed)
        .collect();
    let text = if args.json {
        let mut text = serde_json::to_string_pretty(&models)
            .map_err(|e| Fatal(format!("cannot write JSON: {e}")))?;
        text.push('\n');
        text
    } else {
        table(&models)
    };
    super::write::stdout(&text, ColorChoice::Never)?;
    Ok(ExitCode::SUCCESS)
}

fn table(models: &[&Model]) -> String {
    let header = [
        "ID",
        "NAME",
        "LICENSE",
        "CATEGORY",
        "COMMERCIAL",
        "ATTRIBUTION",
    ];
    let rows: Vec<[String; 6]> = models
        .iter()
        .map(|m| {
            let l = &m.licensing;
            [
                m.id.clone(),
                m.name.clone(),
                l.license.clone(),
                l.category.map_or("", |c| c.as_str()).to_string(),
                l.commercial.label().to_string(),
                l.attribution.label().to_string(),
            ]
        })
        .collect();
    let mut widths = header.map(UnicodeWidthStr::width);
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.width());
        }
    }
    let mut out = String::new();
    let mut line = |cells: &[&str]| {
        let mut text = String::new();
        for (i, (cell, width)) in cells.iter().zip(widths).enumerate() {
            text.push_str(cell);
            if i + 1 < cells.len() {
                text.push_str(&" ".repeat(width.saturating_sub(cell.width()) + 2));
            }
        }
        let _ = writeln!(out, "{}", text.trim_end());
    };
    line(&header);
    for row in &rows {
        let cells: Vec<&str> = row.iter().map(String::as_str).collect();
        line(&cells);
    }
    let _ = writeln!(out, "\n{} models", rows.len());
    out
}
