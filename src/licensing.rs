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

impl Confidence {
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::High => "high",
            Confidence::Medium => "medium",
            Confidence::Low => "low",
            Confidence::Unverified => "unverified",
        }
    }
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
    /// Who gives `attribution_text` when it is not the licence's own wording, shown
    /// beside it (for flux-dev: "Abstrakt's example wording, not licence text").
    pub attribution_text_origin: Option<String>,
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

impl EvidenceAbout {
    /// The card's name for the fact this evidence decides.
    pub fn label(self) -> &'static str {
        match self {
            EvidenceAbout::License => "License",
            EvidenceAbout::Commercial => "Commercial use",
            EvidenceAbout::Attribution => "Attribution",
            EvidenceAbout::Restrictions => "Restrictions",
            EvidenceAbout::Territories => "Territories",
        }
    }
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

/// The credit line to show where a model's outputs appear.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Credit {
    pub text: String,
    /// `true`: the wording a named source gives (`attribution-text`);
    /// `false`: our suggestion "<name> by <vendor>", because the source
    /// requires attribution but gives no wording.
    pub prescribed: bool,
    /// Where given wording comes from when it is not the licence's own text
    /// (an example in the provider's guide), shown beside it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
}

impl Model {
    /// The credit to show when attribution is required (`None` otherwise). The
    /// one place that words it, so the card, the diagnostic, the quick fix and
    /// the attribution index agree.
    pub fn credit(&self) -> Option<Credit> {
        if self.licensing.attribution != Attribution::Required {
            return None;
        }
        Some(match &self.licensing.attribution_text {
            Some(text) => Credit {
                text: text.clone(),
                prescribed: true,
                origin: self.licensing.attribution_text_origin.clone(),
            },
            None => Credit {
                text: match self.vendor.as_deref().map(str::trim) {
                    Some(vendor) if !vendor.is_empty() => format!("{} by {vendor}", self.name),
                    _ => self.name.clone(),
                },
                prescribed: false,
                origin: None,
            },
        })
    }
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
    attribution_text_origin: Option<String>,
    restrictions: Vec<String>,
    territories_excluded: Vec<String>,
    alternatives: Vec<String>,
    confidence: Confidence,
    unverified: Vec<String>,
    sources: Vec<String>,
    license_date: Option<String>,
    verified: String,
    /// The source that decides this entry's answer over its licence text; checked by
    /// `data/check.py`, not shown (the evidence it cites is).
    #[serde(rename = "override")]
    _override: Option<String>,
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
                attribution_text_origin: raw.attribution_text_origin,
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

/// How an id found its model; a pattern match is shown on every face.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Match {
    /// The model's own id (also case-insensitively).
    Id,
    /// One of the model's aliases, as the registry spells it.
    Alias(String),
    /// A family pattern (`fal-ai/flux-lora*`): the id itself is not listed.
    Pattern(String),
}

impl Match {
    /// The family pattern, for a pattern match.
    pub fn pattern(&self) -> Option<&str> {
        match self {
            Match::Pattern(pattern) => Some(pattern),
            Match::Id | Match::Alias(_) => None,
        }
    }

    /// `id`, `alias` or `pattern` (JSON outputs).
    pub fn kind(&self) -> &'static str {
        match self {
            Match::Id => "id",
            Match::Alias(_) => "alias",
            Match::Pattern(_) => "pattern",
        }
    }
}

/// A family pattern: the literal prefix before its one trailing `*`.
#[derive(Debug)]
struct Pattern {
    prefix: String,
    pattern: String,
    model: usize,
}

/// The prefix of a well-formed pattern (`prefix*`, no other `*`, non-empty).
fn pattern_prefix(pattern: &str) -> Option<&str> {
    let prefix = pattern.strip_suffix('*')?;
    (!prefix.is_empty() && !prefix.contains('*') && prefix.trim() == prefix).then_some(prefix)
}

/// A set of models addressable by id, alias or family pattern.
#[derive(Debug, Default)]
pub struct Registry {
    models: Vec<Arc<Model>>,
    /// Every id and alias (with the name as written, to tell id from alias).
    by_id: HashMap<String, usize>,
    by_lowercase_id: HashMap<String, (usize, String)>,
    /// Longest prefix first, so the first hit is the most specific family.
    patterns: Vec<Pattern>,
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

    /// Builds the id/alias/pattern index; ids and aliases must be unique, and
    /// no two patterns may share a prefix (which family would it be?).
    pub fn from_models(models: Vec<Model>) -> Result<Registry, RegistryError> {
        let mut registry = Registry::default();
        let mut prefixes: HashMap<String, String> = HashMap::new();
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
                    .or_insert((index, name.clone()));
            }
            for pattern in &model.patterns {
                let Some(prefix) = pattern_prefix(pattern) else {
                    return Err(RegistryError::Invalid(format!(
                        "{}: pattern `{pattern}` must be a literal prefix followed by one trailing `*`",
                        model.id
                    )));
                };
                if let Some(other) = prefixes.insert(prefix.to_string(), model.id.clone()) {
                    return Err(RegistryError::Invalid(format!(
                        "pattern `{pattern}` is declared by both `{other}` and `{}`",
                        model.id
                    )));
                }
                registry.patterns.push(Pattern {
                    prefix: prefix.to_string(),
                    pattern: pattern.clone(),
                    model: index,
                });
            }
            registry.models.push(Arc::new(model));
        }
        registry.patterns.sort_by(|a, b| {
            b.prefix
                .len()
                .cmp(&a.prefix.len())
                .then(a.prefix.cmp(&b.prefix))
        });
        Ok(registry)
    }

    pub fn models(&self) -> &[Arc<Model>] {
        &self.models
    }

    /// The model an id or alias names; falls back to a case-insensitive match
    /// (Hugging Face repo ids are often written in varying case). Patterns are
    /// not consulted: see [`Registry::find_exact`] and [`Registry::find_pattern`].
    pub fn get(&self, id: &str) -> Option<&Arc<Model>> {
        self.find_exact(id).map(|(model, _)| model)
    }

    /// Exact id ▸ alias ▸ case-insensitive id or alias, with how it matched.
    pub fn find_exact(&self, id: &str) -> Option<(&Arc<Model>, Match)> {
        let (index, name) = match self.by_id.get_key_value(id) {
            Some((name, &index)) => (index, name.as_str()),
            None => {
                let (index, name) = self.by_lowercase_id.get(&id.to_lowercase())?;
                (*index, name.as_str())
            }
        };
        let model = &self.models[index];
        let matched = if name == model.id {
            Match::Id
        } else {
            Match::Alias(name.to_string())
        };
        Some((model, matched))
    }

    /// The model whose family pattern has the longest prefix of `id`
    /// (case-sensitive, as provider endpoint ids are).
    pub fn find_pattern(&self, id: &str) -> Option<(&Arc<Model>, Match)> {
        self.patterns
            .iter()
            .find(|p| id.starts_with(&p.prefix))
            .map(|p| (&self.models[p.model], Match::Pattern(p.pattern.clone())))
    }

    /// Exact matches first, then the longest family pattern.
    pub fn find(&self, id: &str) -> Option<(&Arc<Model>, Match)> {
        self.find_exact(id).or_else(|| self.find_pattern(id))
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

/// Ids longer than this are not fuzzy-matched: no real model id is that long,
/// and similarity costs grow with the product of the lengths.
pub const MAX_FUZZY_ID_LEN: usize = 256;

/// Ranks `(name, canonical id)` pairs by similarity to `unknown`.
///
/// For a provider-path id (one with a `/`, such as `fal-ai/flux-lora-xyz`)
/// only typo-close names qualify (at most 1 edit, 2 from 10 characters on,
/// transpositions counting as one): another endpoint under the same provider
/// is another model, often under another licence, so "did you mean
/// `fal-ai/flux-pro`" would be wrong advice. Bare names (`flux-devv`) are
/// ranked by Jaro-Winkler similarity, a substring counting as close.
pub fn suggest_from<'a>(
    names: impl Iterator<Item = (&'a str, &'a str)>,
    unknown: &str,
    limit: usize,
) -> Vec<String> {
    if unknown.len() > MAX_FUZZY_ID_LEN || limit == 0 {
        return Vec::new();
    }
    let needle = unknown.to_lowercase();
    let provider_path = needle.contains('/');
    let mut scored: Vec<(f64, &str, &str)> = names
        .filter_map(|(name, canonical)| {
            let hay = name.to_lowercase();
            let score = if provider_path {
                typo_score(&needle, &hay)?
            } else {
                let mut score = strsim::jaro_winkler(&needle, &hay);
                if needle.len() >= 3 && hay.contains(&needle) {
                    score = score.max(0.9);
                }
                score
            };
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

/// A similarity in `0.84..=1` when `hay` is a typo of `needle`, else `None`.
fn typo_score(needle: &str, hay: &str) -> Option<f64> {
    let needle_len = needle.chars().count();
    let hay_len = hay.chars().count();
    let allowed = if needle_len >= 10 { 2 } else { 1 };
    if needle_len.abs_diff(hay_len) > allowed {
        return None;
    }
    let edits = strsim::damerau_levenshtein(needle, hay);
    // 0.84 and up, fewer edits first, so the shared cut-off keeps every typo.
    (edits <= allowed).then_some(1.0 - 0.05 * edits as f64)
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
        // Abstrakt's guide words it in its Step 3 example, labelled as such (issue 20).
        assert_eq!(
            flux.licensing.attribution_text.as_deref(),
            Some("Image created with FLUX.1-dev")
        );
        assert_eq!(
            flux.licensing.attribution_text_origin.as_deref(),
            Some("Abstrakt's example wording, not licence text")
        );
        let llama = registry.get("llama-3.1-8b").expect("llama");
        assert_eq!(
            llama.licensing.attribution_text.as_deref(),
            Some("Built with Llama")
        );
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
