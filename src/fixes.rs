//! Pure text logic behind the quick fixes: where a comment goes and how it is
//! indented, the inside of a model-id literal, where attribution markup goes in
//! a component, and a new `[[exceptions]]` entry in `abstrakt.toml`. No LSP
//! types here; `lsp::code_actions` turns these byte edits into LSP edits.

use std::ops::Range;

use tree_sitter::{Node, Tree};

/// A replacement of `range` (bytes) by `text`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub range: Range<usize>,
    pub text: String,
}

/// What the `attribution-required` quick fixes write for a model: a reminder
/// comment, and markup showing the credit in the rendered component.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttributionFix {
    /// The comment's text, without the language's comment marker (see [`line_comment`]).
    pub comment: String,
    /// The title of the markup fix.
    pub title: String,
    /// `<small>credit</small>`, the credit escaped for JSX text.
    pub markup: String,
}

/// The quick fixes' texts, from [`crate::licensing::Model::credit`]: the
/// prescribed wording, or the suggested credit marked as a suggestion.
pub fn attribution_fix(model: &crate::licensing::Model) -> Option<AttributionFix> {
    let credit = model.credit()?;
    let text = one_line(&credit.text);
    let (comment, title) = if credit.prescribed {
        let origin = credit
            .origin
            .as_deref()
            .map_or_else(String::new, |origin| format!(" ({})", one_line(origin)));
        (
            format!("Attribution required: show \"{text}\"{origin}"),
            format!("Show \"{text}\" in the rendered component"),
        )
    } else {
        (
            format!(
                "Attribution required; the source gives no wording. Suggested credit: \"{text}\""
            ),
            format!("Show the suggested credit \"{text}\" in the rendered component"),
        )
    };
    Some(AttributionFix {
        comment,
        title,
        markup: format!("<small>{}</small>", jsx_text(&text)),
    })
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Escapes what JSX text would read as markup or an expression.
fn jsx_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '{' => out.push_str("&#123;"),
            '}' => out.push_str("&#125;"),
            '&' => out.push_str("&amp;"),
            c => out.push(c),
        }
    }
    out
}

/// The reason written into a new exception: it must be filled in by a person.
pub const EXCEPTION_REASON: &str = "reviewed: <fill in>";

/// The byte offset where the line holding `offset` starts.
pub fn line_start(text: &str, offset: usize) -> usize {
    let offset = offset.min(text.len());
    text.as_bytes()[..offset]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1)
}

/// The leading whitespace of the line holding `offset`.
pub fn indentation(text: &str, offset: usize) -> &str {
    let start = line_start(text, offset);
    let rest = &text[start..];
    let end = rest
        .find(|c: char| c != ' ' && c != '\t')
        .unwrap_or(rest.len());
    &rest[..end]
}

/// Inserts `line` (without newline) as a new line above the line holding
/// `offset`, at that line's indentation.
pub fn line_above(text: &str, offset: usize, line: &str) -> Edit {
    let start = line_start(text, offset);
    Edit {
        range: start..start,
        text: format!("{}{line}\n", indentation(text, offset)),
    }
}

/// The inside of a string literal at `range` (the quotes excluded), so a
/// replacement keeps the quote style; `None` when it is not a plain literal
/// (an identifier, a template or f-string with substitutions). Python's
/// prefixes (`r`, `u`, `b`) and triple quotes are understood; a bare model id
/// written inside a REST URL (`.../v1/models/flux-dev/run`) is its own inside.
pub fn literal_inside(text: &str, range: &Range<usize>) -> Option<Range<usize>> {
    let literal = text.get(range.clone())?;
    let Some(prefix_len) = literal
        .find(|c: char| !matches!(c, 'r' | 'R' | 'u' | 'U' | 'b' | 'B' | 'f' | 'F'))
        .filter(|&n| n <= 2)
    else {
        return url_id(text, range);
    };
    let formatted = literal[..prefix_len].contains(['f', 'F']);
    let quoted = &literal[prefix_len..];
    let quote = quoted.chars().next();
    let Some(quote) = quote.filter(|q| matches!(q, '\'' | '"' | '`')) else {
        return url_id(text, range);
    };
    if quote == '`' && (prefix_len > 0 || quoted.contains("${")) {
        return None;
    }
    if formatted && quoted.contains('{') {
        return None;
    }
    let triple: String = std::iter::repeat_n(quote, 3).collect();
    let delimiter = if quote != '`' && quoted.len() >= 6 && quoted.starts_with(&triple) {
        3
    } else {
        1
    };
    let delimiter_text = &quoted[..delimiter];
    if quoted.len() < 2 * delimiter || !quoted.ends_with(delimiter_text) {
        return None;
    }
    Some(range.start + prefix_len + delimiter..range.end - delimiter)
}

/// A model id inside a REST URL: the range holds only id characters and
/// follows `/models/`.
fn url_id(text: &str, range: &Range<usize>) -> Option<Range<usize>> {
    let id = text.get(range.clone())?;
    let id_char =
        |c: char| c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '/' | ':' | '@' | '+');
    let after_models = text.get(..range.start)?.ends_with("/models/");
    (!id.is_empty() && id.chars().all(id_char) && after_models).then(|| range.clone())
}

/// A line comment in `language` (`# ...` in Python, `// ...` elsewhere).
pub fn line_comment(language: crate::syntax::Language, body: &str) -> String {
    format!("{} {body}", language.line_comment())
}

/// JavaScript/TypeScript nodes that are functions (a scope of their own).
pub(crate) const FUNCTION_KINDS: &[&str] = &[
    "function_declaration",
    "function_expression",
    "function",
    "arrow_function",
    "method_definition",
    "generator_function_declaration",
    "generator_function",
];

/// Unwraps parentheses around an expression.
fn unparenthesize(mut node: Node<'_>) -> Node<'_> {
    while node.kind() == "parenthesized_expression" {
        match node.named_child(0) {
            Some(inner) => node = inner,
            None => break,
        }
    }
    node
}

/// The JSX element a function returns (the first `return <…>` of its own
/// body, or an arrow function's expression body).
fn returned_element<'t>(function: Node<'t>) -> Option<Node<'t>> {
    let body = function.child_by_field_name("body")?;
    if body.kind() != "statement_block" {
        let expression = unparenthesize(body);
        return (expression.kind() == "jsx_element").then_some(expression);
    }
    let mut stack = vec![body];
    while let Some(node) = stack.pop() {
        if node.kind() == "return_statement" {
            if let Some(value) = node.named_child(0).map(unparenthesize)
                && value.kind() == "jsx_element"
            {
                return Some(value);
            }
            continue;
        }
        if node != body && FUNCTION_KINDS.contains(&node.kind()) {
            continue;
        }
        let mut cursor = node.walk();
        let children: Vec<Node<'t>> = node.named_children(&mut cursor).collect();
        stack.extend(children.into_iter().rev());
    }
    None
}

/// Where to put `markup` (e.g. `<small>…</small>`) in the component around
/// `offset`: before the closing tag of the JSX element the nearest enclosing
/// function returns. On its own line, one indentation step deeper than the
/// closing tag, when the closing tag starts its line.
pub fn jsx_markup(tree: &Tree, text: &str, offset: usize, markup: &str) -> Option<Edit> {
    markup_before(text, jsx_closing_tag(tree, offset)?, markup)
}

/// Where the closing tag starts of the JSX element that the function around
/// `offset` returns (the anchor of [`jsx_markup`]).
pub fn jsx_closing_tag(tree: &Tree, offset: usize) -> Option<usize> {
    let mut node = tree.root_node().descendant_for_byte_range(offset, offset)?;
    let element = loop {
        if FUNCTION_KINDS.contains(&node.kind())
            && let Some(element) = returned_element(node)
        {
            break element;
        }
        node = node.parent()?;
    };
    let close = element
        .child_by_field_name("close_tag")
        .or_else(|| element.named_child(element.named_child_count().checked_sub(1)?))
        .filter(|n| n.kind() == "jsx_closing_element")?;
    Some(close.start_byte())
}

/// `markup` inserted before the closing tag at `at` (see [`jsx_markup`]);
/// text only, so it can be built from a snapshot without its tree.
pub fn markup_before(text: &str, at: usize, markup: &str) -> Option<Edit> {
    let start = line_start(text, at);
    let before = text.get(start..at)?;
    if before.chars().all(|c| c == ' ' || c == '\t') {
        let unit = if before.contains('\t') { "\t" } else { "  " };
        Some(Edit {
            range: start..start,
            text: format!("{before}{unit}{markup}\n"),
        })
    } else {
        Some(Edit {
            range: at..at,
            text: markup.to_string(),
        })
    }
}

/// `abstrakt.toml` text with a new `[[exceptions]]` entry for `model` and
/// `rule`; `existing` is the current text (`None`: the file does not exist).
/// Comments and formatting of the existing text survive.
pub fn add_exception(existing: Option<&str>, model: &str, rule: &str) -> Result<String, String> {
    let text = existing.unwrap_or("");
    let mut document: toml_edit::DocumentMut = text.parse().map_err(|e| format!("{e}"))?;
    let mut entry = toml_edit::Table::new();
    entry.insert("model", toml_edit::value(model));
    let mut rules = toml_edit::Array::new();
    rules.push(rule);
    entry.insert("rules", toml_edit::value(rules));
    entry.insert("reason", toml_edit::value(EXCEPTION_REASON));
    match document.get_mut("exceptions") {
        None => {
            let mut tables = toml_edit::ArrayOfTables::new();
            tables.push(entry);
            document.insert("exceptions", toml_edit::Item::ArrayOfTables(tables));
        }
        Some(toml_edit::Item::ArrayOfTables(tables)) => tables.push(entry),
        Some(toml_edit::Item::Value(toml_edit::Value::Array(array))) => {
            array.push(entry.into_inline_table());
        }
        Some(_) => return Err("`exceptions` is not a list of tables".to_string()),
    }
    let mut out = document.to_string();
    if !out.ends_with('\n') {
        out.push('\n');
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::{Language, parse};

    fn apply(text: &str, edit: &Edit) -> String {
        let mut out = text.to_string();
        out.replace_range(edit.range.clone(), &edit.text);
        out
    }

    #[test]
    fn comments_go_above_at_the_line_indentation() {
        let text = "function f() {\n\tif (x) {\n\t    abstrakt.run('a');\n\t}\n}\n";
        let at = text.find("abstrakt").unwrap_or(0);
        assert_eq!(
            apply(text, &line_above(text, at, "// hi")),
            "function f() {\n\tif (x) {\n\t    // hi\n\t    abstrakt.run('a');\n\t}\n}\n"
        );
        assert_eq!(apply("x", &line_above("x", 0, "// a")), "// a\nx");
    }

    #[test]
    fn literal_insides() {
        let text = "run('a', \"b\", `c`, `${d}`, e)";
        let inside = |s: &str| {
            let start = text.find(s).unwrap_or(0);
            literal_inside(text, &(start..start + s.len())).map(|r| &text[r])
        };
        assert_eq!(inside("'a'"), Some("a"));
        assert_eq!(inside("\"b\""), Some("b"));
        assert_eq!(inside("`c`"), Some("c"));
        assert_eq!(inside("`${d}`"), None);
        assert_eq!(inside("e"), None);
        let python = r#"run(r'a', '''b''', """c""", f'd', f'{e}', rb"g", '')"#;
        let inside = |s: &str| {
            let start = python.find(s).unwrap_or(0);
            literal_inside(python, &(start..start + s.len())).map(|r| &python[r])
        };
        assert_eq!(inside("r'a'"), Some("a"));
        assert_eq!(inside("'''b'''"), Some("b"));
        assert_eq!(inside(r#""""c""""#), Some("c"));
        assert_eq!(inside("f'd'"), Some("d"));
        assert_eq!(inside("f'{e}'"), None);
        assert_eq!(inside(r#"rb"g""#), Some("g"));
        assert_eq!(inside("''"), Some(""));
        let url = "get('https://api.abstrakt.one/v1/models/fal-ai/flux/dev/run', model)";
        let id = |s: &str| {
            let start = url.find(s).unwrap_or(0);
            literal_inside(url, &(start..start + s.len())).map(|r| &url[r])
        };
        assert_eq!(id("fal-ai/flux/dev"), Some("fal-ai/flux/dev"));
        assert_eq!(id("model"), None);
    }

    #[test]
    fn comments_follow_the_language() {
        assert_eq!(line_comment(Language::Python, "hi"), "# hi");
        assert_eq!(line_comment(Language::TypeScript, "hi"), "// hi");
    }

    #[test]
    fn markup_goes_before_the_returned_closing_tag() {
        let text = "export function Hero() {\n  const img = useImage(() => abstrakt.run('flux-dev'));\n  return (\n    <div>\n      <img src={img} />\n    </div>\n  );\n}\n";
        let tree = parse(Language::TypeScriptReact, text);
        let at = text.find("abstrakt").unwrap_or(0);
        let edit = jsx_markup(&tree, text, at, "<small>x</small>").expect("edit");
        assert_eq!(
            apply(text, &edit),
            text.replace("    </div>", "      <small>x</small>\n    </div>")
        );
        let inline = "const A = () => <p>{abstrakt.run('flux-dev')}</p>;";
        let tree = parse(Language::JavaScriptReact, inline);
        let edit = jsx_markup(&tree, inline, 20, "<small>x</small>").expect("edit");
        assert_eq!(
            apply(inline, &edit),
            "const A = () => <p>{abstrakt.run('flux-dev')}<small>x</small></p>;"
        );
        let none = "function f() { abstrakt.run('flux-dev'); return 1; }";
        let tree = parse(Language::TypeScriptReact, none);
        assert_eq!(jsx_markup(&tree, none, 16, "<small>x</small>"), None);
    }

    #[test]
    fn exceptions_are_added_keeping_comments() {
        let created = add_exception(None, "flux-dev", "attribution-required").expect("ok");
        assert_eq!(
            created,
            "[[exceptions]]\nmodel = \"flux-dev\"\nrules = [\"attribution-required\"]\nreason = \"reviewed: <fill in>\"\n"
        );
        let existing = "# Our project\nintended-use = \"commercial\"  # sells images\n\n[policy]\ndeny-licenses = [\"AGPL-3.0\"]\n";
        let edited = add_exception(Some(existing), "musicgen", "non-commercial").expect("ok");
        assert_eq!(
            edited,
            format!(
                "{existing}\n[[exceptions]]\nmodel = \"musicgen\"\nrules = [\"non-commercial\"]\nreason = \"reviewed: <fill in>\"\n"
            )
        );
        let config = crate::config::ProjectConfig::parse(&edited, std::path::Path::new("a.toml"))
            .expect("valid");
        assert_eq!(config.exceptions.len(), 1);
        assert!(add_exception(Some("exceptions = 3"), "m", "r").is_err());
    }
}
