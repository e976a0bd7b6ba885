//! Family patterns, suggestions, credits and evidence against fixture
//! registries (inline TOML), so the tests do not move with `data/models.toml`;
//! built-in entries only where their facts are stable ("Built with Llama").

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use abstrakt_lsp::attribution::AttributionIndex;
use abstrakt_lsp::extract::{ExtractOptions, extract};
use abstrakt_lsp::fixes::attribution_fix;
use abstrakt_lsp::hover::{Format, card, unknown_card};
use abstrakt_lsp::licensing::{Credit, Registry};
use abstrakt_lsp::registry::{Lookup, Match, Resolver, Source, shown_id};
use abstrakt_lsp::rules::{IntendedUse, RuleSettings, check};
use abstrakt_lsp::syntax::{Language, parse};

/// One fixture entry; `extra` holds the keys that differ between entries.
fn entry(id: &str, name: &str, extra: &str) -> String {
    format!(
        r#"
[[model]]
id = "{id}"
name = "{name}"
vendor = "Black Forest Labs"
modality = "image"
category = "open-weights-restricted"
restrictions = []
territories-excluded = []
alternatives = []
confidence = "high"
unverified = []
sources = ["https://example.org/{id}"]
verified = "2026-11-29"
notes = ""
{extra}
"#
    )
}

const FLUX_DEV: &str = r#"aliases = ["fal-ai/flux/dev"]
patterns = ["fal-ai/flux/dev/*", "fal-ai/flux-lora*"]
license = "FLUX.1-dev"
license-url = "https://huggingface.co/black-forest-labs/FLUX.1-dev/blob/main/LICENSE.md"
commercial = "allowed"
attribution = "required"

[[model.evidence]]
about = "commercial"
quote = "You may use Output for any purpose (including for commercial purposes), except as expressly prohibited herein."
source = "https://huggingface.co/black-forest-labs/FLUX.1-dev/blob/main/LICENSE.md"
at = "§2(d)"

[[model.evidence]]
about = "restrictions"
quote = "You may not use the FLUX.1 [dev] Model or Derivatives or any Output, or allow others to use them, in any manner that violates applicable laws, or to create deepfakes of real people without their consent, or to harass others."
source = "https://huggingface.co/black-forest-labs/FLUX.1-dev/blob/main/LICENSE.md"

[[model.evidence]]
about = "attribution"
paraphrase = "Abstrakt's licensing example lists attribution as Required for flux-dev, without wording."
source = "https://docs.abstrakt.one/licensing"
"#;

const FLUX_SCHNELL: &str = r#"aliases = ["fal-ai/flux/schnell"]
patterns = ["fal-ai/flux/*"]
license = "Apache-2.0"
commercial = "allowed"
attribution = "not-required"
"#;

const FLUX_PRO: &str = r#"aliases = ["fal-ai/flux-pro", "fal-ai/flux-pro/v1.1"]
license = "BFL API terms"
commercial = "allowed"
attribution = "not-required"
"#;

fn fixture_toml() -> String {
    [
        entry("flux-dev", "FLUX.1 [dev]", FLUX_DEV),
        entry("flux-schnell", "FLUX.1 [schnell]", FLUX_SCHNELL),
        entry("flux-pro", "FLUX1.1 [pro]", FLUX_PRO),
    ]
    .concat()
}

fn fixture() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(|| Registry::from_toml(&fixture_toml()).expect("valid fixture"))
}

fn resolver() -> Resolver {
    Resolver::builtin().with_builtin(fixture())
}

/// (canonical id, how it matched) for `id`.
fn resolved(resolver: &Resolver, id: &str) -> Option<(String, Match)> {
    resolver
        .resolve(id)
        .map(|r| (r.model.id.clone(), r.matched))
}

#[test]
fn exact_ids_and_aliases_beat_patterns() {
    let resolver = resolver();
    assert_eq!(
        resolved(&resolver, "flux-dev"),
        Some(("flux-dev".into(), Match::Id))
    );
    // `fal-ai/flux/*` (flux-schnell) would match too: the alias wins.
    assert_eq!(
        resolved(&resolver, "fal-ai/flux/dev"),
        Some(("flux-dev".into(), Match::Alias("fal-ai/flux/dev".into())))
    );
    assert_eq!(
        resolved(&resolver, "FAL-AI/FLUX/DEV"),
        Some(("flux-dev".into(), Match::Alias("fal-ai/flux/dev".into())))
    );
}

#[test]
fn a_pattern_hit_resolves_to_its_family_and_the_longest_prefix_wins() {
    let resolver = resolver();
    assert_eq!(
        resolved(&resolver, "fal-ai/flux-lora"),
        Some((
            "flux-dev".into(),
            Match::Pattern("fal-ai/flux-lora*".into())
        ))
    );
    assert_eq!(
        resolved(&resolver, "fal-ai/flux-lora/inpainting"),
        Some((
            "flux-dev".into(),
            Match::Pattern("fal-ai/flux-lora*".into())
        ))
    );
    // `fal-ai/flux/*` (schnell) and `fal-ai/flux/dev/*` (dev) both match: the longer wins.
    assert_eq!(
        resolved(&resolver, "fal-ai/flux/dev/image-to-image"),
        Some((
            "flux-dev".into(),
            Match::Pattern("fal-ai/flux/dev/*".into())
        ))
    );
    assert_eq!(
        resolved(&resolver, "fal-ai/flux/schnell/redux"),
        Some((
            "flux-schnell".into(),
            Match::Pattern("fal-ai/flux/*".into())
        ))
    );
    // Patterns are case-sensitive, like provider endpoint ids.
    assert_eq!(resolved(&resolver, "FAL-AI/flux-lora"), None);
}

#[test]
fn a_miss_stays_unknown_with_no_other_family_suggested() {
    let resolver = resolver();
    assert_eq!(resolved(&resolver, "fal-ai/flux-krea-lora"), None);
    // Jaro-Winkler alone would offer `flux-pro` (a shared `fal-ai/flux-` prefix).
    assert_eq!(
        resolver.suggest("fal-ai/flux-krea-lora", 3),
        Vec::<String>::new()
    );
    // A typo of a provider id is still corrected (one transposition).
    assert_eq!(resolver.suggest("fal-ai/flux-rpo", 3), ["flux-pro"]);
    assert_eq!(resolver.suggest("fal-ai/flux-pro/v1.2", 3), ["flux-pro"]);
    // Bare names keep the similarity ranking.
    assert_eq!(
        resolver.suggest("flux-devv", 3).first().map(String::as_str),
        Some("flux-dev")
    );

    let source = "abstrakt.run('fal-ai/flux-krea-lora');";
    let tree = parse(Language::JavaScript, source);
    let uses = extract(&tree, source, &ExtractOptions::default());
    let findings = check(&uses, &resolver, &RuleSettings::default());
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0].code.as_str(), "unknown-model");
    assert_eq!(
        findings[0].message,
        "Unknown model `fal-ai/flux-krea-lora`: no licensing information is known for it"
    );
}

#[test]
fn built_in_suggestions_for_provider_paths_stay_in_the_family() {
    // Before: "did you mean `flux-pro`" for a FLUX.1 [dev] LoRA endpoint.
    let suggestions = Registry::builtin().suggest("fal-ai/flux-lora-xyz", 3);
    assert!(
        !suggestions.iter().any(|s| s.starts_with("flux-pro")),
        "{suggestions:?}"
    );
    assert_eq!(
        Registry::builtin()
            .suggest("fal-ai/flux/shcnell", 3)
            .first()
            .map(String::as_str),
        Some("flux-schnell")
    );
}

#[test]
fn the_same_prefix_on_two_models_is_rejected() {
    let toml = [
        entry("flux-dev", "FLUX.1 [dev]", FLUX_DEV),
        entry(
            "flux-krea",
            "FLUX.1 Krea [dev]",
            "aliases = []\npatterns = [\"fal-ai/flux-lora*\"]\nlicense = \"FLUX.1-dev\"\ncommercial = \"allowed\"\nattribution = \"required\"\n",
        ),
    ]
    .concat();
    let error = Registry::from_toml(&toml).expect_err("duplicate prefix");
    assert_eq!(
        error.to_string(),
        "pattern `fal-ai/flux-lora*` is declared by both `flux-dev` and `flux-krea`"
    );
    for bad in ["fal-ai/*/dev*", "fal-ai/flux-lora", "*"] {
        let toml = entry(
            "m",
            "M",
            &format!(
                "aliases = []\npatterns = [\"{bad}\"]\nlicense = \"X\"\ncommercial = \"allowed\"\nattribution = \"not-required\"\n"
            ),
        );
        let error = Registry::from_toml(&toml).expect_err(bad);
        assert_eq!(
            error.to_string(),
            format!("m: pattern `{bad}` must be a literal prefix followed by one trailing `*`")
        );
    }
}

/// A project model declaring a family pattern.
fn project() -> Arc<Registry> {
    let toml = entry(
        "acme-image",
        "Acme Image",
        "aliases = []\npatterns = [\"acme/*\", \"fal-ai/flux/*\"]\nlicense = \"Acme-EULA\"\ncommercial = \"allowed\"\nattribution = \"not-required\"\n",
    );
    Arc::new(Registry::from_toml(&toml).expect("valid"))
}

#[test]
fn project_patterns_answer_before_built_in_patterns_but_after_exact_ids() {
    let resolver = resolver().with_project(project(), PathBuf::from("abstrakt.toml"));
    let answer = resolver.resolve("acme/v2").expect("project pattern");
    assert_eq!(answer.model.id, "acme-image");
    assert_eq!(
        answer.source,
        Source::Project {
            file: PathBuf::from("abstrakt.toml")
        }
    );
    assert_eq!(answer.pattern(), Some("acme/*"));
    // The project's `fal-ai/flux/*` beats the built-in `fal-ai/flux/*`-family guess...
    assert_eq!(
        resolved(&resolver, "fal-ai/flux/schnell/redux").map(|r| r.0),
        Some("acme-image".into())
    );
    // ...but never an id a built-in entry names exactly.
    let exact = resolver.resolve("fal-ai/flux/dev").expect("alias");
    assert_eq!(
        (exact.model.id.as_str(), exact.source),
        ("flux-dev", Source::BuiltIn)
    );
}

fn at_noon() -> jiff::Timestamp {
    "2026-11-29T12:00:00Z".parse().expect("timestamp")
}

#[test]
fn the_card_shows_the_pattern_the_credit_suggestion_and_the_evidence() {
    let resolved = resolver().resolve("fal-ai/flux-lora").expect("pattern");
    insta::assert_snapshot!(card(
        "fal-ai/flux-lora",
        &resolved,
        IntendedUse::Commercial,
        Format::Markdown,
        at_noon()
    ));
    let plain = card(
        "fal-ai/flux-lora",
        &resolved,
        IntendedUse::Commercial,
        Format::PlainText,
        at_noon(),
    );
    assert!(
        plain.contains("Matched by family pattern fal-ai/flux-lora*"),
        "{plain}"
    );
    assert!(
        plain.contains("Attribution: Required — the source gives no wording\nSuggested credit: \"FLUX.1 [dev] by Black Forest Labs\" (our suggestion, not wording from the licence)\n"),
        "{plain}"
    );
    // A long quote is cut to 160 characters on the card.
    assert!(
        plain.contains("- Restrictions: \"You may not use the FLUX.1 [dev] Model or Derivatives or any Output, or allow others to use them, in any manner that violates applicable laws, or to create dee…\" — source <https://"),
        "{plain}"
    );
    assert!(
        plain.contains("- Commercial use: \"You may use Output for any purpose (including for commercial purposes), except as expressly prohibited herein.\" — source, §2(d) <https://huggingface.co/"),
        "{plain}"
    );
    assert!(
        plain.contains("- Attribution: Abstrakt's licensing example lists attribution as Required for flux-dev, without wording. (paraphrase) — source <https://docs.abstrakt.one/licensing>"),
        "{plain}"
    );
}

#[test]
fn one_credit_for_card_diagnostic_quick_fix_and_attribution_index() {
    let resolver = resolver();
    let model = resolver.resolve("flux-dev").expect("flux-dev").model;
    assert_eq!(
        model.credit(),
        Some(Credit {
            text: "FLUX.1 [dev] by Black Forest Labs".into(),
            prescribed: false,
            origin: None,
        })
    );

    let source = "abstrakt.run('fal-ai/flux-lora', { prompt });";
    let tree = parse(Language::JavaScript, source);
    let uses = extract(&tree, source, &ExtractOptions::default());
    let findings = check(&uses, &resolver, &RuleSettings::default());
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(
        findings[0].message,
        "fal-ai/flux-lora (matched by family pattern `fal-ai/flux-lora*`) requires attribution (FLUX.1-dev), but the source gives no wording: credit the model near the output, e.g. \"FLUX.1 [dev] by Black Forest Labs\" (suggested credit)"
    );
    assert_eq!(
        findings[0].matched_pattern.as_deref(),
        Some("fal-ai/flux-lora*")
    );

    let fix = attribution_fix(&model).expect("attribution required");
    assert_eq!(
        fix.comment,
        "Attribution required; the source gives no wording. Suggested credit: \"FLUX.1 [dev] by Black Forest Labs\""
    );
    assert_eq!(
        fix.title,
        "Show the suggested credit \"FLUX.1 [dev] by Black Forest Labs\" in the rendered component"
    );
    assert_eq!(
        fix.markup,
        "<small>FLUX.1 [dev] by Black Forest Labs</small>"
    );

    let dir = tempfile::tempdir().expect("tempdir");
    let footer = dir.path().join("Footer.tsx");
    std::fs::write(
        &footer,
        "export const F = () => <small>FLUX.1 [dev] by\n  Black Forest Labs</small>;\n",
    )
    .expect("write");
    let mut index = AttributionIndex::build(&[dir.path().to_path_buf()]);
    assert_eq!(index.find_credit(&model).map(|f| f.path), Some(footer));
}

#[test]
fn prescribed_wording_is_shown_as_such() {
    let resolver = Resolver::builtin();
    let llama = resolver.resolve("llama-3.1-8b").expect("built in").model;
    assert_eq!(
        llama.credit(),
        Some(Credit {
            text: "Built with Llama".into(),
            prescribed: true,
            origin: None,
        })
    );
    let fix = attribution_fix(&llama).expect("required");
    assert_eq!(
        fix.comment,
        "Attribution required: show \"Built with Llama\""
    );
    assert_eq!(
        fix.title,
        "Show \"Built with Llama\" in the rendered component"
    );
    let card = card(
        "llama-3.1-8b",
        &resolver.resolve("llama-3.1-8b").expect("built in"),
        IntendedUse::Commercial,
        Format::PlainText,
        at_noon(),
    );
    assert!(
        card.contains("Attribution: Required: show \"Built with Llama\"\n"),
        "{card}"
    );
    assert!(!card.contains("Suggested credit"), "{card}");
}

#[test]
fn long_ids_are_cut_and_not_fuzzy_matched() {
    let long = format!("fal-ai/flux-devv{}", "x".repeat(300));
    assert_eq!(Registry::builtin().suggest(&long, 3), Vec::<String>::new());
    let shown = shown_id(&long);
    assert_eq!(shown.chars().count(), 120);
    assert!(shown.ends_with("xx…"), "{shown}");
    assert_eq!(shown_id("flux-dev"), "flux-dev");
    let exactly = "é".repeat(120);
    assert_eq!(shown_id(&exactly), exactly);

    let source = format!("abstrakt.run('{long}');");
    let tree = parse(Language::JavaScript, &source);
    let uses = extract(&tree, &source, &ExtractOptions::default());
    let findings = check(&uses, &resolver(), &RuleSettings::default());
    assert_eq!(findings.len(), 1);
    assert_eq!(
        findings[0].message,
        format!("Unknown model `{shown}`: no licensing information is known for it")
    );
    assert_eq!(findings[0].model_id.as_deref(), Some(shown.as_ref()));
    let card = unknown_card(&long, &[], Format::PlainText);
    assert!(
        card.starts_with(&format!("Unknown model {shown}\n")),
        "{card}"
    );
}
