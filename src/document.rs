//! An open document: a rope for the text plus a tree-sitter tree kept in step
//! with it by incremental edits, and the position arithmetic LSP needs.
//!
//! Positions are (line, character) where "character" counts code units of the
//! negotiated encoding. Line breaks are `\n`, `\r\n` and `\r` (ropey's
//! `cr_lines`), exactly LSP's set: U+2028/U+2029 and NEL are *not* breaks.

use std::ops::Range;

use ropey::Rope;
use tree_sitter::{InputEdit, Point, Tree};

use crate::syntax::{self, Language, ParseBudget, ParseFailure};

/// How a client counts characters within a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PositionEncoding {
    Utf8,
    #[default]
    Utf16,
    Utf32,
}

/// A zero-based line and a column in the document's [`PositionEncoding`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Position {
    pub line: u32,
    pub character: u32,
}

impl Position {
    pub fn new(line: u32, character: u32) -> Self {
        Self { line, character }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TextRange {
    pub start: Position,
    pub end: Position,
}

/// One content change as sent by `textDocument/didChange`.
#[derive(Debug, Clone)]
pub struct TextChange {
    /// `None` replaces the whole document.
    pub range: Option<TextRange>,
    pub text: String,
}

/// Text-position arithmetic over a rope (also used by the CLI on whole files).
pub struct LineIndex<'a> {
    rope: &'a Rope,
}

impl<'a> LineIndex<'a> {
    pub fn new(rope: &'a Rope) -> Self {
        Self { rope }
    }

    /// Byte offset where the content of `line` ends (before its line break).
    fn line_content_end_byte(&self, line: usize) -> usize {
        let rope = self.rope;
        let start = rope.line_to_byte(line);
        let slice = rope.line(line);
        let mut len = slice.len_bytes();
        // Strip the line break: "\r\n", "\n" or "\r".
        if len > 0 && slice.byte(len - 1) == b'\n' {
            len -= 1;
        }
        if len > 0 && slice.byte(len - 1) == b'\r' {
            len -= 1;
        }
        start + len
    }

    /// The byte offset of a position. Lines past the end clamp to the end of the
    /// text; characters past a line's end clamp to that end (as LSP specifies);
    /// a column inside a multi-unit character rounds down to its start.
    pub fn offset(&self, pos: Position, encoding: PositionEncoding) -> usize {
        let rope = self.rope;
        let line = pos.line as usize;
        if line >= rope.len_lines() {
            return rope.len_bytes();
        }
        let line_start_byte = rope.line_to_byte(line);
        let line_end_byte = self.line_content_end_byte(line);
        let character = pos.character as usize;
        match encoding {
            PositionEncoding::Utf8 => {
                let byte = (line_start_byte + character).min(line_end_byte);
                // Round down to a char boundary.
                rope.char_to_byte(rope.byte_to_char(byte))
            }
            PositionEncoding::Utf16 => {
                let line_start_char = rope.byte_to_char(line_start_byte);
                let line_end_char = rope.byte_to_char(line_end_byte);
                let start_cu = rope.char_to_utf16_cu(line_start_char);
                let end_cu = rope.char_to_utf16_cu(line_end_char);
                let target = (start_cu + character).min(end_cu);
                rope.char_to_byte(rope.utf16_cu_to_char(target))
            }
            PositionEncoding::Utf32 => {
                let line_start_char = rope.byte_to_char(line_start_byte);
                let line_end_char = rope.byte_to_char(line_end_byte);
                rope.char_to_byte((line_start_char + character).min(line_end_char))
            }
        }
    }

    /// The position of a byte offset (clamped to the text, rounded down to a char boundary).
    pub fn position(&self, byte: usize, encoding: PositionEncoding) -> Position {
        let rope = self.rope;
        let byte = byte.min(rope.len_bytes());
        let line = rope.byte_to_line(byte);
        let line_start_byte = rope.line_to_byte(line);
        let char_idx = rope.byte_to_char(byte);
        let character = match encoding {
            PositionEncoding::Utf8 => rope.char_to_byte(char_idx) - line_start_byte,
            PositionEncoding::Utf16 => {
                let line_start_char = rope.byte_to_char(line_start_byte);
                rope.char_to_utf16_cu(char_idx) - rope.char_to_utf16_cu(line_start_char)
            }
            PositionEncoding::Utf32 => char_idx - rope.byte_to_char(line_start_byte),
        };
        Position::new(line as u32, character as u32)
    }

    pub fn range(&self, bytes: Range<usize>, encoding: PositionEncoding) -> TextRange {
        TextRange {
            start: self.position(bytes.start, encoding),
            end: self.position(bytes.end, encoding),
        }
    }

    /// tree-sitter's point for a byte offset: row and byte column.
    fn point(&self, byte: usize) -> Point {
        let line = self.rope.byte_to_line(byte);
        Point::new(line, byte - self.rope.line_to_byte(line))
    }
}

/// The document state the server keeps per open file.
///
/// The tree is parsed only where a [`ParseBudget`] is given
/// ([`Document::parse`]): off the request path, under a deadline. It can be
/// dropped ([`Document::drop_tree`]) to save memory while a document sits idle
/// (trees are ~96 % of an open document's memory); the next parse starts from
/// the text.
#[derive(Clone)]
pub struct Document {
    pub language: Language,
    /// The client's version, echoed when publishing.
    pub version: i32,
    /// Counts the edit batches applied: orders snapshots even when a client's
    /// versions go backwards.
    revision: u64,
    rope: Rope,
    tree: Option<Tree>,
    /// Edits were recorded on the tree ([`Document::apply_edits`]) but it was
    /// not parsed again yet.
    needs_reparse: bool,
    /// The tree went through incremental edits since its last full parse
    /// (only such a tree can differ from a fresh parse).
    incremental: bool,
}

impl Document {
    /// A document parsed now, within the default budget for its size (tests
    /// and benchmarks; the server starts from [`Document::unparsed`] and
    /// parses off the request path). Over the budget it has no tree.
    pub fn new(language: Language, version: i32, text: &str) -> Self {
        let mut document = Self::unparsed(language, version, text);
        let _ = document.parse(&ParseBudget::for_len(text.len()));
        document
    }

    /// A document whose tree is parsed later, by [`Document::parse`] (so
    /// opening a file costs no parse on the caller's thread).
    pub fn unparsed(language: Language, version: i32, text: &str) -> Self {
        Self {
            language,
            version,
            revision: 0,
            rope: Rope::from_str(text),
            tree: None,
            needs_reparse: false,
            incremental: false,
        }
    }

    pub fn rope(&self) -> &Rope {
        &self.rope
    }

    /// How many edit batches were applied since the document was opened.
    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// The syntax tree, when it is parsed and up to date with the text.
    pub fn tree(&self) -> Option<&Tree> {
        self.tree.as_ref().filter(|_| !self.needs_reparse)
    }

    /// Whether a tree is in memory (possibly with edits not parsed yet).
    pub fn has_tree(&self) -> bool {
        self.tree.is_some()
    }

    /// Forgets the tree; the next [`Document::parse`] starts from the text.
    pub fn drop_tree(&mut self) {
        self.tree = None;
        self.needs_reparse = false;
        self.incremental = false;
    }

    /// Whether edits were recorded on the tree since it was last parsed.
    pub fn needs_reparse(&self) -> bool {
        self.needs_reparse
    }

    /// Brings the tree up to date with the text within `budget`: an
    /// incremental parse of the recorded edits, or a full parse when there is
    /// no tree. A parse that runs out of budget leaves no tree.
    pub fn parse(&mut self, budget: &ParseBudget) -> Result<&Tree, ParseFailure> {
        // `Some` only with edits recorded on it: parsed again incrementally.
        let old = match self.tree.take() {
            Some(tree) if !self.needs_reparse => return Ok(self.tree.insert(tree)),
            old => old,
        };
        match parse_rope(self.language, &self.rope, old.as_ref(), budget) {
            Ok(tree) => {
                if old.is_none() {
                    self.incremental = false;
                }
                self.needs_reparse = false;
                Ok(self.tree.insert(tree))
            }
            Err(failure) => {
                self.drop_tree();
                Err(failure)
            }
        }
    }

    pub fn text(&self) -> String {
        self.rope.to_string()
    }

    pub fn line_index(&self) -> LineIndex<'_> {
        LineIndex::new(&self.rope)
    }

    /// Applies one change to the rope and records it on the tree. Call
    /// [`Document::parse`] after a batch of changes.
    pub fn apply_change(&mut self, change: &TextChange, encoding: PositionEncoding) {
        let Some(range) = change.range else {
            // A full replacement: parsed afresh, like a new document.
            self.rope = Rope::from_str(&change.text);
            self.drop_tree();
            return;
        };
        let index = LineIndex::new(&self.rope);
        let start_byte = index.offset(range.start, encoding);
        let old_end_byte = index.offset(range.end, encoding).max(start_byte);
        let start_position = index.point(start_byte);
        let old_end_position = index.point(old_end_byte);

        let start_char = self.rope.byte_to_char(start_byte);
        let old_end_char = self.rope.byte_to_char(old_end_byte);
        self.rope.remove(start_char..old_end_char);
        self.rope.insert(start_char, &change.text);

        let new_end_byte = start_byte + change.text.len();
        let new_end_position = LineIndex::new(&self.rope).point(new_end_byte);
        // Without a tree there is nothing to keep in step: the next parse starts afresh.
        let Some(tree) = self.tree.as_mut() else {
            return;
        };
        self.needs_reparse = true;
        self.incremental = true;
        tree.edit(&InputEdit {
            start_byte,
            old_end_byte,
            new_end_byte,
            start_position,
            old_end_position,
            new_end_position,
        });
    }

    /// A fresh parse of the current text when it differs from the
    /// incrementally maintained tree, else `None`. Tree-sitter's subtree reuse
    /// is not always equal to a fresh parse; the server runs this on a quiet
    /// document (off the request path, on a clone) and swaps the result in
    /// with [`Document::replace_with_fresh_tree`].
    pub fn fresh_tree_if_different(
        &self,
        budget: &ParseBudget,
    ) -> Result<Option<Tree>, ParseFailure> {
        if !self.incremental {
            return Ok(None);
        }
        let Some(current) = self.tree() else {
            return Ok(None);
        };
        let fresh = parse_rope(self.language, &self.rope, None, budget)?;
        Ok((!syntax::same_shape(current, &fresh)).then_some(fresh))
    }

    /// Replaces the tree with one of exactly the current text (the same tree
    /// parsed further on a snapshot).
    pub fn replace_tree(&mut self, tree: Tree) {
        self.tree = Some(tree);
        self.needs_reparse = false;
    }

    /// Takes a tree from a fresh parse of exactly the current text.
    pub fn replace_with_fresh_tree(&mut self, tree: Tree) {
        self.replace_tree(tree);
        self.incremental = false;
    }

    /// Whether the tree went through incremental edits since its last full
    /// parse (a tree that did not cannot differ from a fresh parse).
    pub fn is_incremental(&self) -> bool {
        self.incremental
    }

    /// Applies a `didChange` batch in order and parses once, within the
    /// default budget (tests and benchmarks; the server parses off the
    /// request path).
    pub fn apply_changes(
        &mut self,
        version: i32,
        changes: &[TextChange],
        encoding: PositionEncoding,
    ) {
        self.apply_edits(version, changes, encoding);
        let _ = self.parse(&ParseBudget::for_len(self.rope.len_bytes()));
    }

    /// Applies a `didChange` batch to the text and records it on the tree
    /// without parsing: the server parses later, off the request path, from
    /// a snapshot (several batches can be recorded before one parse).
    pub fn apply_edits(
        &mut self,
        version: i32,
        changes: &[TextChange],
        encoding: PositionEncoding,
    ) {
        for change in changes {
            self.apply_change(change, encoding);
        }
        self.version = version;
        self.revision += 1;
    }
}

/// Parses the rope's chunks in place (no copy of the text), reusing `old`,
/// within `budget`.
fn parse_rope(
    language: Language,
    rope: &Rope,
    old: Option<&Tree>,
    budget: &ParseBudget,
) -> Result<Tree, ParseFailure> {
    let len = rope.len_bytes();
    syntax::parse_chunks(
        &mut language.parser(),
        len,
        &mut |byte| {
            if byte >= len {
                return &[][..];
            }
            let (chunk, chunk_start, _, _) = rope.chunk_at_byte(byte);
            &chunk.as_bytes()[byte - chunk_start..]
        },
        old,
        budget,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use PositionEncoding::*;

    fn index_of(text: &str) -> Rope {
        Rope::from_str(text)
    }

    #[test]
    fn astral_characters_count_two_utf16_units_and_four_bytes() {
        let rope = index_of("a😀b\n");
        let idx = LineIndex::new(&rope);
        // 'b' is at byte 5, UTF-16 column 3, UTF-8 column 5, UTF-32 column 2.
        assert_eq!(idx.position(5, Utf16), Position::new(0, 3));
        assert_eq!(idx.position(5, Utf8), Position::new(0, 5));
        assert_eq!(idx.position(5, Utf32), Position::new(0, 2));
        assert_eq!(idx.offset(Position::new(0, 3), Utf16), 5);
        assert_eq!(idx.offset(Position::new(0, 5), Utf8), 5);
        assert_eq!(idx.offset(Position::new(0, 2), Utf32), 5);
        // Inside the surrogate pair / inside the UTF-8 sequence rounds down.
        assert_eq!(idx.offset(Position::new(0, 2), Utf16), 1);
        assert_eq!(idx.offset(Position::new(0, 3), Utf8), 1);
    }

    #[test]
    fn crlf_and_lone_cr_are_line_breaks_but_u2028_is_not() {
        let rope = index_of("ab\r\ncd\ref\u{2028}g\n");
        let idx = LineIndex::new(&rope);
        assert_eq!(idx.offset(Position::new(1, 0), Utf16), 4);
        assert_eq!(idx.offset(Position::new(2, 0), Utf16), 7);
        assert_eq!(
            idx.position(rope.len_bytes() - 2, Utf16),
            Position::new(2, 3)
        );
        // Past the end of line 0 clamps before "\r\n".
        assert_eq!(idx.offset(Position::new(0, 99), Utf16), 2);
        // Past the last line clamps to the end.
        assert_eq!(idx.offset(Position::new(99, 0), Utf16), rope.len_bytes());
    }

    #[test]
    fn a_dropped_tree_comes_back_from_the_current_text() {
        let mut doc = Document::new(Language::TypeScript, 1, "f('a');\n");
        doc.drop_tree();
        assert!(!doc.has_tree());
        let change = TextChange {
            range: Some(TextRange {
                start: Position::new(0, 3),
                end: Position::new(0, 4),
            }),
            text: "bcd".into(),
        };
        doc.apply_edits(2, &[change], Utf16);
        assert!(doc.tree().is_none());
        let budget = ParseBudget::for_len(10);
        let fresh = syntax::parse(Language::TypeScript, "f('bcd');\n");
        let tree = doc.parse(&budget).expect("parses");
        assert_eq!(tree.root_node().to_sexp(), fresh.root_node().to_sexp());
        assert!(!doc.is_incremental());
        assert_eq!(
            doc.fresh_tree_if_different(&budget)
                .ok()
                .flatten()
                .map(|_| ()),
            None
        );
    }

    #[test]
    fn a_parse_over_budget_leaves_no_tree_and_the_next_one_starts_afresh() {
        let mut doc = Document::new(Language::TypeScriptReact, 1, "f('a');\n");
        let all = TextChange {
            range: None,
            text: "<`(/${(]?e a n(x\"abstrakt".into(),
        };
        doc.apply_edits(2, &[all], Utf16);
        let limit = std::time::Duration::from_millis(200);
        assert_eq!(
            doc.parse(&ParseBudget::within(limit)).err(),
            Some(ParseFailure::TimedOut { limit })
        );
        assert!(!doc.has_tree());
        let fixed = TextChange {
            range: None,
            text: "abstrakt.run('musicgen');".into(),
        };
        doc.apply_edits(3, &[fixed], Utf16);
        let tree = doc.parse(&ParseBudget::for_len(25)).expect("parses");
        assert!(!tree.root_node().has_error());
    }

    #[test]
    fn incremental_edits_match_a_fresh_parse() {
        let mut doc = Document::new(
            Language::TypeScript,
            1,
            "const a = 'x';\nabstrakt.run(a);\n",
        );
        let change = TextChange {
            range: Some(TextRange {
                start: Position::new(0, 11),
                end: Position::new(0, 12),
            }),
            text: "flux-dev".into(),
        };
        doc.apply_changes(2, &[change], Utf16);
        assert_eq!(doc.text(), "const a = 'flux-dev';\nabstrakt.run(a);\n");
        let fresh = syntax::parse(Language::TypeScript, &doc.text());
        assert_eq!(
            doc.tree().map(|tree| tree.root_node().to_sexp()),
            Some(fresh.root_node().to_sexp())
        );
        assert_eq!(doc.version, 2);
    }
}
