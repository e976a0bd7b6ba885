//! The compliance workflow's code actions: "Log this generation for
//! compliance" (a quick fix of `generation-not-logged`, else a rewrite at a
//! model call) and regenerating the `[attribution] file` (a source action).

use serde_json::json;
use tower_lsp_server::ls_types::*;

use super::{Input, code_of, document_edit, text_edit};
use crate::compliance_log;
use crate::document::{LineIndex, PositionEncoding};
use crate::extract::ModelUse;
use crate::lsp::capabilities::REGENERATE_ATTRIBUTION_KIND;
use crate::lsp::commands::REGENERATE_ATTRIBUTION_COMMAND;
use crate::lsp::convert;

/// "Log this generation for compliance" on a model call: the record of
/// [`compliance_log::fix`] after it. A quick fix of `generation-not-logged`
/// (`diagnostic`), else a rewrite offered at the call. Only with
/// `[compliance] log` set: the record calls that function.
pub(super) fn log_action(
    input: &Input<'_>,
    index: &LineIndex<'_>,
    call: &ModelUse,
    diagnostic: Option<&Diagnostic>,
) -> Option<CodeActionOrCommand> {
    let fix = compliance_log::fix(
        input.tree?,
        input.text,
        input.language,
        call,
        input.resolver,
        input.intended_use,
        input.compliance_log?,
    )?;
    let edits = fix
        .edits
        .into_iter()
        .map(|edit| text_edit(index, edit, input.encoding))
        .collect();
    Some(CodeActionOrCommand::CodeAction(CodeAction {
        title: fix.title,
        kind: Some(if diagnostic.is_some() {
            CodeActionKind::QUICKFIX
        } else {
            CodeActionKind::REFACTOR_REWRITE
        }),
        diagnostics: diagnostic.map(|d| vec![d.clone()]),
        edit: Some(document_edit(input.uri, edits)),
        is_preferred: diagnostic.map(|_| true),
        ..CodeAction::default()
    }))
}

/// The actions offered at a range whatever the diagnostics: "Log this
/// generation for compliance" on each model call the range touches, unless
/// a `generation-not-logged` diagnostic in the request already offers it
/// as its quick fix. `only`: the kinds the client asked for.
pub fn range_actions(
    input: &Input<'_>,
    range: Range,
    diagnostics: &[Diagnostic],
    only: Option<&[CodeActionKind]>,
) -> Vec<CodeActionOrCommand> {
    let wanted = only.is_none_or(|kinds| asked_for(kinds, &CodeActionKind::REFACTOR_REWRITE));
    if !wanted || input.compliance_log.is_none() {
        return Vec::new();
    }
    let index = LineIndex::new(input.rope);
    let offset = |position| index.offset(convert::position_from_lsp(position), input.encoding);
    let (start, end) = (offset(range.start), offset(range.end));
    let fixed: Vec<&Range> = diagnostics
        .iter()
        .filter(|d| code_of(d) == Some("generation-not-logged"))
        .map(|d| &d.range)
        .collect();
    input
        .uses
        .iter()
        .filter(|call| call.call_range.start <= end && start <= call.call_range.end)
        .filter(|call| {
            !call.targets.iter().any(|target| {
                let at = convert::byte_range_to_lsp(&index, target.range().clone(), input.encoding);
                fixed.contains(&&at)
            })
        })
        .filter_map(|call| log_action(input, &index, call, None))
        .collect()
}

/// Whether `kinds` (a request's `only`) asks for `kind`: the kind itself or
/// a parent of it (`refactor` asks for `refactor.rewrite`).
fn asked_for(kinds: &[CodeActionKind], kind: &CodeActionKind) -> bool {
    kinds.iter().any(|asked| {
        let asked = asked.as_str();
        kind.as_str() == asked || kind.as_str().starts_with(&format!("{asked}."))
    })
}

/// Source actions (VS Code's "Source Action…" menu), offered only when the
/// client asks for them: regenerating the project's `[attribution] file`
/// from any of its documents, whatever the findings (a model no longer used
/// leaves no finding to hang the quick fix on).
pub fn source_actions(
    input: &Input<'_>,
    only: Option<&[CodeActionKind]>,
) -> Vec<CodeActionOrCommand> {
    let kind = CodeActionKind::new(REGENERATE_ATTRIBUTION_KIND);
    let (Some(kinds), Some(file)) = (only, &input.attribution_file) else {
        return Vec::new();
    };
    if !asked_for(kinds, &kind) {
        return Vec::new();
    }
    vec![CodeActionOrCommand::CodeAction(CodeAction {
        title: format!("Regenerate {file} (the credits of every model the project uses)"),
        kind: Some(kind),
        command: Some(regenerate_command(input, file)),
        ..CodeAction::default()
    })]
}

pub(super) fn regenerate_command(input: &Input<'_>, file: &str) -> Command {
    Command {
        title: format!("Regenerate {file}"),
        command: REGENERATE_ATTRIBUTION_COMMAND.to_string(),
        arguments: Some(vec![json!(input.uri.as_str())]),
    }
}

/// Whether a compliance-log action may be offered: a `generation-not-logged`
/// diagnostic, or a model call the range touches.
pub(super) fn log_may_apply(
    snapshot: &crate::lsp::session::Snapshot,
    encoding: PositionEncoding,
    range: Range,
    diagnostics: &[Diagnostic],
) -> bool {
    if diagnostics
        .iter()
        .any(|d| code_of(d) == Some("generation-not-logged"))
    {
        return true;
    }
    let index = LineIndex::new(snapshot.document.rope());
    let offset = |position| index.offset(convert::position_from_lsp(position), encoding);
    let (start, end) = (offset(range.start), offset(range.end));
    snapshot
        .analysis
        .uses
        .iter()
        .any(|call| call.call_range.start <= end && start <= call.call_range.end)
}
