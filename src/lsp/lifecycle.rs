//! The server's life: `initialize`, `initialized`, settings changes,
//! project-file changes, and exiting when the editor is gone.

use std::path::PathBuf;
use std::sync::Arc;

use serde_json::{Value, json};
use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;
use tracing::{debug, info, warn};

use super::capabilities::{ClientCaps, server_capabilities};
use super::diagnostics::report_loads;
use super::scheduler;
use super::session::{Session, file_path};
use super::workspace::{self, DiagnosticsScope};
use crate::attribution::AttributionIndex;

pub fn initialize(session: &Session, params: InitializeParams) -> Result<InitializeResult> {
    let caps = ClientCaps::from_params(&params);
    let problems = {
        let mut state = session.state();
        state.caps = caps;
        #[allow(deprecated)]
        let root_uri = params.root_uri.iter();
        state.roots = params
            .workspace_folders
            .iter()
            .flatten()
            .map(|f| &f.uri)
            .chain(root_uri)
            .filter_map(file_path)
            .collect();
        let mut problems = match &params.initialization_options {
            Some(options) => state.settings.apply(options),
            None => Vec::new(),
        };
        problems.extend(state.refresh_remote());
        state.startup_problems = problems.clone();
        problems
    };
    for problem in &problems {
        warn!("ignored initialization option: {problem}");
    }
    if let Some(pid) = params.process_id {
        watch_parent(pid);
    }
    info!(encoding = ?caps.encoding, "initialized");
    Ok(InitializeResult {
        capabilities: server_capabilities(&caps),
        server_info: Some(ServerInfo {
            name: "abstrakt-lsp".to_string(),
            version: Some(env!("CARGO_PKG_VERSION").to_string()),
        }),
        offset_encoding: None,
    })
}

pub async fn initialized(session: &Arc<Session>) {
    let client = &session.client;
    client
        .log_message(
            MessageType::INFO,
            concat!("abstrakt-lsp ", env!("CARGO_PKG_VERSION"), " ready"),
        )
        .await;
    let problems = std::mem::take(&mut session.state().startup_problems);
    for problem in problems {
        client
            .show_message(
                MessageType::WARNING,
                format!("abstrakt: ignored setting: {problem}"),
            )
            .await;
    }
    let (roots, scope, watch_dynamic) = {
        let state = session.state();
        (state.roots.clone(), state.scope(), state.caps.watch_dynamic)
    };
    tokio::spawn(scheduler::sweep_idle_trees(session.clone()));
    if !roots.is_empty() {
        let session = session.clone();
        // The index first, then the workspace scan: files never opened are
        // published once, already knowing which credits the project shows.
        tokio::spawn(async move {
            let walked = roots.clone();
            let built = tokio::task::spawn_blocking(move || AttributionIndex::build(&walked)).await;
            if let Ok(index) = built {
                debug!(files = index.len(), "attribution index built");
                if !index.is_empty() {
                    *session.attribution() = index;
                    scheduler::reanalyse_all(&session);
                }
            }
            if scope == DiagnosticsScope::Workspace {
                workspace::scan(session, roots).await;
            }
        });
    }
    if watch_dynamic {
        let client = client.clone();
        // In a task: the client's answer must not hold up other messages.
        tokio::spawn(async move {
            let registration = Registration {
                id: "abstrakt-project-files".to_string(),
                method: "workspace/didChangeWatchedFiles".to_string(),
                register_options: Some(json!({
                    "watchers": [
                        { "globPattern": "**/abstrakt.toml" },
                        { "globPattern": "**/abstrakt.lock" },
                        { "globPattern": "**/*.{html,htm,jsx,tsx,vue,svelte,md,mdx}" },
                        { "globPattern": "**/*.{js,mjs,cjs,ts,mts,cts,py,pyi,sh,bash,zsh}" }
                    ]
                })),
            };
            if let Err(error) = client.register_capability(vec![registration]).await {
                warn!("cannot watch project files: {error}");
            }
        });
    }
}

/// Applies new settings; returns the problems with them.
fn apply_settings(session: &Session, value: &Value) -> Vec<String> {
    let mut state = session.state();
    let mut problems = state.settings.apply(value);
    problems.extend(state.refresh_remote());
    problems
}

async fn report_settings_problems(session: &Session, problems: Vec<String>) {
    for problem in problems {
        warn!("ignored setting: {problem}");
        session
            .client
            .show_message(
                MessageType::WARNING,
                format!("abstrakt: ignored setting: {problem}"),
            )
            .await;
    }
}

pub async fn did_change_configuration(
    session: &Arc<Session>,
    params: DidChangeConfigurationParams,
) {
    let was = session.state().scope();
    let problems = apply_settings(session, &params.settings);
    let (scope, roots) = {
        let state = session.state();
        (state.scope(), state.roots.clone())
    };
    match (was, scope) {
        (DiagnosticsScope::OpenFiles, DiagnosticsScope::Workspace) if !roots.is_empty() => {
            tokio::spawn(workspace::scan(session.clone(), roots));
        }
        (DiagnosticsScope::Workspace, DiagnosticsScope::OpenFiles) => {
            let dropped: Vec<Uri> = session
                .state()
                .workspace_files
                .drain()
                .map(|(u, _)| u)
                .collect();
            for uri in dropped {
                session
                    .client
                    .publish_diagnostics(uri, Vec::new(), None)
                    .await;
            }
        }
        _ => {}
    }
    report_settings_problems(session, problems).await;
    scheduler::reanalyse_all(session);
    if session.state().caps.inlay_refresh {
        // In a task: the client's answer must not hold up other messages.
        let client = session.client.clone();
        tokio::spawn(async move {
            if let Err(error) = client.inlay_hint_refresh().await {
                debug!("inlay hint refresh: {error}");
            }
        });
    }
}

/// A project file changed on disk (or was saved): reload it, find each
/// document's project files again, and re-analyse the documents it governs
/// (those using it, and those whose nearest project file changed).
pub async fn project_files_changed(session: &Arc<Session>, paths: Vec<PathBuf>) {
    if paths.is_empty() {
        return;
    }
    session.reload_project_files(&paths);
    let governed = session.moved_projects();
    report_loads(session).await;
    for uri in governed {
        scheduler::request(session, &uri);
    }
}

/// An `abstrakt.toml` / `abstrakt.lock` opened in the editor: its problems
/// become diagnostics on it.
pub async fn open_project_file(session: &Arc<Session>, uri: Uri) {
    let Some(path) = file_path(&uri) else {
        return;
    };
    session.state().open_project_files.insert(uri);
    project_files_changed(session, vec![path]).await;
}

/// Watches the editor process named in `initialize` and exits when it is gone,
/// so a crashed editor never leaves a server behind.
fn watch_parent(process_id: u32) {
    #[cfg(unix)]
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(std::time::Duration::from_secs(3));
        loop {
            interval.tick().await;
            if !process_alive(process_id) {
                info!("editor process {process_id} is gone; exiting");
                std::process::exit(0);
            }
        }
    });
    #[cfg(not(unix))]
    let _ = process_id;
}

#[cfg(unix)]
fn process_alive(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return true;
    };
    // Signal 0 checks existence; EPERM means it exists but is not ours.
    // SAFETY: kill with signal 0 sends nothing and has no memory effects.
    let result = unsafe { libc::kill(pid, 0) };
    result == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}
