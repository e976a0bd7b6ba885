//! Resolution: which licensing answer applies to a model id, and where it came
//! from (docs/architecture.md, "The layered resolver"). Sources are layered;
//! the first that knows the id wins, and an exact id beats a family pattern in every layer (see [`Resolver`]).

use std::borrow::Cow;
use std::path::PathBuf;
use std::sync::Arc;

pub use crate::licensing::Match;
use crate::licensing::{Model, Registry};

/// Ids are shown (messages, cards, outputs) cut to this many characters.
pub const MAX_SHOWN_ID_CHARS: usize = 120;

/// An id as shown to a person: at most [`MAX_SHOWN_ID_CHARS`] characters, a
/// longer one cut with "…" (ids come from source code and can be anything).
pub fn shown_id(id: &str) -> Cow<'_, str> {
    shorten(id, MAX_SHOWN_ID_CHARS)
}

/// `text` cut to at most `max` characters, the last one "…" when cut.
pub fn shorten(text: &str, max: usize) -> Cow<'_, str> {
    if text.char_indices().nth(max).is_none() {
        return Cow::Borrowed(text);
    }
    let cut = text
        .char_indices()
        .nth(max.saturating_sub(1))
        .map_or(text.len(), |(i, _)| i);
    Cow::Owned(format!("{}…", &text[..cut]))
}

/// Where a licensing answer came from; every answer says so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A `[[models]]` entry of the project's `abstrakt.toml`.
    Project { file: PathBuf },
    /// The Abstrakt API (fresh cache or a fetch), with the fetch time.
    Api { fetched_at: jiff::Timestamp },
    /// The registry compiled into this binary.
    BuiltIn,
    /// An API answer older than the cache's time-to-live, used because nothing fresher is known.
    ExpiredCache { fetched_at: jiff::Timestamp },
}

impl Source {
    pub fn label(&self) -> &'static str {
        match self {
            Source::Project { .. } => "project abstrakt.toml",
            Source::Api { .. } => "Abstrakt API",
            Source::BuiltIn => "built-in registry",
            Source::ExpiredCache { .. } => "Abstrakt API (expired cache)",
        }
    }
}

/// A licensing answer for one id.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub model: Arc<Model>,
    pub source: Source,
    /// How the id found the model (its id, an alias or a family pattern).
    pub matched: Match,
}

impl Resolved {
    /// The family pattern the id matched, when it is not listed itself.
    pub fn pattern(&self) -> Option<&str> {
        self.matched.pattern()
    }
}

/// Anything that can answer "what is the licensing of this id?".
pub trait Lookup {
    fn resolve(&self, id: &str) -> Option<Resolved>;
    /// Known ids close to an unknown one, best first.
    fn suggest(&self, id: &str, limit: usize) -> Vec<String>;
}

/// A cached answer from the Abstrakt API.
#[derive(Debug, Clone)]
pub struct RemoteAnswer {
    pub model: Arc<Model>,
    pub fetched_at: jiff::Timestamp,
    /// Within the cache's time-to-live.
    pub fresh: bool,
}

/// What the Abstrakt API is known to say about ids, without waiting for it.
pub trait RemoteSource: Send + Sync + std::fmt::Debug {
    fn cached(&self, id: &str) -> Option<RemoteAnswer>;
}

/// The layered resolver (docs/architecture.md, "The layered resolver"):
/// project overrides ▸ Abstrakt API (fresh cache) ▸ built-in registry ▸ expired API cache ▸ unknown.
///
/// Family patterns come last: every layer is asked for the exact id (or an
/// alias) first, and only when none knows it do the project's patterns, then
/// the built-in ones, answer. A pattern is a family guess; a source that
/// names the id itself knows better, whichever layer it is in. (The API is
/// asked per exact id, so it has no patterns.)
#[derive(Debug, Clone)]
pub struct Resolver {
    project: Option<(Arc<Registry>, PathBuf)>,
    remote: Option<Arc<dyn RemoteSource>>,
    builtin: &'static Registry,
}

impl Default for Resolver {
    fn default() -> Self {
        Self::builtin()
    }
}

impl Resolver {
    pub fn builtin() -> Self {
        Self {
            project: None,
            remote: None,
            builtin: Registry::builtin(),
        }
    }

    pub fn with_remote(mut self, remote: Arc<dyn RemoteSource>) -> Self {
        self.remote = Some(remote);
        self
    }

    pub fn with_project(mut self, models: Arc<Registry>, file: PathBuf) -> Self {
        self.project = Some((models, file));
        self
    }

    /// A resolver over another built-in registry (tests with fixture data).
    pub fn with_builtin(mut self, registry: &'static Registry) -> Self {
        self.builtin = registry;
        self
    }

    fn project_answer(&self, found: Option<(&Arc<Model>, Match)>) -> Option<Resolved> {
        let (_, file) = self.project.as_ref()?;
        found.map(|(model, matched)| Resolved {
            model: model.clone(),
            source: Source::Project { file: file.clone() },
            matched,
        })
    }
}

fn builtin_answer(found: Option<(&Arc<Model>, Match)>) -> Option<Resolved> {
    found.map(|(model, matched)| Resolved {
        model: model.clone(),
        source: Source::BuiltIn,
        matched,
    })
}

impl Lookup for Resolver {
    fn resolve(&self, id: &str) -> Option<Resolved> {
        let project = self.project.as_ref().map(|(registry, _)| registry);
        if let Some(answer) = self.project_answer(project.and_then(|r| r.find_exact(id))) {
            return Some(answer);
        }
        let remote = self.remote.as_ref().and_then(|r| r.cached(id));
        if let Some(answer) = &remote
            && answer.fresh
        {
            return Some(Resolved {
                model: answer.model.clone(),
                source: Source::Api {
                    fetched_at: answer.fetched_at,
                },
                matched: Match::Id,
            });
        }
        if let Some(answer) = builtin_answer(self.builtin.find_exact(id)) {
            return Some(answer);
        }
        if let Some(answer) = remote {
            return Some(Resolved {
                model: answer.model,
                source: Source::ExpiredCache {
                    fetched_at: answer.fetched_at,
                },
                matched: Match::Id,
            });
        }
        self.project_answer(project.and_then(|r| r.find_pattern(id)))
            .or_else(|| builtin_answer(self.builtin.find_pattern(id)))
    }

    fn suggest(&self, id: &str, limit: usize) -> Vec<String> {
        let project = self
            .project
            .iter()
            .flat_map(|(r, _)| r.names().map(|(n, m)| (n, m.id.as_str())));
        let builtin = self.builtin.names().map(|(n, m)| (n, m.id.as_str()));
        crate::licensing::suggest_from(project.chain(builtin), id, limit)
    }
}
