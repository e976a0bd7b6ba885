//! Document sync over stdio: incremental edits, versions, encodings, closing.

mod common;

use common::{Server, summarize};
use serde_json::{Value, json};

fn change(server: &mut Server, uri: &str, version: i64, changes: Value) {
    server.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": uri, "version": version }, "contentChanges": changes }),
    );
}

fn edit(start: (u32, u32), end: (u32, u32), text: &str) -> Value {
    json!({ "range": { "start": { "line": start.0, "character": start.1 }, "end": { "line": end.0, "character": end.1 } }, "text": text })
}

#[test]
fn typing_a_call_character_by_character() {
    let mut server = Server::start();
    let uri = "file:///p/typing.js";
    server.open(uri, "javascript", "// generated\n");
    assert_eq!(summarize(&server.diagnostics(uri)), []);
    let typed = "abstrakt.run('flux-dev')";
    for (i, ch) in typed.chars().enumerate() {
        change(
            &mut server,
            uri,
            i as i64 + 2,
            json!([edit((1, i as u32), (1, i as u32), &ch.to_string())]),
        );
    }
    let last = server.diagnostics_at(uri, typed.len() as i64 + 1);
    assert_eq!(
        summarize(&last),
        [(1, 13, 1, 23, "attribution-required".to_string(), 2)]
    );
}

#[test]
fn a_burst_of_edits_converges_to_the_final_text_and_version() {
    let mut server = Server::start();
    let uri = "file:///p/burst.ts";
    server.open(uri, "typescript", "abstrakt.run('flux-schnell');\n");
    assert_eq!(summarize(&server.diagnostics(uri)), []);
    // 120 edits: grow a comment on line 1, then swap the model id at the end.
    for i in 0..120u32 {
        change(
            &mut server,
            uri,
            i as i64 + 2,
            json!([edit((1, i), (1, i), if i == 0 { "/" } else { "x" })]),
        );
    }
    change(
        &mut server,
        uri,
        122,
        json!([edit((0, 14), (0, 26), "musicgen")]),
    );
    let last = server.diagnostics_at(uri, 122);
    assert_eq!(
        summarize(&last),
        [(0, 13, 0, 23, "non-commercial".to_string(), 1)]
    );
}

#[test]
fn several_changes_in_one_notification_apply_in_order() {
    let mut server = Server::start();
    let uri = "file:///p/multi.js";
    server.open(uri, "javascript", "abstrakt.run('a');\n");
    server.diagnostics(uri);
    // First insert a line above, then edit the id on what is now line 1.
    change(
        &mut server,
        uri,
        2,
        json!([
            edit((0, 0), (0, 0), "const x = 1;\n"),
            edit((1, 14), (1, 15), "flux-dev")
        ]),
    );
    assert_eq!(
        summarize(&server.diagnostics_at(uri, 2)),
        [(1, 13, 1, 23, "attribution-required".to_string(), 2)]
    );
}

#[test]
fn a_change_with_a_lower_version_is_applied_in_order() {
    // Notifications arrive in order over stdio, so a lower version means the
    // client's numbering went back, not a late message: its edit is relative
    // to the editor's current text and must be applied, or the server's text
    // (and every later diagnostic) stays out of step with the editor's.
    let mut server = Server::start();
    let uri = "file:///p/stale.js";
    server.open(uri, "javascript", "abstrakt.run('flux-dev');\n");
    server.diagnostics(uri);
    change(
        &mut server,
        uri,
        5,
        json!([edit((0, 14), (0, 22), "musicgen")]),
    );
    server.diagnostics_at(uri, 5);
    change(&mut server, uri, 3, json!([edit((0, 0), (0, 25), "")]));
    change(
        &mut server,
        uri,
        6,
        json!([edit((1, 0), (1, 0), "abstrakt.run('musicgen');")]),
    );
    let published = server.diagnostics_at(uri, 6);
    assert_eq!(
        summarize(&published),
        [(1, 13, 1, 23, "non-commercial".to_string(), 1)]
    );
}

#[test]
fn full_text_replacement_is_supported() {
    let mut server = Server::start();
    let uri = "file:///p/full.js";
    server.open(uri, "javascript", "abstrakt.run('flux-dev');\n");
    server.diagnostics(uri);
    change(
        &mut server,
        uri,
        2,
        json!([{ "text": "\n\nabstrakt.run('musicgen');" }]),
    );
    assert_eq!(
        summarize(&server.diagnostics_at(uri, 2)),
        [(2, 13, 2, 23, "non-commercial".to_string(), 1)]
    );
}

#[test]
fn closing_clears_diagnostics() {
    let mut server = Server::start();
    let uri = "file:///p/close.js";
    server.open(uri, "javascript", "abstrakt.run('flux-dev');\n");
    assert_eq!(summarize(&server.diagnostics(uri)).len(), 1);
    server.notify(
        "textDocument/didClose",
        json!({ "textDocument": { "uri": uri } }),
    );
    assert_eq!(server.diagnostics(uri)["diagnostics"], json!([]));
    // The document is gone: hover answers nothing, and the server keeps serving.
    assert_eq!(server.hover(uri, 0, 15), Value::Null);
}

const ASTRAL: &str = "const s = '😀'; await abstrakt.run('flux-dev');\n";

#[test]
fn utf16_client_gets_utf16_columns_after_astral_characters() {
    let mut server = Server::spawn();
    let result = server.initialize(
        json!({ "general": { "positionEncodings": ["utf-16"] } }),
        json!({}),
    );
    assert_eq!(result["capabilities"]["positionEncoding"], "utf-16");
    let uri = "file:///p/astral16.js";
    server.open(uri, "javascript", ASTRAL);
    // '😀' is 2 UTF-16 units: the id starts at column 35 (34 chars + 1).
    assert_eq!(
        summarize(&server.diagnostics(uri)),
        [(0, 35, 0, 45, "attribution-required".to_string(), 2)]
    );
    assert!(
        server.hover(uri, 0, 35)["contents"]["value"]
            .as_str()
            .unwrap_or("")
            .contains("FLUX.1-dev")
    );
    // An edit after the emoji, addressed in UTF-16.
    change(
        &mut server,
        uri,
        2,
        json!([edit((0, 36), (0, 44), "musicgen")]),
    );
    assert_eq!(
        summarize(&server.diagnostics_at(uri, 2)),
        [(0, 35, 0, 45, "non-commercial".to_string(), 1)]
    );
}

#[test]
fn utf8_client_gets_byte_columns_after_astral_characters() {
    let mut server = Server::spawn();
    let result = server.initialize(
        json!({ "general": { "positionEncodings": ["utf-8", "utf-16"] } }),
        json!({}),
    );
    assert_eq!(result["capabilities"]["positionEncoding"], "utf-8");
    let uri = "file:///p/astral8.js";
    server.open(uri, "javascript", ASTRAL);
    // '😀' is 4 bytes: the id starts at byte column 37 (34 + 3).
    assert_eq!(
        summarize(&server.diagnostics(uri)),
        [(0, 37, 0, 47, "attribution-required".to_string(), 2)]
    );
    change(
        &mut server,
        uri,
        2,
        json!([edit((0, 38), (0, 46), "musicgen")]),
    );
    assert_eq!(
        summarize(&server.diagnostics_at(uri, 2)),
        [(0, 37, 0, 47, "non-commercial".to_string(), 1)]
    );
}

#[test]
fn crlf_documents_and_positions_past_line_ends() {
    let mut server = Server::start();
    let uri = "file:///p/crlf.js";
    server.open(
        uri,
        "javascript",
        "// one\r\n// two\r\nabstrakt.run('flux-dev');\r\n",
    );
    assert_eq!(
        summarize(&server.diagnostics(uri)),
        [(2, 13, 2, 23, "attribution-required".to_string(), 2)]
    );
    // Appending at a character far past the end of line 0 lands before its "\r\n".
    change(
        &mut server,
        uri,
        2,
        json!([edit((0, 500), (0, 500), " and more")]),
    );
    server.diagnostics_at(uri, 2);
    change(
        &mut server,
        uri,
        3,
        json!([edit((2, 14), (2, 22), "musicgen")]),
    );
    assert_eq!(
        summarize(&server.diagnostics_at(uri, 3)),
        [(2, 13, 2, 23, "non-commercial".to_string(), 1)]
    );
    let hover = server.hover(uri, 0, 400);
    assert_eq!(hover, Value::Null);
}

#[test]
fn language_falls_back_to_the_file_extension() {
    let mut server = Server::start();
    let uri = "file:///p/unusual.tsx";
    server.open(
        uri,
        "plaintext",
        "const C = () => <div>{abstrakt.run<string>('flux-dev') && null}</div>;\n",
    );
    assert_eq!(summarize(&server.diagnostics(uri)).len(), 1);
}

#[test]
fn intended_use_from_initialization_options() {
    let mut server = Server::spawn();
    server.initialize(json!({}), json!({ "intendedUse": "personal" }));
    let uri = "file:///p/personal.js";
    server.open(uri, "javascript", "abstrakt.run('musicgen');\n");
    assert_eq!(
        summarize(&server.diagnostics(uri)),
        [(0, 13, 0, 23, "non-commercial".to_string(), 3)]
    );
    // Switching to commercial at run time re-publishes it as an error.
    server.notify(
        "workspace/didChangeConfiguration",
        json!({ "settings": { "abstrakt": { "intendedUse": "commercial" } } }),
    );
    assert_eq!(
        summarize(&server.diagnostics(uri)),
        [(0, 13, 0, 23, "non-commercial".to_string(), 1)]
    );
}

#[test]
fn plain_text_hover_for_clients_without_markdown() {
    let mut server = Server::spawn();
    server.initialize(
        json!({ "textDocument": { "hover": { "contentFormat": ["plaintext"] } } }),
        json!({}),
    );
    let uri = "file:///p/plain.js";
    server.open(uri, "javascript", "abstrakt.run('flux-dev');\n");
    server.diagnostics(uri);
    let hover = server.hover(uri, 0, 15);
    assert_eq!(hover["contents"]["kind"], "plaintext");
    let value = hover["contents"]["value"].as_str().unwrap_or("");
    assert!(value.starts_with("FLUX.1 [dev] flux-dev\n"), "{value}");
    assert!(!value.contains("**"));
}
