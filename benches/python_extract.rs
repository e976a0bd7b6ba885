//! One character typed inside a function body of a 5,000-line Python file
//! with 200 model calls: extraction of the edited version in full, and
//! incrementally from the previous version's cache (as the server does),
//! then the whole analysis both ways. The edit and reparse happen in the
//! setup, so each pair compares extraction (or analysis) alone.

use std::hint::black_box;

use abstrakt_lsp::analysis::{analyze, analyze_incremental};
use abstrakt_lsp::config::ProjectConfig;
use abstrakt_lsp::document::{Document, Position, PositionEncoding, TextChange, TextRange};
use abstrakt_lsp::extract::{ExtractOptions, extract, extract_incremental};
use abstrakt_lsp::registry::Resolver;
use abstrakt_lsp::syntax::Language;
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};

/// Exception expiry needs a day; the benchmark project has no exceptions.
const TODAY: jiff::civil::Date = jiff::civil::date(2026, 6, 1);

const HEADER: &str = r#"import os
import logging
from abstrakt import Abstrakt
import replicate

log = logging.getLogger(__name__)
client = Abstrakt(api_key=os.environ["ABSTRAKT_API_KEY"])
HERO = "flux-dev"
MODELS = {"hero": HERO, "thumb": "flux-schnell", "music": "musicgen"}


class Settings:
    DEFAULT = "sdxl"
    RETRIES = 3

"#;

/// A function of 25 lines with one client call; every fourth one reads the
/// model from a module constant, a dict or a class attribute.
fn block(i: usize) -> String {
    let model = match i % 4 {
        0 => "HERO".to_string(),
        1 => "MODELS[\"thumb\"]".to_string(),
        2 => "Settings.DEFAULT".to_string(),
        _ => format!("\"model-{i}\""),
    };
    format!(
        r#"def render_{i}(prompt, opts=None):
    """Renders one image for prompt {i}."""
    opts = opts or {{}}
    started = time_now()
    width = opts.get("width", 1024)
    height = opts.get("height", 768)
    if width * height > 4_000_000:
        log.warning("large image %s", {i})
    steps = [s for s in range(opts.get("steps", 4)) if s % 2 == 0]
    payload = {{
        "prompt": prompt,
        "width": width,
        "height": height,
        "steps": len(steps),
    }}
    for attempt in range(Settings.RETRIES):
        try:
            result = client.run({model}, payload)
            break
        except TimeoutError:
            log.info("retry %d", attempt)
    else:
        raise RuntimeError("gave up")
    elapsed = time_now() - started
    log.debug("rendered in %s", elapsed)
    return result


"#
    )
}

/// [`HEADER`] and 200 functions: about 5,000 lines, 200 client calls.
fn python_file() -> String {
    let mut text = HEADER.to_string();
    for i in 0..200 {
        text.push_str(&block(i));
    }
    text
}

fn bench(c: &mut Criterion) {
    let text = python_file();
    let lines = text.lines().count();
    let options = ExtractOptions::default();
    let resolver = Resolver::builtin();
    let project = ProjectConfig::default();
    let document = Document::new(Language::Python, 1, &text);
    // Inside the body of the middle function: `width` becomes `widthx`.
    let line = text
        .lines()
        .position(|l| l.starts_with("def render_100("))
        .expect("middle function")
        + 4;
    let keystroke = TextChange {
        range: Some(TextRange {
            start: Position::new(line as u32, 9),
            end: Position::new(line as u32, 9),
        }),
        text: "x".to_string(),
    };
    let edited = || {
        let mut doc = document.clone();
        doc.apply_changes(2, std::slice::from_ref(&keystroke), PositionEncoding::Utf16);
        doc
    };
    let (_, cache) = extract_incremental(
        document.tree().expect("parsed"),
        document.rope(),
        &options,
        None,
    );
    {
        let doc = edited();
        let tree = doc.tree().expect("parsed");
        let (uses, next) = extract_incremental(tree, doc.rope(), &options, Some(&cache));
        assert_eq!(uses, extract(tree, doc.rope(), &options));
        assert_eq!(uses.len(), 200, "one model use per function");
        eprintln!(
            "{lines} lines; {} of {} top-level statements reused",
            next.reused_statements(),
            next.statements()
        );
    }

    let mut group = c.benchmark_group(format!("python {lines}-line file, keystroke in a body"));
    group.bench_function("extract: full", |b| {
        b.iter_batched(
            edited,
            |doc| black_box(extract(doc.tree().expect("parsed"), doc.rope(), &options)),
            BatchSize::LargeInput,
        )
    });
    group.bench_function("extract: incremental", |b| {
        b.iter_batched(
            edited,
            |doc| {
                black_box(extract_incremental(
                    doc.tree().expect("parsed"),
                    doc.rope(),
                    &options,
                    Some(&cache),
                ))
            },
            BatchSize::LargeInput,
        )
    });
    let (_, analysis_cache) = analyze_incremental(
        document.tree().expect("parsed"),
        document.rope(),
        &resolver,
        &project,
        None,
        None,
        TODAY,
    );
    group.bench_function("analyze: full", |b| {
        b.iter_batched(
            edited,
            |doc| {
                black_box(analyze(
                    doc.tree().expect("parsed"),
                    doc.rope(),
                    &resolver,
                    &project,
                    None,
                    TODAY,
                ))
            },
            BatchSize::LargeInput,
        )
    });
    group.bench_function("analyze: incremental", |b| {
        b.iter_batched(
            edited,
            |doc| {
                black_box(analyze_incremental(
                    doc.tree().expect("parsed"),
                    doc.rope(),
                    &resolver,
                    &project,
                    None,
                    Some(&analysis_cache),
                    TODAY,
                ))
            },
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
