mod common;

use common::{Server, summarize};
use serde_json::json;

const FLUX: &str = "const prompt = 'a cat';\nawait abstrakt.run('flux-dev', { prompt });\n";

#[test]
fn flux_dev_gets_an_attribution_warning_in_every_language() {
    let mut server = Server::start();
    for (i, (language, ext)) in [
        ("javascript", "js"),
        ("javascriptreact", "jsx"),
        ("typescript", "ts"),
        ("typescriptreact", "tsx"),
    ]
    .into_iter()
    .enumerate()
    {
        let uri = format!("file:///project/app{i}.{ext}");
        server.open(&uri, language, FLUX);
        let published = server.diagnostics(&uri);
        assert_eq!(published["version"], 1);
        assert_eq!(
            summarize(&published),
            [(1, 19, 1, 29, "attribution-required".to_string(), 2)],
            "{language}"
        );
        let diagnostic = &published["diagnostics"][0];
        assert_eq!(diagnostic["source"], "abstrakt");
        assert_eq!(
            diagnostic["message"],
            "flux-dev requires attribution: show \"Image created with FLUX.1-dev\" near the output (Abstrakt's example wording, not licence text)"
        );
    }
}

#[test]
fn hover_on_the_id_and_on_the_method_shows_the_license_card() {
    let mut server = Server::start();
    let uri = "file:///project/app.ts";
    server.open(uri, "typescript", FLUX);
    server.diagnostics(uri);
    for character in [19, 24, 29] {
        let hover = server.hover(uri, 1, character);
        assert_eq!(hover["contents"]["kind"], "markdown");
        let value = hover["contents"]["value"].as_str().unwrap_or_default();
        assert!(
            value.starts_with("**FLUX.1 \\[dev\\]** `flux-dev`"),
            "{value}"
        );
        assert!(value.contains("**License**: [FLUX.1-dev]("), "{value}");
        assert_eq!(
            hover["range"],
            json!({ "start": { "line": 1, "character": 19 }, "end": { "line": 1, "character": 29 } })
        );
    }
    let on_method = server.hover(uri, 1, 16);
    assert!(
        on_method["contents"]["value"]
            .as_str()
            .unwrap_or_default()
            .contains("FLUX.1-dev")
    );
    assert_eq!(
        on_method["range"]["start"],
        json!({ "line": 1, "character": 15 })
    );
    assert_eq!(server.hover(uri, 0, 3), serde_json::Value::Null);
}

#[test]
fn server_exits_cleanly_on_shutdown_and_exit() {
    let server = Server::start();
    assert!(server.shutdown_and_exit().success());
}

#[test]
fn pull_diagnostics_are_offered_only_to_clients_that_do_not_take_pushed_ones() {
    // VS Code declares both; offering pull too would show every finding twice.
    let mut both = Server::spawn();
    let result = both.initialize(
        json!({ "textDocument": { "publishDiagnostics": {}, "diagnostic": {} } }),
        json!({}),
    );
    assert!(
        result["capabilities"]["diagnosticProvider"].is_null(),
        "{result}"
    );
    let mut pull_only = Server::spawn();
    let result = pull_only.initialize(json!({ "textDocument": { "diagnostic": {} } }), json!({}));
    assert_eq!(
        result["capabilities"]["diagnosticProvider"]["identifier"],
        "abstrakt"
    );
}
