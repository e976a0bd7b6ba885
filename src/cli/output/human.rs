//! rustc/ruff-style blocks: severity and code, location, the source line with
//! the model id underlined, then a summary line. Styles are ANSI; the writer
//! strips them when colours are off.

use std::fmt::Write;

use anstyle::{AnsiColor, Style};
use unicode_width::UnicodeWidthChar;

use super::Summary;
use crate::cli::walk::{FileResult, LocatedFinding, Scan};
use crate::rules::{RuleCode, Severity};

const TAB_WIDTH: usize = 4;
/// Source lines wider than this are shown as a window around the finding.
const MAX_LINE_WIDTH: usize = 120;
/// Display columns kept before the finding in a windowed line.
const WINDOW_BEFORE: usize = 40;

fn severity_style(severity: Severity) -> Style {
    let color = match severity {
        Severity::Error => AnsiColor::Red,
        Severity::Warning => AnsiColor::Yellow,
        Severity::Info => AnsiColor::Blue,
        Severity::Hint => AnsiColor::Cyan,
    };
    Style::new().bold().fg_color(Some(color.into()))
}

fn gutter_style() -> Style {
    Style::new().bold().fg_color(Some(AnsiColor::Blue.into()))
}

pub fn render(scan: &Scan) -> String {
    let mut out = String::new();
    for (file, finding) in scan.findings() {
        block(&mut out, file, finding);
        out.push('\n');
    }
    summary(&mut out, &Summary::of(scan));
    out
}

fn block(out: &mut String, file: &FileResult, located: &LocatedFinding) {
    let finding = &located.finding;
    let span = &located.span;
    let sev = severity_style(finding.severity);
    let bold = Style::new().bold();
    let gutter = gutter_style();
    let _ = writeln!(
        out,
        "{sev}{}[{}]{sev:#}{bold}: {}{bold:#}",
        finding.severity.as_str(),
        finding.code,
        finding.message
    );
    let number = span.start_line.to_string();
    let pad = " ".repeat(number.len());
    let _ = writeln!(
        out,
        "{pad}{gutter}-->{gutter:#} {}:{}:{}",
        file.path.display(),
        span.start_line,
        span.start_column
    );
    let line = file.line_text(span.start_line);
    let line_start = line_start_byte(&file.text, line);
    let start = span.bytes.start.saturating_sub(line_start).min(line.len());
    let end = span
        .bytes
        .end
        .saturating_sub(line_start)
        .clamp(start, line.len());
    let (shown, caret_at, caret_width) = layout(line, start, end);
    let _ = writeln!(out, "{pad} {gutter}|{gutter:#}");
    let _ = writeln!(out, "{gutter}{number} |{gutter:#} {shown}");
    let _ = writeln!(
        out,
        "{pad} {gutter}|{gutter:#} {}{sev}{}{sev:#}",
        " ".repeat(caret_at),
        "^".repeat(caret_width)
    );
    if !finding.suggestions.is_empty() && finding.code != RuleCode::UnknownModel {
        let help = Style::new().bold();
        let list: Vec<String> = finding
            .suggestions
            .iter()
            .map(|s| format!("`{s}`"))
            .collect();
        let _ = writeln!(
            out,
            "{pad} {gutter}={gutter:#} {help}help{help:#}: commercial-safe alternatives: {}",
            list.join(", ")
        );
    }
}

/// Byte offset of `line` (a slice of `text`) within `text`.
fn line_start_byte(text: &str, line: &str) -> usize {
    (line.as_ptr() as usize).saturating_sub(text.as_ptr() as usize)
}

fn char_width(c: char) -> usize {
    if c == '\t' {
        TAB_WIDTH
    } else if c.is_control() {
        0
    } else {
        c.width().unwrap_or(0)
    }
}

/// The line as shown (tabs expanded, control characters dropped, long lines
/// windowed) and where the underline of bytes `start..end` goes, in display columns.
fn layout(line: &str, start: usize, end: usize) -> (String, usize, usize) {
    let mut shown = String::new();
    let mut column = 0;
    let mut caret_at = None;
    let mut caret_end = None;
    // (display column, byte index) of every char, to window long lines.
    let mut columns = Vec::new();
    for (i, c) in line.char_indices() {
        if i == start {
            caret_at = Some(column);
        }
        if i == end {
            caret_end = Some(column);
        }
        columns.push((column, shown.len()));
        if c == '\t' {
            shown.push_str(&" ".repeat(TAB_WIDTH));
        } else if !c.is_control() {
            shown.push(c);
        }
        column += char_width(c);
    }
    let caret_at = caret_at.unwrap_or(column);
    let caret_end = caret_end.unwrap_or(column);
    let width = caret_end.saturating_sub(caret_at).max(1);
    if column <= MAX_LINE_WIDTH {
        return (shown.trim_end().to_string(), caret_at, width);
    }
    // Window: from a little before the finding to the line width budget.
    let from = caret_at.saturating_sub(WINDOW_BEFORE);
    let to = (from + MAX_LINE_WIDTH).max(caret_at + width);
    let byte_at = |col: usize| {
        columns
            .iter()
            .find(|(c, _)| *c >= col)
            .map_or(shown.len(), |(_, b)| *b)
    };
    let (from_byte, to_byte) = (byte_at(from), byte_at(to));
    let from_col = columns
        .iter()
        .find(|(c, _)| *c >= from)
        .map_or(column, |(c, _)| *c);
    let mut windowed = String::new();
    let mut offset = 0;
    if from_byte > 0 {
        windowed.push('…');
        offset = 1;
    }
    windowed.push_str(&shown[from_byte..to_byte]);
    if to_byte < shown.len() {
        windowed.push('…');
    }
    (windowed, caret_at - from_col + offset, width)
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A byte count as people write it: `5 MiB`, `64 KiB`, `1000 bytes`.
fn size(bytes: u64) -> String {
    const KIB: u64 = 1024;
    const MIB: u64 = 1024 * 1024;
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else if bytes >= KIB && bytes.is_multiple_of(KIB) {
        format!("{} KiB", bytes / KIB)
    } else {
        plural(
            usize::try_from(bytes).unwrap_or(usize::MAX),
            "byte",
            "bytes",
        )
    }
}

/// `; skipped 2 files: 1 binary, 1 over 5 MiB; -v lists them`, or nothing.
fn skipped(summary: &Summary) -> String {
    if summary.files_skipped == 0 {
        return String::new();
    }
    let counts = &summary.skipped;
    let reasons: Vec<String> = [
        (counts.binary, "binary".to_string()),
        (
            counts.too_large,
            format!("over {}", size(counts.max_file_size)),
        ),
        (
            counts.long_lines,
            "with over-long lines (minified?)".to_string(),
        ),
        (counts.unparsable, "unparsable".to_string()),
    ]
    .into_iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, why)| format!("{n} {why}"))
    .collect();
    format!(
        "; skipped {}: {}; -v lists them",
        plural(summary.files_skipped, "file", "files"),
        reasons.join(", ")
    )
}

fn summary(out: &mut String, summary: &Summary) {
    let bold = Style::new().bold();
    let checked = format!(
        "checked {}, {}{}",
        plural(summary.files_checked, "file", "files"),
        plural(summary.model_uses, "model use", "model uses"),
        skipped(summary)
    );
    if summary.findings == 0 {
        let _ = writeln!(out, "{bold}No findings{bold:#} ({checked}).");
        return;
    }
    let mut counts = Vec::new();
    for (n, one, many) in [
        (summary.errors, "error", "errors"),
        (summary.warnings, "warning", "warnings"),
        (summary.info, "info", "info"),
        (summary.hints, "hint", "hints"),
    ] {
        if n > 0 {
            counts.push(plural(n, one, many));
        }
    }
    let _ = writeln!(
        out,
        "{bold}Found {} in {}{bold:#}: {} ({checked}).",
        plural(summary.findings, "finding", "findings"),
        plural(summary.files_with_findings, "file", "files"),
        counts.join(", "),
    );
}

#[cfg(test)]
mod tests {
    use super::layout;

    #[test]
    fn underline_counts_display_columns() {
        // Tab expands to 4, the emoji is 2 columns wide.
        let line = "\t😀 run('flux-dev')";
        let start = line.find('\'').unwrap_or(0);
        let (shown, at, width) = layout(line, start, start + 10);
        assert_eq!(shown, "    😀 run('flux-dev')");
        assert_eq!((at, width), (11, 10));
    }

    #[test]
    fn long_lines_are_windowed_around_the_finding() {
        let line = format!("{}run('flux-dev'){}", "x".repeat(300), "y".repeat(300));
        let (shown, at, width) = layout(&line, 304, 314);
        assert!(shown.starts_with('…') && shown.ends_with('…'), "{shown}");
        assert_eq!(
            &shown[shown.char_indices().nth(at).map_or(0, |(i, _)| i)..][..10],
            "'flux-dev'"
        );
        assert_eq!(width, 10);
    }
}
