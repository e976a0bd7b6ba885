//! The Abstrakt API as a licensing source (`GET /v1/models/{id}`, `GET
//! /v1/models`), with a disk cache ([`cache`]) and a background fetcher
//! ([`store`]).
//!
//! Security rules, each with a test:
//! - the key goes only to the API URL the user set (editor settings or the
//!   environment), never to one named in a repository file; only `https://`,
//!   except loopback addresses;
//! - the key is a [`Secret`]: it never appears in logs, errors, messages or
//!   cache files (its `Debug`/`Display` are redacted, the header is marked sensitive);
//! - no redirects are followed, so the key cannot be forwarded elsewhere.

pub mod cache;
pub mod settings;
pub mod store;

use std::fmt;
use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{AUTHORIZATION, ETAG, HeaderValue, IF_NONE_MATCH};
use reqwest::{StatusCode, Url};
use serde::{Deserialize, Serialize};
use tracing::{debug, warn};

use crate::licensing::{Attribution, CommercialUse, Licensing, Model};

/// The API base when neither settings nor the environment name one.
pub const DEFAULT_API_URL: &str = "https://api.abstrakt.one/v1";
/// Bodies larger than this are cut off and ignored.
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

/// An API key. It can be used (`expose`) but never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a key and registers it with the log scrubber ([`crate::redact`]).
    pub fn new(key: impl Into<String>) -> Self {
        let key = key.into();
        crate::redact::register(&key);
        Secret(key)
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// Checks a user-given API base URL: `https://`, or `http://` to a loopback
/// address (tests, local proxies); no credentials, query or fragment. The
/// result ends with `/` so paths join below it.
pub fn validate_api_url(text: &str) -> Result<Url, String> {
    let mut url = Url::parse(text.trim()).map_err(|e| format!("`{text}` is not a URL: {e}"))?;
    let loopback = match url.host() {
        Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    };
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        "http" => {
            return Err(format!(
                "`{text}`: the API URL must use https:// (plain http:// only for loopback addresses)"
            ));
        }
        other => return Err(format!("`{text}`: unsupported scheme `{other}`")),
    }
    if url.host().is_none() {
        return Err(format!("`{text}` has no host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("the API URL must not contain credentials".to_string());
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(format!(
            "`{text}`: the API URL must not have a query or fragment"
        ));
    }
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

/// Whether a model id may be put into a request path: ids come from source
/// code, so anything that could change the request's meaning is refused.
pub fn fetchable_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 200
        && !id.starts_with('/')
        && !id.ends_with('/')
        && id
            .split('/')
            .all(|segment| !segment.is_empty() && segment != "." && segment != "..")
        && id.chars().all(|c| {
            c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/' | ':' | '@' | '+')
        })
}

/// `licensing` as Abstrakt's SDK returns it; unknown fields are ignored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiLicensing {
    pub license: String,
    #[serde(default)]
    pub commercial: Option<bool>,
    #[serde(default)]
    pub attribution: Option<String>,
    #[serde(default)]
    pub restrictions: Option<Vec<String>>,
    #[serde(default, alias = "license_url")]
    pub license_url: Option<String>,
}

/// A model as the API describes it; unknown fields are ignored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiModel {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub provider: Option<String>,
    #[serde(default)]
    pub category: Option<String>,
    /// Absent (or unreadable) licensing keeps the built-in answer.
    #[serde(default, deserialize_with = "lenient_licensing")]
    pub licensing: Option<ApiLicensing>,
}

/// A wrong-shaped `licensing` object is dropped (and logged) rather than
/// rejecting the whole model.
fn lenient_licensing<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<ApiLicensing>, D::Error> {
    let value = Option::<serde_json::Value>::deserialize(deserializer)?;
    Ok(match value {
        None | Some(serde_json::Value::Null) => None,
        Some(value) => match serde_json::from_value(value) {
            Ok(licensing) => Some(licensing),
            Err(error) => {
                warn!("ignoring a licensing object of unexpected shape: {error}");
                None
            }
        },
    })
}

#[derive(Debug, Deserialize)]
struct ModelList {
    models: Vec<serde_json::Value>,
    #[serde(default)]
    total: Option<u64>,
}

#[derive(Debug, Deserialize)]
struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Debug, Deserialize)]
struct ErrorDetail {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    retry_after: Option<f64>,
}

impl ApiModel {
    /// Our model for this API answer. With `builtin` (what the built-in registry
    /// says for the same id), the built-in identity is kept and, when the
    /// license is the same one, so are the details the API does not carry
    /// (attribution text, category, conditions, SPDX id).
    pub fn to_model(&self, builtin: Option<&Model>) -> Option<Model> {
        let api = self.licensing.as_ref()?;
        let same_license = builtin.filter(|b| {
            b.licensing
                .license
                .trim()
                .eq_ignore_ascii_case(api.license.trim())
                || b.licensing
                    .spdx
                    .as_deref()
                    .is_some_and(|s| s.eq_ignore_ascii_case(api.license.trim()))
        });
        let licensing = api.merged(same_license);
        Some(match builtin {
            Some(b) => Model {
                licensing,
                ..b.clone()
            },
            None => Model {
                id: self.id.clone(),
                aliases: Vec::new(),
                name: self.name.clone().unwrap_or_else(|| self.id.clone()),
                vendor: self.provider.clone(),
                modality: self.category.clone(),
                licensing,
                alternatives: Vec::new(),
                patterns: Vec::new(),
            },
        })
    }
}

impl ApiLicensing {
    /// The API's licensing, with the details it does not carry taken from
    /// `same_license` (the built-in model, when it names the same licence).
    fn merged(&self, same_license: Option<&Model>) -> Licensing {
        let api = self;
        let attribution = match api.attribution.as_deref() {
            Some(text) => crate::config::parse_attribution(text).unwrap_or(Attribution::Unverified),
            None => same_license.map_or(Attribution::Unverified, |b| b.licensing.attribution),
        };
        let commercial = match (api.commercial, same_license) {
            // A boolean cannot say "conditional": keep the built-in condition.
            (Some(true), Some(b)) if b.licensing.commercial == CommercialUse::Conditional => {
                CommercialUse::Conditional
            }
            (Some(true), _) => CommercialUse::Allowed,
            (Some(false), _) => CommercialUse::NotAllowed,
            (None, Some(b)) => b.licensing.commercial,
            (None, None) => CommercialUse::Unverified,
        };
        let kept = |f: fn(&Licensing) -> Option<String>| same_license.and_then(|b| f(&b.licensing));
        Licensing {
            license: api.license.trim().to_string(),
            spdx: kept(|l| l.spdx.clone()),
            license_url: api
                .license_url
                .clone()
                .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
                .or_else(|| kept(|l| l.license_url.clone())),
            category: same_license.and_then(|b| b.licensing.category),
            commercial,
            commercial_condition: if commercial == CommercialUse::Conditional {
                kept(|l| l.commercial_condition.clone())
            } else {
                None
            },
            attribution,
            attribution_text: if attribution == Attribution::Required {
                kept(|l| l.attribution_text.clone())
            } else {
                None
            },
            attribution_text_origin: if attribution == Attribution::Required {
                kept(|l| l.attribution_text_origin.clone())
            } else {
                None
            },
            restrictions: api.restrictions.clone().unwrap_or_else(|| {
                same_license.map_or_else(Vec::new, |b| b.licensing.restrictions.clone())
            }),
            territories_excluded: same_license
                .map_or_else(Vec::new, |b| b.licensing.territories_excluded.clone()),
            confidence: None,
            unverified: Vec::new(),
            sources: vec!["Abstrakt API".to_string()],
            license_date: None,
            verified: None,
            notes: None,
            evidence: Vec::new(),
        }
    }
}

/// What a model request came back with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fetched {
    Found {
        model: Box<ApiModel>,
        etag: Option<String>,
    },
    /// `304`: the cached answer (sent as `If-None-Match`) still holds.
    NotModified,
    /// `404`: Abstrakt does not know this id.
    NotFound,
}

/// Why a request gave no usable answer. Never contains the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchError {
    /// 401/403: the key is wrong or lacks `models:read`.
    Unauthorized(u16),
    /// 429 or 5xx after the bounded retries.
    Unavailable(String),
    /// Connection, timeout or protocol failure.
    Transport(String),
    /// Over [`MAX_BODY_BYTES`].
    TooLarge,
    /// Not JSON, or not the documented shape.
    BadBody(String),
    /// Any other status.
    Status(u16),
    /// The id cannot be put in a request path.
    BadId,
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FetchError::Unauthorized(status) => write!(
                f,
                "the Abstrakt API rejected the API key (HTTP {status}); check abstrakt.apiKey or ABSTRAKT_API_KEY"
            ),
            FetchError::Unavailable(why) => write!(f, "the Abstrakt API is unavailable: {why}"),
            FetchError::Transport(why) => write!(f, "cannot reach the Abstrakt API: {why}"),
            FetchError::TooLarge => write!(
                f,
                "the Abstrakt API answer is larger than {MAX_BODY_BYTES} bytes; ignored"
            ),
            FetchError::BadBody(why) => write!(f, "unexpected Abstrakt API answer: {why}"),
            FetchError::Status(status) => write!(f, "the Abstrakt API answered HTTP {status}"),
            FetchError::BadId => write!(f, "this model id cannot be looked up"),
        }
    }
}

impl std::error::Error for FetchError {}

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The API operations the store needs, behind a trait so tests can swap them.
pub trait Api: Send + Sync {
    /// `GET {base}/models/{id}` (slashes in the id kept), with `If-None-Match`.
    fn get_model<'a>(
        &'a self,
        id: &'a str,
        etag: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Fetched, FetchError>>;
    /// Every model, paged by 100 (`GET {base}/models?limit=100&offset=…`).
    fn list_models(&self) -> BoxFuture<'_, Result<Vec<ApiModel>, FetchError>>;
}

/// Timeouts and retry bounds.
#[derive(Debug, Clone)]
pub struct HttpOptions {
    pub connect_timeout: Duration,
    pub total_timeout: Duration,
    /// Attempts per request, the first included, for 429 and 5xx.
    pub attempts: u32,
    pub base_backoff: Duration,
    /// The longest wait honoured from `retry_after`.
    pub max_backoff: Duration,
    /// Pages of the list endpoint read at most.
    pub max_pages: u32,
}

impl Default for HttpOptions {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(5),
            total_timeout: Duration::from_secs(20),
            attempts: 3,
            base_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
            max_pages: 50,
        }
    }
}

/// The real client: reqwest over rustls; HTTP(S)_PROXY from the environment.
pub struct HttpApi {
    client: reqwest::Client,
    base: Url,
    key: Secret,
    options: HttpOptions,
}

impl fmt::Debug for HttpApi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpApi")
            .field("base", &self.base.as_str())
            .field("key", &self.key)
            .finish()
    }
}

/// One attempt's outcome before retry decisions.
enum Attempt {
    Done(Result<(StatusCode, Option<String>, Vec<u8>), FetchError>),
    Retry {
        why: String,
        after: Option<Duration>,
    },
}

impl HttpApi {
    pub fn new(base: Url, key: Secret, options: HttpOptions) -> Result<Self, FetchError> {
        let client = reqwest::Client::builder()
            .connect_timeout(options.connect_timeout)
            .timeout(options.total_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("abstrakt-lsp/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| FetchError::Transport(e.to_string()))?;
        Ok(Self {
            client,
            base,
            key,
            options,
        })
    }

    pub fn base(&self) -> &Url {
        &self.base
    }

    fn model_url(&self, id: &str) -> Result<Url, FetchError> {
        if !fetchable_id(id) {
            return Err(FetchError::BadId);
        }
        let url = self
            .base
            .join(&format!("models/{id}"))
            .map_err(|_| FetchError::BadId)?;
        // Belt and braces: the request stays on the configured origin and path.
        if url.origin() != self.base.origin() || !url.path().starts_with(self.base.path()) {
            return Err(FetchError::BadId);
        }
        Ok(url)
    }

    /// One GET with retries for 429/5xx; returns status, ETag and body.
    async fn get(
        &self,
        url: Url,
        etag: Option<&str>,
    ) -> Result<(StatusCode, Option<String>, Vec<u8>), FetchError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.attempt(url.clone(), etag).await {
                Attempt::Done(result) => return result,
                Attempt::Retry { why, after } => {
                    if attempt >= self.options.attempts {
                        return Err(FetchError::Unavailable(why));
                    }
                    let wait = self.backoff(attempt, after);
                    debug!(url = url.as_str(), attempt, ?wait, "retrying: {why}");
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }

    /// Exponential backoff with full jitter, or the server's `retry_after`.
    fn backoff(&self, attempt: u32, after: Option<Duration>) -> Duration {
        let max = self.options.max_backoff;
        match after {
            Some(after) => after.min(max) + Duration::from_millis(fastrand::u64(0..250)),
            None => {
                let ceiling = self
                    .options
                    .base_backoff
                    .saturating_mul(1 << attempt.min(10))
                    .min(max);
                let millis = u64::try_from(ceiling.as_millis()).unwrap_or(u64::MAX);
                Duration::from_millis(millis / 2 + fastrand::u64(0..=millis / 2))
            }
        }
    }

    async fn attempt(&self, url: Url, etag: Option<&str>) -> Attempt {
        let mut auth = match HeaderValue::from_str(&format!("Bearer {}", self.key.expose())) {
            Ok(value) => value,
            Err(_) => {
                return Attempt::Done(Err(FetchError::Unauthorized(0)));
            }
        };
        auth.set_sensitive(true);
        let mut request = self.client.get(url.clone()).header(AUTHORIZATION, auth);
        if let Some(etag) = etag.and_then(|e| HeaderValue::from_str(e).ok()) {
            request = request.header(IF_NONE_MATCH, etag);
        }
        let mut response = match request.send().await {
            Ok(response) => response,
            Err(error) => {
                let error = error.without_url();
                // Connection failures are retried like 5xx; timeouts are not
                // (the total timeout already spent the time budget).
                if error.is_connect() {
                    return Attempt::Retry {
                        why: error.to_string(),
                        after: None,
                    };
                }
                return Attempt::Done(Err(FetchError::Transport(error.to_string())));
            }
        };
        let status = response.status();
        let etag = response
            .headers()
            .get(ETAG)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        if let Some(remaining) = response
            .headers()
            .get("x-ratelimit-remaining")
            .and_then(|v| v.to_str().ok())
        {
            debug!(remaining, "rate limit");
        }
        let header_retry = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<f64>().ok());
        if matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN) {
            return Attempt::Done(Err(FetchError::Unauthorized(status.as_u16())));
        }
        if status == StatusCode::NOT_MODIFIED || status == StatusCode::NOT_FOUND {
            return Attempt::Done(Ok((status, etag, Vec::new())));
        }
        let body = match read_limited(&mut response, MAX_BODY_BYTES).await {
            Ok(body) => body,
            Err(error) => return Attempt::Done(Err(error)),
        };
        if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
            let retry_after = serde_json::from_slice::<ErrorBody>(&body)
                .ok()
                .and_then(|b| {
                    if let Some(code) = &b.error.code {
                        debug!(code, "API error");
                    }
                    b.error.retry_after
                })
                .or(header_retry)
                .filter(|s| s.is_finite() && *s >= 0.0)
                .map(Duration::from_secs_f64);
            return Attempt::Retry {
                why: format!("HTTP {}", status.as_u16()),
                after: retry_after,
            };
        }
        if !status.is_success() {
            return Attempt::Done(Err(FetchError::Status(status.as_u16())));
        }
        Attempt::Done(Ok((status, etag, body)))
    }
}

/// Reads a body up to `limit` bytes, refusing it as soon as it is known to be larger.
async fn read_limited(
    response: &mut reqwest::Response,
    limit: usize,
) -> Result<Vec<u8>, FetchError> {
    if response
        .content_length()
        .is_some_and(|len| len > limit as u64)
    {
        return Err(FetchError::TooLarge);
    }
    let mut body = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                if body.len() + chunk.len() > limit {
                    return Err(FetchError::TooLarge);
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(body),
            Err(error) => return Err(FetchError::Transport(error.without_url().to_string())),
        }
    }
}

fn parse_model(body: &[u8]) -> Result<ApiModel, FetchError> {
    serde_json::from_slice(body).map_err(|e| FetchError::BadBody(e.to_string()))
}

impl Api for HttpApi {
    fn get_model<'a>(
        &'a self,
        id: &'a str,
        etag: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Fetched, FetchError>> {
        Box::pin(async move {
            let url = self.model_url(id)?;
            debug!(url = url.as_str(), "fetching model");
            let (status, etag, body) = self.get(url, etag).await?;
            match status {
                StatusCode::NOT_MODIFIED => Ok(Fetched::NotModified),
                StatusCode::NOT_FOUND => Ok(Fetched::NotFound),
                _ => Ok(Fetched::Found {
                    model: Box::new(parse_model(&body)?),
                    etag,
                }),
            }
        })
    }

    fn list_models(&self) -> BoxFuture<'_, Result<Vec<ApiModel>, FetchError>> {
        Box::pin(async move {
            let mut models = Vec::new();
            let mut offset: u64 = 0;
            for _ in 0..self.options.max_pages {
                let mut url = self
                    .base
                    .join("models")
                    .map_err(|e| FetchError::Transport(e.to_string()))?;
                url.query_pairs_mut()
                    .append_pair("limit", "100")
                    .append_pair("offset", &offset.to_string());
                debug!(url = url.as_str(), "listing models");
                let (status, _, body) = self.get(url, None).await?;
                if status != StatusCode::OK {
                    return Err(FetchError::Status(status.as_u16()));
                }
                let page: ModelList = serde_json::from_slice(&body)
                    .map_err(|e| FetchError::BadBody(e.to_string()))?;
                let count = page.models.len() as u64;
                for value in page.models {
                    match serde_json::from_value::<ApiModel>(value) {
                        Ok(model) => models.push(model),
                        Err(error) => warn!("ignoring a listed model of unexpected shape: {error}"),
                    }
                }
                offset += count;
                let done = count == 0 || page.total.is_none_or(|total| offset >= total);
                if done {
                    break;
                }
            }
            Ok(models)
        })
    }
}

/// An [`Api`] shared between tasks.
pub type SharedApi = Arc<dyn Api>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let key = Secret::new("sk_live_abcdef");
        assert_eq!(format!("{key}"), "[redacted]");
        assert_eq!(format!("{key:?}"), "Secret([redacted])");
        let api = HttpApi::new(
            validate_api_url("https://api.abstrakt.one/v1").expect("valid"),
            key,
            HttpOptions::default(),
        )
        .expect("client");
        assert!(!format!("{api:?}").contains("abcdef"));
    }

    #[test]
    fn only_https_or_loopback_http_urls_are_accepted() {
        for good in [
            "https://api.abstrakt.one/v1",
            "https://api.abstrakt.one/v1/",
            "http://127.0.0.1:8080/v1",
            "http://127.3.4.5/v1",
            "http://localhost:9/v1",
            "http://[::1]:9/v1",
        ] {
            let url = validate_api_url(good).unwrap_or_else(|e| panic!("{good}: {e}"));
            assert!(url.path().ends_with('/'), "{url}");
        }
        for bad in [
            "http://api.abstrakt.one/v1",
            "http://10.0.0.1/v1",
            "http://localhost.evil.com/v1",
            "ftp://127.0.0.1/v1",
            "file:///etc/passwd",
            "https://user:pw@api.abstrakt.one/v1",
            "https://api.abstrakt.one/v1?x=1",
            "not a url",
        ] {
            assert!(validate_api_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn model_urls_keep_slashes_and_stay_on_the_base() {
        let api = HttpApi::new(
            validate_api_url("https://api.abstrakt.one/v1").expect("valid"),
            Secret::new("k"),
            HttpOptions::default(),
        )
        .expect("client");
        assert_eq!(
            api.model_url("fal-ai/flux/schnell").expect("ok").as_str(),
            "https://api.abstrakt.one/v1/models/fal-ai/flux/schnell"
        );
        for bad in [
            "../jobs/x",
            "a/../../b",
            "//evil.com/x",
            "a?b",
            "a#b",
            "a b",
            "a%2e",
            "a\\b",
            "/abs",
            "a\0b",
            "",
            "https://evil.com/x",
        ] {
            assert_eq!(api.model_url(bad), Err(FetchError::BadId), "{bad:?}");
        }
    }

    #[test]
    fn api_answers_merge_with_builtin_details() {
        let builtin = crate::licensing::Registry::builtin()
            .get("flux-dev")
            .expect("known");
        let same: ApiModel = serde_json::from_str(
            r#"{"id":"flux-dev","extra":1,"licensing":{"commercial":true,"attribution":"Required","restrictions":["No illegal content","No deepfakes"],"license":"FLUX.1-dev","licenseUrl":"https://x"}}"#,
        )
        .expect("parse");
        let model = same.to_model(Some(builtin)).expect("licensing");
        assert_eq!(model.id, "flux-dev");
        assert_eq!(
            model.licensing.attribution_text,
            builtin.licensing.attribution_text
        );
        assert_eq!(model.licensing.license_url.as_deref(), Some("https://x"));
        let changed: ApiModel = serde_json::from_str(
            r#"{"id":"flux-dev","licensing":{"commercial":false,"attribution":"Not required","license":"Other"}}"#,
        )
        .expect("parse");
        let model = changed.to_model(Some(builtin)).expect("licensing");
        assert_eq!(model.licensing.commercial, CommercialUse::NotAllowed);
        assert_eq!(model.licensing.attribution_text, None);
        let none: ApiModel =
            serde_json::from_str(r#"{"id":"x","licensing":{"weird":true}}"#).expect("parse");
        assert_eq!(none.licensing, None);
        assert_eq!(none.to_model(None), None);
    }
}
