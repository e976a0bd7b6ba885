//! Provider SDK calls, per front end: what is found, at which exact range,
//! on which route; and look-alikes that must stay silent.

use super::*;
use crate::extract::{ExtractOptions, Target, extract, may_contain_calls};
use crate::syntax::{self, Language};

/// Each use as `route method id@<source at the target's range>` (`?@` when
/// dynamic).
fn uses(language: Language, source: &str) -> Vec<String> {
    let tree = syntax::parse(language, source);
    extract(&tree, source, &ExtractOptions::default())
        .iter()
        .flat_map(|u| {
            u.targets.iter().map(move |t| {
                let (id, range) = match t {
                    Target::Static { id, range } => (id.as_str(), range),
                    Target::Dynamic { range, .. } => ("?", range),
                };
                format!(
                    "{} {} {id}@{}",
                    u.route(),
                    u.method.name(),
                    &source[range.clone()]
                )
            })
        })
        .collect()
}

fn py(source: &str) -> Vec<String> {
    uses(Language::Python, source)
}

fn ts(source: &str) -> Vec<String> {
    uses(Language::TypeScript, source)
}

macro_rules! fixture {
    ($path:literal) => {
        include_str!(concat!("../../../tests/fixtures/providers/", $path))
    };
}

#[test]
fn the_table_parses_and_every_route_has_an_sdk() {
    let (sdks, terms) = parse(PROVIDERS_TOML).expect("data/providers.toml parses");
    for route in [
        Route::Fal,
        Route::Replicate,
        Route::Openai,
        Route::Google,
        Route::Anthropic,
        Route::HuggingfaceInference,
        Route::Weights,
    ] {
        assert!(sdks.iter().any(|s| s.route == route), "{route}");
    }
    assert_eq!(sdks.len(), super::sdks().len());
    assert!(
        terms
            .iter()
            .any(|t| t.model == "flux-dev" && t.route == Route::Weights)
    );
}

#[test]
fn python_fal_client_module_functions_and_imports() {
    assert_eq!(
        py(fixture!("python/fal_calls.py")),
        [
            "fal subscribe fal-ai/flux/dev@\"fal-ai/flux/dev\"",
            "fal subscribe_async fal-ai/flux/schnell@\"fal-ai/flux/schnell\"",
        ]
    );
    assert_eq!(
        py(
            "import fal_client as fc\nc = fc.SyncClient()\nc.run(application='fal-ai/x')\nfc.submit_async(A)\n"
        ),
        ["fal run fal-ai/x@'fal-ai/x'", "fal submit_async ?@A"]
    );
}

#[test]
fn python_replicate_keeps_the_version_on_the_id() {
    assert_eq!(
        py(fixture!("python/replicate_calls.py")),
        [
            "replicate run black-forest-labs/flux-dev@\"black-forest-labs/flux-dev\"",
            "replicate run black-forest-labs/flux-schnell:5599ed30703defd1d160a25a63321b4dec97101d98b4674bcc56e41f62f35637@\"black-forest-labs/flux-schnell:5599ed30703defd1d160a25a63321b4dec97101d98b4674bcc56e41f62f35637\"",
        ]
    );
    assert_eq!(
        py(
            "import replicate\nreplicate.models.get('owner/name')\nreplicate.predictions.create(version=V, input={})\n"
        ),
        [
            "replicate models.get owner/name@'owner/name'",
            "replicate predictions.create ?@V"
        ]
    );
}

#[test]
fn python_openai_anthropic_google() {
    assert_eq!(
        py(fixture!("python/openai_calls.py")),
        [
            "openai images.generate dall-e-3@\"dall-e-3\"",
            "openai audio.speech.create tts-1@\"tts-1\"",
        ]
    );
    assert_eq!(
        py(fixture!("python/anthropic_calls.py")),
        [
            "anthropic messages.create claude-sonnet-4-5@\"claude-sonnet-4-5\"",
            "anthropic messages.stream claude-haiku-4-5@\"claude-haiku-4-5\"",
        ]
    );
    assert_eq!(
        py(fixture!("python/google_calls.py")),
        [
            "google models.generate_content gemini-2.5-flash-image@\"gemini-2.5-flash-image\"",
            "google *.from_pretrained imagen-3.0-generate-002@\"imagen-3.0-generate-002\"",
        ]
    );
    // The module itself proxies a client in openai; constants are followed.
    assert_eq!(
        py("import openai\nM = 'gpt-image-1'\nopenai.images.generate(model=M)\n"),
        ["openai images.generate gpt-image-1@M"]
    );
}

#[test]
fn python_hugging_face_hosted_and_self_hosted() {
    assert_eq!(
        py(fixture!("python/huggingface_calls.py")),
        [
            "huggingface-inference InferenceClient black-forest-labs/FLUX.1-schnell@\"black-forest-labs/FLUX.1-schnell\"",
            "huggingface-inference * stabilityai/stable-diffusion-xl-base-1.0@\"stabilityai/stable-diffusion-xl-base-1.0\"",
            "weights hf_hub_download black-forest-labs/FLUX.1-dev@\"black-forest-labs/FLUX.1-dev\"",
        ]
    );
    assert_eq!(
        py(fixture!("python/weights_calls.py")),
        [
            "weights *.from_pretrained black-forest-labs/FLUX.1-dev@\"black-forest-labs/FLUX.1-dev\"",
            "weights pipeline Salesforce/blip-image-captioning-base@\"Salesforce/blip-image-captioning-base\"",
        ]
    );
}

#[test]
fn python_look_alikes_are_not_model_calls() {
    assert_eq!(py(fixture!("python/look_alikes.py")), Vec::<String>::new());
    // A name imported from a package that is not an SDK, and a method the
    // SDK does not have.
    assert_eq!(
        py(
            "from mylib import replicate\nreplicate.run('a/b')\nimport openai\nopenai.files.create(model='x')\n"
        ),
        Vec::<String>::new()
    );
}

#[test]
fn javascript_fal_replicate_openai() {
    assert_eq!(
        ts(fixture!("typescript/fal.ts")),
        [
            "fal subscribe fal-ai/flux/dev@\"fal-ai/flux/dev\"",
            "fal queue.submit fal-ai/flux/schnell@\"fal-ai/flux/schnell\"",
        ]
    );
    assert_eq!(
        ts(fixture!("typescript/replicate.ts")),
        [
            "replicate run black-forest-labs/flux-dev@\"black-forest-labs/flux-dev\"",
            "replicate predictions.create black-forest-labs/flux-schnell@\"black-forest-labs/flux-schnell\"",
        ]
    );
    assert_eq!(
        ts(fixture!("typescript/openai.ts")),
        [
            "openai images.generate dall-e-3@\"dall-e-3\"",
            "openai chat.completions.create gpt-4o@\"gpt-4o\"",
        ]
    );
}

#[test]
fn javascript_google_anthropic_hugging_face() {
    assert_eq!(
        ts(fixture!("typescript/google.ts")),
        [
            "google models.generateContent gemini-2.5-flash-image@\"gemini-2.5-flash-image\"",
            "google getGenerativeModel gemini-1.5-pro@\"gemini-1.5-pro\"",
        ]
    );
    assert_eq!(
        ts(fixture!("typescript/anthropic.ts")),
        [
            "anthropic messages.create claude-sonnet-4-5@\"claude-sonnet-4-5\"",
            "anthropic messages.stream claude-haiku-4-5@\"claude-haiku-4-5\"",
        ]
    );
    assert_eq!(
        ts(fixture!("typescript/huggingface.ts")),
        [
            "huggingface-inference * black-forest-labs/FLUX.1-schnell@\"black-forest-labs/FLUX.1-schnell\"",
            "huggingface-inference * stabilityai/stable-diffusion-xl-base-1.0@\"stabilityai/stable-diffusion-xl-base-1.0\"",
        ]
    );
}

#[test]
fn javascript_vercel_ai_sdk_provider_functions() {
    assert_eq!(
        ts(fixture!("typescript/vercel-ai.ts")),
        [
            "openai  gpt-4o@\"gpt-4o\"",
            "fal image fal-ai/flux/dev@\"fal-ai/flux/dev\"",
            "openai  gpt-4o-mini@\"gpt-4o-mini\"",
        ]
    );
}

#[test]
fn javascript_options_objects_through_constants_require_and_this() {
    let source = "const OpenAI = require('openai');\nconst OPTIONS = { model: 'dall-e-2', n: 1 };\nclass A {\n  client = new OpenAI();\n  go(params) {\n    this.client.images.generate(OPTIONS);\n    this.client.images.generate(params);\n    this.client.images.generate({ prompt: 'no model: the SDK default' });\n  }\n}\n";
    assert_eq!(
        ts(source),
        [
            "openai images.generate dall-e-2@OPTIONS",
            "openai images.generate ?@params",
        ]
    );
}

#[test]
fn javascript_look_alikes_are_not_model_calls() {
    assert_eq!(
        ts(fixture!("typescript/look-alikes.ts")),
        Vec::<String>::new()
    );
    assert_eq!(
        ts(
            "import { run } from 'replicate-ui';\nimport OpenAI from 'openai-mock';\nrun('a/b');\nnew OpenAI().images.generate({ model: 'x' });\n"
        ),
        Vec::<String>::new()
    );
}

#[test]
fn the_prefilter_is_one_literal_per_package() {
    let options = ExtractOptions::default();
    let python = Some(crate::syntax::Language::Python);
    let typescript = Some(crate::syntax::Language::TypeScript);
    assert!(may_contain_calls(b"import fal_client", python, &options));
    assert!(may_contain_calls(
        b"from '@ai-sdk/openai'",
        typescript,
        &options
    ));
    assert!(!may_contain_calls(
        b"import numpy as np\nnp.run()",
        python,
        &options
    ));
    // A package name counts in its own language only: `transformers` is a
    // Python module, and the TypeScript compiler's own API in a .ts file.
    let compiler = b"const before: ts.TransformerFactory[] = program.transformers.before;";
    assert!(!may_contain_calls(compiler, typescript, &options));
    assert!(may_contain_calls(
        b"from transformers import pipeline",
        python,
        &options
    ));
    // Shell scripts and Markdown are read for model URLs only.
    assert!(!may_contain_calls(
        b"pip install openai replicate",
        None,
        &options
    ));
}

#[test]
fn replicate_versions_and_namespaces_resolve_per_route() {
    assert_eq!(replicate_model("owner/model:abc123"), "owner/model");
    assert_eq!(replicate_model("abc123"), "abc123");
    assert_eq!(
        Route::Replicate.resolution_ids("owner/model:abc"),
        ["replicate:owner/model", "owner/model"]
    );
    assert_eq!(
        Route::Openai.resolution_ids("dall-e-3"),
        ["openai:dall-e-3", "dall-e-3"]
    );
    assert_eq!(Route::Weights.resolution_ids("a/b"), ["a/b"]);
}

#[test]
fn the_prefilter_finds_a_package_name_across_rope_chunks() {
    use super::{SdkLanguage, text_may_use_providers};
    let mut straddled = false;
    // The name in the middle: ropey splits a text of one to two chunks' size
    // near its middle.
    for padding in 400..1_200 {
        let text = format!("{0}\nimport fal_client\n{0}", "#".repeat(padding));
        let rope = ropey::Rope::from_str(&text);
        let at = text.find("fal_client").unwrap_or_default();
        let mut start = 0;
        for chunk in rope.chunks() {
            let end = start + chunk.len();
            straddled |= start < at + "fal_client".len() && at < start && start < end;
            start = end;
        }
        assert!(
            text_may_use_providers(&rope, SdkLanguage::Python),
            "{padding}"
        );
        assert!(
            !text_may_use_providers(&rope, SdkLanguage::Javascript),
            "{padding}"
        );
    }
    assert!(straddled, "no case split the name between two chunks");
}
