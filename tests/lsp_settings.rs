//! Editor settings over stdio: `null`, `[]` and `{}` are "no settings" (Neovim
//! sends an empty Lua table as `[]`) and show the user nothing; any other
//! non-object is one clear `window/showMessage`.

mod common;

use common::{Server, summarize};
use serde_json::{Value, json};

const URI: &str = "file:///p/app.js";
const TEXT: &str = "abstrakt.run('musicgen');\n";

fn shown(server: &Server) -> Vec<String> {
    server
        .backlog
        .iter()
        .filter(|m| m["method"] == "window/showMessage")
        .map(|m| m["params"]["message"].as_str().unwrap_or("").to_string())
        .collect()
}

/// Starts a server with `options`, then sends each of `changes` as
/// `didChangeConfiguration`, waiting after each for the re-published
/// diagnostics (settings problems are shown before them) and finally for a
/// `shutdown` answer. Returns the server with everything it sent in `backlog`.
fn run(options: Value, changes: &[Value]) -> Server {
    let mut server = Server::spawn_with(&[], &[("ABSTRAKT_OFFLINE", "1")]);
    server.initialize(json!({}), options);
    server.open(URI, "javascript", TEXT);
    // The default intended use (commercial) is in force: settings changed nothing.
    assert_eq!(
        summarize(&server.diagnostics(URI)),
        [(0, 13, 0, 23, "non-commercial".to_string(), 1)]
    );
    for settings in changes {
        server.notify(
            "workspace/didChangeConfiguration",
            json!({ "settings": settings }),
        );
        let published = server.diagnostics(URI);
        assert_eq!(
            summarize(&published),
            [(0, 13, 0, 23, "non-commercial".to_string(), 1)],
            "after {settings}"
        );
    }
    let id = server.request_async("shutdown", Value::Null);
    server.wait_for(|m| m["id"] == id);
    server
}

#[test]
fn null_empty_list_and_empty_object_show_nothing() {
    let changes = [
        json!(null),
        json!([]),
        json!({}),
        json!({ "abstrakt": [] }),
        json!({ "abstrakt": {} }),
        json!({ "abstrakt": null }),
    ];
    for options in [json!(null), json!([]), json!({})] {
        let server = run(options.clone(), &changes);
        assert_eq!(
            shown(&server),
            Vec::<String>::new(),
            "initializationOptions {options}"
        );
    }
}

#[test]
fn a_non_object_is_one_clear_message() {
    let server = run(json!("personal"), &[]);
    assert_eq!(
        shown(&server),
        ["abstrakt: ignored setting: settings must be an object, got a string"]
    );
    let server = run(json!({}), &[json!({ "abstrakt": [1, 2] })]);
    assert_eq!(
        shown(&server),
        ["abstrakt: ignored setting: settings must be an object, got a list"]
    );
}
