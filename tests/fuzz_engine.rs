//! Fuzzing the whole engine (issue 11 item 4): random bytes and random JS/TS
//! token soup through the limits check, parsing, extraction, the rules, the
//! project layer, position conversion and completion's id detection. Each case
//! must finish without a panic within a generous deadline (a hang is a bug, not
//! a slow run: this is not a benchmark).
//!
//! Every parse runs under the product's deadline
//! ([`abstrakt_lsp::syntax::ParseBudget`]): a text whose parse runs past it is
//! reported as unparsable, which is a correct outcome here; a case that does
//! not finish within [`DEADLINE`] is a hang, and the test prints its input.
//!
//! `cargo fuzz` needs a nightly toolchain; proptest gives the same shape of
//! search on stable. CI runs a few hundred random cases per strategy (a new
//! seed each run) plus the reduced inputs of past hangs; the long run is
//! `cargo test --release --test fuzz_engine -- --ignored` (a million cases in
//! all; `FUZZ_CASES` sets the count per strategy).

use std::sync::OnceLock;
use std::sync::mpsc;
use std::time::Duration;

use abstrakt_lsp::analysis::{Analysis, analyze};
use abstrakt_lsp::complete::id_site;
use abstrakt_lsp::config::ProjectConfig;
use abstrakt_lsp::document::{Document, LineIndex, PositionEncoding};
use abstrakt_lsp::limits::Limits;
use abstrakt_lsp::registry::Resolver;
use abstrakt_lsp::syntax::Language;

/// Exception expiry needs a day; none of these cases has an exception.
const TODAY: jiff::civil::Date = jiff::civil::date(2026, 6, 1);
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

/// Far above any real case (a few milliseconds in a debug build) and far
/// above the parse limit (5 s of CPU time, longer by the clock when the
/// machine is busy), so only a hang or a blow-up trips it.
const DEADLINE: Duration = Duration::from_secs(120);

/// Reduced inputs that once hung the engine (issue 18): tree-sitter's error
/// recovery ran for minutes on them before every parse had a deadline.
const PAST_HANGS: &[(Language, &str)] = &[
    // 212 CPU-seconds and 2.77 GB in `check`, no newline at the end.
    (Language::TypeScriptReact, "<`(/${(]?e a n(x\"abstrakt"),
    // Completion at the end of the second line froze the server.
    (
        Language::TypeScriptReact,
        "<`(/${(]?e a n(x\"\nabstrakt.run('",
    ),
];

const LANGUAGES: [Language; 4] = [
    Language::JavaScript,
    Language::JavaScriptReact,
    Language::TypeScript,
    Language::TypeScriptReact,
];

/// Pieces of JavaScript and TypeScript, weighted towards what the engine looks
/// at: calls, clients, bindings, strings of every kind, comments, odd text.
const TOKENS: &[&str] = &[
    "abstrakt.run(",
    "abstrakt.models.get(",
    "abstrakt['run'](",
    "this.client.run(",
    "ai.stream(",
    "new Abstrakt(",
    "import { Abstrakt as AK } from 'abstrakt';",
    "const { Abstrakt } = require('@abstrakt/sdk');",
    "const ai = new AK();",
    "constructor(private client: Abstrakt) {}",
    "const M = ",
    "let m = ",
    "const O = { hero: 'flux-dev', ...rest } as const;",
    "O.hero",
    "O['hero']",
    "M",
    "'flux-dev'",
    "\"musicgen\"",
    "`llama-3.1-8b`",
    "`${",
    "}`",
    "`",
    "'",
    "\"",
    "\\",
    "\\u{1F600}",
    "(",
    ")",
    "{",
    "}",
    "[",
    "]",
    "<T>",
    "<div>",
    "</div>",
    " as const",
    " satisfies X",
    "!",
    "?",
    ":",
    "??",
    "||",
    ",",
    ";",
    ".",
    "=>",
    "function f(a = b) {",
    "class C { c = new Abstrakt(); m() { this.c.run(",
    "// abstrakt-ignore-next-line attribution-required\n",
    "/* abstrakt-ignore-file */",
    "// ",
    "/*",
    "*/",
    "\n",
    "\r\n",
    "\r",
    " ",
    "\t",
    "\u{2028}",
    "😀",
    "é",
    "\u{0}",
    "x",
    "await ",
    "void ",
    "typeof ",
    "for (const M of xs) {",
    "switch (x) { case 1: ",
];

fn resolver() -> &'static Resolver {
    static RESOLVER: OnceLock<Resolver> = OnceLock::new();
    RESOLVER.get_or_init(Resolver::builtin)
}

/// One text through everything the server and `check` do with it. Panics on
/// a broken invariant; returns normally otherwise.
fn engine(language: Language, text: &str) {
    // The limits are checked on every text (the server skips what they reject).
    let _ = Limits::default().check_text(text);
    // Parsed within the product's deadline; past it there is nothing to
    // analyse (the server and `check` report the file as unparsable).
    let document = Document::new(language, 1, text);
    let project = ProjectConfig::default();
    let Some(tree) = document.tree() else {
        return;
    };
    let from_rope = analyze(tree, document.rope(), resolver(), &project, None, TODAY);
    let from_str = analyze(tree, text, resolver(), &project, None, TODAY);
    assert_eq!(
        summary(&from_rope),
        summary(&from_str),
        "rope and string disagree"
    );

    let rope = document.rope();
    let index = LineIndex::new(rope);
    for encoding in [
        PositionEncoding::Utf8,
        PositionEncoding::Utf16,
        PositionEncoding::Utf32,
    ] {
        let ranges = from_rope
            .findings
            .iter()
            .map(|f| f.range.clone())
            .chain(from_rope.uses.iter().map(|u| u.call_range.clone()));
        for range in ranges {
            assert!(
                range.start <= range.end && range.end <= text.len(),
                "{range:?}"
            );
            for byte in [range.start, range.end] {
                let position = index.position(byte, encoding);
                // Every range boundary is a character boundary outside a CRLF,
                // so the position converts back to the same byte.
                if text.is_char_boundary(byte) && !text[..byte].ends_with('\r') {
                    assert_eq!(index.offset(position, encoding), byte, "{encoding:?}");
                }
            }
        }
    }
    // Completion looks at the text around the cursor: try a few cursors.
    let step = (text.len() / 7).max(1);
    let clients = abstrakt_lsp::extract::clients(tree, rope, &project.extract_options());
    for offset in (0..=text.len()).step_by(step) {
        if text.is_char_boundary(offset)
            && let Some(site) = id_site(rope, offset, &clients)
        {
            assert!(site.range.start <= offset && offset <= site.range.end);
            assert!(site.range.end <= text.len());
        }
    }
}

/// What must not depend on how the text is stored.
fn summary(analysis: &Analysis) -> Vec<String> {
    analysis
        .findings
        .iter()
        .map(|f| format!("{:?} {:?} {}", f.code, f.range, f.message))
        .chain(
            analysis
                .uses
                .iter()
                .map(|u| format!("{:?}", (&u.call_range, &u.targets))),
        )
        .collect()
}

/// Runs [`engine`] on another thread and fails if it panics or misses the deadline.
fn within_deadline(language: Language, text: String) -> Result<(), TestCaseError> {
    let (done, finished) = mpsc::channel();
    // The whole input (escaped), so a failure can be reproduced from the log.
    let shown: String = text.chars().take(20_000).collect();
    std::thread::Builder::new()
        .name("fuzz-case".into())
        .spawn(move || {
            let outcome = std::panic::catch_unwind(|| engine(language, &text));
            let _ = done.send(outcome.is_ok());
        })
        .map_err(|e| TestCaseError::fail(format!("cannot spawn: {e}")))?;
    match finished.recv_timeout(DEADLINE) {
        Ok(true) => Ok(()),
        Ok(false) => Err(TestCaseError::fail(format!(
            "panicked on {language:?}: {shown:?}"
        ))),
        Err(_) => Err(TestCaseError::fail(format!(
            "no answer within {DEADLINE:?} on {language:?}: {shown:?}"
        ))),
    }
}

fn language() -> impl Strategy<Value = Language> {
    prop::sample::select(LANGUAGES.as_slice())
}

/// Arbitrary bytes, read as editors and `check` read them (invalid UTF-8 replaced).
fn random_bytes() -> impl Strategy<Value = String> {
    prop::collection::vec(any::<u8>(), 0..1500)
        .prop_map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
}

fn token_soup() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(TOKENS), 0..120).prop_map(|tokens| tokens.concat())
}

/// A call buried under thousands of levels of one kind of nesting, opened and
/// maybe (not) closed.
fn deep_nesting() -> impl Strategy<Value = String> {
    let pairs: &[(&str, &str)] = &[
        ("(", ")"),
        ("[", "]"),
        ("{a:", "}"),
        ("{", "}"),
        ("f(", ")"),
        ("`${", "}`"),
        ("() => (", ")"),
        ("function g(){", "}"),
        ("c ? ", " : 'x'"),
        ("<a>", "</a>"),
        ("x.", ""),
    ];
    (
        prop::sample::select(pairs),
        1usize..20_000,
        any::<bool>(),
        prop::sample::select(TOKENS),
    )
        .prop_map(|((open, close), depth, closed, inner)| {
            let mut text = open.repeat(depth);
            text.push_str("abstrakt.run('flux-dev')");
            text.push_str(inner);
            if closed {
                text.push_str(&close.repeat(depth));
            }
            text
        })
}

fn run(cases: u32, strategy: impl Strategy<Value = (Language, String)>) {
    let config = Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    };
    // A new seed each run: CI keeps searching (`FUZZ_SEED_FIXED=1` repeats
    // one fixed sequence, for bisecting).
    let mut runner = if std::env::var_os("FUZZ_SEED_FIXED").is_some() {
        TestRunner::new_with_rng(
            config,
            proptest::test_runner::TestRng::deterministic_rng(config_rng()),
        )
    } else {
        TestRunner::new(config)
    };
    let result = runner.run(&strategy, |(language, text)| {
        within_deadline(language, text)
    });
    if let Err(error) = result {
        panic!("{error}");
    }
}

fn config_rng() -> proptest::test_runner::RngAlgorithm {
    proptest::test_runner::RngAlgorithm::ChaCha
}

/// Cases per strategy for the long run: 475,000 random-byte and token-soup
/// cases each and a twentieth of that of deep nesting, about a million in all.
fn long_cases() -> u32 {
    std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(475_000)
}

#[test]
fn past_hangs_finish() {
    for (language, text) in PAST_HANGS {
        if let Err(error) = within_deadline(*language, text.to_string()) {
            panic!("{error}");
        }
    }
}

#[test]
fn random_bytes_never_crash_or_hang() {
    run(300, (language(), random_bytes()));
}

#[test]
fn token_soup_never_crashes_or_hangs() {
    run(600, (language(), token_soup()));
}

#[test]
fn deep_nesting_never_overflows_or_hangs() {
    run(20, (language(), deep_nesting()));
}

#[test]
#[ignore = "long run: cargo test --release --test fuzz_engine -- --ignored"]
fn long_run() {
    let cases = long_cases();
    run(cases, (language(), random_bytes()));
    run(cases, (language(), token_soup()));
    run(cases / 20, (language(), deep_nesting()));
}
