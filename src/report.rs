//! The compliance record: one row per model use with its licensing, the
//! per-model summary, and the Markdown report. `report` prints it and the
//! editor's `abstrakt.report` command returns the same text.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use crate::batch::{FileResult, LocatedUse, Scan, path_text};
use crate::extract::Target;
use crate::licensing::{CommercialUse, Licensing};
use crate::registry::{Resolved, Source};
use crate::rules::IntendedUse;

/// What is known about one model use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Known,
    Unknown,
    Dynamic,
}

/// One model use with its licensing, as recorded.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Row {
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub method: String,
    pub status: Status,
    /// The id as written; `None` for dynamic ids.
    pub model_id: Option<String>,
    /// The expression, for dynamic ids.
    pub expression: Option<String>,
    pub canonical_id: Option<String>,
    pub model_name: Option<String>,
    pub license: Option<String>,
    pub license_url: Option<String>,
    pub category: Option<String>,
    pub intended_use: IntendedUse,
    pub commercial_use: String,
    pub attribution: String,
    pub attribution_text: Option<String>,
    /// `attribution_text` is our suggested credit, not wording a source prescribes.
    #[serde(skip)]
    pub credit_suggested: bool,
    /// Where `attribution_text` comes from when it is not licence text (a provider's example).
    #[serde(skip)]
    pub credit_origin: Option<String>,
    pub restrictions: Vec<String>,
    pub territories_excluded: Vec<String>,
    /// What no source could confirm (e.g. a provider route's own terms).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unverified: Vec<String>,
    pub source: Option<String>,
    pub source_date: Option<String>,
    /// The family pattern the id matched (`fal-ai/flux-lora*`), when it is not listed itself.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub matched_pattern: Option<String>,
    /// The route the call takes (left out of JSON for the Abstrakt API, so
    /// reports of Abstrakt-only code read as before).
    #[serde(skip_serializing_if = "crate::extract::Route::is_abstrakt")]
    pub route: crate::extract::Route,
    /// Closest known ids, for unknown ids.
    pub suggestions: Vec<String>,
    /// Finding codes at this use.
    pub findings: Vec<String>,
}

/// Commercial use as it applies to the intended use.
pub fn commercial_for(licensing: &Licensing, intended_use: IntendedUse) -> String {
    match (licensing.commercial, intended_use) {
        (CommercialUse::Allowed, _) => "Allowed".to_string(),
        (CommercialUse::NotAllowed, IntendedUse::Commercial) => "Not allowed".to_string(),
        (CommercialUse::NotAllowed, other) => {
            format!("Not allowed (fine for {} use)", other.as_str())
        }
        (CommercialUse::Conditional, _) => match &licensing.commercial_condition {
            Some(condition) => format!("Conditional: {}", one_line(condition)),
            None => "Conditional".to_string(),
        },
        (CommercialUse::Unverified, _) => "Unverified".to_string(),
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Where an answer came from, and its date (`YYYY-MM[-DD]`).
pub fn source_and_date(resolved: &Resolved) -> (String, Option<String>) {
    let date = match &resolved.source {
        Source::Api { fetched_at } | Source::ExpiredCache { fetched_at } => Some(
            fetched_at
                .to_zoned(jiff::tz::TimeZone::UTC)
                .date()
                .to_string(),
        ),
        Source::BuiltIn => resolved.model.licensing.verified.clone(),
        Source::Project { .. } => None,
    };
    let label = match &resolved.source {
        Source::Project { file } => format!("project file {}", path_text(file)),
        other => other.label().to_string(),
    };
    (label, date)
}

pub fn row(file: &FileResult, model_use: &LocatedUse) -> Row {
    let intended_use = file.project.intended_use();
    let findings = file
        .findings
        .iter()
        .filter(|f| f.span == model_use.span)
        .map(|f| f.finding.code.as_str().to_string())
        .collect();
    let mut row = Row {
        file: path_text(&file.path),
        line: model_use.span.start_line,
        column: model_use.span.start_column,
        method: model_use.method.clone(),
        route: model_use.route,
        status: Status::Known,
        model_id: None,
        expression: None,
        canonical_id: None,
        model_name: None,
        license: None,
        license_url: None,
        category: None,
        intended_use,
        commercial_use: String::new(),
        attribution: String::new(),
        attribution_text: None,
        credit_suggested: false,
        credit_origin: None,
        restrictions: Vec::new(),
        territories_excluded: Vec::new(),
        unverified: Vec::new(),
        source: None,
        source_date: None,
        matched_pattern: None,
        suggestions: Vec::new(),
        findings,
    };
    match &model_use.target {
        Target::Dynamic { expression, .. } => {
            row.status = Status::Dynamic;
            row.expression = Some(one_line(expression));
            row.commercial_use = "Cannot be checked: the model id is dynamic".to_string();
            row.attribution = "Cannot be checked: the model id is dynamic".to_string();
        }
        Target::Static { id, .. } => {
            row.model_id = Some(crate::registry::shown_id(id).into_owned());
            let resolver = &file.project.resolver;
            match crate::rules::resolve_on(resolver, model_use.route, id) {
                None => {
                    row.status = Status::Unknown;
                    row.suggestions = crate::rules::suggest_on(resolver, model_use.route, id, 3);
                    row.commercial_use = "Unknown: no licensing source knows this model".into();
                    row.attribution = "Unknown: no licensing source knows this model".into();
                }
                Some(resolved) => fill_known(&mut row, &resolved),
            }
        }
    }
    row
}

/// The licensing columns of a row whose id resolved.
fn fill_known(row: &mut Row, resolved: &Resolved) {
    let model = &resolved.model;
    let licensing = &model.licensing;
    let (mut source, date) = source_and_date(resolved);
    if let Some(pattern) = resolved.pattern() {
        let _ = write!(source, ", matched by family pattern `{pattern}`");
    }
    row.canonical_id = Some(model.id.clone());
    row.model_name = Some(model.name.clone());
    row.license = Some(licensing.license.clone());
    row.license_url = licensing.license_url.clone();
    row.category = licensing.category.map(|c| c.label().to_string());
    row.commercial_use = commercial_for(licensing, row.intended_use);
    let credit = model.credit();
    row.attribution = match &credit {
        Some(credit) if !credit.prescribed => {
            "Required (no prescribed wording; suggested credit)".to_string()
        }
        _ => licensing.attribution.label().to_string(),
    };
    row.credit_suggested = credit.as_ref().is_some_and(|c| !c.prescribed);
    row.credit_origin = credit.as_ref().and_then(|c| c.origin.clone());
    row.attribution_text = credit.map(|c| c.text);
    row.matched_pattern = resolved.pattern().map(str::to_string);
    row.restrictions = licensing.restrictions.clone();
    row.territories_excluded = licensing.territories_excluded.clone();
    row.unverified = licensing.unverified.clone();
    row.source = Some(source);
    row.source_date = date;
}

/// One model on one route and every place it is used there: the terms can
/// differ per route (the FLUX.1 [dev] weights are non-commercial where the
/// API is not), so a model used on two routes is two summaries.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ModelSummary {
    canonical_id: String,
    #[serde(skip_serializing_if = "crate::extract::Route::is_abstrakt")]
    route: crate::extract::Route,
    model_name: String,
    license: String,
    license_url: Option<String>,
    category: Option<String>,
    commercial_use: String,
    attribution: String,
    attribution_text: Option<String>,
    #[serde(skip)]
    credit_suggested: bool,
    #[serde(skip)]
    credit_origin: Option<String>,
    restrictions: Vec<String>,
    territories_excluded: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    unverified: Vec<String>,
    source: Option<String>,
    source_date: Option<String>,
    uses: Vec<String>,
}

pub fn summaries(rows: &[Row]) -> Vec<ModelSummary> {
    let mut by_id: BTreeMap<(&str, crate::extract::Route), ModelSummary> = BTreeMap::new();
    for row in rows {
        let (Some(id), Some(name), Some(license)) =
            (&row.canonical_id, &row.model_name, &row.license)
        else {
            continue;
        };
        let entry = by_id
            .entry((id, row.route))
            .or_insert_with(|| ModelSummary {
                canonical_id: id.clone(),
                route: row.route,
                model_name: name.clone(),
                license: license.clone(),
                license_url: row.license_url.clone(),
                category: row.category.clone(),
                commercial_use: row.commercial_use.clone(),
                attribution: row.attribution.clone(),
                attribution_text: row.attribution_text.clone(),
                credit_suggested: row.credit_suggested,
                credit_origin: row.credit_origin.clone(),
                restrictions: row.restrictions.clone(),
                territories_excluded: row.territories_excluded.clone(),
                unverified: row.unverified.clone(),
                source: row.source.clone(),
                source_date: row.source_date.clone(),
                uses: Vec::new(),
            });
        entry.uses.push(format!("{}:{}", row.file, row.line));
    }
    by_id.into_values().collect()
}

/// The Markdown report of a finished walk (what `report --format markdown`
/// prints; the server's `abstrakt.report` command returns the same text).
pub fn markdown_of(scan: &Scan, today: jiff::civil::Date) -> String {
    let rows: Vec<Row> = scan.uses().map(|(file, u)| row(file, u)).collect();
    markdown(&rows, scan.checked, today)
}

/// Escapes text for a Markdown table cell or paragraph.
pub fn md(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '|' | '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

pub fn md_code(text: &str) -> String {
    format!("`{}`", text.replace('`', "'").replace(['\n', '\r'], " "))
}

pub fn md_link(text: &str, url: Option<&str>) -> String {
    match url {
        Some(url) if url.starts_with("https://") || url.starts_with("http://") => format!(
            "[{}]({})",
            md(text),
            url.replace(' ', "%20").replace(')', "%29")
        ),
        _ => md(text),
    }
}

pub fn markdown(rows: &[Row], files_checked: usize, today: jiff::civil::Date) -> String {
    let mut out = String::new();
    let models = summaries(rows);
    let mut intended: Vec<&str> = rows.iter().map(|r| r.intended_use.as_str()).collect();
    intended.sort_unstable();
    intended.dedup();
    markdown_header(&mut out, rows, &models, &intended, files_checked, today);
    markdown_attributions(&mut out, &models);
    markdown_models(&mut out, &models);
    markdown_unchecked(&mut out, rows);
    markdown_every_use(&mut out, rows, &intended);
    out
}

/// The title, what was checked and the intended use.
fn markdown_header(
    out: &mut String,
    rows: &[Row],
    models: &[ModelSummary],
    intended: &[&str],
    files_checked: usize,
    today: jiff::civil::Date,
) {
    let mut uses_by_file: Vec<&str> = rows.iter().map(|r| r.file.as_str()).collect();
    uses_by_file.dedup();
    // Models, not model-route pairs.
    let mut distinct: Vec<&str> = models.iter().map(|m| m.canonical_id.as_str()).collect();
    distinct.dedup();
    let _ = writeln!(out, "# Model licensing report\n");
    let _ = writeln!(
        out,
        "Generated by abstrakt-lsp {} on {}. {} model {} of {} known {} in {} {} ({} checked).",
        env!("CARGO_PKG_VERSION"),
        today,
        rows.len(),
        if rows.len() == 1 { "use" } else { "uses" },
        distinct.len(),
        if distinct.len() == 1 {
            "model"
        } else {
            "models"
        },
        uses_by_file.len(),
        if uses_by_file.len() == 1 {
            "file"
        } else {
            "files"
        },
        files_checked,
    );
    if !intended.is_empty() {
        let _ = writeln!(out, "Intended use: {}.", intended.join(", "));
    }
}

/// The credits to show where the models' outputs appear.
fn markdown_attributions(out: &mut String, models: &[ModelSummary]) {
    let mut attributions: Vec<(&ModelSummary, &str)> = models
        .iter()
        .filter_map(|m| m.attribution_text.as_deref().map(|t| (m, t)))
        .collect();
    // One credit per model, whichever routes reach it.
    attributions
        .dedup_by(|(a, a_text), (b, b_text)| a.canonical_id == b.canonical_id && a_text == b_text);
    let _ = writeln!(out, "\n## Attribution to publish\n");
    if attributions.is_empty() {
        let _ = writeln!(out, "No model in use requires attribution.");
    } else {
        let _ = writeln!(out, "Show these lines where the models' outputs appear:\n");
        for (model, text) in &attributions {
            let note = match &model.credit_origin {
                _ if model.credit_suggested => {
                    " — suggested credit: attribution is required but the source gives no wording"
                        .to_string()
                }
                Some(origin) => format!(" — {}", md(origin)),
                None => String::new(),
            };
            let _ = writeln!(
                out,
                "- {} ({}){note}",
                md(text),
                md_code(&model.canonical_id)
            );
        }
    }
}

/// One section per known model.
fn markdown_models(out: &mut String, models: &[ModelSummary]) {
    let _ = writeln!(out, "\n## Models\n");
    if models.is_empty() {
        let _ = writeln!(out, "No known model is used.");
    }
    for model in models {
        let on_route = if model.route.is_abstrakt() {
            String::new()
        } else {
            format!(" — {}", md(model.route.label()))
        };
        let _ = writeln!(
            out,
            "### {} ({}){on_route}\n",
            md(&model.model_name),
            md_code(&model.canonical_id)
        );
        let _ = writeln!(
            out,
            "- Route: {} ({})",
            md(model.route.label()),
            md_code(model.route.as_str())
        );
        let license = md_link(&model.license, model.license_url.as_deref());
        match &model.category {
            Some(category) => {
                let _ = writeln!(out, "- License: {license} ({})", md(category));
            }
            None => {
                let _ = writeln!(out, "- License: {license}");
            }
        }
        let _ = writeln!(out, "- Commercial use: {}", md(&model.commercial_use));
        match &model.attribution_text {
            Some(text) => {
                let _ = writeln!(
                    out,
                    "- Attribution: {}: \"{}\"",
                    md(&model.attribution),
                    md(text)
                );
            }
            None => {
                let _ = writeln!(out, "- Attribution: {}", md(&model.attribution));
            }
        }
        if !model.restrictions.is_empty() {
            let list: Vec<String> = model.restrictions.iter().map(|r| md(r)).collect();
            let _ = writeln!(out, "- Restrictions: {}", list.join("; "));
        }
        if !model.territories_excluded.is_empty() {
            let _ = writeln!(
                out,
                "- Not licensed in: {}",
                md(&model.territories_excluded.join(", "))
            );
        }
        if !model.unverified.is_empty() {
            let list: Vec<String> = model.unverified.iter().map(|u| md(u)).collect();
            let _ = writeln!(out, "- Unverified: {}", list.join("; "));
        }
        let source = match (&model.source, &model.source_date) {
            (Some(source), Some(date)) => format!("{source}, {date}"),
            (Some(source), None) => source.clone(),
            _ => "unknown".to_string(),
        };
        let _ = writeln!(out, "- Source: {}", md(&source));
        let uses: Vec<String> = model.uses.iter().map(|u| md_code(u)).collect();
        let _ = writeln!(out, "- Used at: {}\n", uses.join(", "));
    }
}

/// Dynamic and unknown ids.
fn markdown_unchecked(out: &mut String, rows: &[Row]) {
    let unchecked: Vec<&Row> = rows.iter().filter(|r| r.status != Status::Known).collect();
    if !unchecked.is_empty() {
        let _ = writeln!(out, "## Uses that could not be checked\n");
        for row in unchecked {
            let what = match row.status {
                Status::Dynamic => format!(
                    "dynamic model id {}: licensing cannot be checked",
                    md_code(row.expression.as_deref().unwrap_or(""))
                ),
                _ => {
                    let mut text = format!(
                        "unknown model {}: no licensing source knows it",
                        md_code(row.model_id.as_deref().unwrap_or(""))
                    );
                    if !row.suggestions.is_empty() {
                        let list: Vec<String> =
                            row.suggestions.iter().map(|s| md_code(s)).collect();
                        let _ = write!(text, " (did you mean {}?)", list.join(", "));
                    }
                    text
                }
            };
            let _ = writeln!(
                out,
                "- {}: {what}",
                md_code(&format!("{}:{}", row.file, row.line))
            );
        }
        out.push('\n');
    }
}

/// The table of every use.
fn markdown_every_use(out: &mut String, rows: &[Row], intended: &[&str]) {
    let _ = writeln!(out, "## Every use\n");
    if rows.is_empty() {
        let _ = writeln!(out, "No model use found.");
        return;
    }
    let _ = writeln!(
        out,
        "| File | Line | Model | Route | Name | License | Category | Commercial use ({}) | Attribution | Restrictions | Source |",
        intended.join(", ")
    );
    let _ = writeln!(
        out,
        "| --- | ---: | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
    );
    for row in rows {
        let model = match (&row.status, &row.model_id, &row.expression) {
            (Status::Dynamic, _, Some(expr)) => format!("{} (dynamic)", md_code(expr)),
            (Status::Unknown, Some(id), _) => format!("{} (unknown)", md_code(id)),
            (_, Some(id), _) => md_code(id),
            _ => String::new(),
        };
        let attribution = match &row.attribution_text {
            Some(text) => format!("{}: \"{}\"", md(&row.attribution), md(text)),
            None => md(&row.attribution),
        };
        let source = match (&row.source, &row.source_date) {
            (Some(source), Some(date)) => format!("{source}, {date}"),
            (Some(source), None) => source.clone(),
            _ => String::new(),
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            md(&row.file),
            row.line,
            model,
            md_code(row.route.as_str()),
            md(row.model_name.as_deref().unwrap_or("")),
            md_link(
                row.license.as_deref().unwrap_or(""),
                row.license_url.as_deref()
            ),
            md(row.category.as_deref().unwrap_or("")),
            md(&row.commercial_use),
            attribution,
            md(&row.restrictions.join("; ")),
            md(&source),
        );
    }
}
