//! `abstrakt-lsp lock`: record the licensing of every model the tree uses in
//! `abstrakt.lock` (format and fingerprints: [`crate::lockfile`]).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::Args;

use super::{Fatal, ProjectArgs, WalkArgs};
use crate::extract::Target;
use crate::host::{Host, System};
use crate::licensing::Model;
use crate::lockfile::{self, FILE_NAME, Lockfile};
use crate::project::ProjectIndex;
use crate::registry::Lookup;
use crate::rules;

#[derive(Debug, Args)]
pub struct LockArgs {
    #[command(flatten)]
    pub walk: WalkArgs,

    #[command(flatten)]
    pub project: ProjectArgs,

    /// Don't write: exit 1 when the lock file is missing or out of date.
    #[arg(long)]
    pub check: bool,

    /// The lock file [default: the nearest abstrakt.lock at or above the first
    /// PATH, else next to the project's abstrakt.toml, else in the first PATH].
    #[arg(long, value_name = "FILE")]
    pub lockfile: Option<PathBuf>,

    /// Record that the licensing of MODEL (an id the code uses) was reviewed
    /// today ([policy] review-every counts from it). Repeatable.
    #[arg(long, value_name = "MODEL", conflicts_with = "check")]
    pub mark_reviewed: Vec<String>,
}

pub fn run(args: LockArgs) -> Result<ExitCode, Fatal> {
    let host = System;
    let options = super::walk::options(&args.walk, &host);
    let (scan, projects) = super::remote::scan_with_api(&options, &args.project, &host)?;
    let first = options
        .paths
        .first()
        .cloned()
        .unwrap_or_else(|| PathBuf::from("."));
    let lock_path = match &args.lockfile {
        Some(path) => path.clone(),
        None => relative_to_cwd(default_location(&first, &projects)?),
    };
    let (current, unlocked) = licensing_in_use(&scan);
    let existing = if lock_path.exists() {
        Some(Lockfile::load(&lock_path).map_err(|e| Fatal(format!("invalid lock file {e}")))?)
    } else {
        None
    };
    let today = host.today();
    let wanted = wanted_lock(
        existing.as_ref(),
        &current,
        &args.mark_reviewed,
        &scan,
        today,
    )?;

    super::walk::print_diagnostics(&scan, args.walk.verbose);
    if unlocked > 0 {
        eprintln!(
            "note: {unlocked} model {} with an unknown or dynamic id {} not recorded",
            if unlocked == 1 { "use" } else { "uses" },
            if unlocked == 1 { "is" } else { "are" },
        );
    }
    if !scan.errors.is_empty() {
        return Ok(ExitCode::from(2));
    }
    if args.check {
        return Ok(check_lock(existing.as_ref(), &current, &lock_path));
    }
    let unchanged = existing
        .as_ref()
        .is_some_and(|old| old.models == wanted.models);
    if !unchanged {
        wanted
            .write(&lock_path)
            .map_err(|e| Fatal(format!("cannot write `{}`: {e}", lock_path.display())))?;
    }
    println!(
        "{} {} ({} models)",
        if unchanged { "Unchanged:" } else { "Wrote" },
        lock_path.display(),
        wanted.models.len()
    );
    Ok(ExitCode::SUCCESS)
}

/// Lock key (canonical id, and route off the Abstrakt API) → current
/// licensing on that route, for every model the tree uses; and how many uses
/// have an unknown or dynamic id (they cannot be recorded).
fn licensing_in_use(scan: &crate::batch::Scan) -> (BTreeMap<String, Arc<Model>>, usize) {
    let mut current: BTreeMap<String, Arc<Model>> = BTreeMap::new();
    let mut unlocked = 0;
    for (file, model_use) in scan.uses() {
        let resolved = match &model_use.target {
            Target::Static { id, .. } => {
                rules::resolve_on(&file.project.resolver, model_use.route, id)
            }
            Target::Dynamic { .. } => None,
        };
        match resolved {
            Some(resolved) => {
                let key = lockfile::key(&resolved.model.id, model_use.route);
                current.insert(key, resolved.model.clone());
            }
            None => unlocked += 1,
        }
    }
    (current, unlocked)
}

/// The lock to write: the entries (and dates) of unchanged models kept, the
/// rest recorded today, unused ones dropped, `--mark-reviewed` applied.
fn wanted_lock(
    existing: Option<&Lockfile>,
    current: &BTreeMap<String, Arc<Model>>,
    mark_reviewed: &[String],
    scan: &crate::batch::Scan,
    today: jiff::civil::Date,
) -> Result<Lockfile, Fatal> {
    let mut wanted = existing.cloned().unwrap_or_default();
    wanted.models.retain(|id, _| current.contains_key(id));
    for (id, model) in current {
        wanted.record(id, &model.licensing, today);
    }
    for asked in mark_reviewed {
        let keys = reviewed_keys(asked, scan, current);
        if keys.is_empty() {
            return Err(Fatal(format!(
                "--mark-reviewed: `{asked}` is not used by the code checked (the lock records only models in use)"
            )));
        }
        for key in keys {
            wanted.mark_reviewed(&key, today);
        }
    }
    Ok(wanted)
}

/// `lock --check`: 0 when the lock on disk records the licensing in use,
/// else 1 with what differs.
fn check_lock(
    existing: Option<&Lockfile>,
    current: &BTreeMap<String, Arc<Model>>,
    lock_path: &Path,
) -> ExitCode {
    let Some(existing) = existing else {
        eprintln!(
            "{} does not exist: run `abstrakt-lsp lock` to record the licensing in use",
            lock_path.display()
        );
        return ExitCode::from(1);
    };
    let differences = differences(existing, current);
    if differences.is_empty() {
        println!(
            "{} is up to date ({} models)",
            lock_path.display(),
            current.len()
        );
        return ExitCode::SUCCESS;
    }
    eprintln!("{} is out of date:", lock_path.display());
    for difference in differences {
        eprintln!("  {difference}");
    }
    eprintln!("Review the changes, then run `abstrakt-lsp lock` to record them.");
    ExitCode::from(1)
}

/// The lock keys `--mark-reviewed ASKED` marks: `ASKED` is a model id (as
/// written or canonical: every route it is used on) or a lock key such as
/// `flux-dev@weights` (that route only).
fn reviewed_keys(
    asked: &str,
    scan: &crate::batch::Scan,
    current: &BTreeMap<String, Arc<Model>>,
) -> Vec<String> {
    if current.contains_key(asked) && asked.contains('@') {
        return vec![asked.to_string()];
    }
    let canonical = scan
        .files
        .iter()
        .find_map(|f| f.project.resolver.resolve(asked))
        .map(|r| r.model.id.clone())
        .unwrap_or_else(|| asked.to_string());
    current
        .keys()
        .filter(|key| lockfile::split_key(key).0 == canonical)
        .cloned()
        .collect()
}

/// How the lock on disk differs from the licensing in use, one line per model.
fn differences(existing: &Lockfile, current: &BTreeMap<String, Arc<Model>>) -> Vec<String> {
    let mut out = Vec::new();
    for (id, model) in current {
        if !existing.models.contains_key(id) {
            out.push(format!(
                "{id}: not recorded yet ({})",
                model.licensing.license
            ));
        } else if let Some(changes) = existing.changes(id, &model.licensing) {
            if changes.is_empty() {
                out.push(format!("{id}: licensing changed"));
            } else {
                out.push(format!("{id}: {}", changes.join("; ")));
            }
        }
    }
    for id in existing.models.keys() {
        if !current.contains_key(id) {
            out.push(format!("{id}: no longer used"));
        }
    }
    out
}

/// `path` relative to the current directory when it is inside it (for messages).
fn relative_to_cwd(path: PathBuf) -> PathBuf {
    match std::env::current_dir() {
        Ok(cwd) => match path.strip_prefix(&cwd) {
            Ok(relative) if !relative.as_os_str().is_empty() => relative.to_path_buf(),
            _ => path,
        },
        Err(_) => path,
    }
}

/// The nearest existing lock file for the first path, else next to its
/// abstrakt.toml, else in the first path (its directory for a file).
fn default_location(first: &Path, projects: &ProjectIndex) -> Result<PathBuf, Fatal> {
    let dir = if first.is_dir() {
        first.to_path_buf()
    } else {
        match first.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
            _ => PathBuf::from("."),
        }
    };
    let project = projects.project_for(&dir)?;
    if let Some(path) = project.lock.as_ref().and_then(|l| l.path.clone()) {
        return Ok(path);
    }
    let base = match project.config_path.as_deref().and_then(Path::parent) {
        Some(config_dir) => config_dir.to_path_buf(),
        None => dir,
    };
    Ok(base.join(FILE_NAME))
}
