//! `workspace/executeCommand`: acknowledging new licensing in `abstrakt.lock`,
//! and the workspace's licensing report (`abstrakt.report`).

use std::sync::Arc;

use serde_json::Value;
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::{ExecuteCommandParams, MessageType, Uri};
use tracing::info;

use super::lifecycle::project_files_changed;
use super::session::Session;
use crate::batch::ScanOptions;
use crate::lockfile::Lockfile;
use crate::registry::Lookup;

pub use super::capabilities::{
    ACKNOWLEDGE_COMMAND, REGENERATE_ATTRIBUTION_COMMAND, REPORT_COMMAND,
};

pub async fn execute(
    session: &Arc<Session>,
    params: ExecuteCommandParams,
) -> Result<Option<Value>> {
    if params.command == REPORT_COMMAND {
        return report(session, &params.arguments).await.map(Some);
    }
    if params.command == REGENERATE_ATTRIBUTION_COMMAND {
        return regenerate_attribution(session, &params.arguments)
            .await
            .map(Some);
    }
    if params.command != ACKNOWLEDGE_COMMAND {
        return Err(Error::invalid_params(format!(
            "unknown command {}",
            params.command
        )));
    }
    let Some(id) = params.arguments.get(1).and_then(Value::as_str) else {
        return Err(Error::invalid_params("expected [document uri, model id]"));
    };
    let view = open_document(session, &params.arguments)?;
    // Derived from the document's project, never from a client argument.
    let project = view.project();
    let Some(target) = project.lock_target() else {
        return Err(Error::invalid_params(
            "the document has no abstrakt.toml or abstrakt.lock",
        ));
    };
    let acknowledged = acknowledged_entries(&view, id);
    if acknowledged.is_empty() {
        return Err(Error::invalid_params(format!(
            "no licensing is known for {id}"
        )));
    }
    // Start from the file on disk, so other entries written meanwhile survive.
    let mut lock = if target.exists() {
        Lockfile::load(&target).map_err(|error| Error::invalid_params(error.to_string()))?
    } else {
        Lockfile::default()
    };
    let today = session.today();
    for (key, model) in &acknowledged {
        lock.record(key, &model.licensing, today);
        // Acknowledging is a review (review-due's "mark reviewed" quick fix).
        lock.mark_reviewed(key, today);
    }
    if let Err(error) = lock.write(&target) {
        let message = format!("abstrakt: cannot write {}: {error}", target.display());
        session
            .client
            .show_message(MessageType::ERROR, &message)
            .await;
        return Err(Error::internal_error());
    }
    info!(id, path = %target.display(), "licensing acknowledged");
    project_files_changed(session, vec![target]).await;
    Ok(None)
}

/// The lock entries acknowledging `id` in the document records: the model on
/// every route the document calls it through (as written or canonical), each
/// with its licensing on that route; the Abstrakt route's when the document
/// does not call it (an id the editor passes from elsewhere).
fn acknowledged_entries(
    view: &super::session::View,
    id: &str,
) -> Vec<(String, Arc<crate::licensing::Model>)> {
    let resolver = &view.project().resolver;
    let mut entries: Vec<(String, Arc<crate::licensing::Model>)> = Vec::new();
    for model_use in &view.analysed.analysis.uses {
        for target in &model_use.targets {
            let crate::extract::Target::Static { id: written, .. } = target else {
                continue;
            };
            let route = model_use.route();
            let Some(resolved) = crate::rules::resolve_on(resolver, route, written) else {
                continue;
            };
            if written != id && resolved.model.id != id {
                continue;
            }
            let key = crate::lockfile::key(&resolved.model.id, route);
            if !entries.iter().any(|(k, _)| *k == key) {
                entries.push((key, resolved.model));
            }
        }
    }
    if entries.is_empty()
        && let Some(resolved) = resolver.resolve(id)
    {
        entries.push((resolved.model.id.clone(), resolved.model));
    }
    entries
}

/// Runs the batch pipeline and the report over the workspace folders (or the
/// one folder asked for) on a blocking thread, with the editor's project
/// index (its settings, its remote store, the last good project files).
async fn report(session: &Arc<Session>, arguments: &[Value]) -> Result<Value> {
    let roots = session.state().roots.clone();
    let roots = match arguments.first().and_then(Value::as_str) {
        Some(uri) => {
            let uri: Uri = uri
                .parse()
                .map_err(|_| Error::invalid_params("not a URI"))?;
            let Some(path) = super::session::file_path(&uri) else {
                return Err(Error::invalid_params("not a file URI"));
            };
            if !roots.iter().any(|root| path.starts_with(root)) {
                return Err(Error::invalid_params("not a folder of this workspace"));
            }
            vec![path]
        }
        None => roots,
    };
    if roots.is_empty() {
        return Err(Error::invalid_params("the workspace has no folder"));
    }
    let session = session.clone();
    let made = tokio::task::spawn_blocking(move || {
        // The editor's project index: its settings, its remote store, the
        // last good version of each project file.
        let projects = session.projects();
        let today = session.today();
        let options = ScanOptions::workspace(roots.clone(), today);
        let mut scan = crate::batch::scan(&options, projects, &|| ())?;
        // Paths as the CLI shows them when run in the folder: relative.
        for file in &mut scan.files {
            if let Some(relative) = roots
                .iter()
                .find_map(|root| file.path.strip_prefix(root).ok())
            {
                file.path = relative.to_path_buf();
            }
        }
        Ok::<_, String>(crate::report::markdown_of(&scan, today))
    })
    .await
    .map_err(|_| Error::internal_error())?;
    match made {
        Ok(markdown) => Ok(Value::String(markdown)),
        Err(error) => Err(Error::invalid_params(error)),
    }
}

/// The open document a command's first argument names: a command acts on
/// the document's own project, so the document must be open.
fn open_document(session: &Session, arguments: &[Value]) -> Result<super::session::View> {
    let Some(uri) = arguments.first().and_then(Value::as_str) else {
        return Err(Error::invalid_params("expected a document uri first"));
    };
    let uri: Uri = uri
        .parse()
        .map_err(|_| Error::invalid_params("not a URI"))?;
    session
        .view(&uri)
        .ok_or_else(|| Error::invalid_params("the document is not open"))
}

/// Writes the attribution file the document's project names (`[attribution]
/// file`), from the project's files as saved, with the editor's project index;
/// returns the file's path. The target comes from the project, never from a
/// client argument.
async fn regenerate_attribution(session: &Arc<Session>, arguments: &[Value]) -> Result<Value> {
    let view = open_document(session, arguments)?;
    let project = view.project();
    let (Some(config_path), Some(file)) = (
        project.config.path.clone(),
        project.config.attribution_file.as_ref(),
    ) else {
        return Err(Error::invalid_params(
            "the document's abstrakt.toml names no [attribution] file",
        ));
    };
    let target = config_path
        .parent()
        .map(|root| root.join(&file.path))
        .ok_or_else(|| Error::invalid_params("abstrakt.toml has no folder"))?;
    let task = session.clone();
    let path = target.clone();
    let written = tokio::task::spawn_blocking(move || {
        let text = crate::credits::for_project(task.projects(), &config_path, task.today())?;
        crate::atomic_file::write_atomic(&path, text.as_bytes())
            .map_err(|error| format!("cannot write {}: {error}", path.display()))
    })
    .await
    .map_err(|_| Error::internal_error())?;
    match written {
        Ok(()) => {
            info!(path = %target.display(), "attribution file regenerated");
            Ok(Value::String(target.display().to_string()))
        }
        Err(error) => {
            let message = format!("abstrakt: {error}");
            session
                .client
                .show_message(MessageType::ERROR, &message)
                .await;
            Err(Error::invalid_params(error))
        }
    }
}
