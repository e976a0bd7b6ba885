//! `--format json`: one document with every finding and the summary.

use serde::Serialize;

use super::{Summary, path_text};
use crate::cli::walk::Scan;
use crate::extract::Route;
use crate::rules::{RuleCode, Severity};

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Document<'a> {
    findings: Vec<JsonFinding<'a>>,
    summary: Summary,
}

/// Lines and columns are 1-based; columns count UTF-16 code units; the end is exclusive.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonFinding<'a> {
    file: String,
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
    code: RuleCode,
    severity: Severity,
    message: &'a str,
    model_id: Option<&'a str>,
    canonical_id: Option<&'a str>,
    license: Option<&'a str>,
    suggestions: &'a [String],
    /// The family pattern the id matched, when it is not listed itself.
    #[serde(skip_serializing_if = "Option::is_none")]
    matched_pattern: Option<&'a str>,
    /// The route the call takes, when it is not the Abstrakt API.
    #[serde(skip_serializing_if = "Route::is_abstrakt")]
    route: Route,
}

pub fn render(scan: &Scan) -> String {
    let findings = scan
        .findings()
        .map(|(file, located)| {
            let f = &located.finding;
            let span = &located.span;
            JsonFinding {
                file: path_text(&file.path),
                line: span.start_line,
                column: span.start_column,
                end_line: span.end_line,
                end_column: span.end_column,
                code: f.code,
                severity: f.severity,
                message: &f.message,
                model_id: f.model_id.as_deref(),
                canonical_id: f.canonical_id.as_deref(),
                license: f.license.as_deref(),
                suggestions: &f.suggestions,
                matched_pattern: f.matched_pattern.as_deref(),
                route: f.route,
            }
        })
        .collect();
    let document = Document {
        findings,
        summary: Summary::of(scan),
    };
    // Serialising plain strings and numbers cannot fail.
    let mut text = serde_json::to_string_pretty(&document).unwrap_or_default();
    text.push('\n');
    text
}
