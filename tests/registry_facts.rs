//! Facts of the built-in registry that an audit fixed (issue 9, `registry-audit.md` §4),
//! Abstrakt's documented ids, the declared endpoint families, and `data/check.py`.
//!
//! Each fact test fails on the value the registry had before the fix.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use abstrakt_lsp::licensing::{Attribution, CommercialUse, EvidenceAbout, Model, Registry};

fn model(id: &str) -> &'static Arc<Model> {
    Registry::builtin()
        .get(id)
        .unwrap_or_else(|| panic!("{id} is in the built-in registry"))
}

fn has_evidence(m: &Model, about: EvidenceAbout, needle: &str) -> bool {
    m.licensing
        .evidence
        .iter()
        .any(|e| e.about == about && e.text.contains(needle))
}

/// The FLUX [dev]-licence entries other than `flux-dev` itself.
const FLUX_DEV_FAMILY: [&str; 5] = [
    "flux-dev-tools",
    "flux-kontext-dev",
    "flux-krea-dev",
    "flux-2-dev",
    "flux-2-klein-9b",
];

// --- credit wording: Abstrakt's own example, labelled as such (issue 20) ------------------

#[test]
fn flux_dev_credit_is_abstrakts_example_wording_labelled_as_such() {
    let flux = model("flux-dev");
    assert_eq!(flux.licensing.attribution, Attribution::Required);
    // Abstrakt's guide, Step 3 "Add Attribution When Required", example attribution.
    assert_eq!(
        flux.licensing.attribution_text.as_deref(),
        Some("Image created with FLUX.1-dev")
    );
    assert_eq!(
        flux.licensing.attribution_text_origin.as_deref(),
        Some("Abstrakt's example wording, not licence text")
    );
    assert!(has_evidence(
        flux,
        EvidenceAbout::Attribution,
        "<small>Image created with FLUX.1-dev</small>"
    ));
    assert!(has_evidence(
        flux,
        EvidenceAbout::Attribution,
        "attribution: \"Required\""
    ));
    // No "no wording" statement is left anywhere on the entry.
    let said = [
        flux.licensing.unverified.join(" "),
        flux.licensing.sources.join(" "),
        flux.licensing.notes.clone().unwrap_or_default(),
    ]
    .join(" ");
    assert!(
        !said.contains("no wording") && !said.contains("without wording"),
        "{said}"
    );
}

#[test]
fn flux_dev_family_asks_no_output_credit() {
    for id in FLUX_DEV_FAMILY {
        let m = model(id);
        assert_eq!(m.licensing.attribution, Attribution::NotRequired, "{id}");
        assert_eq!(m.licensing.attribution_text, None, "{id}");
    }
}

#[test]
fn only_flux_dev_shows_abstrakts_example_credit() {
    for m in Registry::builtin().models() {
        let text = m.licensing.attribution_text.as_deref().unwrap_or_default();
        if m.id != "flux-dev" {
            assert!(!text.starts_with("Image created with"), "{}: {text}", m.id);
            assert_eq!(m.licensing.attribution_text_origin, None, "{}", m.id);
        }
    }
}

// --- §4 row 2: commercial status rests on an unverified provider licence --------------------

#[test]
fn flux_dev_family_commercial_use_is_conditional_on_the_providers_licence() {
    for id in FLUX_DEV_FAMILY {
        let m = model(id);
        assert_eq!(m.licensing.commercial, CommercialUse::Conditional, "{id}");
        let condition = m.licensing.commercial_condition.as_deref().unwrap_or("");
        assert!(
            condition.contains("BFL commercial licence held by the provider"),
            "{id}: {condition}"
        );
    }
    assert!(has_evidence(
        model("flux-kontext-dev"),
        EvidenceAbout::Commercial,
        "You may use Output for any purpose (including for commercial purposes)"
    ));
}

#[test]
fn flux_dev_commercial_use_rests_on_abstrakts_published_data() {
    let flux = model("flux-dev");
    assert_eq!(flux.licensing.commercial, CommercialUse::Allowed);
    let note = flux.licensing.commercial_condition.as_deref().unwrap_or("");
    assert!(
        note.starts_with("Abstrakt's published licensing data says commercial: true")
            && note.contains("not verified"),
        "{note}"
    );
    assert!(has_evidence(
        flux,
        EvidenceAbout::Commercial,
        "commercial: true"
    ));
}

// --- §4 row 3: the licence's other prohibited purposes and its successor ------------------

#[test]
fn flux_dev_licence_restrictions_include_military_surveillance_biometrics() {
    for id in [
        "flux-dev",
        "flux-dev-tools",
        "flux-kontext-dev",
        "flux-krea-dev",
    ] {
        let l = &model(id).licensing;
        assert!(
            l.restrictions
                .iter()
                .any(|r| r == "No military, surveillance or biometric-processing use"),
            "{id}: {:?}",
            l.restrictions
        );
        assert!(
            l.notes
                .as_deref()
                .unwrap_or("")
                .contains("v2.0 (2025-11-25)"),
            "{id}"
        );
        assert!(has_evidence(
            model(id),
            EvidenceAbout::Restrictions,
            "(ii) military purposes, (iii) purposes of surveillance"
        ));
    }
}

// --- §4 rows 4-5: Sora under the API terms ------------------------------------------------

#[test]
fn sora_follows_the_openai_services_agreement() {
    let l = &model("sora-2").licensing;
    assert_eq!(l.license, "OpenAI Services Agreement + Usage Policies");
    assert_eq!(
        l.license_url.as_deref(),
        Some("https://openai.com/policies/services-agreement/")
    );
    assert_eq!(l.commercial, CommercialUse::Allowed);
    assert!(
        !l.restrictions
            .iter()
            .any(|r| r.contains("visible watermark")),
        "{:?}",
        l.restrictions
    );
    assert!(
        l.unverified
            .iter()
            .any(|u| u.starts_with("visible watermark on API outputs")),
        "{:?}",
        l.unverified
    );
}

// --- §4 row 6: the Gemini paid-tier clause binds the account holder ------------------------

#[test]
fn gemini_paid_tier_clause_does_not_make_google_models_conditional() {
    for id in [
        "veo-2",
        "imagen-3",
        "gemini-2.5-flash-image",
        "gemini-3-pro-image",
    ] {
        let l = &model(id).licensing;
        assert_eq!(l.commercial, CommercialUse::Allowed, "{id}");
        assert_eq!(l.commercial_condition, None, "{id}");
        assert!(
            l.notes
                .as_deref()
                .unwrap_or("")
                .contains("binds the Gemini API account holder"),
            "{id}"
        );
    }
}

// --- §4 row 7: "Built with Qwen" is for distributed models only ---------------------------

#[test]
fn qwen_licences_ask_no_credit_for_outputs() {
    for id in ["qwen2.5-3b", "qwen2.5-72b"] {
        assert_eq!(
            model(id).licensing.attribution,
            Attribution::NotRequired,
            "{id}"
        );
    }
    let research = model("qwen2.5-3b");
    assert_eq!(research.licensing.commercial, CommercialUse::NotAllowed);
    assert!(has_evidence(
        research,
        EvidenceAbout::Commercial,
        "FOR NON-COMMERCIAL PURPOSES ONLY"
    ));
}

// --- §4 row 8: HiDream's pipeline contains Llama 3.1 -------------------------------------

#[test]
fn hidream_shows_built_with_llama_like_every_llama_product() {
    let hidream = model("hidream-i1");
    assert_eq!(hidream.licensing.attribution, Attribution::Required);
    assert_eq!(
        hidream.licensing.attribution_text.as_deref(),
        Some("Built with Llama")
    );
    assert_eq!(
        hidream.licensing.attribution_text,
        model("llama-3.1-8b").licensing.attribution_text
    );
    assert!(has_evidence(
        hidream,
        EvidenceAbout::Attribution,
        "prominently display “Built with Llama”"
    ));
}

// --- §4 row 9: ElevenLabs' free-plan credit is the plan holder's --------------------------

#[test]
fn elevenlabs_credit_is_not_the_callers() {
    let l = &model("elevenlabs").licensing;
    assert_eq!(l.attribution, Attribution::NotRequired);
    assert!(
        l.unverified.iter().any(|u| u.contains("plan Abstrakt")),
        "{:?}",
        l.unverified
    );
}

// --- §4 row 10: current Gemma terms --------------------------------------------------------

#[test]
fn gemma_terms_date_is_current() {
    assert_eq!(
        model("gemma-2").licensing.license_date.as_deref(),
        Some("2025-03-24")
    );
}

// --- Abstrakt's documented ids --------------------------------------------------------------

/// Every model id in Abstrakt's documentation: the catalog table of
/// `research/abstrakt-api.md` §3 (docs pages S1-S10), with the entry each names.
const ABSTRAKT_DOCUMENTED_IDS: [(&str, &str); 9] = [
    ("fal-ai/flux/schnell", "flux-schnell"),
    ("fal-ai/flux/dev", "flux-dev"),
    ("flux-schnell", "flux-schnell"),
    ("flux-dev", "flux-dev"),
    ("flux-pro", "flux-pro"),
    ("fast-sdxl", "sdxl-1.0"),
    ("nano-banana-pro-edit", "gemini-3-pro-image"),
    ("minimax-video", "minimax-hailuo"),
    ("stable-audio", "stable-audio-open-1.0"),
];

#[test]
fn every_documented_abstrakt_id_resolves() {
    for (id, canonical) in ABSTRAKT_DOCUMENTED_IDS {
        let found = Registry::builtin().get(id).map(|m| m.id.as_str());
        assert_eq!(found, Some(canonical), "{id}");
    }
}

#[test]
fn explain_knows_every_documented_abstrakt_id() {
    for (id, canonical) in ABSTRAKT_DOCUMENTED_IDS {
        let out = Command::new(env!("CARGO_BIN_EXE_abstrakt-lsp"))
            .args(["explain", "--json", id])
            .output()
            .expect("run abstrakt-lsp");
        assert!(
            out.status.success(),
            "{id}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
        assert_eq!(json["known"], true, "{id}");
        assert_eq!(json["canonicalId"], canonical, "{id}");
    }
}

// --- Provider endpoint families (declared data) ---------------------------------------------

/// Popular provider endpoint ids (fal naming, as called in real code) and the entry whose
/// licence they carry. Exact ids and aliases win; otherwise the longest declared pattern.
/// This checks the declarations in `data/models.toml`; resolution through the engine is
/// tested where `Registry` resolves patterns.
pub const POPULAR_ENDPOINTS: [(&str, &str); 55] = [
    ("fal-ai/flux/schnell", "flux-schnell"),
    ("fal-ai/flux/dev", "flux-dev"),
    ("fal-ai/flux/dev/image-to-image", "flux-dev"),
    ("fal-ai/flux/dev/redux", "flux-dev-tools"),
    ("fal-ai/flux-lora-canny", "flux-dev-tools"),
    ("fal-ai/flux-lora-depth", "flux-dev-tools"),
    ("fal-ai/flux-lora-fill", "flux-dev-tools"),
    ("fal-ai/flux-lora-fast-training", "flux-dev-lora-training"),
    (
        "fal-ai/flux-lora-portrait-trainer",
        "flux-dev-lora-training",
    ),
    ("fal-ai/flux-lora", "flux-dev"),
    ("fal-ai/flux-lora/image-to-image", "flux-dev"),
    ("fal-ai/flux-lora/inpainting", "flux-dev"),
    ("fal-ai/flux-general", "flux-dev"),
    ("fal-ai/flux-general/image-to-image", "flux-dev"),
    ("fal-ai/flux-realism", "flux-dev"),
    ("fal-ai/flux-kontext/dev", "flux-kontext-dev"),
    ("fal-ai/flux-kontext-lora", "flux-kontext-dev"),
    ("fal-ai/flux/krea", "flux-krea-dev"),
    ("fal-ai/flux-pro", "flux-pro"),
    ("fal-ai/flux-pro/new", "flux-pro"),
    ("fal-ai/flux-pro/v1/fill", "flux-pro"),
    ("fal-ai/flux-pro/v1.1", "flux-1.1-pro"),
    ("fal-ai/flux-pro/v1.1-ultra", "flux-1.1-pro"),
    ("fal-ai/flux-pro/v1.1-ultra/redux", "flux-1.1-pro"),
    ("fal-ai/flux-pro/kontext", "flux-kontext-pro"),
    ("fal-ai/flux-pro/kontext/max", "flux-kontext-pro"),
    ("fal-ai/flux-2-pro", "flux-2-pro"),
    ("fal-ai/flux-2-pro/edit", "flux-2-pro"),
    ("fal-ai/fast-sdxl", "sdxl-1.0"),
    ("fal-ai/fast-sdxl/image-to-image", "sdxl-1.0"),
    ("fal-ai/stable-diffusion-v35-large", "sd3.5-large"),
    ("fal-ai/stable-diffusion-v35-medium", "sd3.5-medium"),
    ("fal-ai/recraft-v3", "recraft-v3"),
    ("fal-ai/recraft/v3/text-to-image", "recraft-v3"),
    ("fal-ai/ideogram/v2", "ideogram"),
    ("fal-ai/ideogram/v3", "ideogram"),
    ("fal-ai/imagen4/preview", "imagen-3"),
    ("fal-ai/imagen4/preview/ultra", "imagen-3"),
    ("fal-ai/nano-banana/edit", "gemini-2.5-flash-image"),
    ("fal-ai/nano-banana-pro/edit", "gemini-3-pro-image"),
    ("fal-ai/kling-video/v2.1/master/text-to-video", "kling"),
    ("fal-ai/kling-video/v3/pro/image-to-video", "kling"),
    ("fal-ai/minimax/video-01-live", "minimax-hailuo"),
    (
        "fal-ai/minimax/hailuo-02/standard/image-to-video",
        "minimax-hailuo",
    ),
    ("fal-ai/veo3", "veo-2"),
    ("fal-ai/veo3.1/fast", "veo-2"),
    ("fal-ai/veo2/image-to-video", "veo-2"),
    (
        "fal-ai/luma-dream-machine/ray-2/image-to-video",
        "luma-dream-machine",
    ),
    ("fal-ai/hunyuan-video", "hunyuanvideo"),
    ("fal-ai/hunyuan-video-image-to-video", "hunyuanvideo"),
    ("fal-ai/ltx-video-13b-distilled", "ltx-video"),
    ("fal-ai/wan-i2v", "wan-2.1"),
    ("fal-ai/wan/v2.2-a14b/text-to-video", "wan-2.2"),
    ("fal-ai/sora-2/text-to-video", "sora-2"),
    ("fal-ai/stable-audio", "stable-audio-open-1.0"),
];

/// The entry an id belongs to by the declared data: exact id or alias first, else the
/// entry declaring the longest matching pattern prefix.
fn declared_owner(id: &str) -> Option<&'static str> {
    let models = Registry::builtin().models();
    if let Some(m) = models
        .iter()
        .find(|m| m.id == id || m.aliases.iter().any(|a| a == id))
    {
        return Some(m.id.as_str());
    }
    models
        .iter()
        .flat_map(|m| m.patterns.iter().map(move |p| (p, m)))
        .filter_map(|(p, m)| {
            let prefix = p.strip_suffix('*')?;
            id.starts_with(prefix)
                .then_some((prefix.len(), m.id.as_str()))
        })
        .max_by_key(|(len, _)| *len)
        .map(|(_, id)| id)
}

#[test]
fn popular_endpoint_ids_are_declared_on_the_entry_of_their_licence() {
    for (id, canonical) in POPULAR_ENDPOINTS {
        assert_eq!(declared_owner(id), Some(canonical), "{id}");
    }
    // Not every prefix is a family: FLUX [schnell] variants such as Redux carry a
    // [dev]-licensed adapter, so nothing claims them.
    assert_eq!(declared_owner("fal-ai/flux/schnell/redux"), None);
}

// --- data/check.py --------------------------------------------------------------------------

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn check_py(dir: &Path) -> (i32, String, String) {
    let out = Command::new("python3")
        .arg(dir.join("check.py"))
        .output()
        .expect("python3 runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn check_py_accepts_the_registry() {
    let (code, stdout, stderr) = check_py(&root().join("data"));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("OK: "), "{stdout}");
}

/// A recursive copy of `from` (the stored sources) into `to`.
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read_dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copy");
        }
    }
}

/// `check.py` beside a copy of the registry with one edit (it reads `models.toml`
/// from its own directory).
fn check_edited(from: &str, to: &str) -> (i32, String) {
    let data = root().join("data");
    let text = std::fs::read_to_string(data.join("models.toml")).expect("read");
    assert!(
        text.contains(from),
        "fixture text {from:?} not in models.toml"
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let copy = |name: &str| -> PathBuf { dir.path().join(name) };
    std::fs::copy(data.join("check.py"), copy("check.py")).expect("copy");
    copy_dir(&data.join("sources"), &copy("sources"));
    std::fs::write(copy("models.toml"), text.replacen(from, to, 1)).expect("write");
    let (code, _, stderr) = check_py(dir.path());
    (code, stderr)
}

/// `check.py` beside the registry and a copy of the stored sources with one file edited.
fn check_edited_source(file: &str, from: &str, to: &str) -> (i32, String) {
    let data = root().join("data");
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::copy(data.join("check.py"), dir.path().join("check.py")).expect("copy");
    std::fs::copy(data.join("models.toml"), dir.path().join("models.toml")).expect("copy");
    copy_dir(&data.join("sources"), &dir.path().join("sources"));
    let path = dir.path().join("sources").join(file);
    let text = std::fs::read_to_string(&path).expect("read");
    assert!(text.contains(from), "{from:?} not in {file}");
    std::fs::write(&path, text.replacen(from, to, 1)).expect("write");
    let (code, _, stderr) = check_py(dir.path());
    (code, stderr)
}

#[test]
fn check_py_rejects_an_attribution_text_no_evidence_quotes() {
    let (code, stderr) = check_edited(
        "attribution-text = \"Built with Meta Llama 3\"",
        "attribution-text = \"Made with Meta Llama 3\"",
    );
    assert_eq!(code, 1);
    assert!(
        stderr.contains(
            "(llama-3-8b): no about = \"attribution\" evidence contains the 'attribution-text' wording"
        ),
        "{stderr}"
    );
}

#[test]
fn check_py_rejects_a_quote_that_is_not_in_its_stored_source() {
    // The 2024 wording of FLUX.1 [dev] §2(b); the stored v1.1.1 text says "create Derivatives of the".
    let (code, stderr) = check_edited(
        "or create Derivatives of the FLUX.1 [dev] Model or Derivatives for Non-Commercial Purposes.",
        "or creative Derivatives of or the FLUX.1 [dev] Model or Derivatives for Non-Commercial Purposes.",
    );
    assert_eq!(code, 1);
    assert!(
        stderr.contains("(flux-dev): evidence #6: quote not found verbatim in the stored source github/black-forest-labs/flux/model_licenses/LICENSE-FLUX1-dev"),
        "{stderr}"
    );
}

#[test]
fn check_py_rejects_a_github_source_not_pinned_to_a_commit() {
    let (code, stderr) = check_edited(
        "https://github.com/Rudrabha/Wav2Lip/blob/5c90fa9b4a2c2a37d0b4ebf7633ac41534eb9941/README.md\"",
        "https://github.com/Rudrabha/Wav2Lip/blob/master/README.md\"",
    );
    assert_eq!(code, 1);
    assert!(
        stderr.contains("(wav2lip): evidence #1: GitHub URL not pinned to a commit: https://github.com/Rudrabha/Wav2Lip/blob/master/README.md"),
        "{stderr}"
    );
}

#[test]
fn check_py_rejects_a_stored_source_whose_hash_changed() {
    let (code, stderr) = check_edited_source(
        "github/Rudrabha/Wav2Lip/README.md",
        "strictly prohibited",
        "strictly prohibited (edited)",
    );
    assert_eq!(code, 1);
    assert!(
        stderr.contains("sha256 of github/Rudrabha/Wav2Lip/README.md does not match the index"),
        "{stderr}"
    );
}

#[test]
fn check_py_upstream_fails_gracefully_without_network() {
    // CI and this test run without access to GitHub: every source is "unreachable", exit 2.
    let out = Command::new("python3")
        .arg(root().join("data").join("check.py"))
        .arg("--upstream")
        .env("https_proxy", "http://127.0.0.1:9")
        .env("HTTPS_PROXY", "http://127.0.0.1:9")
        .output()
        .expect("python3 runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{stdout}");
    assert!(
        stdout.contains(" 0 unchanged, 0 changed or gone, "),
        "{stdout}"
    );
}

/// `--upstream` against a fake network: a 404 is reported as gone, a reworded licence as
/// changed with its stored quotes gone, and the exit status says something changed.
#[test]
fn check_py_upstream_lists_what_changed_since_pinning() {
    let out = Command::new("python3")
        .arg(root().join("tests/fixtures/data/upstream_fake.py"))
        .arg(root().join("data/check.py"))
        .output()
        .expect("python3 runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("GONE     https://github.com/Rudrabha/Wav2Lip/blob/5c90fa9b4a2c2a37d0b4ebf7633ac41534eb9941/README.md (HTTP 404 at https://raw.githubusercontent.com/Rudrabha/Wav2Lip/HEAD/README.md)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("CHANGED  https://github.com/black-forest-labs/flux/blob/802fb4713906133fcbd0d8dc5351620ca4773036/model_licenses/LICENSE-FLUX1-dev (default branch differs from the pinned commit; some stored quotes are GONE)"),
        "{stdout}"
    );
    // A licence stored whole and answered unchanged is not listed.
    assert!(
        !stdout.contains("https://github.com/Lightricks/LTX-2/blob/"),
        "{stdout}"
    );
    assert!(stdout.contains(" 0 unreachable"), "{stdout}");
}

#[test]
fn check_py_rejects_the_same_pattern_on_two_entries() {
    let (code, stderr) = check_edited(
        "patterns = [\"fal-ai/kling-video/*\"]",
        "patterns = [\"fal-ai/flux-lora*\"]",
    );
    assert_eq!(code, 1);
    assert!(
        stderr.contains(
            "(kling): pattern 'fal-ai/flux-lora*' is also declared by 'flux-dev' (ambiguous)"
        ),
        "{stderr}"
    );
}

#[test]
fn check_py_rejects_a_pattern_with_another_entrys_id_as_prefix() {
    let (code, stderr) = check_edited(
        "patterns = [\"fal-ai/kling-video/*\"]",
        "patterns = [\"fal-ai/flux/schnell*\"]",
    );
    assert_eq!(code, 1);
    assert!(
        stderr.contains("(kling): pattern 'fal-ai/flux/schnell*' has the prefix of 'flux-schnell'"),
        "{stderr}"
    );
}

#[test]
fn check_py_rejects_an_alias_claimed_twice() {
    let (code, stderr) = check_edited(
        "aliases = [\"kling-v1.6\",",
        "aliases = [\"flux-dev\", \"kling-v1.6\",",
    );
    assert_eq!(code, 1);
    assert!(
        stderr.contains("id/alias 'flux-dev' occurs 2 times"),
        "{stderr}"
    );
}

#[test]
fn check_py_rejects_an_obligation_without_evidence_and_missing_sources() {
    let (code, stderr) = check_edited(
        "about = \"commercial\"\nquote = \"to reproduce, distribute, and create Derivative Works",
        "about = \"license\"\nquote = \"to reproduce, distribute, and create Derivative Works",
    );
    assert_eq!(code, 1);
    assert!(
        stderr.contains("(svd): commercial = not-allowed/conditional is an obligation without an about = 'commercial' evidence"),
        "{stderr}"
    );
    let (code, stderr) = check_edited(
        "sources = [\"https://recraft.ai/blog/ownership-and-commercial-use-faq\"]",
        "sources = []",
    );
    assert_eq!(code, 1);
    assert!(
        stderr.contains("(recraft-v3): 'sources' is empty"),
        "{stderr}"
    );
}

/// The same endpoints through the engine's resolver (what every face shows): each resolves to
/// the entry of its licence, and the ids no entry declares exactly say they matched a family
/// pattern.
#[test]
fn popular_endpoint_ids_resolve_through_the_engine() {
    use abstrakt_lsp::registry::{Lookup, Match, Resolver};
    let resolver = Resolver::builtin();
    let mut by_pattern = 0;
    for (id, canonical) in POPULAR_ENDPOINTS {
        let resolved = resolver
            .resolve(id)
            .unwrap_or_else(|| panic!("{id} resolves"));
        assert_eq!(resolved.model.id, canonical, "{id}");
        let exact = Registry::builtin().get(id).is_some();
        match &resolved.matched {
            Match::Pattern(pattern) => {
                assert!(!exact, "{id}: an exact id must beat a pattern");
                assert!(
                    id.starts_with(pattern.trim_end_matches('*')),
                    "{id} vs {pattern}"
                );
                by_pattern += 1;
            }
            _ => assert!(exact, "{id}: not declared exactly, so a pattern must match"),
        }
    }
    assert!(
        by_pattern >= 20,
        "only {by_pattern} endpoints matched by pattern"
    );
    // A miss stays unknown, and no model of another licence family is suggested for it.
    assert!(resolver.resolve("fal-ai/flux/schnell/redux").is_none());
    for suggestion in resolver.suggest("fal-ai/flux/schnell/redux", 3) {
        assert_eq!(suggestion, "flux-schnell", "suggested {suggestion}");
    }
}
