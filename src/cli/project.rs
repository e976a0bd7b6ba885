//! Which settings apply to a file: the one place where the CLI turns a path
//! into rule settings, extraction options and a resolver.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use super::ProjectArgs;
use crate::extract::ExtractOptions;
use crate::registry::Resolver;
use crate::rules::{IntendedUse, RuleSettings};

/// Everything the engine needs to analyse a file of one project.
#[derive(Debug, Clone)]
pub struct Project {
    /// The `abstrakt.toml` in force, if any.
    pub config_path: Option<PathBuf>,
    pub rule_settings: RuleSettings,
    pub extract_options: ExtractOptions,
    pub resolver: Resolver,
}

impl Project {
    pub fn intended_use(&self) -> IntendedUse {
        self.rule_settings.intended_use
    }
}

/// Finds and caches the project for each directory (one load per config file).
#[derive(Debug)]
pub struct Projects {
    args: ProjectArgs,
    by_dir: Mutex<HashMap<PathBuf, Arc<Project>>>,
}

impl Projects {
    pub fn new(args: ProjectArgs) -> Self {
        Self {
            args,
            by_dir: Mutex::new(HashMap::new()),
        }
    }

    /// The project in force for the files of a directory.
    pub fn project_for(&self, dir: &Path) -> Result<Arc<Project>, super::Fatal> {
        let mut cache = self
            .by_dir
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(project) = cache.get(dir) {
            return Ok(project.clone());
        }
        let project = Arc::new(self.load(dir)?);
        cache.insert(dir.to_path_buf(), project.clone());
        Ok(project)
    }

    fn load(&self, _dir: &Path) -> Result<Project, super::Fatal> {
        let mut rule_settings = RuleSettings::default();
        if let Some(intended_use) = self.args.intended_use {
            rule_settings.intended_use = intended_use.into();
        }
        Ok(Project {
            config_path: None,
            rule_settings,
            extract_options: ExtractOptions::default(),
            resolver: Resolver::builtin(),
        })
    }
}
