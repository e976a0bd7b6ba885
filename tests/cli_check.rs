//! `abstrakt-lsp check`: each format's exact output, columns, walking rules,
//! skipped files and exit codes, by running the real binary.

mod cli_support;

use cli_support::{Tree, fixture, json_findings, run, run_with};

const FLUX: &[u8] = b"abstrakt.run('flux-dev', { prompt });\n";
const MUSICGEN: &[u8] = b"abstrakt.run('musicgen');\n";
const CLEAN: &[u8] = b"abstrakt.run('flux-schnell');\n";

fn sarif_filters() -> Vec<(&'static str, &'static str)> {
    vec![
        (r#""uri": "file://[^"]*""#, r#""uri": "file:///[SRCROOT]/""#),
        (env!("CARGO_PKG_VERSION"), "[VERSION]"),
    ]
}

#[test]
fn human_output() {
    let out = run(&fixture("project"), &["check", "--color", "never"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(out.stderr, "");
    insta::assert_snapshot!("check_human", out.stdout);
}

#[test]
fn human_output_in_colour() {
    let out = run(
        &fixture("project"),
        &[
            "check",
            "--color",
            "always",
            "src/clean.js",
            "src/legacy.cjs",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    insta::assert_snapshot!("check_human_colour", out.stdout);
}

#[test]
fn colours_only_when_asked_or_on_a_terminal() {
    // stdout is a pipe here: auto means no colour, and NO_COLOR wins over auto.
    let piped = run(&fixture("project"), &["check"]);
    assert!(!piped.stdout.contains('\x1b'), "{}", piped.stdout);
    let no_color = run_with(&fixture("project"), &["check"], &[("NO_COLOR", "1")]);
    assert!(!no_color.stdout.contains('\x1b'));
    let always = run(&fixture("project"), &["check", "--color", "always"]);
    assert!(always.stdout.contains("\x1b["));
}

#[test]
fn json_output() {
    let out = run(&fixture("project"), &["check", "--format", "json"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    insta::assert_snapshot!("check_json", out.stdout);
}

#[test]
fn sarif_output() {
    let out = run(&fixture("project"), &["check", "--format", "sarif"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    insta::with_settings!({ filters => sarif_filters() }, {
        insta::assert_snapshot!("check_sarif", out.stdout);
    });
}

#[test]
fn sarif_output_is_valid_against_the_sarif_2_1_0_schema() {
    let schema_text = std::fs::read_to_string(fixture("sarif-schema-2.1.0.json")).expect("schema");
    let schema: serde_json::Value = serde_json::from_str(&schema_text).expect("schema JSON");
    let validator = jsonschema::validator_for(&schema).expect("a valid schema");

    for cwd in [fixture("project"), fixture("project").join("src")] {
        let out = run(&cwd, &["check", "--format", "sarif", "."]);
        let log: serde_json::Value = serde_json::from_str(&out.stdout).expect("SARIF is JSON");
        let errors: Vec<String> = validator
            .iter_errors(&log)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{errors:#?}");
        let run = &log["runs"][0];
        assert_eq!(
            run["tool"]["driver"]["rules"].as_array().map(Vec::len),
            Some(abstrakt_lsp::rules::RuleCode::ALL.len())
        );
        assert!(!run["results"].as_array().expect("results").is_empty());
        for result in run["results"].as_array().expect("results") {
            let location = &result["locations"][0]["physicalLocation"];
            assert_eq!(location["artifactLocation"]["uriBaseId"], "%SRCROOT%");
            let uri = location["artifactLocation"]["uri"].as_str().expect("uri");
            assert!(!uri.starts_with('/') && !uri.starts_with("./"), "{uri}");
            assert!(cwd.join(uri).is_file(), "{uri} resolves against %SRCROOT%");
            assert!(["error", "warning", "note"].contains(&result["level"].as_str().unwrap_or("")));
        }
        let base = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
            .as_str()
            .expect("base");
        assert!(
            base.starts_with("file:///") && base.ends_with('/'),
            "{base}"
        );
    }

    // The bundled examples (every rule) validate too.
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = run(root, &["check", "--format", "sarif", "examples/"]);
    let log: serde_json::Value = serde_json::from_str(&out.stdout).expect("SARIF");
    let errors: Vec<String> = validator.iter_errors(&log).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert_eq!(log["runs"][0]["results"].as_array().map(Vec::len), Some(18));

    // Also a SARIF log without results, and one with a file outside the current directory.
    let empty = Tree::new(&[("a.js", CLEAN)]);
    let out = run(empty.path(), &["check", "--format", "sarif"]);
    let log: serde_json::Value = serde_json::from_str(&out.stdout).expect("SARIF");
    assert!(validator.is_valid(&log));
    assert_eq!(log["runs"][0]["results"], serde_json::json!([]));
    let outside = Tree::new(&[("x/a.js", FLUX), ("cwd/.keep", b"")]);
    let out = run(
        &outside.path().join("cwd"),
        &["check", "--format", "sarif", "../x"],
    );
    let log: serde_json::Value = serde_json::from_str(&out.stdout).expect("SARIF");
    assert!(validator.is_valid(&log));
    let location = &log["runs"][0]["results"][0]["locations"][0]["physicalLocation"];
    assert!(
        location["artifactLocation"]["uri"]
            .as_str()
            .unwrap_or("")
            .starts_with("file:///")
    );
    assert!(location["artifactLocation"].get("uriBaseId").is_none());
}

#[test]
fn columns_are_one_based_utf16_after_astral_characters() {
    // 😀 and 𝒜 are outside the BMP: 2 UTF-16 code units each; é is 1; a tab is 1.
    let tree = Tree::new(&[
        (
            "a.js",
            "const s = '😀𝒜é';\tabstrakt.run('flux-dev');\n".as_bytes(),
        ),
        (
            "b.ts",
            "/* 😀 */\r\nlet x = 1; abstrakt.run(\n  '😀' ? 'musicgen' : 'flux-dev');\n".as_bytes(),
        ),
    ]);
    let out = run(
        tree.path(),
        &["check", "--format", "json", "--fail-on", "never"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        json_findings(&out.stdout),
        [
            // `const s = '😀𝒜é';\t` is 10 + 1 + 2 + 2 + 1 + 2 + 1 = 19 units.
            ("a.js".into(), 1, 33, 1, 43, "attribution-required".into()),
            // `  '😀' ? ` is 2 + 1 + 2 + 1 + 3 = 9 units before 'musicgen'.
            ("b.ts".into(), 3, 10, 3, 20, "non-commercial".into()),
            ("b.ts".into(), 3, 23, 3, 33, "attribution-required".into()),
        ]
    );
    // The human output gives the same position and underlines the id under it.
    let human = run(tree.path(), &["check", "--color", "never", "a.js"]);
    insta::assert_snapshot!("check_human_astral", human.stdout);
}

#[test]
fn gitignore_ignore_and_hidden_files_are_skipped_outside_git_too() {
    let tree = Tree::new(&[
        (".gitignore", b"ignored/\n*.gen.js\n"),
        (".ignore", b"vendor/\n"),
        ("src/app.js", FLUX),
        ("src/app.gen.js", MUSICGEN),
        ("ignored/a.js", MUSICGEN),
        ("vendor/b.ts", MUSICGEN),
        (".hidden/c.js", MUSICGEN),
        ("node_modules/.keep", b""),
    ]);
    assert!(!tree.path().join(".git").exists());
    let out = run(tree.path(), &["check", "--format", "json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let files: Vec<String> = json_findings(&out.stdout)
        .into_iter()
        .map(|f| f.0)
        .collect();
    assert_eq!(files, ["src/app.js"]);

    let out = run(
        tree.path(),
        &["check", "--format", "json", "--no-ignore", "--hidden"],
    );
    let mut files: Vec<String> = json_findings(&out.stdout)
        .into_iter()
        .map(|f| f.0)
        .collect();
    files.dedup();
    assert_eq!(
        files,
        [
            ".hidden/c.js",
            "ignored/a.js",
            "src/app.gen.js",
            "src/app.js",
            "vendor/b.ts"
        ]
    );
    assert_eq!(out.code, 1);

    // An ignored file named on the command line is still checked, like ripgrep.
    let out = run(tree.path(), &["check", "--format", "json", "ignored/a.js"]);
    assert_eq!(json_findings(&out.stdout).len(), 1);
}

#[test]
fn exit_codes() {
    let warnings = Tree::new(&[("a.js", FLUX)]);
    let errors = Tree::new(&[("a.js", MUSICGEN)]);
    let clean = Tree::new(&[("a.js", CLEAN), ("b.txt", MUSICGEN)]);
    let cases: &[(&Tree, &[&str], i32)] = &[
        (&clean, &[], 0),
        (&clean, &["--fail-on", "warning"], 0),
        (&warnings, &[], 0),
        (&warnings, &["--fail-on", "warning"], 1),
        (&warnings, &["--fail-on", "error"], 0),
        (&errors, &[], 1),
        (&errors, &["--fail-on", "never"], 0),
        (&errors, &["--intended-use", "personal"], 0),
        (
            &errors,
            &["--intended-use", "research", "--fail-on", "warning"],
            0,
        ),
    ];
    for (tree, args, code) in cases {
        let mut all = vec!["check"];
        all.extend_from_slice(args);
        let out = run(tree.path(), &all);
        assert_eq!(out.code, *code, "{args:?}\n{}{}", out.stdout, out.stderr);
        assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
    }
}

#[test]
fn usage_errors_and_missing_paths_exit_2_with_a_message() {
    let tree = Tree::new(&[("a.js", FLUX)]);
    for args in [
        &["check", "--format", "xml"][..],
        &["check", "--fail-on", "sometimes"],
        &["check", "--intended-use", "evil"],
        &["check", "--no-such-flag"],
        &["frobnicate"],
    ] {
        let out = run(tree.path(), args);
        assert_eq!(out.code, 2, "{args:?}");
        assert!(out.stderr.contains("error:"), "{args:?}: {}", out.stderr);
        assert_eq!(out.stdout, "");
    }
    let out = run(tree.path(), &["check", "a.js", "does/not/exist.ts"]);
    assert_eq!(out.code, 2);
    assert_eq!(out.stdout, "");
    assert!(
        out.stderr
            .starts_with("abstrakt-lsp: cannot read `does/not/exist.ts`: "),
        "{}",
        out.stderr
    );
}

#[test]
fn invalid_project_file_exits_2_with_its_line() {
    let tree = Tree::new(&[
        (
            "abstrakt.toml",
            b"intended-use = \"commercial\"\n[policy]\ndeny-licences = []\n",
        ),
        ("src/a.js", FLUX),
    ]);
    let out = run(tree.path(), &["check"]);
    assert_eq!(out.code, 2, "{}", out.stdout);
    // The output is still written; the file it governs was not checked.
    assert_eq!(out.stdout, "No findings (checked 0 files, 0 model uses).\n");
    assert!(
        out.stderr
            .starts_with("abstrakt-lsp: invalid project file abstrakt.toml:3:1: "),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("deny-licences"), "{}", out.stderr);
}

#[test]
fn each_file_uses_its_nearest_project_file() {
    let tree = Tree::new(&[
        ("abstrakt.toml", b"intended-use = \"personal\"\n"),
        ("a.js", MUSICGEN),
        (
            "shop/abstrakt.toml",
            b"[rules]\nattribution-required = \"error\"\n",
        ),
        ("shop/b.js", MUSICGEN),
        ("shop/c.js", FLUX),
    ]);
    let out = run(tree.path(), &["check", "--format", "json"]);
    let value: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
    let got: Vec<(String, String, String)> = value["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["file"].as_str().unwrap_or("").to_string(),
                f["code"].as_str().unwrap_or("").to_string(),
                f["severity"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    let expected: Vec<(String, String, String)> = [
        ("a.js", "non-commercial", "info"),
        ("shop/b.js", "non-commercial", "error"),
        ("shop/c.js", "attribution-required", "error"),
    ]
    .iter()
    .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
    .collect();
    assert_eq!(got, expected);
    assert_eq!(out.code, 1);
    // --intended-use overrides every project file.
    let out = run(
        tree.path(),
        &[
            "check",
            "--format",
            "json",
            "--intended-use",
            "research",
            "a.js",
            "shop/b.js",
        ],
    );
    let value: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
    assert!(
        value["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .all(|f| f["severity"] == "info")
    );
}

#[test]
fn binary_and_huge_files_are_counted_in_the_summary_and_listed_with_v() {
    let mut binary = b"\x00\x01\x02abstrakt.run('musicgen')".to_vec();
    binary.extend_from_slice(&[0xff; 64]);
    let mut big = b"abstrakt.run('musicgen');\n".to_vec();
    big.extend(std::iter::repeat_n(b' ', 2000));
    let tree = Tree::new(&[
        ("bundle.js", &binary),
        // Binary without anything that looks like a call: skipped all the same.
        ("data.js", b"\x00\x00\x00"),
        ("big.min.js", &big),
        ("ok.js", FLUX),
        ("image.png", &binary),
    ]);
    let args = ["check", "--format", "json", "--max-file-size", "1000"];
    let quiet = run(tree.path(), &args);
    assert_eq!(quiet.code, 0, "{}", quiet.stderr);
    assert_eq!(quiet.stderr, "");
    assert_eq!(json_findings(&quiet.stdout).len(), 1);
    let value: serde_json::Value = serde_json::from_str(&quiet.stdout).expect("JSON");
    assert_eq!(value["summary"]["filesChecked"], 1);
    assert_eq!(value["summary"]["filesSkipped"], 3);
    assert_eq!(
        value["summary"]["skipped"],
        serde_json::json!({ "binary": 2, "tooLarge": 1, "longLines": 0, "unparsable": 0, "maxFileSize": 1000 })
    );

    let verbose = run(tree.path(), &[&args[..], &["--verbose"]].concat());
    assert_eq!(verbose.code, 0);
    assert_eq!(
        verbose.stderr,
        "note: big.min.js: skipped: 1.9 KB is over the limit of 1,000 bytes (max-file-size)\n\
         note: bundle.js: skipped: binary file (contains a NUL byte)\n\
         note: data.js: skipped: binary file (contains a NUL byte)\n"
    );
    assert_eq!(verbose.stdout, quiet.stdout);
}

#[test]
fn the_human_summary_line_counts_skipped_files() {
    let mut big = b"abstrakt.run('musicgen');\n".to_vec();
    big.extend(std::iter::repeat_n(b' ', 6 * 1024 * 1024));
    let tree = Tree::new(&[
        ("bundle.js", b"abstrakt.run('musicgen');\x00"),
        ("big.min.js", &big),
        ("ok.js", CLEAN),
    ]);
    let out = run(tree.path(), &["check", "--color", "never"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stderr, "");
    insta::assert_snapshot!("check_human_skipped", out.stdout);

    let out = run(
        tree.path(),
        &[
            "check",
            "--color",
            "never",
            "--max-file-size",
            "1000",
            "big.min.js",
            "ok.js",
        ],
    );
    assert_eq!(
        out.stdout.lines().last(),
        Some(
            "No findings (checked 1 file, 1 model use; skipped 1 file: 1 over 1000 bytes; -v lists them)."
        )
    );
}

#[test]
fn latin1_files_are_checked_with_positions_in_the_decoded_text() {
    // `é` in Latin-1 is the single byte 0xE9: not valid UTF-8.
    let mut latin1 =
        b"// Caf\xe9 menu\nconst label = 'caf\xe9'; await abstrakt.run('musicgen');\n".to_vec();
    latin1.extend_from_slice(b"abstrakt.run('flux-dev');\n");
    let tree = Tree::new(&[("latin1.js", &latin1)]);
    let out = run(tree.path(), &["check", "--format", "json", "--verbose"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    // U+FFFD stands for the byte: one column, like any other character.
    assert_eq!(
        json_findings(&out.stdout),
        [
            (
                "latin1.js".to_string(),
                2,
                42,
                2,
                52,
                "non-commercial".to_string()
            ),
            (
                "latin1.js".to_string(),
                3,
                14,
                3,
                24,
                "attribution-required".to_string()
            ),
        ]
    );
    assert_eq!(
        out.stderr,
        "note: latin1.js: not valid UTF-8 (at byte 6): checked with invalid bytes read as U+FFFD\n"
    );
    let human = run(tree.path(), &["check", "--color", "never"]);
    assert!(
        human
            .stdout
            .contains("2 | const label = 'caf\u{fffd}'; await abstrakt.run('musicgen');"),
        "{}",
        human.stdout
    );
    assert!(
        human.stdout.contains("(checked 1 file, 2 model uses)."),
        "{}",
        human.stdout
    );
}

#[test]
fn unreadable_files_exit_2_after_the_report() {
    use std::os::unix::fs::PermissionsExt;
    let tree = Tree::new(&[("a.js", FLUX), ("locked.js", MUSICGEN)]);
    let locked = tree.path().join("locked.js");
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    if std::fs::read(&locked).is_ok() {
        return; // running as root: permissions do not apply
    }
    let out = run(tree.path(), &["check", "--format", "json"]);
    assert_eq!(out.code, 2);
    assert_eq!(json_findings(&out.stdout).len(), 1);
    assert!(
        out.stderr.contains("cannot read `locked.js`"),
        "{}",
        out.stderr
    );
}

#[test]
fn output_is_sorted_and_identical_across_runs_and_thread_counts() {
    let mut files = Vec::new();
    for i in 0..60 {
        files.push((
            format!("d{}/f{i}.ts", i % 7),
            format!(
                "{}abstrakt.run('flux-dev');\nabstrakt.run('musicgen');\n",
                "\n".repeat(i % 5)
            ),
        ));
    }
    let refs: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(p, c)| (p.as_str(), c.as_bytes()))
        .collect();
    let tree = Tree::new(&refs);
    let first = run(tree.path(), &["check", "--format", "json"]);
    for threads in ["1", "2", "8"] {
        let again = run(tree.path(), &["check", "--format", "json", "-j", threads]);
        assert_eq!(again.stdout, first.stdout);
    }
    let found = json_findings(&first.stdout);
    let mut sorted = found.clone();
    sorted.sort_by(|a, b| (a.0.as_str(), a.1, a.2).cmp(&(b.0.as_str(), b.1, b.2)));
    assert_eq!(found, sorted);
    assert_eq!(found.len(), 120);
}

#[test]
fn examples_show_every_rule() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = run(root, &["check", "examples/", "--format", "json"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let mut codes: Vec<String> = json_findings(&out.stdout)
        .into_iter()
        .map(|f| f.5)
        .collect();
    codes.sort();
    codes.dedup();
    let mut all: Vec<String> = abstrakt_lsp::rules::RuleCode::ALL
        .iter()
        .map(|c| c.as_str().to_string())
        .collect();
    all.sort();
    assert_eq!(codes, all);
}

#[test]
fn configured_client_names_pass_the_prefilter() {
    // No "abstrakt" anywhere in the source: only the project's client name finds it.
    let tree = Tree::new(&[
        ("abstrakt.toml", b"[clients]\nnames = [\"imageClient\"]\n"),
        (
            "src/a.ts",
            b"export const img = () => imageClient.run('flux-dev');\n",
        ),
        (
            "other/b.ts",
            b"export const img = () => imageClient.run('flux-dev');\n",
        ),
    ]);
    let out = run(tree.path(), &["check", "--format", "json", "src", "other"]);
    let files: Vec<String> = json_findings(&out.stdout)
        .into_iter()
        .map(|f| f.0)
        .collect();
    assert_eq!(files, ["other/b.ts", "src/a.ts"]);
    let elsewhere = Tree::new(&[(
        "b.ts",
        b"export const img = () => imageClient.run('flux-dev');\n",
    )]);
    let out = run(elsewhere.path(), &["check", "--format", "json"]);
    assert!(json_findings(&out.stdout).is_empty());
}
