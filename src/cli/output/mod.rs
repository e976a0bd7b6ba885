//! Renderers for `check` results.

pub mod github;
pub mod gitlab;
pub mod human;
pub mod json;
pub mod junit;
pub mod markdown_summary;
pub mod sarif;

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::Fatal;
use super::walk::Scan;
use crate::rules::Severity;

/// Counts shown at the end of every format.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    pub files_checked: usize,
    pub files_with_findings: usize,
    pub model_uses: usize,
    pub findings: usize,
    pub errors: usize,
    pub warnings: usize,
    pub info: usize,
    pub hints: usize,
    /// JavaScript/TypeScript files not checked (`skipped` says why).
    pub files_skipped: usize,
    pub skipped: SkippedCounts,
}

/// Skipped files by reason.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SkippedCounts {
    /// Contains a NUL byte.
    pub binary: usize,
    /// Over the `--max-file-size` limit (`maxFileSize` bytes).
    pub too_large: usize,
    /// A line over the `max-line-length` limit (minified code).
    pub long_lines: usize,
    /// The parser gave up.
    pub unparsable: usize,
    pub max_file_size: u64,
}

impl Summary {
    pub fn of(scan: &Scan) -> Self {
        let mut summary = Summary {
            files_checked: scan.checked,
            files_with_findings: scan.files.iter().filter(|f| !f.findings.is_empty()).count(),
            model_uses: scan.uses().count(),
            files_skipped: scan.skipped.total(),
            skipped: SkippedCounts {
                binary: scan.skipped.binary,
                too_large: scan.skipped.too_large,
                long_lines: scan.skipped.long_lines,
                unparsable: scan.skipped.unparsed,
                max_file_size: scan.skipped.size_limit,
            },
            ..Summary::default()
        };
        for (_, located) in scan.findings() {
            summary.findings += 1;
            match located.finding.severity {
                Severity::Error => summary.errors += 1,
                Severity::Warning => summary.warnings += 1,
                Severity::Info => summary.info += 1,
                Severity::Hint => summary.hints += 1,
            }
        }
        summary
    }
}

pub use crate::batch::path_text;

/// The current directory, normalised: what CI paths are relative to.
pub fn current_dir() -> Result<PathBuf, Fatal> {
    let dir = std::env::current_dir()
        .map_err(|e| Fatal(format!("cannot read the current directory: {e}")))?;
    Ok(normalize(&dir))
}

pub use crate::batch::normalize;

/// A walked path relative to `root` (the repository root CI runs in), or
/// absolute when it lies outside: how GitHub and GitLab expect paths.
pub fn relative_path(path: &Path, root: &Path) -> String {
    let absolute = normalize(&root.join(path));
    match absolute.strip_prefix(root) {
        Ok(relative) => path_text(relative),
        Err(_) => path_text(&absolute),
    }
}
