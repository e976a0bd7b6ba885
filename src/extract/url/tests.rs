//! Model URLs in strings, shell scripts and Markdown: exact id ranges.

use super::*;
use crate::extract::extract as extract_all;
use crate::syntax::{self, Language};

/// `(method, id or ?, text at the target's range)` of every use.
fn uses_in(language: Language, source: &str, options: &ExtractOptions) -> Vec<(String, String)> {
    let tree = syntax::parse(language, source);
    describe(&extract_all(&tree, source, options), source)
}

fn describe(uses: &[ModelUse], source: &str) -> Vec<(String, String)> {
    uses.iter()
        .flat_map(|u| {
            u.targets.iter().map(move |t| {
                let at = &source[t.range().clone()];
                let what = match t {
                    Target::Static { id, .. } => {
                        assert_eq!(id, at, "a static URL id is its range's text");
                        format!("{} {id}", u.method.name())
                    }
                    Target::Dynamic { .. } => format!("{} ?", u.method.name()),
                };
                (what, at.to_string())
            })
        })
        .collect()
}

fn pair(what: &str, at: &str) -> (String, String) {
    (what.to_string(), at.to_string())
}

#[test]
fn python_requests_post_run_url() {
    let source = "import requests\nrequests.post(\"https://api.abstrakt.one/v1/models/flux-pro/run\",\n              headers={\"Authorization\": \"Bearer abs_...\"})\n";
    assert_eq!(
        uses_in(Language::Python, source, &ExtractOptions::default()),
        [pair("run flux-pro", "flux-pro")]
    );
}

#[test]
fn ids_with_slashes_and_get_urls() {
    let source = "fetch('https://api.abstrakt.one/v1/models/fal-ai/flux/schnell/run', { method: 'POST' });\naxios.get(`https://api.abstrakt.one/v1/models/fal-ai/flux/dev`);\nfetch('https://api.abstrakt.one/v1/models/flux-dev/?x=1');\n";
    assert_eq!(
        uses_in(Language::TypeScript, source, &ExtractOptions::default()),
        [
            pair("run fal-ai/flux/schnell", "fal-ai/flux/schnell"),
            pair("models.get fal-ai/flux/dev", "fal-ai/flux/dev"),
            pair("models.get flux-dev", "flux-dev"),
        ]
    );
}

#[test]
fn interpolated_ids_are_dynamic() {
    let js = "fetch(`https://api.abstrakt.one/v1/models/${model}/run`);\n";
    assert_eq!(
        uses_in(Language::JavaScript, js, &ExtractOptions::default()),
        [pair("run ?", "${model}")]
    );
    let py = "httpx.post(f\"https://api.abstrakt.one/v1/models/fal-ai/{name}/run\")\n";
    assert_eq!(
        uses_in(Language::Python, py, &ExtractOptions::default()),
        [pair("run ?", "fal-ai/{name}")]
    );
}

#[test]
fn other_hosts_lists_docstrings_and_comments_are_not_model_urls() {
    let source = "\"\"\"POST https://api.abstrakt.one/v1/models/flux-dev/run\"\"\"\n# https://api.abstrakt.one/v1/models/flux-dev/run\nrequests.get(\"https://api.openai.com/v1/models/gpt-4\")\nrequests.get(\"https://xapi.abstrakt.one/v1/models/flux-dev\")\nrequests.get(\"https://api.abstrakt.one/v1/models?category=text-to-image\")\nrequests.get(\"https://api.abstrakt.one/v1/models/\")\n";
    assert_eq!(
        uses_in(Language::Python, source, &ExtractOptions::default()),
        Vec::<(String, String)>::new()
    );
}

#[test]
fn the_configured_api_url_host_counts() {
    let options = ExtractOptions {
        api_url: Some("http://127.0.0.1:8080/v1/".to_string()),
        ..Default::default()
    };
    let source = "requests.post('http://127.0.0.1:8080/v1/models/flux-dev/run')\nrequests.post('http://127.0.0.1:9/v1/models/sdxl/run')\n";
    assert_eq!(
        uses_in(Language::Python, source, &options),
        [pair("run flux-dev", "flux-dev")]
    );
    assert!(crate::extract::may_contain_calls(
        source.as_bytes(),
        Some(Language::Python),
        &options
    ));
    assert!(!crate::extract::may_contain_calls(
        source.as_bytes(),
        Some(Language::Python),
        &ExtractOptions::default()
    ));
}

#[test]
fn shell_scripts_skip_comments_and_see_variables() {
    let script = "#!/bin/sh\n# curl https://api.abstrakt.one/v1/models/flux-dev/run\ncurl https://api.abstrakt.one/v1/models/fal-ai/flux/schnell/run \\\n  -H \"Authorization: Bearer $KEY\"\ncurl \"https://api.abstrakt.one/v1/models/$MODEL/run\"\n";
    let uses = extract_text(script, PlainKind::Shell, &ExtractOptions::default());
    assert_eq!(
        describe(&uses, script),
        [
            pair("run fal-ai/flux/schnell", "fal-ai/flux/schnell"),
            pair("run ?", "$MODEL"),
        ]
    );
}

#[test]
fn markdown_reads_only_code_blocks() {
    let doc = "# Calling models\n\nPOST https://api.abstrakt.one/v1/models/flux-dev/run runs a model.\nThe endpoint is `https://api.abstrakt.one/v1/models/{id}/run`.\n\n```bash\ncurl https://api.abstrakt.one/v1/models/flux-schnell/run -d '{}'\n```\n\n~~~~python\nrequests.get(\"https://api.abstrakt.one/v1/models/sdxl\")\n~~~~\nhttps://api.abstrakt.one/v1/models/after-the-block\n";
    let uses = extract_text(doc, PlainKind::Markdown, &ExtractOptions::default());
    assert_eq!(
        describe(&uses, doc),
        [
            pair("run flux-schnell", "flux-schnell"),
            pair("models.get sdxl", "sdxl"),
        ]
    );
}

#[test]
fn placeholders_in_docs_are_skipped() {
    let found = find_urls(
        "https://api.abstrakt.one/v1/models/{model}/run <id>",
        &[PUBLIC_API_BASE.to_string()],
        &[],
    );
    assert!(found.is_empty());
}

#[test]
fn plain_kinds_by_extension() {
    use std::path::Path;
    assert_eq!(
        PlainKind::from_path(Path::new("a/run.sh")),
        Some(PlainKind::Shell)
    );
    assert_eq!(
        PlainKind::from_path(Path::new("README.md")),
        Some(PlainKind::Markdown)
    );
    assert_eq!(PlainKind::from_path(Path::new("a.py")), None);
}

#[test]
fn a_url_cut_between_rope_chunks_is_found() {
    let mut straddled = false;
    for padding in 400..1_200 {
        let source = format!(
            "{0}\nfetch('https://api.abstrakt.one/v1/models/flux-dev/run');\n{0}\n",
            "/".repeat(padding)
        );
        let rope = ropey::Rope::from_str(&source);
        let at = source.find("api.abstrakt").unwrap_or_default();
        let mut start = 0;
        for chunk in rope.chunks() {
            straddled |= at < start && start < at + PUBLIC_API_BASE.len();
            start += chunk.len();
        }
        let tree = syntax::parse(Language::JavaScript, &source);
        let from_rope = extract_all(&tree, &rope, &ExtractOptions::default());
        assert_eq!(
            describe(&from_rope, &source),
            [("run flux-dev".to_string(), "flux-dev".to_string())],
            "{padding}"
        );
    }
    assert!(straddled, "no case cut the API base between two chunks");
}
