//! The compliance log: Abstrakt's licensing guide, Step 2 "Keep Records",
//! logs every generation with `complianceLog.save({ generationId: result.id,
//! model, timestamp, license, intendedUse, attribution })`. This module finds
//! where a model call's result is (a name, a bare statement, a `return`),
//! writes that record after the call, calling the function the project names
//! in `abstrakt.toml` (`[compliance] log`), and tells whether a call's result
//! already reaches that function (the `generation-not-logged` rule).
//!
//! Pure text and tree logic: byte [`Edit`]s out, no LSP types. The record's
//! licence and attribution come from the registry ([`Facts::lookup`]), never
//! from here: an unknown model's licence is written `null` and says so.

use std::ops::Range;

use tree_sitter::Tree;

use crate::extract::{ModelUse, Route, SdkMethod, Target};
use crate::fixes::{self, Edit};
use crate::registry::{Lookup, shown_id};
use crate::rules::{Finding, IntendedUse, RuleCode, RuleSettings};
use crate::syntax::Language;
use crate::text::SourceText;

mod record;
mod site;

pub use record::{AttributionField, Facts};
use record::{Record, indent_unit, line_end, prompt_of, python_now, quote_of};
pub use site::{Binding, CallSite, call_site, is_logged};
use site::{call_node, free_name};

/// Whether a call of `method` generates something worth a record. Looking a
/// model up (`models.get`), counting tokens, making a client or a model
/// handle (`new InferenceClient(model)`, the AI SDK's `openai('gpt-4o')`,
/// which a later `generateText` call runs) and loading or downloading weights
/// produce no generation at that call.
pub fn generates(method: &SdkMethod) -> bool {
    if method.route == Route::Weights {
        return false;
    }
    let Some(last) = method.path.last() else {
        // The client called itself: an AI SDK provider's model handle.
        return false;
    };
    const NOT_GENERATIONS: &[&str] = &[
        "get",
        "count_tokens",
        "countTokens",
        "getGenerativeModel",
        "GenerativeModel",
        "InferenceClient",
        "AsyncInferenceClient",
        "from_pretrained",
        "from_single_file",
    ];
    // The AI SDK providers' handles (`openai.chat('gpt-4o')`, `fal.image(...)`).
    const HANDLES: &[&str] = &[
        "chat",
        "responses",
        "completion",
        "languageModel",
        "image",
        "imageModel",
        "embedding",
        "textEmbeddingModel",
        "transcription",
        "speech",
    ];
    let handle = method.path.len() == 1 && HANDLES.contains(last);
    !NOT_GENERATIONS.contains(last) && !handle
}

/// The fix for one model call: its title and byte edits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogFix {
    pub title: String,
    pub edits: Vec<Edit>,
}

/// The title of the code action.
pub const TITLE: &str = "Log this generation for compliance";

/// The statically known id of a call with one target.
pub fn single_id(model_use: &ModelUse) -> Option<(&str, &Range<usize>)> {
    match model_use.targets.as_slice() {
        [Target::Static { id, range }] => Some((id, range)),
        _ => None,
    }
}

/// The edits that log the generation of `model_use` with `log` (the
/// `[compliance] log` function): the record after the call's statement, at
/// its indentation; a result without a name is bound first (`const result =`,
/// or `result = ` in Python; a `return` returns the name after the record);
/// Python gains `import datetime` when the file has no way to it. `None` when
/// the call does not generate, its id is not statically one id, its result
/// is not a statement's value, or it is logged already.
pub fn fix(
    tree: &Tree,
    text: &str,
    language: Language,
    model_use: &ModelUse,
    lookup: &impl Lookup,
    intended_use: IntendedUse,
    log: &str,
) -> Option<LogFix> {
    if !generates(model_use.method) {
        return None;
    }
    let (id, id_range) = single_id(model_use)?;
    let site = call_site(tree, text, &model_use.call_range)?;
    if is_logged(tree, text, &model_use.call_range, log) {
        return None;
    }
    let python = language == Language::Python;
    // The JavaScript SDKs return promises: an unawaited result is awaited
    // for the record, which only an async function can do.
    let promise = !python && !site.awaited;
    if promise && !site.in_async {
        return None;
    }
    let mut edits = Vec::new();
    // The import first: at the same place as a binding, it goes above it.
    let timestamp = if python {
        let (expression, import) = python_now(tree, text);
        edits.extend(import);
        expression
    } else {
        "new Date()".to_string()
    };
    let name = bind(tree, text, &site, python, promise, &mut edits);
    let facts = Facts::lookup(lookup, model_use.route(), id, intended_use);
    let prompt = prompt_of(tree, text, &model_use.call_range);
    let semicolon = text
        .get(site.statement.clone())
        .is_some_and(|s| s.trim_end().ends_with(';'));
    // A named promise is awaited where the record reads it.
    let read = match (&site.binding, promise) {
        (Binding::Named(_), true) => format!("(await {name})"),
        _ => name.clone(),
    };
    let record = Record {
        facts: &facts,
        prompt: prompt.as_deref(),
        name: &read,
        log,
        awaited: site.awaited || promise,
        python,
        quote: quote_of(text, id_range).unwrap_or(if python { '"' } else { '\'' }),
        semicolon,
        timestamp,
    };
    edits.push(after_statement(text, &site, &record, &name));
    edits.sort_by_key(|edit| edit.range.start);
    Some(LogFix {
        title: TITLE.to_string(),
        edits,
    })
}

/// The name the record reads the result by: the one it has, or a free one
/// the fix binds it to (`const result = `, `const result = await ` for an
/// unawaited promise, `result = ` in Python; in place of `return `).
fn bind(
    tree: &Tree,
    text: &str,
    site: &CallSite,
    python: bool,
    promise: bool,
    edits: &mut Vec<Edit>,
) -> String {
    let at = match &site.binding {
        Binding::Named(name) => return name.clone(),
        Binding::Return { keyword } => keyword.clone(),
        Binding::Statement => site.statement.start..site.statement.start,
    };
    let name = free_name(tree, text, &site.scope);
    let binding = match (python, promise) {
        (true, _) => format!("{name} = "),
        (false, true) => format!("const {name} = await "),
        (false, false) => format!("const {name} = "),
    };
    edits.push(Edit {
        range: at,
        text: binding,
    });
    name
}

/// The record on the lines after the call's statement, at its indentation
/// (and `return name` after it when the fix took the `return` apart).
fn after_statement(text: &str, site: &CallSite, record: &Record<'_>, name: &str) -> Edit {
    let indent = fixes::indentation(text, site.statement.start);
    let unit = indent_unit(text, indent, record.python);
    let mut after = String::new();
    for line in record.lines() {
        after.push('\n');
        if !line.is_empty() {
            after.push_str(indent);
            after.push_str(&line.replace('\t', &unit));
        }
    }
    if let Binding::Return { .. } = site.binding {
        let end = if record.semicolon { ";" } else { "" };
        after.push_str(&format!("\n{indent}return {name}{end}"));
    }
    let at = line_end(text, site.statement.end);
    Edit {
        range: at..at,
        text: after,
    }
}

/// `generation-not-logged`: every model call that generates (an SDK call,
/// [`generates`]) whose result does not reach `log` ([`is_logged`]). Off
/// unless `[rules]` gives the rule a severity (and then the project file
/// names `log`); one finding per call, on its model id. Model URLs in
/// strings (`fetch(...)`) are not SDK calls with a result to follow: not
/// reported.
pub fn findings<S: SourceText + ?Sized>(
    tree: &Tree,
    text: &S,
    uses: &[ModelUse],
    lookup: &impl Lookup,
    settings: &RuleSettings,
    log: Option<&str>,
) -> Vec<Finding> {
    let (Some(Some(severity)), Some(log)) =
        (settings.severities.get(&RuleCode::GenerationNotLogged), log)
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for call in uses {
        let Some(target) = call.targets.first() else {
            continue;
        };
        if !generates(call.method)
            || call_node(tree, &call.call_range).is_none()
            || is_logged(tree, text, &call.call_range, log)
        {
            continue;
        }
        let route = call.route();
        let id = single_id(call).map(|(id, _)| id);
        let resolved = id.and_then(|id| crate::rules::resolve_on(lookup, route, id));
        let subject = match id {
            Some(id) => format!("This generation with {}", shown_id(id)),
            None => "This generation".to_string(),
        };
        let on_route = if route.is_abstrakt() {
            String::new()
        } else {
            format!(" ({})", route.label())
        };
        out.push(Finding {
            code: RuleCode::GenerationNotLogged,
            severity: *severity,
            range: target.range().clone(),
            message: format!(
                "{subject}{on_route} is not logged: its result is not passed to {log} in this function, and the project keeps a compliance record of every generation ([compliance] log)"
            ),
            model_id: id.map(|id| shown_id(id).into_owned()),
            canonical_id: resolved.as_ref().map(|r| r.model.id.clone()),
            license: resolved.as_ref().map(|r| r.model.licensing.license.clone()),
            suggestions: Vec::new(),
            matched_pattern: resolved
                .as_ref()
                .and_then(|r| r.pattern().map(str::to_string)),
            route,
        });
    }
    out
}

#[cfg(test)]
mod tests;
