//! Python documents over stdio: diagnostics with exact ranges in UTF-16 and
//! UTF-8 clients on a line with an emoji, hover, the `#` ignore comment, quick
//! fixes applied and compared exactly, REST URLs, completion.

mod common;

use common::{Server, apply_edits, code_actions, summarize};
use serde_json::{Value, json};

const STUDIO: &str = "from abstrakt import Abstrakt\n\nai = Abstrakt()\nlabel = \"🎨\"; out = ai.run(\"flux-dev\", {})\n";

fn action<'a>(actions: &'a [Value], title: &str) -> &'a Value {
    actions
        .iter()
        .find(|a| a["title"] == title)
        .unwrap_or_else(|| panic!("no action {title:?} in {actions:#?}"))
}

#[test]
fn diagnostics_on_an_emoji_line_in_utf16_and_utf8() {
    let mut server = Server::start();
    let uri = "file:///p/studio.py";
    server.open(uri, "python", STUDIO);
    // `label = "` (9) + 🎨 (2 UTF-16 units) + `"; out = ai.run(` (16).
    assert_eq!(
        summarize(&server.diagnostics(uri)),
        [(3, 27, 3, 37, "attribution-required".to_string(), 2)]
    );

    let mut utf8 = Server::spawn();
    let result = utf8.initialize(
        json!({ "general": { "positionEncodings": ["utf-8"] } }),
        json!({}),
    );
    assert_eq!(result["capabilities"]["positionEncoding"], "utf-8");
    utf8.open(uri, "python", STUDIO);
    // The emoji is 4 bytes.
    assert_eq!(
        summarize(&utf8.diagnostics(uri)),
        [(3, 29, 3, 39, "attribution-required".to_string(), 2)]
    );
    let hover = utf8.hover(uri, 3, 30);
    assert_eq!(
        hover["range"],
        json!({ "start": { "line": 3, "character": 29 }, "end": { "line": 3, "character": 39 } })
    );
}

#[test]
fn hover_shows_the_license_card() {
    let mut server = Server::start();
    let uri = "file:///p/studio.py";
    server.open(uri, "python", STUDIO);
    server.diagnostics(uri);
    let hover = server.hover(uri, 3, 30);
    assert_eq!(hover["contents"]["kind"], "markdown");
    let card = hover["contents"]["value"].as_str().unwrap_or_default();
    assert!(card.contains("FLUX.1-dev"), "{card}");
    assert!(
        card.contains("**Attribution**: Required: show `\"Image created with FLUX.1-dev\"` (Abstrakt's example wording, not licence text)"),
        "{card}"
    );
    assert_eq!(
        hover["range"],
        json!({ "start": { "line": 3, "character": 27 }, "end": { "line": 3, "character": 37 } })
    );
    // Not on a call: nothing.
    assert_eq!(server.hover(uri, 0, 3), Value::Null);
}

#[test]
fn quick_fixes_write_python_comments_at_the_indentation() {
    let mut server = Server::start();
    let uri = "file:///p/app.py";
    let text = "from abstrakt import Abstrakt\n\n\nclass Studio:\n    def __init__(self):\n        self.ai = Abstrakt()\n\n    async def hero(self):\n        return await self.ai.run('flux-dev')\n";
    server.open(uri, "python", text);
    let diagnostics = server.diagnostics(uri)["diagnostics"].clone();
    assert_eq!(
        summarize(&json!({ "diagnostics": diagnostics })),
        [(8, 33, 8, 43, "attribution-required".to_string(), 2)]
    );
    let actions = code_actions(&mut server, uri, &diagnostics);
    let reminder = action(&actions, "Add an attribution reminder above the call");
    assert_eq!(
        apply_edits(text, &reminder["edit"]["changes"][uri]),
        text.replace(
            "        return await",
            "        # Attribution required: show \"Image created with FLUX.1-dev\" (Abstrakt's example wording, not licence text)\n        return await"
        )
    );
    let ignore = action(&actions, "Ignore attribution-required on this line");
    let ignored = apply_edits(text, &ignore["edit"]["changes"][uri]);
    assert_eq!(
        ignored,
        text.replace(
            "        return await",
            "        # abstrakt-ignore-next-line attribution-required -- \n        return await"
        )
    );
    // The comment silences the finding.
    server.notify(
        "textDocument/didChange",
        json!({
            "textDocument": { "uri": uri, "version": 2 },
            "contentChanges": [{ "text": ignored }]
        }),
    );
    assert_eq!(server.diagnostics_at(uri, 2)["diagnostics"], json!([]));
}

#[test]
fn a_model_url_in_a_python_string_is_a_model_use() {
    let mut server = Server::start();
    let uri = "file:///p/raw.py";
    let text = "import requests\n\nrequests.post(\"https://api.abstrakt.one/v1/models/musicgen/run\", json={})\nrequests.post(f\"https://api.abstrakt.one/v1/models/{model}/run\")\n";
    server.open(uri, "python", text);
    assert_eq!(
        summarize(&server.diagnostics(uri)),
        [
            (2, 50, 2, 58, "non-commercial".to_string(), 1),
            (3, 51, 3, 58, "dynamic-model-id".to_string(), 4),
        ]
    );
    let hover = server.hover(uri, 2, 52);
    let card = hover["contents"]["value"].as_str().unwrap_or_default();
    assert!(card.contains("CC-BY-NC-4.0"), "{card}");
}

#[test]
fn completion_after_self_client_run() {
    let mut server = Server::start();
    let uri = "file:///p/complete.py";
    let text = "class S:\n    def __init__(self, client: Abstrakt):\n        self.client = client\n\n    def f(self):\n        self.client.run('flux-\n";
    server.open(uri, "python", text);
    let list = server.request(
        "textDocument/completion",
        json!({
            "textDocument": { "uri": uri },
            "position": { "line": 5, "character": 30 },
            "context": { "triggerKind": 2, "triggerCharacter": "'" }
        }),
    );
    let labels: Vec<&str> = list["items"]
        .as_array()
        .map(|items| items.iter().filter_map(|i| i["label"].as_str()).collect())
        .unwrap_or_default();
    assert!(labels.contains(&"flux-dev"), "{labels:?}");
    assert!(labels.iter().all(|l| l.contains("flux")), "{labels:?}");
}

#[test]
fn workspace_scope_publishes_for_python_files_never_opened() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    std::fs::write(
        root.join("jobs.py"),
        "from abstrakt import Abstrakt\n\nai = Abstrakt()\nai.run(model='musicgen')\n",
    )
    .expect("write");
    std::fs::write(root.join("plain.py"), "x = 1\n").expect("write");
    let mut server = Server::start_workspace(root, json!({}));
    let uri = format!("file://{}", root.join("jobs.py").display());
    assert_eq!(
        summarize(&server.diagnostics(&uri)),
        [(3, 13, 3, 23, "non-commercial".to_string(), 1)]
    );
}
