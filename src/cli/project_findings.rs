//! Findings about a project as a whole (`attribution-file-stale`,
//! `unused-exception`), which `check` works out after the walk and places in
//! the project's own `abstrakt.toml`, so every output format shows them like
//! any other finding (`abstrakt.toml:14:8`).
//!
//! They are only sound when the walk saw the whole project: "this exception
//! matched nothing" or "this file no longer lists every model" cannot be
//! said after checking two staged files. [`covered_projects`] returns the
//! projects whose folder lies inside a walked folder.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use ropey::Rope;

use super::Fatal;
use super::output::{current_dir, normalize};
use super::walk::{FileResult, LocatedFinding, Scan, ScanOptions, Span};
use crate::document::{LineIndex, PositionEncoding};
use crate::project::{Project, ProjectIndex};
use crate::rules::Finding;

/// The projects with an `abstrakt.toml` whose whole folder the walk covered:
/// the project of each walked folder and of each file with model uses.
pub fn covered_projects(
    scan: &Scan,
    options: &ScanOptions,
    projects: &ProjectIndex,
) -> Result<Vec<Arc<Project>>, Fatal> {
    let cwd = current_dir()?;
    let walked_dirs: Vec<PathBuf> = options
        .paths
        .iter()
        .filter(|p| p.is_dir())
        .map(|p| normalize(&cwd.join(p)))
        .collect();
    let mut candidates: Vec<Arc<Project>> = Vec::new();
    for dir in &options.paths {
        // An invalid project file is already among the scan's errors (the
        // files it governs were not checked): no findings about it.
        if dir.is_dir()
            && let Ok(project) = projects.project_for(dir)
        {
            candidates.push(project);
        }
    }
    candidates.extend(scan.files.iter().map(|f| f.project.clone()));
    let mut seen: Vec<PathBuf> = Vec::new();
    let mut out = Vec::new();
    for project in candidates {
        let Some(config) = project.config.path.as_deref() else {
            continue;
        };
        let Some(root) = config.parent().map(|r| normalize(&cwd.join(r))) else {
            continue;
        };
        if seen.iter().any(|s| s == config) || !walked_dirs.iter().any(|d| root.starts_with(d)) {
            continue;
        }
        seen.push(config.to_path_buf());
        out.push(project);
    }
    Ok(out)
}

/// `path` as the walk shows paths: relative to the current directory when
/// inside it.
fn shown(path: &Path) -> PathBuf {
    match current_dir() {
        Ok(cwd) => {
            let absolute = normalize(&cwd.join(path));
            absolute
                .strip_prefix(&cwd)
                .map(Path::to_path_buf)
                .unwrap_or(absolute)
        }
        Err(_) => path.to_path_buf(),
    }
}

/// A span of `text` in 1-based lines and UTF-16 columns, as the walk computes them.
fn span(text: &str, bytes: Range<usize>) -> Span {
    let rope = Rope::from_str(text);
    let index = LineIndex::new(&rope);
    let start = index.position(bytes.start, PositionEncoding::Utf16);
    let end = index.position(bytes.end, PositionEncoding::Utf16);
    Span {
        start_line: start.line + 1,
        start_column: start.character + 1,
        end_line: end.line + 1,
        end_column: end.character + 1,
        bytes,
    }
}

/// Adds `finding` (its range in bytes of `file`'s `text`) to the scan, in
/// `file`'s entry, which is created (in path order) when the walk had none.
pub fn push(scan: &mut Scan, project: &Arc<Project>, file: &Path, text: &str, finding: Finding) {
    let path = shown(file);
    let located = LocatedFinding {
        span: span(text, finding.range.clone()),
        finding,
    };
    let index = match scan.files.iter().position(|f| f.path == path) {
        Some(index) => index,
        None => {
            let at = scan.files.partition_point(|f| f.path < path);
            scan.files.insert(
                at,
                FileResult {
                    path,
                    text: text.to_string(),
                    project: project.clone(),
                    uses: Vec::new(),
                    findings: Vec::new(),
                },
            );
            at
        }
    };
    let findings = &mut scan.files[index].findings;
    findings.push(located);
    findings.sort_by(|a, b| {
        a.span
            .key()
            .cmp(&b.span.key())
            .then_with(|| a.finding.code.cmp(&b.finding.code))
    });
}

/// A finding without a model (about the project's files).
pub fn finding(
    code: crate::rules::RuleCode,
    severity: crate::rules::Severity,
    range: Range<usize>,
    message: String,
) -> Finding {
    Finding {
        code,
        severity,
        range,
        message,
        model_id: None,
        canonical_id: None,
        license: None,
        suggestions: Vec::new(),
        matched_pattern: None,
        route: crate::extract::Route::Abstrakt,
    }
}
