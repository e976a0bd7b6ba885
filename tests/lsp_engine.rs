//! The live engine over stdio: analysis off the request path, coalescing,
//! panic survival and the fresh-parse safety net.

mod common;

use common::{Server, summarize};
use serde_json::{Value, json};

const FLUX: &str = "abstrakt.run('flux-dev', {});\n";

/// A file of `lines` lines of plain code with one model call at the end.
fn big_file(lines: usize) -> String {
    let mut text = String::with_capacity(lines * 40);
    for i in 0..lines {
        text.push_str(&format!("const value{i} = compute({i}, 'x{i}');\n"));
    }
    text.push_str(FLUX);
    text
}

fn change(uri: &str, version: i64, line: u32, character: u32, text: &str) -> Value {
    json!({
        "textDocument": { "uri": uri, "version": version },
        "contentChanges": [{
            "range": { "start": { "line": line, "character": character },
                       "end": { "line": line, "character": character } },
            "text": text,
        }],
    })
}

fn published(message: &Value, uri: &str) -> bool {
    message["method"] == "textDocument/publishDiagnostics" && message["params"]["uri"] == uri
}

#[test]
fn a_burst_of_edits_publishes_the_last_version_correctly() {
    let mut server = Server::start();
    let uri = "file:///burst.ts";
    let lines = 3_000;
    server.open(uri, "typescript", &big_file(lines));
    // 60 edits as fast as the pipe takes them, each typing one character of
    // a second call on a new last line.
    let typed = "abstrakt.run('musicgen', {}); // the tail of the burst;";
    let last_line = u32::try_from(lines + 1).expect("small");
    for (i, c) in typed.chars().take(60).enumerate() {
        let version = i64::try_from(i).expect("small") + 2;
        let column = u32::try_from(i).expect("small");
        server.notify(
            "textDocument/didChange",
            change(uri, version, last_line, column, &c.to_string()),
        );
    }
    let last = i64::try_from(typed.chars().count().min(60)).expect("small") + 1;
    let final_diagnostics = server.diagnostics_at(uri, last);
    assert_eq!(
        summarize(&final_diagnostics),
        vec![
            (3000, 13, 3000, 23, "attribution-required".to_string(), 2),
            (3001, 13, 3001, 23, "non-commercial".to_string(), 1),
        ]
    );
    // Versions only ever go up, and most intermediate versions were never
    // analysed on their own.
    let versions: Vec<i64> = server
        .backlog
        .iter()
        .filter(|m| published(m, uri))
        .filter_map(|m| m["params"]["version"].as_i64())
        .collect();
    assert!(versions.windows(2).all(|w| w[0] < w[1]), "{versions:?}");
    assert!(versions.iter().all(|v| *v < last), "{versions:?}");
    assert!(
        versions.len() < 30,
        "the burst was not coalesced: {} publishes for 60 edits ({versions:?})",
        versions.len()
    );
}

#[test]
fn hover_is_answered_while_a_long_analysis_runs() {
    let mut server = Server::start();
    let small = "file:///small.ts";
    server.open(small, "typescript", FLUX);
    server.diagnostics(small);
    let big = "file:///big.ts";
    server.open(big, "typescript", &big_file(40_000));
    let hover = server.hover(small, 0, 16);
    assert!(
        hover["contents"]["value"]
            .as_str()
            .is_some_and(|card| card.contains("FLUX.1")),
        "{hover}"
    );
    assert!(
        !server.backlog.iter().any(|m| published(m, big)),
        "the hover waited for the big file's analysis"
    );
    let diagnostics = server.diagnostics(big);
    assert_eq!(
        summarize(&diagnostics),
        vec![(
            40_000,
            13,
            40_000,
            23,
            "attribution-required".to_string(),
            2
        )]
    );
}

#[test]
fn a_panic_is_reported_and_the_document_and_server_survive() {
    let mut server = Server::spawn_with(&[], &[("ABSTRAKT_LSP_DEBUG_PANIC", "PANIC-HERE")]);
    server.initialize(json!({}), json!({}));
    let uri = "file:///fragile.ts";
    server.open(uri, "typescript", &format!("// PANIC-HERE\n{FLUX}"));
    let logged = server.wait_for(|m| {
        m["method"] == "window/logMessage"
            && m["params"]["type"] == 1
            && m["params"]["message"]
                .as_str()
                .is_some_and(|t| t.contains("fragile.ts failed"))
    });
    assert!(
        logged["params"]["message"]
            .as_str()
            .is_some_and(|t| t.contains("injected panic in analysis")),
        "{logged}"
    );
    let answer = server.request_full(
        "textDocument/hover",
        json!({ "textDocument": { "uri": uri }, "position": { "line": 1, "character": 16 } }),
    );
    assert_eq!(answer["error"]["code"], -32603, "{answer}");
    assert_eq!(
        answer["error"]["message"],
        "abstrakt: internal error in hover: ABSTRAKT_LSP_DEBUG_PANIC: injected panic in hover"
    );
    // Removing the marker: the same document is analysed again.
    server.notify(
        "textDocument/didChange",
        json!({
            "textDocument": { "uri": uri, "version": 2 },
            "contentChanges": [{
                "range": { "start": { "line": 0, "character": 3 }, "end": { "line": 0, "character": 13 } },
                "text": "fine",
            }],
        }),
    );
    let diagnostics = server.diagnostics_at(uri, 2);
    assert_eq!(
        summarize(&diagnostics),
        vec![(1, 13, 1, 23, "attribution-required".to_string(), 2)]
    );
    let hover = server.hover(uri, 1, 16);
    assert!(hover["contents"]["value"].is_string(), "{hover}");
    assert!(server.shutdown_and_exit().success());
}

/// The shared inputs where tree-sitter's reused tree differed from a fresh
/// parse: after the document goes quiet, the published findings are those of
/// a fresh parse of the same text.
#[test]
fn the_safety_net_publishes_the_findings_of_a_fresh_parse() {
    for name in ["mismatch1", "mismatch2"] {
        let path = format!(
            "{}/tests/fixtures/incremental-mismatches/{name}.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let case: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).expect("fixture")).expect("json");
        let mut server = Server::spawn_logged(&[], &[("RUST_LOG", "info")]);
        server.initialize(json!({}), json!({}));
        let fresh_uri = "file:///fresh.ts";
        server.open(
            fresh_uri,
            "typescript",
            case["final"].as_str().expect("final"),
        );
        let expected = summarize(&server.diagnostics(fresh_uri));
        let uri = "file:///edited.ts";
        server.open(uri, "typescript", case["base"].as_str().expect("base"));
        server.diagnostics_at(uri, 1);
        let batches = case["batches"].as_array().expect("batches");
        // One batch at a time, each parsed on its own (as in the search that
        // found these inputs); sent all at once they would be coalesced
        // into one parse that happens not to go wrong.
        for (i, batch) in batches.iter().enumerate() {
            server.notify(
                "textDocument/didChange",
                json!({
                    "textDocument": { "uri": uri, "version": i + 2 },
                    "contentChanges": batch,
                }),
            );
            if i + 1 < batches.len() {
                server.diagnostics_at(uri, i64::try_from(i).expect("small") + 2);
            }
        }
        let last = json!(batches.len() + 1);
        let settled = server.wait_for(|m| {
            published(m, uri)
                && m["params"]["version"] == last
                && summarize(&m["params"]) == expected
        });
        assert_eq!(summarize(&settled["params"]), expected, "{name}");
        // These inputs do trip tree-sitter's reuse: the net replaced the tree.
        server.wait_for_log("incremental tree differed from a fresh parse; replaced");
    }
}

/// A saved markup file re-publishes only the documents whose attribution
/// answer it changes: a document without attribution findings is left alone.
#[test]
fn a_markup_save_republishes_only_documents_it_changes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let footer = root.join("Footer.tsx");
    let button = root.join("Button.tsx");
    std::fs::write(
        &footer,
        "export const F = () => <small>Image created with FLUX.1-dev</small>;\n",
    )
    .expect("write");
    std::fs::write(&button, "export const B = () => <button>ok</button>;\n").expect("write");
    let mut server = Server::spawn();
    server.request(
        "initialize",
        json!({ "processId": null, "rootUri": format!("file://{}", root.display()), "capabilities": {} }),
    );
    server.notify("initialized", json!({}));
    let app = format!("file://{}", root.join("app.ts").display());
    let plain = format!("file://{}", root.join("plain.ts").display());
    server.open(&app, "typescript", FLUX);
    let app_wait = app.clone();
    // Information: the attribution index is built (and its re-analysis of
    // every open document done) before `plain` opens, so nothing but the
    // markup save below can publish it again.
    server.wait_for(move |m| {
        published(m, &app_wait) && m["params"]["diagnostics"][0]["severity"] == 3
    });
    server.open(&plain, "typescript", "export const x = 1;\n");
    server.diagnostics(&plain);
    server.backlog.clear();
    std::fs::write(&footer, "export const F = () => null;\n").expect("write");
    std::fs::write(&button, "export const B = () => <button>OK</button>;\n").expect("write");
    server.notify(
        "workspace/didChangeWatchedFiles",
        json!({ "changes": [
            { "uri": format!("file://{}", button.display()), "type": 2 },
            { "uri": format!("file://{}", footer.display()), "type": 2 },
        ] }),
    );
    let app_wait = app.clone();
    let warned = server.wait_for(move |m| {
        published(m, &app_wait) && m["params"]["diagnostics"][0]["severity"] == 2
    });
    assert_eq!(
        summarize(&warned["params"]),
        vec![(0, 13, 0, 23, "attribution-required".to_string(), 2)]
    );
    assert!(
        !server.backlog.iter().any(|m| published(m, &plain)),
        "a document without attribution findings was re-published"
    );
}
