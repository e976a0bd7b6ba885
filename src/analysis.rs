//! One file's analysis: extraction, the rules, then the project layer (policy,
//! lock file, exceptions, suppression comments). The server and the CLI both
//! call [`analyze`], so the editor and CI never disagree.

use tree_sitter::Tree;

use crate::config::ProjectConfig;
use crate::extract::url::{self, PlainKind};
use crate::extract::{ExtractCache, ModelUse, extract, extract_incremental};
use crate::lockfile::Lockfile;
use crate::policy;
use crate::registry::Lookup;
use crate::rules::{Finding, check};
use crate::text::SourceText;

#[derive(Debug, Clone, Default)]
pub struct Analysis {
    pub uses: Vec<ModelUse>,
    pub findings: Vec<Finding>,
    /// Findings (by index) whose attribution the project already shows, and where.
    pub attribution_found: Vec<(usize, crate::attribution::Found)>,
}

/// Everything the rules and the project say about one parsed file.
///
/// `project` is the file's `abstrakt.toml` (`ProjectConfig::default()` when
/// there is none); its `[[models]]` should already be layered into `lookup`
/// (see [`ProjectConfig::resolver`]). `lock` is the project's `abstrakt.lock`.
/// `today` decides exception expiry: the caller's clock
/// ([`crate::host::Host::today`]); the engine reads none.
pub fn analyze<S: SourceText + ?Sized>(
    tree: &Tree,
    text: &S,
    lookup: &impl Lookup,
    project: &ProjectConfig,
    lock: Option<&Lockfile>,
    today: jiff::civil::Date,
) -> Analysis {
    let uses = extract(tree, text, &project.extract_options());
    let logged = not_logged(tree, text, &uses, lookup, project);
    let mut findings = judge(&uses, logged, lookup, project, lock, today);
    policy::apply_suppressions(&mut findings, tree, text);
    Analysis {
        uses,
        findings,
        attribution_found: Vec::new(),
    }
}

/// [`analyze`] after an edit: extraction reuses `previous` (the cache the
/// analysis of the version this tree was incrementally parsed from
/// returned) for the top-level statements the edit left alone. The analysis
/// equals [`analyze`]'s; the cache is for the next version.
pub fn analyze_incremental<S: SourceText + ?Sized>(
    tree: &Tree,
    text: &S,
    lookup: &impl Lookup,
    project: &ProjectConfig,
    lock: Option<&Lockfile>,
    previous: Option<&ExtractCache>,
    today: jiff::civil::Date,
) -> (Analysis, ExtractCache) {
    let (uses, cache) = extract_incremental(tree, text, &project.extract_options(), previous);
    let logged = not_logged(tree, text, &uses, lookup, project);
    let mut findings = judge(&uses, logged, lookup, project, lock, today);
    policy::apply_suppressions(&mut findings, tree, text);
    let analysis = Analysis {
        uses,
        findings,
        attribution_found: Vec::new(),
    };
    (analysis, cache)
}

/// [`analyze`] for a file without a grammar that `check` reads for model
/// URLs (a shell script, Markdown): the same rules and project layer;
/// suppression comments are read line by line (`# ...`, `// ...`, `<!-- ... -->`).
pub fn analyze_plain(
    text: &str,
    kind: PlainKind,
    lookup: &impl Lookup,
    project: &ProjectConfig,
    lock: Option<&Lockfile>,
    today: jiff::civil::Date,
) -> Analysis {
    let uses = url::extract_text(text, kind, &project.extract_options());
    let mut findings = judge(&uses, Vec::new(), lookup, project, lock, today);
    policy::apply_line_suppressions(&mut findings, text);
    Analysis {
        uses,
        findings,
        attribution_found: Vec::new(),
    }
}

/// `generation-not-logged` (off unless the project turns it on): it follows
/// each call's result in the tree, so files without one have none.
fn not_logged<S: SourceText + ?Sized>(
    tree: &Tree,
    text: &S,
    uses: &[ModelUse],
    lookup: &impl Lookup,
    project: &ProjectConfig,
) -> Vec<Finding> {
    if project.compliance_log.is_none() {
        return Vec::new();
    }
    crate::compliance_log::findings(
        tree,
        text,
        uses,
        lookup,
        &project.rule_settings(),
        project.compliance_log.as_deref(),
    )
}

/// The rules and the project layer (policy, lock, exceptions) over some
/// uses; `extra` are findings of rules that read the tree.
fn judge(
    uses: &[ModelUse],
    extra: Vec<Finding>,
    lookup: &impl Lookup,
    project: &ProjectConfig,
    lock: Option<&Lockfile>,
    today: jiff::civil::Date,
) -> Vec<Finding> {
    let settings = project.rule_settings();
    let mut findings = check(uses, lookup, &settings);
    findings.extend(extra);
    policy::project_findings(
        uses,
        lookup,
        &settings,
        &project.policy,
        lock,
        &mut findings,
    );
    crate::review::findings(
        uses,
        lookup,
        &settings,
        project.review_every,
        lock,
        today,
        &mut findings,
    );
    findings.sort_by_key(|f| f.range.start);
    policy::apply_exceptions(&mut findings, &project.exceptions, today);
    findings
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::licensing::{Attribution, Licensing};
    use crate::registry::Resolver;
    use crate::syntax::{Language, parse};

    const TODAY: jiff::civil::Date = jiff::civil::date(2026, 6, 1);

    /// `(code, severity, text at the range)` of each finding.
    fn run(source: &str, toml: &str, lock: Option<&Lockfile>) -> Vec<(String, String, String)> {
        let project = ProjectConfig::parse(toml, Path::new("/p/abstrakt.toml")).expect("valid");
        let tree = parse(Language::TypeScript, source);
        let resolver = project.resolver(Resolver::builtin());
        analyze(&tree, source, &resolver, &project, lock, TODAY)
            .findings
            .into_iter()
            .map(|f| {
                (
                    f.code.to_string(),
                    f.severity.as_str().to_string(),
                    source[f.range].to_string(),
                )
            })
            .collect()
    }

    fn codes(found: &[(String, String, String)]) -> Vec<&str> {
        found.iter().map(|f| f.0.as_str()).collect()
    }

    const FLUX: &str = "abstrakt.run('flux-dev', {});\n";
    const MUSICGEN: &str = "abstrakt.run('musicgen');\n";

    #[test]
    fn without_a_project_file_only_the_rules_speak() {
        assert_eq!(codes(&run(FLUX, "", None)), ["attribution-required"]);
    }

    #[test]
    fn intended_use_changes_non_commercial_severity() {
        assert_eq!(run(MUSICGEN, "", None)[0].1, "error");
        assert_eq!(
            run(MUSICGEN, "intended-use = \"research\"", None)[0].1,
            "info"
        );
    }

    #[test]
    fn deny_licenses_matches_name_and_spdx_case_insensitively() {
        let found = run(FLUX, "[policy]\ndeny-licenses = [\"flux.1-DEV\"]", None);
        assert_eq!(codes(&found), ["attribution-required", "license-denied"]);
        assert_eq!(found[1].1, "error");
        let found = run(
            "abstrakt.run('flux-schnell');",
            "[policy]\ndeny-licenses = [\"apache-2.0\"]",
            None,
        );
        assert_eq!(codes(&found), ["license-denied"]);
    }

    #[test]
    fn allow_licenses_denies_everything_else() {
        let toml = "[policy]\nallow-licenses = [\"Apache-2.0\"]";
        assert!(run("abstrakt.run('flux-schnell');", toml, None).is_empty());
        assert_eq!(
            codes(&run(FLUX, toml, None)),
            ["attribution-required", "license-denied"]
        );
    }

    #[test]
    fn deny_models_matches_canonical_and_written_ids() {
        let found = run(
            "abstrakt.run('fal-ai/flux/dev');",
            "[policy]\ndeny-models = [\"flux-dev\"]",
            None,
        );
        assert_eq!(codes(&found), ["attribution-required", "license-denied"]);
        let found = run(
            "abstrakt.run('acme/secret');",
            "[policy]\ndeny-models = [\"ACME/secret\"]\n[rules]\nunknown-model = \"off\"",
            None,
        );
        assert_eq!(codes(&found), ["license-denied"]);
    }

    #[test]
    fn rules_set_severities_and_turn_rules_off() {
        assert_eq!(
            run(FLUX, "[rules]\nattribution-required = \"error\"", None)[0].1,
            "error"
        );
        assert!(run(FLUX, "[rules]\nattribution-required = \"off\"", None).is_empty());
        assert_eq!(
            run(
                FLUX,
                "[policy]\ndeny-models = [\"flux-dev\"]\n[rules]\nlicense-denied = \"hint\"",
                None
            )[1]
            .1,
            "hint"
        );
    }

    #[test]
    fn client_names_find_more_calls() {
        let source = "imageClient.run('flux-dev');";
        assert!(run(source, "", None).is_empty());
        assert_eq!(
            codes(&run(source, "[clients]\nnames = [\"imageClient\"]", None)),
            ["attribution-required"]
        );
    }

    #[test]
    fn exceptions_drop_findings_until_they_expire() {
        let live = "[[exceptions]]\nmodel = \"flux-dev\"\nrules = [\"attribution-required\"]\nreason = \"footer\"\nexpires = \"2026-06-01\"";
        assert!(run(FLUX, live, None).is_empty());
        assert!(run("abstrakt.run('fal-ai/flux/dev');", live, None).is_empty());
        let lapsed = live.replace("2026-06-01", "2026-05-31");
        let project = ProjectConfig::parse(&lapsed, Path::new("abstrakt.toml")).expect("valid");
        let tree = parse(Language::TypeScript, FLUX);
        let findings = analyze(&tree, FLUX, &Resolver::builtin(), &project, None, TODAY).findings;
        assert_eq!(findings.len(), 1);
        assert!(
            findings[0].message.ends_with("expired on 2026-05-31)"),
            "{}",
            findings[0].message
        );
        // Another rule is not covered.
        let other = "[[exceptions]]\nmodel = \"flux-dev\"\nrules = [\"non-commercial\"]";
        assert_eq!(codes(&run(FLUX, other, None)), ["attribution-required"]);
        // No rules means every rule.
        assert!(run(FLUX, "[[exceptions]]\nmodel = \"flux-dev\"", None).is_empty());
    }

    #[test]
    fn project_models_override_licensing() {
        let toml = "[[models]]\nid = \"flux-dev\"\nlicense = \"Paid\"\ncommercial = true\nattribution = \"Not required\"\n[[models]]\nid = \"acme/custom\"\nlicense = \"Proprietary\"\ncommercial = false\nattribution = \"Required\"";
        assert!(run(FLUX, toml, None).is_empty());
        assert_eq!(
            codes(&run("abstrakt.run('acme/custom');", toml, None)),
            ["attribution-required", "non-commercial"]
        );
    }

    #[test]
    fn suppression_comments() {
        let source = "// abstrakt-ignore-next-line attribution-required -- credited below\nabstrakt.run('flux-dev');\nabstrakt.run('flux-dev');\n";
        let found = run(source, "", None);
        assert_eq!(found.len(), 1);
        let other_code = "// abstrakt-ignore-next-line non-commercial\nabstrakt.run('flux-dev');\n";
        assert_eq!(run(other_code, "", None).len(), 1);
        let file = "abstrakt.run('flux-dev');\n/* abstrakt-ignore-file attribution-required */\nabstrakt.run('musicgen');\n";
        assert_eq!(codes(&run(file, "", None)), ["non-commercial"]);
        let in_string = "const s = '// abstrakt-ignore-next-line';\nabstrakt.run('flux-dev');\n";
        assert_eq!(run(in_string, "", None).len(), 1);
    }

    #[test]
    fn python_comments_and_shell_lines_suppress() {
        let source = "from abstrakt import Abstrakt\nai = Abstrakt()\n# abstrakt-ignore-next-line attribution-required -- credited in the footer\nai.run('flux-dev')\nai.run(\"flux-dev\")\n";
        let tree = parse(Language::Python, source);
        let project = ProjectConfig::default();
        let found = analyze(&tree, source, &Resolver::builtin(), &project, None, TODAY).findings;
        let at: Vec<(&str, &str)> = found
            .iter()
            .map(|f| (f.code.as_str(), &source[f.range.clone()]))
            .collect();
        assert_eq!(at, [("attribution-required", "\"flux-dev\"")]);

        let script = "# abstrakt-ignore-next-line attribution-required\ncurl https://api.abstrakt.one/v1/models/flux-dev/run\ncurl https://api.abstrakt.one/v1/models/flux-dev/run\n";
        let found = analyze_plain(
            script,
            PlainKind::Shell,
            &Resolver::builtin(),
            &project,
            None,
            TODAY,
        )
        .findings;
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].range.start, script.rfind("flux-dev").unwrap_or(0));
        let doc = "<!-- abstrakt-ignore-file attribution-required -->\n```sh\ncurl https://api.abstrakt.one/v1/models/flux-dev/run\n```\n";
        assert!(
            analyze_plain(
                doc,
                PlainKind::Markdown,
                &Resolver::builtin(),
                &project,
                None,
                TODAY,
            )
            .findings
            .is_empty()
        );
    }

    #[test]
    fn lock_file_drift_is_license_changed_at_every_use() {
        let mut before: Licensing = Resolver::builtin()
            .resolve("flux-dev")
            .expect("known")
            .model
            .licensing
            .clone();
        before.attribution = Attribution::NotRequired;
        let mut lock = Lockfile::default();
        lock.record("flux-dev", &before, TODAY);
        let source = "abstrakt.run('flux-dev');\nabstrakt.run('fal-ai/flux/dev');\n";
        let found = run(source, "", Some(&lock));
        assert_eq!(
            codes(&found),
            [
                "attribution-required",
                "license-changed",
                "attribution-required",
                "license-changed"
            ]
        );
        assert_eq!(found[1].1, "warning");
        let tree = parse(Language::TypeScript, source);
        let message = analyze(
            &tree,
            source,
            &Resolver::builtin(),
            &ProjectConfig::default(),
            Some(&lock),
            TODAY,
        )
        .findings[1]
            .message
            .clone();
        assert!(
            message.ends_with("attribution Not required → Required"),
            "{message}"
        );
        // Acknowledged: nothing more.
        let mut current = Lockfile::default();
        current.record_all(["flux-dev"], &Resolver::builtin(), TODAY);
        assert_eq!(codes(&run(source, "", Some(&current))).len(), 2);
    }
}
