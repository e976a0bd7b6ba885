//! `abstrakt-lsp lock`: record the licensing of every model the tree uses.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::Args;

use super::project::Projects;
use super::report::today;
use super::walk::{ScanOptions, scan};
use super::{Fatal, ProjectArgs, WalkArgs};
use crate::extract::Target;
use crate::licensing::Model;
use crate::lockfile::{FILE_NAME, Lockfile};
use crate::registry::Lookup;

#[derive(Debug, Args)]
pub struct LockArgs {
    #[command(flatten)]
    pub walk: WalkArgs,

    #[command(flatten)]
    pub project: ProjectArgs,

    /// Don't write: exit 1 when the lock file is missing or out of date.
    #[arg(long)]
    pub check: bool,

    /// The lock file [default: abstrakt.lock next to the project's abstrakt.toml,
    /// else in the first PATH].
    #[arg(long, value_name = "FILE")]
    pub lockfile: Option<PathBuf>,
}

pub fn run(args: LockArgs) -> Result<ExitCode, Fatal> {
    let projects = Projects::new(args.project.clone());
    let options = ScanOptions::from_args(&args.walk);
    let scan = scan(&options, &projects)?;
    let first = options
        .paths
        .first()
        .cloned()
        .unwrap_or_else(|| PathBuf::from("."));
    let lock_path = match &args.lockfile {
        Some(path) => path.clone(),
        None => default_location(&first, &projects)?,
    };

    let mut current: BTreeMap<String, Arc<Model>> = BTreeMap::new();
    let mut unlocked = 0;
    for (file, model_use) in scan.uses() {
        match &model_use.target {
            Target::Static { id, .. } => match file.project.resolver.resolve(id) {
                Some(resolved) => {
                    current.insert(resolved.model.id.clone(), resolved.model.clone());
                }
                None => unlocked += 1,
            },
            Target::Dynamic { .. } => unlocked += 1,
        }
    }

    let existing = Lockfile::load(&lock_path).map_err(|e| Fatal(e.to_string()))?;
    let base = existing.clone().unwrap_or_default();
    let wanted = base.updated(
        current
            .iter()
            .map(|(id, model)| (id.as_str(), &model.licensing)),
        &today(),
    );
    scan.print_diagnostics(args.walk.verbose);
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
        let Some(existing) = existing else {
            eprintln!(
                "{} does not exist: run `abstrakt-lsp lock` to record the licensing in use",
                lock_path.display()
            );
            return Ok(ExitCode::from(1));
        };
        let differences = existing.differences(&wanted);
        if differences.is_empty() {
            println!(
                "{} is up to date ({} models)",
                lock_path.display(),
                wanted.models.len()
            );
            return Ok(ExitCode::SUCCESS);
        }
        eprintln!("{} is out of date:", lock_path.display());
        for difference in differences {
            eprintln!("  {difference}");
        }
        eprintln!("Review the changes, then run `abstrakt-lsp lock` to record them.");
        return Ok(ExitCode::from(1));
    }

    let unchanged = existing.as_ref() == Some(&wanted);
    if !unchanged {
        super::write::atomic(&lock_path, wanted.to_toml().as_bytes())?;
    }
    println!(
        "{} {} ({} models)",
        if unchanged { "Unchanged" } else { "Wrote" },
        lock_path.display(),
        wanted.models.len()
    );
    Ok(ExitCode::SUCCESS)
}

/// Next to the project's abstrakt.toml, else in the first path (its directory for a file).
fn default_location(first: &Path, projects: &Projects) -> Result<PathBuf, Fatal> {
    let dir = if first.is_dir() {
        first.to_path_buf()
    } else {
        match first.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
            _ => PathBuf::from("."),
        }
    };
    let project = projects.project_for(&dir)?;
    let base = match project.config_path.as_deref().and_then(Path::parent) {
        Some(config_dir) => config_dir.to_path_buf(),
        None => dir,
    };
    Ok(base.join(FILE_NAME))
}
