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
}

impl Language {
    /// The language for an LSP `languageId`, if it is one of ours.
    pub fn from_language_id(id: &str) -> Option<Self> {
        match id {
            "javascript" => Some(Self::JavaScript),
            "javascriptreact" | "jsx" => Some(Self::JavaScriptReact),
            "typescript" => Some(Self::TypeScript),
            "typescriptreact" | "tsx" => Some(Self::TypeScriptReact),
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

    pub fn grammar(self) -> tree_sitter::Language {
        match self {
            Self::JavaScript | Self::JavaScriptReact => tree_sitter_javascript::LANGUAGE.into(),
            Self::TypeScript => tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
            Self::TypeScriptReact => tree_sitter_typescript::LANGUAGE_TSX.into(),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_parses() {
        for lang in [
            Language::JavaScript,
            Language::JavaScriptReact,
            Language::TypeScript,
            Language::TypeScriptReact,
        ] {
            let tree = parse(lang, "const a = 1;");
            assert!(!tree.root_node().has_error(), "{lang:?}");
        }
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
        assert_eq!(Language::detect(None, Some(Path::new("x.py"))), None);
    }
}
