//! The observed-ids corpus (`data/observed-ids.txt`): model ids that public code calls
//! through providers, each with the registry entry it must resolve to. Every listed
//! mapping must hold (an `unknown` row must stay unknown until its row is updated), and at
//! least 95% of the ids must resolve, so the registry keeps up with what code really calls.

use std::collections::HashSet;

use abstrakt_lsp::extract::Route;
use abstrakt_lsp::registry::{Lookup, Resolver};

/// One corpus row: provider, id, expected canonical id (`None` = expected-unknown),
/// number of files it was seen in, and where.
struct Row {
    line: usize,
    provider: String,
    id: String,
    expect: Option<String>,
    files: usize,
    seen: Vec<String>,
}

fn corpus() -> Vec<Row> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/observed-ids.txt");
    let text = std::fs::read_to_string(&path).expect("data/observed-ids.txt is readable");
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|(n, l)| {
            let cols: Vec<&str> = l.split('\t').collect();
            assert_eq!(
                cols.len(),
                5,
                "line {}: five tab-separated columns: {l:?}",
                n + 1
            );
            Row {
                line: n + 1,
                provider: cols[0].to_string(),
                id: cols[1].to_string(),
                expect: (cols[2] != "unknown").then(|| cols[2].to_string()),
                files: cols[3]
                    .parse()
                    .unwrap_or_else(|_| panic!("line {}: files is a number", n + 1)),
                seen: cols[4].split(", ").map(str::to_string).collect(),
            }
        })
        .collect()
}

/// What the engine resolves the id to on its route (a Replicate id is tried as
/// `replicate:owner/model` first, as `check` does), or `None` for unknown.
fn resolve(resolver: &Resolver, row: &Row) -> Option<String> {
    let route = match row.provider.as_str() {
        "fal" => Route::Fal,
        "replicate" => Route::Replicate,
        other => panic!("line {}: unknown provider {other}", row.line),
    };
    route
        .resolution_ids(&row.id)
        .iter()
        .find_map(|id| resolver.resolve(id))
        .map(|r| r.model.id.clone())
}

#[test]
fn the_corpus_is_large_well_formed_and_says_where_each_id_was_seen() {
    let rows = corpus();
    assert!(rows.len() >= 200, "only {} ids", rows.len());
    let mut ids = HashSet::new();
    for row in &rows {
        assert!(
            ids.insert(row.id.as_str()),
            "line {}: {} listed twice",
            row.line,
            row.id
        );
        assert!(
            ["fal", "replicate"].contains(&row.provider.as_str()),
            "line {}: provider {}",
            row.line,
            row.provider
        );
        assert!(
            row.files >= row.seen.len().min(3) && row.files >= 1,
            "line {}",
            row.line
        );
        for place in &row.seen {
            // owner/repo:path, never code.
            let (repo, path) = place
                .split_once(':')
                .unwrap_or_else(|| panic!("line {}: {place:?} is not repo:path", row.line));
            assert_eq!(repo.matches('/').count(), 1, "line {}: {repo}", row.line);
            assert!(
                !path.is_empty() && !path.contains(char::is_whitespace),
                "line {}: {path:?}",
                row.line
            );
        }
    }
}

#[test]
fn every_listed_mapping_holds() {
    let resolver = Resolver::builtin();
    let wrong: Vec<String> = corpus()
        .iter()
        .filter_map(|row| {
            let got = resolve(&resolver, row);
            (got != row.expect).then(|| {
                format!(
                    "line {}: {} resolves to {:?}, listed as {:?}",
                    row.line, row.id, got, row.expect
                )
            })
        })
        .collect();
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn at_least_95_percent_of_the_ids_code_calls_resolve() {
    let resolver = Resolver::builtin();
    let rows = corpus();
    let known = rows
        .iter()
        .filter(|row| resolve(&resolver, row).is_some())
        .count();
    // known / total >= 95%, in integers.
    assert!(
        known * 100 >= rows.len() * 95,
        "{known} of {} ids resolve",
        rows.len()
    );
}
