//! Quick fixes, built from the diagnostics' `data` (modelId, canonicalId,
//! suggestions) and the byte edits of [`crate::fixes`].

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use ropey::Rope;
use serde_json::json;
use tower_lsp_server::ls_types::*;

use crate::document::{LineIndex, PositionEncoding};
use crate::extract::ModelUse;
use crate::fixes::{self, Edit};
use crate::lsp::commands::ACKNOWLEDGE_COMMAND;
use crate::lsp::convert;
use crate::lsp::diagnostics::DiagnosticData;
use crate::lsp::session::View;
use crate::registry::{Lookup, Resolved, Resolver};
use crate::rules::IntendedUse;

mod compliance;

use compliance::{log_action, log_may_apply, regenerate_command};
pub use compliance::{range_actions, source_actions};

/// What the quick fixes of one document need.
pub struct Input<'a> {
    pub uri: &'a Uri,
    pub text: &'a str,
    pub rope: &'a Rope,
    /// The comment syntax of quick fixes that add comments.
    pub language: crate::syntax::Language,
    /// Where the attribution fix puts markup in a JSX component, by the byte
    /// offset of the finding's start (see [`crate::lsp::session::Snapshot::jsx_closing_tags`]).
    pub jsx_closing_tags: &'a [(usize, usize)],
    pub encoding: PositionEncoding,
    pub resolver: &'a Resolver,
    /// The `abstrakt.toml` in force, or where a new one would go.
    pub config_target: Option<PathBuf>,
    /// Whether the document has a lock file (or a place for one).
    pub has_lock_target: bool,
    /// The command that accepts new licensing into `abstrakt.lock`.
    pub acknowledge_command: &'a str,
    /// `[attribution] file` as written, when the project names one.
    pub attribution_file: Option<String>,
    /// The analysed tree and its model calls (the compliance-log action).
    pub tree: Option<&'a tree_sitter::Tree>,
    pub uses: &'a [ModelUse],
    /// `[compliance] log`: without it no compliance-log action is offered.
    pub compliance_log: Option<&'a str>,
    pub intended_use: IntendedUse,
}

fn code_of(diagnostic: &Diagnostic) -> Option<&str> {
    match &diagnostic.code {
        Some(NumberOrString::String(code)) if diagnostic.source.as_deref() == Some("abstrakt") => {
            Some(code)
        }
        _ => None,
    }
}

fn text_edit(index: &LineIndex<'_>, edit: Edit, encoding: PositionEncoding) -> TextEdit {
    TextEdit {
        range: convert::byte_range_to_lsp(index, edit.range, encoding),
        new_text: edit.text,
    }
}

fn quickfix(
    title: String,
    diagnostic: &Diagnostic,
    edit: WorkspaceEdit,
    preferred: bool,
) -> CodeActionOrCommand {
    CodeActionOrCommand::CodeAction(CodeAction {
        title,
        kind: Some(CodeActionKind::QUICKFIX),
        diagnostics: Some(vec![diagnostic.clone()]),
        edit: Some(edit),
        is_preferred: preferred.then_some(true),
        ..CodeAction::default()
    })
}

fn document_edit(uri: &Uri, edits: Vec<TextEdit>) -> WorkspaceEdit {
    WorkspaceEdit {
        changes: Some(HashMap::from([(uri.clone(), edits)])),
        ..WorkspaceEdit::default()
    }
}

/// One diagnostic of a `codeAction` request, with what its fixes need.
struct Fixing<'a> {
    input: &'a Input<'a>,
    index: &'a LineIndex<'a>,
    diagnostic: &'a Diagnostic,
    code: &'a str,
    /// The diagnostic's bytes.
    range: std::ops::Range<usize>,
    data: DiagnosticData,
    /// The canonical id, else the id as written.
    model: Option<String>,
    resolved: Option<Resolved>,
}

impl Fixing<'_> {
    /// A workspace edit of this document by one byte edit.
    fn edit(&self, edit: Edit) -> WorkspaceEdit {
        document_edit(
            self.input.uri,
            vec![text_edit(self.index, edit, self.input.encoding)],
        )
    }

    fn quickfix(&self, title: String, edit: Edit, preferred: bool) -> CodeActionOrCommand {
        quickfix(title, self.diagnostic, self.edit(edit), preferred)
    }
}

/// The quick fixes for the diagnostics of a `codeAction` request.
pub fn actions(input: &Input<'_>, diagnostics: &[Diagnostic]) -> Vec<CodeActionOrCommand> {
    let index = LineIndex::new(input.rope);
    let mut actions = Vec::new();
    for diagnostic in diagnostics {
        let Some(code) = code_of(diagnostic) else {
            continue;
        };
        let start = index.offset(
            convert::position_from_lsp(diagnostic.range.start),
            input.encoding,
        );
        let end = index.offset(
            convert::position_from_lsp(diagnostic.range.end),
            input.encoding,
        );
        let data = DiagnosticData::from_diagnostic(diagnostic).unwrap_or_default();
        let model = data.canonical_id.clone().or_else(|| data.model_id.clone());
        let fixing = Fixing {
            input,
            index: &index,
            diagnostic,
            code,
            range: start..end.max(start),
            resolved: model.as_deref().and_then(|id| input.resolver.resolve(id)),
            model,
            data,
        };
        match code {
            "attribution-required" => attribution_fixes(&fixing, &mut actions),
            "non-commercial" | "license-denied" | "commercial-conditional" => {
                alternative_fixes(&fixing, &mut actions)
            }
            "unknown-model" => suggestion_fixes(&fixing, &mut actions),
            "license-changed" | "review-due" => lock_fix(&fixing, &mut actions),
            "generation-not-logged" => {
                let call = input
                    .uses
                    .iter()
                    .find(|u| u.targets.iter().any(|t| *t.range() == fixing.range));
                if let Some(action) =
                    call.and_then(|u| log_action(input, &index, u, Some(diagnostic)))
                {
                    actions.push(action);
                }
            }
            _ => {}
        }
        ignore_and_exception_fixes(&fixing, &mut actions);
    }
    actions
}

/// A reminder comment above the call; the credit's markup in the component
/// the call renders into, when there is one.
fn attribution_fixes(fixing: &Fixing<'_>, actions: &mut Vec<CodeActionOrCommand>) {
    let input = fixing.input;
    let name = fixing.resolved.as_ref().map_or_else(
        || fixing.model.as_deref().unwrap_or("the model").to_string(),
        |r| r.model.name.clone(),
    );
    let fix = fixing
        .resolved
        .as_ref()
        .and_then(|r| fixes::attribution_fix(&r.model));
    let comment = match &fix {
        Some(fix) => fix.comment.clone(),
        None => format!("Attribution required by the license of {name}"),
    };
    actions.push(fixing.quickfix(
        "Add an attribution reminder above the call".to_string(),
        fixes::line_above(
            input.text,
            fixing.range.start,
            &fixes::line_comment(input.language, &comment),
        ),
        true,
    ));
    let closing_tag = input
        .jsx_closing_tags
        .iter()
        .find(|(finding, _)| *finding == fixing.range.start)
        .map(|(_, at)| *at);
    if let Some(fix) = fix
        && let Some(at) = closing_tag
        && let Some(markup_edit) = fixes::markup_before(input.text, at, &fix.markup)
    {
        actions.push(fixing.quickfix(fix.title, markup_edit, false));
    }
    if let Some(file) = &input.attribution_file {
        actions.push(CodeActionOrCommand::CodeAction(CodeAction {
            title: format!("Regenerate {file} (the credits of every model the project uses)"),
            kind: Some(CodeActionKind::QUICKFIX),
            diagnostics: Some(vec![fixing.diagnostic.clone()]),
            command: Some(regenerate_command(input, file)),
            ..CodeAction::default()
        }));
    }
}

/// The model's commercial-safe alternatives in place of the id.
fn alternative_fixes(fixing: &Fixing<'_>, actions: &mut Vec<CodeActionOrCommand>) {
    let (Some(inside), Some(resolved)) = (
        fixes::literal_inside(fixing.input.text, &fixing.range),
        &fixing.resolved,
    ) else {
        return;
    };
    for (i, alternative) in resolved.model.alternatives.iter().enumerate() {
        let license = fixing
            .input
            .resolver
            .resolve(alternative)
            .map(|r| r.model.licensing.license.clone());
        let title = match license {
            Some(license) => format!("Use {alternative} ({license})"),
            None => format!("Use {alternative}"),
        };
        let edit = Edit {
            range: inside.clone(),
            text: alternative.clone(),
        };
        actions.push(fixing.quickfix(title, edit, i == 0));
    }
}

/// "Did you mean" ids in place of an unknown one.
fn suggestion_fixes(fixing: &Fixing<'_>, actions: &mut Vec<CodeActionOrCommand>) {
    let Some(inside) = fixes::literal_inside(fixing.input.text, &fixing.range) else {
        return;
    };
    for (i, suggestion) in fixing.data.suggestions.iter().enumerate() {
        let edit = Edit {
            range: inside.clone(),
            text: suggestion.clone(),
        };
        actions.push(fixing.quickfix(format!("Change to {suggestion}"), edit, i == 0));
    }
}

/// Acknowledge the licensing (or mark it reviewed) in `abstrakt.lock`.
fn lock_fix(fixing: &Fixing<'_>, actions: &mut Vec<CodeActionOrCommand>) {
    let input = fixing.input;
    let (true, Some(id)) = (input.has_lock_target, fixing.data.canonical_id.as_deref()) else {
        return;
    };
    actions.push(CodeActionOrCommand::CodeAction(CodeAction {
        title: if fixing.code == "review-due" {
            format!("Mark the licensing of {id} reviewed in abstrakt.lock")
        } else {
            format!("Acknowledge the current licensing of {id} in abstrakt.lock")
        },
        kind: Some(CodeActionKind::QUICKFIX),
        diagnostics: Some(vec![fixing.diagnostic.clone()]),
        command: Some(Command {
            title: "Acknowledge licensing".to_string(),
            command: input.acknowledge_command.to_string(),
            arguments: Some(vec![json!(input.uri.as_str()), json!(id)]),
        }),
        is_preferred: Some(true),
        ..CodeAction::default()
    }));
}

/// Every finding: an ignore comment above its line, and an exception in
/// `abstrakt.toml` for its model.
fn ignore_and_exception_fixes(fixing: &Fixing<'_>, actions: &mut Vec<CodeActionOrCommand>) {
    let input = fixing.input;
    let code = fixing.code;
    actions.push(fixing.quickfix(
        format!("Ignore {code} on this line"),
        fixes::line_above(
            input.text,
            fixing.range.start,
            &fixes::line_comment(
                input.language,
                &format!("abstrakt-ignore-next-line {code} -- "),
            ),
        ),
        false,
    ));
    if let (Some(model), Some(target)) = (fixing.model.as_deref(), &input.config_target)
        && let Some(workspace_edit) = exception_edit(target, model, code, input.encoding)
    {
        actions.push(quickfix(
            "Add an exception to abstrakt.toml".to_string(),
            fixing.diagnostic,
            workspace_edit,
            false,
        ));
    }
}

/// Creates `abstrakt.toml` with the exception, or edits the existing one.
fn exception_edit(
    target: &Path,
    model: &str,
    code: &str,
    encoding: PositionEncoding,
) -> Option<WorkspaceEdit> {
    let uri = Uri::from_file_path(target)?;
    let existing = std::fs::read_to_string(target).ok();
    let new_text = fixes::add_exception(existing.as_deref(), model, code).ok()?;
    let mut operations = Vec::new();
    let range = match &existing {
        Some(old) => {
            let rope = Rope::from_str(old);
            let index = LineIndex::new(&rope);
            convert::byte_range_to_lsp(&index, 0..old.len(), encoding)
        }
        None => {
            operations.push(DocumentChangeOperation::Op(ResourceOp::Create(
                CreateFile {
                    uri: uri.clone(),
                    options: Some(CreateFileOptions {
                        overwrite: Some(false),
                        ignore_if_exists: Some(true),
                    }),
                    annotation_id: None,
                },
            )));
            Range::default()
        }
    };
    operations.push(DocumentChangeOperation::Edit(TextDocumentEdit {
        text_document: OptionalVersionedTextDocumentIdentifier { uri, version: None },
        edits: vec![OneOf::Left(TextEdit { range, new_text })],
    }));
    Some(WorkspaceEdit {
        document_changes: Some(DocumentChanges::Operations(operations)),
        ..WorkspaceEdit::default()
    })
}

/// `textDocument/codeAction`, from the analysed snapshot of the text the
/// client sees (the fixes' byte edits are computed on that text). While the
/// current text is not analysed yet there are no fixes to offer: the editor
/// asks again on the next cursor move.
pub fn request(view: &View, params: &CodeActionParams) -> Vec<CodeActionOrCommand> {
    let snapshot = &view.analysed;
    if snapshot.document.revision() != view.current.revision() {
        return Vec::new();
    }
    let project = view.project();
    let text = snapshot.document.text();
    let config_target = project.config_path.clone().or_else(|| {
        let path = crate::lsp::session::file_path(&view.uri)?;
        let root = view
            .roots
            .iter()
            .filter(|root| path.starts_with(root))
            .max_by_key(|root| root.as_os_str().len())
            .cloned();
        root.or_else(|| path.parent().map(Path::to_path_buf))
            .map(|dir| dir.join(crate::config::FILE_NAME))
    });
    let compliance_log = project.config.compliance_log.as_deref();
    let diagnostics = &params.context.diagnostics;
    // Requests keep no tree (see the scheduler's `store`): the log action
    // parses the text again, only when it may be offered.
    let tree = compliance_log
        .filter(|_| {
            snapshot.not_analysed.is_none()
                && log_may_apply(snapshot, view.caps.encoding, params.range, diagnostics)
        })
        .map(|_| crate::syntax::parse(snapshot.document.language, &text));
    let input = Input {
        uri: &view.uri,
        text: &text,
        rope: snapshot.document.rope(),
        language: snapshot.document.language,
        jsx_closing_tags: &snapshot.jsx_closing_tags,
        encoding: view.caps.encoding,
        resolver: &project.resolver,
        config_target,
        has_lock_target: project.lock_target().is_some(),
        acknowledge_command: ACKNOWLEDGE_COMMAND,
        attribution_file: project
            .config
            .attribution_file
            .as_ref()
            .map(|file| file.path.to_string_lossy().into_owned()),
        tree: tree.as_ref(),
        uses: &snapshot.analysis.uses,
        compliance_log,
        intended_use: project.rule_settings.intended_use,
    };
    let mut all = actions(&input, diagnostics);
    let only = params.context.only.as_deref();
    all.extend(range_actions(&input, params.range, diagnostics, only));
    all.extend(source_actions(&input, only));
    all
}
