//! Attribution already shown in the workspace lowers `attribution-required`
//! to information and points at where it is shown.

mod common;

use common::Server;
use serde_json::{Value, json};

fn attribution(diagnostics: &Value) -> Option<Value> {
    diagnostics["diagnostics"]
        .as_array()?
        .iter()
        .find(|d| d["code"] == "attribution-required")
        .cloned()
}

#[test]
fn attribution_in_a_tsx_sibling_lowers_the_severity_and_points_at_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    std::fs::create_dir_all(root.join("src/components")).expect("mkdir");
    let footer = root.join("src/components/Footer.tsx");
    std::fs::write(
        &footer,
        "export const Footer = () => (\n  <footer>\n    <small>powered BY stability\n      AI</small>\n  </footer>\n);\n",
    )
    .expect("write");
    let mut server = Server::spawn();
    server.request(
        "initialize",
        json!({ "processId": null, "rootUri": format!("file://{}", root.display()), "capabilities": {} }),
    );
    server.notify("initialized", json!({}));
    let uri = format!("file://{}", root.join("src/app.ts").display());
    // sd3.5-large prescribes its wording ("Powered by Stability AI").
    server.open(&uri, "typescript", "abstrakt.run('sd3.5-large');\n");
    // The index is built in the background; the re-published diagnostics say so.
    let uri_for_wait = uri.clone();
    let lowered = server.wait_for(move |m| {
        m["method"] == "textDocument/publishDiagnostics"
            && m["params"]["uri"] == uri_for_wait
            && attribution(&m["params"]).is_some_and(|d| d["severity"] == 3)
    });
    let diagnostic = attribution(&lowered["params"]).expect("diagnostic");
    assert!(
        diagnostic["message"]
            .as_str()
            .is_some_and(|m| m.ends_with("(shown in Footer.tsx:3)")),
        "{diagnostic}"
    );
    let related = &diagnostic["relatedInformation"][0]["location"];
    assert_eq!(related["uri"], format!("file://{}", footer.display()));
    assert_eq!(
        related["range"],
        json!({ "start": { "line": 2, "character": 11 }, "end": { "line": 3, "character": 8 } })
    );

    // The attribution is removed: the warning is back (older publications are not evidence).
    server.backlog.clear();
    std::fs::write(&footer, "export const Footer = () => null;\n").expect("write");
    server.notify(
        "workspace/didChangeWatchedFiles",
        json!({ "changes": [{ "uri": format!("file://{}", footer.display()), "type": 2 }] }),
    );
    let uri_for_wait = uri.clone();
    server.wait_for(move |m| {
        m["method"] == "textDocument/publishDiagnostics"
            && m["params"]["uri"] == uri_for_wait
            && attribution(&m["params"]).is_some_and(|d| d["severity"] == 2)
    });
}
