//! An invalid `abstrakt.toml` or `abstrakt.lock` fails the files it governs,
//! not the run: every other file is checked, the output is written in the
//! requested format and the exit status is 2 with the file named on stderr.

mod cli_support;

use cli_support::{Tree, run};
use serde_json::Value;

const FLUX: &[u8] = b"abstrakt.run('flux-dev', { prompt });\n";

fn tree() -> Tree {
    Tree::new(&[
        ("good/a.js", FLUX),
        ("bad-config/abstrakt.toml", b"intended-use = 3\n"),
        ("bad-config/b.js", FLUX),
        ("bad-lock/abstrakt.lock", b"this is not toml ["),
        ("bad-lock/c.js", FLUX),
    ])
}

#[test]
fn invalid_project_files_are_reported_and_the_rest_is_checked_as_json() {
    let tree = tree();
    let out = run(tree.path(), &["check", "--format", "json"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    let report: Value = serde_json::from_str(&out.stdout).expect("JSON on stdout");
    let files: Vec<&str> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["file"].as_str())
        .collect();
    assert!(!files.is_empty(), "{}", out.stdout);
    assert!(files.iter().all(|f| *f == "good/a.js"), "{files:?}");
    assert_eq!(report["summary"]["filesChecked"], 1, "{}", out.stdout);
    let errors: Vec<&str> = out.stderr.lines().collect();
    assert!(
        errors.iter().any(|l| l
            .starts_with("abstrakt-lsp: invalid project file bad-config/abstrakt.toml:1:16: ")
            && l.ends_with("(the files it governs were not checked)")),
        "{}",
        out.stderr
    );
    assert!(
        errors
            .iter()
            .any(|l| l.starts_with("abstrakt-lsp: invalid lock file bad-lock/abstrakt.lock")),
        "{}",
        out.stderr
    );
    // Once per file, not once per governed source file.
    assert_eq!(errors.len(), 2, "{}", out.stderr);
}

#[test]
fn sarif_is_still_written() {
    let tree = tree();
    let out = run(tree.path(), &["check", "--format", "sarif"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    let sarif: Value = serde_json::from_str(&out.stdout).expect("SARIF on stdout");
    let results = sarif["runs"][0]["results"].as_array().expect("results");
    assert!(!results.is_empty());
    assert!(results.iter().all(|r| {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "good/a.js"
    }));
}
