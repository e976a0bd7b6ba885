//! `abstrakt.lock`: the licensing a project has reviewed, per canonical model
//! id, so a later change can be flagged (`license-changed`).
//!
//! ```toml
//! version = 1
//!
//! [models.flux-dev]
//! license = "FLUX.1-dev"
//! commercial = "allowed"
//! attribution = "required"
//! fingerprint = "sha256:…"
//! recorded = "2026-11-28"
//! ```
//!
//! The fingerprint is a SHA-256 over the licensing terms (see [`fingerprint`]);
//! `license`, `commercial` and `attribution` are kept in clear so a change can
//! be named and reviewed in a diff. Pure apart from [`Lockfile::load`].

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::licensing::{Attribution, CommercialUse, Licensing};

pub const FILE_NAME: &str = "abstrakt.lock";
pub const VERSION: u32 = 1;

const HEADER: &str = "\
# abstrakt.lock: the model licensing this project has reviewed.
# Written by `abstrakt-lsp lock`; commit it. The license-changed rule fires when a
# model's current licensing no longer matches its fingerprint here.
";

/// One reviewed model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct LockedModel {
    pub license: String,
    pub commercial: CommercialUse,
    pub attribution: Attribution,
    pub fingerprint: String,
    /// When this licensing was recorded (`YYYY-MM-DD`).
    pub recorded: String,
}

impl LockedModel {
    pub fn new(licensing: &Licensing, recorded: &str) -> Self {
        Self {
            license: licensing.license.clone(),
            commercial: licensing.commercial,
            attribution: licensing.attribution,
            fingerprint: fingerprint(licensing),
            recorded: recorded.to_string(),
        }
    }

    /// Whether `licensing` is what was recorded.
    pub fn matches(&self, licensing: &Licensing) -> bool {
        self.fingerprint == fingerprint(licensing)
    }

    /// What differs between the recorded licensing and `licensing`, in words;
    /// empty when nothing does.
    pub fn changes(&self, licensing: &Licensing) -> Vec<String> {
        if self.matches(licensing) {
            return Vec::new();
        }
        let mut changes = Vec::new();
        if self.license != licensing.license {
            changes.push(format!("license {} → {}", self.license, licensing.license));
        }
        if self.commercial != licensing.commercial {
            changes.push(format!(
                "commercial use {} → {}",
                self.commercial.label(),
                licensing.commercial.label()
            ));
        }
        if self.attribution != licensing.attribution {
            changes.push(format!(
                "attribution {} → {}",
                self.attribution.label(),
                licensing.attribution.label()
            ));
        }
        if changes.is_empty() {
            changes.push(
                "licensing terms (conditions, attribution text, restrictions or territories)"
                    .to_string(),
            );
        }
        changes
    }
}

/// The whole lock file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Lockfile {
    pub version: u32,
    #[serde(default)]
    pub models: BTreeMap<String, LockedModel>,
}

impl Default for Lockfile {
    fn default() -> Self {
        Self {
            version: VERSION,
            models: BTreeMap::new(),
        }
    }
}

#[derive(Debug)]
pub enum LockError {
    Io(PathBuf, std::io::Error),
    Parse(PathBuf, String),
    Version(PathBuf, u32),
}

impl fmt::Display for LockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LockError::Io(path, e) => write!(f, "cannot read {}: {e}", path.display()),
            LockError::Parse(path, e) => write!(f, "{}: {e}", path.display()),
            LockError::Version(path, v) => write!(
                f,
                "{}: lock file version {v} is not supported (expected {VERSION}); upgrade abstrakt-lsp",
                path.display()
            ),
        }
    }
}

impl std::error::Error for LockError {}

impl Lockfile {
    /// Reads a lock file; `Ok(None)` when there is none.
    pub fn load(path: &Path) -> Result<Option<Lockfile>, LockError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(LockError::Io(path.to_path_buf(), e)),
        };
        Lockfile::parse(&text).map(Some).map_err(|e| match e {
            ParseError::Toml(message) => LockError::Parse(path.to_path_buf(), message),
            ParseError::Version(v) => LockError::Version(path.to_path_buf(), v),
        })
    }

    pub fn parse(text: &str) -> Result<Lockfile, ParseError> {
        let lock: Lockfile = toml::from_str(text).map_err(|e| ParseError::Toml(e.to_string()))?;
        if lock.version != VERSION {
            return Err(ParseError::Version(lock.version));
        }
        Ok(lock)
    }

    /// The file's text: a header comment, then the models sorted by id.
    pub fn to_toml(&self) -> String {
        let body = toml::to_string(self).unwrap_or_default();
        format!("{HEADER}\n{body}")
    }

    /// The lock for `current` licensing (canonical id → licensing), keeping the
    /// recorded date of every entry whose licensing did not change.
    pub fn updated<'a>(
        &self,
        current: impl IntoIterator<Item = (&'a str, &'a Licensing)>,
        today: &str,
    ) -> Lockfile {
        let models = current
            .into_iter()
            .map(|(id, licensing)| {
                let entry = match self.models.get(id) {
                    Some(old) if old.matches(licensing) => LockedModel {
                        recorded: old.recorded.clone(),
                        ..LockedModel::new(licensing, today)
                    },
                    _ => LockedModel::new(licensing, today),
                };
                (id.to_string(), entry)
            })
            .collect();
        Lockfile {
            version: VERSION,
            models,
        }
    }

    /// How `self` (on disk) differs from `wanted`, ignoring dates; empty when up to date.
    pub fn differences(&self, wanted: &Lockfile) -> Vec<String> {
        let mut out = Vec::new();
        for (id, want) in &wanted.models {
            match self.models.get(id) {
                None => out.push(format!("{id}: not recorded yet ({})", want.license)),
                Some(have) if have.fingerprint != want.fingerprint => {
                    let mut what = Vec::new();
                    if have.license != want.license {
                        what.push(format!("license {} → {}", have.license, want.license));
                    }
                    if have.commercial != want.commercial {
                        what.push(format!(
                            "commercial use {} → {}",
                            have.commercial.label(),
                            want.commercial.label()
                        ));
                    }
                    if have.attribution != want.attribution {
                        what.push(format!(
                            "attribution {} → {}",
                            have.attribution.label(),
                            want.attribution.label()
                        ));
                    }
                    if what.is_empty() {
                        what.push("licensing terms changed".to_string());
                    }
                    out.push(format!("{id}: {}", what.join(", ")));
                }
                Some(_) => {}
            }
        }
        for id in self.models.keys() {
            if !wanted.models.contains_key(id) {
                out.push(format!("{id}: no longer used"));
            }
        }
        out
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseError {
    Toml(String),
    Version(u32),
}

/// The licensing terms a fingerprint covers, in a fixed order. Provenance
/// (sources, verification date, confidence, notes) is left out: re-verifying
/// unchanged terms must not invalidate a lock.
#[derive(Serialize)]
struct Canonical<'a> {
    v: u32,
    license: &'a str,
    spdx: Option<&'a str>,
    license_url: Option<&'a str>,
    category: Option<&'a str>,
    commercial: CommercialUse,
    commercial_condition: Option<String>,
    attribution: Attribution,
    attribution_text: Option<&'a str>,
    restrictions: Vec<String>,
    territories_excluded: Vec<String>,
}

/// `sha256:<hex>` of the canonical licensing terms. Whitespace runs are
/// collapsed and lists sorted, so reformatting data does not change it.
pub fn fingerprint(licensing: &Licensing) -> String {
    let norm = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let sorted = |items: &[String]| {
        let mut items: Vec<String> = items.iter().map(|s| norm(s)).collect();
        items.sort();
        items
    };
    let canonical = Canonical {
        v: 1,
        license: &licensing.license,
        spdx: licensing.spdx.as_deref(),
        license_url: licensing.license_url.as_deref(),
        category: licensing.category.map(|c| c.as_str()),
        commercial: licensing.commercial,
        commercial_condition: licensing.commercial_condition.as_deref().map(norm),
        attribution: licensing.attribution,
        attribution_text: licensing.attribution_text.as_deref(),
        restrictions: sorted(&licensing.restrictions),
        territories_excluded: sorted(&licensing.territories_excluded),
    };
    // A struct of strings, enums and lists always serialises.
    let bytes = serde_json::to_vec(&canonical).unwrap_or_default();
    let digest = Sha256::digest(&bytes);
    let mut hex = String::with_capacity(7 + digest.len() * 2);
    hex.push_str("sha256:");
    for byte in digest.iter() {
        hex.push_str(&format!("{byte:02x}"));
    }
    hex
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::licensing::Registry;

    fn licensing(id: &str) -> Licensing {
        Registry::builtin()
            .get(id)
            .map(|m| m.licensing.clone())
            .unwrap_or_else(|| panic!("{id} is built in"))
    }

    #[test]
    fn fingerprints_are_stable_and_ignore_provenance() {
        let flux = licensing("flux-dev");
        let mut reverified = flux.clone();
        reverified.verified = Some("2099-01".into());
        reverified.sources.push("https://example.com".into());
        assert_eq!(fingerprint(&flux), fingerprint(&reverified));
        assert!(fingerprint(&flux).starts_with("sha256:"));
        assert_eq!(fingerprint(&flux).len(), 7 + 64);
        let mut changed = flux.clone();
        changed.restrictions.push("No use in advertising".into());
        assert_ne!(fingerprint(&flux), fingerprint(&changed));
    }

    #[test]
    fn round_trips_and_keeps_dates_of_unchanged_entries() {
        let flux = licensing("flux-dev");
        let musicgen = licensing("musicgen");
        let old = Lockfile::default().updated([("flux-dev", &flux)], "2026-01-01");
        let text = old.to_toml();
        assert!(text.contains("[models.flux-dev]"), "{text}");
        assert_eq!(Lockfile::parse(&text), Ok(old.clone()));

        let new = old.updated([("flux-dev", &flux), ("musicgen", &musicgen)], "2026-02-02");
        assert_eq!(new.models["flux-dev"].recorded, "2026-01-01");
        assert_eq!(new.models["musicgen"].recorded, "2026-02-02");
        assert_eq!(
            old.differences(&new),
            ["musicgen: not recorded yet (CC-BY-NC-4.0)"]
        );
        assert!(new.differences(&new).is_empty());

        let mut relicensed = flux.clone();
        relicensed.commercial = CommercialUse::NotAllowed;
        let changed = new.models["flux-dev"].changes(&relicensed);
        assert_eq!(changed, ["commercial use Allowed → Not allowed"]);
    }

    #[test]
    fn slashes_in_ids_are_quoted_and_bad_files_are_errors() {
        let flux = licensing("flux-dev");
        let lock = Lockfile::default().updated([("fal-ai/flux/dev", &flux)], "2026-01-01");
        assert!(lock.to_toml().contains("[models.\"fal-ai/flux/dev\"]"));
        assert!(matches!(
            Lockfile::parse("version = 2\n"),
            Err(ParseError::Version(2))
        ));
        assert!(matches!(
            Lockfile::parse("version = 1\n[models.x]\nlicense = 3\n"),
            Err(ParseError::Toml(_))
        ));
    }
}
