//! Licensing data: the types every face shows, and the built-in registry
//! compiled from `data/models.toml` (reviewable, one entry per model, sourced).

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, OnceLock};

use serde::{Deserialize, Serialize};

/// The three kinds of license Abstrakt's own guide distinguishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    OpenSource,
    OpenWeightsRestricted,
    CommercialApi,
}

impl Category {
    pub fn label(self) -> &'static str {
        match self {
            Category::OpenSource => "Fully open source",
            Category::OpenWeightsRestricted => "Open weights with restrictions",
            Category::CommercialApi => "Commercial API only",
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Category::OpenSource => "open-source",
            Category::OpenWeightsRestricted => "open-weights-restricted",
            Category::CommercialApi => "commercial-api",
        }
    }
}

/// Whether outputs may be used commercially when the model is called through an API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CommercialUse {
    Allowed,
    NotAllowed,
    /// Allowed only under a condition (revenue, users, plan, registration).
    Conditional,
    /// The research could not establish it.
    Unverified,
}

impl CommercialUse {
    pub fn label(self) -> &'static str {
        match self {
            CommercialUse::Allowed => "Allowed",
            CommercialUse::NotAllowed => "Not allowed",
            CommercialUse::Conditional => "Conditional",
            CommercialUse::Unverified => "Unverified",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Attribution {
    Required,
    NotRequired,
    Unverified,
}

impl Attribution {
    pub fn label(self) -> &'static str {
        match self {
            Attribution::Required => "Required",
            Attribution::NotRequired => "Not required",
            Attribution::Unverified => "Unverified",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Confidence {
    High,
    Medium,
    Low,
    Unverified,
}

/// A model's licensing as it applies to calling it through an API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Licensing {
    /// Short license name (the SDK's `license`), e.g. `FLUX.1-dev`.
    pub license: String,
    pub spdx: Option<String>,
    pub license_url: Option<String>,
    /// `None` when the source (an API answer, a project override) does not say.
    pub category: Option<Category>,
    pub commercial: CommercialUse,
    pub commercial_condition: Option<String>,
    pub attribution: Attribution,
    /// The exact text to show when attribution is required.
    pub attribution_text: Option<String>,
    pub restrictions: Vec<String>,
    pub territories_excluded: Vec<String>,
    pub confidence: Option<Confidence>,
    /// Facts the research could not confirm (shown to the user as such).
    pub unverified: Vec<String>,
    pub sources: Vec<String>,
    pub license_date: Option<String>,
    /// When the entry was last checked against its sources (`YYYY-MM[-DD]`).
    pub verified: Option<String>,
    pub notes: Option<String>,
    /// The deciding quotes behind each obligation, with their sources.
    pub evidence: Vec<Evidence>,
}

/// Which part of the licensing a piece of evidence decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EvidenceAbout {
    License,
    Commercial,
    Attribution,
    Restrictions,
    Territories,
}

/// A short passage of a named source that decides one licensing fact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Evidence {
    pub about: EvidenceAbout,
    /// The passage: verbatim when `verbatim`, else a close paraphrase.
    pub text: String,
    pub verbatim: bool,
    /// URL of the source (licence file, terms page).
    pub source: String,
    /// Where in the source, e.g. `§2(d)`.
    pub at: Option<String>,
}

impl Licensing {
    /// The short license name and the key obligations, for inlay hints:
    /// `FLUX.1-dev · attribution`, `CC-BY-NC-4.0 · non-commercial`.
    pub fn short_summary(&self) -> String {
        let mut parts = vec![self.license.as_str()];
        match self.commercial {
            CommercialUse::NotAllowed => parts.push("non-commercial"),
            CommercialUse::Conditional => parts.push("commercial conditional"),
            CommercialUse::Allowed | CommercialUse::Unverified => {}
        }
        if self.attribution == Attribution::Required {
            parts.push("attribution");
        }
        parts.join(" · ")
    }
}

/// A model: identity plus licensing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Model {
    pub id: String,
    pub aliases: Vec<String>,
    pub name: String,
    pub vendor: Option<String>,
    pub modality: Option<String>,
    pub licensing: Licensing,
    /// Commercial-safe replacements of the same modality (canonical ids).
    pub alternatives: Vec<String>,
    /// Family patterns (`prefix*`) for provider endpoint variants of this model.
    pub patterns: Vec<String>,
}

/// One `[[model]]` entry of `data/models.toml`, exactly as written.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct RawEntry {
    id: String,
    aliases: Vec<String>,
    #[serde(default)]
    patterns: Vec<String>,
    name: String,
    vendor: String,
    modality: String,
    category: Category,
    license: String,
    spdx: Option<String>,
    license_url: Option<String>,
    commercial: CommercialUse,
    commercial_condition: Option<String>,
    attribution: Attribution,
    attribution_text: Option<String>,
    restrictions: Vec<String>,
    territories_excluded: Vec<String>,
    alternatives: Vec<String>,
    confidence: Confidence,
    unverified: Vec<String>,
    sources: Vec<String>,
    license_date: Option<String>,
    verified: String,
    notes: String,
    #[serde(default)]
    evidence: Vec<RawEvidence>,
}

/// One `[[model.evidence]]` table: exactly one of `quote` (verbatim) or
/// `paraphrase` (close paraphrase), a `source` URL and an optional location.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct RawEvidence {
    about: EvidenceAbout,
    quote: Option<String>,
    paraphrase: Option<String>,
    source: String,
    at: Option<String>,
}

impl RawEvidence {
    fn into_evidence(self, model: &str) -> Result<Evidence, RegistryError> {
        let (text, verbatim) = match (self.quote, self.paraphrase) {
            (Some(quote), None) => (quote, true),
            (None, Some(paraphrase)) => (paraphrase, false),
            _ => {
                return Err(RegistryError::Invalid(format!(
                    "{model}: evidence needs exactly one of `quote` or `paraphrase`"
                )));
            }
        };
        Ok(Evidence {
            about: self.about,
            text,
            verbatim,
            source: self.source,
            at: self.at,
        })
    }
}

impl TryFrom<RawEntry> for Model {
    type Error = RegistryError;

    fn try_from(raw: RawEntry) -> Result<Self, RegistryError> {
        let evidence = raw
            .evidence
            .into_iter()
            .map(|e| e.into_evidence(&raw.id))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Model {
            id: raw.id,
            aliases: raw.aliases,
            patterns: raw.patterns,
            name: raw.name,
            vendor: Some(raw.vendor),
            modality: Some(raw.modality),
            alternatives: raw.alternatives,
            licensing: Licensing {
                license: raw.license,
                spdx: raw.spdx,
                license_url: raw.license_url,
                category: Some(raw.category),
                commercial: raw.commercial,
                commercial_condition: raw.commercial_condition,
                attribution: raw.attribution,
                attribution_text: raw.attribution_text,
                restrictions: raw.restrictions,
                territories_excluded: raw.territories_excluded,
                confidence: Some(raw.confidence),
                unverified: raw.unverified,
                sources: raw.sources,
                license_date: raw.license_date,
                verified: Some(raw.verified),
                notes: Some(raw.notes).filter(|n| !n.is_empty()),
                evidence,
            },
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    model: Vec<RawEntry>,
}

/// Why a registry file was rejected.
#[derive(Debug)]
pub enum RegistryError {
    Toml(toml::de::Error),
    Invalid(String),
}

impl fmt::Display for RegistryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RegistryError::Toml(e) => write!(f, "{e}"),
            RegistryError::Invalid(msg) => f.write_str(msg),
        }
    }
}

impl std::error::Error for RegistryError {}

/// A set of models addressable by id or alias.
#[derive(Debug, Default)]
pub struct Registry {
    models: Vec<Arc<Model>>,
    by_id: HashMap<String, usize>,
    by_lowercase_id: HashMap<String, usize>,
}

const BUILTIN_DATA: &str = include_str!("../data/models.toml");

impl Registry {
    /// The registry compiled into the binary.
    pub fn builtin() -> &'static Registry {
        static BUILTIN: OnceLock<Registry> = OnceLock::new();
        BUILTIN.get_or_init(|| {
            // The data file is checked by a unit test, so this cannot fail in a release.
            Registry::from_toml(BUILTIN_DATA).expect("data/models.toml is valid")
        })
    }

    pub fn from_toml(text: &str) -> Result<Registry, RegistryError> {
        let file: RawFile = toml::from_str(text).map_err(RegistryError::Toml)?;
        let models = file
            .model
            .into_iter()
            .map(Model::try_from)
            .collect::<Result<Vec<_>, _>>()?;
        Registry::from_models(models)
    }

    /// Builds the id/alias index; ids and aliases must be unique.
    pub fn from_models(models: Vec<Model>) -> Result<Registry, RegistryError> {
        let mut registry = Registry::default();
        for model in models {
            let index = registry.models.len();
            for name in std::iter::once(&model.id).chain(&model.aliases) {
                if registry.by_id.insert(name.clone(), index).is_some() {
                    return Err(RegistryError::Invalid(format!(
                        "model id `{name}` appears twice"
                    )));
                }
                registry
                    .by_lowercase_id
                    .entry(name.to_lowercase())
                    .or_insert(index);
            }
            registry.models.push(Arc::new(model));
        }
        Ok(registry)
    }

    pub fn models(&self) -> &[Arc<Model>] {
        &self.models
    }

    /// The model an id or alias names; falls back to a case-insensitive match
    /// (Hugging Face repo ids are often written in varying case).
    pub fn get(&self, id: &str) -> Option<&Arc<Model>> {
        self.by_id
            .get(id)
            .or_else(|| self.by_lowercase_id.get(&id.to_lowercase()))
            .map(|&i| &self.models[i])
    }

    /// Every id and alias, each with its model.
    pub fn names(&self) -> impl Iterator<Item = (&str, &Arc<Model>)> {
        self.by_id
            .iter()
            .map(|(name, &i)| (name.as_str(), &self.models[i]))
    }

    /// Known ids closest to an unknown one, best first (canonical ids, no repeats).
    pub fn suggest(&self, unknown: &str, limit: usize) -> Vec<String> {
        suggest_from(
            self.names().map(|(name, model)| (name, model.id.as_str())),
            unknown,
            limit,
        )
    }
}

/// Ranks `(name, canonical id)` pairs by similarity to `unknown`.
pub fn suggest_from<'a>(
    names: impl Iterator<Item = (&'a str, &'a str)>,
    unknown: &str,
    limit: usize,
) -> Vec<String> {
    let needle = unknown.to_lowercase();
    let mut scored: Vec<(f64, &str, &str)> = names
        .filter_map(|(name, canonical)| {
            let hay = name.to_lowercase();
            let mut score = strsim::jaro_winkler(&needle, &hay);
            if needle.len() >= 3 && (hay.starts_with(&needle) || hay.contains(&needle)) {
                score = score.max(0.9);
            }
            (score >= 0.84).then_some((score, name, canonical))
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    let mut out: Vec<String> = Vec::new();
    for (_, _, canonical) in scored {
        if !out.iter().any(|c| c == canonical) {
            out.push(canonical.to_string());
        }
        if out.len() == limit {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_registry_loads_and_resolves_aliases() {
        let registry = Registry::builtin();
        let flux = registry.get("fal-ai/flux/dev").expect("alias");
        assert_eq!(flux.id, "flux-dev");
        assert_eq!(flux.licensing.attribution, Attribution::Required);
        // Abstrakt's example says "Required" but gives no wording (issue 9).
        assert_eq!(flux.licensing.attribution_text, None);
        assert_eq!(flux.licensing.commercial, CommercialUse::Allowed);
        assert_eq!(
            registry.get("FLUX-DEV").map(|m| m.id.as_str()),
            Some("flux-dev")
        );
    }

    #[test]
    fn every_alternative_is_a_known_commercial_safe_model() {
        let registry = Registry::builtin();
        for model in registry.models() {
            for alt in &model.alternatives {
                let target = registry
                    .get(alt)
                    .unwrap_or_else(|| panic!("{}: unknown alternative {alt}", model.id));
                assert_eq!(target.licensing.commercial, CommercialUse::Allowed, "{alt}");
                assert_eq!(
                    target.licensing.attribution,
                    Attribution::NotRequired,
                    "{alt}"
                );
            }
        }
    }

    #[test]
    fn suggestions_rank_close_ids_first() {
        let registry = Registry::builtin();
        assert_eq!(
            registry.suggest("flux-devv", 3).first().map(String::as_str),
            Some("flux-dev")
        );
        assert!(registry.suggest("zzzzzz", 3).is_empty());
    }

    #[test]
    fn duplicate_ids_are_rejected() {
        let flux = Registry::builtin()
            .get("flux-dev")
            .expect("flux-dev")
            .as_ref()
            .clone();
        let mut twin = Registry::builtin()
            .get("flux-schnell")
            .expect("flux-schnell")
            .as_ref()
            .clone();
        twin.aliases.push("fal-ai/flux/dev".into());
        let error = Registry::from_models(vec![flux, twin]).expect_err("duplicate alias");
        assert_eq!(
            error.to_string(),
            "model id `fal-ai/flux/dev` appears twice"
        );
    }
}
