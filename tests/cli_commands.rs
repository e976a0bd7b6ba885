//! `report`, `explain`, `models` and `lock`, by running the real binary.

mod cli_support;

use cli_support::{Tree, fixture, run};

const FLUX: &[u8] = b"abstrakt.run('flux-dev', { prompt });\n";
const MUSICGEN: &[u8] = b"abstrakt.run('musicgen');\n";

#[test]
fn report_markdown() {
    let out = run(&fixture("project"), &["report"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    insta::assert_snapshot!("report_markdown", out.stdout);
}

#[test]
fn report_csv_has_one_row_per_model_use() {
    let out = run(&fixture("project"), &["report", "--format", "csv"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    insta::assert_snapshot!("report_csv", out.stdout);
    let mut reader = csv::Reader::from_reader(out.stdout.as_bytes());
    let headers = reader.headers().expect("header").clone();
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    assert_eq!(rows.len(), 6);
    let column = |name: &str| headers.iter().position(|h| h == name).expect(name);
    let summary: Vec<(String, String, String, String)> = rows
        .iter()
        .map(|r| {
            (
                format!("{}:{}", &r[column("file")], &r[column("line")]),
                r[column("status")].to_string(),
                r[column("model_id")].to_string(),
                r[column("license")].to_string(),
            )
        })
        .collect();
    let expected = [
        ("src/app.ts:7", "known", "flux-dev", "FLUX.1-dev"),
        ("src/app.ts:11", "known", "musicgen", "CC-BY-NC-4.0"),
        ("src/clean.js:2", "known", "flux-schnell", "Apache-2.0"),
        (
            "src/components/Gallery.tsx:6",
            "known",
            "sd3.5-large",
            "Stability AI Community License",
        ),
        ("src/components/Gallery.tsx:7", "dynamic", "", ""),
        (
            "src/legacy.cjs:3",
            "unknown (did you mean flux-dev, flux-2-dev, flux-dev-tools?)",
            "flux-devv",
            "",
        ),
    ];
    let expected: Vec<(String, String, String, String)> = expected
        .iter()
        .map(|(a, b, c, d)| (a.to_string(), b.to_string(), c.to_string(), d.to_string()))
        .collect();
    assert_eq!(summary, expected);
    let flux = &rows[0];
    // Abstrakt's guide gives the wording (its example), so it is the credit.
    assert_eq!(&flux[column("attribution")], "Required");
    assert_eq!(
        &flux[column("attribution_text")],
        "Image created with FLUX.1-dev"
    );
    assert_eq!(&flux[column("commercial_use")], "Allowed");
    assert_eq!(&flux[column("category")], "Open weights with restrictions");
    assert_eq!(&flux[column("source")], "built-in registry");
    assert!(flux[column("license_url")].starts_with("https://"));
    assert_eq!(&rows[1][column("commercial_use")], "Not allowed");
}

#[test]
fn report_json_and_intended_use() {
    let out = run(
        &fixture("project"),
        &["report", "--format", "json", "--intended-use", "personal"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let value: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
    assert_eq!(value["generated"], "2026-01-01");
    let uses = value["uses"].as_array().expect("uses");
    assert_eq!(uses.len(), 6);
    assert_eq!(uses[1]["modelId"], "musicgen");
    assert_eq!(uses[1]["intendedUse"], "personal");
    assert_eq!(
        uses[1]["commercialUse"],
        "Not allowed (fine for personal use)"
    );
    assert_eq!(uses[4]["status"], "dynamic");
    assert_eq!(uses[4]["expression"], "model");
    assert_eq!(uses[5]["status"], "unknown");
    let models: Vec<&str> = value["models"]
        .as_array()
        .expect("models")
        .iter()
        .map(|m| m["canonicalId"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        models,
        ["flux-dev", "flux-schnell", "musicgen", "sd3.5-large"]
    );
}

#[test]
fn report_output_is_written_atomically() {
    let tree = Tree::new(&[("a.js", FLUX)]);
    tree.write("records/report.md", b"old report");
    let out = run(
        tree.path(),
        &["report", "a.js", "--output", "records/report.md"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout, "");
    let written = tree.read("records/report.md");
    assert!(written.starts_with("# Model licensing report"), "{written}");
    assert!(
        written.contains("- Image created with FLUX.1-dev (`flux-dev`) — Abstrakt's example wording, not licence text"),
        "{written}"
    );
    let leftovers: Vec<_> = std::fs::read_dir(tree.path().join("records"))
        .expect("dir")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(leftovers, ["report.md"]);
    let out = run(
        tree.path(),
        &["report", "a.js", "--output", "missing/dir/report.md"],
    );
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("cannot write `missing/dir/report.md`"),
        "{}",
        out.stderr
    );
}

#[test]
fn explain_a_known_model() {
    let out = run(&fixture("project"), &["explain", "fal-ai/flux/dev"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    // The card ends with the source and its age, which depends on today.
    let card: Vec<&str> = out
        .stdout
        .lines()
        .filter(|l| !l.starts_with("Source: "))
        .collect();
    insta::assert_snapshot!("explain_flux_dev", card.join("\n"));
    assert!(
        out.stdout
            .contains("\nSource: built-in registry, verified "),
        "{}",
        out.stdout
    );
}

#[test]
fn explain_json() {
    let out = run(
        &fixture("project"),
        &[
            "explain",
            "musicgen",
            "--json",
            "--intended-use",
            "research",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let value: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
    assert_eq!(value["canonicalId"], "musicgen");
    assert_eq!(value["known"], true);
    assert_eq!(
        value["commercialUse"],
        "Not allowed (fine for research use)"
    );
    assert_eq!(value["model"]["licensing"]["license"], "CC-BY-NC-4.0");
    assert_eq!(value["source"], "built-in registry");
}

#[test]
fn explain_an_unknown_model_suggests_close_ids() {
    let out = run(&fixture("project"), &["explain", "flux-devv"]);
    assert_eq!(out.code, 1);
    assert_eq!(out.stdout, "");
    assert_eq!(
        out.stderr,
        "abstrakt-lsp: unknown model `flux-devv`; did you mean `flux-dev`, `flux-2-dev`, `flux-dev-tools`?\n"
    );
    let out = run(&fixture("project"), &["explain", "zzzzzz", "--json"]);
    assert_eq!(out.code, 1);
    let value: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
    assert_eq!(
        value,
        serde_json::json!({ "id": "zzzzzz", "known": false, "suggestions": [] })
    );
}

#[test]
fn explain_uses_the_projects_own_models() {
    let tree = Tree::new(&[(
        "abstrakt.toml",
        b"[[models]]\nid = \"acme/house-style\"\nlicense = \"Proprietary\"\ncommercial = true\nattribution = \"Not required\"\n",
    )]);
    let out = run(tree.path(), &["explain", "acme/house-style"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("License: Proprietary"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("Source: project file"),
        "{}",
        out.stdout
    );
}

#[test]
fn models_table_and_filters() {
    let out = run(&fixture("project"), &["models"]);
    assert_eq!(out.code, 0);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(
        lines[0].split_whitespace().collect::<Vec<_>>(),
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
    assert!(
        lines.iter().any(|l| l.starts_with("flux-dev ")
            && l.contains("FLUX.1-dev")
            && l.contains("Required"))
    );

    let open = run(
        &fixture("project"),
        &["models", "--category", "open-source", "--json"],
    );
    let models: serde_json::Value = serde_json::from_str(&open.stdout).expect("JSON");
    let models = models["models"].as_array().expect("array");
    assert!(!models.is_empty());
    assert!(
        models
            .iter()
            .all(|m| m["licensing"]["category"] == "open-source")
    );
    assert!(models.iter().any(|m| m["id"] == "flux-schnell"));

    let commercial = run(&fixture("project"), &["models", "--commercial", "--json"]);
    let models: serde_json::Value = serde_json::from_str(&commercial.stdout).expect("JSON");
    let models = models["models"].as_array().expect("array");
    assert!(
        models
            .iter()
            .all(|m| m["licensing"]["commercial"] == "allowed")
    );
    assert!(!models.iter().any(|m| m["id"] == "musicgen"));

    let bad = run(
        &fixture("project"),
        &["models", "--category", "proprietary"],
    );
    assert_eq!(bad.code, 2);
}

#[test]
fn lock_writes_checks_and_detects_changes() {
    let tree = Tree::new(&[
        ("src/a.js", FLUX),
        ("src/b.ts", MUSICGEN),
        ("src/c.js", b"abstrakt.run(pick());\n"),
    ]);
    let check = run(tree.path(), &["lock", "--check"]);
    assert_eq!(check.code, 1);
    assert!(
        check.stderr.contains("abstrakt.lock does not exist"),
        "{}",
        check.stderr
    );

    let out = run(tree.path(), &["lock"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout, "Wrote ./abstrakt.lock (2 models)\n");
    assert_eq!(
        out.stderr,
        "note: 1 model use with an unknown or dynamic id is not recorded\n"
    );
    let lock = tree.read("abstrakt.lock");
    assert!(
        lock.contains("[models.flux-dev]\nlicense = \"FLUX.1-dev\""),
        "{lock}"
    );
    assert!(lock.contains("[models.musicgen]"), "{lock}");
    assert!(lock.contains("recorded = \"2026-01-01\""), "{lock}");

    let check = run(tree.path(), &["lock", "--check"]);
    assert_eq!(check.code, 0, "{}", check.stderr);
    let again = run_later(tree.path(), &["lock"]);
    assert_eq!(again.code, 0);
    assert!(again.stdout.starts_with("Unchanged:"), "{}", again.stdout);
    assert_eq!(
        tree.read("abstrakt.lock"),
        lock,
        "dates of unchanged entries are kept"
    );

    // A new model, a model no longer used, and changed licensing are all out of date.
    tree.write("src/b.ts", b"abstrakt.run('sd3.5-large');\n");
    let edited = lock.replace(
        "attribution = \"required\"",
        "attribution = \"not-required\"",
    );
    let edited = edited.replacen("fingerprint = \"", "fingerprint = \"0", 1);
    tree.write("abstrakt.lock", edited.as_bytes());
    let check = run(tree.path(), &["lock", "--check"]);
    assert_eq!(check.code, 1);
    assert!(
        check
            .stderr
            .contains("flux-dev: attribution Not required → Required"),
        "{}",
        check.stderr
    );
    assert!(
        check.stderr.contains("sd3.5-large: not recorded yet"),
        "{}",
        check.stderr
    );
    assert!(
        check.stderr.contains("musicgen: no longer used"),
        "{}",
        check.stderr
    );

    // The check command reports license-changed at the use until the lock is updated.
    let found = run(tree.path(), &["check", "--format", "json", "src/a.js"]);
    assert!(
        found.stdout.contains("\"license-changed\""),
        "{}",
        found.stdout
    );
    assert_eq!(run(tree.path(), &["lock"]).code, 0);
    assert_eq!(run(tree.path(), &["lock", "--check"]).code, 0);
    let found = run(tree.path(), &["check", "--format", "json", "src/a.js"]);
    assert!(
        !found.stdout.contains("\"license-changed\""),
        "{}",
        found.stdout
    );

    tree.write("abstrakt.lock", b"version = 1\n[models.x]\nlicense = 3\n");
    let broken = run(tree.path(), &["lock", "--check"]);
    assert_eq!(broken.code, 2);
    assert!(
        broken.stderr.contains("abstrakt.lock:3:"),
        "{}",
        broken.stderr
    );
}

/// Runs a day later than [`run`], to show dates of unchanged entries are kept.
fn run_later(cwd: &std::path::Path, args: &[&str]) -> cli_support::Output {
    cli_support::run_with(cwd, args, &[("SOURCE_DATE_EPOCH", "1767312000")])
}
