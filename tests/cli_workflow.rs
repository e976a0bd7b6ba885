//! The compliance workflow, by running the real binary: the attribution file
//! and `attribution-file-stale`.

mod cli_support;

use cli_support::{Tree, run};

/// A project whose code uses a model with a prescribed credit, one with a
/// suggested credit (twice, in two files), and one that needs none.
fn credits_tree() -> Tree {
    Tree::new(&[
        (
            "abstrakt.toml",
            b"intended-use = \"commercial\"\n\n[attribution]\nfile = \"THIRD_PARTY_MODELS.md\"\n",
        ),
        (
            "src/chat.ts",
            b"export const chat = () => abstrakt.run('llama-3.1-8b', { prompt });\n",
        ),
        (
            "src/hero.ts",
            b"// hero\nexport const hero = () => abstrakt.run('flux-dev', { prompt });\n\
              export const fast = () => abstrakt.run('flux-schnell', { prompt });\n",
        ),
        (
            "src/more/poster.ts",
            b"export const poster = () => abstrakt.run('fal-ai/flux/dev', {});\n",
        ),
    ])
}

#[test]
fn attribution_report_lists_models_that_need_credit() {
    let tree = credits_tree();
    let out = run(tree.path(), &["report", "--format", "attribution"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    insta::assert_snapshot!("report_attribution", out.stdout);
    // flux-schnell (Apache-2.0) needs no credit; both spellings of flux-dev are one entry.
    assert!(!out.stdout.contains("flux-schnell"));
    assert_eq!(out.stdout.matches("## ").count(), 2, "{}", out.stdout);
}

#[test]
fn attribution_paths_are_relative_to_the_project_from_any_folder() {
    let tree = credits_tree();
    let from_root = run(tree.path(), &["report", "--format", "attribution"]);
    let from_src = run(
        &tree.path().join("src"),
        &["report", "--format", "attribution", ".."],
    );
    assert_eq!(from_root.stdout, from_src.stdout);
    assert!(from_root.stdout.contains("`src/more/poster.ts:1`"));
}

#[test]
fn check_reports_a_missing_or_stale_attribution_file_until_regenerated() {
    let tree = credits_tree();
    let check = |tree: &Tree| run(tree.path(), &["check", "--format", "json", "."]);
    let stale = |stdout: &str| -> Vec<(String, u64, u64, String)> {
        let value: serde_json::Value = serde_json::from_str(stdout).expect("JSON");
        value["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .filter(|f| f["code"] == "attribution-file-stale")
            .map(|f| {
                (
                    f["file"].as_str().unwrap_or_default().to_string(),
                    f["line"].as_u64().unwrap_or_default(),
                    f["column"].as_u64().unwrap_or_default(),
                    f["message"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect()
    };

    // Missing: the finding sits on the `file` value in abstrakt.toml.
    let missing = stale(&check(&tree).stdout);
    assert_eq!(
        missing,
        [(
            "abstrakt.toml".to_string(),
            4,
            8,
            "THIRD_PARTY_MODELS.md (named in abstrakt.toml) does not exist: write it with `abstrakt-lsp report --format attribution --output THIRD_PARTY_MODELS.md`".to_string()
        )]
    );

    // Written by the report: current, no finding.
    write_attribution_file(&tree);
    assert_eq!(stale(&check(&tree).stdout), []);
    // Line endings converted by git on checkout do not make it stale.
    let committed = tree.read("THIRD_PARTY_MODELS.md");
    tree.write(
        "THIRD_PARTY_MODELS.md",
        committed.replace('\n', "\r\n").as_bytes(),
    );
    assert_eq!(stale(&check(&tree).stdout), []);
    tree.write("THIRD_PARTY_MODELS.md", committed.as_bytes());

    // A new model that needs credit, and one no longer used.
    tree.write(
        "src/chat.ts",
        b"export const chat = () => abstrakt.run('sd3.5-large', { prompt });\n",
    );
    let found = stale(&check(&tree).stdout);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(
        found[0].3,
        "THIRD_PARTY_MODELS.md is out of date (missing `sd3.5-large`; lists `llama-3.1-8b` that the code no longer uses): regenerate it with `abstrakt-lsp report --format attribution --output THIRD_PARTY_MODELS.md`"
    );

    // A call moved: the call sites changed.
    tree.write(
        "src/chat.ts",
        b"\nexport const chat = () => abstrakt.run('llama-3.1-8b', { prompt });\n",
    );
    let found = stale(&check(&tree).stdout);
    assert!(
        found[0]
            .3
            .contains("(call sites, licences or wording changed)"),
        "{found:?}"
    );

    // Checking part of the project says nothing about the whole file.
    assert_eq!(
        stale(&run(tree.path(), &["check", "--format", "json", "src/chat.ts"]).stdout),
        []
    );
    assert_eq!(
        stale(&run(tree.path(), &["check", "--format", "json", "src"]).stdout),
        []
    );

    // The rule's severity is configurable like any other.
    tree.write(
        "abstrakt.toml",
        b"[attribution]\nfile = \"THIRD_PARTY_MODELS.md\"\n[rules]\nattribution-file-stale = \"error\"\n",
    );
    let out = run(tree.path(), &["check", "."]);
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(
        out.stdout.contains("attribution-file-stale"),
        "{}",
        out.stdout
    );
}

// ---- check --baseline / --write-baseline ------------------------------------

const CALLS: &str = "const a = await abstrakt.run('musicgen', { prompt });\n\
                     const b = await abstrakt.run('flux-dev', { prompt });\n";

/// `(code, file, line)` of each finding of `check --format json`.
fn located(stdout: &str) -> Vec<(String, String, u64)> {
    let value: serde_json::Value =
        serde_json::from_str(stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{stdout}"));
    value["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap_or_default().to_string(),
                f["file"].as_str().unwrap_or_default().to_string(),
                f["line"].as_u64().unwrap_or_default(),
            )
        })
        .collect()
}

#[test]
fn a_baseline_quiets_known_findings_until_their_line_changes() {
    let tree = Tree::new(&[("src/gen.js", CALLS.as_bytes())]);
    let before = run(tree.path(), &["check", "--format", "json"]);
    assert_eq!(before.code, 1, "musicgen is an error: {}", before.stdout);
    assert_eq!(located(&before.stdout).len(), 2);

    // Writing the baseline reports nothing new and passes.
    let written = run(
        tree.path(),
        &[
            "check",
            "--format",
            "json",
            "--write-baseline",
            "abstrakt-baseline.json",
        ],
    );
    assert_eq!(written.code, 0, "{}{}", written.stdout, written.stderr);
    assert_eq!(located(&written.stdout), []);
    assert!(
        written
            .stderr
            .contains("recorded 2 findings in the baseline abstrakt-baseline.json"),
        "{}",
        written.stderr
    );
    let file: serde_json::Value =
        serde_json::from_str(&tree.read("abstrakt-baseline.json")).expect("JSON");
    assert_eq!(file["version"], 1);
    assert_eq!(file["findings"][0]["rule"], "non-commercial");
    assert_eq!(file["findings"][0]["model"], "musicgen");
    assert_eq!(
        file["findings"][0]["fingerprint"].as_str().map(str::len),
        Some(32)
    );

    // Lines inserted above and re-indenting keep them quiet; a new call is reported.
    tree.write(
        "src/gen.js",
        format!(
            "// header\n\n{}  const c = await abstrakt.run('musicgen', {{ prompt, n: 2 }});\n",
            CALLS.replace("const", "  const")
        )
        .as_bytes(),
    );
    let out = run(
        tree.path(),
        &[
            "check",
            "--format",
            "json",
            "--baseline",
            "abstrakt-baseline.json",
        ],
    );
    assert_eq!(out.code, 1);
    assert_eq!(
        located(&out.stdout),
        [("non-commercial".to_string(), "src/gen.js".to_string(), 5)]
    );
    assert!(
        out.stderr.contains("not reported: 2 in the baseline"),
        "{}",
        out.stderr
    );

    // Editing a baselined line brings its finding back.
    tree.write(
        "src/gen.js",
        CALLS
            .replace("{ prompt }", "{ prompt, seed: 1 }")
            .as_bytes(),
    );
    let out = run(
        tree.path(),
        &[
            "check",
            "--format",
            "json",
            "--baseline",
            "abstrakt-baseline.json",
        ],
    );
    assert_eq!(located(&out.stdout).len(), 2, "{}", out.stdout);
}

#[test]
fn a_missing_or_foreign_baseline_is_a_usage_error() {
    let tree = Tree::new(&[("a.js", CALLS.as_bytes()), ("b.json", b"[]")]);
    let out = run(tree.path(), &["check", "--baseline", "nope.json"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("--baseline: cannot read `nope.json`"),
        "{}",
        out.stderr
    );
    let out = run(tree.path(), &["check", "--baseline", "b.json"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .contains("--baseline: `b.json` is not a baseline file"),
        "{}",
        out.stderr
    );
}

// ---- check --new-since ------------------------------------------------------

/// `report --format attribution --output THIRD_PARTY_MODELS.md`, which must succeed.
fn write_attribution_file(tree: &Tree) {
    let written = run(
        tree.path(),
        &[
            "report",
            "--format",
            "attribution",
            "--output",
            "THIRD_PARTY_MODELS.md",
        ],
    );
    assert_eq!(written.code, 0, "{}", written.stderr);
}

fn git(tree: &Tree, args: &[&str]) {
    let status = std::process::Command::new("git")
        .args(args)
        .current_dir(tree.path())
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", tree.path())
        .output()
        .expect("git runs");
    assert!(status.status.success(), "git {args:?}: {status:?}");
}

/// A repository with one commit: three files with findings.
fn repository() -> Tree {
    let tree = Tree::new(&[
        ("src/gen.js", CALLS.as_bytes()),
        ("src/old-name.js", CALLS.as_bytes()),
        ("src/other.js", CALLS.as_bytes()),
    ]);
    git(&tree, &["init", "--quiet"]);
    git(&tree, &["add", "."]);
    git(&tree, &["commit", "--quiet", "-m", "start"]);
    git(&tree, &["tag", "base"]);
    tree
}

#[test]
fn new_since_reports_only_changed_lines_following_renames() {
    let tree = repository();
    // One line edited, a file renamed (with an edit), a new untracked file.
    tree.write(
        "src/gen.js",
        CALLS
            .replace("'flux-dev', { prompt }", "'flux-dev', { prompt, n: 2 }")
            .as_bytes(),
    );
    git(&tree, &["mv", "src/old-name.js", "src/new-name.js"]);
    tree.write(
        "src/new-name.js",
        format!("{CALLS}const d = await abstrakt.run('llama-3.1-8b');\n").as_bytes(),
    );
    tree.write("src/added.js", b"abstrakt.run('musicgen');\n");

    let out = run(
        tree.path(),
        &["check", "--format", "json", "--new-since", "base"],
    );
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(
        located(&out.stdout),
        [
            ("non-commercial".to_string(), "src/added.js".to_string(), 1),
            (
                "attribution-required".to_string(),
                "src/gen.js".to_string(),
                2
            ),
            (
                "attribution-required".to_string(),
                "src/new-name.js".to_string(),
                3
            ),
        ]
    );
    assert!(
        out.stderr
            .contains("not reported: 5 on lines unchanged since base"),
        "{}",
        out.stderr
    );
    // Nothing changed since the working tree's own state: nothing new.
    git(&tree, &["add", "-A"]);
    git(&tree, &["commit", "--quiet", "-m", "more"]);
    let out = run(
        tree.path(),
        &["check", "--format", "json", "--new-since", "HEAD"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(located(&out.stdout), []);
}

#[test]
fn new_since_needs_a_repository_and_a_known_revision() {
    let plain = Tree::new(&[("a.js", CALLS.as_bytes())]);
    let out = run(plain.path(), &["check", "--new-since", "main"]);
    assert_eq!(out.code, 2, "{}", out.stdout);
    assert!(
        out.stderr.contains("is not inside a git repository"),
        "{}",
        out.stderr
    );
    let tree = repository();
    let out = run(tree.path(), &["check", "--new-since", "no-such-branch"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .contains("--new-since: unknown git revision `no-such-branch`"),
        "{}",
        out.stderr
    );
    let out = run(tree.path(), &["check", "--new-since", "--output=x"]);
    assert_eq!(out.code, 2);
}

// ---- check --format markdown-summary ----------------------------------------

#[test]
fn markdown_summary_lists_new_findings_and_attribution_changes() {
    let tree = repository();
    tree.write(
        "abstrakt.toml",
        b"[attribution]\nfile = \"THIRD_PARTY_MODELS.md\"\n",
    );
    write_attribution_file(&tree);
    git(&tree, &["add", "-A"]);
    git(&tree, &["commit", "--quiet", "-m", "credits"]);
    // The change: a Llama call (new credit), flux-dev no longer used in one file.
    tree.write(
        "src/other.js",
        b"const a = await abstrakt.run('musicgen', { prompt });\n\
          const c = await abstrakt.run('llama-3.1-8b', { prompt });\n",
    );
    let out = run(
        tree.path(),
        &[
            "check",
            "--format",
            "markdown-summary",
            "--new-since",
            "HEAD",
            ".",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    insta::assert_snapshot!("check_markdown_summary", out.stdout);

    // Without narrowing: every finding, no "new".
    let all = run(
        tree.path(),
        &["check", "--format", "markdown-summary", "src/gen.js"],
    );
    assert_eq!(all.code, 1);
    assert!(
        all.stdout
            .contains("❌ **2 findings**: 1 error, 1 warning."),
        "{}",
        all.stdout
    );
}

// ---- unused-exception, review-due -------------------------------------------

fn findings_of(stdout: &str, code: &str) -> Vec<(String, u64, u64, String, String)> {
    let value: serde_json::Value =
        serde_json::from_str(stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{stdout}"));
    value["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["code"] == code)
        .map(|f| {
            (
                f["file"].as_str().unwrap_or_default().to_string(),
                f["line"].as_u64().unwrap_or_default(),
                f["column"].as_u64().unwrap_or_default(),
                f["severity"].as_str().unwrap_or_default().to_string(),
                f["message"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

const EXCEPTIONS: &[u8] = b"[[exceptions]]\n\
    model = \"flux-dev\"\n\
    rules = [\"attribution-required\"]\n\
    reason = \"credited in the footer\"\n\
    \n\
    [[exceptions]]\n\
    model = \"musicgen\"\n\
    reason = \"no longer used\"\n\
    \n\
    [[exceptions]]\n\
    model = \"flux-dev\"\n\
    rules = [\"territory-restricted\"]\n\
    \n\
    [[exceptions]]\n\
    model = \"sd3.5-large\"\n\
    rules = [\"attribution-required\"]\n\
    expires = 2025-12-31\n";

#[test]
fn exceptions_that_match_nothing_or_expired_are_reported() {
    let tree = Tree::new(&[
        ("abstrakt.toml", EXCEPTIONS),
        (
            "src/a.ts",
            b"abstrakt.run('flux-dev');\nabstrakt.run('sd3.5-large');\n",
        ),
    ]);
    let out = run(tree.path(), &["check", "--format", "json", "."]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let unused = findings_of(&out.stdout, "unused-exception");
    let file = "abstrakt.toml".to_string();
    let info = "info".to_string();
    assert_eq!(
        unused,
        [
            (file.clone(), 7, 9, info.clone(), "The exception for `musicgen` matched no finding: remove it (the model is no longer used, or the rule no longer fires for it)".to_string()),
            (file.clone(), 11, 9, info.clone(), "The exception for `flux-dev` (territory-restricted) matched no finding: remove it (the model is no longer used, or the rule no longer fires for it)".to_string()),
            (file.clone(), 15, 9, info.clone(), "The exception for `sd3.5-large` (attribution-required) expired on 2025-12-31: its findings are reported again; review them and renew `expires`, or remove the exception".to_string()),
        ]
    );
    // The expired exception's finding is back and says since when; the live one holds.
    let attribution = findings_of(&out.stdout, "attribution-required");
    assert_eq!(attribution.len(), 1, "{attribution:?}");
    assert!(
        attribution[0]
            .4
            .ends_with("(the abstrakt.toml exception for this finding expired on 2025-12-31)"),
        "{attribution:?}"
    );

    // --strict: errors, exit 1.
    let strict = run(tree.path(), &["check", "--format", "json", "--strict", "."]);
    assert_eq!(strict.code, 1);
    assert!(
        findings_of(&strict.stdout, "unused-exception")
            .iter()
            .all(|f| f.3 == "error")
    );
    // Part of the project: nothing to say about exceptions.
    let part = run(tree.path(), &["check", "--format", "json", "src/a.ts"]);
    assert_eq!(findings_of(&part.stdout, "unused-exception"), []);
}

#[test]
fn reviews_fall_due_and_mark_reviewed_records_one() {
    let tree = Tree::new(&[
        ("abstrakt.toml", b"[policy]\nreview-every = \"90d\"\n"),
        ("src/a.ts", b"abstrakt.run('flux-dev');\n"),
    ]);
    // Recorded on 2025-09-01; the tests' today is 2026-01-01 (SOURCE_DATE_EPOCH).
    let locked = cli_support::run_with(
        tree.path(),
        &["lock", "."],
        &[("SOURCE_DATE_EPOCH", "1756684800")],
    );
    assert_eq!(locked.code, 0, "{}", locked.stderr);
    let out = run(tree.path(), &["check", "--format", "json", "."]);
    assert_eq!(
        findings_of(&out.stdout, "review-due"),
        [(
            "src/a.ts".to_string(),
            1,
            14,
            "warning".to_string(),
            "flux-dev's licensing was last reviewed on 2025-09-01, and this project reviews every 90d (review-every): review its current terms, then mark it reviewed".to_string()
        )]
    );

    let marked = run(tree.path(), &["lock", ".", "--mark-reviewed", "flux-dev"]);
    assert_eq!(marked.code, 0, "{}", marked.stderr);
    let lock = tree.read("abstrakt.lock");
    assert!(
        lock.contains("recorded = \"2025-09-01\"\nreviewed = \"2026-01-01\"\n"),
        "{lock}"
    );
    let out = run(tree.path(), &["check", "--format", "json", "."]);
    assert_eq!(findings_of(&out.stdout, "review-due"), []);

    let unknown = run(tree.path(), &["lock", ".", "--mark-reviewed", "musicgen"]);
    assert_eq!(unknown.code, 2);
    assert!(
        unknown
            .stderr
            .contains("--mark-reviewed: `musicgen` is not used by the code checked"),
        "{}",
        unknown.stderr
    );
}

// ---- report --format spdx3 ---------------------------------------------------

#[test]
fn spdx3_has_one_ai_package_per_model_with_licence_relationships() {
    let tree = credits_tree();
    let args = ["report", "--format", "spdx3", "--project-name", "acme-site"];
    let out = run(tree.path(), &args);
    assert_eq!(out.code, 0, "{}", out.stderr);
    insta::with_settings!({ filters => vec![(env!("CARGO_PKG_VERSION"), "[VERSION]")] }, {
        insta::assert_snapshot!("report_spdx3", out.stdout);
    });
    // Deterministic: the same bytes again (SOURCE_DATE_EPOCH is set by the helper).
    assert_eq!(run(tree.path(), &args).stdout, out.stdout);

    let doc: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
    assert_eq!(
        doc["@context"],
        "https://spdx.org/rdf/3.0.1/spdx-context.jsonld"
    );
    let graph = doc["@graph"].as_array().expect("graph");
    let packages: Vec<&serde_json::Value> = graph
        .iter()
        .filter(|e| e["type"] == "ai_AIPackage")
        .collect();
    let names: Vec<&str> = packages.iter().filter_map(|p| p["name"].as_str()).collect();
    assert_eq!(names.len(), 3, "{names:?}");
    // Profile conformance: exactly one declared and one concluded licence each.
    for package in &packages {
        for kind in ["hasDeclaredLicense", "hasConcludedLicense"] {
            let count = graph
                .iter()
                .filter(|e| e["relationshipType"] == kind && e["from"] == package["spdxId"])
                .count();
            assert_eq!(count, 1, "{kind} of {}", package["name"]);
        }
    }
    assert_eq!(graph[0]["created"], "2026-01-01T00:00:00Z");
}
