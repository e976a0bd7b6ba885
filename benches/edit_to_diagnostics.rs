//! One character typed in a 10,000-line file: incremental edit + reparse +
//! analysis (full, and incremental reusing the previous version's extraction
//! cache, as the server does), next to a full parse (and a full open) of the
//! same file.

use std::hint::black_box;

use abstrakt_lsp::analysis::{analyze, analyze_incremental};
use abstrakt_lsp::config::ProjectConfig;
use abstrakt_lsp::document::{Document, Position, PositionEncoding, TextChange, TextRange};
use abstrakt_lsp::registry::Resolver;
use abstrakt_lsp::syntax::{Language, parse};
mod common;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};

/// A realistic TypeScript module repeated to 10,000 lines, with a model call
/// in every block.
/// Exception expiry needs a day; the benchmark project has no exceptions.
const TODAY: jiff::civil::Date = jiff::civil::date(2026, 6, 1);

fn ten_thousand_lines() -> String {
    common::repeated(10_000)
}

fn bench(c: &mut Criterion) {
    let text = ten_thousand_lines();
    let lines = text.lines().count();
    let resolver = Resolver::builtin();
    let project = ProjectConfig::default();
    let document = Document::new(Language::TypeScript, 1, &text);
    let middle = (lines / 2) as u32;
    let keystroke = TextChange {
        range: Some(TextRange {
            start: Position::new(middle, 0),
            end: Position::new(middle, 0),
        }),
        text: "x".to_string(),
    };

    let mut group = c.benchmark_group(format!("{lines}-line file"));
    group.bench_function("full parse", |b| {
        b.iter(|| black_box(parse(Language::TypeScript, black_box(&text))))
    });
    group.bench_function("open: parse + analyze", |b| {
        b.iter(|| {
            let doc = Document::new(Language::TypeScript, 1, black_box(&text));
            black_box(analyze(
                doc.tree().expect("parsed"),
                doc.rope(),
                &resolver,
                &project,
                None,
                TODAY,
            ))
        })
    });
    group.bench_function("keystroke: edit + reparse", |b| {
        b.iter_batched(
            || document.clone(),
            |mut doc| {
                doc.apply_changes(2, std::slice::from_ref(&keystroke), PositionEncoding::Utf16);
                black_box(doc)
            },
            BatchSize::LargeInput,
        )
    });
    group.bench_function("analyze", |b| {
        b.iter(|| {
            black_box(analyze(
                document.tree().expect("parsed"),
                document.rope(),
                &resolver,
                &project,
                None,
                TODAY,
            ))
        })
    });
    group.bench_function("keystroke: edit + reparse + analyze", |b| {
        b.iter_batched(
            || document.clone(),
            |mut doc| {
                doc.apply_changes(2, std::slice::from_ref(&keystroke), PositionEncoding::Utf16);
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
    let (_, cache) = analyze_incremental(
        document.tree().expect("parsed"),
        document.rope(),
        &resolver,
        &project,
        None,
        None,
        TODAY,
    );
    // The same keystroke (it lands on an `import`), and one typed inside a
    // function body (the common case: no top-level declaration changes).
    let in_body = TextChange {
        range: Some(TextRange {
            start: Position::new(middle + 5, 2),
            end: Position::new(middle + 5, 2),
        }),
        text: "x".to_string(),
    };
    for (name, change) in [
        (
            "keystroke: edit + reparse + incremental analyze",
            &keystroke,
        ),
        (
            "keystroke in a body: edit + reparse + incremental analyze",
            &in_body,
        ),
    ] {
        group.bench_function(name, |b| {
            b.iter_batched(
                || document.clone(),
                |mut doc| {
                    doc.apply_changes(2, std::slice::from_ref(change), PositionEncoding::Utf16);
                    black_box(analyze_incremental(
                        doc.tree().expect("parsed"),
                        doc.rope(),
                        &resolver,
                        &project,
                        None,
                        Some(&cache),
                        TODAY,
                    ))
                },
                BatchSize::LargeInput,
            )
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
