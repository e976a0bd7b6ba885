//! The compliance log over stdio: "Log this generation for compliance" at a
//! model call inserts the licensing guide's record calling the function
//! `[compliance] log` names; without it nothing is offered.

mod common;

use common::{Server, apply_edits};
use serde_json::{Value, json};

const TOML: &str = "[compliance]\nlog = \"complianceLog.save\"\n";

/// A project folder with `abstrakt.toml` (when given) and the file's URI.
fn project(toml: Option<&str>, file: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    if let Some(toml) = toml {
        std::fs::write(dir.path().join("abstrakt.toml"), toml).expect("write");
    }
    let uri = format!("file://{}", dir.path().join(file).display());
    (dir, uri)
}

/// The code actions at `line:character` (an empty range, as an editor asks
/// when the cursor is there) with the diagnostics published for the file.
fn actions_at(
    server: &mut Server,
    uri: &str,
    line: u32,
    character: u32,
    diagnostics: &Value,
) -> Vec<Value> {
    let at = json!({ "line": line, "character": character });
    server
        .request(
            "textDocument/codeAction",
            json!({
                "textDocument": { "uri": uri },
                "range": { "start": at, "end": at },
                "context": { "diagnostics": diagnostics }
            }),
        )
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn log_action(actions: &[Value]) -> Option<&Value> {
    actions
        .iter()
        .find(|a| a["title"] == "Log this generation for compliance")
}

fn open(server: &mut Server, uri: &str, language: &str, text: &str) -> Value {
    server.open(uri, language, text);
    server.diagnostics(uri)["diagnostics"].clone()
}

#[test]
fn the_record_goes_after_an_assigned_call() {
    let (_dir, uri) = project(Some(TOML), "gen.ts");
    let mut server = Server::start();
    let text = "export async function poster(prompt: string) {\n  const result = await abstrakt.run('flux-dev', { prompt });\n  return result.items[0].url;\n}\n";
    let diagnostics = open(&mut server, &uri, "typescript", text);
    let actions = actions_at(&mut server, &uri, 1, 30, &diagnostics);
    let action = log_action(&actions).expect("offered");
    assert_eq!(action["kind"], "refactor.rewrite");
    assert!(action.get("diagnostics").is_none_or(Value::is_null));
    let edits = &action["edit"]["changes"][uri.as_str()];
    assert_eq!(
        edits[0]["range"],
        json!({ "start": { "line": 1, "character": 60 }, "end": { "line": 1, "character": 60 } })
    );
    insta::assert_snapshot!(apply_edits(text, edits), @r"
    export async function poster(prompt: string) {
      const result = await abstrakt.run('flux-dev', { prompt });
      await complianceLog.save({
        generationId: result.id,
        model: 'flux-dev',
        timestamp: new Date(),
        license: 'FLUX.1-dev',
        intendedUse: 'commercial',
        attribution: 'Image created with FLUX.1-dev', // Abstrakt's example wording, not licence text
      });
      return result.items[0].url;
    }
    ");
}

#[test]
fn python_binds_an_unassigned_call_and_imports_datetime() {
    let toml = "intended-use = \"research\"\n[compliance]\nlog = \"records.save\"\n";
    let (_dir, uri) = project(Some(toml), "gen.py");
    let mut server = Server::start();
    let text = "from abstrakt import Abstrakt\n\nclient = Abstrakt()\n\n\ndef poster(prompt):\n    client.run(\"llama-3.1-8b\", prompt=prompt)\n";
    let diagnostics = open(&mut server, &uri, "python", text);
    let actions = actions_at(&mut server, &uri, 6, 8, &diagnostics);
    let action = log_action(&actions).expect("offered");
    insta::assert_snapshot!(apply_edits(text, &action["edit"]["changes"][uri.as_str()]), @r#"
    import datetime
    from abstrakt import Abstrakt

    client = Abstrakt()


    def poster(prompt):
        result = client.run("llama-3.1-8b", prompt=prompt)
        records.save({
            "generationId": getattr(result, "id", None),  # unverified: Abstrakt's guide documents result.id for its JavaScript SDK; check where the Abstrakt API result carries its id
            "model": "llama-3.1-8b",
            "timestamp": datetime.datetime.now(datetime.timezone.utc),
            "license": "Llama 3.1 Community License",
            "intendedUse": "research",
            "attribution": "Built with Llama",
        })
    "#);
}

#[test]
fn provider_routes_get_the_record_too() {
    let (_dir, uri) = project(Some(TOML), "chat.js");
    let mut server = Server::start();
    let text = "import OpenAI from 'openai';\nconst openai = new OpenAI();\nconst completion = await openai.chat.completions.create({ model: 'gpt-4o', messages });\n";
    let diagnostics = open(&mut server, &uri, "javascript", text);
    let actions = actions_at(&mut server, &uri, 2, 40, &diagnostics);
    let action = log_action(&actions).expect("offered");
    insta::assert_snapshot!(apply_edits(text, &action["edit"]["changes"][uri.as_str()]));
}

#[test]
fn not_offered_without_compliance_log_or_away_from_a_call() {
    let text = "const result = await abstrakt.run('flux-dev', {});\n\nconsole.log(result);\n";
    let (_dir, uri) = project(None, "a.js");
    let mut server = Server::start();
    let diagnostics = open(&mut server, &uri, "javascript", text);
    assert!(log_action(&actions_at(&mut server, &uri, 0, 25, &diagnostics)).is_none());

    let (_dir, uri) = project(Some(TOML), "b.js");
    let diagnostics = open(&mut server, &uri, "javascript", text);
    assert!(log_action(&actions_at(&mut server, &uri, 0, 25, &diagnostics)).is_some());
    // Another line; a client that asks for quick fixes only.
    assert!(log_action(&actions_at(&mut server, &uri, 2, 3, &diagnostics)).is_none());
    let at = json!({ "line": 0, "character": 25 });
    let quickfixes = server.request(
        "textDocument/codeAction",
        json!({
            "textDocument": { "uri": uri },
            "range": { "start": at, "end": at },
            "context": { "diagnostics": diagnostics, "only": ["quickfix"] }
        }),
    );
    assert!(log_action(quickfixes.as_array().map_or(&[], Vec::as_slice)).is_none());
}
