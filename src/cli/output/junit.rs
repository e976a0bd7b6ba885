//! `--format junit`: JUnit XML for CI systems that only read test reports
//! (GitLab's `reports: junit`, Jenkins, Azure Pipelines, CircleCI).
//!
//! One `<testsuite>` per file with findings and one failing `<testcase>` per
//! finding; a run without findings is one passing test case, so the report is
//! never empty.

use std::fmt::Write as _;

use super::relative_path;
use crate::cli::Fatal;
use crate::cli::walk::Scan;

/// Escapes text for XML content and attribute values. Characters XML 1.0
/// cannot carry become U+FFFD; line breaks and tabs are written as character
/// references so attribute values keep them.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            '\u{0}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => out.push('\u{fffd}'),
            _ => out.push(c),
        }
    }
    out
}

pub fn render(scan: &Scan) -> Result<String, Fatal> {
    let root = super::current_dir()?;
    let total = scan.findings().count();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let tests = total.max(1);
    let _ = writeln!(
        out,
        "<testsuites name=\"abstrakt-lsp\" tests=\"{tests}\" failures=\"{total}\" errors=\"0\">"
    );
    if total == 0 {
        let _ = writeln!(
            out,
            "  <testsuite name=\"abstrakt-lsp\" tests=\"1\" failures=\"0\" errors=\"0\" skipped=\"0\">"
        );
        let _ = writeln!(
            out,
            "    <testcase name=\"no findings in {} checked files\" classname=\"abstrakt-lsp\"/>",
            scan.checked
        );
        out.push_str("  </testsuite>\n");
    }
    for file in scan.files.iter().filter(|f| !f.findings.is_empty()) {
        let path = escape(&relative_path(&file.path, &root));
        let count = file.findings.len();
        let _ = writeln!(
            out,
            "  <testsuite name=\"{path}\" tests=\"{count}\" failures=\"{count}\" errors=\"0\" skipped=\"0\">"
        );
        for located in &file.findings {
            let f = &located.finding;
            let span = &located.span;
            let code = f.code.as_str();
            let _ = writeln!(
                out,
                "    <testcase name=\"{code} at {path}:{}:{}\" classname=\"abstrakt-lsp.{code}\" file=\"{path}\" line=\"{}\">",
                span.start_line, span.start_column, span.start_line
            );
            let _ = writeln!(
                out,
                "      <failure type=\"{}\" message=\"{}\">{path}:{}:{}: {} {code}: {}</failure>",
                f.severity.as_str(),
                escape(&f.message),
                span.start_line,
                span.start_column,
                f.severity.as_str(),
                escape(&f.message),
            );
            out.push_str("    </testcase>\n");
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_line_breaks_and_control_characters_are_escaped() {
        assert_eq!(
            escape("a<b>&\"c\"'\r\n\t\u{7}"),
            "a&lt;b&gt;&amp;&quot;c&quot;&apos;&#13;&#10;&#9;\u{fffd}"
        );
    }
}
