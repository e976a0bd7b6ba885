//! Over stdio: a model matched by a project family pattern, whose licence
//! requires attribution without wording. The hover, the diagnostic, the quick
//! fix and the attribution index all use the same suggested credit.

mod common;

use common::{Server, apply_edits, code_actions};
use serde_json::{Value, json};

const CONFIG: &str = "[[models]]\nid = \"acme/image-v1\"\nname = \"Acme Image\"\nlicense = \"Acme-EULA\"\ncommercial = true\nattribution = \"Required\"\npatterns = [\"acme/image-*\"]\n";

const HERO: &str = "export function Hero() {\n  const src = useImage(() => abstrakt.run('acme/image-v2'));\n  return (\n    <figure>\n      <img src={src} />\n    </figure>\n  );\n}\n";

fn start(root: &std::path::Path) -> Server {
    let mut server = Server::spawn();
    server.request(
        "initialize",
        json!({ "processId": null, "rootUri": format!("file://{}", root.display()), "capabilities": {} }),
    );
    server.notify("initialized", json!({}));
    server
}

fn attribution(params: &Value) -> Option<Value> {
    params["diagnostics"]
        .as_array()?
        .iter()
        .find(|d| d["code"] == "attribution-required")
        .cloned()
}

#[test]
fn the_suggested_credit_is_the_same_on_hover_diagnostic_and_quick_fix() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    std::fs::write(root.join("abstrakt.toml"), CONFIG).expect("write");
    let mut server = start(root);
    let uri = format!("file://{}", root.join("Hero.tsx").display());
    server.open(&uri, "typescriptreact", HERO);
    let params = server.diagnostics(&uri);
    let diagnostic = attribution(&params).expect("attribution-required");
    assert_eq!(
        diagnostic["message"],
        "acme/image-v2 (matched by family pattern `acme/image-*`) requires attribution (Acme-EULA), but the source gives no wording: credit the model near the output, e.g. \"Acme Image\" (suggested credit)"
    );

    let hover = server.hover(&uri, 1, 45);
    let card = hover["contents"]["value"].as_str().expect("card");
    assert!(
        card.contains("Matched by family pattern `acme/image-*`"),
        "{card}"
    );
    assert!(
        card.contains("**Attribution**: Required — the source gives no wording  \n**Suggested credit**: `\"Acme Image\"` (our suggestion, not wording from the licence)"),
        "{card}"
    );

    let actions = code_actions(&mut server, &uri, &json!([diagnostic]));
    let markup = actions
        .iter()
        .find(|a| {
            a["title"] == "Show the suggested credit \"Acme Image\" in the rendered component"
        })
        .unwrap_or_else(|| panic!("{actions:#?}"));
    assert_eq!(
        apply_edits(HERO, &markup["edit"]["changes"][&uri]),
        HERO.replace(
            "    </figure>",
            "      <small>Acme Image</small>\n    </figure>"
        )
    );
    let comment = actions
        .iter()
        .find(|a| a["title"] == "Add an attribution reminder above the call")
        .expect("comment");
    assert_eq!(
        apply_edits(HERO, &comment["edit"]["changes"][&uri]),
        HERO.replace(
            "  const src",
            "  // Attribution required; the source gives no wording. Suggested credit: \"Acme Image\"\n  const src"
        )
    );
}

#[test]
fn the_suggested_credit_shown_in_the_workspace_counts_as_attribution() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    std::fs::write(root.join("abstrakt.toml"), CONFIG).expect("write");
    std::fs::write(
        root.join("Footer.tsx"),
        "export const Footer = () => <small>Acme Image</small>;\n",
    )
    .expect("write");
    let mut server = start(root);
    let uri = format!("file://{}", root.join("app.ts").display());
    server.open(&uri, "typescript", "abstrakt.run('acme/image-v2');\n");
    let for_wait = uri.clone();
    let lowered = server.wait_for(move |m| {
        m["method"] == "textDocument/publishDiagnostics"
            && m["params"]["uri"] == for_wait
            && attribution(&m["params"]).is_some_and(|d| d["severity"] == 3)
    });
    let diagnostic = attribution(&lowered["params"]).expect("diagnostic");
    assert!(
        diagnostic["message"]
            .as_str()
            .is_some_and(|m| m.ends_with("(shown in Footer.tsx:1)")),
        "{diagnostic}"
    );
}
