//! The project layer applied after the rules: license policy (`license-denied`),
//! the lock file (`license-changed`), reviewed exceptions and suppression
//! comments. Pure; [`crate::analysis::analyze`] calls it for both faces.

use std::collections::HashSet;

use tree_sitter::{Node, Tree};

use crate::config::{Exception, Policy};
use crate::extract::{ModelUse, Target};
use crate::licensing::Licensing;
use crate::lockfile::{self, Lockfile, changed_message};
use crate::registry::Lookup;
use crate::rules::{Finding, RuleCode, RuleSettings, Severity};
use crate::text::SourceText;

fn same(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

fn license_listed(list: &[String], licensing: &Licensing) -> bool {
    list.iter().any(|entry| {
        same(entry, &licensing.license) || licensing.spdx.as_deref().is_some_and(|s| same(entry, s))
    })
}

/// Why the project's policy denies `id` (its `deny-models`, `deny-licenses`
/// or `allow-licenses`), or `None`.
fn denial(
    policy: &Policy,
    id: &str,
    shown: &str,
    resolved: Option<&crate::registry::Resolved>,
) -> Option<String> {
    let model_denied = policy
        .deny_models
        .iter()
        .any(|denied| same(denied, id) || resolved.is_some_and(|r| same(denied, &r.model.id)));
    if model_denied {
        return Some(format!(
            "{shown} is denied by this project's policy (deny-models in abstrakt.toml)"
        ));
    }
    let licensing = &resolved?.model.licensing;
    if license_listed(&policy.deny_licenses, licensing) {
        Some(format!(
            "{shown} is licensed under {}, which this project's policy denies (deny-licenses in abstrakt.toml)",
            licensing.license
        ))
    } else if !policy.allow_licenses.is_empty()
        && !license_listed(&policy.allow_licenses, licensing)
    {
        Some(format!(
            "{shown} is licensed under {}, which is not in this project's allow-licenses (abstrakt.toml)",
            licensing.license
        ))
    } else {
        None
    }
}

/// `license-denied` and `license-changed` findings for every statically known id.
pub fn project_findings(
    uses: &[ModelUse],
    lookup: &impl Lookup,
    settings: &RuleSettings,
    policy: &Policy,
    lock: Option<&Lockfile>,
    out: &mut Vec<Finding>,
) {
    let denied = settings.severity(RuleCode::LicenseDenied, Severity::Error);
    let changed = settings.severity(RuleCode::LicenseChanged, Severity::Warning);
    let lock = lock.filter(|l| !l.models.is_empty());
    if (denied.is_none() || policy.is_empty()) && (changed.is_none() || lock.is_none()) {
        return;
    }
    for model_use in uses {
        for target in &model_use.targets {
            let Target::Static { id, range } = target else {
                continue;
            };
            let resolved = crate::rules::resolve_on(lookup, model_use.route(), id);
            let shown = crate::registry::shown_id(id);
            let finding = |code, severity, message: String| Finding {
                code,
                severity,
                range: range.clone(),
                message,
                model_id: Some(crate::registry::shown_id(id).into_owned()),
                canonical_id: resolved.as_ref().map(|r| r.model.id.clone()),
                license: resolved.as_ref().map(|r| r.model.licensing.license.clone()),
                suggestions: resolved
                    .as_ref()
                    .map(|r| {
                        crate::rules::alternatives_on(
                            lookup,
                            model_use.route(),
                            &r.model.alternatives,
                        )
                    })
                    .unwrap_or_default(),
                matched_pattern: resolved
                    .as_ref()
                    .and_then(|r| r.pattern().map(str::to_string)),
                route: model_use.route(),
            };
            if let Some(severity) = denied
                && let Some(message) = denial(policy, id, &shown, resolved.as_ref())
            {
                out.push(finding(RuleCode::LicenseDenied, severity, message));
            }
            if let (Some(severity), Some(lock), Some(resolved)) = (changed, lock, &resolved) {
                let licensing = &resolved.model.licensing;
                let route = model_use.route();
                let changes = lock
                    .changes(&lockfile::key(&resolved.model.id, route), licensing)
                    .or_else(|| lock.changes(&lockfile::key(id, route), licensing));
                if let Some(changes) = changes {
                    out.push(finding(
                        RuleCode::LicenseChanged,
                        severity,
                        changed_message(&shown, &changes),
                    ));
                }
            }
        }
    }
}

/// Whether `exception` is about `finding`: its rule and its model (as
/// written or canonical, case-insensitive).
pub fn exception_matches(exception: &Exception, finding: &Finding) -> bool {
    exception.covers(finding.code)
        && (finding
            .model_id
            .as_deref()
            .is_some_and(|id| same(&exception.model, id))
            || finding
                .canonical_id
                .as_deref()
                .is_some_and(|id| same(&exception.model, id)))
}

/// Drops findings a live `[[exceptions]]` entry covers; a lapsed one leaves the
/// finding and says so.
pub fn apply_exceptions(
    findings: &mut Vec<Finding>,
    exceptions: &[Exception],
    today: jiff::civil::Date,
) {
    if exceptions.is_empty() {
        return;
    }
    findings.retain_mut(|finding| {
        let matches = |e: &&Exception| {
            e.covers(finding.code)
                && (finding
                    .model_id
                    .as_deref()
                    .is_some_and(|id| same(&e.model, id))
                    || finding
                        .canonical_id
                        .as_deref()
                        .is_some_and(|id| same(&e.model, id)))
        };
        let mut lapsed = None;
        for exception in exceptions.iter().filter(matches) {
            if !exception.expired(today) {
                return false;
            }
            lapsed = exception.expires;
        }
        if let Some(expires) = lapsed {
            finding.message.push_str(&format!(
                " (the abstrakt.toml exception for this finding expired on {expires})"
            ));
        }
        true
    });
}

const NEXT_LINE: &str = "abstrakt-ignore-next-line";
const FILE: &str = "abstrakt-ignore-file";

/// What one suppression comment names: some codes, or every code when none is given.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Codes {
    All,
    Some(HashSet<RuleCode>),
}

impl Codes {
    fn contains(&self, code: RuleCode) -> bool {
        match self {
            Codes::All => true,
            Codes::Some(codes) => codes.contains(&code),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Suppression {
    /// Findings starting on this (zero-based) line.
    Line(usize, Codes),
    File(Codes),
}

/// Parses one comment's text (with its `//`, `/* */` or Python `#` markers).
fn parse_comment(comment: &str, end_row: usize) -> Option<Suppression> {
    let body = comment
        .strip_prefix("//")
        .or_else(|| comment.strip_prefix('#'))
        .or_else(|| {
            comment
                .strip_prefix("/*")
                .map(|b| b.strip_suffix("*/").unwrap_or(b))
        })?;
    let body = body.trim_start_matches(['*', ' ', '\t']).trim();
    let (file, rest) = if let Some(rest) = body.strip_prefix(NEXT_LINE) {
        (false, rest)
    } else if let Some(rest) = body.strip_prefix(FILE) {
        (true, rest)
    } else {
        return None;
    };
    // The marker must end there: `abstrakt-ignore-filex` is not one.
    if rest.chars().next().is_some_and(|c| !c.is_whitespace()) {
        return None;
    }
    let codes_text = match rest.find("--") {
        Some(i) => &rest[..i],
        None => rest,
    };
    let codes: HashSet<RuleCode> = codes_text
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .filter_map(|s| s.parse().ok())
        .collect();
    let named = codes_text
        .split(|c: char| c == ',' || c.is_whitespace())
        .any(|s| !s.is_empty());
    let codes = match (codes.is_empty(), named) {
        (true, false) => Codes::All,
        // Only unknown codes: suppress nothing rather than everything.
        (true, true) => return None,
        (false, _) => Codes::Some(codes),
    };
    Some(if file {
        Suppression::File(codes)
    } else {
        Suppression::Line(end_row + 1, codes)
    })
}

fn collect_suppressions<S: SourceText + ?Sized>(
    node: Node<'_>,
    text: &S,
    out: &mut Vec<Suppression>,
) {
    let mut cursor = node.walk();
    loop {
        let current = cursor.node();
        if current.kind() == "comment" {
            let comment = text.slice(current.byte_range());
            if comment.contains("abstrakt-ignore-")
                && let Some(s) = parse_comment(&comment, current.end_position().row)
            {
                out.push(s);
            }
        }
        if cursor.goto_first_child() {
            continue;
        }
        while !cursor.goto_next_sibling() {
            if !cursor.goto_parent() {
                return;
            }
        }
    }
}

/// Drops findings named by `// abstrakt-ignore-next-line` (on the next line)
/// and `/* abstrakt-ignore-file */` comments (`#` comments in Python).
pub fn apply_suppressions<S: SourceText + ?Sized>(
    findings: &mut Vec<Finding>,
    tree: &Tree,
    text: &S,
) {
    if findings.is_empty() {
        return;
    }
    // A cheap scan first: most files have no suppression comment, and the
    // tree walk below visits every node.
    let whole = text.slice(0..text.len_bytes());
    if memchr::memmem::find(whole.as_bytes(), b"abstrakt-ignore-").is_none() {
        return;
    }
    drop(whole);
    let mut suppressions = Vec::new();
    collect_suppressions(tree.root_node(), text, &mut suppressions);
    if suppressions.is_empty() {
        return;
    }
    let root = tree.root_node();
    findings.retain(|finding| {
        let row = root
            .descendant_for_byte_range(finding.range.start, finding.range.start)
            .map(|n| n.start_position().row);
        !suppressions.iter().any(|s| match s {
            Suppression::File(codes) => codes.contains(finding.code),
            Suppression::Line(line, codes) => Some(*line) == row && codes.contains(finding.code),
        })
    });
}

/// [`apply_suppressions`] for a file without a tree: a line whose text starts
/// with `#`, `//` or `<!--` is a comment.
pub fn apply_line_suppressions(findings: &mut Vec<Finding>, text: &str) {
    if findings.is_empty() || memchr::memmem::find(text.as_bytes(), b"abstrakt-ignore-").is_none() {
        return;
    }
    let mut suppressions = Vec::new();
    let mut line_starts = vec![0];
    for (row, line) in text.split_inclusive('\n').enumerate() {
        line_starts.push(line_starts[row] + line.len());
        let comment = line.trim();
        let comment = match comment.strip_prefix("<!--") {
            Some(html) => format!("//{}", html.strip_suffix("-->").unwrap_or(html)),
            None => comment.to_string(),
        };
        if comment.contains("abstrakt-ignore-")
            && let Some(s) = parse_comment(&comment, row)
        {
            suppressions.push(s);
        }
    }
    if suppressions.is_empty() {
        return;
    }
    findings.retain(|finding| {
        let row = line_starts
            .partition_point(|&start| start <= finding.range.start)
            .saturating_sub(1);
        !suppressions.iter().any(|s| match s {
            Suppression::File(codes) => codes.contains(finding.code),
            Suppression::Line(line, codes) => *line == row && codes.contains(finding.code),
        })
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_parse() {
        assert_eq!(
            parse_comment(
                "// abstrakt-ignore-next-line attribution-required, non-commercial -- credited",
                3
            ),
            Some(Suppression::Line(
                4,
                Codes::Some(HashSet::from([
                    RuleCode::AttributionRequired,
                    RuleCode::NonCommercial
                ]))
            ))
        );
        assert_eq!(
            parse_comment("/* abstrakt-ignore-file unknown-model */", 0),
            Some(Suppression::File(Codes::Some(HashSet::from([
                RuleCode::UnknownModel
            ]))))
        );
        assert_eq!(
            parse_comment("// abstrakt-ignore-next-line", 0),
            Some(Suppression::Line(1, Codes::All))
        );
        assert_eq!(
            parse_comment("// abstrakt-ignore-next-line nonsense", 0),
            None
        );
        assert_eq!(parse_comment("// abstrakt-ignore-next-linex", 0), None);
        assert_eq!(
            parse_comment(
                "# abstrakt-ignore-next-line non-commercial -- research only",
                4
            ),
            Some(Suppression::Line(
                5,
                Codes::Some(HashSet::from([RuleCode::NonCommercial]))
            ))
        );
        assert_eq!(
            parse_comment("#abstrakt-ignore-file", 0),
            Some(Suppression::File(Codes::All))
        );
        assert_eq!(parse_comment("// see abstrakt-ignore-file", 0), None);
    }
}
