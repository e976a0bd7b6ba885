//! How the API is reached, for both faces: what the face sets explicitly
//! (command-line flags, editor settings) over the environment, read in one
//! place ([`RemoteSettings::resolve`]), and the one builder of the store
//! ([`build`]). Never logs the key.

use std::path::PathBuf;
use std::sync::Arc;

use tracing::info;

use super::cache::{self, DiskCache};
use super::store::{DEFAULT_TTL, RemoteStore};
use super::{DEFAULT_API_URL, HttpApi, HttpOptions, Secret, SharedApi, validate_api_url};

/// What a face set explicitly; `None` means "not set here": the environment
/// (or the default) applies.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Explicit {
    pub api_key: Option<Secret>,
    pub api_url: Option<String>,
    pub offline: Option<bool>,
    pub cache_dir: Option<PathBuf>,
}

/// The settings that decide how the API is reached, environment applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteSettings {
    pub api_key: Option<Secret>,
    pub api_url: String,
    pub offline: bool,
    pub cache_dir: Option<PathBuf>,
}

/// The environment variables read, for messages and docs.
pub const ENV_API_KEY: &str = "ABSTRAKT_API_KEY";
pub const ENV_API_URL: &str = "ABSTRAKT_API_URL";
pub const ENV_OFFLINE: &str = "ABSTRAKT_OFFLINE";
pub const ENV_CACHE_DIR: &str = "ABSTRAKT_CACHE_DIR";

/// A yes/no value as people write it in the environment: `1 true yes y on t`
/// or `0 false no n off f` (any case); `None` for anything else.
pub fn parse_switch(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "y" | "on" | "t" => Some(true),
        "0" | "false" | "no" | "n" | "off" | "f" => Some(false),
        _ => None,
    }
}

impl RemoteSettings {
    /// Explicit settings beat the environment (`env` looks a variable up;
    /// empty values count as unset). Returns the problems to show: an
    /// `ABSTRAKT_OFFLINE` that is not a yes/no value means offline (whoever
    /// set it did not want the network) and says so.
    pub fn resolve(
        explicit: &Explicit,
        env: impl Fn(&str) -> Option<String>,
    ) -> (RemoteSettings, Vec<String>) {
        let env = |name: &str| env(name).filter(|v| !v.trim().is_empty());
        let mut problems = Vec::new();
        let offline = explicit.offline.unwrap_or_else(|| match env(ENV_OFFLINE) {
            None => false,
            Some(value) => parse_switch(&value).unwrap_or_else(|| {
                problems.push(format!(
                    "{ENV_OFFLINE}: expected a yes/no value such as 1 or 0; working offline"
                ));
                true
            }),
        });
        let settings = RemoteSettings {
            api_key: explicit
                .api_key
                .clone()
                .or_else(|| env(ENV_API_KEY).map(|k| Secret::new(k.trim()))),
            api_url: explicit
                .api_url
                .clone()
                .or_else(|| env(ENV_API_URL))
                .unwrap_or_else(|| DEFAULT_API_URL.to_string()),
            offline,
            cache_dir: explicit
                .cache_dir
                .clone()
                .or_else(|| env(ENV_CACHE_DIR).map(PathBuf::from))
                .or_else(cache::default_dir),
        };
        (settings, problems)
    }

    /// The API URL when it is not the public one: model URLs on its host
    /// count like the public API's.
    pub fn configured_api_url(&self) -> Option<String> {
        Some(self.api_url.clone()).filter(|url| url != DEFAULT_API_URL)
    }
}

/// The store built from the settings, and the problems met (a refused URL
/// turns the API off rather than falling back to another endpoint with the
/// key; the command line makes them fatal, the editor shows them).
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
                    problems.push(format!("cannot set up the Abstrakt API client: {error}"));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explicit_settings_beat_the_environment() {
        let env = |name: &str| match name {
            ENV_API_KEY => Some("sk_env".to_string()),
            ENV_API_URL => Some("https://env.example/v1".to_string()),
            ENV_OFFLINE => Some("1".to_string()),
            ENV_CACHE_DIR => Some("/tmp/env-cache".to_string()),
            _ => None,
        };
        let (remote, problems) = RemoteSettings::resolve(&Explicit::default(), env);
        assert!(problems.is_empty());
        assert_eq!(remote.api_key, Some(Secret::new("sk_env")));
        assert_eq!(remote.api_url, "https://env.example/v1");
        assert!(remote.offline);
        assert_eq!(remote.cache_dir, Some(PathBuf::from("/tmp/env-cache")));
        let explicit = Explicit {
            api_key: Some(Secret::new("sk_set")),
            api_url: Some("http://127.0.0.1:9/v1".to_string()),
            offline: Some(false),
            cache_dir: Some(PathBuf::from("/tmp/set")),
        };
        let (remote, _) = RemoteSettings::resolve(&explicit, env);
        assert_eq!(remote.api_key, Some(Secret::new("sk_set")));
        assert_eq!(remote.api_url, "http://127.0.0.1:9/v1");
        assert!(!remote.offline);
        assert_eq!(remote.cache_dir, Some(PathBuf::from("/tmp/set")));
    }

    #[test]
    fn offline_is_one_yes_no_reading() {
        let offline = |value: &str| {
            let value = value.to_string();
            RemoteSettings::resolve(&Explicit::default(), move |name| {
                (name == ENV_OFFLINE).then(|| value.clone())
            })
        };
        for yes in ["1", "true", "YES", "y", "on", "t"] {
            let (remote, problems) = offline(yes);
            assert!(remote.offline && problems.is_empty(), "{yes}");
        }
        for no in ["0", "false", "No", "n", "off", "f", "", "  "] {
            assert!(!offline(no).0.offline, "{no}");
            assert!(offline(no).1.is_empty(), "{no}");
        }
        let (remote, problems) = offline("enabled");
        assert!(remote.offline);
        assert_eq!(
            problems,
            ["ABSTRAKT_OFFLINE: expected a yes/no value such as 1 or 0; working offline"]
        );
    }
}
