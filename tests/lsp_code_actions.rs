//! Quick fixes over stdio: each returned edit applied to the text gives exactly
//! the expected result.

mod common;

use common::{Server, apply_edits, code_actions};
use serde_json::{Value, json};

fn action<'a>(actions: &'a [Value], title: &str) -> &'a Value {
    actions
        .iter()
        .find(|a| a["title"] == title)
        .unwrap_or_else(|| panic!("no action {title:?} in {actions:#?}"))
}

/// `text` after the single-document edit of `action`.
fn applied(action: &Value, uri: &str, text: &str) -> String {
    let changes = &action["edit"]["changes"];
    let edits = &changes[uri];
    assert_eq!(changes.as_object().map(|o| o.len()), Some(1), "{action}");
    apply_edits(text, edits)
}

fn titles(actions: &[Value]) -> Vec<String> {
    actions
        .iter()
        .map(|a| a["title"].as_str().unwrap_or("").to_string())
        .collect()
}

fn open(server: &mut Server, uri: &str, language: &str, text: &str) -> Value {
    server.open(uri, language, text);
    server.diagnostics(uri)["diagnostics"].clone()
}

#[test]
fn attribution_comment_above_the_call_at_its_indentation() {
    let mut server = Server::start();
    let uri = "file:///p/attr.ts";
    let text = "export async function hero() {\n    const image = await abstrakt.run(\"flux-dev\", {});\n    return image;\n}\n";
    let diagnostics = open(&mut server, uri, "typescript", text);
    let actions = code_actions(&mut server, uri, &diagnostics);
    assert_eq!(
        titles(&actions),
        [
            "Add an attribution reminder above the call",
            "Ignore attribution-required on this line",
            "Add an exception to abstrakt.toml"
        ]
    );
    let comment = action(&actions, "Add an attribution reminder above the call");
    assert_eq!(comment["kind"], "quickfix");
    assert_eq!(comment["isPreferred"], true);
    assert_eq!(comment["diagnostics"][0]["code"], "attribution-required");
    assert_eq!(
        applied(comment, uri, text),
        "export async function hero() {\n    // Attribution required: show \"Image created with FLUX.1-dev\" (Abstrakt's example wording, not licence text)\n    const image = await abstrakt.run(\"flux-dev\", {});\n    return image;\n}\n"
    );
    let ignore = action(&actions, "Ignore attribution-required on this line");
    assert!(ignore.get("isPreferred").is_none_or(|p| p == false));
    assert_eq!(
        applied(ignore, uri, text),
        "export async function hero() {\n    // abstrakt-ignore-next-line attribution-required -- \n    const image = await abstrakt.run(\"flux-dev\", {});\n    return image;\n}\n"
    );
}

#[test]
fn ignore_comment_goes_above_the_id_line_and_silences_it() {
    let mut server = Server::start();
    let uri = "file:///p/multi.js";
    let text = "const out = await abstrakt.run(\n\t'flux-dev',\n\t{},\n);\n";
    let diagnostics = open(&mut server, uri, "javascript", text);
    let actions = code_actions(&mut server, uri, &diagnostics);
    let fixed = applied(
        action(&actions, "Ignore attribution-required on this line"),
        uri,
        text,
    );
    assert_eq!(
        fixed,
        "const out = await abstrakt.run(\n\t// abstrakt-ignore-next-line attribution-required -- \n\t'flux-dev',\n\t{},\n);\n"
    );
    let fixed_uri = "file:///p/multi-fixed.js";
    let after = open(&mut server, fixed_uri, "javascript", &fixed);
    assert_eq!(after, json!([]));
}

#[test]
fn attribution_markup_in_the_returned_jsx_element() {
    let mut server = Server::start();
    let uri = "file:///p/Hero.tsx";
    let text = "export function Hero() {\n  const [src, setSrc] = useState('');\n  useEffect(() => {\n    abstrakt.run('sd3.5-large', { prompt: 'cat' }).then(setSrc);\n  }, []);\n  return (\n    <figure>\n      <img src={src} />\n    </figure>\n  );\n}\n";
    let diagnostics = open(&mut server, uri, "typescriptreact", text);
    let actions = code_actions(&mut server, uri, &diagnostics);
    let markup = action(
        &actions,
        "Show \"Powered by Stability AI\" in the rendered component",
    );
    assert_eq!(
        applied(markup, uri, text),
        "export function Hero() {\n  const [src, setSrc] = useState('');\n  useEffect(() => {\n    abstrakt.run('sd3.5-large', { prompt: 'cat' }).then(setSrc);\n  }, []);\n  return (\n    <figure>\n      <img src={src} />\n      <small>Powered by Stability AI</small>\n    </figure>\n  );\n}\n"
    );
    // Not offered outside a component.
    let plain = "file:///p/plain.tsx";
    let diagnostics = open(
        &mut server,
        plain,
        "typescriptreact",
        "abstrakt.run('sd3.5-large');\n",
    );
    let titles = titles(&code_actions(&mut server, plain, &diagnostics));
    assert!(!titles.iter().any(|t| t.starts_with("Show")), "{titles:?}");
}

#[test]
fn non_commercial_ids_are_replaced_by_alternatives_keeping_quotes() {
    let mut server = Server::start();
    let uri = "file:///p/nc.ts";
    let text = "await abstrakt.run(`sd3.5-large`, {});\n";
    let diagnostics = open(&mut server, uri, "typescript", text);
    let non_commercial: Vec<Value> = diagnostics
        .as_array()
        .into_iter()
        .flatten()
        .filter(|d| d["code"] != "attribution-required")
        .cloned()
        .collect();
    assert!(!non_commercial.is_empty(), "{diagnostics}");
    let actions = code_actions(&mut server, uri, &Value::Array(non_commercial));
    let first = &actions[0];
    assert_eq!(first["title"], "Use flux-schnell (Apache-2.0)");
    assert_eq!(first["isPreferred"], true);
    assert_eq!(
        applied(first, uri, text),
        "await abstrakt.run(`flux-schnell`, {});\n"
    );
    let qwen = actions
        .iter()
        .find(|a| {
            a["title"]
                .as_str()
                .is_some_and(|t| t.starts_with("Use qwen-image ("))
        })
        .expect("qwen-image offered");
    assert_eq!(
        applied(qwen, uri, text),
        "await abstrakt.run(`qwen-image`, {});\n"
    );
    assert!(qwen.get("isPreferred").is_none_or(|p| p == false));
}

#[test]
fn unknown_ids_are_replaced_by_suggestions() {
    let mut server = Server::start();
    let uri = "file:///p/typo.js";
    let text = "abstrakt.run(\"flux-shnell\");\n";
    let diagnostics = open(&mut server, uri, "javascript", text);
    assert_eq!(diagnostics[0]["code"], "unknown-model");
    let actions = code_actions(&mut server, uri, &diagnostics);
    let change = action(&actions, "Change to flux-schnell");
    assert_eq!(change["isPreferred"], true);
    assert_eq!(
        applied(change, uri, text),
        "abstrakt.run(\"flux-schnell\");\n"
    );
}

/// A workspace folder with `file` in it; returns the folder and the file's URI.
fn project(files: &[(&str, &str)]) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).expect("write");
    }
    let uri = format!("file://{}", dir.path().join("app.ts").display());
    (dir, uri)
}

fn exception_operations(server: &mut Server, uri: &str, text: &str) -> Value {
    let diagnostics = open(server, uri, "typescript", text);
    let actions = code_actions(server, uri, &diagnostics);
    action(&actions, "Add an exception to abstrakt.toml")["edit"]["documentChanges"].clone()
}

#[test]
fn an_exception_creates_abstrakt_toml_in_the_workspace() {
    let (dir, _) = project(&[]);
    std::fs::create_dir_all(dir.path().join("src")).expect("mkdir");
    let uri = format!("file://{}", dir.path().join("src/app.ts").display());
    let mut server = Server::spawn();
    let root = format!("file://{}", dir.path().display());
    server.request(
        "initialize",
        json!({ "processId": null, "rootUri": root, "capabilities": {} }),
    );
    server.notify("initialized", json!({}));
    let operations = exception_operations(&mut server, &uri, "abstrakt.run('flux-dev');\n");
    let toml_uri = format!("file://{}", dir.path().join("abstrakt.toml").display());
    assert_eq!(operations[0]["kind"], "create");
    assert_eq!(operations[0]["uri"], toml_uri);
    assert_eq!(operations[1]["textDocument"]["uri"], toml_uri);
    assert_eq!(
        apply_edits("", &operations[1]["edits"]),
        "[[exceptions]]\nmodel = \"flux-dev\"\nrules = [\"attribution-required\"]\nreason = \"reviewed: <fill in>\"\n"
    );
}

#[test]
fn an_exception_edits_abstrakt_toml_keeping_its_comments() {
    let existing = "# Licensing policy for the shop\nintended-use = \"commercial\" # we sell prints\n\n[[exceptions]]\nmodel = \"musicgen\" # demo page only\nreason = \"internal demo\"\n";
    let (dir, uri) = project(&[("abstrakt.toml", existing)]);
    let mut server = Server::start();
    let operations = exception_operations(&mut server, &uri, "abstrakt.run('flux-dev');\n");
    let toml_uri = format!("file://{}", dir.path().join("abstrakt.toml").display());
    assert_eq!(operations.as_array().map(Vec::len), Some(1), "{operations}");
    assert_eq!(operations[0]["textDocument"]["uri"], toml_uri);
    let edited = apply_edits(existing, &operations[0]["edits"]);
    assert_eq!(
        edited,
        format!(
            "{existing}\n[[exceptions]]\nmodel = \"flux-dev\"\nrules = [\"attribution-required\"]\nreason = \"reviewed: <fill in>\"\n"
        )
    );
    // The edited file takes effect once written.
    std::fs::write(dir.path().join("abstrakt.toml"), &edited).expect("write");
    server.notify(
        "workspace/didChangeWatchedFiles",
        json!({ "changes": [{ "uri": toml_uri, "type": 2 }] }),
    );
    let other = format!("file://{}", dir.path().join("other.ts").display());
    server.open(&other, "typescript", "abstrakt.run('flux-dev');\n");
    assert_eq!(server.diagnostics(&other)["diagnostics"], json!([]));
}
