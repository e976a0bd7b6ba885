//! The command line with the Abstrakt API: a real HTTP server on 127.0.0.1.

mod cli_support;

use std::sync::{Arc, Mutex};

use cli_support::{Tree, json_findings, run_with, serve_api};

/// Serves `GET /v1/models/flux-dev` with licensing that differs from the
/// built-in one; 404 for everything else. Returns the base URL and the
/// request lines with their Authorization headers.
fn serve() -> (String, Arc<Mutex<Vec<String>>>) {
    serve_api(|request| {
        if request.starts_with("GET /v1/models/flux-dev ") {
            (
                "200 OK",
                r#"{"id":"flux-dev","name":"FLUX.1 [dev]","licensing":{"license":"FLUX-NC-2027","commercial":false,"attribution":"Not required","restrictions":["Research only"]}}"#,
            )
        } else {
            (
                "404 Not Found",
                r#"{"error":{"code":"not_found","message":"no such model"}}"#,
            )
        }
    })
}

#[test]
fn check_fetches_licensing_from_the_api_once_and_then_uses_the_cache() {
    let (url, seen) = serve();
    let tree = Tree::new(&[("src/a.js", b"abstrakt.run('flux-dev');\n")]);
    let cache = tempfile::tempdir().expect("cache dir");
    let cache_dir = cache.path().to_str().expect("utf-8 path");
    let env = [
        ("ABSTRAKT_API_KEY", "sk_test_cli"),
        ("ABSTRAKT_CACHE_DIR", cache_dir),
    ];

    let out = run_with(
        tree.path(),
        &["check", "--format", "json", "--api-url", &url],
        &env,
    );
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(!out.stderr.contains("sk_test_cli"));
    let value: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
    assert_eq!(value["findings"][0]["code"], "non-commercial");
    assert_eq!(value["findings"][0]["license"], "FLUX-NC-2027");
    assert_eq!(
        *seen.lock().expect("log"),
        ["GET /v1/models/flux-dev HTTP/1.1 | authorization: Bearer sk_test_cli"]
    );

    // The answer is cached: a second run asks nothing and says the same.
    let again = run_with(
        tree.path(),
        &["check", "--format", "json", "--api-url", &url],
        &env,
    );
    assert_eq!(again.stdout, out.stdout);
    assert_eq!(seen.lock().expect("log").len(), 1);

    // The report says where the answer came from.
    let report = run_with(
        tree.path(),
        &["report", "--format", "csv", "--api-url", &url],
        &env,
    );
    assert!(report.stdout.contains("FLUX-NC-2027"), "{}", report.stdout);
    assert!(report.stdout.contains("Abstrakt API"), "{}", report.stdout);
}

#[test]
fn offline_or_without_a_key_nothing_is_fetched() {
    let (url, seen) = serve();
    let tree = Tree::new(&[("a.js", b"abstrakt.run('flux-dev');\n")]);
    let cache = tempfile::tempdir().expect("cache dir");
    let cache_dir = cache.path().to_str().expect("utf-8 path");
    let with_key = [
        ("ABSTRAKT_API_KEY", "sk_test_cli"),
        ("ABSTRAKT_CACHE_DIR", cache_dir),
    ];
    let offline = run_with(
        tree.path(),
        &["check", "--format", "json", "--offline", "--api-url", &url],
        &with_key,
    );
    let env_offline = run_with(
        tree.path(),
        &["check", "--format", "json", "--api-url", &url],
        &[
            ("ABSTRAKT_API_KEY", "sk_test_cli"),
            ("ABSTRAKT_CACHE_DIR", cache_dir),
            ("ABSTRAKT_OFFLINE", "1"),
        ],
    );
    let no_key = run_with(
        tree.path(),
        &["check", "--format", "json", "--api-url", &url],
        &[("ABSTRAKT_CACHE_DIR", cache_dir)],
    );
    for out in [offline, env_offline, no_key] {
        assert_eq!(out.code, 0, "{}", out.stderr);
        let found = json_findings(&out.stdout);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].5, "attribution-required", "built-in answer");
    }
    assert!(seen.lock().expect("log").is_empty());
}

#[test]
fn a_bad_api_url_is_a_usage_error() {
    let tree = Tree::new(&[("a.js", b"abstrakt.run('flux-dev');\n")]);
    for url in ["http://example.com/v1", "ftp://127.0.0.1/", "not a url"] {
        let out = run_with(
            tree.path(),
            &["check", "--api-url", url],
            &[("ABSTRAKT_API_KEY", "sk_test_cli")],
        );
        assert_eq!(out.code, 2, "{url}");
        assert!(
            out.stderr.starts_with("abstrakt-lsp: --api-url: "),
            "{}",
            out.stderr
        );
        assert!(!out.stderr.contains("sk_test_cli"));
    }
}
