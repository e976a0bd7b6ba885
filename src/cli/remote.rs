//! The Abstrakt API for the command line: answers from the disk cache while
//! walking, then one fetch of the ids the walk found that have no fresh answer
//! (with `ABSTRAKT_API_KEY` set and not offline), then a second pass when
//! the API changed anything. The key goes only to `--api-url` /
//! `ABSTRAKT_API_URL` (default the public API), never to a URL from a
//! repository file. Flags and the environment are read by
//! [`RemoteSettings::resolve`], as the editor's settings are.

use std::sync::Arc;

use super::walk::{Scan, ScanOptions, scan};
use super::{Fatal, ProjectArgs};
use crate::extract::Target;
use crate::host::Host;
use crate::project::{OnError, Overrides, ProjectIndex};
use crate::registry::RemoteSource;
use crate::remote::settings::{self, Explicit, RemoteSettings};
use crate::remote::store::RemoteStore;
use crate::remote::{HttpApi, HttpOptions, validate_api_url};
use reqwest::Url;

/// The flags over the environment; problems with the environment are
/// warnings (an unreadable `ABSTRAKT_OFFLINE` means offline), a refused API
/// URL is fatal.
fn resolve(
    api_url: Option<&str>,
    offline: bool,
    host: &dyn Host,
) -> Result<(RemoteSettings, Url), Fatal> {
    let explicit = Explicit {
        api_url: api_url.map(str::to_string),
        offline: offline.then_some(true),
        ..Explicit::default()
    };
    let (settings, problems) = RemoteSettings::resolve(&explicit, |name| host.env(name));
    for problem in problems {
        eprintln!("abstrakt-lsp: warning: {problem}");
    }
    let url = validate_api_url(&settings.api_url).map_err(|e| Fatal(format!("--api-url: {e}")))?;
    Ok((settings, url))
}

/// The checked API base URL, and the client when `ABSTRAKT_API_KEY` is set
/// and the run is not offline.
pub fn client(
    api_url: Option<&str>,
    offline: bool,
    host: &dyn Host,
) -> Result<(Url, Option<HttpApi>), Fatal> {
    let (settings, url) = resolve(api_url, offline, host)?;
    let api = match (&settings.api_key, settings.offline) {
        (Some(key), false) => Some(
            HttpApi::new(url.clone(), key.clone(), HttpOptions::default())
                .map_err(|e| Fatal(format!("cannot set up the Abstrakt API client: {e}")))?,
        ),
        _ => None,
    };
    Ok((url, api))
}

/// The project index of a run (a file under an invalid project file fails,
/// the others are checked), its resolvers consulting the API's cached answers.
pub fn projects(
    args: &ProjectArgs,
    host: &dyn Host,
) -> Result<(ProjectIndex, Arc<RemoteStore>), Fatal> {
    let (settings, _) = resolve(args.api_url.as_deref(), args.offline, host)?;
    let (store, problems) = settings::build(&settings);
    if let Some(problem) = problems.into_iter().next() {
        return Err(Fatal(problem));
    }
    let overrides = Overrides {
        intended_use: args.intended_use.map(Into::into),
        intended_use_fallback: None,
        api_url: settings.configured_api_url(),
    };
    let remote: Arc<dyn RemoteSource> = store.clone();
    let index = ProjectIndex::new(OnError::Fail, overrides, Some(remote));
    Ok((index, store))
}

/// Walks, then asks the API about the ids without a fresh answer and walks
/// again when that changed anything.
pub fn scan_with_api(
    options: &ScanOptions,
    args: &ProjectArgs,
    host: &dyn Host,
) -> Result<(Scan, ProjectIndex), Fatal> {
    let (projects, store) = projects(args, host)?;
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
