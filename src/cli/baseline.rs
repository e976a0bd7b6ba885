//! `check --baseline FILE` / `--write-baseline FILE`: adopting the checker on
//! a large repository without fixing everything first. The baseline records
//! each finding's fingerprint (the GitLab format's: rule, path, model and the
//! call's line text with whitespace collapsed, never the line number), so a
//! baselined finding stays quiet while code moves around it, and speaks again
//! when its rule, model or line changes.

use std::collections::HashSet;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::Fatal;
use super::output::{current_dir, relative_path};
use super::walk::Scan;

const VERSION: u32 = 1;

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct File {
    version: u32,
    /// What wrote it, for people reading the file.
    tool: String,
    findings: Vec<Entry>,
}

/// One remembered finding. Only `fingerprint` decides; the rest is for review.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Entry {
    fingerprint: String,
    rule: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    model: Option<String>,
    path: String,
    /// Where it was when recorded (informational: moving it changes nothing).
    line: u32,
    message: String,
}

/// Writes every finding of `scan` (fingerprints in [`Scan::findings`] order).
pub fn write(path: &Path, scan: &Scan, fingerprints: &[String]) -> Result<usize, Fatal> {
    let root = current_dir()?;
    let findings: Vec<Entry> = scan
        .findings()
        .zip(fingerprints)
        .map(|((file, located), fingerprint)| Entry {
            fingerprint: fingerprint.clone(),
            rule: located.finding.code.as_str().to_string(),
            model: located
                .finding
                .canonical_id
                .clone()
                .or_else(|| located.finding.model_id.clone()),
            path: relative_path(&file.path, &root),
            line: located.span.start_line,
            message: located.finding.message.clone(),
        })
        .collect();
    let count = findings.len();
    let file = File {
        version: VERSION,
        tool: format!("abstrakt-lsp {}", env!("CARGO_PKG_VERSION")),
        findings,
    };
    let mut text = serde_json::to_string_pretty(&file)
        .map_err(|e| Fatal(format!("cannot write the baseline: {e}")))?;
    text.push('\n');
    super::write::atomic(path, text.as_bytes())?;
    Ok(count)
}

/// The fingerprints a baseline file remembers.
pub fn load(path: &Path) -> Result<HashSet<String>, Fatal> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Fatal(format!(
            "--baseline: cannot read `{}`: {e} (write one with --write-baseline)",
            path.display()
        ))
    })?;
    let file: File = serde_json::from_str(&text).map_err(|e| {
        Fatal(format!(
            "--baseline: `{}` is not a baseline file: {e}",
            path.display()
        ))
    })?;
    if file.version != VERSION {
        return Err(Fatal(format!(
            "--baseline: `{}` has version {}; this abstrakt-lsp reads version {VERSION}",
            path.display(),
            file.version
        )));
    }
    Ok(file.findings.into_iter().map(|e| e.fingerprint).collect())
}
