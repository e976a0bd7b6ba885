//! Project files the server has loaded: each `abstrakt.toml` and
//! `abstrakt.lock` by path, with the last good version kept in force when a
//! newer one is invalid.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::config::{ConfigError, ProjectConfig};
use crate::lockfile::Lockfile;

/// One file's state.
#[derive(Debug)]
struct Slot<T> {
    good: Option<Arc<T>>,
    error: Option<ConfigError>,
}

impl<T> Default for Slot<T> {
    fn default() -> Self {
        Self {
            good: None,
            error: None,
        }
    }
}

/// What a (re)load found, for the server to report.
#[derive(Debug, Clone)]
pub struct LoadReport {
    pub path: PathBuf,
    pub error: Option<ConfigError>,
}

#[derive(Debug, Default)]
pub struct Projects {
    configs: HashMap<PathBuf, Slot<ProjectConfig>>,
    locks: HashMap<PathBuf, Slot<Lockfile>>,
}

fn load_into<T>(
    slot: &mut Slot<T>,
    path: &Path,
    load: impl Fn(&Path) -> Result<T, ConfigError>,
) -> LoadReport {
    if !path.exists() {
        // Deleted: nothing stays in force.
        *slot = Slot::default();
        return LoadReport {
            path: path.to_path_buf(),
            error: None,
        };
    }
    match load(path) {
        Ok(value) => {
            slot.good = Some(Arc::new(value));
            slot.error = None;
        }
        Err(error) => slot.error = Some(error),
    }
    LoadReport {
        path: path.to_path_buf(),
        error: slot.error.clone(),
    }
}

impl Projects {
    /// The config at `path`, loading it the first time (the report says how that went).
    pub fn config(&mut self, path: &Path) -> (Option<Arc<ProjectConfig>>, Option<LoadReport>) {
        if let Some(slot) = self.configs.get(path) {
            return (slot.good.clone(), None);
        }
        let mut slot = Slot::default();
        let report = load_into(&mut slot, path, ProjectConfig::load);
        let good = slot.good.clone();
        self.configs.insert(path.to_path_buf(), slot);
        (good, Some(report))
    }

    pub fn lock(&mut self, path: &Path) -> (Option<Arc<Lockfile>>, Option<LoadReport>) {
        if let Some(slot) = self.locks.get(path) {
            return (slot.good.clone(), None);
        }
        let mut slot = Slot::default();
        let report = load_into(&mut slot, path, Lockfile::load);
        let good = slot.good.clone();
        self.locks.insert(path.to_path_buf(), slot);
        (good, Some(report))
    }

    /// Re-reads a project file after it changed on disk.
    pub fn reload(&mut self, path: &Path) -> Option<LoadReport> {
        let name = path.file_name()?.to_str()?;
        match name {
            crate::config::FILE_NAME => Some(load_into(
                self.configs.entry(path.to_path_buf()).or_default(),
                path,
                ProjectConfig::load,
            )),
            crate::lockfile::FILE_NAME => Some(load_into(
                self.locks.entry(path.to_path_buf()).or_default(),
                path,
                Lockfile::load,
            )),
            _ => None,
        }
    }
}

/// Whether a path names a project file the server watches.
pub fn is_project_file(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n == crate::config::FILE_NAME || n == crate::lockfile::FILE_NAME)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_good_config_stays_in_force() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("abstrakt.toml");
        std::fs::write(&path, "intended-use = \"research\"\n").expect("write");
        let mut projects = Projects::default();
        let (config, report) = projects.config(&path);
        assert!(report.is_some_and(|r| r.error.is_none()));
        assert_eq!(
            config.and_then(|c| c.intended_use),
            Some(crate::rules::IntendedUse::Research)
        );
        std::fs::write(&path, "intended-use = \"bogus\"\n").expect("write");
        let report = projects.reload(&path).expect("project file");
        assert_eq!(report.error.as_ref().and_then(|e| e.line), Some(1));
        let (config, report) = projects.config(&path);
        assert!(report.is_none());
        assert_eq!(
            config.and_then(|c| c.intended_use),
            Some(crate::rules::IntendedUse::Research)
        );
        std::fs::remove_file(&path).expect("remove");
        projects.reload(&path);
        assert!(projects.config(&path).0.is_none());
    }
}
