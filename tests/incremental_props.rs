//! Property: any sequence of edits applied incrementally yields the same text,
//! the same syntax tree and the same findings as parsing the final text fresh.

use abstrakt_lsp::analysis::analyze;
use abstrakt_lsp::config::ProjectConfig;
use abstrakt_lsp::document::{Document, Position, PositionEncoding, TextChange, TextRange};
use abstrakt_lsp::registry::Resolver;
use abstrakt_lsp::syntax::{Language, parse};
use proptest::prelude::*;

const FRAGMENTS: &[&str] = &[
    "abstrakt.run('flux-dev', {})",
    "await abstrakt.models.get(\"musicgen\")",
    "const M = 'llama-3.1-8b';",
    "abstrakt.run(M)",
    "'",
    "\"",
    "`",
    "(",
    ")",
    "{",
    "}",
    ";",
    "\n",
    "\r\n",
    "\r",
    "😀",
    "é",
    "// ",
    "/*",
    "*/",
    " ",
    "x",
    "flux",
    ".run",
    "<T>",
    "\u{2028}",
];

const BASE: &str = "import { Abstrakt } from 'abstrakt';\nconst ai = new Abstrakt();\n// 😀 note\r\nawait ai.run('flux-dev', { prompt });\nabstrakt.models.get(`musicgen`);\n";

/// Reference position → byte offset on a plain string, written independently
/// of the rope: LSP line breaks are \n, \r\n and \r; clamp past ends; round
/// down inside a character.
fn reference_offset(text: &str, pos: Position, encoding: PositionEncoding) -> usize {
    let bytes = text.as_bytes();
    let mut line_start = 0;
    let mut line = 0;
    let mut i = 0;
    while line < pos.line {
        if i >= bytes.len() {
            return text.len();
        }
        match bytes[i] {
            b'\n' => {
                line += 1;
                line_start = i + 1;
            }
            b'\r' => {
                if bytes.get(i + 1) == Some(&b'\n') {
                    i += 1;
                }
                line += 1;
                line_start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    let rest = &text[line_start..];
    let line_len = rest.find(['\n', '\r']).unwrap_or(rest.len());
    let content = &rest[..line_len];
    let mut units = 0usize;
    for (offset, ch) in content.char_indices() {
        let width = match encoding {
            PositionEncoding::Utf8 => ch.len_utf8(),
            PositionEncoding::Utf16 => ch.len_utf16(),
            PositionEncoding::Utf32 => 1,
        };
        if units + width > pos.character as usize {
            return line_start + offset;
        }
        units += width;
    }
    line_start + line_len
}

fn encoding_strategy() -> impl Strategy<Value = PositionEncoding> {
    prop_oneof![
        Just(PositionEncoding::Utf8),
        Just(PositionEncoding::Utf16),
        Just(PositionEncoding::Utf32)
    ]
}

fn change_strategy() -> impl Strategy<Value = (u32, u32, u32, u32, Vec<usize>)> {
    (
        0u32..8,
        0u32..45,
        0u32..3,
        0u32..45,
        prop::collection::vec(0..FRAGMENTS.len(), 0..4),
    )
}

fn findings(doc_tree: &tree_sitter::Tree, text: &str) -> Vec<String> {
    analyze(
        doc_tree,
        text,
        &Resolver::builtin(),
        &ProjectConfig::default(),
        None,
    )
    .findings
    .iter()
    .map(|f| format!("{}@{:?}:{}", f.code, f.range, f.message))
    .collect()
}

proptest! {
    // A fixed seed keeps CI reproducible: the same 400 edit sequences every run.
    // One engineer saw a rare random TypeScript case (`new Abstrakt<T>` followed
    // by a call on the next line) where the incremental tree differed from a
    // fresh parse, not reproduced since; to explore beyond the fixed cases,
    // change the seed below.
    #![proptest_config(ProptestConfig {
        cases: 400,
        rng_seed: proptest::test_runner::RngSeed::Fixed(0x00ab_574a),
        ..ProptestConfig::default()
    })]

    #[test]
    fn incremental_equals_fresh(
        language in prop_oneof![Just(Language::JavaScript), Just(Language::TypeScript), Just(Language::TypeScriptReact)],
        encoding in encoding_strategy(),
        batches in prop::collection::vec(prop::collection::vec(change_strategy(), 1..4), 1..12),
    ) {
        let mut doc = Document::new(language, 1, BASE);
        let mut reference = BASE.to_string();
        for (version, batch) in batches.iter().enumerate() {
            let mut changes = Vec::new();
            for (line, character, extra_lines, end_character, fragments) in batch {
                let start = Position::new(*line, *character);
                let end = Position::new(line + extra_lines, *end_character);
                let text: String = fragments.iter().map(|&i| FRAGMENTS[i]).collect();
                let start_byte = reference_offset(&reference, start, encoding);
                let end_byte = reference_offset(&reference, end, encoding).max(start_byte);
                reference.replace_range(start_byte..end_byte, &text);
                changes.push(TextChange { range: Some(TextRange { start, end }), text });
            }
            doc.apply_changes(version as i32 + 2, &changes, encoding);
        }
        prop_assert_eq!(doc.text(), reference.clone());
        let fresh = parse(language, &reference);
        prop_assert_eq!(doc.tree().root_node().to_sexp(), fresh.root_node().to_sexp());
        prop_assert_eq!(findings(doc.tree(), &reference), findings(&fresh, &reference));
    }
}
