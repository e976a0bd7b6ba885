//! `abstrakt-lsp explain MODEL`: the hover card in the terminal.

use std::process::ExitCode;

use clap::Args;
use serde::Serialize;

use super::report::{commercial_for, source_and_date};
use super::{ColorChoice, Fatal, ProjectArgs};
use crate::hover::{self, Format};
use crate::licensing::{Credit, Model};
use crate::registry::{Lookup, shown_id};
use crate::rules::IntendedUse;

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// A model id or alias, e.g. flux-dev or fal-ai/flux/dev.
    pub model: String,

    /// Print the licensing as JSON.
    #[arg(long)]
    pub json: bool,

    #[command(flatten)]
    pub project: ProjectArgs,
}

pub fn run(args: ExplainArgs) -> Result<ExitCode, Fatal> {
    let (projects, store) = super::remote::projects(&args.project)?;
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
    let Some(resolved) = resolver.resolve(id) else {
        let suggestions = resolver.suggest(id, 3);
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
        let (source, date) = source_and_date(&resolved);
        print_json(&Known {
            id: &shown_id(id),
            known: true,
            canonical_id: &resolved.model.id,
            matched_by: resolved.matched.kind(),
            matched_pattern: resolved.pattern(),
            credit: resolved.model.credit(),
            intended_use: project.intended_use(),
            commercial_use: commercial_for(&resolved.model.licensing, project.intended_use()),
            source,
            source_date: date,
            model: resolved.model.as_ref(),
        })?;
    } else {
        let mut card = hover::card(id, &resolved, project.intended_use(), Format::PlainText);
        card.push('\n');
        super::write::stdout(&card, ColorChoice::Never)?;
    }
    Ok(ExitCode::SUCCESS)
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
    id: &'a str,
    known: bool,
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
