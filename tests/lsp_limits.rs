//! `[limits]` in the editor: a document over them is not analysed, the user is
//! told once, and raising the limit brings its findings back.

mod common;

use common::Server;
use serde_json::{Value, json};

/// A one-line file of 30,000 bytes (over the default 20,000) holding a call.
fn minified() -> String {
    let call = "abstrakt.run('musicgen');";
    format!("{call}{}\n", " ".repeat(30_000 - call.len()))
}

fn show_messages(server: &Server) -> Vec<&Value> {
    server
        .backlog
        .iter()
        .filter(|m| m["method"] == "window/showMessage")
        .collect()
}

#[test]
fn a_document_over_the_line_limit_is_skipped_with_one_notice() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("bundle.min.js");
    let uri = format!("file://{}", path.display());
    let text = minified();
    std::fs::write(&path, &text).expect("write");
    let mut server = Server::start();
    server.open(&uri, "javascript", &text);
    let published = server.diagnostics_at(&uri, 1);
    assert_eq!(published["diagnostics"], json!([]));
    let notices = show_messages(&server);
    assert_eq!(notices.len(), 1, "{notices:#?}");
    assert_eq!(
        notices[0]["params"]["message"],
        "abstrakt-lsp does not analyse bundle.min.js: line 1 is 30,000 bytes long, over the limit of 20,000 (max-line-length; minified code?). Raise `max-line-length` under [limits] in abstrakt.toml to analyse it."
    );
    assert_eq!(notices[0]["params"]["type"], 3);
    // Requests answer nothing for it.
    assert_eq!(server.hover(&uri, 0, 16), Value::Null);

    // Still over the limit after a change: no second notice.
    server.notify(
        "textDocument/didChange",
        json!({
            "textDocument": { "uri": uri, "version": 2 },
            "contentChanges": [{
                "range": { "start": { "line": 0, "character": 25 }, "end": { "line": 0, "character": 25 } },
                "text": "x"
            }]
        }),
    );
    let published = server.diagnostics_at(&uri, 2);
    assert_eq!(published["diagnostics"], json!([]));
    assert_eq!(show_messages(&server).len(), 1);

    // Back under the limit: analysed again from a fresh parse.
    let short = "abstrakt.run('musicgen');\n";
    server.notify(
        "textDocument/didChange",
        json!({
            "textDocument": { "uri": uri, "version": 3 },
            "contentChanges": [{ "text": short }]
        }),
    );
    let published = server.diagnostics_at(&uri, 3);
    assert_eq!(published["diagnostics"][0]["code"], "non-commercial");
    assert_eq!(
        published["diagnostics"][0]["range"],
        json!({ "start": { "line": 0, "character": 13 }, "end": { "line": 0, "character": 23 } })
    );
    // Over it again: noticed again (the user may have forgotten).
    server.notify(
        "textDocument/didChange",
        json!({
            "textDocument": { "uri": uri, "version": 4 },
            "contentChanges": [{ "text": text }]
        }),
    );
    assert_eq!(server.diagnostics_at(&uri, 4)["diagnostics"], json!([]));
    assert_eq!(show_messages(&server).len(), 2);
}

#[test]
fn a_raised_limit_in_abstrakt_toml_analyses_the_same_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("abstrakt.toml"),
        "[limits]\nmax-line-length = 100000\n",
    )
    .expect("write");
    let path = dir.path().join("bundle.min.js");
    let uri = format!("file://{}", path.display());
    let text = minified();
    std::fs::write(&path, &text).expect("write");
    let mut server = Server::start();
    server.open(&uri, "javascript", &text);
    let published = server.diagnostics_at(&uri, 1);
    assert_eq!(published["diagnostics"][0]["code"], "non-commercial");
    assert_eq!(
        published["diagnostics"][0]["range"]["start"],
        json!({ "line": 0, "character": 13 })
    );
    assert!(show_messages(&server).is_empty());
}

#[test]
fn the_workspace_scan_skips_files_over_their_projects_limits() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    std::fs::create_dir_all(root.join("plain")).expect("mkdir");
    std::fs::create_dir_all(root.join("raised")).expect("mkdir");
    std::fs::write(
        root.join("raised/abstrakt.toml"),
        "[limits]\nmax-line-length = 100000\n",
    )
    .expect("write");
    std::fs::write(root.join("plain/bundle.min.js"), minified()).expect("write");
    std::fs::write(root.join("raised/bundle.min.js"), minified()).expect("write");
    let mut server =
        Server::start_workspace(root, json!({ "window": { "workDoneProgress": true } }));
    let raised = format!("file://{}", root.join("raised/bundle.min.js").display());
    let published = server.diagnostics(&raised);
    assert_eq!(published["diagnostics"][0]["code"], "non-commercial");
    server.wait_for(|m| m["method"] == "$/progress" && m["params"]["value"]["kind"] == "end");
    let plain = format!("file://{}", root.join("plain/bundle.min.js").display());
    assert!(
        !server
            .backlog
            .iter()
            .any(|m| m["params"]["uri"] == plain.as_str()),
        "a file over the limit got diagnostics"
    );
    // Pulled diagnostics agree.
    let pulled = server.request(
        "textDocument/diagnostic",
        json!({ "textDocument": { "uri": plain } }),
    );
    assert_eq!(pulled["items"], json!([]));
}
