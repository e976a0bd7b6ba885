//! The project index: which `abstrakt.toml`, `abstrakt.lock` and resolver
//! govern a file, for both faces (see docs/architecture.md, "The project
//! index").
//!
//! - **Discovery is memoised** per directory: a walk over thousands of folders,
//!   or the editor's workspace scope, costs a couple of `stat`s per folder.
//! - **Each project file is loaded once** and kept in a slot with its last good
//!   version; a [`Project`] (config + lock + resolver) is built once per pair
//!   of files and per configuration of the index (overrides, remote store).
//! - **One precedence of overrides** ([`Overrides::apply`]): `--intended-use`
//!   beats the file, the file beats the editor's `intendedUse`, and the face's
//!   API URL is the one model URLs are recognised on.
//! - **Errors**: with [`OnError::Fail`] (the CLI) a file governed by an
//!   invalid project file gets a [`ProjectError`] (the CLI reports it and
//!   checks every other file); with [`OnError::KeepLastGood`] (the editor) the
//!   last good version stays in force and each load is reported once
//!   ([`ProjectIndex::take_reports`]).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crate::config::{self, ConfigError, ProjectConfig};
use crate::extract::ExtractOptions;
use crate::host::{Disk, FileSystem};
use crate::lockfile::{self, Lockfile};
use crate::registry::{RemoteSource, Resolver};
use crate::rules::{IntendedUse, RuleSettings};

/// Everything the engine needs to analyse a file of one project.
#[derive(Debug)]
pub struct Project {
    /// The project file in force with the overrides applied
    /// (`ProjectConfig::default()` when there is none).
    pub config: ProjectConfig,
    pub lock: Option<Lockfile>,
    /// The nearest `abstrakt.toml` / `abstrakt.lock`, even when invalid (the
    /// editor offers to edit them).
    pub config_path: Option<PathBuf>,
    pub lock_path: Option<PathBuf>,
    pub rule_settings: RuleSettings,
    pub extract_options: ExtractOptions,
    /// The built-in registry, the remote store and the project's `[[models]]`.
    pub resolver: Resolver,
}

impl Project {
    /// A project from its parts: the derived settings and the resolver are
    /// computed here, once.
    pub fn new(
        config: ProjectConfig,
        lock: Option<Lockfile>,
        paths: (Option<PathBuf>, Option<PathBuf>),
        base: Resolver,
    ) -> Self {
        Self {
            rule_settings: config.rule_settings(),
            extract_options: config.extract_options(),
            resolver: config.resolver(base),
            config,
            lock,
            config_path: paths.0,
            lock_path: paths.1,
        }
    }

    pub fn intended_use(&self) -> IntendedUse {
        self.rule_settings.intended_use
    }

    /// Where a lock file is or would be: the one in force, else beside the
    /// project's `abstrakt.toml`.
    pub fn lock_target(&self) -> Option<PathBuf> {
        self.lock_path.clone().or_else(|| {
            self.config_path
                .as_deref()
                .and_then(Path::parent)
                .map(|dir| dir.join(lockfile::FILE_NAME))
        })
    }
}

impl Default for Project {
    /// No project files, the built-in registry only.
    fn default() -> Self {
        Self::new(
            ProjectConfig::default(),
            None,
            (None, None),
            Resolver::builtin(),
        )
    }
}

/// What each face sets on top of the project files, applied in one place.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Overrides {
    /// `--intended-use`: beats the project file.
    pub intended_use: Option<IntendedUse>,
    /// The editor's `intendedUse`: applies where the project file names none.
    pub intended_use_fallback: Option<IntendedUse>,
    /// The API base URL the face was configured with: model URLs on its host
    /// count like the public API's.
    pub api_url: Option<String>,
}

impl Overrides {
    /// The one precedence: command line > project file > editor setting.
    pub fn apply(&self, config: &mut ProjectConfig) {
        if let Some(intended_use) = self.intended_use {
            config.intended_use = Some(intended_use);
        }
        if config.intended_use.is_none() {
            config.intended_use = self.intended_use_fallback;
        }
        config.api_url = self.api_url.clone();
    }
}

/// What an invalid project file does to the files it governs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnError {
    /// They are not analysed: [`ProjectIndex::project_for`] answers the error.
    Fail,
    /// The last good version (else no file) stays in force.
    KeepLastGood,
}

/// An invalid project file, as the files it governs see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectError(pub String);

impl std::fmt::Display for ProjectError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a (re)load of a project file found, for the editor to report.
#[derive(Debug, Clone)]
pub struct LoadReport {
    pub path: PathBuf,
    pub error: Option<ConfigError>,
}

/// One file's state: the last good version and the newest problem.
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

type Built = Result<Arc<Project>, ProjectError>;
type Files = (Option<PathBuf>, Option<PathBuf>);

#[derive(Debug)]
struct Inner {
    overrides: Overrides,
    base: Resolver,
    /// (directory, file name) → nearest file of that name at or above it.
    nearest: HashMap<(PathBuf, &'static str), Option<PathBuf>>,
    /// Directory (as asked) → the project in force there.
    by_dir: HashMap<PathBuf, Built>,
    /// (config file, lock file) → project: one resolver per pair.
    by_files: HashMap<Files, Built>,
    configs: HashMap<PathBuf, Slot<ProjectConfig>>,
    locks: HashMap<PathBuf, Slot<Lockfile>>,
    reports: Vec<LoadReport>,
}

/// Finds, loads and caches the project of each directory (module docs).
#[derive(Debug)]
pub struct ProjectIndex {
    on_error: OnError,
    /// Where project files are found and read (the disk, or memory in tests).
    files: Arc<dyn FileSystem>,
    /// Errors name paths relative to it when inside it.
    cwd: Option<PathBuf>,
    inner: Mutex<Inner>,
}

impl ProjectIndex {
    /// `remote` answers for every project before its own `[[models]]`.
    pub fn new(
        on_error: OnError,
        overrides: Overrides,
        remote: Option<Arc<dyn RemoteSource>>,
    ) -> Self {
        Self {
            on_error,
            files: Disk::shared(),
            cwd: std::env::current_dir().ok(),
            inner: Mutex::new(Inner {
                overrides,
                base: base_resolver(remote),
                nearest: HashMap::new(),
                by_dir: HashMap::new(),
                by_files: HashMap::new(),
                configs: HashMap::new(),
                locks: HashMap::new(),
                reports: Vec::new(),
            }),
        }
    }

    /// The same index reading its project files from `files`.
    pub fn with_files(mut self, files: Arc<dyn FileSystem>) -> Self {
        self.files = files;
        self
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// New overrides or a new remote store (the editor's settings changed):
    /// projects are rebuilt on next use; loaded files stay loaded.
    pub fn configure(&self, overrides: Overrides, remote: Option<Arc<dyn RemoteSource>>) {
        let mut inner = self.lock();
        inner.overrides = overrides;
        inner.base = base_resolver(remote);
        inner.by_dir.clear();
        inner.by_files.clear();
    }

    /// The overrides in force.
    pub fn overrides(&self) -> Overrides {
        self.lock().overrides.clone()
    }

    /// The project in force for the files of directory `dir`.
    pub fn project_for(&self, dir: &Path) -> Result<Arc<Project>, ProjectError> {
        let mut inner = self.lock();
        if let Some(built) = inner.by_dir.get(dir) {
            return built.clone();
        }
        let files = match std::path::absolute(dir) {
            Ok(absolute) => (
                nearest(&mut inner, &*self.files, &absolute, config::FILE_NAME),
                nearest(&mut inner, &*self.files, &absolute, lockfile::FILE_NAME),
            ),
            Err(error) => {
                return Err(ProjectError(format!(
                    "cannot resolve `{}`: {error}",
                    dir.display()
                )));
            }
        };
        let built = self.build(&mut inner, files);
        inner.by_dir.insert(dir.to_path_buf(), built.clone());
        built
    }

    /// The project of the file at `path` (its folder's).
    pub fn project_for_file(&self, path: &Path) -> Result<Arc<Project>, ProjectError> {
        match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => self.project_for(parent),
            _ => self.project_for(Path::new(".")),
        }
    }

    /// The project of a document without a path on disk: no project files.
    pub fn detached(&self) -> Arc<Project> {
        let mut inner = self.lock();
        match self.build(&mut inner, (None, None)) {
            Ok(project) => project,
            Err(_) => Arc::new(Project::default()),
        }
    }

    fn build(&self, inner: &mut Inner, files: Files) -> Built {
        if let Some(built) = inner.by_files.get(&files) {
            return built.clone();
        }
        let built = self.assemble(inner, &files).map(Arc::new);
        inner.by_files.insert(files, built.clone());
        built
    }

    fn assemble(&self, inner: &mut Inner, files: &Files) -> Result<Project, ProjectError> {
        let config = match &files.0 {
            Some(path) => {
                let files = &*self.files;
                let slot = slot(&mut inner.configs, &mut inner.reports, files, path, |p| {
                    ProjectConfig::load_from(files, p)
                });
                self.in_force(slot, "invalid project file")?
            }
            None => None,
        };
        let lock = match &files.1 {
            Some(path) => {
                let files = &*self.files;
                let slot = slot(&mut inner.locks, &mut inner.reports, files, path, |p| {
                    Lockfile::load_from(files, p)
                });
                self.in_force(slot, "invalid lock file")?
            }
            None => None,
        };
        let mut config = config.map(|c| (*c).clone()).unwrap_or_default();
        inner.overrides.apply(&mut config);
        let lock = lock.map(|l| (*l).clone());
        Ok(Project::new(
            config,
            lock,
            files.clone(),
            inner.base.clone(),
        ))
    }

    /// The version of a file in force, per [`OnError`].
    fn in_force<T>(&self, slot: &Slot<T>, what: &str) -> Result<Option<Arc<T>>, ProjectError> {
        match (&slot.error, self.on_error) {
            (Some(error), OnError::Fail) => {
                let mut error = error.clone();
                if let Some(cwd) = &self.cwd
                    && let Ok(relative) = error.path.strip_prefix(cwd)
                {
                    error.path = relative.to_path_buf();
                }
                Err(ProjectError(format!("{what} {error}")))
            }
            _ => Ok(slot.good.clone()),
        }
    }

    /// Re-reads a project file after it changed on disk (or appeared, or was
    /// deleted). Projects using it are rebuilt on next use; the others keep
    /// their `Arc` (documents under them need no new analysis). Returns
    /// whether `path` names a project file.
    pub fn reload(&self, path: &Path) -> bool {
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            return false;
        };
        let mut inner = self.lock();
        let inner = &mut *inner;
        let files = &*self.files;
        let report = match name {
            config::FILE_NAME => load_into(
                inner.configs.entry(path.to_path_buf()).or_default(),
                files,
                path,
                |p| ProjectConfig::load_from(files, p),
            ),
            lockfile::FILE_NAME => load_into(
                inner.locks.entry(path.to_path_buf()).or_default(),
                files,
                path,
                |p| Lockfile::load_from(files, p),
            ),
            _ => return false,
        };
        inner.reports.push(report);
        // Created or deleted files change which file is nearest.
        inner.nearest.clear();
        inner.by_dir.clear();
        inner.by_files.retain(|(config, lock), _| {
            config.as_deref() != Some(path) && lock.as_deref() != Some(path)
        });
        true
    }

    /// Project-file loads since the last call (the editor reports them).
    pub fn take_reports(&self) -> Vec<LoadReport> {
        std::mem::take(&mut self.lock().reports)
    }
}

fn base_resolver(remote: Option<Arc<dyn RemoteSource>>) -> Resolver {
    match remote {
        Some(remote) => Resolver::builtin().with_remote(remote),
        None => Resolver::builtin(),
    }
}

/// The slot of `path`, loading it the first time (and reporting that load).
fn slot<'a, T>(
    slots: &'a mut HashMap<PathBuf, Slot<T>>,
    reports: &mut Vec<LoadReport>,
    files: &dyn FileSystem,
    path: &Path,
    load: impl Fn(&Path) -> Result<T, ConfigError>,
) -> &'a Slot<T> {
    slots.entry(path.to_path_buf()).or_insert_with(|| {
        let mut slot = Slot::default();
        reports.push(load_into(&mut slot, files, path, &load));
        slot
    })
}

fn load_into<T>(
    slot: &mut Slot<T>,
    files: &dyn FileSystem,
    path: &Path,
    load: impl Fn(&Path) -> Result<T, ConfigError>,
) -> LoadReport {
    if !files.exists(path) {
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

/// The nearest `name` at or above `dir` (absolute), memoised per directory.
fn nearest(
    inner: &mut Inner,
    files: &dyn FileSystem,
    dir: &Path,
    name: &'static str,
) -> Option<PathBuf> {
    // Walk up until a directory whose answer is known, then fill in on the way back.
    let mut pending = Vec::new();
    let mut current = Some(dir);
    let mut found = None;
    while let Some(here) = current {
        if let Some(known) = inner.nearest.get(&(here.to_path_buf(), name)) {
            found = known.clone();
            break;
        }
        let candidate = here.join(name);
        if files.is_file(&candidate) {
            found = Some(candidate);
            inner
                .nearest
                .insert((here.to_path_buf(), name), found.clone());
            break;
        }
        pending.push(here.to_path_buf());
        current = here.parent();
    }
    for here in pending {
        inner.nearest.insert((here, name), found.clone());
    }
    found
}

/// Whether a path names a project file (`abstrakt.toml`, `abstrakt.lock`).
pub fn is_project_file(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n == config::FILE_NAME || n == lockfile::FILE_NAME)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index(on_error: OnError) -> ProjectIndex {
        ProjectIndex::new(on_error, Overrides::default(), None)
    }

    #[test]
    fn the_last_good_config_stays_in_force_in_the_editor() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("abstrakt.toml");
        std::fs::write(&path, "intended-use = \"research\"\n").expect("write");
        let index = index(OnError::KeepLastGood);
        let project = index.project_for(dir.path()).expect("project");
        assert_eq!(project.intended_use(), IntendedUse::Research);
        assert!(index.take_reports().iter().all(|r| r.error.is_none()));
        std::fs::write(&path, "intended-use = \"bogus\"\n").expect("write");
        assert!(index.reload(&path));
        let reports = index.take_reports();
        assert_eq!(reports[0].error.as_ref().and_then(|e| e.line), Some(1));
        let again = index.project_for(dir.path()).expect("project");
        assert_eq!(again.intended_use(), IntendedUse::Research);
        assert_eq!(again.config_path.as_deref(), Some(path.as_path()));
        std::fs::remove_file(&path).expect("remove");
        index.reload(&path);
        let gone = index.project_for(dir.path()).expect("project");
        assert_eq!(gone.config_path, None);
        assert_eq!(gone.intended_use(), IntendedUse::Commercial);
    }

    #[test]
    fn an_invalid_file_fails_only_the_files_it_governs_on_the_command_line() {
        let dir = tempfile::tempdir().expect("tempdir");
        let bad = dir.path().join("bad");
        std::fs::create_dir_all(&bad).expect("mkdir");
        std::fs::write(bad.join("abstrakt.toml"), "intended-use = 3\n").expect("write");
        let index = index(OnError::Fail);
        let error = index.project_for(&bad).expect_err("invalid");
        assert!(error.0.starts_with("invalid project file "), "{error}");
        assert!(error.0.contains("abstrakt.toml"), "{error}");
        assert!(index.project_for(dir.path()).is_ok());
    }

    #[test]
    fn overrides_have_one_precedence() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(
            dir.path().join("abstrakt.toml"),
            "intended-use = \"research\"\n",
        )
        .expect("write");
        let index = index(OnError::Fail);
        let cases = [
            (None, Some(IntendedUse::Personal), IntendedUse::Research),
            (
                Some(IntendedUse::Commercial),
                Some(IntendedUse::Personal),
                IntendedUse::Commercial,
            ),
        ];
        for (intended_use, intended_use_fallback, expected) in cases {
            index.configure(
                Overrides {
                    intended_use,
                    intended_use_fallback,
                    api_url: None,
                },
                None,
            );
            let project = index.project_for(dir.path()).expect("project");
            assert_eq!(project.intended_use(), expected);
        }
        let empty = tempfile::tempdir().expect("tempdir");
        index.configure(
            Overrides {
                intended_use: None,
                intended_use_fallback: Some(IntendedUse::Personal),
                api_url: None,
            },
            None,
        );
        let project = index.project_for(empty.path()).expect("project");
        // Unless a file further up names one: the temp folder has none.
        if project.config_path.is_none() {
            assert_eq!(project.intended_use(), IntendedUse::Personal);
        }
    }

    #[test]
    fn projects_are_shared_per_pair_of_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("a/b")).expect("mkdir");
        std::fs::write(dir.path().join("abstrakt.toml"), "").expect("write");
        let index = index(OnError::Fail);
        let top = index.project_for(dir.path()).expect("project");
        let deep = index.project_for(&dir.path().join("a/b")).expect("project");
        assert!(Arc::ptr_eq(&top, &deep));
        // A lock elsewhere does not rebuild this project.
        index.reload(&dir.path().join("elsewhere/abstrakt.lock"));
        let after = index.project_for(dir.path()).expect("project");
        assert!(Arc::ptr_eq(&top, &after));
    }

    #[test]
    fn the_index_finds_and_reads_project_files_through_the_host() {
        use crate::host::MemoryFiles;
        let files = Arc::new(MemoryFiles::default());
        files.write("/mem/repo/abstrakt.toml", "intended-use = \"research\"\n");
        files.write(
            "/mem/repo/packages/web/abstrakt.toml",
            "intended-use = \"personal\"\n",
        );
        let index = index(OnError::KeepLastGood).with_files(files.clone());
        let web = Path::new("/mem/repo/packages/web/src");
        let top = index
            .project_for(Path::new("/mem/repo/src"))
            .expect("project");
        assert_eq!(top.intended_use(), IntendedUse::Research);
        assert_eq!(
            top.config_path.as_deref(),
            Some(Path::new("/mem/repo/abstrakt.toml"))
        );
        assert_eq!(
            index.project_for(web).expect("project").intended_use(),
            IntendedUse::Personal
        );

        // An edit that breaks the nested file keeps its last good version.
        let nested = Path::new("/mem/repo/packages/web/abstrakt.toml");
        files.write(nested, "intended-use = \"bogus\"\n");
        index.take_reports();
        assert!(index.reload(nested));
        let reports = index.take_reports();
        assert_eq!(reports.len(), 1);
        assert_eq!(reports[0].error.as_ref().and_then(|e| e.line), Some(1));
        assert_eq!(
            index.project_for(web).expect("project").intended_use(),
            IntendedUse::Personal
        );

        // Deleted: the repository's file governs the package again.
        files.remove(nested);
        index.reload(nested);
        let after = index.project_for(web).expect("project");
        assert!(Arc::ptr_eq(&after, &top));

        // The disk is not read: a real project file is invisible to it.
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("abstrakt.toml"), "intended-use = 3\n").expect("write");
        let on_disk = index
            .project_for(dir.path())
            .expect("no project file in memory");
        assert_eq!(on_disk.config_path, None);
    }
}
