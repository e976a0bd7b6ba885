//! `unused-exception`: an `[[exceptions]]` entry that no longer does anything
//! should go, as cargo-deny warns about unmatched exceptions: the model is no
//! longer used, the rule no longer fires for it, or the exception has expired
//! (its findings are back, and it says since when). Worked out after the walk
//! by analysing the project's files with model uses again without the
//! exceptions (the same engine, so every rule and route counts), for the
//! projects the walk covered whole ([`super::project_findings`]).

use std::path::Path;
use std::sync::Arc;

use super::project_findings;
use super::walk::Scan;
use crate::analysis::{analyze, analyze_plain};
use crate::config::Exception;
use crate::extract::url::PlainKind;
use crate::policy::exception_matches;
use crate::project::Project;
use crate::rules::{Finding, RuleCode, Severity};
use crate::syntax::Language;

/// Adds an `unused-exception` finding for every exception of `projects` that
/// matched nothing or has expired (an error with `strict`).
pub fn check(scan: &mut Scan, projects: &[Arc<Project>], strict: bool, today: jiff::civil::Date) {
    for project in projects {
        let config = &project.config;
        let Some(config_path) = config.path.as_deref() else {
            continue;
        };
        if config.exceptions.is_empty() {
            continue;
        }
        let natural = RuleCode::UnusedException.default_severity();
        let Some(severity) = project
            .rule_settings
            .severity(RuleCode::UnusedException, natural)
        else {
            continue;
        };
        let severity = if strict { Severity::Error } else { severity };
        let unexcepted = findings_without_exceptions(scan, project, config_path, today);
        let text = std::fs::read_to_string(config_path).unwrap_or_default();
        for exception in &config.exceptions {
            let Some(message) = stale(exception, &unexcepted, today) else {
                continue;
            };
            let range = exception
                .span
                .clone()
                .filter(|r| r.end <= text.len())
                .unwrap_or(0..0);
            let mut finding =
                project_findings::finding(RuleCode::UnusedException, severity, range, message);
            finding.model_id = Some(exception.model.clone());
            project_findings::push(scan, project, config_path, &text, finding);
        }
    }
}

/// What the rules say about the project's uses, before any exception: its
/// files that use models, analysed again under its configuration without
/// `[[exceptions]]`.
fn findings_without_exceptions(
    scan: &Scan,
    project: &Project,
    config_path: &Path,
    today: jiff::civil::Date,
) -> Vec<Finding> {
    let mut bare = project.config.clone();
    bare.exceptions.clear();
    let lock = project.lock.as_ref();
    let mut unexcepted: Vec<Finding> = Vec::new();
    for file in scan
        .files
        .iter()
        .filter(|f| f.project.config.path.as_deref() == Some(config_path))
        .filter(|f| !f.uses.is_empty())
    {
        let analysis = if let Some(language) = Language::from_path(&file.path) {
            let mut parser = language.parser();
            let parsed =
                crate::syntax::with_parse_stack(file.text.len(), || parser.parse(&file.text, None));
            let Some(tree) = parsed.flatten() else {
                continue;
            };
            analyze(
                &tree,
                file.text.as_str(),
                &project.resolver,
                &bare,
                lock,
                today,
            )
        } else if let Some(kind) = PlainKind::from_path(&file.path) {
            analyze_plain(&file.text, kind, &project.resolver, &bare, lock, today)
        } else {
            continue;
        };
        unexcepted.extend(analysis.findings);
    }
    unexcepted
}

/// Why an exception is no longer needed (expired, or it matches no finding
/// the rules report), or `None` while it still holds.
fn stale(
    exception: &Exception,
    unexcepted: &[Finding],
    today: jiff::civil::Date,
) -> Option<String> {
    let rules = if exception.rules.is_empty() {
        String::new()
    } else {
        let names: Vec<&str> = exception.rules.iter().map(|r| r.as_str()).collect();
        format!(" ({})", names.join(", "))
    };
    if let Some(expires) = exception.expires.filter(|_| exception.expired(today)) {
        Some(format!(
            "The exception for `{}`{rules} expired on {expires}: its findings are reported again; review them and renew `expires`, or remove the exception",
            exception.model
        ))
    } else if !unexcepted.iter().any(|f| exception_matches(exception, f)) {
        Some(format!(
            "The exception for `{}`{rules} matched no finding: remove it (the model is no longer used, or the rule no longer fires for it)",
            exception.model
        ))
    } else {
        None
    }
}
