//! Model-id completion over stdio: content, order, filtering (slashed ids
//! included), text edits applied exactly, UTF-16 and UTF-8 clients.

mod common;

use common::{Server, apply_edits_in, summarize};
use serde_json::{Value, json};

fn complete(server: &mut Server, uri: &str, line: u32, character: u32) -> Value {
    server.request(
        "textDocument/completion",
        json!({
            "textDocument": { "uri": uri },
            "position": { "line": line, "character": character },
            "context": { "triggerKind": 2, "triggerCharacter": "'" }
        }),
    )
}

fn labels(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|i| i["label"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// Labels in the order a client shows them (by `sortText`).
fn sorted_labels(list: &Value) -> Vec<String> {
    let mut items: Vec<&Value> = list["items"].as_array().into_iter().flatten().collect();
    items.sort_by_key(|i| i["sortText"].as_str().unwrap_or("").to_string());
    items
        .iter()
        .map(|i| i["label"].as_str().unwrap_or("").to_string())
        .collect()
}

fn item<'a>(list: &'a Value, label: &str) -> &'a Value {
    list["items"]
        .as_array()
        .and_then(|items| items.iter().find(|i| i["label"] == label))
        .unwrap_or_else(|| panic!("no {label} in {:?}", labels(list)))
}

fn accept(text: &str, item: &Value, utf16: bool) -> String {
    apply_edits_in(text, &json!([item["textEdit"]]), utf16)
}

#[test]
fn completion_is_advertised_with_its_trigger_characters() {
    let mut server = Server::spawn();
    let result = server.initialize(json!({}), json!({}));
    assert_eq!(
        result["capabilities"]["completionProvider"]["triggerCharacters"],
        json!(["'", "\"", "`", "/"])
    );
}

#[test]
fn right_after_the_opening_quote_every_id_is_offered_safe_ones_first() {
    let mut server = Server::start();
    let uri = "file:///p/new.ts";
    let text = "const out = await abstrakt.run('";
    server.open(uri, "typescript", text);
    let list = complete(&mut server, uri, 0, 32);
    let all = labels(&list);
    assert!(all.len() > 20, "{all:?}");
    for id in ["flux-dev", "flux-schnell", "fal-ai/flux/dev", "musicgen"] {
        assert!(all.iter().any(|l| l == id), "{id} missing from {all:?}");
    }
    let sorted = sorted_labels(&list);
    let position = |id: &str| sorted.iter().position(|l| l == id).unwrap_or(usize::MAX);
    // Allowed commercially, then conditional, then not allowed.
    assert!(
        position("flux-schnell") < position("sd3.5-large"),
        "{sorted:?}"
    );
    assert!(position("sd3.5-large") < position("musicgen"), "{sorted:?}");
    // Canonical ids before aliases.
    assert!(
        position("flux-schnell") < position("fal-ai/flux/schnell"),
        "{sorted:?}"
    );
    let schnell = item(&list, "flux-schnell");
    assert_eq!(schnell["detail"], "Apache-2.0");
    assert_eq!(schnell["labelDetails"]["description"], "Apache-2.0 · image");
    assert_eq!(schnell["documentation"]["kind"], "markdown");
    assert!(
        schnell["documentation"]["value"]
            .as_str()
            .is_some_and(|d| d.contains("`flux-schnell`")),
        "{schnell}"
    );
    assert_eq!(schnell["filterText"], "flux-schnell");
    assert_eq!(
        accept(text, schnell, true),
        "const out = await abstrakt.run('flux-schnell"
    );
}

#[test]
fn typed_prefixes_filter_including_slashed_ids() {
    let mut server = Server::start();
    let uri = "file:///p/typed.js";
    let text = "abstrakt.models.get(\"fal-ai/fl\")\n";
    server.open(uri, "javascript", text);
    let list = complete(&mut server, uri, 0, 30);
    let all = labels(&list);
    assert!(!all.is_empty());
    assert!(all.iter().all(|l| l.starts_with("fal-ai/fl")), "{all:?}");
    assert_eq!(
        accept(text, item(&list, "fal-ai/flux/dev"), true),
        "abstrakt.models.get(\"fal-ai/flux/dev\")\n"
    );
    // In the middle of an existing id the whole id is replaced.
    let text = "abstrakt.run(`flux-dev`, {})\n";
    let uri = "file:///p/middle.js";
    server.open(uri, "javascript", text);
    let list = complete(&mut server, uri, 0, 16);
    // A prefix matches the whole id or any part after a slash.
    let all = labels(&list);
    assert!(
        all.iter().all(|l| l
            .to_lowercase()
            .split('/')
            .any(|part| part.starts_with("fl"))),
        "{all:?}"
    );
    assert!(all.iter().any(|l| l == "black-forest-labs/FLUX.1-dev"));
    assert_eq!(
        accept(text, item(&list, "flux-schnell"), true),
        "abstrakt.run(`flux-schnell`, {})\n"
    );
    // Outside a model id: nothing.
    assert_eq!(complete(&mut server, uri, 0, 26), Value::Null);
}

#[test]
fn non_commercial_projects_sort_by_name_and_project_models_are_offered() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("abstrakt.toml"),
        "intended-use = \"research\"\n[[models]]\nid = \"acme/painter\"\nlicense = \"Acme-NC\"\ncommercial = false\nattribution = \"Not required\"\n",
    )
    .expect("write");
    let uri = format!("file://{}", dir.path().join("a.ts").display());
    let mut server = Server::start();
    let text = "abstrakt.run('";
    server.open(&uri, "typescript", text);
    let list = complete(&mut server, &uri, 0, 14);
    let sorted = sorted_labels(&list);
    let position = |id: &str| sorted.iter().position(|l| l == id).unwrap_or(usize::MAX);
    assert!(
        position("acme/painter") < position("flux-dev"),
        "{sorted:?}"
    );
    assert!(
        position("flux-dev") < position("flux-schnell"),
        "{sorted:?}"
    );
    assert_eq!(item(&list, "acme/painter")["detail"], "Acme-NC");
}

#[test]
fn utf8_and_utf16_clients_get_edits_in_their_units() {
    let text = "const s = '🎨 é'; abstrakt.run('fl";
    // UTF-16: 🎨 is two units, é one.
    let mut server = Server::start();
    let uri = "file:///p/emoji.ts";
    server.open(uri, "typescript", text);
    let list = complete(&mut server, uri, 0, 35);
    assert_eq!(
        accept(text, item(&list, "flux-dev"), true),
        "const s = '🎨 é'; abstrakt.run('flux-dev"
    );
    let mut server = Server::spawn();
    server.initialize(
        json!({ "general": { "positionEncodings": ["utf-8"] } }),
        json!({}),
    );
    server.open(uri, "typescript", text);
    let list = complete(&mut server, uri, 0, text.len() as u32);
    assert_eq!(
        accept(text, item(&list, "flux-dev"), false),
        "const s = '🎨 é'; abstrakt.run('flux-dev"
    );
}

#[test]
fn clients_that_resolve_documentation_get_cards_on_resolve() {
    let mut server = Server::spawn();
    server.initialize(
        json!({ "textDocument": { "completion": { "completionItem": { "resolveSupport": { "properties": ["documentation"] } } } } }),
        json!({}),
    );
    let uri = "file:///p/lazy.ts";
    server.open(uri, "typescript", "abstrakt.run('flux-d");
    let list = complete(&mut server, uri, 0, 20);
    let dev = item(&list, "flux-dev").clone();
    assert!(dev.get("documentation").is_none(), "{dev}");
    assert_eq!(dev["labelDetails"]["description"], "FLUX.1-dev · image");
    let resolved = server.request("completionItem/resolve", dev);
    assert_eq!(resolved["documentation"]["kind"], "markdown");
    assert!(
        resolved["documentation"]["value"]
            .as_str()
            .is_some_and(|d| d.contains("**Attribution**: Required: show `\"Image created with FLUX.1-dev\"` (Abstrakt's example wording, not licence text)")),
        "{resolved}"
    );
}

/// Completion is offered exactly where diagnostics are: on the receivers
/// extraction treats as clients (a parameter typed `Abstrakt`, a binding of an
/// imported alias of the class), and on neither elsewhere.
#[test]
fn completion_is_offered_where_diagnostics_are() {
    let mut server = Server::start();
    let cases = [
        (
            "typed_parameter",
            "const f = (ai: Abstrakt) => ai.run('musicgen');\n",
            true,
        ),
        (
            "imported_alias",
            "import { Abstrakt as AK } from 'abstrakt';\nconst c = new AK();\nc.run('musicgen');\n",
            true,
        ),
        (
            "other_type",
            "const f = (ai: Other) => ai.run('musicgen');\n",
            false,
        ),
        (
            "unimported_alias",
            "const c = new AK();\nc.run('musicgen');\n",
            false,
        ),
    ];
    for (name, text, is_client) in cases {
        let uri = format!("file:///p/{name}.ts");
        server.open(&uri, "typescript", text);
        let diagnostics = summarize(&server.diagnostics(&uri));
        // The cursor right after the opening quote of the call's id.
        let quote = text.rfind("('").map_or(0, |at| at + 2);
        let line = text[..quote].matches('\n').count();
        let character = quote - text[..quote].rfind('\n').map_or(0, |at| at + 1);
        let list = complete(&mut server, &uri, line as u32, character as u32);
        if is_client {
            assert_eq!(
                diagnostics,
                [(
                    line as u64,
                    character as u64 - 1,
                    line as u64,
                    character as u64 + 9,
                    "non-commercial".to_string(),
                    1
                )],
                "{name}"
            );
            assert_eq!(
                accept(text, item(&list, "flux-schnell"), true),
                text.replace("musicgen", "flux-schnell"),
                "{name}"
            );
        } else {
            assert_eq!(diagnostics, [], "{name}");
            assert_eq!(list, Value::Null, "{name}");
        }
    }
}
