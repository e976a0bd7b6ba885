//! `workspace/executeCommand`: acknowledging new licensing in `abstrakt.lock`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::{ExecuteCommandParams, MessageType, Uri};
use tracing::info;

use super::lifecycle::project_files_changed;
use super::session::Session;
use crate::lockfile::Lockfile;
use crate::registry::Lookup;

/// The command behind the "acknowledge in abstrakt.lock" quick fix:
/// arguments `[document uri, canonical model id]`.
pub const ACKNOWLEDGE_COMMAND: &str = "abstrakt.acknowledgeLicensing";

/// Where a document's lock file is or would be: the one in force, else beside
/// its `abstrakt.toml`. Derived from server state, never from a client argument.
pub fn lock_target(config_path: Option<&Path>, lock_path: Option<&Path>) -> Option<PathBuf> {
    lock_path.map(Path::to_path_buf).or_else(|| {
        config_path
            .and_then(Path::parent)
            .map(|dir| dir.join(crate::lockfile::FILE_NAME))
    })
}

pub async fn execute(
    session: &Arc<Session>,
    params: ExecuteCommandParams,
) -> Result<Option<Value>> {
    if params.command != ACKNOWLEDGE_COMMAND {
        return Err(Error::invalid_params(format!(
            "unknown command {}",
            params.command
        )));
    }
    let (Some(uri), Some(id)) = (
        params.arguments.first().and_then(Value::as_str),
        params.arguments.get(1).and_then(Value::as_str),
    ) else {
        return Err(Error::invalid_params("expected [document uri, model id]"));
    };
    let uri: Uri = uri
        .parse()
        .map_err(|_| Error::invalid_params("not a URI"))?;
    let Some(view) = session.view(&uri) else {
        return Err(Error::invalid_params("the document is not open"));
    };
    let Some(target) = lock_target(view.config_path.as_deref(), view.lock_path.as_deref()) else {
        return Err(Error::invalid_params(
            "the document has no abstrakt.toml or abstrakt.lock",
        ));
    };
    let context = session.context(&view.sources());
    let Some(resolved) = context.resolver.resolve(id) else {
        return Err(Error::invalid_params(format!(
            "no licensing is known for {id}"
        )));
    };
    // Start from the file on disk, so other entries written meanwhile survive.
    let mut lock = if target.exists() {
        Lockfile::load(&target).map_err(|error| Error::invalid_params(error.to_string()))?
    } else {
        Lockfile::default()
    };
    lock.record(
        &resolved.model.id,
        &resolved.model.licensing,
        crate::analysis::today(),
    );
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
