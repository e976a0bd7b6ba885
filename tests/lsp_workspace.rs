//! `diagnostics.scope = "workspace"`: files never opened get diagnostics, with
//! `$/progress` around the scan; `.gitignore` is respected.

mod common;

use common::Server;
use serde_json::json;

#[test]
fn workspace_scope_publishes_for_files_never_opened_with_progress() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    std::fs::create_dir_all(root.join("src")).expect("mkdir");
    std::fs::create_dir_all(root.join("generated")).expect("mkdir");
    std::fs::write(root.join(".gitignore"), "generated/\n").expect("write");
    std::fs::write(
        root.join("src/never.ts"),
        "import { Abstrakt } from 'abstrakt';\nconst ai = new Abstrakt();\nawait ai.run('musicgen');\n",
    )
    .expect("write");
    std::fs::write(root.join("src/plain.ts"), "export const x = 1;\n").expect("write");
    std::fs::write(
        root.join("generated/skip.js"),
        "abstrakt.run('musicgen');\n",
    )
    .expect("write");
    let mut server =
        Server::start_workspace(root, json!({ "window": { "workDoneProgress": true } }));
    server.wait_for(|m| m["method"] == "window/workDoneProgress/create");
    let begin =
        server.wait_for(|m| m["method"] == "$/progress" && m["params"]["value"]["kind"] == "begin");
    assert_eq!(begin["params"]["token"], "abstrakt-workspace-scan");
    let never = format!("file://{}", root.join("src/never.ts").display());
    let published = server.diagnostics(&never);
    assert_eq!(published["diagnostics"][0]["code"], "non-commercial");
    assert_eq!(published["diagnostics"][0]["range"]["start"]["line"], 2);
    server.wait_for(|m| m["method"] == "$/progress" && m["params"]["value"]["kind"] == "end");
    let skipped = format!("file://{}", root.join("generated/skip.js").display());
    assert!(
        !server
            .backlog
            .iter()
            .any(|m| m["params"]["uri"] == skipped.as_str()),
        "ignored file was checked"
    );
    // Pull diagnostics know the file too.
    let pulled = server.request(
        "textDocument/diagnostic",
        json!({ "textDocument": { "uri": never } }),
    );
    assert_eq!(pulled["items"], published["diagnostics"]);

    // Changed on disk: fresh diagnostics.
    std::fs::write(root.join("src/never.ts"), "abstrakt.run('flux-schnell');\n").expect("write");
    server.notify(
        "workspace/didChangeWatchedFiles",
        json!({ "changes": [{ "uri": never, "type": 2 }] }),
    );
    let never_for_wait = never.clone();
    server.backlog.clear();
    let fresh = server.wait_for(move |m| {
        m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == never_for_wait
    });
    assert_eq!(fresh["params"]["diagnostics"], json!([]));

    // Opened then closed: the file keeps its on-disk diagnostics.
    server.open(&never, "typescript", "abstrakt.run('musicgen');\n");
    server.diagnostics(&never);
    std::fs::write(root.join("src/never.ts"), "abstrakt.run('flux-dev');\n").expect("write");
    server.notify(
        "textDocument/didClose",
        json!({ "textDocument": { "uri": never } }),
    );
    let closed = server.diagnostics(&never);
    assert_eq!(closed["diagnostics"][0]["code"], "attribution-required");
}

#[test]
fn switching_the_scope_at_runtime_scans_and_clears() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    std::fs::write(root.join("a.js"), "abstrakt.run('musicgen');\n").expect("write");
    let mut server = Server::spawn();
    server.request(
        "initialize",
        json!({ "processId": null, "rootUri": format!("file://{}", root.display()), "capabilities": {} }),
    );
    server.notify("initialized", json!({}));
    let uri = format!("file://{}", root.join("a.js").display());
    server.notify(
        "workspace/didChangeConfiguration",
        json!({ "settings": { "abstrakt": { "diagnostics": { "scope": "workspace" } } } }),
    );
    assert_eq!(
        server.diagnostics(&uri)["diagnostics"][0]["code"],
        "non-commercial"
    );
    server.notify(
        "workspace/didChangeConfiguration",
        json!({ "settings": { "abstrakt": { "diagnostics": { "scope": "openFiles" } } } }),
    );
    assert_eq!(server.diagnostics(&uri)["diagnostics"], json!([]));
}
