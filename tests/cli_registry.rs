//! `abstrakt-lsp models`: the stable JSON export, patterns in the table, and
//! the Abstrakt API catalog merged in when a key is set (a real HTTP server
//! on 127.0.0.1).

mod cli_support;

use std::sync::{Arc, Mutex};

use cli_support::{Tree, run, run_with, serve_api};
use serde_json::Value;

/// Serves `GET /v1/models?...` with `status` and `body`; returns the base URL
/// and the request lines with their Authorization headers.
fn serve(status: &'static str, body: &'static str) -> (String, Arc<Mutex<Vec<String>>>) {
    serve_api(move |_| (status, body))
}

const CATALOG: &str = r#"{"models":[
  {"id":"flux-schnell","name":"FLUX.1 [schnell]","licensing":{"license":"Apache-2.0","commercial":true,"attribution":"Not required"}},
  {"id":"acme-video-1","name":"Acme Video 1","provider":"Acme","category":"video","licensing":{"license":"Acme Terms","commercial":true,"attribution":"Required"}},
  {"id":"acme-draft","name":"Acme Draft"}
],"total":3}"#;

fn models_json(stdout: &str) -> Vec<Value> {
    let document: Value = serde_json::from_str(stdout).expect("JSON");
    assert_eq!(document["schemaVersion"], 1, "{document}");
    assert_eq!(document["tool"]["name"], "abstrakt-lsp");
    document["models"].as_array().expect("models").clone()
}

fn row<'a>(models: &'a [Value], id: &str) -> &'a Value {
    models
        .iter()
        .find(|m| m["id"] == id)
        .unwrap_or_else(|| panic!("{id} listed"))
}

#[test]
fn the_json_export_has_the_documented_shape() {
    let tree = Tree::new(&[]);
    let out = run(tree.path(), &["models", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let models = models_json(&out.stdout);
    // serde_json sorts keys; the order of the text is the documented one.
    let sorted = |keys: &[&'static str]| {
        let mut keys = keys.to_vec();
        keys.sort_unstable();
        keys
    };
    let model_keys = [
        "id",
        "source",
        "aliases",
        "patterns",
        "name",
        "vendor",
        "modality",
        "licensing",
        "alternatives",
    ];
    let licensing_keys = [
        "license",
        "spdx",
        "licenseUrl",
        "category",
        "commercial",
        "commercialCondition",
        "attribution",
        "attributionText",
        "credit",
        "restrictions",
        "territoriesExcluded",
        "confidence",
        "unverified",
        "sources",
        "licenseDate",
        "verified",
        "notes",
        "evidence",
    ];
    for model in &models {
        let keys: Vec<&str> = model
            .as_object()
            .expect("object")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, sorted(&model_keys), "{model}");
        assert_eq!(model["source"], "built-in");
        let keys: Vec<&str> = model["licensing"]
            .as_object()
            .expect("licensing")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, sorted(&licensing_keys), "{model}");
        for evidence in model["licensing"]["evidence"].as_array().expect("list") {
            let keys: Vec<&str> = evidence
                .as_object()
                .expect("evidence")
                .keys()
                .map(String::as_str)
                .collect();
            assert_eq!(keys, sorted(&["about", "text", "verbatim", "source", "at"]));
        }
    }
    let llama = row(&models, "llama-3.1-8b");
    assert_eq!(
        llama["licensing"]["credit"],
        serde_json::json!({ "text": "Built with Llama", "prescribed": true })
    );
    assert_eq!(
        row(&models, "flux-schnell")["licensing"]["credit"],
        Value::Null
    );
}

#[test]
fn without_a_key_nothing_is_fetched_and_no_source_column_is_shown() {
    let (url, seen) = serve("200 OK", CATALOG);
    let tree = Tree::new(&[]);
    let out = run_with(tree.path(), &["models", "--api-url", &url], &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let header: Vec<&str> = out
        .stdout
        .lines()
        .next()
        .expect("header")
        .split_whitespace()
        .collect();
    assert_eq!(
        header,
        [
            "ID",
            "NAME",
            "LICENSE",
            "CATEGORY",
            "COMMERCIAL",
            "ATTRIBUTION",
            "PATTERNS"
        ]
    );
    let offline = run_with(
        tree.path(),
        &["models", "--json", "--offline", "--api-url", &url],
        &[("ABSTRAKT_API_KEY", "sk_test_models")],
    );
    assert_eq!(offline.code, 0, "{}", offline.stderr);
    assert!(
        models_json(&offline.stdout)
            .iter()
            .all(|m| m["source"] == "built-in")
    );
    assert!(seen.lock().expect("log").is_empty());
}

#[test]
fn with_a_key_the_api_catalog_is_merged_and_each_row_says_its_source() {
    let (url, seen) = serve("200 OK", CATALOG);
    let tree = Tree::new(&[]);
    let key = [("ABSTRAKT_API_KEY", "sk_test_models")];
    let out = run_with(tree.path(), &["models", "--json", "--api-url", &url], &key);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        *seen.lock().expect("log"),
        ["GET /v1/models?limit=100&offset=0 HTTP/1.1 | authorization: Bearer sk_test_models"]
    );
    let models = models_json(&out.stdout);
    let schnell = row(&models, "flux-schnell");
    assert_eq!(schnell["source"], "abstrakt-api");
    assert_eq!(schnell["licensing"]["license"], "Apache-2.0");
    // The built-in identity is kept.
    assert!(
        schnell["aliases"]
            .as_array()
            .expect("aliases")
            .iter()
            .any(|a| a == "fal-ai/flux/schnell")
    );
    assert_eq!(row(&models, "musicgen")["source"], "built-in");
    let acme = row(&models, "acme-video-1");
    assert_eq!(acme["source"], "abstrakt-api");
    assert_eq!(acme["vendor"], "Acme");
    assert_eq!(acme["licensing"]["attribution"], "required");
    assert_eq!(
        acme["licensing"]["credit"],
        serde_json::json!({ "text": "Acme Video 1 by Acme", "prescribed": false })
    );
    let draft = row(&models, "acme-draft");
    assert_eq!(
        (&draft["source"], &draft["licensing"]),
        (&"abstrakt-api".into(), &Value::Null)
    );
    assert_eq!(
        models.iter().filter(|m| m["id"] == "flux-schnell").count(),
        1
    );

    let table = run_with(tree.path(), &["models", "--api-url", &url], &key);
    let lines: Vec<&str> = table.stdout.lines().collect();
    assert_eq!(
        lines[0].split_whitespace().collect::<Vec<_>>(),
        [
            "ID",
            "NAME",
            "LICENSE",
            "CATEGORY",
            "COMMERCIAL",
            "ATTRIBUTION",
            "SOURCE",
            "PATTERNS"
        ]
    );
    let acme = lines
        .iter()
        .find(|l| l.starts_with("acme-video-1 "))
        .expect("acme row");
    assert!(acme.contains("abstrakt-api"), "{acme}");
    let musicgen = lines
        .iter()
        .find(|l| l.starts_with("musicgen "))
        .expect("musicgen row");
    assert!(musicgen.contains(" built-in"), "{musicgen}");

    // Filters apply to merged rows; a catalog entry without licensing never passes one.
    let commercial = run_with(
        tree.path(),
        &["models", "--json", "--commercial", "--api-url", &url],
        &key,
    );
    let models = models_json(&commercial.stdout);
    assert!(models.iter().any(|m| m["id"] == "acme-video-1"));
    assert!(!models.iter().any(|m| m["id"] == "acme-draft"));
}

#[test]
fn a_rejected_key_lists_the_built_in_registry_with_a_message() {
    let (url, _) = serve(
        "401 Unauthorized",
        r#"{"error":{"code":"unauthorized","message":"bad key"}}"#,
    );
    let tree = Tree::new(&[]);
    let out = run_with(
        tree.path(),
        &["models", "--json", "--api-url", &url],
        &[("ABSTRAKT_API_KEY", "sk_test_models")],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stderr.trim(),
        "abstrakt-lsp: cannot list the Abstrakt API catalog: the Abstrakt API rejected the API key (HTTP 401); check abstrakt.apiKey or ABSTRAKT_API_KEY; listing the built-in registry"
    );
    assert!(!out.stderr.contains("sk_test_models"));
    assert!(
        models_json(&out.stdout)
            .iter()
            .all(|m| m["source"] == "built-in")
    );
}

/// A project whose `[[models]]` entry declares a family pattern.
fn pattern_project() -> Tree {
    Tree::new(&[
        (
            "abstrakt.toml",
            b"[[models]]\nid = \"acme/image-v1\"\nname = \"Acme Image\"\nlicense = \"Acme-NC\"\ncommercial = false\nattribution = \"Required\"\npatterns = [\"acme/image-*\"]\n",
        ),
        ("src/app.ts", b"abstrakt.run('acme/image-v2', {});\n"),
    ])
}

#[test]
fn a_pattern_match_shows_on_every_face() {
    let tree = pattern_project();

    let check = run(tree.path(), &["check", "--format", "json"]);
    assert_eq!(check.code, 1, "{}", check.stderr);
    let value: Value = serde_json::from_str(&check.stdout).expect("JSON");
    let findings = value["findings"].as_array().expect("findings");
    let codes: Vec<&str> = findings.iter().filter_map(|f| f["code"].as_str()).collect();
    assert_eq!(codes, ["attribution-required", "non-commercial"]);
    for finding in findings {
        assert_eq!(finding["matchedPattern"], "acme/image-*", "{finding}");
        assert_eq!(finding["canonicalId"], "acme/image-v1");
    }
    assert_eq!(
        findings[0]["message"],
        "acme/image-v2 (matched by family pattern `acme/image-*`) requires attribution (Acme-NC), but the source gives no wording: credit the model near the output, e.g. \"Acme Image\" (suggested credit)"
    );

    let sarif = run(tree.path(), &["check", "--format", "sarif"]);
    let value: Value = serde_json::from_str(&sarif.stdout).expect("SARIF");
    let results = value["runs"][0]["results"].as_array().expect("results");
    assert_eq!(results.len(), 2);
    for result in results {
        assert_eq!(
            result["properties"]["matchedPattern"], "acme/image-*",
            "{result}"
        );
    }

    let explain = run(tree.path(), &["explain", "acme/image-v2"]);
    assert_eq!(explain.code, 0, "{}", explain.stderr);
    assert!(
        explain.stdout.starts_with(
            "Acme Image acme/image-v1 (written as acme/image-v2)\nMatched by family pattern acme/image-*: the id is not listed itself, its family's licence applies\n"
        ),
        "{}",
        explain.stdout
    );
    let json = run(tree.path(), &["explain", "acme/image-v2", "--json"]);
    let value: Value = serde_json::from_str(&json.stdout).expect("JSON");
    assert_eq!(
        (&value["matchedBy"], &value["matchedPattern"]),
        (&"pattern".into(), &"acme/image-*".into())
    );

    let report = run(tree.path(), &["report", "--format", "json"]);
    let value: Value = serde_json::from_str(&report.stdout).expect("JSON");
    let row = &value["uses"][0];
    assert_eq!(row["matchedPattern"], "acme/image-*");
    let source = row["source"].as_str().expect("source");
    assert!(
        source.starts_with("project file ")
            && source.ends_with("abstrakt.toml, matched by family pattern `acme/image-*`"),
        "{source}"
    );
    assert_eq!(row["attributionText"], "Acme Image");
    assert_eq!(
        row["attribution"],
        "Required (no prescribed wording; suggested credit)"
    );
}

#[test]
fn an_overlapping_project_pattern_is_a_configuration_error() {
    let tree = Tree::new(&[
        (
            "abstrakt.toml",
            b"[[models]]\nid = \"a\"\nlicense = \"X\"\ncommercial = true\nattribution = \"Not required\"\npatterns = [\"acme/*\"]\n\n[[models]]\nid = \"b\"\nlicense = \"Y\"\ncommercial = true\nattribution = \"Not required\"\npatterns = [\"acme/*\"]\n",
        ),
        ("src/app.ts", b"abstrakt.run('acme/x', {});\n"),
    ]);
    let out = run(tree.path(), &["check"]);
    assert_eq!(out.code, 2, "{}", out.stdout);
    assert!(
        out.stderr
            .contains("pattern `acme/*` is declared by both `a` and `b`"),
        "{}",
        out.stderr
    );
}
