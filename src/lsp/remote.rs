//! The licensing API as the server uses it: the store built from the
//! settings, and background fetches that re-publish what they change.

use std::collections::HashSet;
use std::sync::Arc;

use tower_lsp_server::ls_types::MessageType;
use tracing::{debug, info};

use super::scheduler;
use super::session::Session;
use super::settings::RemoteSettings;
use crate::remote::cache::DiskCache;
use crate::remote::store::{DEFAULT_TTL, RemoteStore};
use crate::remote::{HttpApi, HttpOptions, SharedApi, validate_api_url};

/// Builds the API store from the effective settings. Never logs the key.
pub fn build(remote: &RemoteSettings) -> (Arc<RemoteStore>, Vec<String>) {
    let mut problems = Vec::new();
    let url = match validate_api_url(&remote.api_url) {
        Ok(url) => Some(url),
        Err(problem) => {
            problems.push(format!("API URL: {problem}; not contacting the API"));
            None
        }
    };
    let base = url
        .as_ref()
        .map_or_else(|| remote.api_url.clone(), |u| u.to_string());
    let api: Option<SharedApi> = match (&url, &remote.api_key, remote.offline) {
        (Some(url), Some(key), false) => {
            match HttpApi::new(url.clone(), key.clone(), HttpOptions::default()) {
                Ok(api) => Some(Arc::new(api)),
                Err(error) => {
                    problems.push(format!("cannot start the HTTP client: {error}"));
                    None
                }
            }
        }
        _ => None,
    };
    let cache = remote
        .cache_dir
        .as_ref()
        .map(|dir| DiskCache::new(dir, &base));
    info!(
        online = api.is_some(),
        offline = remote.offline,
        has_key = remote.api_key.is_some(),
        api = base,
        cache = ?cache.as_ref().map(|c| c.dir().display().to_string()),
        "licensing sources"
    );
    (
        Arc::new(RemoteStore::new(api, &base, cache, DEFAULT_TTL)),
        problems,
    )
}

/// Starts a background fetch of whichever of `ids` need one; when answers
/// arrive, documents using them are re-analysed. Never awaited by handlers.
pub fn schedule_fetch(session: &Arc<Session>, ids: &[String]) {
    if ids.is_empty() {
        return;
    }
    let store = session.state().remote.clone();
    let claimed = store.claim(ids.iter().map(String::as_str));
    if claimed.is_empty() {
        return;
    }
    debug!(
        count = claimed.len(),
        "fetching licensing in the background"
    );
    let session = session.clone();
    tokio::spawn(async move {
        let report = store.fetch(claimed).await;
        if let Some(message) = report.message {
            session
                .client
                .show_message(MessageType::WARNING, message)
                .await;
        }
        if !report.changed.is_empty() {
            let changed: HashSet<String> = report.changed.into_iter().collect();
            scheduler::reanalyse_using(&session, &changed);
        }
    });
}
