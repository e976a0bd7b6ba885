use super::*;
use crate::syntax::{self, Language};

/// Each target as `id@<source at its range>`, dynamic ones as `?@<source>`.
fn targets_in(language: Language, source: &str) -> Vec<String> {
    targets_with(language, source, &ExtractOptions::default())
}

fn targets_with(language: Language, source: &str, options: &ExtractOptions) -> Vec<String> {
    let tree = syntax::parse(language, source);
    extract(&tree, source, options)
        .iter()
        .flat_map(|u| u.targets.iter())
        .map(|t| match t {
            Target::Static { id, range } => format!("{id}@{}", &source[range.clone()]),
            Target::Dynamic { range, .. } => format!("?@{}", &source[range.clone()]),
        })
        .collect()
}

fn js(source: &str) -> Vec<String> {
    targets_in(Language::JavaScript, source)
}

fn ts(source: &str) -> Vec<String> {
    targets_in(Language::TypeScript, source)
}

#[test]
fn run_with_a_single_quoted_literal() {
    assert_eq!(
        js("await abstrakt.run('flux-dev', { prompt });"),
        ["flux-dev@'flux-dev'"]
    );
}

#[test]
fn models_get_with_a_double_quoted_literal() {
    assert_eq!(
        js(r#"const m = await abstrakt.models.get("flux-dev");"#),
        [r#"flux-dev@"flux-dev""#]
    );
}

#[test]
fn template_literal_without_substitutions() {
    assert_eq!(
        js("abstrakt.run(`fal-ai/flux/dev`, {});"),
        ["fal-ai/flux/dev@`fal-ai/flux/dev`"]
    );
}

#[test]
fn template_literal_with_substitution_is_dynamic() {
    assert_eq!(js("abstrakt.run(`flux-${v}`, {});"), ["?@`flux-${v}`"]);
}

#[test]
fn escapes_in_literals_are_resolved() {
    assert_eq!(
        js(r"abstrakt.run('flux\x2ddev');"),
        [r"flux-dev@'flux\x2ddev'"]
    );
}

#[test]
fn optional_chaining_on_receiver_and_method() {
    assert_eq!(
        js("abstrakt?.run('a'); abstrakt.models?.get('b'); abstrakt.run?.('c');"),
        ["a@'a'", "b@'b'", "c@'c'"]
    );
}

#[test]
fn typescript_generics_and_await() {
    assert_eq!(
        ts("const r = await abstrakt.run<Output>('flux-dev', {});"),
        ["flux-dev@'flux-dev'"]
    );
    assert_eq!(
        ts("const r = await abstrakt?.run<Output>('flux-dev', {});"),
        ["flux-dev@'flux-dev'"]
    );
}

#[test]
fn element_access_for_methods() {
    assert_eq!(
        js("abstrakt['run']('a'); abstrakt[\"models\"]['get']('b');"),
        ["a@'a'", "b@'b'"]
    );
}

#[test]
fn parenthesised_multi_line_call_with_comments() {
    let src =
        "(abstrakt)\n  .run(\n    /* the hero image */ 'flux-dev', // model\n    { prompt },\n  );";
    assert_eq!(js(src), ["flux-dev@'flux-dev'"]);
}

#[test]
fn const_binding_is_followed_and_reported_at_the_call_site() {
    let src = "const MODEL = 'flux-dev';\nconst ALIAS = MODEL;\nabstrakt.run(ALIAS, {});";
    assert_eq!(js(src), ["flux-dev@ALIAS"]);
}

#[test]
fn exported_const_and_nested_scopes() {
    let src = "export const MODEL = 'a';\nfunction f() { const MODEL = 'b'; return abstrakt.run(MODEL); }\nabstrakt.run(MODEL);";
    assert_eq!(js(src), ["b@MODEL", "a@MODEL"]);
}

#[test]
fn let_var_and_parameters_are_dynamic() {
    let src = "let a = 'x'; var b = 'y';\nabstrakt.run(a); abstrakt.run(b);\nconst c = 'z'; function g(c) { abstrakt.run(c); }";
    assert_eq!(js(src), ["?@a", "?@b", "?@c"]);
}

#[test]
fn const_object_members_with_and_without_as_const() {
    let src = "const MODELS = { hero: 'flux-dev', 'thumb': 'flux-schnell', nested: { x: 'sd3.5-large' } } as const;\n\
               abstrakt.run(MODELS.hero); abstrakt.run(MODELS['thumb']); abstrakt.run(MODELS.nested.x); abstrakt.run(MODELS.missing);";
    assert_eq!(
        ts(src),
        [
            "flux-dev@MODELS.hero",
            "flux-schnell@MODELS['thumb']",
            "sd3.5-large@MODELS.nested.x",
            "?@MODELS.missing"
        ]
    );
}

#[test]
fn satisfies_and_shorthand_members() {
    let src = "const hero = 'flux-dev';\nconst M = { hero } satisfies Record<string, string>;\nabstrakt.run(M.hero);";
    assert_eq!(ts(src), ["flux-dev@M.hero"]);
}

#[test]
fn conditional_yields_both_arms() {
    assert_eq!(
        js("abstrakt.run(hd ? 'flux-dev' : \"flux-schnell\");"),
        ["flux-dev@'flux-dev'", "flux-schnell@\"flux-schnell\""]
    );
}

#[test]
fn nullish_and_or_defaults() {
    assert_eq!(
        js("abstrakt.run(opts.model ?? 'flux-dev');"),
        ["?@opts.model", "flux-dev@'flux-dev'"]
    );
    assert_eq!(
        js("const D = 'whisper'; abstrakt.run(process.env.M || D);"),
        ["?@process.env.M", "whisper@D"]
    );
}

#[test]
fn other_expressions_are_dynamic() {
    assert_eq!(
        js("abstrakt.run(pickModel(), {}); abstrakt.run(...args);"),
        ["?@pickModel()", "?@...args"]
    );
}

#[test]
fn client_from_new_abstrakt_with_any_name() {
    let src =
        "const ai = new Abstrakt({ apiKey: process.env.ABSTRAKT_API_KEY });\nai.run('flux-dev');";
    assert_eq!(js(src), ["flux-dev@'flux-dev'"]);
}

#[test]
fn client_from_renamed_named_import() {
    let src = "import { Abstrakt as Sdk } from 'abstrakt';\nconst gen = new Sdk();\ngen.run('a');";
    assert_eq!(js(src), ["a@'a'"]);
}

#[test]
fn client_from_default_and_namespace_imports() {
    let src = "import Client from '@abstrakt/sdk';\nimport * as sdk from 'abstrakt';\nconst a = new Client(); const b = new sdk.Abstrakt();\na.run('x'); b.run('y');";
    assert_eq!(js(src), ["x@'x'", "y@'y'"]);
}

#[test]
fn client_from_require() {
    let src = "const { Abstrakt: A } = require('abstrakt');\nconst Sdk = require('abstrakt');\nconst c1 = new A(); const c2 = new Sdk.Abstrakt();\nc1.run('x'); c2.run('y');";
    assert_eq!(js(src), ["x@'x'", "y@'y'"]);
}

#[test]
fn client_assigned_later() {
    assert_eq!(js("let c;\nc = new Abstrakt();\nc.run('x');"), ["x@'x'"]);
}

#[test]
fn this_fields_assigned_a_client() {
    let src = "class Gen {\n  client = new Abstrakt();\n  constructor() { this.images = new Abstrakt(); }\n  a() { return this.client.run('x'); }\n  b() { return this.images.models.get('y'); }\n  c() { return this.other.run('z'); }\n  d() { return this.abstrakt.run('w'); }\n}";
    assert_eq!(js(src), ["x@'x'", "y@'y'", "w@'w'"]);
}

#[test]
fn typescript_parameters_and_fields_typed_abstrakt() {
    let src = "class S {\n  private readonly ai: Abstrakt;\n  constructor(private client: Abstrakt) {}\n  go() { this.ai.run('a'); this.client.run('b'); }\n}\nfunction f(gen: Abstrakt | undefined, other: Replicate) { gen.run('c'); other.run('d'); }\nconst held: Abstrakt = make();\nheld.run('e');";
    assert_eq!(ts(src), ["a@'a'", "b@'b'", "c@'c'", "e@'e'"]);
}

#[test]
fn configured_client_names() {
    let options = ExtractOptions {
        client_names: vec!["imageClient".into()],
        ..Default::default()
    };
    assert_eq!(
        targets_with(
            Language::JavaScript,
            "imageClient.run('x'); this.imageClient.run('y'); other.run('z');",
            &options
        ),
        ["x@'x'", "y@'y'"]
    );
}

#[test]
fn other_clients_and_methods_are_not_abstrakt_calls() {
    assert!(js("replicate.run('x'); openai.images.generate({ model: 'dall-e-3' }); abstrakt.jobs.get('job_1'); abstrakt.models.list();").is_empty());
}

#[test]
fn comments_and_strings_that_mention_calls_are_not_calls() {
    let src = "// abstrakt.run('flux-dev')\n/* abstrakt.models.get('x') */\nconst s = \"abstrakt.run('flux-dev')\";\nconst t = `abstrakt.run('y')`;";
    assert!(js(src).is_empty());
}

#[test]
fn call_without_arguments_is_not_a_model_use() {
    assert!(js("abstrakt.run();").is_empty());
}

#[test]
fn jsx_and_tsx_files() {
    let jsx = "export function Hero() { const img = abstrakt.run('flux-dev'); return <img alt=\"abstrakt.run('x')\" />; }";
    assert_eq!(
        targets_in(Language::JavaScriptReact, jsx),
        ["flux-dev@'flux-dev'"]
    );
    let tsx = "export const Hero = ({ ai }: { ai: Abstrakt }) => { void abstrakt.run<string>('flux-dev'); return <div>{'x'}</div>; };";
    assert_eq!(
        targets_in(Language::TypeScriptReact, tsx),
        ["flux-dev@'flux-dev'"]
    );
}

#[test]
fn method_range_and_call_range() {
    let src = "await abstrakt.models.get('flux-dev');";
    let tree = syntax::parse(Language::JavaScript, src);
    let uses = extract(&tree, src, &ExtractOptions::default());
    assert_eq!(uses.len(), 1);
    assert_eq!(&src[uses[0].method_range.clone()], "get");
    assert_eq!(
        &src[uses[0].call_range.clone()],
        "abstrakt.models.get('flux-dev')"
    );
    assert_eq!(&src[uses[0].argument_range.clone()], "'flux-dev'");
    assert_eq!(uses[0].method.name(), "models.get");
}

#[test]
fn prefilter_rejects_text_without_clients() {
    let options = ExtractOptions {
        client_names: vec!["gen".into()],
        ..Default::default()
    };
    assert!(may_contain_calls(
        b"import x from 'y'; abstrakt",
        Some(crate::syntax::Language::TypeScript),
        &ExtractOptions::default()
    ));
    assert!(may_contain_calls(
        b"new Abstrakt()",
        Some(crate::syntax::Language::TypeScript),
        &ExtractOptions::default()
    ));
    assert!(!may_contain_calls(
        b"runner.run('x')",
        Some(crate::syntax::Language::TypeScript),
        &ExtractOptions::default()
    ));
    // A provider SDK's package name may mean a provider call (issue 17).
    assert!(may_contain_calls(
        b"import replicate\nreplicate.run('x')",
        Some(crate::syntax::Language::Python),
        &ExtractOptions::default()
    ));
    assert!(may_contain_calls(
        b"gen.run('x')",
        Some(crate::syntax::Language::TypeScript),
        &options
    ));
}

#[test]
fn dynamic_expressions_keep_80_characters_from_strings_and_ropes() {
    // Multi-byte characters around the cut: the prefix backs off to a boundary.
    let long = format!("f('{}')", "é".repeat(300));
    let source = format!("abstrakt.run({long});");
    let tree = syntax::parse(Language::JavaScript, &source);
    let rope = ropey::Rope::from_str(&source);
    for uses in [
        extract(&tree, source.as_str(), &ExtractOptions::default()),
        extract(&tree, &rope, &ExtractOptions::default()),
    ] {
        let [Target::Dynamic { expression, .. }] = uses[0].targets.as_slice() else {
            panic!("{uses:?}");
        };
        assert_eq!(expression, &long.chars().take(80).collect::<String>());
    }
}

#[test]
fn a_member_chain_100000_deep_does_not_overflow_the_stack() {
    let source = format!(
        "abstrakt{}.run('flux-dev');\nabstrakt.run(a{});\n",
        ".x".repeat(100_000),
        ".b".repeat(100_000)
    );
    let found = js(&source);
    assert_eq!(found.len(), 1, "only the second call is abstrakt.run");
    assert!(found[0].starts_with("?@a.b.b"), "{}", &found[0][..20]);
}
