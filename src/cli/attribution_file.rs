//! `attribution-file-stale`: the committed attribution file that
//! `abstrakt.toml` names (`[attribution] file`) must be exactly what
//! `report --format attribution` writes for the project's code now, as
//! `cargo about` output is checked in CI.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::Fatal;
use super::output::current_dir;
use super::project_findings;
use super::report::attribution;
use super::walk::Scan;
use crate::project::Project;
use crate::rules::RuleCode;

/// How a project's committed attribution file compares with the code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comparison {
    /// The file, absolute.
    pub path: PathBuf,
    /// As `abstrakt.toml` names it.
    pub written: String,
    /// `None` when it does not exist (or cannot be read).
    pub committed: Option<String>,
    pub expected: String,
}

impl Comparison {
    pub fn is_current(&self) -> bool {
        self.committed
            .as_deref()
            .is_some_and(|c| c.replace("\r\n", "\n") == self.expected)
    }

    /// Models the code now needs credited that the file does not list.
    pub fn added(&self) -> BTreeSet<String> {
        let before = attribution::listed_models(self.committed.as_deref().unwrap_or(""));
        attribution::listed_models(&self.expected)
            .difference(&before)
            .cloned()
            .collect()
    }

    /// Models the file lists that the code no longer needs credited.
    pub fn removed(&self) -> BTreeSet<String> {
        let now = attribution::listed_models(&self.expected);
        attribution::listed_models(self.committed.as_deref().unwrap_or(""))
            .difference(&now)
            .cloned()
            .collect()
    }

    /// Models listed on both sides whose credit text changed.
    pub fn changed_credits(&self) -> Vec<(String, String, String)> {
        let before = attribution::listed_credits(self.committed.as_deref().unwrap_or(""));
        let now = attribution::listed_credits(&self.expected);
        now.iter()
            .filter_map(|(id, text)| {
                let old = before.get(id)?;
                (old != text).then(|| (id.clone(), old.clone(), text.clone()))
            })
            .collect()
    }

    /// What is out of date, in one sentence.
    pub fn message(&self) -> String {
        let name = &self.written;
        if self.committed.is_none() {
            return format!(
                "{name} (named in abstrakt.toml) does not exist: write it with `abstrakt-lsp report --format attribution --output {name}`"
            );
        }
        let mut parts = Vec::new();
        let list = |ids: &BTreeSet<String>| {
            ids.iter()
                .map(|id| format!("`{id}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let added = self.added();
        if !added.is_empty() {
            parts.push(format!("missing {}", list(&added)));
        }
        let removed = self.removed();
        if !removed.is_empty() {
            parts.push(format!(
                "lists {} that the code no longer uses",
                list(&removed)
            ));
        }
        for (id, _, _) in self.changed_credits() {
            parts.push(format!("the credit for `{id}` changed"));
        }
        if parts.is_empty() {
            parts.push("call sites, licences or wording changed".to_string());
        }
        format!(
            "{name} is out of date ({}): regenerate it with `abstrakt-lsp report --format attribution --output {name}`",
            parts.join("; ")
        )
    }
}

/// Compares the attribution file of `project` (if it names one) with the
/// uses of its files in `scan`.
pub fn compare(scan: &Scan, project: &Arc<Project>) -> Result<Option<Comparison>, Fatal> {
    let (Some(config_path), Some(file)) = (
        project.config.path.as_deref(),
        project.config.attribution_file.as_ref(),
    ) else {
        return Ok(None);
    };
    let root = config_path.parent().unwrap_or(Path::new("."));
    let path = root.join(&file.path);
    let cwd = current_dir()?;
    let uses = scan
        .uses()
        .filter(|(f, _)| f.project.config.path.as_deref() == Some(config_path));
    let expected = attribution::render(&attribution::entries(uses, &cwd));
    Ok(Some(Comparison {
        committed: std::fs::read_to_string(&path).ok(),
        written: file.path.to_string_lossy().into_owned(),
        path,
        expected,
    }))
}

/// Adds an `attribution-file-stale` finding for each project whose
/// committed attribution file differs from the code; returns the comparisons.
pub fn check(scan: &mut Scan, projects: &[Arc<Project>]) -> Result<Vec<Comparison>, Fatal> {
    let mut comparisons = Vec::new();
    for project in projects {
        let Some(comparison) = compare(scan, project)? else {
            continue;
        };
        if !comparison.is_current()
            && let Some(severity) = project.rule_settings.severity(
                RuleCode::AttributionFileStale,
                RuleCode::AttributionFileStale.default_severity(),
            )
            && let (Some(config_path), Some(file)) = (
                project.config.path.as_deref(),
                project.config.attribution_file.as_ref(),
            )
        {
            let text = std::fs::read_to_string(config_path).unwrap_or_default();
            let finding = project_findings::finding(
                RuleCode::AttributionFileStale,
                severity,
                file.span.clone(),
                comparison.message(),
            );
            project_findings::push(scan, project, config_path, &text, finding);
        }
        comparisons.push(comparison);
    }
    Ok(comparisons)
}
