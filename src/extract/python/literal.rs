//! Decoding Python string literals (every quote style; `r`, `b`, `u` prefixes
//! and their combinations; implicit concatenation) into the text they denote.
//! An f-string or t-string with a replacement field has no static value.

use tree_sitter::Node;

use crate::text::SourceText;

/// The value of a `string` or `concatenated_string`, if it is statically known.
pub(super) fn static_string<S: SourceText + ?Sized>(node: Node<'_>, text: &S) -> Option<String> {
    match node.kind() {
        "string" => string_value(node, text),
        "concatenated_string" => {
            let mut out = String::new();
            let mut cursor = node.walk();
            for part in node.named_children(&mut cursor) {
                if part.kind() == "comment" {
                    continue;
                }
                out.push_str(&string_value(part, text)?);
            }
            Some(out)
        }
        _ => None,
    }
}

/// Whether a string literal has replacement fields (`f"{x}"`).
pub(super) fn is_interpolated(node: Node<'_>) -> bool {
    let mut stack = vec![node];
    while let Some(current) = stack.pop() {
        if current.kind() == "interpolation" {
            return true;
        }
        let mut cursor = current.walk();
        stack.extend(current.named_children(&mut cursor));
    }
    false
}

fn string_value<S: SourceText + ?Sized>(node: Node<'_>, text: &S) -> Option<String> {
    if node.kind() != "string" || is_interpolated(node) {
        return None;
    }
    let mut cursor = node.walk();
    let children: Vec<Node<'_>> = node.children(&mut cursor).collect();
    let start = children.iter().find(|c| c.kind() == "string_start")?;
    let end = children.iter().rev().find(|c| c.kind() == "string_end")?;
    let opening = text.slice(start.byte_range());
    let prefix: String = opening
        .chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    let content = text.slice(start.end_byte()..end.start_byte());
    let formatted = prefix.contains('f') || prefix.contains('t');
    let mut value = if prefix.contains('r') {
        content.into_owned()
    } else {
        unescape(&content)?
    };
    if formatted {
        value = value.replace("{{", "{").replace("}}", "}");
    }
    Some(value)
}

/// Resolves Python escapes (`\n`, `\x41`, `\u00e9`, `\U0001F600`, octal,
/// line continuations). `\N{NAME}` needs the Unicode name table: such a
/// literal has no value we can know here.
fn unescape(raw: &str) -> Option<String> {
    if !raw.contains('\\') {
        return Some(raw.to_string());
    }
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let hex = |chars: &mut std::iter::Peekable<std::str::Chars<'_>>, n: usize| {
            let digits: String = chars.by_ref().take(n).collect();
            u32::from_str_radix(&digits, 16)
                .ok()
                .and_then(char::from_u32)
        };
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('a') => out.push('\u{7}'),
            Some('b') => out.push('\u{8}'),
            Some('f') => out.push('\u{c}'),
            Some('v') => out.push('\u{b}'),
            Some('x') => out.push(hex(&mut chars, 2)?),
            Some('u') => out.push(hex(&mut chars, 4)?),
            Some('U') => out.push(hex(&mut chars, 8)?),
            Some('N') => return None,
            Some(d @ '0'..='7') => {
                let mut value = d.to_digit(8).unwrap_or(0);
                for _ in 0..2 {
                    match chars.peek().and_then(|c| c.to_digit(8)) {
                        Some(next) => {
                            value = value * 8 + next;
                            chars.next();
                        }
                        None => break,
                    }
                }
                out.push(char::from_u32(value)?);
            }
            // Line continuation.
            Some('\n') => {}
            Some('\r') => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
            }
            // Unknown escapes keep their backslash in Python.
            Some(other @ ('\\' | '\'' | '"')) => out.push(other),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::{Language, parse};

    fn value(expression: &str) -> Option<String> {
        let source = format!("x = {expression}\n");
        let tree = parse(Language::Python, &source);
        let node = tree
            .root_node()
            .named_child(0)
            .and_then(|s| s.named_child(0))
            .and_then(|a| a.child_by_field_name("right"))?;
        static_string(node, source.as_str())
    }

    #[test]
    fn every_quote_style_and_prefix() {
        for literal in [
            "'flux-dev'",
            "\"flux-dev\"",
            "'''flux-dev'''",
            "\"\"\"flux-dev\"\"\"",
            "r'flux-dev'",
            "R\"flux-dev\"",
            "u'flux-dev'",
            "b'flux-dev'",
            "rb'flux-dev'",
            "BR'flux-dev'",
            "f'flux-dev'",
            "'flux' \"-dev\"",
            "'fl\\x75x-\\u0064ev'",
            "'flu\\170-dev'",
        ] {
            assert_eq!(value(literal).as_deref(), Some("flux-dev"), "{literal}");
        }
        assert_eq!(value("r'a\\n'").as_deref(), Some("a\\n"));
        assert_eq!(value("'a\\'b'").as_deref(), Some("a'b"));
        assert_eq!(value("'a\\qb'").as_deref(), Some("a\\qb"));
        assert_eq!(value("f'{{x}}'").as_deref(), Some("{x}"));
    }

    #[test]
    fn interpolation_has_no_static_value() {
        assert_eq!(value("f'flux-{v}'"), None);
        assert_eq!(value("'flux-' f'{v}'"), None);
        assert_eq!(value("'\\N{BULLET}'"), None);
        assert_eq!(value("name"), None);
    }
}
