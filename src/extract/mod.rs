//! Finding model references: every call of an Abstrakt SDK method that takes a
//! model id, and what that id is. Pure: a tree and its text in,
//! [`ModelUse`]s out.
//!
//! This module is the language-blind part: the SDK method table, the result
//! types ([`ModelUse`], [`Target`]), the project options and [`extract`], which
//! hands a tree to the front end of its language. Everything after extraction
//! (rules, hover, completion, the CLI) sees only `ModelUse`s.
//!
//! Two front ends, [`javascript`] (JS/TS/JSX/TSX) and [`python`], each say
//! which receivers are clients, how names are scoped and what their literals
//! denote; one evaluator ([`eval`]) over both grammars turns a call on a client
//! into a [`ModelUse`] (receiver path, SDK method, model-id argument and its
//! value: literals, constants, container entries, both arms of a choice, else
//! a dynamic target). Model URLs inside strings are found by `url`. A front
//! end is a function `(&Tree, &SourceText, &ExtractOptions) -> Vec<ModelUse>`
//! that uses [`SDK_METHODS`], [`DEFAULT_CLIENT_NAME`] and [`CLIENT_CLASS`]
//! from here; [`extract`] picks the front end for the tree's language.

use std::ops::Range;

use tree_sitter::Tree;

use crate::syntax::Language;
use crate::text::SourceText;

mod clients;
mod eval;
mod incremental;
mod javascript;
pub mod providers;
mod python;
pub mod url;

pub use clients::Clients;
pub use incremental::ExtractCache;
pub use providers::Route;

/// An SDK method that takes a model id, and which argument holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SdkMethod {
    /// The member path after the client, e.g. `["models", "get"]`.
    pub path: &'static [&'static str],
    /// Zero-based index of the positional model-id argument, if it has one.
    pub model_argument: Option<usize>,
    /// Keyword arguments that may carry the model id in Python
    /// (`client.run(model="flux-dev")`), or, with [`Self::object_argument`],
    /// the properties of a JavaScript options object that do. Abstrakt
    /// documents no Python method signature, so its keywords follow the REST
    /// path parameter's meaning.
    pub keywords: &'static [&'static str],
    /// JavaScript: the position of the options object whose property
    /// ([`Self::keywords`]) holds the model id (`images.generate({ model })`).
    pub object_argument: Option<usize>,
    /// Whether Abstrakt's published docs show this method (the others mirror REST
    /// endpoints that take a model id and are recognised so nothing slips through).
    /// Provider SDK methods come from their SDKs' sources and count as documented.
    pub documented: bool,
    /// The route a call of this method takes.
    pub route: Route,
}

impl SdkMethod {
    pub fn name(&self) -> String {
        self.path.join(".")
    }
}

/// The keyword names a Python call may give the model id.
const MODEL_KEYWORDS: &[&str] = &["model", "model_id"];

/// Every SDK method whose argument is a model id. One table, so the server,
/// the CLI and the docs agree.
pub const SDK_METHODS: &[SdkMethod] = &[
    SdkMethod {
        path: &["run"],
        model_argument: Some(0),
        keywords: MODEL_KEYWORDS,
        object_argument: None,
        documented: true,
        route: Route::Abstrakt,
    },
    SdkMethod {
        path: &["models", "get"],
        model_argument: Some(0),
        keywords: MODEL_KEYWORDS,
        object_argument: None,
        documented: true,
        route: Route::Abstrakt,
    },
    SdkMethod {
        path: &["models", "run"],
        model_argument: Some(0),
        keywords: MODEL_KEYWORDS,
        object_argument: None,
        documented: false,
        route: Route::Abstrakt,
    },
    SdkMethod {
        path: &["stream"],
        model_argument: Some(0),
        keywords: MODEL_KEYWORDS,
        object_argument: None,
        documented: false,
        route: Route::Abstrakt,
    },
    SdkMethod {
        path: &["subscribe"],
        model_argument: Some(0),
        keywords: MODEL_KEYWORDS,
        object_argument: None,
        documented: false,
        route: Route::Abstrakt,
    },
];

/// The SDK method a member path after the receiver names (`["models", "get"]`).
pub fn sdk_method(path: &[&str]) -> Option<&'static SdkMethod> {
    SDK_METHODS.iter().find(|m| m.path == path)
}

/// The identifier every project may use for its client without declaring it.
pub const DEFAULT_CLIENT_NAME: &str = "abstrakt";
/// The SDK's client class.
pub const CLIENT_CLASS: &str = "Abstrakt";

/// One call of an SDK method with a model id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelUse {
    pub method: &'static SdkMethod,
    /// The method name as written (`run`, or `'run'` in `abstrakt['run']`).
    pub method_range: Range<usize>,
    pub call_range: Range<usize>,
    /// The model-id argument at the call site.
    pub argument_range: Range<usize>,
    /// What the argument evaluates to: usually one id; two for `c ? 'a' : 'b'`.
    pub targets: Vec<Target>,
}

impl ModelUse {
    /// The route the call takes (`abstrakt` for the Abstrakt SDK and API URLs).
    pub fn route(&self) -> Route {
        self.method.route
    }
}

/// One possible value of a model-id argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A statically known id. `range` is where to report it: the literal itself
    /// when written at the call, else the call-site expression that led to it.
    Static { id: String, range: Range<usize> },
    /// An expression whose value cannot be known statically.
    Dynamic {
        range: Range<usize>,
        expression: String,
    },
}

impl Target {
    pub fn range(&self) -> &Range<usize> {
        match self {
            Target::Static { range, .. } | Target::Dynamic { range, .. } => range,
        }
    }
}

/// Extraction settings that come from the project.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExtractOptions {
    /// Extra receiver names treated as Abstrakt clients (`[clients] names`).
    pub client_names: Vec<String>,
    /// The configured API base URL (editor `apiUrl`, `--api-url`,
    /// `ABSTRAKT_API_URL`): model URLs on its host count like the public API's.
    pub api_url: Option<String>,
}

/// Whether a text can contain a model reference at all: a cheap filter that
/// lets the CLI skip parsing most files of a large tree. `language` is the
/// file's grammar (`None`: a shell script or Markdown, read for model URLs
/// only); a provider SDK's package name counts only in its own language, so
/// `transformers` in a TypeScript file (the compiler's transformers API) or
/// `openai` in a comment of a Markdown file costs no parse.
pub fn may_contain_calls(
    text: &[u8],
    language: Option<Language>,
    options: &ExtractOptions,
) -> bool {
    let finder = memchr::memmem::Finder::new(b"bstrakt");
    let sdk_language = language.map(|language| match language {
        Language::Python => providers::SdkLanguage::Python,
        _ => providers::SdkLanguage::Javascript,
    });
    finder.find(text).is_some()
        || sdk_language.is_some_and(|sdk| providers::may_use_providers_in(text, sdk))
        || (options.api_url.is_some() && url::may_contain_urls(text, &url::api_bases(options)))
        || options
            .client_names
            .iter()
            .any(|name| memchr::memmem::find(text, name.as_bytes()).is_some())
}

/// Finds every model reference in a parsed file.
pub fn extract<S: SourceText + ?Sized>(
    tree: &Tree,
    text: &S,
    options: &ExtractOptions,
) -> Vec<ModelUse> {
    let mut uses = match Language::of_tree(tree) {
        Some(Language::Python) => python::extract(tree, text, options),
        _ => javascript::extract(tree, text, options),
    };
    add_providers_and_urls(tree, text, options, &mut uses);
    uses
}

/// Adds the provider SDK calls and the model URLs to a front end's SDK
/// calls, in file order.
fn add_providers_and_urls<S: SourceText + ?Sized>(
    tree: &Tree,
    text: &S,
    options: &ExtractOptions,
    uses: &mut Vec<ModelUse>,
) {
    let before = uses.len();
    let python = Language::of_tree(tree) == Some(Language::Python);
    let language = if python {
        providers::SdkLanguage::Python
    } else {
        providers::SdkLanguage::Javascript
    };
    if providers::text_may_use_providers(text, language) {
        if python {
            uses.extend(python::provider_uses(tree, text));
        } else {
            uses.extend(javascript::provider_uses(tree, text));
        }
    }
    uses.extend(url::extract(tree, text, options));
    if uses.len() > before {
        uses.sort_by_key(|u| u.call_range.start);
    }
}

/// [`extract`] reusing what the previous extraction of the same document
/// found in top-level statements an edit left alone (both front ends; the
/// provider SDK calls and model URLs are found in full). `previous` is the
/// cache this returned for the tree the current one was incrementally parsed
/// from. The uses equal [`extract`]'s; the cache is for the next call and
/// holds the file's clients (for completion).
pub fn extract_incremental<S: SourceText + ?Sized>(
    tree: &Tree,
    text: &S,
    options: &ExtractOptions,
    previous: Option<&ExtractCache>,
) -> (Vec<ModelUse>, ExtractCache) {
    let (mut uses, cache) = match Language::of_tree(tree) {
        Some(Language::Python) => {
            let previous = previous.and_then(ExtractCache::as_python);
            let (uses, cache) = python::incremental::extract_python(tree, text, options, previous);
            (uses, ExtractCache::python(cache))
        }
        _ => {
            let previous = previous.and_then(ExtractCache::as_javascript);
            let (uses, cache) =
                javascript::incremental::extract_javascript(tree, text, options, previous);
            (uses, ExtractCache::javascript(cache))
        }
    };
    add_providers_and_urls(tree, text, options, &mut uses);
    (uses, cache)
}

/// Who counts as an Abstrakt client in a parsed file: the detection
/// [`extract`] uses, for faces that must agree with it (completion).
pub fn clients<S: SourceText + ?Sized>(tree: &Tree, text: &S, options: &ExtractOptions) -> Clients {
    match Language::of_tree(tree) {
        Some(Language::Python) => python::clients(tree, text, options),
        _ => javascript::clients(tree, text, options),
    }
}

#[cfg(test)]
mod tests;
