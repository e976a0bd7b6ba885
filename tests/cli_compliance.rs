//! Compliance and CI integrations, by running the real binary: the CycloneDX
//! AI-BOM (validated against the official 1.6 schema), and `check`'s GitHub,
//! GitLab and JUnit outputs (escaping, stable fingerprints).

mod cli_support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use cli_support::{Tree, fixture, run, run_with};
use serde_json::Value;

const SERIAL: &str = "3e671687-395b-41f5-a30f-a58921a69b79";

fn version_filter() -> Vec<(&'static str, &'static str)> {
    vec![(env!("CARGO_PKG_VERSION"), "[VERSION]")]
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}):\n{text}"))
}

// ---- check --format github | gitlab | junit ---------------------------------

#[test]
fn github_output() {
    let out = run(&fixture("project"), &["check", "--format", "github"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(out.stderr, "");
    insta::assert_snapshot!("check_github", out.stdout);
}

#[test]
fn gitlab_output() {
    let out = run(&fixture("project"), &["check", "--format", "gitlab"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    insta::assert_snapshot!("check_gitlab", out.stdout);
}

#[test]
fn junit_output() {
    let out = run(&fixture("project"), &["check", "--format", "junit"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    insta::assert_snapshot!("check_junit", out.stdout);
}

/// A file whose name has `%`, `,` and `:`, and a model id (a template
/// literal) with `%`, `:`, `,` and a CRLF line break.
fn awkward_tree() -> Tree {
    Tree::new(&[(
        "we%ird,na:me.js",
        b"abstrakt.run(`100% a:b,c\r\nd`);\r\nabstrakt.run('x');\r\n",
    )])
}

#[test]
fn github_commands_escape_data_and_properties() {
    let tree = awkward_tree();
    let out = run(tree.path(), &["check", "--format", "github"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    // Each finding is exactly one command line: no raw line break survives.
    assert_eq!(out.stdout.lines().count(), 2, "{}", out.stdout);
    assert!(!out.stdout.contains('\r'));
    insta::assert_snapshot!("check_github_escaping", out.stdout);
}

#[test]
fn junit_escapes_markup_and_line_breaks() {
    let tree = Tree::new(&[("a<&>.js", b"abstrakt.run(`<b> & \"q\"\r\nx`);\n")]);
    let out = run(tree.path(), &["check", "--format", "junit"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    insta::assert_snapshot!("check_junit_escaping", out.stdout);
}

#[test]
fn junit_without_findings_is_one_passing_test() {
    let tree = Tree::new(&[("a.js", b"abstrakt.run('flux-schnell');\n")]);
    let out = run(tree.path(), &["check", "--format", "junit"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stdout,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <testsuites name=\"abstrakt-lsp\" tests=\"1\" failures=\"0\" errors=\"0\">\n  \
         <testsuite name=\"abstrakt-lsp\" tests=\"1\" failures=\"0\" errors=\"0\" skipped=\"0\">\n    \
         <testcase name=\"no findings in 1 checked files\" classname=\"abstrakt-lsp\"/>\n  \
         </testsuite>\n</testsuites>\n"
    );
    let github = run(tree.path(), &["check", "--format", "github"]);
    assert_eq!(github.stdout, "");
    let gitlab = run(tree.path(), &["check", "--format", "gitlab"]);
    assert_eq!(gitlab.stdout, "[]\n");
}

/// `(check_name, path, begin line) -> fingerprint` of a GitLab report.
fn fingerprints(stdout: &str) -> Vec<(String, String, u64, String)> {
    json(stdout)
        .as_array()
        .expect("an array of issues")
        .iter()
        .map(|issue| {
            (
                issue["check_name"].as_str().unwrap_or_default().to_string(),
                issue["location"]["path"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                issue["location"]["lines"]["begin"]
                    .as_u64()
                    .unwrap_or_default(),
                issue["fingerprint"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            )
        })
        .collect()
}

const CALLS: &str = "const a = await abstrakt.run('musicgen', { prompt });\n\
                     const b = await abstrakt.run('musicgen', { prompt });\n\
                     const c = await abstrakt.run('flux-dev', { prompt });\n";

#[test]
fn gitlab_fingerprints_survive_lines_inserted_above_and_reindenting() {
    let tree = Tree::new(&[("src/gen.js", CALLS.as_bytes())]);
    let before = fingerprints(&run(tree.path(), &["check", "--format", "gitlab"]).stdout);
    assert_eq!(before.len(), 3, "{before:?}");
    // Every fingerprint is distinct, even for the two identical calls.
    let distinct: BTreeSet<&String> = before.iter().map(|f| &f.3).collect();
    assert_eq!(distinct.len(), 3, "{before:?}");
    assert!(before.iter().all(|f| f.3.len() == 32));

    // Lines inserted above and a re-indent move every finding but keep its fingerprint.
    let moved = format!(
        "import Abstrakt from '@abstrakt/sdk';\n// generated below\n\n{}",
        CALLS.replace("const", "    const")
    );
    tree.write("src/gen.js", moved.as_bytes());
    let after = fingerprints(&run(tree.path(), &["check", "--format", "gitlab"]).stdout);
    assert_eq!(after.len(), 3, "{after:?}");
    for (old, new) in before.iter().zip(&after) {
        assert_eq!((&old.0, &old.1, &old.3), (&new.0, &new.1, &new.3));
        assert_eq!(new.2, old.2 + 3, "the line moved down by three");
    }

    // A different model at the same place is a different finding.
    tree.write(
        "src/gen.js",
        CALLS
            .replace("'flux-dev'", "'flux-1.1-pro-ultra'")
            .as_bytes(),
    );
    let changed = fingerprints(&run(tree.path(), &["check", "--format", "gitlab"]).stdout);
    assert_eq!(changed[..2], before[..2]);
    assert!(
        changed.get(2).is_none_or(|f| f.3 != before[2].3),
        "{changed:?}"
    );

    // The same call in another file is another finding.
    tree.write("src/other.js", CALLS.as_bytes());
    let both = fingerprints(&run(tree.path(), &["check", "--format", "gitlab"]).stdout);
    let all: BTreeSet<&String> = both.iter().map(|f| &f.3).collect();
    assert_eq!(all.len(), both.len(), "{both:?}");
}

// ---- report --format cyclonedx ---------------------------------------------

/// The official CycloneDX 1.6 schema, with its references served from the fixtures.
fn cyclonedx_validator() -> jsonschema::Validator {
    struct Fixtures;
    impl jsonschema::Retrieve for Fixtures {
        fn retrieve(
            &self,
            uri: &jsonschema::Uri<String>,
        ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
            let name = uri.path().as_str().rsplit('/').next().unwrap_or_default();
            let text = std::fs::read_to_string(fixture("cyclonedx").join(name))?;
            Ok(serde_json::from_str(&text)?)
        }
    }
    let text =
        std::fs::read_to_string(fixture("cyclonedx/bom-1.6.SNAPSHOT.schema.json")).expect("schema");
    jsonschema::options()
        .with_retriever(Fixtures)
        .build(&json(&text))
        .expect("a valid schema")
}

fn schema_errors(validator: &jsonschema::Validator, bom: &Value) -> Vec<String> {
    validator
        .iter_errors(bom)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

#[test]
fn the_validator_rejects_an_invalid_bom() {
    let validator = cyclonedx_validator();
    let bad = serde_json::json!({
        "bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
        "components": [{"type": "machine-learning-model", "name": "x",
                        "licenses": [{"license": {"id": "Not-An-SPDX-Id"}}]}]
    });
    assert!(!schema_errors(&validator, &bad).is_empty());
}

#[test]
fn cyclonedx_of_the_examples_is_valid_with_one_component_per_model() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = run(root, &["report", "--format", "cyclonedx", "examples/"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let bom = json(&out.stdout);
    let errors = schema_errors(&cyclonedx_validator(), &bom);
    assert!(errors.is_empty(), "{errors:#?}");

    // The same uses the JSON report lists, grouped by canonical model.
    let report = json(&run(root, &["report", "--format", "json", "examples/"]).stdout);
    let mut expected: BTreeMap<String, Vec<(String, u64, u64)>> = BTreeMap::new();
    for row in report["uses"].as_array().expect("uses") {
        let key = match (row["canonicalId"].as_str(), row["modelId"].as_str()) {
            (Some(id), _) => format!("model:{id}"),
            (None, Some(id)) => format!("unknown-model:{id}"),
            (None, None) => continue, // dynamic: listed in metadata instead
        };
        expected.entry(key).or_default().push((
            row["file"].as_str().unwrap_or_default().to_string(),
            row["line"].as_u64().unwrap_or_default(),
            row["column"].as_u64().unwrap_or_default(),
        ));
    }
    let mut actual: BTreeMap<String, Vec<(String, u64, u64)>> = BTreeMap::new();
    for component in bom["components"].as_array().expect("components") {
        assert_eq!(component["type"], "machine-learning-model");
        let bom_ref = component["bom-ref"].as_str().expect("bom-ref").to_string();
        let occurrences = component["evidence"]["occurrences"]
            .as_array()
            .expect("occurrences")
            .iter()
            .map(|o| {
                (
                    o["location"].as_str().unwrap_or_default().to_string(),
                    o["line"].as_u64().unwrap_or_default(),
                    o["offset"].as_u64().unwrap_or_default(),
                )
            })
            .collect();
        assert!(
            actual.insert(bom_ref.clone(), occurrences).is_none(),
            "{bom_ref} twice"
        );
    }
    assert_eq!(actual, expected);
    assert!(expected.len() >= 3, "the examples use several models");

    // Every known model names its license and its supplier.
    for component in bom["components"].as_array().expect("components") {
        if component["bom-ref"]
            .as_str()
            .is_some_and(|r| r.starts_with("model:"))
        {
            assert!(
                component["licenses"][0]["license"].is_object(),
                "{component}"
            );
            assert!(component["supplier"]["name"].is_string(), "{component}");
        }
    }
    assert_eq!(bom["metadata"]["component"]["name"], "examples");
    assert_eq!(bom["dependencies"][0]["ref"], "project");
}

/// A project with its own model entries: stable data for the snapshot.
fn bom_tree() -> Tree {
    Tree::new(&[
        (
            "abstrakt.toml",
            b"intended-use = \"commercial\"\n\
              [[models]]\nid = \"acme/painter\"\nname = \"Acme Painter\"\nlicense = \"Apache 2.0\"\n\
              spdx = \"Apache-2.0\"\nlicense-url = \"https://www.apache.org/licenses/LICENSE-2.0\"\n\
              commercial = true\nattribution = \"Not required\"\n\
              [[models]]\nid = \"acme/singer\"\nlicense = \"Acme Research License\"\n\
              license-url = \"https://acme.example/license\"\ncommercial = false\n\
              attribution = \"Required\"\nattribution-text = \"Music by Acme Singer\"\n\
              restrictions = [\"No impersonation\"]\nterritories-excluded = [\"EU\"]\n",
        ),
        (
            "src/app.ts",
            b"export const a = () => abstrakt.run('acme/painter', {});\n\
              export const b = (m: string) => abstrakt.run(m);\n\
              export const c = () => abstrakt.models.get('acme/singer');\n\
              export const d = () => abstrakt.run('acme/painter', { n: 2 });\n\
              export const e = () => abstrakt.run('nobody/knows');\n",
        ),
    ])
}

#[test]
fn cyclonedx_output_is_pinned_by_serial_number_and_source_date_epoch() {
    let tree = bom_tree();
    let args = [
        "report",
        "--format",
        "cyclonedx",
        "--serial-number",
        SERIAL,
        "--project-name",
        "acme-site",
    ];
    let out = run(tree.path(), &args);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let errors = schema_errors(&cyclonedx_validator(), &json(&out.stdout));
    assert!(errors.is_empty(), "{errors:#?}");
    insta::with_settings!({ filters => version_filter() }, {
        insta::assert_snapshot!("report_cyclonedx", out.stdout);
    });
    // Byte for byte the same on a second run, and with the env variable.
    assert_eq!(run(tree.path(), &args).stdout, out.stdout);
    let by_env = run_with(
        tree.path(),
        &[
            "report",
            "--format",
            "cyclonedx",
            "--project-name",
            "acme-site",
        ],
        &[("ABSTRAKT_BOM_SERIAL_NUMBER", &format!("urn:uuid:{SERIAL}"))],
    );
    assert_eq!(by_env.stdout, out.stdout);
}

#[test]
fn cyclonedx_serial_numbers_are_random_unless_pinned() {
    let tree = bom_tree();
    let first = json(&run(tree.path(), &["report", "--format", "cyclonedx"]).stdout);
    let second = json(&run(tree.path(), &["report", "--format", "cyclonedx"]).stdout);
    assert_ne!(first["serialNumber"], second["serialNumber"]);
    let serial = first["serialNumber"].as_str().expect("serial");
    assert!(
        serial.starts_with("urn:uuid:") && serial.len() == 45,
        "{serial}"
    );
    // SOURCE_DATE_EPOCH (2026-01-01, set by the test helper) is the timestamp.
    assert_eq!(first["metadata"]["timestamp"], "2026-01-01T00:00:00Z");
    let (mut a, mut b) = (first.clone(), second.clone());
    a["serialNumber"] = Value::Null;
    b["serialNumber"] = Value::Null;
    assert_eq!(a, b, "nothing else differs");

    let bad = run(
        tree.path(),
        &["report", "--format", "cyclonedx", "--serial-number", "1234"],
    );
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr.contains("--serial-number: `1234` is not a UUID"),
        "{}",
        bad.stderr
    );
}

/// The BOM keeps a credit the licence prescribes apart from our suggested one,
/// and says when a family pattern (not the id itself) decided the licensing.
#[test]
fn cyclonedx_separates_suggested_credits_and_names_family_patterns() {
    let tree = Tree::new(&[(
        "src/app.ts",
        b"export const a = () => abstrakt.run('flux-dev', {});\n\
          export const b = () => abstrakt.run('llama-3.1-8b', {});\n\
          export const c = () => abstrakt.run('fal-ai/flux-lora/inpainting', {});\n",
    )]);
    let out = run(tree.path(), &["report", "--format", "cyclonedx", "."]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let bom = json(&out.stdout);
    let property = |bom_ref: &str, name: &str| -> Vec<String> {
        bom["components"]
            .as_array()
            .expect("components")
            .iter()
            .filter(|c| c["bom-ref"] == bom_ref)
            .flat_map(|c| c["properties"].as_array().cloned().unwrap_or_default())
            .filter(|p| p["name"] == name)
            .filter_map(|p| p["value"].as_str().map(str::to_string))
            .collect()
    };
    // Abstrakt's example wording, labelled as such (not licence text, not our suggestion).
    assert_eq!(
        property("model:flux-dev", "abstrakt:attribution-text"),
        ["Image created with FLUX.1-dev"]
    );
    assert_eq!(
        property("model:flux-dev", "abstrakt:attribution-text-origin"),
        ["Abstrakt's example wording, not licence text"]
    );
    assert!(property("model:flux-dev", "abstrakt:attribution-suggested-credit").is_empty());
    assert_eq!(
        property("model:llama-3.1-8b", "abstrakt:attribution-text"),
        ["Built with Llama"]
    );
    assert!(
        property(
            "model:llama-3.1-8b",
            "abstrakt:attribution-suggested-credit"
        )
        .is_empty()
    );
    // The LoRA endpoint joins the flux-dev component, which says which of its
    // uses were decided by a family pattern.
    assert_eq!(
        property("model:flux-dev", "abstrakt:written-as"),
        ["fal-ai/flux-lora/inpainting", "flux-dev"]
    );
    assert_eq!(
        property("model:flux-dev", "abstrakt:matched-pattern"),
        ["fal-ai/flux-lora*"]
    );
    assert!(property("model:llama-3.1-8b", "abstrakt:matched-pattern").is_empty());
}
