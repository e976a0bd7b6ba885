//! Model-id completion in a 10,000-line file, next to a full parse of the
//! same file (what every keystroke already costs without incremental parsing).

use std::hint::black_box;

use abstrakt_lsp::complete::{candidates, id_site};
use abstrakt_lsp::extract::{ExtractOptions, clients};
use abstrakt_lsp::hover::Format;
use abstrakt_lsp::licensing::Registry;
use abstrakt_lsp::rules::IntendedUse;
use abstrakt_lsp::syntax::{Language, parse};
mod common;

use criterion::{Criterion, criterion_group, criterion_main};
use ropey::Rope;

/// A TypeScript module repeated to 10,000 lines; the cursor is right after
/// `ai.run('fl` in the middle (the client is bound with `new Abstrakt`).
fn ten_thousand_lines() -> (String, usize) {
    let half = common::repeated(5_000);
    let typed = "const typed = await ai.run('fl";
    let text = format!("{half}{typed}\n{half}");
    (text, half.len() + typed.len())
}

/// Ages on the cards are relative to this instant.
const NOW: jiff::Timestamp = jiff::Timestamp::constant(1_780_000_000, 0);

fn bench(c: &mut Criterion) {
    let (text, cursor) = ten_thousand_lines();
    let rope = Rope::from_str(&text);
    let builtin = Registry::builtin();
    // The server answers completion with the clients its last analysis
    // found (no tree walk per request).
    let tree = parse(Language::TypeScript, &text);
    let clients = clients(&tree, &rope, &ExtractOptions::default());
    let site = id_site(&rope, cursor, &clients).expect("a model-id site");
    assert_eq!(site.prefix, "fl");
    let mut group = c.benchmark_group("completion_10k_lines");
    group.bench_function("site_and_ids", |b| {
        b.iter(|| {
            let site = id_site(black_box(&rope), cursor, &clients).expect("site");
            black_box(candidates(
                &site.prefix,
                None,
                builtin,
                IntendedUse::Commercial,
            ))
        })
    });
    group.bench_function("site_ids_and_cards", |b| {
        b.iter(|| {
            let site = id_site(black_box(&rope), cursor, &clients).expect("site");
            let found = candidates(&site.prefix, None, builtin, IntendedUse::Commercial);
            let cards: Vec<String> = found
                .iter()
                .map(|c| c.card(IntendedUse::Commercial, Format::Markdown, NOW))
                .collect();
            black_box(cards)
        })
    });
    group.bench_function("site_and_all_ids_with_cards", |b| {
        // Right after the quote: nothing typed, every id.
        b.iter(|| {
            let found = candidates("", None, builtin, IntendedUse::Commercial);
            let cards: Vec<String> = found
                .iter()
                .map(|c| c.card(IntendedUse::Commercial, Format::Markdown, NOW))
                .collect();
            black_box(cards)
        })
    });
    group.bench_function("full_parse", |b| {
        b.iter(|| black_box(parse(Language::TypeScript, black_box(&text))))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
