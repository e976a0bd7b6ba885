//! `abstrakt.lock`: the licensing a project has reviewed, per model. When the
//! current licensing of a used model differs from what was recorded, the
//! `license-changed` rule fires at every use of it, naming what changed.
//!
//! The file is TOML, meant to be committed, written by the `lock` command and
//! by a code action:
//!
//! ```toml
//! version = 1
//! [models."llama-3.1-8b"]
//! license = "Llama 3.1 Community License"
//! commercial = "allowed"
//! attribution = "required"
//! attribution-text = "Built with Llama"
//! restrictions = ["Follow the Llama 3.1 Acceptable Use Policy"]
//! fingerprint = "9f2c…"      # sha256 of the fields above, canonicalised
//! recorded = "2026-11-02"
//! ```
//!
//! A model reached on another route than the Abstrakt API is its own entry,
//! keyed `id@route` (`[models."flux-dev@weights"]`): what binds the project
//! depends on the route (the FLUX.1 [dev] weights are non-commercial where
//! the API is not), so each route is recorded and reviewed on its own. The
//! Abstrakt route keeps the plain id, so locks written before routes existed
//! still read the same.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::config::ConfigError;
use crate::extract::Route;
use crate::licensing::{Attribution, CommercialUse, Licensing};
use crate::registry::Lookup;

pub const FILE_NAME: &str = "abstrakt.lock";
const VERSION: u32 = 1;

/// The lock's key for the registry model `canonical` reached on `route`:
/// the id itself on the Abstrakt route, `id@route` on any other.
pub fn key(canonical: &str, route: Route) -> String {
    if route.is_abstrakt() {
        canonical.to_string()
    } else {
        format!("{canonical}@{route}")
    }
}

/// The model id and route of a lock key (the inverse of [`key`]); a key
/// whose `@` part names no route is an id on the Abstrakt route.
pub fn split_key(key: &str) -> (&str, Route) {
    key.rsplit_once('@')
        .and_then(|(id, route)| Some((id, route.parse::<Route>().ok()?)))
        .unwrap_or((key, Route::Abstrakt))
}

/// What was acknowledged for one model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct LockedModel {
    pub license: String,
    pub commercial: CommercialUse,
    pub attribution: Attribution,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attribution_text: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub restrictions: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub territories_excluded: Vec<String>,
    pub fingerprint: String,
    /// The day it was acknowledged (`YYYY-MM-DD`).
    pub recorded: String,
    /// The last day its licensing was reviewed unchanged (`YYYY-MM-DD`),
    /// when later than `recorded`; `[policy] review-every` counts from it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reviewed: Option<String>,
}

impl LockedModel {
    pub fn record(licensing: &Licensing, today: jiff::civil::Date) -> Self {
        let canonical = Canonical::of(licensing);
        LockedModel {
            license: licensing.license.clone(),
            commercial: licensing.commercial,
            attribution: licensing.attribution,
            attribution_text: licensing.attribution_text.clone(),
            restrictions: canonical.restrictions,
            territories_excluded: canonical.territories_excluded,
            fingerprint: fingerprint(licensing),
            recorded: today.to_string(),
            reviewed: None,
        }
    }

    /// The day of the last review: `reviewed`, else `recorded`; `None` when
    /// neither is a date.
    pub fn last_review(&self) -> Option<jiff::civil::Date> {
        let recorded = self.recorded.parse::<jiff::civil::Date>().ok();
        let reviewed = self
            .reviewed
            .as_deref()
            .and_then(|d| d.parse::<jiff::civil::Date>().ok());
        recorded.max(reviewed)
    }
}

/// The fields a fingerprint covers, in a fixed order. Provenance (sources,
/// dates, URLs, notes) is left out: a re-verified entry is not a change.
#[derive(Serialize)]
struct Canonical {
    license: String,
    commercial: &'static str,
    attribution: &'static str,
    attribution_text: Option<String>,
    restrictions: Vec<String>,
    territories_excluded: Vec<String>,
}

impl Canonical {
    fn of(licensing: &Licensing) -> Self {
        let sorted = |items: &[String]| -> Vec<String> {
            items
                .iter()
                .map(|s| s.trim().to_string())
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect()
        };
        Canonical {
            license: licensing.license.trim().to_string(),
            commercial: licensing.commercial.label(),
            attribution: licensing.attribution.label(),
            attribution_text: licensing
                .attribution_text
                .as_ref()
                .map(|t| t.trim().to_string()),
            restrictions: sorted(&licensing.restrictions),
            territories_excluded: sorted(&licensing.territories_excluded),
        }
    }
}

/// sha256 (hex) of a licensing's canonical fields.
pub fn fingerprint(licensing: &Licensing) -> String {
    // Serialising a struct of strings cannot fail.
    let json = serde_json::to_vec(&Canonical::of(licensing)).unwrap_or_default();
    hex(&Sha256::digest(&json))
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct RawLock {
    version: u32,
    #[serde(default)]
    models: BTreeMap<String, LockedModel>,
}

/// A lock file: [`key`] (canonical model id, and route when it is not the
/// Abstrakt API) → what was acknowledged.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lockfile {
    pub path: Option<PathBuf>,
    pub models: BTreeMap<String, LockedModel>,
}

/// How one locked model's licensing differs from now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drift {
    pub id: String,
    /// One entry per changed field, e.g. `license FLUX.1-dev → X`; empty when the
    /// model is no longer known to any source.
    pub changes: Vec<String>,
    pub gone: bool,
}

impl Lockfile {
    /// The nearest `abstrakt.lock` at or above `start` (a file or a folder).
    pub fn discover(start: &Path) -> Option<PathBuf> {
        crate::config::find_upward(start, FILE_NAME)
    }

    pub fn load(path: &Path) -> Result<Lockfile, ConfigError> {
        Self::load_from(&crate::host::Disk, path)
    }

    /// [`Lockfile::load`] from the host's files.
    pub fn load_from(
        files: &dyn crate::host::FileSystem,
        path: &Path,
    ) -> Result<Lockfile, ConfigError> {
        let text = files
            .read_to_string(path)
            .map_err(|e| ConfigError::at(path, "", None, format!("cannot read: {e}")))?;
        Lockfile::parse(&text, path)
    }

    pub fn parse(text: &str, path: &Path) -> Result<Lockfile, ConfigError> {
        let raw: RawLock = toml::from_str(text)
            .map_err(|e| ConfigError::at(path, text, e.span(), e.message().trim().to_string()))?;
        if raw.version != VERSION {
            return Err(ConfigError::at(
                path,
                text,
                None,
                format!(
                    "unsupported lock file version {} (this abstrakt-lsp writes version {VERSION})",
                    raw.version
                ),
            ));
        }
        Ok(Lockfile {
            path: Some(path.to_path_buf()),
            models: raw.models,
        })
    }

    pub fn to_toml(&self) -> String {
        let raw = RawLock {
            version: VERSION,
            models: self.models.clone(),
        };
        let body = toml::to_string_pretty(&raw).unwrap_or_default();
        format!(
            "# abstrakt.lock: AI-model licensing this project has reviewed.\n# Written by abstrakt-lsp; commit it. A change in licensing is reported as license-changed.\n{body}"
        )
    }

    /// Writes the file atomically (temporary file in the same folder, then rename).
    pub fn write(&self, path: &Path) -> std::io::Result<()> {
        write_atomic(path, self.to_toml().as_bytes())
    }

    /// Records the current licensing of `id` (canonical) as acknowledged; keeps
    /// the old entry (and its date) when nothing changed. Returns whether it changed.
    pub fn record(&mut self, id: &str, licensing: &Licensing, today: jiff::civil::Date) -> bool {
        let print = fingerprint(licensing);
        if self.models.get(id).is_some_and(|m| m.fingerprint == print) {
            return false;
        }
        self.models
            .insert(id.to_string(), LockedModel::record(licensing, today));
        true
    }

    /// Marks `id` (canonical) as reviewed on `today`, when it is locked.
    /// Returns whether the entry changed.
    pub fn mark_reviewed(&mut self, id: &str, today: jiff::civil::Date) -> bool {
        let Some(locked) = self.models.get_mut(id) else {
            return false;
        };
        if locked.last_review() == Some(today) {
            return false;
        }
        locked.reviewed = Some(today.to_string());
        true
    }

    /// Records every id (as written or canonical) that `lookup` knows; unknown
    /// ids are skipped. Returns the canonical ids whose entry was added or changed.
    pub fn record_all<'a>(
        &mut self,
        ids: impl IntoIterator<Item = &'a str>,
        lookup: &impl Lookup,
        today: jiff::civil::Date,
    ) -> Vec<String> {
        let mut changed = Vec::new();
        for id in ids {
            if let Some(resolved) = lookup.resolve(id) {
                let canonical = resolved.model.id.clone();
                if self.record(&canonical, &resolved.model.licensing, today)
                    && !changed.contains(&canonical)
                {
                    changed.push(canonical);
                }
            }
        }
        changed
    }

    /// What changed for `id` (canonical) since it was recorded; `None` when it
    /// is not locked or nothing changed.
    pub fn changes(&self, id: &str, licensing: &Licensing) -> Option<Vec<String>> {
        let locked = self.models.get(id)?;
        if locked.fingerprint == fingerprint(licensing) {
            return None;
        }
        Some(describe_changes(locked, licensing))
    }

    /// Every locked model whose licensing on its route differs now or is no
    /// longer known (`lock --check`).
    pub fn drift(&self, lookup: &impl Lookup) -> Vec<Drift> {
        let mut out = Vec::new();
        for id in self.models.keys() {
            let (model, route) = split_key(id);
            match crate::rules::resolve_on(lookup, route, model) {
                Some(resolved) => {
                    if let Some(changes) = self.changes(id, &resolved.model.licensing) {
                        out.push(Drift {
                            id: id.clone(),
                            changes,
                            gone: false,
                        });
                    }
                }
                None => out.push(Drift {
                    id: id.clone(),
                    changes: Vec::new(),
                    gone: true,
                }),
            }
        }
        out
    }
}

/// The message of a `license-changed` finding.
pub fn changed_message(written: &str, changes: &[String]) -> String {
    if changes.is_empty() {
        format!(
            "{written} licensing changed since it was acknowledged in abstrakt.lock; review it and update the lock file"
        )
    } else {
        format!(
            "{written} licensing changed since it was acknowledged in abstrakt.lock: {}",
            changes.join("; ")
        )
    }
}

fn describe_changes(locked: &LockedModel, now: &Licensing) -> Vec<String> {
    let mut changes = Vec::new();
    if locked.license.trim() != now.license.trim() {
        changes.push(format!("license {} → {}", locked.license, now.license));
    }
    if locked.commercial != now.commercial {
        changes.push(format!(
            "commercial use {} → {}",
            locked.commercial.label(),
            now.commercial.label()
        ));
    }
    if locked.attribution != now.attribution {
        changes.push(format!(
            "attribution {} → {}",
            locked.attribution.label(),
            now.attribution.label()
        ));
    }
    let text = |t: &Option<String>| t.as_deref().map(str::trim).unwrap_or("").to_string();
    if text(&locked.attribution_text) != text(&now.attribution_text) {
        changes.push(format!(
            "attribution text \"{}\" → \"{}\"",
            text(&locked.attribution_text),
            text(&now.attribution_text)
        ));
    }
    list_changes(
        "restriction",
        &locked.restrictions,
        &now.restrictions,
        &mut changes,
    );
    list_changes(
        "excluded territory",
        &locked.territories_excluded,
        &now.territories_excluded,
        &mut changes,
    );
    changes
}

fn list_changes(what: &str, before: &[String], after: &[String], out: &mut Vec<String>) {
    let before: BTreeSet<&str> = before.iter().map(|s| s.trim()).collect();
    let after: BTreeSet<&str> = after.iter().map(|s| s.trim()).collect();
    for added in after.difference(&before) {
        out.push(format!("{what} added: {added}"));
    }
    for removed in before.difference(&after) {
        out.push(format!("{what} removed: {removed}"));
    }
}

pub use crate::atomic_file::write_atomic;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::{Lookup, Resolver};

    fn flux() -> Licensing {
        Resolver::builtin()
            .resolve("flux-dev")
            .expect("built in")
            .model
            .licensing
            .clone()
    }

    #[test]
    fn fingerprints_ignore_provenance_and_order() {
        let a = flux();
        let mut b = a.clone();
        b.sources.push("https://example.com".into());
        b.verified = Some("2030-01".into());
        b.license_url = None;
        b.restrictions.reverse();
        assert_eq!(fingerprint(&a), fingerprint(&b));
        b.attribution = Attribution::NotRequired;
        assert_ne!(fingerprint(&a), fingerprint(&b));
        assert_eq!(fingerprint(&a).len(), 64);
    }

    #[test]
    fn changes_name_what_changed() {
        let mut lock = Lockfile::default();
        let mut before = flux();
        before.attribution = Attribution::NotRequired;
        before.attribution_text = None;
        lock.record("flux-dev", &before, jiff::civil::date(2026, 1, 2));
        let mut now = before.clone();
        assert_eq!(lock.changes("flux-dev", &now), None);
        now.license = "X".into();
        now.attribution = Attribution::Required;
        let changes = lock.changes("flux-dev", &now).expect("changed");
        assert_eq!(
            changed_message("flux-dev", &changes),
            "flux-dev licensing changed since it was acknowledged in abstrakt.lock: license FLUX.1-dev → X; attribution Not required → Required"
        );
        assert_eq!(lock.changes("other", &now), None);
    }

    #[test]
    fn round_trips_through_toml_and_disk() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(FILE_NAME);
        let mut lock = Lockfile::default();
        let changed = lock.record_all(
            ["fal-ai/flux/dev", "flux-dev", "nope"],
            &Resolver::builtin(),
            jiff::civil::date(2026, 3, 4),
        );
        assert_eq!(changed, ["flux-dev"]);
        lock.write(&path).expect("write");
        let loaded = Lockfile::load(&path).expect("load");
        assert_eq!(loaded.models, lock.models);
        assert_eq!(loaded.models["flux-dev"].recorded, "2026-03-04");
        assert!(loaded.drift(&Resolver::builtin()).is_empty());
        assert_eq!(
            Lockfile::discover(&dir.path().join("src/x.ts")),
            Some(path.clone())
        );
        assert_eq!(
            Lockfile::discover(&dir.path().join("x.ts")),
            Some(path.clone())
        );
        // Recording unchanged licensing keeps the old date.
        let mut again = loaded.clone();
        assert!(
            again
                .record_all(
                    ["flux-dev"],
                    &Resolver::builtin(),
                    jiff::civil::date(2027, 1, 1)
                )
                .is_empty()
        );
        assert_eq!(again.models["flux-dev"].recorded, "2026-03-04");
    }

    #[test]
    fn reviews_are_recorded_apart_from_changes() {
        let mut lock = Lockfile::default();
        lock.record("flux-dev", &flux(), jiff::civil::date(2026, 1, 2));
        assert_eq!(
            lock.models["flux-dev"].last_review(),
            Some(jiff::civil::date(2026, 1, 2))
        );
        assert!(!lock.mark_reviewed("flux-dev", jiff::civil::date(2026, 1, 2)));
        assert!(lock.mark_reviewed("flux-dev", jiff::civil::date(2026, 5, 6)));
        assert!(!lock.mark_reviewed("not-locked", jiff::civil::date(2026, 5, 6)));
        let text = lock.to_toml();
        assert!(
            text.contains("recorded = \"2026-01-02\"\nreviewed = \"2026-05-06\"\n"),
            "{text}"
        );
        let loaded = Lockfile::parse(&text, Path::new("abstrakt.lock")).expect("valid");
        assert_eq!(
            loaded.models["flux-dev"].last_review(),
            Some(jiff::civil::date(2026, 5, 6))
        );
        // Recording unchanged licensing keeps the review.
        let mut again = loaded.clone();
        again.record("flux-dev", &flux(), jiff::civil::date(2026, 9, 9));
        assert_eq!(
            again.models["flux-dev"].reviewed.as_deref(),
            Some("2026-05-06")
        );
    }

    #[test]
    fn bad_lock_files_are_errors_with_lines() {
        let path = Path::new("abstrakt.lock");
        let error =
            Lockfile::parse("version = 1\n[models.a]\nlicense = 3\n", path).expect_err("bad");
        assert_eq!(error.line, Some(3), "{error}");
        assert!(Lockfile::parse("version = 2\n", path).is_err());
    }

    #[test]
    fn drift_reports_changed_and_vanished_models() {
        let mut lock = Lockfile::default();
        let mut old = flux();
        old.license = "Old".into();
        lock.record("flux-dev", &old, jiff::civil::date(2026, 1, 1));
        lock.record("gone-model", &old, jiff::civil::date(2026, 1, 1));
        let drift = lock.drift(&Resolver::builtin());
        assert_eq!(drift.len(), 2);
        assert_eq!(drift[0].changes, ["license Old → FLUX.1-dev"]);
        assert!(drift[1].gone);
    }
}
