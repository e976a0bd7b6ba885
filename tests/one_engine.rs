//! The editor (workspace scope, never-opened files) and `check` agree on the
//! same project: `[clients] names` are honoured, a Latin-1 byte does not hide
//! a file, and an attribution the project already shows is information in both.

mod cli_support;
mod common;

use std::path::Path;
use std::process::Command;

use common::Server;
use serde_json::{Value, json};

/// A project whose only client is `imageClient`, with a non-UTF-8 comment in
/// the source and the credit shown in a footer component.
fn fixture(root: &Path) {
    std::fs::create_dir_all(root.join("src")).expect("mkdir");
    std::fs::write(
        root.join("abstrakt.toml"),
        "[clients]\nnames = [\"imageClient\"]\n",
    )
    .expect("write");
    std::fs::write(
        root.join("src/app.ts"),
        b"// caf\xe9\nexport const img = () => imageClient.run('sd3.5-large');\n",
    )
    .expect("write");
    std::fs::write(
        root.join("src/Footer.tsx"),
        "export const Footer = () => (\n  <small>Powered by Stability AI</small>\n);\n",
    )
    .expect("write");
}

/// (0-based line, 0-based UTF-16 column, code, LSP severity, message).
type Row = (u64, u64, String, u64, String);

fn from_check(root: &Path) -> Vec<Row> {
    from_check_file(root, None)
}

/// The findings `check` reports (for one file, when `only` names it).
fn from_check_file(root: &Path, only: Option<&str>) -> Vec<Row> {
    let out = Command::new(common::binary())
        .args(["check", "--format", "json"])
        .current_dir(root)
        .output()
        .expect("run check");
    let report: Value = serde_json::from_slice(&out.stdout).expect("json");
    let mut rows: Vec<Row> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| only.is_none_or(|file| f["file"] == file))
        .map(|f| {
            let severity = match f["severity"].as_str() {
                Some("error") => 1,
                Some("warning") => 2,
                Some("info") => 3,
                _ => 4,
            };
            (
                f["line"].as_u64().expect("line") - 1,
                f["column"].as_u64().expect("column") - 1,
                f["code"].as_str().expect("code").to_string(),
                severity,
                f["message"].as_str().expect("message").to_string(),
            )
        })
        .collect();
    rows.sort();
    rows
}

fn from_editor(published: &Value) -> Vec<Row> {
    let mut rows: Vec<Row> = published["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| {
            (
                d["range"]["start"]["line"].as_u64().expect("line"),
                d["range"]["start"]["character"]
                    .as_u64()
                    .expect("character"),
                d["code"].as_str().expect("code").to_string(),
                d["severity"].as_u64().expect("severity"),
                d["message"].as_str().expect("message").to_string(),
            )
        })
        .collect();
    rows.sort();
    rows
}

#[test]
fn check_and_the_workspace_scan_report_the_same_findings() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    fixture(root);

    let cli = from_check(root);
    let expected_attribution = (
        1,
        41,
        "attribution-required".to_string(),
        3,
        "sd3.5-large requires attribution: show \"Powered by Stability AI\" near the output (shown in Footer.tsx:2)".to_string(),
    );
    assert!(cli.contains(&expected_attribution), "{cli:#?}");
    assert!(
        cli.iter()
            .any(|r| r.2 == "commercial-conditional" && r.3 == 2),
        "{cli:#?}"
    );

    let mut server = Server::start_workspace(root, json!({}));
    let uri = format!("file://{}", root.join("src/app.ts").display());
    // The attribution index is built in the background: wait for the answer
    // that has it (or fail on the server's timeout).
    let published = server.wait_for(|m| {
        m["method"] == "textDocument/publishDiagnostics"
            && m["params"]["uri"] == uri
            && from_editor(&m["params"]).contains(&(
                1,
                41,
                "attribution-required".to_string(),
                3,
                "sd3.5-large requires attribution: show \"Powered by Stability AI\" near the output (shown in Footer.tsx:2)".to_string(),
            ))
    });
    assert_eq!(from_editor(&published["params"]), cli);
    server.shutdown_and_exit();
}

#[test]
fn the_report_command_returns_the_cli_report_made_with_the_editor_settings() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("project");
    fixture(&root);
    let cache = dir.path().join("cache");
    let cache_text = cache.display().to_string();
    let env = [
        ("ABSTRAKT_OFFLINE", "1"),
        ("ABSTRAKT_CACHE_DIR", cache_text.as_str()),
    ];

    // The project file names no intended use: the editor's setting applies,
    // as `--intended-use` does for the CLI.
    let cli = Command::new(common::binary())
        .args([
            "report",
            "--format",
            "markdown",
            "--intended-use",
            "research",
        ])
        .envs(env)
        .env_remove("ABSTRAKT_API_KEY")
        .current_dir(&root)
        .output()
        .expect("run report");
    let cli = String::from_utf8(cli.stdout).expect("utf-8");
    assert!(cli.contains("Intended use: research."), "{cli}");
    assert!(cli.contains("src/app.ts"), "{cli}");

    let mut server = Server::spawn_with(&[], &env);
    server.request(
        "initialize",
        json!({
            "processId": null,
            "rootUri": format!("file://{}", root.display()),
            "capabilities": {},
            "initializationOptions": { "intendedUse": "research", "offline": true }
        }),
    );
    server.notify("initialized", json!({}));
    let report = server.request(
        "workspace/executeCommand",
        json!({ "command": "abstrakt.report", "arguments": [] }),
    );
    assert_eq!(report.as_str(), Some(cli.as_str()));

    // Another intended use in the editor gives another report.
    server.notify(
        "workspace/didChangeConfiguration",
        json!({ "settings": { "abstrakt": { "intendedUse": "commercial", "offline": true } } }),
    );
    let commercial = server.request(
        "workspace/executeCommand",
        json!({ "command": "abstrakt.report", "arguments": [] }),
    );
    assert!(
        commercial
            .as_str()
            .is_some_and(|r| r.contains("Intended use: commercial.")),
        "{commercial}"
    );

    // A folder outside the workspace is refused with a clear error.
    let outside = server.request_full(
        "workspace/executeCommand",
        json!({ "command": "abstrakt.report", "arguments": ["file:///elsewhere"] }),
    );
    assert_eq!(
        outside["error"]["message"],
        "not a folder of this workspace"
    );
    server.shutdown_and_exit();
}

/// `ABSTRAKT_OFFLINE` is read by one function for both faces: `y` is offline
/// and `enabled` (not a yes/no value) is offline with the same warning in
/// both, `n` is online in both. (The command line used to exit 2 on
/// `enabled` and the server to treat both as online.)
#[test]
fn both_faces_read_abstrakt_offline_alike() {
    const WARNING: &str =
        "ABSTRAKT_OFFLINE: expected a yes/no value such as 1 or 0; working offline";
    for (value, offline) in [("y", true), ("enabled", true), ("n", false)] {
        let (url, seen) = cli_support::serve_api(|_| ("404 Not Found", "{}"));
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("project");
        std::fs::create_dir_all(&root).expect("mkdir");
        std::fs::write(root.join("a.js"), "abstrakt.run('flux-dev');\n").expect("write");
        let cache = dir.path().join("cache");
        let cache_text = cache.display().to_string();
        let env = [
            ("ABSTRAKT_OFFLINE", value),
            ("ABSTRAKT_API_KEY", "sk_test_offline"),
            ("ABSTRAKT_API_URL", url.as_str()),
            ("ABSTRAKT_CACHE_DIR", cache_text.as_str()),
        ];

        let cli = cli_support::run_with(&root, &["check", "--format", "json"], &env);
        assert_eq!(cli.code, 0, "{value}: {}", cli.stderr);
        assert_eq!(
            seen.lock().expect("log").is_empty(),
            offline,
            "{value}: the command line asked the API: {:?}",
            seen.lock().expect("log")
        );
        assert_eq!(
            cli.stderr.contains(WARNING),
            value == "enabled",
            "{}",
            cli.stderr
        );

        let mut log_env = env.to_vec();
        log_env.push(("RUST_LOG", "info"));
        let mut server = Server::spawn_logged(&[], &log_env);
        server.request(
            "initialize",
            json!({
                "processId": null,
                "rootUri": format!("file://{}", root.display()),
                "capabilities": {},
            }),
        );
        server.notify("initialized", json!({}));
        // The store built from the environment (the one before `initialize`
        // has no key).
        let log = server.wait_for_log("has_key=true");
        let line = log
            .lines()
            .find(|l| l.contains("licensing sources") && l.contains("has_key=true"))
            .expect("log line");
        assert!(
            line.contains(&format!("online={}", !offline))
                && line.contains(&format!("offline={offline}")),
            "{value}: {line}"
        );
        if value == "enabled" {
            let shown = server.wait_for(|m| m["method"] == "window/showMessage");
            assert!(
                shown["params"]["message"]
                    .as_str()
                    .is_some_and(|m| m.contains(WARNING)),
                "{shown}"
            );
        }
        server.shutdown_and_exit();
    }
}

/// Model URLs in shell scripts and Markdown code blocks: the workspace scope
/// reports what `check` reports (it used to skip both kinds of file).
#[test]
fn the_workspace_scope_reports_model_urls_in_shell_and_markdown_like_check() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    std::fs::create_dir_all(root.join("scripts")).expect("mkdir");
    std::fs::write(
        root.join("scripts/render.sh"),
        "#!/bin/sh\ncurl https://api.abstrakt.one/v1/models/flux-dev/run -d '{}'\n",
    )
    .expect("write");
    std::fs::write(
        root.join("GUIDE.md"),
        "# Guide\n\n```sh\ncurl https://api.abstrakt.one/v1/models/musicgen/run\n```\n",
    )
    .expect("write");

    let mut server = Server::start_workspace(root, json!({}));
    for file in ["scripts/render.sh", "GUIDE.md"] {
        let cli = from_check_file(root, Some(file));
        assert!(!cli.is_empty(), "check reports {file}");
        let uri = format!("file://{}", root.join(file).display());
        let published = server.wait_for(|m| {
            m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri
        });
        assert_eq!(from_editor(&published["params"]), cli, "{file}");
    }
    server.shutdown_and_exit();
}

/// `SOURCE_DATE_EPOCH` pins "now" for both faces: the age on a licensing
/// card is the same in `explain` and in the editor's hover, counted from the
/// pinned instant (the hover used to read the system clock).
#[test]
fn cards_are_dated_from_source_date_epoch_in_both_faces() {
    // 2036-01-01T00:00:00Z: every built-in entry was verified years before.
    let env = [
        ("SOURCE_DATE_EPOCH", "2082758400"),
        ("ABSTRAKT_OFFLINE", "1"),
    ];
    let dir = tempfile::tempdir().expect("tempdir");
    let explain = cli_support::run_with(dir.path(), &["explain", "flux-dev"], &env);
    assert_eq!(explain.code, 0, "{}", explain.stderr);
    let source = explain
        .stdout
        .lines()
        .find(|l| l.starts_with("Source: built-in registry, verified"))
        .expect("a source line")
        .to_string();
    assert!(source.contains(" years ago)"), "{source}");

    let mut server = Server::spawn_with(&[], &env);
    server.initialize(json!({}), json!({}));
    let uri = format!("file://{}", dir.path().join("a.js").display());
    server.open(&uri, "javascript", "abstrakt.run('flux-dev');\n");
    server.diagnostics(&uri);
    let hover = server.hover(&uri, 0, 17);
    let text = hover["contents"]["value"].as_str().expect("hover text");
    assert!(text.contains(&source), "{text}\n---\n{source}");
    server.shutdown_and_exit();
}
