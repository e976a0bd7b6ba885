//! Provider SDK calls (fal, Replicate, OpenAI, Google, Anthropic, Hugging
//! Face, the Vercel AI SDK, self-hosted weights) in the fixture project
//! `tests/fixtures/providers`, one file per SDK and language, each SDK
//! called at least twice: `check` and the server find the same uses, at the
//! same exact ranges, on the same route.

mod cli_support;
mod common;

use cli_support::{fixture, json_findings, run};
use common::{Server, summarize};
use serde_json::Value;

/// `(file, line, column, end line, end column, code, route)` per finding.
type Row = (String, u64, u64, u64, u64, String, String);

fn rows(stdout: &str) -> (Value, Vec<Row>) {
    let value: Value = serde_json::from_str(stdout).expect("JSON output");
    let routes = value["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["route"].as_str().unwrap_or("abstrakt").to_string());
    let rows = json_findings(stdout)
        .into_iter()
        .zip(routes)
        .map(
            |((file, line, column, end_line, end_column, code), route)| {
                (file, line, column, end_line, end_column, code, route)
            },
        )
        .collect();
    (value["summary"].clone(), rows)
}

fn row(file: &str, at: [u64; 4], code: &str, route: &str) -> Row {
    (
        file.to_string(),
        at[0],
        at[1],
        at[2],
        at[3],
        code.to_string(),
        route.to_string(),
    )
}

#[test]
fn check_finds_every_provider_call_with_its_route() {
    let out = run(&fixture("providers"), &["check", "--format", "json"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let (summary, found) = rows(&out.stdout);
    // 15 calls per language; the look-alike files add none.
    assert_eq!(summary["modelUses"], 30, "{summary}");
    assert_eq!(summary["filesChecked"], 16, "{summary}");
    assert_eq!(
        found,
        [
            row(
                "python/fal_calls.py",
                [4, 31, 4, 48],
                "attribution-required",
                "fal"
            ),
            row(
                "python/google_calls.py",
                [6, 47, 6, 72],
                "unknown-model",
                "google"
            ),
            row(
                "python/huggingface_calls.py",
                [5, 32, 5, 62],
                "attribution-required",
                "weights"
            ),
            row(
                "python/huggingface_calls.py",
                [5, 32, 5, 62],
                "non-commercial",
                "weights"
            ),
            row(
                "python/openai_calls.py",
                [5, 43, 5, 50],
                "unknown-model",
                "openai"
            ),
            row(
                "python/replicate_calls.py",
                [3, 23, 3, 51],
                "attribution-required",
                "replicate"
            ),
            row(
                "python/weights_calls.py",
                [5, 37, 5, 67],
                "attribution-required",
                "weights"
            ),
            row(
                "python/weights_calls.py",
                [5, 37, 5, 67],
                "non-commercial",
                "weights"
            ),
            row(
                "python/weights_calls.py",
                [6, 45, 6, 84],
                "unknown-model",
                "weights"
            ),
            row(
                "typescript/fal.ts",
                [3, 35, 3, 52],
                "attribution-required",
                "fal"
            ),
            row(
                "typescript/google.ts",
                [7, 50, 7, 66],
                "unknown-model",
                "google"
            ),
            row(
                "typescript/replicate.ts",
                [4, 36, 4, 64],
                "attribution-required",
                "replicate"
            ),
            row(
                "typescript/vercel-ai.ts",
                [7, 54, 7, 71],
                "attribution-required",
                "fal"
            ),
        ]
    );
}

#[test]
fn the_flux_dev_weights_are_non_commercial_with_the_licence_words() {
    let out = run(
        &fixture("providers"),
        &["check", "--format", "json", "python/weights_calls.py"],
    );
    let value: Value = serde_json::from_str(&out.stdout).expect("JSON output");
    let finding = value["findings"]
        .as_array()
        .and_then(|all| all.iter().find(|f| f["code"] == "non-commercial"))
        .expect("a non-commercial finding");
    assert_eq!(finding["canonicalId"], "flux-dev");
    assert_eq!(
        finding["message"],
        "black-forest-labs/FLUX.1-dev (self-hosted weights) is licensed for non-commercial use only (FLUX.1-dev): use a commercial-safe model such as `black-forest-labs/FLUX.1-schnell`, or set intended-use if this project is not commercial"
    );
    // Alternatives are spelled as repository ids, so the quick fix stays a valid call.
    assert_eq!(
        finding["suggestions"][0],
        "black-forest-labs/FLUX.1-schnell"
    );
}

#[test]
fn suggestions_never_cross_vendors() {
    let out = run(
        &fixture("providers"),
        &["check", "--format", "json", "python/openai_calls.py"],
    );
    let value: Value = serde_json::from_str(&out.stdout).expect("JSON output");
    let finding = &value["findings"][0];
    assert_eq!(finding["modelId"], "tts-1");
    let suggestions: Vec<&str> = finding["suggestions"]
        .as_array()
        .expect("suggestions")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(!suggestions.contains(&"qwen3-tts"), "{suggestions:?}");
    assert!(!suggestions.is_empty());
}

fn read(path: &str) -> String {
    std::fs::read_to_string(fixture("providers").join(path)).expect("fixture")
}

#[test]
fn the_server_reports_the_same_ranges_and_names_the_route_on_the_card() {
    let mut server = Server::start();
    let python = "file:///p/weights_calls.py";
    server.open(python, "python", &read("python/weights_calls.py"));
    assert_eq!(
        summarize(&server.diagnostics(python)),
        [
            (4, 36, 4, 66, "attribution-required".to_string(), 2),
            (4, 36, 4, 66, "non-commercial".to_string(), 1),
            (5, 44, 5, 83, "unknown-model".to_string(), 2),
        ]
    );
    let hover = server.hover(python, 4, 40);
    let card = hover["contents"]["value"].as_str().unwrap_or_default();
    assert!(card.contains("self-hosted weights (`weights`)"), "{card}");
    // The route term's words come from the registry's evidence at §2(b).
    assert!(card.contains("§2(b)"), "{card}");
    assert!(
        card.contains("Model or Derivatives for Non-Commercial Purposes"),
        "{card}"
    );

    let typescript = "file:///p/replicate.ts";
    server.open(typescript, "typescript", &read("typescript/replicate.ts"));
    assert_eq!(
        summarize(&server.diagnostics(typescript)),
        [(3, 35, 3, 63, "attribution-required".to_string(), 2)]
    );
    let hover = server.hover(typescript, 4, 70);
    let card = hover["contents"]["value"].as_str().unwrap_or_default();
    assert!(card.contains("Replicate API (`replicate`)"), "{card}");
    assert!(
        card.contains("the terms on the Replicate API route"),
        "{card}"
    );
    server.shutdown_and_exit();
}

#[test]
fn look_alikes_are_silent_in_the_server_too() {
    let mut server = Server::start();
    let uri = "file:///p/look_alikes.py";
    server.open(uri, "python", &read("python/look_alikes.py"));
    assert_eq!(summarize(&server.diagnostics(uri)), []);
    let uri = "file:///p/look-alikes.ts";
    server.open(uri, "typescript", &read("typescript/look-alikes.ts"));
    assert_eq!(summarize(&server.diagnostics(uri)), []);
    server.shutdown_and_exit();
}

#[test]
fn explain_answers_for_a_route() {
    let cwd = fixture("providers");
    let out = run(
        &cwd,
        &[
            "explain",
            "--route",
            "replicate",
            "black-forest-labs/flux-dev:abc123",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("flux-dev"), "{}", out.stdout);
    assert!(
        out.stdout
            .contains("written as black-forest-labs/flux-dev:abc123"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("Route: Replicate API (`replicate`)"),
        "{}",
        out.stdout
    );

    let out = run(
        &cwd,
        &[
            "explain",
            "--json",
            "--route",
            "weights",
            "black-forest-labs/flux.1-dev",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let value: Value = serde_json::from_str(&out.stdout).expect("JSON");
    assert_eq!(value["route"], "weights");
    assert_eq!(value["canonicalId"], "flux-dev");
    assert_eq!(value["model"]["licensing"]["commercial"], "not-allowed");

    let out = run(&cwd, &["explain", "--json", "--route", "openai", "tts-2"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let value: Value = serde_json::from_str(&out.stdout).expect("JSON");
    assert!(
        !value["suggestions"].to_string().contains("qwen"),
        "{value}"
    );

    let out = run(&cwd, &["explain", "--route", "nowhere", "flux-dev"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
}

#[test]
fn the_report_and_the_bom_carry_the_route() {
    let cwd = fixture("providers");
    let out = run(
        &cwd,
        &["report", "--format", "json", "python/weights_calls.py"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let value: Value = serde_json::from_str(&out.stdout).expect("JSON");
    let uses = value["uses"].as_array().expect("uses");
    assert_eq!(uses.len(), 2);
    assert_eq!(uses[0]["route"], "weights");
    assert_eq!(uses[0]["canonicalId"], "flux-dev");
    assert!(
        uses[0]["commercialUse"]
            .as_str()
            .is_some_and(|c| c.starts_with("Not allowed")),
        "{}",
        uses[0]
    );

    let out = run(
        &cwd,
        &["report", "--format", "cyclonedx", "python/weights_calls.py"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let bom: Value = serde_json::from_str(&out.stdout).expect("JSON");
    let component = bom["components"]
        .as_array()
        .and_then(|all| {
            all.iter()
                .find(|c| c["bom-ref"] == "model:flux-dev@weights")
        })
        .expect("a flux-dev component on the weights route");
    let properties: Vec<(String, String)> = component["properties"]
        .as_array()
        .expect("properties")
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap_or_default().to_string(),
                p["value"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    for expected in [
        ("abstrakt:route", "weights"),
        ("abstrakt:provider", "self-hosted weights"),
        ("abstrakt:commercial-use", "not-allowed"),
    ] {
        assert!(
            properties.contains(&(expected.0.to_string(), expected.1.to_string())),
            "{properties:?}"
        );
    }
}

/// A project calling FLUX.1 [dev] twice: its weights (non-commercial, §2(b))
/// and its Replicate endpoint.
const TWO_ROUTES: &str = "from diffusers import FluxPipeline\nimport replicate\n\npipe = FluxPipeline.from_pretrained(\"black-forest-labs/FLUX.1-dev\")\nout = replicate.run(\"black-forest-labs/flux-dev\")\n";

#[test]
fn the_lock_records_each_route_of_a_model_on_its_own() {
    let tree = cli_support::Tree::new(&[("app.py", TWO_ROUTES.as_bytes())]);
    let out = run(tree.path(), &["lock", "."]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let lock = tree.read("abstrakt.lock");
    let keys: Vec<&str> = lock.lines().filter(|l| l.starts_with("[models")).collect();
    assert_eq!(
        keys,
        [
            "[models.\"flux-dev@replicate\"]",
            "[models.\"flux-dev@weights\"]"
        ]
    );
    // Each entry is the licensing on its route: the weights' §2(b) term.
    let weights = lock
        .split("[models.\"flux-dev@weights\"]")
        .nth(1)
        .unwrap_or_default();
    assert!(weights.contains("commercial = \"not-allowed\""), "{lock}");
    let replicate = lock
        .split("[models.\"flux-dev@replicate\"]")
        .nth(1)
        .and_then(|rest| rest.split("[models").next())
        .unwrap_or_default();
    assert!(replicate.contains("commercial = \"allowed\""), "{lock}");

    // Just locked: nothing has changed (the weights route was reported as a
    // licence change when the lock recorded the API route's terms).
    let out = run(tree.path(), &["check", "--format", "json", "."]);
    let codes: Vec<String> = json_findings(&out.stdout)
        .into_iter()
        .map(|f| f.5)
        .collect();
    assert!(!codes.iter().any(|c| c == "license-changed"), "{codes:?}");
    let out = run(tree.path(), &["lock", "--check", "."]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);

    // One route can be marked reviewed; one the code does not take cannot.
    let out = run(
        tree.path(),
        &["lock", "--mark-reviewed", "flux-dev@weights", "."],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let out = run(
        tree.path(),
        &["lock", "--mark-reviewed", "flux-dev@openai", "."],
    );
    assert_eq!(out.code, 2);
    assert_eq!(
        out.stderr.trim(),
        "abstrakt-lsp: --mark-reviewed: `flux-dev@openai` is not used by the code checked (the lock records only models in use)"
    );
}

#[test]
fn acknowledging_in_the_editor_records_the_route_the_document_takes() {
    let tree = cli_support::Tree::new(&[
        ("app.py", TWO_ROUTES.as_bytes()),
        // Acknowledged when the weights were (wrongly) thought commercial.
        (
            "abstrakt.lock",
            b"version = 1\n[models.\"flux-dev@weights\"]\nlicense = \"FLUX.1-dev\"\ncommercial = \"allowed\"\nattribution = \"required\"\nfingerprint = \"0\"\nrecorded = \"2026-01-01\"\n",
        ),
    ]);
    let mut server = Server::start_workspace(tree.path(), serde_json::json!({}));
    let uri = format!("file://{}", tree.path().join("app.py").display());
    server.open(&uri, "python", TWO_ROUTES);
    let published = server.diagnostics(&uri);
    let changed: Vec<_> = summarize(&published)
        .into_iter()
        .filter(|d| d.4 == "license-changed")
        .collect();
    // Only the weights call: the Replicate route was never acknowledged.
    assert_eq!(changed, [(3, 36, 3, 66, "license-changed".to_string(), 2)]);

    server.request(
        "workspace/executeCommand",
        serde_json::json!({ "command": "abstrakt.acknowledgeLicensing", "arguments": [uri, "flux-dev"] }),
    );
    let lock = tree.read("abstrakt.lock");
    let keys: Vec<&str> = lock.lines().filter(|l| l.starts_with("[models")).collect();
    assert_eq!(
        keys,
        [
            "[models.\"flux-dev@replicate\"]",
            "[models.\"flux-dev@weights\"]"
        ]
    );
    assert!(!lock.contains("fingerprint = \"0\""), "{lock}");
    let cleared = server.wait_for(|m| {
        m["method"] == "textDocument/publishDiagnostics"
            && m["params"]["uri"] == uri.as_str()
            && !m["params"]["diagnostics"]
                .as_array()
                .is_some_and(|d| d.iter().any(|d| d["code"] == "license-changed"))
    });
    assert!(cleared["params"]["diagnostics"].is_array());
    server.shutdown_and_exit();
}

#[test]
fn inlay_hints_give_the_licensing_on_each_calls_route() {
    let mut server = Server::start();
    let uri = "file:///p/two_routes.py";
    server.open(uri, "python", TWO_ROUTES);
    server.diagnostics(uri);
    let hints = server.request(
        "textDocument/inlayHint",
        serde_json::json!({ "textDocument": { "uri": uri }, "range": { "start": { "line": 0, "character": 0 }, "end": { "line": 6, "character": 0 } } }),
    );
    let placed: Vec<(u64, u64, &str)> = hints
        .as_array()
        .into_iter()
        .flatten()
        .map(|h| {
            (
                h["position"]["line"].as_u64().unwrap_or_default(),
                h["position"]["character"].as_u64().unwrap_or_default(),
                h["label"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        placed,
        [
            (3, 66, "FLUX.1-dev · non-commercial · attribution"),
            (4, 48, "FLUX.1-dev · attribution"),
        ]
    );
    server.shutdown_and_exit();
}

#[test]
fn the_markdown_and_csv_reports_give_each_route_its_own_terms() {
    let tree = cli_support::Tree::new(&[("app.py", TWO_ROUTES.as_bytes())]);
    let out = run(tree.path(), &["report", "--format", "markdown", "."]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let section = |heading: &str| {
        out.stdout
            .split(heading)
            .nth(1)
            .and_then(|rest| rest.split("\n### ").next().map(str::to_string))
            .unwrap_or_default()
    };
    let weights = section("### FLUX.1 \\[dev\\] (`flux-dev`) — self-hosted weights\n");
    assert!(
        weights.contains("- Route: self-hosted weights (`weights`)\n"),
        "{}",
        out.stdout
    );
    assert!(
        weights.contains("- Commercial use: Not allowed\n"),
        "{weights}"
    );
    assert!(weights.contains("- Used at: `app.py:4`"), "{weights}");
    let replicate = section("### FLUX.1 \\[dev\\] (`flux-dev`) — Replicate API\n");
    assert!(
        replicate.contains("- Commercial use: Allowed\n"),
        "{}",
        out.stdout
    );
    assert!(
        replicate.contains("; the terms on the Replicate API route: the registry's answer is for the Abstrakt API route\n"),
        "{replicate}"
    );
    // One model, one credit to publish, whichever routes reach it.
    assert!(
        out.stdout
            .contains("2 model uses of 1 known model in 1 file"),
        "{}",
        out.stdout
    );
    assert_eq!(
        out.stdout
            .matches("- Image created with FLUX.1-dev")
            .count(),
        1
    );

    let out = run(tree.path(), &["report", "--format", "csv", "."]);
    let routes: Vec<(&str, &str)> = out
        .stdout
        .lines()
        .map(|line| {
            let commercial = line.split(',').nth(12).unwrap_or_default();
            (commercial, line.rsplit(',').next().unwrap_or_default())
        })
        .collect();
    assert_eq!(
        routes,
        [
            ("commercial_use", "route"),
            ("Not allowed", "weights"),
            ("Allowed", "replicate"),
        ]
    );
}

#[test]
fn the_attribution_file_credits_a_model_called_by_a_pinned_replicate_version() {
    let tree = cli_support::Tree::new(&[(
        "app.py",
        b"import replicate\nout = replicate.run(\"black-forest-labs/flux-dev:0123456789abcdef\")\n",
    )]);
    let out = run(tree.path(), &["report", "--format", "attribution", "."]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("> Image created with FLUX.1-dev"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("`app.py:2`"), "{}", out.stdout);
}

fn completion_labels(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|i| i["label"].as_str().unwrap_or_default().to_string())
        .collect()
}

fn complete_at(server: &mut Server, uri: &str, line: u32, character: u32) -> Value {
    server.request(
        "textDocument/completion",
        serde_json::json!({
            "textDocument": { "uri": uri },
            "position": { "line": line, "character": character },
            "context": { "triggerKind": 2, "triggerCharacter": "/" }
        }),
    )
}

#[test]
fn completion_in_a_provider_call_offers_ids_as_that_route_spells_them() {
    let mut server = Server::start();
    let uri = "file:///p/complete.py";
    let text = "import replicate\nfrom diffusers import FluxPipeline\n\nout = replicate.run(\"black-forest-labs/flux-\")\npipe = FluxPipeline.from_pretrained(\"black-forest-labs/FLUX.1-\")\nreplicate_like = other.run(\"black-forest-labs/flux-\")\n";
    server.open(uri, "python", text);
    server.diagnostics(uri);

    // Replicate: owner/model names, never the Abstrakt catalogue's spelling.
    let list = complete_at(&mut server, uri, 3, 44);
    let labels = completion_labels(&list);
    assert!(
        labels.contains(&"black-forest-labs/flux-dev".to_string()),
        "{labels:?}"
    );
    assert!(
        labels.contains(&"black-forest-labs/flux-schnell".to_string()),
        "{labels:?}"
    );
    assert!(
        !labels
            .iter()
            .any(|l| l == "flux-dev" || l.starts_with("replicate:")),
        "{labels:?}"
    );
    let dev = list["items"]
        .as_array()
        .and_then(|items| {
            items
                .iter()
                .find(|i| i["label"] == "black-forest-labs/flux-dev")
        })
        .cloned()
        .unwrap_or_default();
    // The edit replaces the id inside the quotes.
    assert_eq!(
        dev["textEdit"]["range"],
        serde_json::json!({ "start": { "line": 3, "character": 21 }, "end": { "line": 3, "character": 44 } })
    );
    let card = dev["documentation"]["value"].as_str().unwrap_or_default();
    assert!(card.contains("Replicate API (`replicate`)"), "{card}");

    // Weights: Hugging Face repository ids, with the weights' own terms.
    let list = complete_at(&mut server, uri, 4, 62);
    let labels = completion_labels(&list);
    assert!(
        labels.contains(&"black-forest-labs/FLUX.1-dev".to_string()),
        "{labels:?}"
    );
    let dev = list["items"]
        .as_array()
        .and_then(|items| {
            items
                .iter()
                .find(|i| i["label"] == "black-forest-labs/FLUX.1-dev")
        })
        .cloned()
        .unwrap_or_default();
    let card = dev["documentation"]["value"].as_str().unwrap_or_default();
    assert!(card.contains("§2(b)"), "{card}");
    // Non-commercial on this route: sorted after the commercial-safe ids.
    assert!(
        dev["sortText"]
            .as_str()
            .unwrap_or_default()
            .starts_with('3'),
        "{dev}"
    );

    // A look-alike call is not a provider call: no list.
    let list = complete_at(&mut server, uri, 5, 50);
    assert!(list.is_null(), "{list}");
    server.shutdown_and_exit();
}

#[test]
fn license_changed_on_a_route_suggests_ids_that_route_can_load() {
    let tree = cli_support::Tree::new(&[
        (
            "app.py",
            b"from diffusers import FluxPipeline\npipe = FluxPipeline.from_pretrained(\"black-forest-labs/FLUX.1-dev\")\n",
        ),
        (
            "abstrakt.lock",
            b"version = 1\n[models.\"flux-dev@weights\"]\nlicense = \"FLUX.1-dev\"\ncommercial = \"allowed\"\nattribution = \"required\"\nfingerprint = \"0\"\nrecorded = \"2026-01-01\"\n",
        ),
    ]);
    let out = run(tree.path(), &["check", "--format", "json", "."]);
    let value: Value = serde_json::from_str(&out.stdout).expect("JSON output");
    let changed = value["findings"]
        .as_array()
        .and_then(|all| all.iter().find(|f| f["code"] == "license-changed"))
        .expect("a license-changed finding");
    // A repository id `from_pretrained` can load, not the Abstrakt id `flux-schnell`.
    assert_eq!(
        changed["suggestions"][0],
        "black-forest-labs/FLUX.1-schnell"
    );
}
