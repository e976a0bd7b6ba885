//! One test per Python form, and the negatives.

use crate::extract::{ExtractOptions, Target, extract};
use crate::syntax::{self, Language};

/// Each target as `id@<source at its range>`, dynamic ones as `?@<source>`.
fn py_with(source: &str, options: &ExtractOptions) -> Vec<String> {
    let tree = syntax::parse(Language::Python, source);
    extract(&tree, source, options)
        .iter()
        .flat_map(|u| u.targets.iter())
        .map(|t| match t {
            Target::Static { id, range } => format!("{id}@{}", &source[range.clone()]),
            Target::Dynamic { range, .. } => format!("?@{}", &source[range.clone()]),
        })
        .collect()
}

fn py(source: &str) -> Vec<String> {
    py_with(source, &ExtractOptions::default())
}

const CLIENT: &str = "import os\nfrom abstrakt import Abstrakt\n\nclient = Abstrakt(api_key=os.environ[\"ABSTRAKT_API_KEY\"])\n";

fn with_client(body: &str) -> Vec<String> {
    py(&format!("{CLIENT}{body}"))
}

#[test]
fn the_documented_client_runs_a_literal() {
    assert_eq!(
        with_client("result = client.run(\"flux-dev\", {\"prompt\": p})\n"),
        ["flux-dev@\"flux-dev\""]
    );
    assert_eq!(
        with_client("m = client.models.get('fal-ai/flux/schnell')\n"),
        ["fal-ai/flux/schnell@'fal-ai/flux/schnell'"]
    );
}

#[test]
fn every_quote_style_and_prefix_is_static() {
    for literal in [
        "'flux-dev'",
        "\"\"\"flux-dev\"\"\"",
        "r'flux-dev'",
        "u\"flux-dev\"",
        "b'flux-dev'",
        "'flux' '-dev'",
    ] {
        assert_eq!(
            with_client(&format!("client.run({literal})\n")),
            [format!("flux-dev@{literal}")],
            "{literal}"
        );
    }
}

#[test]
fn f_strings_with_fields_are_dynamic() {
    assert_eq!(
        with_client("client.run(f\"flux-{size}\", {})\n"),
        ["?@f\"flux-{size}\""]
    );
}

#[test]
fn renamed_and_module_imports_construct_clients() {
    assert_eq!(
        py("from abstrakt import Abstrakt as A\nai = A()\nai.run('flux-dev')\n"),
        ["flux-dev@'flux-dev'"]
    );
    assert_eq!(
        py("import abstrakt as ab\nai = ab.Abstrakt()\nai.run('flux-dev')\n"),
        ["flux-dev@'flux-dev'"]
    );
    assert_eq!(
        py("import abstrakt\nai = abstrakt.Abstrakt()\nai.models.get('flux-dev')\n"),
        ["flux-dev@'flux-dev'"]
    );
}

#[test]
fn self_attributes_parameters_and_annotations() {
    let source = "from abstrakt import Abstrakt\n\nclass Studio:\n    def __init__(self):\n        self.ai = Abstrakt()\n\n    async def hero(self):\n        return await self.ai.run('flux-dev')\n";
    assert_eq!(py(source), ["flux-dev@'flux-dev'"]);
    let injected = "class Studio:\n    def __init__(self, client: Abstrakt):\n        self.client = client\n\n    def hero(self):\n        return self.client.run('flux-dev')\n";
    assert_eq!(py(injected), ["flux-dev@'flux-dev'"]);
    let optional = "def f(c: Optional[\"Abstrakt\"] = None, d: Abstrakt | None = None):\n    c.run('a')\n    d.run('b')\n";
    assert_eq!(py(optional), ["a@'a'", "b@'b'"]);
    let class_attribute =
        "class S:\n    ai: Abstrakt\n    def f(self):\n        self.ai.run('flux-dev')\n";
    assert_eq!(py(class_attribute), ["flux-dev@'flux-dev'"]);
    let annotated = "ai: Abstrakt = make()\nai.run('flux-dev')\n";
    assert_eq!(py(annotated), ["flux-dev@'flux-dev'"]);
}

#[test]
fn with_and_walrus_bind_clients() {
    assert_eq!(
        py("with Abstrakt() as ai:\n    ai.run('a')\nif (b := Abstrakt()):\n    b.run('b')\n"),
        ["a@'a'", "b@'b'"]
    );
}

#[test]
fn module_globals_are_clients_in_functions() {
    assert_eq!(
        with_client("def hero():\n    return client.run('flux-dev')\n"),
        ["flux-dev@'flux-dev'"]
    );
}

#[test]
fn configured_client_names_and_the_default_name() {
    let options = ExtractOptions {
        client_names: vec!["images".to_string()],
        ..Default::default()
    };
    assert_eq!(
        py_with("images.run('a')\nabstrakt.run('b')\n", &options),
        ["a@'a'", "b@'b'"]
    );
}

#[test]
fn constants_in_module_and_function_scope() {
    assert_eq!(
        with_client("HERO = 'flux-dev'\nclient.run(HERO)\n"),
        ["flux-dev@HERO"]
    );
    assert_eq!(
        with_client("def f():\n    model = \"flux-dev\"\n    client.run(model)\n"),
        ["flux-dev@model"]
    );
    assert_eq!(
        with_client("HERO: Final = 'flux-dev'\ndef f():\n    client.run(HERO)\n"),
        ["flux-dev@HERO"]
    );
    assert_eq!(
        with_client("A = 'flux-dev'\nB = A\nclient.run(B)\n"),
        ["flux-dev@B"]
    );
}

#[test]
fn rebound_names_parameters_and_loops_are_dynamic() {
    assert_eq!(with_client("m = 'a'\nm = 'b'\nclient.run(m)\n"), ["?@m"]);
    assert_eq!(
        with_client("M = 'a'\ndef f(M):\n    client.run(M)\n"),
        ["?@M"]
    );
    assert_eq!(with_client("for m in ms:\n    client.run(m)\n"), ["?@m"]);
    assert_eq!(
        with_client("M = 'a'\ndef f():\n    M += 'x'\n    client.run(M)\n"),
        ["?@M"]
    );
    // A class body is not visible from its methods.
    assert_eq!(
        with_client("M = 'a'\nclass C:\n    M = 'b'\n    def f(self):\n        client.run(M)\n"),
        ["a@M"]
    );
}

#[test]
fn dict_and_class_attribute_constants() {
    assert_eq!(
        with_client("MODELS = {'hero': 'flux-dev', \"bg\": 'sdxl'}\nclient.run(MODELS['hero'])\n"),
        ["flux-dev@MODELS['hero']"]
    );
    assert_eq!(
        with_client("class Models:\n    HERO = 'flux-dev'\nclient.run(Models.HERO)\n"),
        ["flux-dev@Models.HERO"]
    );
    assert_eq!(
        with_client(
            "class Models(str, Enum):\n    HERO = 'flux-dev'\nclient.run(Models.HERO.value)\n"
        ),
        ["flux-dev@Models.HERO.value"]
    );
    assert_eq!(
        with_client("MODELS = {**base, 'x': 'a'}\nclient.run(MODELS['hero'])\n"),
        ["?@MODELS['hero']"]
    );
}

#[test]
fn conditional_and_or_defaults_give_both_ids() {
    assert_eq!(
        with_client("client.run('flux-pro' if paid else 'flux-schnell')\n"),
        ["flux-pro@'flux-pro'", "flux-schnell@'flux-schnell'"]
    );
    assert_eq!(
        with_client("client.run(choice or 'flux-dev')\n"),
        ["?@choice", "flux-dev@'flux-dev'"]
    );
}

#[test]
fn keyword_model_arguments() {
    assert_eq!(
        with_client("client.run(input={}, model='flux-dev')\n"),
        ["flux-dev@'flux-dev'"]
    );
    assert_eq!(
        with_client("client.models.get(model_id=\"flux-dev\")\n"),
        ["flux-dev@\"flux-dev\""]
    );
    assert_eq!(
        with_client("client.run(prompt='flux-dev')\n"),
        Vec::<String>::new()
    );
    assert_eq!(with_client("client.run(**params)\n"), ["?@**params"]);
    assert_eq!(with_client("client.run(*args)\n"), ["?@*args"]);
}

#[test]
fn comments_docstrings_and_other_sdks_are_not_calls() {
    let source = format!(
        "{CLIENT}\"\"\"Call client.run('flux-dev') to draw.\"\"\"\n# client.run('flux-dev')\nreplicate.run('flux-dev')\nopenai.models.get('gpt')\ns = \"client.run('flux-dev')\"\nother = Thing()\nother.run('flux-dev')\n"
    );
    assert_eq!(py(&source), Vec::<String>::new());
}

#[test]
fn comments_between_arguments_and_multiline_calls() {
    assert_eq!(
        with_client("client.run(\n    # the hero image\n    'flux-dev',\n    {},\n)\n"),
        ["flux-dev@'flux-dev'"]
    );
}

#[test]
fn unknown_expressions_are_dynamic() {
    assert_eq!(with_client("client.run(pick())\n"), ["?@pick()"]);
    assert_eq!(
        with_client("client.run(settings.model)\n"),
        ["?@settings.model"]
    );
}

#[test]
fn clients_answer_for_completion() {
    let source =
        "class S:\n    def __init__(self, c: Abstrakt):\n        self.ai = c\nx = Abstrakt()\n";
    let tree = syntax::parse(Language::Python, source);
    let clients = crate::extract::clients(&tree, source, &ExtractOptions::default());
    assert!(clients.is_client("x"));
    assert!(clients.is_client("c"));
    assert!(clients.is_client_field("ai"));
    assert!(!clients.is_client("S"));
}

#[test]
fn long_attribute_chains_and_deep_conditionals_are_bounded() {
    let chain = format!("client{}.run('flux-dev')\n", ".x".repeat(20_000));
    assert_eq!(with_client(&chain), Vec::<String>::new());
    let nested = format!(
        "client.run({}'a'{})\n",
        "'b' if c else (".repeat(50),
        ")".repeat(50)
    );
    let targets = with_client(&nested);
    assert!(targets.len() <= 60, "{}", targets.len());
    assert!(targets.iter().any(|t| t.starts_with("?@")));
}
