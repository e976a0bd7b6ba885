//! `--format markdown-summary`: a short Markdown comment for a pull request
//! (a sticky comment step posts it): the counts, the findings the change
//! introduces (after `--new-since` / `--baseline`), and what changed in the
//! attribution the product must ship.
//!
//! It starts with a hidden marker (`<!-- abstrakt-lsp-summary -->`) so a
//! sticky-comment step can find and replace its previous comment, and lists
//! at most [`MAX_LISTED`] findings: GitHub refuses comments over 65,536
//! characters.

use std::fmt::Write as _;

use super::{Summary, current_dir, relative_path};
use crate::cli::Fatal;
use crate::cli::attribution_file::Comparison;
use crate::cli::narrow::Narrowing;
use crate::cli::walk::Scan;
use crate::rules::Severity;

pub const MARKER: &str = "<!-- abstrakt-lsp-summary -->";
pub const MAX_LISTED: usize = 50;

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `1 error, 2 warnings` (zero counts left out).
fn counts(summary: &Summary) -> String {
    let parts: Vec<String> = [
        (summary.errors, "error", "errors"),
        (summary.warnings, "warning", "warnings"),
        (summary.info, "info", "info"),
        (summary.hints, "hint", "hints"),
    ]
    .into_iter()
    .filter(|(n, _, _)| *n > 0)
    .map(|(n, one, many)| plural(n, one, many))
    .collect();
    parts.join(", ")
}

/// Text for a table cell: no line breaks, no pipes, no HTML.
fn cell(text: &str) -> String {
    text.replace(['\n', '\r'], " ")
        .replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn code(text: &str) -> String {
    format!("`{}`", text.replace('`', "'").replace(['\n', '\r'], " "))
}

pub fn render(
    scan: &Scan,
    narrowing: &Narrowing,
    attribution: &[Comparison],
) -> Result<String, Fatal> {
    let root = current_dir()?;
    let now = Summary::of(scan);
    let mut out = String::new();
    let _ = writeln!(out, "{MARKER}");
    let _ = writeln!(out, "### AI-model licensing (abstrakt-lsp)\n");
    let _ = writeln!(out, "{}\n", headline(&now, narrowing));
    let _ = writeln!(out, "{}.\n", context(&now, narrowing));
    if now.findings > 0 {
        findings_table(&mut out, scan, &now, &root);
    }
    if !attribution.is_empty() {
        attribution_section(&mut out, attribution);
    }
    Ok(out)
}

/// `✅ No new findings on lines changed since `main`.` or the counts.
fn headline(now: &Summary, narrowing: &Narrowing) -> String {
    let scope = match (
        &narrowing.new_since,
        narrowing.baseline.is_some() || narrowing.written.is_some(),
    ) {
        (Some(reference), true) => format!(
            " on lines changed since {} and not in the baseline",
            code(reference)
        ),
        (Some(reference), false) => format!(" on lines changed since {}", code(reference)),
        (None, true) => " not in the baseline".to_string(),
        (None, false) => String::new(),
    };
    let new_word = if narrowing.is_active() { "new " } else { "" };
    if now.findings == 0 {
        format!("✅ No {new_word}findings{scope}.")
    } else {
        format!(
            "{} **{}**{scope}: {}.",
            if now.errors > 0 { "❌" } else { "⚠️" },
            plural(
                now.findings,
                &format!("{new_word}finding"),
                &format!("{new_word}findings")
            ),
            counts(now)
        )
    }
}

/// Files checked and model uses; with narrowing, how many findings there are
/// in all and why the others were left out.
fn context(now: &Summary, narrowing: &Narrowing) -> String {
    let mut context = format!(
        "{} checked, {}",
        plural(now.files_checked, "file", "files"),
        plural(now.model_uses, "model use", "model uses")
    );
    if narrowing.is_active() {
        let _ = write!(
            context,
            "; {} in all",
            plural(narrowing.before.findings, "finding", "findings")
        );
        let mut left_out = Vec::new();
        if narrowing.baselined > 0 {
            left_out.push(format!("{} baselined", narrowing.baselined));
        }
        if narrowing.unchanged > 0 {
            left_out.push(format!("{} on unchanged lines", narrowing.unchanged));
        }
        if !left_out.is_empty() {
            let _ = write!(context, " ({})", left_out.join(", "));
        }
    }
    context
}

/// At most [`MAX_LISTED`] findings as a table, and how many more there are.
fn findings_table(out: &mut String, scan: &Scan, now: &Summary, root: &std::path::Path) {
    let _ = writeln!(out, "| Severity | Rule | Where | Finding |");
    let _ = writeln!(out, "| --- | --- | --- | --- |");
    for (file, located) in scan.findings().take(MAX_LISTED) {
        let f = &located.finding;
        let icon = match f.severity {
            Severity::Error => "❌ error",
            Severity::Warning => "⚠️ warning",
            Severity::Info => "ℹ️ info",
            Severity::Hint => "💡 hint",
        };
        let _ = writeln!(
            out,
            "| {icon} | {} | {} | {} |",
            code(f.code.as_str()),
            code(&format!(
                "{}:{}",
                relative_path(&file.path, root),
                located.span.start_line
            )),
            cell(&f.message)
        );
    }
    if now.findings > MAX_LISTED {
        let _ = writeln!(
            out,
            "\n…and {} more: run `abstrakt-lsp check` for all of them.",
            now.findings - MAX_LISTED
        );
    }
    out.push('\n');
}

/// Per attribution file: up to date, missing, or what regenerating changes.
fn attribution_section(out: &mut String, attribution: &[Comparison]) {
    let _ = writeln!(out, "#### Attribution\n");
    for comparison in attribution {
        let name = code(&comparison.written);
        if comparison.is_current() {
            let _ = writeln!(out, "- {name} is up to date.");
        } else if comparison.committed.is_none() {
            let _ = writeln!(
                out,
                "- {name} does not exist yet: `abstrakt-lsp report --format attribution --output {}`.",
                comparison.written
            );
        } else {
            let _ = writeln!(out, "- {name} needs regenerating:");
            what_changed(out, comparison);
        }
    }
    out.push('\n');
}

/// The credits added, dropped or reworded since the committed file.
fn what_changed(out: &mut String, comparison: &Comparison) {
    let expected = crate::cli::report::attribution::listed_credits(&comparison.expected);
    let added = comparison.added();
    let removed = comparison.removed();
    let changed = comparison.changed_credits();
    for id in &added {
        let credit = expected
            .get(id)
            .map(|c| format!(": “{c}”"))
            .unwrap_or_default();
        let _ = writeln!(out, "  - added {}{credit}", code(id));
    }
    for id in &removed {
        let _ = writeln!(out, "  - no longer used: {}", code(id));
    }
    for (id, old, new) in &changed {
        let _ = writeln!(
            out,
            "  - credit for {} changed: “{old}” → “{new}”",
            code(id)
        );
    }
    if added.is_empty() && removed.is_empty() && changed.is_empty() {
        let _ = writeln!(out, "  - call sites or licence details changed");
    }
}
