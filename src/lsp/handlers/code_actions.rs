//! Quick fixes, built from the diagnostics' `data` (modelId, canonicalId,
//! suggestions) and the byte edits of [`crate::fixes`].

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use ropey::Rope;
use serde_json::json;
use tower_lsp_server::ls_types::*;

use crate::document::{LineIndex, PositionEncoding};
use crate::fixes::{self, Edit};
use crate::lsp::commands::ACKNOWLEDGE_COMMAND;
use crate::lsp::convert;
use crate::lsp::diagnostics::DiagnosticData;
use crate::lsp::session::View;
use crate::registry::{Lookup, Resolver};

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
        let range = start..end.max(start);
        let data = DiagnosticData::from_diagnostic(diagnostic).unwrap_or_default();
        let model = data.canonical_id.as_deref().or(data.model_id.as_deref());
        let resolved = model.and_then(|id| input.resolver.resolve(id));
        let edit =
            |edit: Edit| document_edit(input.uri, vec![text_edit(&index, edit, input.encoding)]);
        match code {
            "attribution-required" => {
                let name = resolved.as_ref().map_or_else(
                    || model.unwrap_or("the model").to_string(),
                    |r| r.model.name.clone(),
                );
                let fix = resolved
                    .as_ref()
                    .and_then(|r| fixes::attribution_fix(&r.model));
                let comment = match &fix {
                    Some(fix) => fix.comment.clone(),
                    None => format!("Attribution required by the license of {name}"),
                };
                actions.push(quickfix(
                    "Add an attribution reminder above the call".to_string(),
                    diagnostic,
                    edit(fixes::line_above(
                        input.text,
                        range.start,
                        &fixes::line_comment(input.language, &comment),
                    )),
                    true,
                ));
                let closing_tag = input
                    .jsx_closing_tags
                    .iter()
                    .find(|(finding, _)| *finding == range.start)
                    .map(|(_, at)| *at);
                if let Some(fix) = fix
                    && let Some(at) = closing_tag
                    && let Some(markup_edit) = fixes::markup_before(input.text, at, &fix.markup)
                {
                    actions.push(quickfix(fix.title, diagnostic, edit(markup_edit), false));
                }
            }
            "non-commercial" | "license-denied" | "commercial-conditional" => {
                if let (Some(inside), Some(resolved)) =
                    (fixes::literal_inside(input.text, &range), &resolved)
                {
                    for (i, alternative) in resolved.model.alternatives.iter().enumerate() {
                        let license = input
                            .resolver
                            .resolve(alternative)
                            .map(|r| r.model.licensing.license.clone());
                        let title = match license {
                            Some(license) => format!("Use {alternative} ({license})"),
                            None => format!("Use {alternative}"),
                        };
                        actions.push(quickfix(
                            title,
                            diagnostic,
                            edit(Edit {
                                range: inside.clone(),
                                text: alternative.clone(),
                            }),
                            i == 0,
                        ));
                    }
                }
            }
            "unknown-model" => {
                if let Some(inside) = fixes::literal_inside(input.text, &range) {
                    for (i, suggestion) in data.suggestions.iter().enumerate() {
                        actions.push(quickfix(
                            format!("Change to {suggestion}"),
                            diagnostic,
                            edit(Edit {
                                range: inside.clone(),
                                text: suggestion.clone(),
                            }),
                            i == 0,
                        ));
                    }
                }
            }
            "license-changed" | "review-due" => {
                if let (true, Some(id)) = (input.has_lock_target, data.canonical_id.as_deref()) {
                    actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                        title: if code == "review-due" {
                            format!("Mark the licensing of {id} reviewed in abstrakt.lock")
                        } else {
                            format!("Acknowledge the current licensing of {id} in abstrakt.lock")
                        },
                        kind: Some(CodeActionKind::QUICKFIX),
                        diagnostics: Some(vec![diagnostic.clone()]),
                        command: Some(Command {
                            title: "Acknowledge licensing".to_string(),
                            command: input.acknowledge_command.to_string(),
                            arguments: Some(vec![json!(input.uri.as_str()), json!(id)]),
                        }),
                        is_preferred: Some(true),
                        ..CodeAction::default()
                    }));
                }
            }
            _ => {}
        }
        actions.push(quickfix(
            format!("Ignore {code} on this line"),
            diagnostic,
            edit(fixes::line_above(
                input.text,
                range.start,
                &fixes::line_comment(
                    input.language,
                    &format!("abstrakt-ignore-next-line {code} -- "),
                ),
            )),
            false,
        ));
        if let (Some(model), Some(target)) = (model, &input.config_target)
            && let Some(workspace_edit) = exception_edit(target, model, code, input.encoding)
        {
            actions.push(quickfix(
                "Add an exception to abstrakt.toml".to_string(),
                diagnostic,
                workspace_edit,
                false,
            ));
        }
    }
    actions
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
pub fn request(view: &View, diagnostics: &[Diagnostic]) -> Vec<CodeActionOrCommand> {
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
    };
    actions(&input, diagnostics)
}
