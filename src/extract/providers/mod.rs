//! Provider SDKs as data (`data/providers.toml`): which imports bring an SDK
//! in, which paths from them make clients, and which calls take a model id
//! where. The front ends only report what a file binds (imports, constructed
//! clients) and where its calls are; [`Called::classify`] decides from the
//! table, so adding an SDK is a table row and its tests.
//!
//! Recognition starts from imports: a `run`/`create` on anything that does
//! not come from one of these packages is never a model call.

use std::collections::HashMap;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use super::SdkMethod;

mod prefilter;
#[cfg(test)]
mod tests;

pub(crate) use prefilter::{may_use_providers_in, text_may_use_providers};

/// The route a model call takes, which decides the licence that binds:
/// `You → Abstrakt API → Provider API → Model`, a provider's API directly,
/// or weights run on your own hardware.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Route {
    Abstrakt,
    Fal,
    Replicate,
    Openai,
    Google,
    Anthropic,
    HuggingfaceInference,
    /// Self-hosted weights (`from_pretrained`, downloads of a repository).
    Weights,
}

impl Route {
    pub fn as_str(&self) -> &'static str {
        match self {
            Route::Abstrakt => "abstrakt",
            Route::Fal => "fal",
            Route::Replicate => "replicate",
            Route::Openai => "openai",
            Route::Google => "google",
            Route::Anthropic => "anthropic",
            Route::HuggingfaceInference => "huggingface-inference",
            Route::Weights => "weights",
        }
    }

    /// How a person names the route ("the Replicate API").
    pub fn label(&self) -> &'static str {
        match self {
            Route::Abstrakt => "Abstrakt API",
            Route::Fal => "fal API",
            Route::Replicate => "Replicate API",
            Route::Openai => "OpenAI API",
            Route::Google => "Google Gemini/Vertex AI API",
            Route::Anthropic => "Anthropic API",
            Route::HuggingfaceInference => "Hugging Face Inference",
            Route::Weights => "self-hosted weights",
        }
    }

    pub fn is_abstrakt(&self) -> bool {
        *self == Route::Abstrakt
    }

    /// The registry ids to try for an id written on this route, most
    /// specific first: the provider's namespace (`replicate:owner/model`,
    /// `openai:dall-e-3`, `google:imagen-4.0-generate-001`) before the id
    /// itself. A Replicate `:version` is not part of the model's name.
    pub fn resolution_ids(&self, id: &str) -> Vec<String> {
        match self {
            Route::Abstrakt | Route::Fal | Route::HuggingfaceInference | Route::Weights => {
                vec![id.to_string()]
            }
            Route::Replicate => {
                let model = replicate_model(id);
                vec![format!("replicate:{model}"), model.to_string()]
            }
            Route::Openai | Route::Google | Route::Anthropic => {
                vec![format!("{}:{id}", self.as_str()), id.to_string()]
            }
        }
    }

    /// How this route spells a registry name (an id or alias), if it is one
    /// of its spellings: a name in the provider's namespace without the
    /// prefix (`replicate:owner/model` → `owner/model`), a `fal-ai/`
    /// endpoint, a Hugging Face repository id; every name on the Abstrakt
    /// route.
    pub fn spelling<'n>(&self, name: &'n str) -> Option<&'n str> {
        match (self, self.namespace()) {
            (Route::Abstrakt, _) => Some(name),
            (_, Some(namespace)) => name.strip_prefix(namespace),
            (Route::Fal, None) => name.starts_with("fal-ai/").then_some(name),
            _ => (!name.contains(':') && !name.starts_with("fal-ai/") && name.contains('/'))
                .then_some(name),
        }
    }

    /// The namespace prefix the registry's aliases use for this route
    /// (suggestions stay inside it: never across vendors).
    pub fn namespace(&self) -> Option<&'static str> {
        match self {
            Route::Replicate => Some("replicate:"),
            Route::Openai => Some("openai:"),
            Route::Google => Some("google:"),
            Route::Anthropic => Some("anthropic:"),
            _ => None,
        }
    }
}

impl std::str::FromStr for Route {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        ALL_ROUTES
            .iter()
            .copied()
            .find(|route| route.as_str() == text)
            .ok_or_else(|| {
                let names: Vec<&str> = ALL_ROUTES.iter().map(Route::as_str).collect();
                format!("unknown route `{text}` (one of: {})", names.join(", "))
            })
    }
}

/// Every route, in the order they are listed.
pub const ALL_ROUTES: [Route; 8] = [
    Route::Abstrakt,
    Route::Fal,
    Route::Replicate,
    Route::Openai,
    Route::Google,
    Route::Anthropic,
    Route::HuggingfaceInference,
    Route::Weights,
];

impl std::fmt::Display for Route {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `owner/model:version` → `owner/model`; a bare version hash stays as it is.
pub fn replicate_model(id: &str) -> &str {
    match id.split_once(':') {
        Some((model, _)) if model.contains('/') => model,
        _ => id,
    }
}

/// Which front end an SDK row is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SdkLanguage {
    Python,
    Javascript,
}

/// One provider SDK for one language.
#[derive(Debug)]
pub struct Sdk {
    pub route: Route,
    pub language: SdkLanguage,
    /// Import sources, as path segments (`google.genai` → `["google", "genai"]`;
    /// a JavaScript specifier is one segment).
    pub modules: Vec<Vec<String>>,
    pub prefilter: String,
    pub instances: Vec<Vec<String>>,
    pub clients: Vec<Vec<String>>,
    pub methods: Vec<SdkMethod>,
    pub functions: Vec<SdkMethod>,
}

/// Rows are compared by identity: each is one `'static` table row.
impl PartialEq for Sdk {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self, other)
    }
}

impl Eq for Sdk {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTable {
    sdk: Vec<RawSdk>,
    #[serde(rename = "route-terms", default)]
    route_terms: Vec<RouteTerms>,
}

/// Terms a source gives for one model on one route (the FLUX.1 [dev]
/// weights are non-commercial whatever a hosted API allows).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteTerms {
    /// The registry id of the model.
    pub model: String,
    pub route: Route,
    pub commercial: crate::licensing::CommercialUse,
    /// Where in the model's licence the deciding words are (`§2(b)`): the
    /// registry's evidence about commercial use at that place supplies them.
    pub evidence: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSdk {
    route: Route,
    language: SdkLanguage,
    modules: Vec<String>,
    prefilter: String,
    #[serde(default)]
    instances: Vec<String>,
    #[serde(default)]
    clients: Vec<String>,
    #[serde(default)]
    methods: Vec<RawMethod>,
    #[serde(default)]
    functions: Vec<RawMethod>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMethod {
    path: String,
    argument: Option<usize>,
    #[serde(default)]
    keywords: Vec<String>,
    object: Option<usize>,
}

const PROVIDERS_TOML: &str = include_str!("../../../data/providers.toml");

/// Every provider SDK and route term, read once from the table compiled
/// into the binary. A broken table is a build-time mistake that the tests
/// catch; the server must not die of it, so it then knows no providers.
static TABLE: LazyLock<(Vec<&'static Sdk>, Vec<RouteTerms>)> =
    LazyLock::new(|| match parse(PROVIDERS_TOML) {
        Ok((sdks, terms)) => (
            sdks.into_iter()
                .map(|sdk| &*Box::leak(Box::new(sdk)))
                .collect(),
            terms,
        ),
        Err(error) => {
            tracing::error!("data/providers.toml: {error}");
            (Vec::new(), Vec::new())
        }
    });

/// Every provider SDK row.
pub fn sdks() -> &'static [&'static Sdk] {
    &TABLE.0
}

/// The terms a source gives for `model` (a registry id) on `route`.
pub fn route_terms(model: &str, route: Route) -> Option<&'static RouteTerms> {
    TABLE
        .1
        .iter()
        .find(|terms| terms.route == route && terms.model == model)
}

/// A `'static` string for the method table: read once, kept for the
/// process's life, as the compiled-in Abstrakt table is.
fn leak(text: &str) -> &'static str {
    Box::leak(text.to_string().into_boxed_str())
}

fn segments(path: &str, separator: char) -> Vec<String> {
    if path.is_empty() {
        return Vec::new();
    }
    path.split(separator).map(str::to_string).collect()
}

fn parse(source: &str) -> Result<(Vec<Sdk>, Vec<RouteTerms>), toml::de::Error> {
    let raw: RawTable = toml::from_str(source)?;
    let sdks = raw
        .sdk
        .into_iter()
        .map(|sdk| {
            let module_separator = match sdk.language {
                SdkLanguage::Python => '.',
                // A specifier (`@fal-ai/client`) is one segment.
                SdkLanguage::Javascript => '\u{0}',
            };
            let route = sdk.route;
            let method = |m: &RawMethod| {
                let path: Vec<&'static str> =
                    segments(&m.path, '.').iter().map(|s| leak(s)).collect();
                let keywords: Vec<&'static str> = m.keywords.iter().map(|k| leak(k)).collect();
                SdkMethod {
                    path: Box::leak(path.into_boxed_slice()),
                    model_argument: m.argument,
                    keywords: Box::leak(keywords.into_boxed_slice()),
                    object_argument: m.object,
                    documented: true,
                    route,
                }
            };
            Sdk {
                route,
                language: sdk.language,
                modules: sdk
                    .modules
                    .iter()
                    .map(|m| segments(m, module_separator))
                    .collect(),
                prefilter: sdk.prefilter,
                instances: sdk.instances.iter().map(|p| segments(p, '.')).collect(),
                clients: sdk.clients.iter().map(|p| segments(p, '.')).collect(),
                methods: sdk.methods.iter().map(method).collect(),
                functions: sdk.functions.iter().map(method).collect(),
            }
        })
        .collect();
    Ok((sdks, raw.route_terms))
}

/// What a name in a file stands for, as far as provider SDKs care.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Denotes {
    /// A module, or a path from one (`openai`, `openai.OpenAI`,
    /// `@fal-ai/client` + `fal`): segments from the import source on.
    Path(Vec<String>),
    /// A client made by an SDK's constructor.
    Client(&'static Sdk),
}

/// What calling a path does.
#[derive(Debug, Clone, Copy)]
pub(super) enum Called {
    /// A call that takes a model id.
    Model(&'static SdkMethod),
    /// A call that makes a client of the SDK.
    Client(&'static Sdk),
}

/// Whether a table path (`*` matches any one name) matches a written one.
fn matches(pattern: &[&str], path: &[&str]) -> bool {
    pattern.len() == path.len() && pattern.iter().zip(path).all(|(p, s)| *p == "*" || p == s)
}

fn same(table: &[String], path: &[&str]) -> bool {
    table.len() == path.len() && table.iter().zip(path).all(|(t, p)| t == p)
}

impl Called {
    /// What calling `steps` on something that `denotes` does, for a file of
    /// `language`. A constructor that also takes a model id
    /// (`InferenceClient(model=...)`) is both.
    pub(super) fn classify(
        denotes: &Denotes,
        steps: &[&str],
        language: SdkLanguage,
    ) -> Vec<Called> {
        let mut out = Vec::new();
        match denotes {
            Denotes::Client(sdk) => {
                if let Some(method) = sdk.methods.iter().find(|m| matches(m.path, steps)) {
                    out.push(Called::Model(method));
                }
            }
            Denotes::Path(base) => {
                let full: Vec<&str> = base
                    .iter()
                    .map(String::as_str)
                    .chain(steps.iter().copied())
                    .collect();
                for &sdk in sdks().iter().filter(|s| s.language == language) {
                    for module in &sdk.modules {
                        if full.len() < module.len() || !same(module, &full[..module.len()]) {
                            continue;
                        }
                        let rest = &full[module.len()..];
                        classify_in_module(sdk, rest, language, &mut out);
                    }
                }
            }
        }
        out
    }
}

/// `rest` is the path after the module: a function, a method of a
/// ready-made instance, or a constructor.
fn classify_in_module(
    sdk: &'static Sdk,
    rest: &[&str],
    language: SdkLanguage,
    out: &mut Vec<Called>,
) {
    if let Some(function) = sdk.functions.iter().find(|f| matches(f.path, rest)) {
        out.push(Called::Model(function));
    }
    for instance in &sdk.instances {
        if rest.len() >= instance.len()
            && same(instance, &rest[..instance.len()])
            && let Some(method) = sdk
                .methods
                .iter()
                .find(|m| matches(m.path, &rest[instance.len()..]))
        {
            out.push(Called::Model(method));
            break;
        }
    }
    let is_client = sdk.clients.iter().any(|c| {
        same(c, rest)
            // CommonJS: `const OpenAI = require('openai')` is the default export.
            || (language == SdkLanguage::Javascript && rest.is_empty() && same(c, &["default"]))
    });
    if is_client {
        out.push(Called::Client(sdk));
    }
}

/// Whether some SDK of `language` is imported from a module that `path`
/// is, or starts, or lies inside (`import google` may lead to `google.genai`).
pub(super) fn is_sdk_path(path: &[&str], language: SdkLanguage) -> bool {
    sdks()
        .iter()
        .filter(|s| s.language == language)
        .flat_map(|s| &s.modules)
        .any(|module| {
            let n = module.len().min(path.len());
            same(&module[..n], &path[..n])
        })
}

/// The names a file binds to provider SDKs: plain names, and fields of
/// `this`/`self`.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(super) struct Receivers {
    pub(super) names: HashMap<String, Denotes>,
    pub(super) fields: HashMap<String, Denotes>,
}

impl Receivers {
    pub(super) fn is_empty(&self) -> bool {
        self.names.is_empty() && self.fields.is_empty()
    }
}
