//! Rules: from model uses and their licensing to findings with stable codes
//! (docs/architecture.md, "Rules"). Pure; the server and the CLI both call
//! [`check`].

use std::collections::HashMap;
use std::fmt;
use std::ops::Range;
use std::str::FromStr;
use std::sync::Arc;

use serde::Serialize;

use crate::extract::{ModelUse, Route, Target};
use crate::licensing::{Attribution, CommercialUse, EvidenceAbout, Model};
use crate::registry::{Lookup, Resolved, shown_id};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RuleCode {
    AttributionRequired,
    NonCommercial,
    CommercialConditional,
    TerritoryRestricted,
    LicenseDenied,
    UnknownModel,
    DynamicModelId,
    LicenseChanged,
    AttributionFileStale,
    UnusedException,
    ReviewDue,
    GenerationNotLogged,
}

impl RuleCode {
    pub const ALL: [RuleCode; 12] = [
        RuleCode::AttributionRequired,
        RuleCode::NonCommercial,
        RuleCode::CommercialConditional,
        RuleCode::TerritoryRestricted,
        RuleCode::LicenseDenied,
        RuleCode::UnknownModel,
        RuleCode::DynamicModelId,
        RuleCode::LicenseChanged,
        RuleCode::AttributionFileStale,
        RuleCode::UnusedException,
        RuleCode::ReviewDue,
        RuleCode::GenerationNotLogged,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RuleCode::AttributionRequired => "attribution-required",
            RuleCode::NonCommercial => "non-commercial",
            RuleCode::CommercialConditional => "commercial-conditional",
            RuleCode::TerritoryRestricted => "territory-restricted",
            RuleCode::LicenseDenied => "license-denied",
            RuleCode::UnknownModel => "unknown-model",
            RuleCode::DynamicModelId => "dynamic-model-id",
            RuleCode::LicenseChanged => "license-changed",
            RuleCode::AttributionFileStale => "attribution-file-stale",
            RuleCode::UnusedException => "unused-exception",
            RuleCode::ReviewDue => "review-due",
            RuleCode::GenerationNotLogged => "generation-not-logged",
        }
    }

    /// One line on what the rule checks (rule tables, SARIF, `--help`).
    pub fn summary(self) -> &'static str {
        match self {
            RuleCode::AttributionRequired => "The model's license requires visible attribution",
            RuleCode::NonCommercial => "The model may not be used commercially",
            RuleCode::CommercialConditional => "Commercial use is allowed only under a condition",
            RuleCode::TerritoryRestricted => "The license excludes some territories",
            RuleCode::LicenseDenied => "The project's policy denies this license or model",
            RuleCode::UnknownModel => "The model id is not known to any licensing source",
            RuleCode::DynamicModelId => "The model id is not statically known",
            RuleCode::LicenseChanged => "Licensing differs from what the project last acknowledged",
            RuleCode::AttributionFileStale => {
                "The committed attribution file no longer matches the models the code uses"
            }
            RuleCode::UnusedException => {
                "An abstrakt.toml exception matched no finding in the run, or has expired"
            }
            RuleCode::ReviewDue => "The model's licensing review is older than review-every",
            RuleCode::GenerationNotLogged => {
                "A model call's result is not passed to the [compliance] log function (off by default)"
            }
        }
    }

    /// Severity when neither the project nor the intended use says otherwise.
    pub fn default_severity(self) -> Severity {
        match self {
            RuleCode::AttributionRequired
            | RuleCode::CommercialConditional
            | RuleCode::TerritoryRestricted
            | RuleCode::UnknownModel
            | RuleCode::LicenseChanged
            | RuleCode::AttributionFileStale
            | RuleCode::ReviewDue
            | RuleCode::GenerationNotLogged => Severity::Warning,
            RuleCode::NonCommercial | RuleCode::LicenseDenied => Severity::Error,
            RuleCode::DynamicModelId => Severity::Hint,
            RuleCode::UnusedException => Severity::Info,
        }
    }
}

impl fmt::Display for RuleCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for RuleCode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        RuleCode::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| format!("unknown rule `{s}`"))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Hint,
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
            Severity::Hint => "hint",
        }
    }
}

impl FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "error" => Ok(Severity::Error),
            "warning" => Ok(Severity::Warning),
            "info" | "information" => Ok(Severity::Info),
            "hint" => Ok(Severity::Hint),
            _ => Err(format!(
                "unknown severity `{s}` (expected error, warning, info, hint or off)"
            )),
        }
    }
}

/// How the project uses model outputs; decides how serious non-commercial licenses are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum IntendedUse {
    #[default]
    Commercial,
    Personal,
    Research,
}

impl IntendedUse {
    pub fn as_str(self) -> &'static str {
        match self {
            IntendedUse::Commercial => "commercial",
            IntendedUse::Personal => "personal",
            IntendedUse::Research => "research",
        }
    }
}

impl FromStr for IntendedUse {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "commercial" => Ok(IntendedUse::Commercial),
            "personal" => Ok(IntendedUse::Personal),
            "research" => Ok(IntendedUse::Research),
            _ => Err(format!(
                "unknown intended use `{s}` (expected commercial, personal or research)"
            )),
        }
    }
}

/// Project-level knobs the rules read.
#[derive(Debug, Clone, Default)]
pub struct RuleSettings {
    pub intended_use: IntendedUse,
    /// Per-rule severity; `None` turns the rule off.
    pub severities: HashMap<RuleCode, Option<Severity>>,
}

impl RuleSettings {
    /// The severity a rule reports at, `None` when turned off.
    pub fn severity(&self, code: RuleCode, natural: Severity) -> Option<Severity> {
        match self.severities.get(&code) {
            Some(configured) => *configured,
            None => Some(natural),
        }
    }
}

/// One problem at one place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    pub code: RuleCode,
    pub severity: Severity,
    /// Byte range in the file.
    #[serde(skip)]
    pub range: Range<usize>,
    pub message: String,
    /// The id as written, when statically known (cut with "…" past
    /// [`crate::registry::MAX_SHOWN_ID_CHARS`] characters).
    pub model_id: Option<String>,
    /// The canonical id it resolved to.
    pub canonical_id: Option<String>,
    pub license: Option<String>,
    /// Replacement ids: "did you mean" for unknown ids, safe alternatives otherwise.
    pub suggestions: Vec<String>,
    /// The family pattern the id matched (`fal-ai/flux-lora*`), when it is not listed itself.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub matched_pattern: Option<String>,
    /// The route the call takes (left out for the Abstrakt API route).
    #[serde(skip_serializing_if = "Route::is_abstrakt")]
    pub route: Route,
}

/// Applies every rule to every model use.
pub fn check(uses: &[ModelUse], lookup: &impl Lookup, settings: &RuleSettings) -> Vec<Finding> {
    let mut findings = Vec::new();
    for model_use in uses {
        for target in &model_use.targets {
            check_target(target, model_use.route(), lookup, settings, &mut findings);
        }
    }
    findings
}

/// Resolves an id written on a route: the provider's namespace first
/// (`replicate:owner/model` without its `:version`, `openai:dall-e-3`), then
/// the id itself.
///
/// The registry's terms are those of the Abstrakt API route. On another
/// route a sourced route term (`data/providers.toml`: the FLUX.1 [dev]
/// weights are non-commercial) replaces the commercial answer, with its
/// words as evidence; without one, the answer says that the route's terms
/// are unverified.
pub fn resolve_on(lookup: &impl Lookup, route: Route, id: &str) -> Option<Resolved> {
    let mut resolved = route
        .resolution_ids(id)
        .iter()
        .find_map(|candidate| lookup.resolve(candidate))?;
    resolved.model = model_on(&resolved.model, route);
    Some(resolved)
}

/// A registry model as it binds on `route` (see [`resolve_on`]): itself on
/// the Abstrakt route; elsewhere with the route's sourced term, or with the
/// route's terms listed as unverified.
pub fn model_on(model: &Arc<Model>, route: Route) -> Arc<Model> {
    if route.is_abstrakt() {
        return model.clone();
    }
    let mut model = (**model).clone();
    let licensing = &mut model.licensing;
    // A route term applies only with its words: the registry's evidence at
    // the place the term names.
    let sourced = crate::extract::providers::route_terms(&model.id, route).and_then(|terms| {
        licensing
            .evidence
            .iter()
            .find(|e| {
                e.about == EvidenceAbout::Commercial && e.at.as_deref() == Some(&terms.evidence)
            })
            .cloned()
            .map(|evidence| (terms, evidence))
    });
    match sourced {
        Some((terms, evidence)) => {
            licensing.commercial = terms.commercial;
            licensing.commercial_condition = Some(format!(
                "on the {} route: \"{}\" ({}, {})",
                route.label(),
                evidence.text,
                evidence.source,
                terms.evidence
            ));
        }
        None => licensing.unverified.push(format!(
            "the terms on the {} route: the registry's answer is for the Abstrakt API route",
            route.label()
        )),
    }
    Arc::new(model)
}

/// "Did you mean" ids for an unknown id on a route, spelled as that route
/// spells them so a quick fix stays a valid call: the Abstrakt catalogue's
/// ids on the Abstrakt route; on a provider route only the registry's aliases
/// in that provider's namespace (`openai:`, `replicate:`, `fal-ai/`), or a
/// Hugging Face repository of the same owner: never another vendor's model.
pub fn suggest_on(lookup: &impl Lookup, route: Route, id: &str, limit: usize) -> Vec<String> {
    if route.is_abstrakt() {
        return lookup.suggest(id, limit);
    }
    let model_id = match route {
        Route::Replicate => crate::extract::providers::replicate_model(id),
        _ => id,
    };
    let needle = match route.namespace() {
        Some(namespace) => format!("{namespace}{model_id}"),
        None => model_id.to_string(),
    };
    let same_owner = owner(model_id);
    let mut out: Vec<String> = Vec::new();
    for canonical in lookup.suggest(&needle, limit.saturating_mul(3)) {
        let found = spell_on(lookup, route, &canonical)
            .into_iter()
            .find(|name| {
                // A repository id (weights, Hugging Face) stays with its owner.
                route.namespace().is_some() || route == Route::Fal || owner(name) == same_owner
            });
        if let Some(found) = found
            && !out.contains(&found)
            && found != model_id
        {
            out.push(found);
        }
        if out.len() == limit {
            break;
        }
    }
    out
}

/// The owner part of a repository id (`black-forest-labs` in
/// `black-forest-labs/FLUX.1-dev`), lowercased.
fn owner(name: &str) -> Option<String> {
    name.split_once('/')
        .map(|(owner, _)| owner.to_ascii_lowercase())
}

/// How a route spells a registry model, if the registry knows a spelling:
/// its alias in the provider's namespace without the prefix (`openai:` ,
/// `replicate:`), a `fal-ai/` endpoint, or a Hugging Face repository id.
fn spell_on(lookup: &impl Lookup, route: Route, canonical: &str) -> Vec<String> {
    let Some(resolved) = lookup.resolve(canonical) else {
        return Vec::new();
    };
    std::iter::once(&resolved.model.id)
        .chain(&resolved.model.aliases)
        .filter_map(|name| route.spelling(name).map(str::to_string))
        .collect()
}

/// Alternatives spelled as the call's route spells them (a quick fix puts
/// them in the code); one the route has no spelling for is left out.
pub(crate) fn alternatives_on(
    lookup: &impl Lookup,
    route: Route,
    alternatives: &[String],
) -> Vec<String> {
    if route.is_abstrakt() {
        return alternatives.to_vec();
    }
    alternatives
        .iter()
        .filter_map(|alternative| spell_on(lookup, route, alternative).into_iter().next())
        .collect()
}

fn check_target(
    target: &Target,
    route: Route,
    lookup: &impl Lookup,
    settings: &RuleSettings,
    out: &mut Vec<Finding>,
) {
    match target {
        Target::Dynamic { range, expression } => {
            if let Some(severity) = settings.severity(RuleCode::DynamicModelId, Severity::Hint) {
                out.push(Finding {
                    code: RuleCode::DynamicModelId,
                    severity,
                    range: range.clone(),
                    message: format!(
                        "Model id `{}` is not known until run time: its licensing cannot be checked (use a string literal or a constant)",
                        one_line(expression)
                    ),
                    model_id: None,
                    canonical_id: None,
                    license: None,
                    suggestions: Vec::new(),
                    matched_pattern: None,
                    route,
                });
            }
        }
        Target::Static { id, range } => match resolve_on(lookup, route, id) {
            Some(resolved) => {
                let alternatives = alternatives_on(lookup, route, &resolved.model.alternatives);
                check_known(id, range, route, &resolved, &alternatives, settings, out)
            }
            None => {
                if let Some(severity) = settings.severity(RuleCode::UnknownModel, Severity::Warning)
                {
                    let suggestions = suggest_on(lookup, route, id, 3);
                    let hint = match suggestions.as_slice() {
                        [] => String::new(),
                        [one] => format!("; did you mean `{one}`?"),
                        many => format!(
                            "; did you mean {}?",
                            many.iter()
                                .map(|s| format!("`{s}`"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    };
                    out.push(Finding {
                        code: RuleCode::UnknownModel,
                        severity,
                        range: range.clone(),
                        message: if route.is_abstrakt() {
                            format!(
                                "Unknown model `{}`: no licensing information is known for it{hint}",
                                shown_id(id)
                            )
                        } else {
                            format!(
                                "Unknown model `{}` ({}): no licensing information is known for it; {}{hint}",
                                shown_id(id),
                                route.label(),
                                if route == Route::Weights {
                                    "the weights' licence is unverified"
                                } else {
                                    "the model's licence and the provider's terms are unverified"
                                }
                            )
                        },
                        model_id: Some(shown_id(id).into_owned()),
                        canonical_id: None,
                        license: None,
                        suggestions,
                        matched_pattern: None,
                        route,
                    });
                }
            }
        },
    }
}

fn check_known(
    id: &str,
    range: &Range<usize>,
    route: Route,
    resolved: &Resolved,
    alternatives: &[String],
    settings: &RuleSettings,
    out: &mut Vec<Finding>,
) {
    let known = Known {
        subject: subject(id, route, resolved),
        model: &resolved.model,
        alternatives,
        settings,
    };
    let found = [
        attribution_required(&known),
        non_commercial(&known),
        commercial_conditional(&known),
        territory_restricted(&known),
    ];
    for (code, severity, message, suggestions) in found.into_iter().flatten() {
        out.push(Finding {
            code,
            severity,
            range: range.clone(),
            message,
            model_id: Some(shown_id(id).into_owned()),
            canonical_id: Some(resolved.model.id.clone()),
            license: Some(resolved.model.licensing.license.clone()),
            suggestions,
            matched_pattern: resolved.pattern().map(str::to_string),
            route,
        });
    }
}

/// One known id being checked: what the licence rules read.
struct Known<'a> {
    /// The subject of every message (see [`subject`]).
    subject: String,
    model: &'a Model,
    /// Commercial-safe alternatives, spelled for the call's route.
    alternatives: &'a [String],
    settings: &'a RuleSettings,
}

/// A finding a licence rule makes: code, severity, message, suggestions.
type Made = Option<(RuleCode, Severity, String, Vec<String>)>;

/// The id, the family it was matched to, and the route when it is not the
/// Abstrakt API.
fn subject(id: &str, route: Route, resolved: &Resolved) -> String {
    let mut subject = match resolved.pattern() {
        Some(pattern) => format!("{} (matched by family pattern `{pattern}`)", shown_id(id)),
        None => shown_id(id).into_owned(),
    };
    if !route.is_abstrakt() {
        subject = format!("{subject} ({})", route.label());
    }
    subject
}

fn attribution_required(known: &Known<'_>) -> Made {
    let licensing = &known.model.licensing;
    if licensing.attribution != Attribution::Required {
        return None;
    }
    let severity = known
        .settings
        .severity(RuleCode::AttributionRequired, Severity::Warning)?;
    let id = &known.subject;
    let message = match known.model.credit() {
        Some(credit) if credit.prescribed => format!(
            "{id} requires attribution: show \"{}\" near the output{}",
            credit.text,
            credit
                .origin
                .as_ref()
                .map_or_else(String::new, |origin| format!(" ({origin})"))
        ),
        Some(credit) => format!(
            "{id} requires attribution ({}), but the source gives no wording: credit the model near the output, e.g. \"{}\" (suggested credit)",
            licensing.license, credit.text
        ),
        None => format!("{id} requires attribution ({})", licensing.license),
    };
    Some((RuleCode::AttributionRequired, severity, message, Vec::new()))
}

fn non_commercial(known: &Known<'_>) -> Made {
    let licensing = &known.model.licensing;
    if licensing.commercial != CommercialUse::NotAllowed {
        return None;
    }
    let commercial = known.settings.intended_use == IntendedUse::Commercial;
    let natural = if commercial {
        Severity::Error
    } else {
        Severity::Info
    };
    let severity = known.settings.severity(RuleCode::NonCommercial, natural)?;
    let id = &known.subject;
    let message = if commercial {
        let alternative_hint = match known.alternatives.first() {
            Some(alt) => format!(" such as `{alt}`"),
            None => String::new(),
        };
        format!(
            "{id} is licensed for non-commercial use only ({}): use a commercial-safe model{alternative_hint}, or set intended-use if this project is not commercial",
            licensing.license
        )
    } else {
        format!(
            "{id} is licensed for non-commercial use only ({}): fine for {} use, not for a commercial product",
            licensing.license,
            known.settings.intended_use.as_str()
        )
    };
    Some((
        RuleCode::NonCommercial,
        severity,
        message,
        known.alternatives.to_vec(),
    ))
}

fn commercial_conditional(known: &Known<'_>) -> Made {
    let licensing = &known.model.licensing;
    if licensing.commercial != CommercialUse::Conditional
        || known.settings.intended_use != IntendedUse::Commercial
    {
        return None;
    }
    let severity = known
        .settings
        .severity(RuleCode::CommercialConditional, Severity::Warning)?;
    let condition = licensing
        .commercial_condition
        .as_deref()
        .unwrap_or("see the license for the condition");
    let message = format!(
        "{} allows commercial use only under a condition: {}",
        known.subject,
        one_line(condition)
    );
    Some((
        RuleCode::CommercialConditional,
        severity,
        message,
        known.alternatives.to_vec(),
    ))
}

fn territory_restricted(known: &Known<'_>) -> Made {
    let licensing = &known.model.licensing;
    if licensing.territories_excluded.is_empty() {
        return None;
    }
    let severity = known
        .settings
        .severity(RuleCode::TerritoryRestricted, Severity::Warning)?;
    let message = format!(
        "{} is not licensed for use in {}: make sure its outputs are not used or shown there",
        known.subject,
        licensing.territories_excluded.join(", ")
    );
    Some((
        RuleCode::TerritoryRestricted,
        severity,
        message,
        known.alternatives.to_vec(),
    ))
}

/// Collapses whitespace so a message stays on one line.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::{ExtractOptions, extract};
    use crate::registry::Resolver;
    use crate::syntax::{Language, parse};

    fn findings(
        source: &str,
        settings: &RuleSettings,
    ) -> Vec<(String, &'static str, Severity, String)> {
        let tree = parse(Language::JavaScript, source);
        let uses = extract(&tree, source, &ExtractOptions::default());
        check(&uses, &Resolver::builtin(), settings)
            .into_iter()
            .map(|f| {
                (
                    source[f.range.clone()].to_string(),
                    f.code.as_str(),
                    f.severity,
                    f.message,
                )
            })
            .collect()
    }

    #[test]
    fn prescribed_attribution_is_quoted() {
        assert_eq!(
            findings(
                "abstrakt.run('llama-3.1-8b', { prompt });",
                &RuleSettings::default()
            ),
            [(
                "'llama-3.1-8b'".to_string(),
                "attribution-required",
                Severity::Warning,
                "llama-3.1-8b requires attribution: show \"Built with Llama\" near the output"
                    .to_string()
            )]
        );
    }

    #[test]
    fn open_models_have_no_findings() {
        assert!(findings("abstrakt.run('flux-schnell');", &RuleSettings::default()).is_empty());
    }

    #[test]
    fn non_commercial_is_an_error_only_for_commercial_projects() {
        let commercial = findings("abstrakt.run('musicgen');", &RuleSettings::default());
        assert_eq!(commercial.len(), 1);
        assert_eq!(
            (commercial[0].1, commercial[0].2),
            ("non-commercial", Severity::Error)
        );
        let personal = RuleSettings {
            intended_use: IntendedUse::Personal,
            ..RuleSettings::default()
        };
        let found = findings("abstrakt.run('musicgen');", &personal);
        assert_eq!((found[0].1, found[0].2), ("non-commercial", Severity::Info));
    }

    #[test]
    fn the_registry_examples_hold() {
        let quiet = |id: &str| {
            findings(&format!("abstrakt.run('{id}');"), &RuleSettings::default())
                .into_iter()
                .filter(|f| f.2 >= Severity::Warning)
                .collect::<Vec<_>>()
        };
        for id in ["flux-schnell", "dall-e-3", "whisper", "fal-ai/flux/schnell"] {
            assert_eq!(quiet(id), [], "{id}");
        }
        let llama = findings("abstrakt.run('llama-3.1-8b');", &RuleSettings::default());
        assert_eq!(llama.len(), 1, "{llama:?}");
        assert_eq!(llama[0].1, "attribution-required");
        assert!(
            llama[0].3.contains("\"Built with Llama\""),
            "{}",
            llama[0].3
        );
        let stability = findings("abstrakt.run('sd3.5-large');", &RuleSettings::default());
        let codes: Vec<&str> = stability.iter().map(|f| f.1).collect();
        assert_eq!(codes, ["attribution-required", "commercial-conditional"]);
        let hunyuan = findings("abstrakt.run('hunyuanvideo');", &RuleSettings::default());
        assert!(
            hunyuan
                .iter()
                .any(|f| f.1 == "territory-restricted" && f.3.contains("European Union")),
            "{hunyuan:?}"
        );
    }

    #[test]
    fn unknown_ids_suggest_close_ones() {
        let found = findings("abstrakt.run('flux-devv');", &RuleSettings::default());
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].1, "unknown-model");
        assert!(
            found[0].3.contains("did you mean `flux-dev`"),
            "{}",
            found[0].3
        );
    }

    #[test]
    fn dynamic_ids_are_hints_and_severity_can_be_configured() {
        let found = findings("abstrakt.run(pick());", &RuleSettings::default());
        assert_eq!(
            (found[0].1, found[0].2),
            ("dynamic-model-id", Severity::Hint)
        );
        let mut settings = RuleSettings::default();
        settings.severities.insert(RuleCode::DynamicModelId, None);
        assert!(findings("abstrakt.run(pick());", &settings).is_empty());
    }
}
