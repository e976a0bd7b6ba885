//! `abstrakt-lsp explain MODEL`: the hover card in the terminal.

use std::process::ExitCode;

use clap::Args;
use serde::Serialize;

use super::report::{commercial_for, source_and_date};
use super::{ColorChoice, Fatal, ProjectArgs};
use crate::extract::Route;
use crate::hover::{self, Format};
use crate::licensing::{Credit, Model};
use crate::registry::{Resolved, shown_id};
use crate::rules::{self, IntendedUse};

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// A model id or alias, e.g. flux-dev or fal-ai/flux/dev.
    pub model: String,

    /// Print the licensing as JSON.
    #[arg(long)]
    pub json: bool,

    /// The route the model is called through: abstrakt, fal, replicate,
    /// openai, google, anthropic, huggingface-inference or weights (self-hosted).
    /// The id is looked up in that provider's namespace (`owner/model:version`
    /// for Replicate) and the route's own terms apply where a source gives them.
    #[arg(long, default_value = "abstrakt")]
    pub route: Route,

    #[command(flatten)]
    pub project: ProjectArgs,
}

pub fn run(args: ExplainArgs) -> Result<ExitCode, Fatal> {
    let (projects, store) = super::remote::projects(&args.project, &crate::host::System)?;
    let cwd = std::env::current_dir()
        .map_err(|e| Fatal(format!("cannot read the current directory: {e}")))?;
    let project = projects.project_for(&cwd)?;
    let id = args.model.as_str();
    let resolver = &project.resolver;
    let claimed = store.claim([id]);
    if !claimed.is_empty() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Fatal(format!("cannot start the async runtime: {e}")))?;
        if let Some(message) = runtime.block_on(store.fetch(claimed)).message {
            eprintln!("{message}");
        }
    }
    let route = args.route;
    let Some(resolved) = rules::resolve_on(resolver, route, id) else {
        let suggestions = rules::suggest_on(resolver, route, id, 3);
        if args.json {
            print_json(&Unknown {
                id: &shown_id(id),
                known: false,
                suggestions,
            })?;
        } else {
            let hint = match suggestions.as_slice() {
                [] => String::new(),
                list => format!(
                    "; did you mean {}?",
                    list.iter()
                        .map(|s| format!("`{s}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            eprintln!("abstrakt-lsp: unknown model `{}`{hint}", shown_id(id));
        }
        return Ok(ExitCode::from(1));
    };
    if args.json {
        print_json(&known(id, route, &resolved, project.intended_use()))?;
    } else {
        let mut card = hover::card(
            id,
            &resolved,
            project.intended_use(),
            Format::PlainText,
            crate::host::Host::now(&crate::host::System),
        );
        if !route.is_abstrakt() {
            card.push_str(&format!("\n\nRoute: {} (`{route}`)", route.label()));
        }
        card.push('\n');
        super::write::stdout(&card, ColorChoice::Never)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The `explain --json` document for a known id.
fn known<'a>(
    id: &'a str,
    route: Route,
    resolved: &'a Resolved,
    intended_use: IntendedUse,
) -> Known<'a> {
    let (source, date) = source_and_date(resolved);
    Known {
        id: shown_id(id),
        known: true,
        route,
        canonical_id: &resolved.model.id,
        matched_by: resolved.matched.kind(),
        matched_pattern: resolved.pattern(),
        credit: resolved.model.credit(),
        intended_use,
        commercial_use: commercial_for(&resolved.model.licensing, intended_use),
        source,
        source_date: date,
        model: resolved.model.as_ref(),
    }
}

#[derive(Serialize)]
struct Unknown<'a> {
    id: &'a str,
    known: bool,
    suggestions: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Known<'a> {
    id: std::borrow::Cow<'a, str>,
    known: bool,
    /// The route the licensing is answered for (left out for the Abstrakt API).
    #[serde(skip_serializing_if = "Route::is_abstrakt")]
    route: Route,
    canonical_id: &'a str,
    /// `id`, `alias` or `pattern`.
    matched_by: &'static str,
    /// The family pattern, for a pattern match.
    #[serde(skip_serializing_if = "Option::is_none")]
    matched_pattern: Option<&'a str>,
    /// The credit to show, when attribution is required.
    credit: Option<Credit>,
    intended_use: IntendedUse,
    commercial_use: String,
    source: String,
    source_date: Option<String>,
    model: &'a Model,
}

fn print_json(document: &impl Serialize) -> Result<(), Fatal> {
    let mut text = serde_json::to_string_pretty(document)
        .map_err(|e| Fatal(format!("cannot write JSON: {e}")))?;
    text.push('\n');
    super::write::stdout(&text, ColorChoice::Never)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::licensing::Registry;
    use crate::registry::{Lookup, Resolver};

    const FIXTURE: &str = r#"
[[model]]
id = "flux-dev"
aliases = []
patterns = ["fal-ai/flux-lora*"]
name = "FLUX.1 [dev]"
vendor = "Black Forest Labs"
modality = "image"
category = "open-weights-restricted"
license = "FLUX.1-dev"
commercial = "allowed"
attribution = "required"
restrictions = []
territories-excluded = []
alternatives = []
confidence = "medium"
unverified = []
sources = ["https://huggingface.co/black-forest-labs/FLUX.1-dev/blob/main/LICENSE.md"]
verified = "2026-11-29"
notes = ""

[[model.evidence]]
about = "commercial"
quote = "You may use Output for any purpose (including for commercial purposes), except as expressly prohibited herein."
source = "https://huggingface.co/black-forest-labs/FLUX.1-dev/blob/main/LICENSE.md"
at = "§2(d)"
"#;

    #[test]
    fn json_carries_the_pattern_credit_confidence_and_evidence() {
        let registry: &'static Registry =
            Box::leak(Box::new(Registry::from_toml(FIXTURE).expect("valid")));
        let resolver = Resolver::builtin().with_builtin(registry);
        let resolved = resolver.resolve("fal-ai/flux-lora/x").expect("pattern");
        let value = serde_json::to_value(known(
            "fal-ai/flux-lora/x",
            Route::Abstrakt,
            &resolved,
            IntendedUse::Commercial,
        ))
        .expect("JSON");
        assert_eq!(value["id"], "fal-ai/flux-lora/x");
        assert_eq!(value["canonicalId"], "flux-dev");
        assert_eq!(value["matchedBy"], "pattern");
        assert_eq!(value["matchedPattern"], "fal-ai/flux-lora*");
        assert_eq!(value["source"], "built-in registry");
        assert_eq!(
            value["credit"],
            serde_json::json!({ "text": "FLUX.1 [dev] by Black Forest Labs", "prescribed": false })
        );
        assert_eq!(value["model"]["licensing"]["confidence"], "medium");
        assert_eq!(
            value["model"]["licensing"]["evidence"],
            serde_json::json!([{
                "about": "commercial",
                "text": "You may use Output for any purpose (including for commercial purposes), except as expressly prohibited herein.",
                "verbatim": true,
                "source": "https://huggingface.co/black-forest-labs/FLUX.1-dev/blob/main/LICENSE.md",
                "at": "§2(d)"
            }])
        );
        let exact = resolver.resolve("flux-dev").expect("id");
        let value = serde_json::to_value(known(
            "flux-dev",
            Route::Abstrakt,
            &exact,
            IntendedUse::Commercial,
        ))
        .expect("JSON");
        assert_eq!(value["matchedBy"], "id");
        assert_eq!(value.get("matchedPattern"), None);
    }
}
