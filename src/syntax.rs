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

/// Parses a whole text from scratch (CLI, first open, tests).
pub fn parse(language: Language, text: &str) -> Tree {
    language
        .parser()
        .parse(text, None)
        .expect("parsing without a timeout or cancellation flag always yields a tree")
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
