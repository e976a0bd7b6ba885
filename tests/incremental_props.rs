//! Property: any sequence of edits applied incrementally yields the same text,
//! the same syntax tree and the same findings as parsing the final text fresh;
//! and after every version, incremental extraction (reusing the previous
//! version's cache) finds exactly what a full extraction of the same tree does.

use abstrakt_lsp::analysis::{analyze, analyze_incremental};
use abstrakt_lsp::config::ProjectConfig;
use abstrakt_lsp::document::{Document, Position, PositionEncoding, TextChange, TextRange};
use abstrakt_lsp::extract::{ExtractCache, ExtractOptions, extract, extract_incremental};
use abstrakt_lsp::registry::Resolver;
use abstrakt_lsp::syntax::{Language, parse, same_shape};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

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
    "new Abstrakt()",
    "const ai = ",
    "let M = 1;",
    "import { Abstrakt as AK } from 'abstrakt';\n",
    "function f(c: AK) { c.run(M); }\n",
    "ai.models.get(M)",
];

const BASE: &str = "import { Abstrakt } from 'abstrakt';\nconst ai = new Abstrakt();\n// 😀 note\r\nawait ai.run('flux-dev', { prompt });\nabstrakt.models.get(`musicgen`);\n";

/// Python: Abstrakt clients (bound, aliased, annotated, `self` fields),
/// constants, a dict, a class body, nested functions, provider SDK imports.
const PY_BASE: &str = "from abstrakt import Abstrakt\nimport replicate\nfrom diffusers import FluxPipeline\n\nclient = Abstrakt()\nHERO = \"flux-dev\"\nMODELS = {\"music\": \"musicgen\", \"img\": HERO}\n\nclass Studio:\n    DEFAULT = \"sdxl\"\n\n    def __init__(self, ai: Abstrakt):\n        self.ai = ai\n\n    def paint(self, p):\n        return self.ai.run(Studio.DEFAULT, {\"prompt\": p})\n\ndef outer():\n    local = \"llama-3.1-8b\"\n    def inner():\n        return client.models.get(local)\n    return inner\n\nout = replicate.run(\"black-forest-labs/flux-schnell\")\npipe = FluxPipeline.from_pretrained(\"black-forest-labs/FLUX.1-dev\")\nclient.run(MODELS[\"music\"])\nabstrakt.run(model=HERO)\n";

const PY_FRAGMENTS: &[&str] = &[
    "client.run(\"flux-dev\")",
    "abstrakt.models.get('musicgen')",
    "HERO = \"sdxl\"\n",
    "M = 'llama-3.1-8b'\n",
    "client.run(M)",
    "ai2.run(MODELS[\"img\"])",
    "client = Abstrakt()\n",
    "c = AK()\n",
    "from abstrakt import Abstrakt as AK\n",
    "import replicate\n",
    "from diffusers import FluxPipeline\n",
    "replicate.run(\"stability-ai/sdxl\")",
    "FluxPipeline.from_pretrained(\"black-forest-labs/FLUX.1-schnell\")",
    "def f(c: AK):\n    c.run(HERO)\n",
    "class K:\n    X = 'sdxl'\n",
    "K.X",
    "    ",
    "\n",
    "\r\n",
    ":",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    "'",
    "\"",
    "\"\"\"",
    "# ",
    "\\",
    ",",
    "=",
    "x",
    "self.ai = client\n",
    "global HERO\n",
    "if ok:\n",
    "else:\n",
    "😀",
    "é",
    "https://api.abstrakt.ai/v1/models/flux-dev",
];

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

/// One generated change: start line and character, extra lines to the end,
/// end character, and the fragments inserted.
type Change = (u32, u32, u32, u32, Vec<usize>);

fn change_strategy() -> impl Strategy<Value = Change> {
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
        jiff::civil::date(2026, 6, 1),
    )
    .findings
    .iter()
    .map(|f| format!("{}@{:?}:{}", f.code, f.range, f.message))
    .collect()
}

/// Extraction options that make a configured client name matter too.
fn options() -> ExtractOptions {
    ExtractOptions {
        client_names: vec!["ai2".to_string()],
        api_url: None,
    }
}

/// Incremental extraction of the document's current tree, reusing `cache`,
/// must equal a full extraction of that tree.
fn check_extraction(doc: &Document, cache: &mut Option<ExtractCache>) -> Result<(), TestCaseError> {
    let options = options();
    let (uses, next) = extract_incremental(
        doc.tree().expect("parsed"),
        doc.rope(),
        &options,
        cache.as_ref(),
    );
    prop_assert_eq!(
        &uses,
        &extract(doc.tree().expect("parsed"), doc.rope(), &options)
    );
    *cache = Some(next);
    Ok(())
}

/// Applies the batches incrementally, checking incremental extraction after
/// every version; returns the document and the text the reference model says
/// it must hold.
fn edit(
    language: Language,
    encoding: PositionEncoding,
    batches: &[Vec<Change>],
) -> Result<(Document, String), TestCaseError> {
    match language {
        Language::Python => edit_from(language, encoding, batches, PY_BASE, PY_FRAGMENTS),
        _ => edit_from(language, encoding, batches, BASE, FRAGMENTS),
    }
}

/// [`edit`] from `base`, inserting `fragments`.
fn edit_from(
    language: Language,
    encoding: PositionEncoding,
    batches: &[Vec<Change>],
    base: &str,
    fragments: &[&str],
) -> Result<(Document, String), TestCaseError> {
    let mut doc = Document::new(language, 1, base);
    let mut cache = None;
    check_extraction(&doc, &mut cache)?;
    let mut reference = base.to_string();
    for (version, batch) in batches.iter().enumerate() {
        let mut changes = Vec::new();
        for (line, character, extra_lines, end_character, inserted) in batch {
            let start = Position::new(*line, *character);
            let end = Position::new(line + extra_lines, *end_character);
            let text: String = inserted
                .iter()
                .map(|&i| fragments[i % fragments.len()])
                .collect();
            let start_byte = reference_offset(&reference, start, encoding);
            let end_byte = reference_offset(&reference, end, encoding).max(start_byte);
            reference.replace_range(start_byte..end_byte, &text);
            changes.push(TextChange {
                range: Some(TextRange { start, end }),
                text,
            });
        }
        doc.apply_changes(
            i32::try_from(version).unwrap_or(i32::MAX) + 2,
            &changes,
            encoding,
        );
        check_extraction(&doc, &mut cache)?;
    }
    Ok((doc, reference))
}

/// The property: after the server's safety net (a fresh parse replaces an
/// incremental tree that differs), the tree and the findings equal those of a
/// fresh parse. Returns whether the net had to step in.
fn check_settled(doc: &mut Document, reference: &str) -> Result<bool, TestCaseError> {
    prop_assert_eq!(doc.text(), reference);
    let fresh = parse(doc.language, reference);
    let budget = abstrakt_lsp::syntax::ParseBudget::for_len(reference.len());
    let repaired = match doc
        .fresh_tree_if_different(&budget)
        .expect("parses in time")
    {
        Some(tree) => {
            doc.replace_tree(tree);
            true
        }
        None => false,
    };
    prop_assert!(same_shape(doc.tree().expect("parsed"), &fresh));
    prop_assert_eq!(
        doc.tree().expect("parsed").root_node().to_sexp(),
        fresh.root_node().to_sexp()
    );
    prop_assert_eq!(
        findings(doc.tree().expect("parsed"), reference),
        findings(&fresh, reference)
    );
    Ok(repaired)
}

fn batches_strategy() -> impl Strategy<Value = Vec<Vec<Change>>> {
    prop::collection::vec(prop::collection::vec(change_strategy(), 1..4), 1..12)
}

/// Python edits: over the longer base, mostly one change per version (a
/// keystroke or a paste).
fn python_batches_strategy() -> impl Strategy<Value = Vec<Vec<Change>>> {
    let change = (
        0u32..30,
        0u32..60,
        0u32..3,
        0u32..60,
        prop::collection::vec(0..PY_FRAGMENTS.len(), 0..4),
    );
    prop::collection::vec(prop::collection::vec(change, 1..3), 1..12)
}

fn language_strategy() -> impl Strategy<Value = Language> {
    prop_oneof![
        Just(Language::JavaScript),
        Just(Language::TypeScript),
        Just(Language::TypeScriptReact)
    ]
}

proptest! {
    // Random seeds: every run explores new edit sequences (a failure is saved
    // to the `.proptest-regressions` file and replayed first). 2,000 cases by
    // default; `PROPTEST_CASES` raises it, and the ignored test below runs 50,000.
    #![proptest_config(ProptestConfig {
        cases: 2_000,
        ..ProptestConfig::default()
    })]

    #[test]
    fn incremental_equals_fresh(
        language in language_strategy(),
        encoding in encoding_strategy(),
        batches in batches_strategy(),
    ) {
        let (mut doc, reference) = edit(language, encoding, &batches)?;
        check_settled(&mut doc, &reference)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 50_000,
        ..ProptestConfig::default()
    })]

    /// The nightly-style run: `cargo test --release --test incremental_props -- --ignored`.
    #[test]
    #[ignore = "long: 50,000 random edit sequences"]
    fn incremental_equals_fresh_long_run(
        language in language_strategy(),
        encoding in encoding_strategy(),
        batches in batches_strategy(),
    ) {
        let (mut doc, reference) = edit(language, encoding, &batches)?;
        check_settled(&mut doc, &reference)?;
    }
}

proptest! {
    // As `incremental_equals_fresh`, over Python: incremental extraction
    // (per-statement reuse, client and module-table invalidation) must equal
    // a full extraction after every version.
    #![proptest_config(ProptestConfig {
        cases: 1_000,
        ..ProptestConfig::default()
    })]

    #[test]
    fn python_incremental_equals_fresh(
        encoding in encoding_strategy(),
        batches in python_batches_strategy(),
    ) {
        let (mut doc, reference) = edit(Language::Python, encoding, &batches)?;
        check_settled(&mut doc, &reference)?;
    }
}

/// The editor's path (`analyze_incremental`, as `lsp/analyse.rs` calls it) on
/// a Python file: a keystroke inside one function reuses every other
/// top-level statement and the analysis equals a fresh one.
#[test]
fn a_keystroke_in_a_python_function_reuses_the_other_statements() {
    let today = jiff::civil::date(2026, 6, 1);
    let (resolver, project) = (Resolver::builtin(), ProjectConfig::default());
    let mut doc = Document::new(Language::Python, 1, PY_BASE);
    let (_, cache) = analyze_incremental(
        doc.tree().expect("parsed"),
        doc.rope(),
        &resolver,
        &project,
        None,
        None,
        today,
    );
    // `local` → `locals` inside `outer`.
    let line = PY_BASE
        .lines()
        .position(|l| l.contains("local ="))
        .expect("line");
    let at = Position::new(u32::try_from(line).expect("small"), 9);
    let change = TextChange {
        range: Some(TextRange { start: at, end: at }),
        text: "s".to_string(),
    };
    doc.apply_changes(2, &[change], PositionEncoding::Utf16);
    let tree = doc.tree().expect("parsed");
    let (analysis, cache) = analyze_incremental(
        tree,
        doc.rope(),
        &resolver,
        &project,
        None,
        Some(&cache),
        today,
    );
    let fresh = analyze(tree, doc.rope(), &resolver, &project, None, today);
    assert_eq!(analysis.uses, fresh.uses);
    let as_text = |a: &abstrakt_lsp::analysis::Analysis| {
        a.findings
            .iter()
            .map(|f| format!("{}@{:?}:{}", f.code, f.range, f.message))
            .collect::<Vec<_>>()
    };
    assert_eq!(as_text(&analysis), as_text(&fresh));
    // `inner` now reads `local`, no longer bound: a dynamic id.
    assert!(
        analysis
            .uses
            .iter()
            .flat_map(|u| &u.targets)
            .any(|t| matches!(
                t,
                abstrakt_lsp::extract::Target::Dynamic { expression, .. } if expression == "local"
            )),
        "{:?}",
        analysis.uses
    );
    assert_eq!(cache.statements(), 12, "statements of PY_BASE");
    assert_eq!(cache.reused_statements(), 11);
}

/// The shared inputs where tree-sitter's reused tree was found to differ from
/// a fresh parse (`tests/fixtures/incremental-mismatches`, copied from the
/// research notes): replayed as LSP batches in UTF-16, the safety net must
/// repair them.
#[test]
fn known_mismatches_are_repaired_by_the_safety_net() {
    for name in ["mismatch1", "mismatch2"] {
        let path = format!(
            "{}/tests/fixtures/incremental-mismatches/{name}.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let case: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).expect("fixture")).expect("json");
        let base = case["base"].as_str().expect("base");
        let mut doc = Document::new(Language::TypeScript, 1, base);
        let mut cache = None;
        let position = |p: &serde_json::Value| {
            Position::new(
                u32::try_from(p["line"].as_u64().expect("line")).expect("small"),
                u32::try_from(p["character"].as_u64().expect("character")).expect("small"),
            )
        };
        for (i, batch) in case["batches"]
            .as_array()
            .expect("batches")
            .iter()
            .enumerate()
        {
            let changes: Vec<TextChange> = batch
                .as_array()
                .expect("batch")
                .iter()
                .map(|change| TextChange {
                    range: Some(TextRange {
                        start: position(&change["range"]["start"]),
                        end: position(&change["range"]["end"]),
                    }),
                    text: change["text"].as_str().expect("text").to_string(),
                })
                .collect();
            doc.apply_changes(
                i32::try_from(i).expect("small") + 2,
                &changes,
                PositionEncoding::Utf16,
            );
            check_extraction(&doc, &mut cache).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
        let reference = case["final"].as_str().expect("final");
        let fresh = parse(Language::TypeScript, reference);
        assert_ne!(
            findings(doc.tree().expect("parsed"), reference),
            findings(&fresh, reference),
            "{name}: the incremental tree no longer differs; the fixture lost its point"
        );
        let repaired = check_settled(&mut doc, reference).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(repaired, "{name}");
    }
}
