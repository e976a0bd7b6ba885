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
