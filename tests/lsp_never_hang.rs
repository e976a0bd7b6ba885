//! Issue 18: no request freezes the server, a document whose parse runs away
//! is marked "not analysed" rather than clean, the next edit is analysed as
//! usual, and the transport survives malformed frames. Drives the real
//! binary over stdio.

mod common;

use common::{Server, summarize};
use serde_json::{Value, json};

/// The reduced input of the reliability run: completion at the end of the
/// second line once froze the whole server (the parse ran for minutes).
/// How long to wait for a parse to use up its 5 s of CPU time.
const RUNAWAY_WAIT: std::time::Duration = std::time::Duration::from_secs(180);

const SOUP: &str = "<`(/${(]?e a n(x\"\nabstrakt.run('";

fn change_all(server: &mut Server, uri: &str, version: i64, text: &str) {
    server.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": uri, "version": version }, "contentChanges": [{ "text": text }] }),
    );
}

#[test]
fn completion_on_a_runaway_parse_answers_and_the_server_keeps_serving() {
    let mut server = Server::start();
    let uri = "file:///tmp/never-hang/soup.tsx";
    server.open(uri, "typescriptreact", SOUP);
    let completion = server.request_full(
        "textDocument/completion",
        json!({ "textDocument": { "uri": uri }, "position": { "line": 1, "character": 14 } }),
    );
    assert_eq!(completion["result"], Value::Null, "{completion}");
    // A request on another document is answered while the parse runs.
    let other = "file:///tmp/never-hang/other.ts";
    server.open(other, "typescript", "abstrakt.run('musicgen');\n");
    server.diagnostics(other);
    let hover = server.hover(other, 0, 16);
    assert!(
        hover["contents"]["value"]
            .as_str()
            .is_some_and(|card| card.contains("MusicGen")),
        "{hover}"
    );
    // The runaway parse ends at its deadline: one warning says the findings
    // are unavailable, instead of a clean-looking file.
    // 5 s of the parser's CPU time; longer by the clock on a busy machine.
    let published = server.wait_for_within(RUNAWAY_WAIT, |m| {
        m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri
    })["params"]
        .clone();
    assert_eq!(
        summarize(&published),
        [(0, 0, 0, 0, "not-analysed".to_string(), 2)]
    );
    assert_eq!(
        published["diagnostics"][0]["message"],
        "Licensing not checked: parsing did not finish within 5.0 s of CPU time (the parser's error recovery on text it cannot read as code). Model calls in this file are not reported until it parses."
    );
    let notice = server.wait_for(|m| m["method"] == "window/showMessage");
    assert_eq!(
        notice["params"]["message"],
        "abstrakt-lsp could not analyse soup.tsx: parsing did not finish within 5.0 s of CPU time (the parser's error recovery on text it cannot read as code). Its licensing findings are unavailable until the text parses."
    );
    // The next text is analysed as usual: its error-level finding shows.
    change_all(&mut server, uri, 2, "abstrakt.run('musicgen');\n");
    let published = server.diagnostics_at(uri, 2);
    assert_eq!(
        summarize(&published),
        [(0, 13, 0, 23, "non-commercial".to_string(), 1)]
    );
    let pulled = server.request(
        "textDocument/diagnostic",
        json!({ "textDocument": { "uri": uri } }),
    );
    assert_eq!(
        summarize(&json!({ "diagnostics": pulled["items"] })),
        [(0, 13, 0, 23, "non-commercial".to_string(), 1)]
    );
    assert!(server.shutdown_and_exit().success());
}

#[test]
fn an_edit_during_a_runaway_parse_cancels_it() {
    let mut server = Server::spawn_logged(&[], &[("RUST_LOG", "abstrakt_lsp=debug")]);
    server.initialize(json!({}), json!({}));
    let uri = "file:///tmp/never-hang/typing.tsx";
    server.open(uri, "typescriptreact", SOUP);
    server.wait_for_log("analysis started uri=\"file:///tmp/never-hang/typing.tsx\" version=1");
    // Typed while version 1's parse runs: that parse is cancelled, and
    // version 2 is analysed without waiting for version 1's limit.
    change_all(&mut server, uri, 2, "abstrakt.run('musicgen');\n");
    server.wait_for_log(
        "parse cancelled by a newer version uri=\"file:///tmp/never-hang/typing.tsx\"",
    );
    let published = server.diagnostics(uri);
    assert_eq!(published["version"], 2);
    assert_eq!(
        summarize(&published),
        [(0, 13, 0, 23, "non-commercial".to_string(), 1)]
    );
}

#[test]
fn code_actions_answer_from_the_analysis_of_the_current_text() {
    let mut server = Server::start();
    let uri = "file:///tmp/never-hang/credit.tsx";
    let text = "export function Hero() {\n  const img = abstrakt.run('flux-dev');\n  return (\n    <div>\n      <img src={img} />\n    </div>\n  );\n}\n";
    server.open(uri, "typescriptreact", text);
    let published = server.diagnostics(uri);
    let actions = common::code_actions(&mut server, uri, &published["diagnostics"]);
    let titles: Vec<&str> = actions
        .iter()
        .filter_map(|action| action["title"].as_str())
        .collect();
    assert!(
        titles.contains(&"Add an attribution reminder above the call"),
        "{titles:?}"
    );
    // The JSX credit goes before the closing tag the component returns,
    // found from the analysis (no parse in the request).
    let markup = actions
        .iter()
        .find(|action| {
            action["title"]
                .as_str()
                .is_some_and(|title| title.ends_with("in the rendered component"))
        })
        .expect("a JSX credit fix");
    let edits = &markup["edit"]["changes"][uri];
    let edited = common::apply_edits(text, edits);
    assert!(
        edited.contains("      <img src={img} />\n      <small>"),
        "{edited}"
    );
}

#[test]
fn malformed_frames_do_not_put_the_server_out_of_step() {
    let mut server = Server::start();
    // A stray line, then a frame whose Content-Length is too long.
    server.send_raw(b"hello there\r\n");
    let body = r#"{"jsonrpc":"2.0","id":1000,"method":"shutdown"}"#;
    server.send_raw(format!("Content-Length: {}\r\n\r\n{body}", body.len() + 40).as_bytes());
    // Every later message is answered.
    for round in 0..3 {
        let uri = format!("file:///tmp/never-hang/step{round}.ts");
        server.open(&uri, "typescript", "abstrakt.run('musicgen');\n");
        server.diagnostics(&uri);
        let hover = server.hover(&uri, 0, 16);
        assert!(hover["contents"]["value"].is_string(), "{hover}");
    }
    let parse_errors = server.wait_for(|m| m["error"]["code"] == -32700);
    assert_eq!(parse_errors["id"], Value::Null);
}

#[test]
fn a_lone_surrogate_is_read_as_a_replacement_character() {
    let mut server = Server::start();
    let uri = "file:///tmp/never-hang/surrogate.ts";
    // As `JSON.stringify` writes a lone surrogate: the escape, not UTF-8.
    let body = format!(
        r#"{{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{{"textDocument":{{"uri":"{uri}","languageId":"typescript","version":1,"text":"// \ud800\nabstrakt.run('musicgen');\n"}}}}}}"#
    );
    server.send_raw(format!("Content-Length: {}\r\n\r\n{body}", body.len()).as_bytes());
    let published = server.diagnostics(uri);
    assert_eq!(
        summarize(&published),
        [(1, 13, 1, 23, "non-commercial".to_string(), 1)]
    );
    // The server's text has U+FFFD (one UTF-16 unit) where the editor has
    // the surrogate (one unit): an edit after it lands in the same place.
    server.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": uri, "version": 2 }, "contentChanges": [{
            "range": { "start": { "line": 0, "character": 4 }, "end": { "line": 0, "character": 4 } },
            "text": "x"
        }] }),
    );
    let published = server.diagnostics_at(uri, 2);
    assert_eq!(
        summarize(&published),
        [(1, 13, 1, 23, "non-commercial".to_string(), 1)]
    );
}

#[test]
fn dollar_requests_get_method_not_found() {
    let mut server = Server::start();
    let response = server.request_full("$/unknownThing", json!({}));
    assert_eq!(response["error"]["code"], -32601, "{response}");
}

#[test]
fn a_lower_version_still_updates_the_text_and_the_diagnostics() {
    let mut server = Server::start();
    let uri = "file:///tmp/never-hang/versions.ts";
    server.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": uri, "languageId": "typescript", "version": 5, "text": "abstrakt.run('flux-schnell');\n" } }),
    );
    let published = server.diagnostics_at(uri, 5);
    assert_eq!(summarize(&published), []);
    // A client whose numbering restarted: its text is still the truth.
    change_all(&mut server, uri, 1, "abstrakt.run('musicgen');\n");
    let published = server.diagnostics_at(uri, 1);
    assert_eq!(
        summarize(&published),
        [(0, 13, 0, 23, "non-commercial".to_string(), 1)]
    );
}

#[test]
fn exit_without_shutdown_exits_with_status_1() {
    let mut server = Server::start();
    server.notify("exit", Value::Null);
    let status = server.child().wait().expect("exit status");
    assert_eq!(status.code(), Some(1));
}
