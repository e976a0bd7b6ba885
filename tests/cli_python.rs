//! `abstrakt-lsp check` on Python, shell scripts and Markdown next to
//! TypeScript: exact output in every format, the configured API host, the
//! prefilter, by running the real binary.

mod cli_support;

use cli_support::{Tree, fixture, json_findings, run, run_with};

fn sarif_filters() -> Vec<(&'static str, &'static str)> {
    vec![
        (r#""uri": "file://[^"]*""#, r#""uri": "file:///[SRCROOT]/""#),
        (env!("CARGO_PKG_VERSION"), "[VERSION]"),
    ]
}

#[test]
fn polyglot_human_output() {
    let out = run(&fixture("polyglot"), &["check", "--color", "never"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(out.stderr, "");
    insta::assert_snapshot!("polyglot_human", out.stdout);
}

#[test]
fn polyglot_json_output() {
    let out = run(&fixture("polyglot"), &["check", "--format", "json"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    insta::assert_snapshot!("polyglot_json", out.stdout);
    // Every range is exactly the model id (or the expression) the finding is about.
    assert_eq!(
        json_findings(&out.stdout),
        [
            (
                "app/studio.py".into(),
                18,
                38,
                18,
                42,
                "attribution-required".into()
            ),
            (
                "app/studio.py".into(),
                21,
                38,
                21,
                53,
                "non-commercial".into()
            ),
            (
                "app/studio.py".into(),
                24,
                32,
                24,
                53,
                "dynamic-model-id".into()
            ),
            (
                "app/studio.py".into(),
                32,
                62,
                32,
                77,
                "attribution-required".into()
            ),
            ("docs/API.md".into(), 6, 41, 6, 49, "non-commercial".into()),
            (
                "scripts/render.sh".into(),
                6,
                42,
                6,
                48,
                "dynamic-model-id".into()
            ),
            (
                "web/gallery.ts".into(),
                7,
                51,
                7,
                59,
                "dynamic-model-id".into()
            ),
            (
                "web/gallery.ts".into(),
                8,
                52,
                8,
                60,
                "non-commercial".into()
            ),
        ]
    );
}

#[test]
fn polyglot_sarif_output() {
    let out = run(&fixture("polyglot"), &["check", "--format", "sarif"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    insta::with_settings!({ filters => sarif_filters() }, {
        insta::assert_snapshot!("polyglot_sarif", out.stdout);
    });
}

#[test]
fn the_configured_api_host_is_a_model_url() {
    let tree = Tree::new(&[(
        "call.py",
        b"requests.post('https://models.internal.example/v1/models/musicgen/run')\n",
    )]);
    let plain = run(tree.path(), &["check", "--format", "json", "--offline"]);
    assert_eq!(plain.code, 0, "{}", plain.stderr);
    assert_eq!(json_findings(&plain.stdout), []);
    let configured = run_with(
        tree.path(),
        &["check", "--format", "json", "--offline"],
        &[("ABSTRAKT_API_URL", "https://models.internal.example/v1")],
    );
    assert_eq!(configured.code, 1, "{}", configured.stderr);
    assert_eq!(
        json_findings(&configured.stdout),
        [("call.py".into(), 1, 58, 1, 66, "non-commercial".into())]
    );
}

#[test]
fn files_without_abstrakt_are_never_decoded_or_parsed() {
    // Without --verbose, a file the prefilter rejects is not even decoded: its
    // invalid UTF-8 goes unnoticed, while a file with the marker is checked
    // (its Latin-1 byte read as U+FFFD, like ripgrep).
    let mut no_marker = b"client.run('musicgen')  # caf".to_vec();
    no_marker.push(0xe9);
    let mut marked = b"abstrakt.run('musicgen')  # caf".to_vec();
    marked.push(0xe9);
    let tree = Tree::new(&[
        ("a.py", &no_marker),
        ("b.sh", &no_marker),
        ("c.py", &marked),
        ("ok.pyi", b"abstrakt.models.get('musicgen')\n"),
    ]);
    let out = run(tree.path(), &["check", "--format", "json"]);
    assert_eq!(
        out.stderr, "",
        "no note without --verbose: nothing was decoded"
    );
    assert_eq!(
        json_findings(&out.stdout),
        [
            ("c.py".into(), 1, 14, 1, 24, "non-commercial".into()),
            ("ok.pyi".into(), 1, 21, 1, 31, "non-commercial".into())
        ]
    );
}

#[test]
fn the_python_ignore_comment_and_file_comment() {
    let tree = Tree::new(&[
        (
            "a.py",
            b"# abstrakt-ignore-file non-commercial\nabstrakt.run('musicgen')\n",
        ),
        (
            "b.py",
            b"if True:\n    # abstrakt-ignore-next-line attribution-required -- credited\n    abstrakt.run('flux-dev')\nabstrakt.run('flux-dev')\n",
        ),
    ]);
    let out = run(tree.path(), &["check", "--format", "json"]);
    assert_eq!(
        json_findings(&out.stdout),
        [("b.py".into(), 4, 14, 4, 24, "attribution-required".into())]
    );
}
