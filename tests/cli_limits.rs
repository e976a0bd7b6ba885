//! `abstrakt-lsp check` on pathological input (DESIGN.md §7, issue 11 item 4):
//! files over `[limits]` are skipped with a note, and deep nesting, huge ids
//! and minified lines are analysed without crashing, by running the real binary.

mod cli_support;

use cli_support::{Tree, json_findings, run};

/// 100,000 levels of one kind of nesting, short lines (a break every 100 levels)
/// so the line-length limit does not skip it.
fn nested(open: &str, inner: &str, close: &str) -> String {
    let mut text = String::new();
    for chunk in 0..1000 {
        text.push_str(&open.repeat(100));
        text.push('\n');
        if chunk == 999 {
            text.push_str(inner);
            text.push('\n');
        }
    }
    for _ in 0..1000 {
        text.push_str(&close.repeat(100));
        text.push('\n');
    }
    text
}

/// One line of minified-looking code, about `bytes` long, with two model calls
/// per block: `flux-dev` (attribution-required) and a dynamic id.
fn minified(bytes: usize) -> String {
    let mut text = String::with_capacity(bytes + 512);
    let mut i = 0;
    while text.len() < bytes {
        text.push_str(&format!(
            "function r{i}(e,t){{var n=t||{{}},o=e.map(function(e){{return e*2+{i}}});\
             return n.hd?abstrakt.run(\"flux-dev\",{{prompt:o.join(\",\"),seed:{i}}}):\
             abstrakt.models.get(n.m)}}var c{i}={{a:{i},b:[1,2,3,{{x:\"y{i}\"}}],\
             c:function(){{return this.a+1}}}};"
        ));
        i += 1;
    }
    text
}

#[test]
fn nesting_100000_deep_is_analysed_without_overflowing_the_stack() {
    let call = "abstrakt.run('flux-dev')";
    let parens = nested("(", call, ")");
    let arrays = nested("[", &format!("{call}, "), "]");
    let objects = nested("{a:", call, "}");
    let functions = format!(
        "const M = 'flux-dev';\n{}",
        nested("function f(){", "abstrakt.run(M);", "}")
    );
    let blocks = nested("{", &format!("{call};"), "}");
    let arguments = nested("g(", call, ")");
    let templates = nested("`${", call, "}`");
    let ternaries = format!(
        "abstrakt.run({}'flux-dev'{});\n",
        "c ? \n".repeat(100_000),
        " : 'x'\n".repeat(100_000)
    );
    let members = format!(
        "abstrakt{}.run('flux-dev');\nabstrakt.run(a{});\n",
        "\n.x".repeat(100_000),
        "\n.b".repeat(100_000)
    );
    let tree = Tree::new(&[
        ("parens.js", parens.as_bytes()),
        ("arrays.js", arrays.as_bytes()),
        ("objects.js", objects.as_bytes()),
        ("functions.js", functions.as_bytes()),
        ("blocks.js", blocks.as_bytes()),
        ("arguments.js", arguments.as_bytes()),
        ("templates.ts", templates.as_bytes()),
        ("ternaries.js", ternaries.as_bytes()),
        ("members.js", members.as_bytes()),
    ]);
    let out = run(tree.path(), &["check", "--format", "json", "--verbose"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stderr, "");
    let attribution = |file: &str, line: u64, column: u64| {
        (
            file.to_string(),
            line,
            column,
            line,
            column + 10,
            "attribution-required".to_string(),
        )
    };
    let findings = json_findings(&out.stdout);
    let mut expected = vec![
        attribution("arguments.js", 1001, 14),
        attribution("arrays.js", 1001, 14),
        attribution("blocks.js", 1001, 14),
        // Reported at `M`, the argument as written.
        (
            "functions.js".to_string(),
            1002,
            14,
            1002,
            15,
            "attribution-required".to_string(),
        ),
        attribution("objects.js", 1001, 14),
        attribution("parens.js", 1001, 14),
        attribution("templates.ts", 1001, 14),
    ];
    // The chain `a.b.b…` is dynamic; `abstrakt.x.x….run` is not an SDK call.
    let dynamic: Vec<_> = findings
        .iter()
        .filter(|f| f.5 == "dynamic-model-id")
        .map(|f| (f.0.as_str(), f.1))
        .collect();
    assert!(dynamic.contains(&("members.js", 100_002)), "{dynamic:?}");
    // …and beyond 8 levels, the rest of the ternary is dynamic.
    assert!(dynamic.iter().any(|f| f.0 == "ternaries.js"), "{dynamic:?}");
    // Ternaries are followed 8 levels deep: the last 8 alternatives, `'x'`.
    for line in 199_993..=200_000 {
        expected.push((
            "ternaries.js".to_string(),
            line,
            4,
            line,
            7,
            "unknown-model".to_string(),
        ));
    }
    expected.sort();
    let static_findings: Vec<_> = findings
        .into_iter()
        .filter(|f| f.5 != "dynamic-model-id")
        .collect();
    assert_eq!(static_findings, expected);
}

#[test]
fn unclosed_nesting_100000_deep_is_recovered_without_overflowing_the_stack() {
    // tree-sitter's error recovery recurses once per open level.
    let mut text = "{a:".repeat(100);
    text.push('\n');
    let text = format!("{}abstrakt.run('flux-dev')\n", text.repeat(1000));
    let tree = Tree::new(&[
        ("unclosed.js", text.as_bytes()),
        ("unclosed.tsx", text.as_bytes()),
    ]);
    let out = run(tree.path(), &["check", "--format", "json", "-j", "1"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stderr, "");
    let value: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
    assert_eq!(value["summary"]["filesChecked"], 2);
}

#[test]
fn a_minified_line_is_skipped_with_a_note_unless_the_limit_is_raised() {
    let bundle = minified(3 * 1024 * 1024);
    let tree = Tree::new(&[("dist/app.min.js", bundle.as_bytes())]);

    let out = run(tree.path(), &["check", "--format", "json", "--verbose"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stderr,
        format!(
            "note: dist/app.min.js: skipped: line 1 is {} bytes long, over the limit of 20,000 (max-line-length; minified code?)\n",
            group(bundle.len())
        )
    );
    let value: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
    assert_eq!(value["summary"]["filesChecked"], 0);
    assert_eq!(value["findings"], serde_json::json!([]));
    // Counted in the summary, never only under -v.
    assert_eq!(value["summary"]["filesSkipped"], 1);
    assert_eq!(value["summary"]["skipped"]["longLines"], 1);
    let human = run(tree.path(), &["check"]);
    assert_eq!(human.code, 0, "{}", human.stderr);
    assert!(
        human
            .stdout
            .contains("skipped 1 file: 1 with over-long lines (minified?); -v lists them"),
        "{}",
        human.stdout
    );

    // Raised in abstrakt.toml: the bundle is parsed and every call is found.
    let blocks = bundle.matches("function r").count();
    tree.write("abstrakt.toml", b"[limits]\nmax-line-length = 4000000\n");
    let out = run(tree.path(), &["check", "--format", "json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let findings = json_findings(&out.stdout);
    let count = |code: &str| findings.iter().filter(|f| f.5 == code).count();
    assert_eq!(count("attribution-required"), blocks);
    assert_eq!(count("dynamic-model-id"), blocks);
    assert!(findings.iter().all(|f| f.1 == 1));

    // The command line beats the project file.
    let out = run(
        tree.path(),
        &[
            "check",
            "--format",
            "json",
            "-v",
            "--max-line-length",
            "1000",
        ],
    );
    assert!(
        out.stderr
            .contains("over the limit of 1,000 (max-line-length"),
        "{}",
        out.stderr
    );
}

#[test]
fn max_file_size_comes_from_the_project_file_and_takes_units() {
    let mut big = b"abstrakt.run('flux-dev');\n".to_vec();
    big.extend(std::iter::repeat_n(b'\n', 3000));
    let tree = Tree::new(&[
        ("a/big.js", &big),
        ("a/abstrakt.toml", b"[limits]\nmax-file-size = \"2 KB\"\n"),
        ("b/big.js", &big),
    ]);
    let out = run(tree.path(), &["check", "--format", "json", "-v"]);
    assert_eq!(
        out.stderr,
        "note: a/big.js: skipped: 2.9 KB is over the limit of 2 KB (max-file-size)\n"
    );
    assert_eq!(json_findings(&out.stdout).len(), 1, "b/big.js is checked");
    let out = run(
        tree.path(),
        &["check", "--format", "json", "-v", "--max-file-size", "1KB"],
    );
    assert_eq!(json_findings(&out.stdout).len(), 0);
    assert_eq!(out.stderr.matches("over the limit of 1 KB").count(), 2);
}

#[test]
#[ignore = "needs the registry change that stops fuzzy-matching ids over 256 characters (issue 11); 9 s+ before it"]
fn a_one_megabyte_id_is_checked() {
    // A template literal may span lines, so the line limit does not apply.
    let id = "x".repeat(100).repeat(10_486);
    let source = format!(
        "abstrakt.run(`{}`);\n",
        id.as_bytes()
            .chunks(100)
            .map(|c| std::str::from_utf8(c).unwrap_or(""))
            .collect::<Vec<_>>()
            .join("\n")
    );
    let tree = Tree::new(&[("a.js", source.as_bytes())]);
    let out = run(tree.path(), &["check", "--format", "json", "--offline"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let findings = json_findings(&out.stdout);
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0].5, "unknown-model");
    // One line, raised limit: the same.
    let source = format!("abstrakt.run('{id}');\n");
    let tree = Tree::new(&[("a.js", source.as_bytes())]);
    let out = run(
        tree.path(),
        &[
            "check",
            "--format",
            "json",
            "--offline",
            "--max-line-length",
            "2000000",
        ],
    );
    assert_eq!(json_findings(&out.stdout).len(), 1, "{}", out.stderr);
}

/// `1234567` → `1,234,567`.
fn group(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Issue 18: 25 bytes of TSX that kept tree-sitter's error recovery busy for
/// 212 CPU-seconds. Parsed under a deadline, the file is counted as
/// unparsable (named with `-v`), and the other files are still checked.
#[test]
fn a_file_whose_parse_runs_away_is_counted_unparsable_and_the_rest_is_checked() {
    let tree = Tree::new(&[
        ("soup.tsx", b"<`(/${(]?e a n(x\"abstrakt"),
        ("song.ts", b"abstrakt.run('musicgen');\n"),
    ]);
    let human = run(tree.path(), &["check", "-v"]);
    assert_eq!(human.code, 1, "{}", human.stderr);
    assert!(
        human.stderr.contains(
            "note: soup.tsx: skipped: parsing did not finish within 5.0 s of CPU time (the parser's error recovery on text it cannot read as code)\n"
        ),
        "{}",
        human.stderr
    );
    assert!(
        human
            .stdout
            .contains("skipped 1 file: 1 unparsable; -v lists them"),
        "{}",
        human.stdout
    );
    let json = run(tree.path(), &["check", "--format", "json"]);
    let value: serde_json::Value = serde_json::from_str(&json.stdout).unwrap_or_default();
    assert_eq!(value["summary"]["skipped"]["unparsable"], 1);
    let findings = json_findings(&json.stdout);
    assert_eq!(
        findings,
        [(
            "song.ts".to_string(),
            1,
            14,
            1,
            24,
            "non-commercial".to_string()
        )]
    );
}
