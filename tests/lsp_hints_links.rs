//! Inlay hints, document links and pull diagnostics over stdio, for UTF-16
//! and UTF-8 clients.

mod common;

use common::{Server, offset_of};
use serde_json::{Value, json};

/// `🎨` is 4 UTF-8 bytes and 2 UTF-16 units, `é` 2 and 1: positions differ by encoding.
const TEXT: &str = "const s = '🎨 é'; const a = abstrakt.run('flux-dev');\nconst b = abstrakt.run(\"musicgen\", {}); abstrakt.run(dynamic);\nabstrakt.run('nope/unknown');\n";

fn start(utf8: bool, options: Value) -> Server {
    let mut server = Server::spawn();
    let capabilities = if utf8 {
        json!({ "general": { "positionEncodings": ["utf-8"] } })
    } else {
        json!({})
    };
    let result = server.initialize(capabilities, options);
    assert_eq!(result["capabilities"]["inlayHintProvider"], true);
    assert!(result["capabilities"]["documentLinkProvider"].is_object());
    assert_eq!(
        result["capabilities"]["diagnosticProvider"]["identifier"],
        "abstrakt"
    );
    server
}

fn hints(server: &mut Server, uri: &str) -> Value {
    server.request(
        "textDocument/inlayHint",
        json!({ "textDocument": { "uri": uri }, "range": { "start": { "line": 0, "character": 0 }, "end": { "line": 3, "character": 0 } } }),
    )
}

/// `(text before the position, label)` of each hint.
fn placed(hints: &Value, utf16: bool) -> Vec<(String, String)> {
    hints
        .as_array()
        .into_iter()
        .flatten()
        .map(|h| {
            let at = offset_of(TEXT, &h["position"], utf16);
            let line_start = TEXT[..at].rfind('\n').map_or(0, |i| i + 1);
            (
                TEXT[line_start..at].to_string(),
                h["label"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

fn check_hints(utf8: bool) {
    let mut server = start(utf8, json!({}));
    let uri = "file:///p/hints.ts";
    server.open(uri, "typescript", TEXT);
    server.diagnostics(uri);
    let found = hints(&mut server, uri);
    assert_eq!(
        placed(&found, !utf8),
        [
            (
                "const s = '🎨 é'; const a = abstrakt.run('flux-dev'".to_string(),
                "FLUX.1-dev · attribution".to_string()
            ),
            (
                "const b = abstrakt.run(\"musicgen\"".to_string(),
                "CC-BY-NC-4.0 · non-commercial".to_string()
            ),
        ]
    );
    assert_eq!(found[0]["paddingLeft"], true);
}

#[test]
fn inlay_hints_follow_resolved_ids_utf16() {
    check_hints(false);
}

#[test]
fn inlay_hints_follow_resolved_ids_utf8() {
    check_hints(true);
}

#[test]
fn inlay_hints_can_be_turned_off() {
    let mut server = start(false, json!({ "inlayHints": { "enabled": false } }));
    let uri = "file:///p/off.ts";
    server.open(uri, "typescript", TEXT);
    server.diagnostics(uri);
    assert_eq!(hints(&mut server, uri), json!([]));
    server.notify(
        "workspace/didChangeConfiguration",
        json!({ "settings": { "abstrakt": { "inlayHints": { "enabled": true } } } }),
    );
    server.diagnostics(uri);
    assert_eq!(hints(&mut server, uri).as_array().map(Vec::len), Some(2));
}

fn check_links(utf8: bool) {
    let mut server = start(utf8, json!({}));
    let uri = "file:///p/links.ts";
    server.open(uri, "typescript", TEXT);
    server.diagnostics(uri);
    let links = server.request(
        "textDocument/documentLink",
        json!({ "textDocument": { "uri": uri } }),
    );
    let found: Vec<(String, String)> = links
        .as_array()
        .into_iter()
        .flatten()
        .map(|l| {
            let start = offset_of(TEXT, &l["range"]["start"], !utf8);
            let end = offset_of(TEXT, &l["range"]["end"], !utf8);
            (
                TEXT[start..end].to_string(),
                l["target"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert_eq!(found.len(), 2, "{links}");
    assert_eq!(found[0].0, "flux-dev");
    assert_eq!(
        found[0].1,
        "https://huggingface.co/black-forest-labs/FLUX.1-dev/blob/main/LICENSE.md"
    );
    assert_eq!(found[1].0, "musicgen");
    assert!(found[1].1.starts_with("https://"), "{found:?}");
}

#[test]
fn document_links_point_at_licenses_utf16() {
    check_links(false);
}

#[test]
fn document_links_point_at_licenses_utf8() {
    check_links(true);
}

#[test]
fn pull_diagnostics_match_the_pushed_ones() {
    let mut server = start(false, json!({}));
    let uri = "file:///p/pull.ts";
    server.open(uri, "typescript", TEXT);
    let pushed = server.diagnostics(uri);
    let pulled = server.request(
        "textDocument/diagnostic",
        json!({ "textDocument": { "uri": uri } }),
    );
    assert_eq!(pulled["kind"], "full");
    assert_eq!(pulled["items"], pushed["diagnostics"]);
    assert!(
        pulled["items"].as_array().is_some_and(|d| d.len() >= 3),
        "{pulled}"
    );
    let unknown = server.request(
        "textDocument/diagnostic",
        json!({ "textDocument": { "uri": "file:///p/never-opened.ts" } }),
    );
    assert_eq!(unknown["items"], json!([]));
}
