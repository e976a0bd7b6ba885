//! Languages we understand and how to parse them with tree-sitter.

use std::path::Path;

use tree_sitter::{Parser, Tree};

/// A source language; JSX is parsed by the JavaScript grammar, which includes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Language {
    JavaScript,
    JavaScriptReact,
    TypeScript,
    TypeScriptReact,
    Python,
}

impl Language {
    /// The language for an LSP `languageId`, if it is one of ours.
    pub fn from_language_id(id: &str) -> Option<Self> {
        match id {
            "javascript" => Some(Self::JavaScript),
            "javascriptreact" | "jsx" => Some(Self::JavaScriptReact),
            "typescript" => Some(Self::TypeScript),
            "typescriptreact" | "tsx" => Some(Self::TypeScriptReact),
            "python" => Some(Self::Python),
            _ => None,
        }
    }

    /// The language for a file name, by extension.
    pub fn from_path(path: &Path) -> Option<Self> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "js" | "mjs" | "cjs" => Some(Self::JavaScript),
            "jsx" => Some(Self::JavaScriptReact),
            "ts" | "mts" | "cts" => Some(Self::TypeScript),
            "tsx" => Some(Self::TypeScriptReact),
            "py" | "pyi" => Some(Self::Python),
            _ => None,
        }
    }

    /// `languageId` first, the file extension second (editors send odd ids for
    /// unsaved or unusual files).
    pub fn detect(language_id: Option<&str>, path: Option<&Path>) -> Option<Self> {
        language_id
            .and_then(Self::from_language_id)
            .or_else(|| path.and_then(Self::from_path))
    }

    pub fn is_typescript(self) -> bool {
        matches!(self, Self::TypeScript | Self::TypeScriptReact)
    }

    pub fn is_jsx(self) -> bool {
        matches!(self, Self::JavaScriptReact | Self::TypeScriptReact)
    }

    pub fn is_python(self) -> bool {
        self == Self::Python
    }

    /// Every language, for tables indexed by language.
    pub const ALL: [Language; 5] = [
        Self::JavaScript,
        Self::JavaScriptReact,
        Self::TypeScript,
        Self::TypeScriptReact,
        Self::Python,
    ];

    pub fn grammar(self) -> tree_sitter::Language {
        match self {
            Self::JavaScript | Self::JavaScriptReact => tree_sitter_javascript::LANGUAGE.into(),
            Self::TypeScript => tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
            Self::TypeScriptReact => tree_sitter_typescript::LANGUAGE_TSX.into(),
            Self::Python => tree_sitter_python::LANGUAGE.into(),
        }
    }

    /// The language a tree was parsed with (JSX files answer `JavaScript`: one
    /// grammar parses both). Lets code that holds only a tree pick the comment
    /// syntax without being told the document's language.
    pub fn of_tree(tree: &Tree) -> Option<Self> {
        let grammar = tree.language();
        Self::ALL
            .into_iter()
            .find(|language| language.grammar() == *grammar)
    }

    /// How a line comment starts.
    pub fn line_comment(self) -> &'static str {
        match self {
            Self::Python => "#",
            _ => "//",
        }
    }

    /// A parser set up for this language.
    pub fn parser(self) -> Parser {
        let mut parser = Parser::new();
        // Only fails on an ABI mismatch between tree-sitter and the grammar crates,
        // which the pinned versions in Cargo.toml rule out; a test covers every language.
        parser
            .set_language(&self.grammar())
            .expect("grammar ABI matches tree-sitter");
        parser
    }
}

/// Parses a whole text from scratch (CLI, first open, tests), on a stack big
/// enough for its nesting (see [`with_parse_stack`]).
pub fn parse(language: Language, text: &str) -> Tree {
    with_parse_stack(text.len(), || language.parser().parse(text, None))
        .flatten()
        // Without a timeout or cancellation flag the parser always yields a
        // tree; a thread that cannot be spawned leaves an empty one.
        .unwrap_or_else(|| {
            language
                .parser()
                .parse("", None)
                .expect("an empty text parses")
        })
}

/// Texts up to this size are parsed on the caller's stack.
const SMALL_TEXT: usize = 16 * 1024;
/// Stack bytes per byte of text for larger ones: tree-sitter releases its parse
/// stack recursively while recovering from errors, about 130 bytes per nesting
/// level (`{a:{a:…` unclosed, 20,000 deep, overflows a 2 MB thread stack), and
/// a level takes at least two bytes of text. Only touched pages are committed.
const STACK_PER_BYTE: usize = 128;
const MIN_STACK: usize = 8 << 20;
const MAX_STACK: usize = 1 << 30;

/// Runs a parse (`f`) where deep nesting cannot overflow the stack: small texts
/// on the current thread, larger ones on a scoped thread whose stack grows with
/// the text. `None` when that thread cannot be created (the caller skips the
/// file). A panic in `f` is resumed on the caller.
pub fn with_parse_stack<T: Send>(text_len: usize, f: impl FnOnce() -> T + Send) -> Option<T> {
    if text_len <= SMALL_TEXT {
        return Some(f());
    }
    let stack = text_len
        .saturating_mul(STACK_PER_BYTE)
        .clamp(MIN_STACK, MAX_STACK);
    std::thread::scope(|scope| {
        let handle = std::thread::Builder::new()
            .name("parse".into())
            .stack_size(stack)
            .spawn_scoped(scope, f)
            .ok()?;
        match handle.join() {
            Ok(value) => Some(value),
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })
}

/// Whether two trees have the same nodes (kind, byte range, error and
/// missing flags) in the same places. Iterative: deep trees do not recurse.
pub fn same_shape(a: &Tree, b: &Tree) -> bool {
    let mut x = a.walk();
    let mut y = b.walk();
    loop {
        let (n, m) = (x.node(), y.node());
        if n.kind_id() != m.kind_id()
            || n.byte_range() != m.byte_range()
            || n.is_missing() != m.is_missing()
            || n.is_error() != m.is_error()
            || n.child_count() != m.child_count()
            || x.field_id() != y.field_id()
        {
            return false;
        }
        if x.goto_first_child() {
            y.goto_first_child();
            continue;
        }
        loop {
            if x.goto_next_sibling() {
                y.goto_next_sibling();
                break;
            }
            if !x.goto_parent() {
                return true;
            }
            y.goto_parent();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_shape_tells_trees_apart() {
        let a = parse(Language::TypeScript, "f('a');\ng(1);");
        assert!(same_shape(
            &a,
            &parse(Language::TypeScript, "f('a');\ng(1);")
        ));
        assert!(!same_shape(
            &a,
            &parse(Language::TypeScript, "f('a');\ng(12);")
        ));
        assert!(!same_shape(
            &a,
            &parse(Language::TypeScript, "f('a');\ng(1, 2);")
        ));
        assert!(!same_shape(&a, &parse(Language::TypeScript, "f('a');\n")));
    }

    #[test]
    fn every_language_parses() {
        for lang in Language::ALL {
            let source = if lang.is_python() {
                "a = 1\n"
            } else {
                "const a = 1;"
            };
            let tree = parse(lang, source);
            assert!(!tree.root_node().has_error(), "{lang:?}");
        }
    }

    #[test]
    fn a_tree_knows_its_language() {
        assert_eq!(
            Language::of_tree(&parse(Language::Python, "x = 1\n")),
            Some(Language::Python)
        );
        assert_eq!(
            Language::of_tree(&parse(Language::TypeScriptReact, "x")),
            Some(Language::TypeScriptReact)
        );
        assert_eq!(
            Language::of_tree(&parse(Language::JavaScriptReact, "x")),
            Some(Language::JavaScript)
        );
        assert_eq!(Language::Python.line_comment(), "#");
        assert_eq!(Language::TypeScript.line_comment(), "//");
    }

    #[test]
    fn python_by_id_and_extension() {
        assert_eq!(
            Language::detect(Some("python"), None),
            Some(Language::Python)
        );
        for name in ["a.py", "stubs/a.pyi", "A.PY"] {
            assert_eq!(
                Language::detect(None, Some(Path::new(name))),
                Some(Language::Python),
                "{name}"
            );
        }
        assert_eq!(
            Language::detect(Some("python"), Some(Path::new("a.js"))),
            Some(Language::Python)
        );
    }

    #[test]
    fn deep_unclosed_nesting_parses_without_overflowing_the_stack() {
        // Error recovery over 100,000 unclosed levels recurses in tree-sitter.
        let text = format!("{}abstrakt.run('flux-dev')", "{a:".repeat(100_000));
        let tree = parse(Language::JavaScript, &text);
        assert!(tree.root_node().has_error());
        assert_eq!(tree.root_node().end_byte(), text.len());
    }

    #[test]
    fn language_id_wins_over_extension() {
        let p = Path::new("a.js");
        assert_eq!(
            Language::detect(Some("typescript"), Some(p)),
            Some(Language::TypeScript)
        );
        assert_eq!(
            Language::detect(Some("plaintext"), Some(p)),
            Some(Language::JavaScript)
        );
        assert_eq!(
            Language::detect(None, Some(Path::new("x.MTS"))),
            Some(Language::TypeScript)
        );
        assert_eq!(Language::detect(None, Some(Path::new("x.rb"))), None);
    }
}
