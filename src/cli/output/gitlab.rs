//! `--format gitlab`: a GitLab Code Quality report (a JSON array of issues),
//! for `artifacts: reports: codequality`, which shows findings in the merge
//! request widget and diff.
//!
//! GitLab tells new findings from old ones by `fingerprint`, so it must not
//! change when unrelated edits move a call: it hashes the rule, the path, the
//! model id and the call's line text with whitespace collapsed — never the
//! line number. Identical calls in one file are told apart by their order.

use std::collections::HashMap;

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::relative_path;
use crate::cli::Fatal;
use crate::cli::walk::{FileResult, LocatedFinding, Scan};
use crate::rules::Severity;

#[derive(Serialize)]
struct Issue<'a> {
    description: &'a str,
    check_name: &'static str,
    fingerprint: String,
    severity: &'static str,
    location: Location,
}

#[derive(Serialize)]
struct Location {
    path: String,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: u32,
    end: u32,
}

/// GitLab's scale is info, minor, major, critical, blocker; errors rank as
/// major, warnings as minor (as eslint's and rumdl's GitLab formatters do).
fn severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "major",
        Severity::Warning => "minor",
        Severity::Info | Severity::Hint => "info",
    }
}

/// The lines a finding covers, whitespace collapsed.
fn normalised_text(file: &FileResult, located: &LocatedFinding) -> String {
    let span = &located.span;
    let mut words = Vec::new();
    for line in span.start_line..=span.end_line.max(span.start_line) {
        words.extend(file.line_text(line).split_whitespace());
    }
    words.join(" ")
}

/// The part of the fingerprint that ignores where the call sits.
fn base_fingerprint(path: &str, file: &FileResult, located: &LocatedFinding) -> String {
    let f = &located.finding;
    let model = f
        .model_id
        .as_deref()
        .or(f.canonical_id.as_deref())
        .unwrap_or("");
    let mut hasher = Sha256::new();
    for part in [
        "abstrakt-lsp codequality v1",
        f.code.as_str(),
        path,
        model,
        &normalised_text(file, located),
    ] {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    hex(&hasher.finalize())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Every finding's fingerprint, in [`Scan::findings`] order: what GitLab
/// compares between pipelines, and what `check --baseline` remembers.
pub fn fingerprints(scan: &Scan) -> Result<Vec<String>, Fatal> {
    let root = super::current_dir()?;
    let mut seen: HashMap<String, usize> = HashMap::new();
    Ok(scan
        .findings()
        .map(|(file, located)| {
            let path = relative_path(&file.path, &root);
            let base = base_fingerprint(&path, file, located);
            // The n-th identical finding of a file keeps its own fingerprint.
            let ordinal = seen.entry(base.clone()).or_insert(0);
            let mut hasher = Sha256::new();
            hasher.update(base.as_bytes());
            hasher.update(ordinal.to_string().as_bytes());
            *ordinal += 1;
            let mut fingerprint = hex(&hasher.finalize());
            fingerprint.truncate(32);
            fingerprint
        })
        .collect())
}

pub fn render(scan: &Scan) -> Result<String, Fatal> {
    let root = super::current_dir()?;
    let issues: Vec<Issue<'_>> = scan
        .findings()
        .zip(fingerprints(scan)?)
        .map(|((file, located), fingerprint)| {
            let span = &located.span;
            Issue {
                description: &located.finding.message,
                check_name: located.finding.code.as_str(),
                fingerprint,
                severity: severity(located.finding.severity),
                location: Location {
                    path: relative_path(&file.path, &root),
                    lines: Lines {
                        begin: span.start_line,
                        end: span.end_line,
                    },
                },
            }
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&issues)
        .map_err(|e| Fatal(format!("cannot write the GitLab report: {e}")))?;
    text.push('\n');
    Ok(text)
}
