//! Which settings apply to a file: the one place where the CLI turns a path
//! into the project's configuration (its nearest `abstrakt.toml`), its lock
//! file (nearest `abstrakt.lock`) and a resolver.
//!
//! Discovery is memoised per directory and each file is loaded once, so a walk
//! over thousands of folders costs a couple of `stat`s per folder.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use super::{Fatal, ProjectArgs};
use crate::config::{self, ConfigError, ProjectConfig};
use crate::extract::ExtractOptions;
use crate::lockfile::{self, Lockfile};
use crate::registry::Resolver;
use crate::rules::{IntendedUse, RuleSettings};

/// Everything the engine needs to analyse a file of one project.
#[derive(Debug)]
pub struct Project {
    /// The project file with command-line overrides applied
    /// (`ProjectConfig::default()` when there is none).
    pub config: ProjectConfig,
    pub lock: Option<Lockfile>,
    pub rule_settings: RuleSettings,
    pub extract_options: ExtractOptions,
    pub resolver: Resolver,
}

impl Project {
    pub fn intended_use(&self) -> IntendedUse {
        self.rule_settings.intended_use
    }

    /// The `abstrakt.toml` in force, if any.
    pub fn config_path(&self) -> Option<&Path> {
        self.config.path.as_deref()
    }
}

#[derive(Debug, Default)]
struct Cache {
    /// Directory → the project in force there.
    by_dir: HashMap<PathBuf, Arc<Project>>,
    /// Directory → nearest file of that name at or above it.
    nearest: HashMap<(PathBuf, &'static str), Option<PathBuf>>,
    /// (config file, lock file) → project, so each file is loaded once.
    by_files: HashMap<(Option<PathBuf>, Option<PathBuf>), Arc<Project>>,
}

/// Finds and caches the project for each directory.
#[derive(Debug)]
pub struct Projects {
    args: ProjectArgs,
    /// The intended use where neither `--intended-use` nor the project file
    /// says (the editor's setting, for reports made through the server).
    fallback_intended_use: Option<IntendedUse>,
    base: Resolver,
    cwd: Option<PathBuf>,
    cache: Mutex<Cache>,
}

impl Projects {
    pub fn new(args: ProjectArgs) -> Self {
        Self::with_resolver(args, Resolver::builtin())
    }

    /// `base` answers for every project before its own `[[models]]` are layered on.
    pub fn with_resolver(args: ProjectArgs, base: Resolver) -> Self {
        Self {
            args,
            fallback_intended_use: None,
            base,
            cwd: std::env::current_dir().ok(),
            cache: Mutex::new(Cache::default()),
        }
    }

    /// Uses `intended_use` where the project file names none (as the editor's
    /// `abstrakt.intendedUse` setting works).
    pub fn with_fallback_intended_use(mut self, intended_use: Option<IntendedUse>) -> Self {
        self.fallback_intended_use = intended_use;
        self
    }

    /// The project in force for the files of a directory.
    pub fn project_for(&self, dir: &Path) -> Result<Arc<Project>, Fatal> {
        let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(project) = cache.by_dir.get(dir) {
            return Ok(project.clone());
        }
        let absolute = std::path::absolute(dir)
            .map_err(|e| Fatal(format!("cannot resolve `{}`: {e}", dir.display())))?;
        let config_path = nearest(&mut cache, &absolute, config::FILE_NAME);
        let lock_path = nearest(&mut cache, &absolute, lockfile::FILE_NAME);
        let key = (config_path, lock_path);
        let project = match cache.by_files.get(&key) {
            Some(project) => project.clone(),
            None => {
                let project = Arc::new(self.load(key.0.as_deref(), key.1.as_deref())?);
                cache.by_files.insert(key, project.clone());
                project
            }
        };
        cache.by_dir.insert(dir.to_path_buf(), project.clone());
        Ok(project)
    }

    fn load(&self, config_path: Option<&Path>, lock_path: Option<&Path>) -> Result<Project, Fatal> {
        let mut config = match config_path {
            Some(path) => ProjectConfig::load(path)
                .map_err(|e| self.config_error("invalid project file", e))?,
            None => ProjectConfig::default(),
        };
        if let Some(intended_use) = self.args.intended_use {
            config.intended_use = Some(intended_use.into());
        }
        if config.intended_use.is_none() {
            config.intended_use = self.fallback_intended_use;
        }
        // Model URLs on the configured API's host count like the public API's.
        config.api_url = self.args.api_url.clone();
        let lock = match lock_path {
            Some(path) => {
                Some(Lockfile::load(path).map_err(|e| self.config_error("invalid lock file", e))?)
            }
            None => None,
        };
        Ok(Project {
            rule_settings: config.rule_settings(),
            extract_options: config.extract_options(),
            resolver: config.resolver(self.base.clone()),
            config,
            lock,
        })
    }

    /// The error with its path relative to the current directory when inside it.
    fn config_error(&self, what: &str, mut error: ConfigError) -> Fatal {
        if let Some(cwd) = &self.cwd
            && let Ok(relative) = error.path.strip_prefix(cwd)
        {
            error.path = relative.to_path_buf();
        }
        Fatal(format!("{what} {error}"))
    }
}

/// The nearest `name` at or above `dir` (absolute), memoised per directory.
fn nearest(cache: &mut Cache, dir: &Path, name: &'static str) -> Option<PathBuf> {
    // Walk up until a directory whose answer is known, then fill in on the way back.
    let mut pending = Vec::new();
    let mut current = Some(dir);
    let mut found = None;
    while let Some(here) = current {
        if let Some(known) = cache.nearest.get(&(here.to_path_buf(), name)) {
            found = known.clone();
            break;
        }
        let candidate = here.join(name);
        if candidate.is_file() {
            found = Some(candidate);
            cache
                .nearest
                .insert((here.to_path_buf(), name), found.clone());
            break;
        }
        pending.push(here.to_path_buf());
        current = here.parent();
    }
    for here in pending {
        cache.nearest.insert((here, name), found.clone());
    }
    found
}
