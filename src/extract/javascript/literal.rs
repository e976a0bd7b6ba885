//! Decoding JavaScript string literals and substitution-free template
//! literals into the text they denote.

use tree_sitter::Node;

use crate::text::SourceText;

/// The value of a string literal or a template literal without substitutions.
pub(super) fn static_string<S: SourceText + ?Sized>(node: Node<'_>, text: &S) -> Option<String> {
    match node.kind() {
        "string" => {
            let raw = text.slice(node.byte_range());
            let inner = raw.get(1..raw.len().saturating_sub(1)).unwrap_or("");
            Some(unescape(inner))
        }
        "template_string" => {
            let mut cursor = node.walk();
            if node
                .named_children(&mut cursor)
                .any(|c| c.kind() == "template_substitution")
            {
                return None;
            }
            let raw = text.slice(node.byte_range());
            let inner = raw.get(1..raw.len().saturating_sub(1)).unwrap_or("");
            Some(unescape(inner))
        }
        _ => None,
    }
}

/// Resolves JavaScript escapes in a literal's content (`\'`, `\n`, `\u{..}`, ...).
fn unescape(raw: &str) -> String {
    if !raw.contains('\\') {
        return raw.to_string();
    }
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('0') => out.push('\0'),
            Some('x') => {
                let hex: String = chars.by_ref().take(2).collect();
                if let Some(ch) = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                    out.push(ch);
                }
            }
            Some('u') => {
                let hex: String = if chars.peek() == Some(&'{') {
                    chars.next();
                    chars.by_ref().take_while(|&c| c != '}').collect()
                } else {
                    chars.by_ref().take(4).collect()
                };
                if let Some(ch) = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                    out.push(ch);
                }
            }
            // Line continuation.
            Some('\n') => {}
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}
