//! The Abstrakt API for the command line: answers from the disk cache while
//! walking, then one fetch of the ids the walk found that have no fresh answer
//! (with `ABSTRAKT_API_KEY` set and not `--offline`), then a second pass when
//! the API changed anything. The key goes only to `--api-url` /
//! `ABSTRAKT_API_URL` (default the public API), never to a URL from a repository file.

use std::sync::Arc;

use super::project::Projects;
use super::walk::{Scan, ScanOptions, scan};
use super::{Fatal, ProjectArgs};
use crate::extract::Target;
use crate::registry::Resolver;
use crate::remote::cache::{self, DiskCache};
use crate::remote::store::{DEFAULT_TTL, RemoteStore};
use crate::remote::{DEFAULT_API_URL, HttpApi, HttpOptions, Secret, SharedApi, validate_api_url};
use reqwest::Url;

/// The checked API base URL, and the client when `ABSTRAKT_API_KEY` is set
/// and the run is not offline.
pub fn client(api_url: Option<&str>, offline: bool) -> Result<(Url, Option<HttpApi>), Fatal> {
    let url_text = api_url.unwrap_or(DEFAULT_API_URL);
    let url = validate_api_url(url_text).map_err(|e| Fatal(format!("--api-url: {e}")))?;
    let key = std::env::var("ABSTRAKT_API_KEY")
        .ok()
        .filter(|k| !k.trim().is_empty());
    let api = match key {
        Some(key) if !offline => Some(
            HttpApi::new(url.clone(), Secret::new(key.trim()), HttpOptions::default())
                .map_err(|e| Fatal(format!("cannot set up the Abstrakt API client: {e}")))?,
        ),
        _ => None,
    };
    Ok((url, api))
}

/// The resolver every project starts from, and the store behind it.
pub fn base(args: &ProjectArgs) -> Result<(Resolver, Arc<RemoteStore>), Fatal> {
    let (url, api) = client(args.api_url.as_deref(), args.offline)?;
    let api: Option<SharedApi> = api.map(|api| Arc::new(api) as SharedApi);
    let cache_dir = std::env::var_os("ABSTRAKT_CACHE_DIR")
        .filter(|d| !d.is_empty())
        .map(std::path::PathBuf::from)
        .or_else(cache::default_dir);
    let cache = cache_dir.map(|dir| DiskCache::new(&dir, url.as_str()));
    let store = Arc::new(RemoteStore::new(api, url.as_str(), cache, DEFAULT_TTL));
    Ok((Resolver::builtin().with_remote(store.clone()), store))
}

/// Projects whose resolvers consult the API's cached answers.
pub fn projects(args: &ProjectArgs) -> Result<(Projects, Arc<RemoteStore>), Fatal> {
    let (resolver, store) = base(args)?;
    Ok((Projects::with_resolver(args.clone(), resolver), store))
}

/// Walks, then asks the API about the ids without a fresh answer and walks
/// again when that changed anything.
pub fn scan_with_api(options: &ScanOptions, args: &ProjectArgs) -> Result<(Scan, Projects), Fatal> {
    let (projects, store) = projects(args)?;
    let first = scan(options, &projects)?;
    if !store.online() {
        return Ok((first, projects));
    }
    let ids: Vec<&str> = first
        .uses()
        .filter_map(|(_, u)| match &u.target {
            Target::Static { id, .. } => Some(id.as_str()),
            Target::Dynamic { .. } => None,
        })
        .collect();
    let claimed = store.claim(ids);
    if claimed.is_empty() {
        return Ok((first, projects));
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Fatal(format!("cannot start the async runtime: {e}")))?;
    let report = runtime.block_on(store.fetch(claimed));
    if let Some(message) = report.message {
        eprintln!("{message}");
    }
    if report.changed.is_empty() {
        return Ok((first, projects));
    }
    // Same projects (configs are cached), now with the API's answers in memory.
    let second = scan(options, &projects)?;
    Ok((second, projects))
}
