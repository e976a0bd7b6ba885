//! `--format github`: GitHub Actions workflow commands, one per finding, so
//! findings appear as annotations on the pull request's changed lines.
//!
//! `::error file=F,line=L,endLine=L,col=C,endColumn=C,title=T::message`.
//! Values are escaped the way the runner unescapes them (actions/toolkit
//! `command.ts`): in the message `%`, `\r`, `\n`; in properties also `:` and
//! `,`, which would otherwise end the property.

use std::fmt::Write as _;

use super::relative_path;
use crate::cli::Fatal;
use crate::cli::walk::Scan;
use crate::rules::Severity;

/// GitHub's three annotation levels; info and hint become notices.
fn command(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info | Severity::Hint => "notice",
    }
}

/// Escapes a command's message (its data).
pub fn escape_data(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            _ => out.push(c),
        }
    }
    out
}

/// Escapes a property value (`file=`, `title=`).
pub fn escape_property(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            ':' => out.push_str("%3A"),
            ',' => out.push_str("%2C"),
            _ => out.push(c),
        }
    }
    out
}

pub fn render(scan: &Scan) -> Result<String, Fatal> {
    let root = super::current_dir()?;
    let mut out = String::new();
    for (file, located) in scan.findings() {
        let f = &located.finding;
        let span = &located.span;
        let path = relative_path(&file.path, &root);
        let title = format!("abstrakt-lsp ({})", f.code.as_str());
        // The message repeats the place: raw logs show only the message.
        let message = format!(
            "{path}:{}:{}: {}: {}",
            span.start_line,
            span.start_column,
            f.code.as_str(),
            f.message
        );
        let _ = writeln!(
            out,
            "::{} file={},line={},endLine={},col={},endColumn={},title={}::{}",
            command(f.severity),
            escape_property(&path),
            span.start_line,
            span.end_line,
            span.start_column,
            span.end_column,
            escape_property(&title),
            escape_data(&message),
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_and_properties_are_escaped_like_the_toolkit_does() {
        assert_eq!(escape_data("100% a:b,c\r\nd"), "100%25 a:b,c%0D%0Ad");
        assert_eq!(
            escape_property("100% a:b,c\r\nd"),
            "100%25 a%3Ab%2Cc%0D%0Ad"
        );
        // `%` first, so an escape is never escaped twice.
        assert_eq!(escape_property("%3A"), "%253A");
    }
}
