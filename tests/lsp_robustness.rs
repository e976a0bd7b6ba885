//! Bad input never crashes the server, stdout carries only JSON-RPC, and the
//! process lifecycle (exit, parent death, --version) behaves.

mod common;

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{Server, binary, summarize};
use serde_json::{Value, json};

#[test]
fn requests_for_unknown_documents_and_odd_positions_answer_empty() {
    let mut server = Server::start();
    assert_eq!(server.hover("file:///nowhere.js", 0, 0), Value::Null);
    let uri = "file:///p/a.js";
    server.open(uri, "javascript", "abstrakt.run('flux-dev');\n");
    server.diagnostics(uri);
    assert_eq!(server.hover(uri, 99, 0), Value::Null);
    assert_eq!(server.hover(uri, 0, 4_000_000), Value::Null);
    assert_eq!(server.hover(uri, u32::MAX, u32::MAX), Value::Null);
    // A change for a document that was never opened is ignored.
    server.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": "file:///never.js", "version": 2 }, "contentChanges": [{ "text": "x" }] }),
    );
    // A change with a range past the end of the text is clamped, not a crash.
    server.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": uri, "version": 2 }, "contentChanges": [
            { "range": { "start": { "line": 40, "character": 3 }, "end": { "line": 50, "character": 0 } }, "text": "abstrakt.run('musicgen');" }
        ] }),
    );
    assert_eq!(
        summarize(&server.diagnostics_at(uri, 2)),
        [
            (0, 13, 0, 23, "attribution-required".to_string(), 2),
            (1, 13, 1, 23, "non-commercial".to_string(), 1)
        ]
    );
}

#[test]
fn invalid_params_get_an_error_and_the_server_keeps_serving() {
    let mut server = Server::start();
    let response = server.request_full("textDocument/hover", json!({ "textDocument": 42 }));
    assert_eq!(response["error"]["code"], -32602, "{response}");
    let response = server.request_full("abstrakt/noSuchMethod", json!({}));
    assert_eq!(response["error"]["code"], -32601, "{response}");
    // Malformed JSON in a well-framed message.
    server.send_raw(b"Content-Length: 9\r\n\r\n{\"bad\": }");
    let uri = "file:///p/after.js";
    server.open(uri, "javascript", "abstrakt.run('flux-dev');\n");
    assert_eq!(summarize(&server.diagnostics(uri)).len(), 1);
    assert!(server.hover(uri, 0, 15)["contents"]["value"].is_string());
}

#[test]
fn non_javascript_documents_are_ignored() {
    let mut server = Server::start();
    server.open("file:///p/notes.md", "markdown", "abstrakt.run('flux-dev')");
    let uri = "file:///p/real.js";
    server.open(uri, "javascript", "abstrakt.run('flux-dev');\n");
    // The first diagnostics published are for the JS file: nothing for the Markdown one.
    let first = server.wait_for(|m| m["method"] == "textDocument/publishDiagnostics");
    assert_eq!(first["params"]["uri"], uri);
}

/// Parses stdout strictly as a sequence of Content-Length framed JSON messages.
fn strict_frames(mut bytes: &[u8]) -> Vec<Value> {
    let mut messages = Vec::new();
    while !bytes.is_empty() {
        let header_end = bytes
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("a header block");
        let header = std::str::from_utf8(&bytes[..header_end]).expect("ASCII header");
        let length: usize = header
            .lines()
            .find_map(|l| l.strip_prefix("Content-Length: "))
            .and_then(|v| v.parse().ok())
            .expect("Content-Length");
        let body = &bytes[header_end + 4..header_end + 4 + length];
        messages.push(serde_json::from_slice(body).expect("JSON body"));
        bytes = &bytes[header_end + 4 + length..];
    }
    messages
}

#[test]
fn stdout_carries_only_json_rpc_even_with_trace_logging() {
    let mut child = Command::new(binary())
        .arg("--stdio")
        .env("RUST_LOG", "trace")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stdin = child.stdin.take().expect("stdin");
    let mut stdout = child.stdout.take().expect("stdout");
    let mut stderr = child.stderr.take().expect("stderr");
    // Raw stdout bytes arrive on a channel so the test can wait for answers.
    let (tx, rx) = std::sync::mpsc::channel::<Vec<u8>>();
    let reader = std::thread::spawn(move || {
        let mut buffer = [0u8; 8192];
        while let Ok(n) = stdout.read(&mut buffer) {
            if n == 0 || tx.send(buffer[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let stderr_reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let mut seen = Vec::new();
    let wait_for = |needle: &str, seen: &mut Vec<u8>| {
        let deadline = Instant::now() + Duration::from_secs(20);
        while !String::from_utf8_lossy(seen).contains(needle) {
            let left = deadline.saturating_duration_since(Instant::now());
            seen.extend(rx.recv_timeout(left).expect("server output"));
        }
    };
    let mut send = |v: Value| {
        let body = v.to_string();
        write!(stdin, "Content-Length: {}\r\n\r\n{}", body.len(), body).expect("write");
        stdin.flush().expect("flush");
    };
    send(
        json!({ "jsonrpc": "2.0", "id": 1, "method": "initialize", "params": { "capabilities": {} } }),
    );
    wait_for("\"id\":1", &mut seen);
    send(json!({ "jsonrpc": "2.0", "method": "initialized", "params": {} }));
    send(
        json!({ "jsonrpc": "2.0", "method": "textDocument/didOpen", "params": { "textDocument": {
        "uri": "file:///p/a.js", "languageId": "javascript", "version": 1, "text": "abstrakt.run('flux-dev');" } } }),
    );
    wait_for("publishDiagnostics", &mut seen);
    send(json!({ "jsonrpc": "2.0", "id": 2, "method": "shutdown" }));
    wait_for("\"id\":2", &mut seen);
    send(json!({ "jsonrpc": "2.0", "method": "exit" }));
    assert!(child.wait().expect("wait").success());
    reader.join().expect("reader");
    seen.extend(rx.try_iter().flatten());
    let messages = strict_frames(&seen);
    assert!(
        messages
            .iter()
            .any(|m| m["id"] == 1 && m["result"]["capabilities"].is_object())
    );
    assert!(
        messages
            .iter()
            .any(|m| m["method"] == "textDocument/publishDiagnostics")
    );
    let logs = stderr_reader.join().expect("stderr");
    assert!(
        logs.contains("TRACE") || logs.contains("DEBUG"),
        "trace logs go to stderr: {logs}"
    );
}

#[test]
fn server_exits_when_the_editor_process_disappears() {
    let mut editor = Command::new("sleep")
        .arg("60")
        .spawn()
        .expect("spawn a stand-in editor");
    let mut server = Server::spawn();
    server.request(
        "initialize",
        json!({ "processId": editor.id(), "capabilities": {} }),
    );
    server.notify("initialized", json!({}));
    editor.kill().expect("kill editor");
    editor.wait().expect("reap editor");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(status) = server.child().try_wait().expect("try_wait") {
            assert!(status.success());
            break;
        }
        assert!(Instant::now() < deadline, "server outlived its editor");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn version_and_help() {
    let version = Command::new(binary())
        .arg("--version")
        .output()
        .expect("run");
    assert!(version.status.success());
    assert_eq!(
        String::from_utf8_lossy(&version.stdout).trim(),
        format!("abstrakt-lsp {}", env!("CARGO_PKG_VERSION"))
    );
    let help = Command::new(binary()).arg("--help").output().expect("run");
    assert!(help.status.success());
    let text = String::from_utf8_lossy(&help.stdout);
    assert!(text.contains("Usage: abstrakt-lsp"), "{text}");
    assert!(text.contains("--stdio"), "{text}");
}
