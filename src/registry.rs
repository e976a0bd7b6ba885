//! Resolution: which licensing answer applies to a model id, and where it came
//! from (DESIGN.md §4). Sources are layered; the first that knows the id wins.

use std::path::PathBuf;
use std::sync::Arc;

use crate::licensing::{Model, Registry};

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

/// The layered resolver (DESIGN.md §4): project overrides ▸ Abstrakt API
/// (fresh cache) ▸ built-in registry ▸ expired API cache ▸ unknown.
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
}

impl Lookup for Resolver {
    fn resolve(&self, id: &str) -> Option<Resolved> {
        if let Some((registry, file)) = &self.project
            && let Some(model) = registry.get(id)
        {
            return Some(Resolved {
                model: model.clone(),
                source: Source::Project { file: file.clone() },
            });
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
            });
        }
        if let Some(model) = self.builtin.get(id) {
            return Some(Resolved {
                model: model.clone(),
                source: Source::BuiltIn,
            });
        }
        remote.map(|answer| Resolved {
            model: answer.model,
            source: Source::ExpiredCache {
                fetched_at: answer.fetched_at,
            },
        })
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
