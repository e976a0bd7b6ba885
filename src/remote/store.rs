//! What the server knows from the Abstrakt API: answers in memory, backed by
//! the disk cache, refreshed by background fetches. Nothing here waits for
//! the network while answering: [`RemoteStore::cached`] reads memory (or one
//! small cache file), [`RemoteStore::claim`] says what to fetch, and
//! [`RemoteStore::fetch`] runs in a background task.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tracing::{debug, info, warn};

use super::cache::{CacheEntry, DiskCache};
use super::{ApiModel, FetchError, Fetched, SharedApi, fetchable_id};
use crate::licensing::{Model, Registry};
use crate::registry::{RemoteAnswer, RemoteSource};

/// How long an answer counts as fresh.
pub const DEFAULT_TTL: Duration = Duration::from_secs(24 * 3600);
/// How long an id is left alone after a failed fetch.
const RETRY_FAILED_AFTER: Duration = Duration::from_secs(300);
/// From this many ids at once, one list request replaces per-id requests.
pub const BATCH_THRESHOLD: usize = 8;

/// One id's known answer.
#[derive(Debug, Clone)]
struct Memo {
    /// `None`: nothing cached (never fetched, or the file was unreadable).
    entry: Option<CacheEntry>,
    /// The licensing to use, merged with the built-in details; `None` when the
    /// API does not know the id or gives no licensing for it.
    model: Option<Arc<Model>>,
}

impl Memo {
    fn from_entry(entry: Option<CacheEntry>) -> Self {
        let model = entry
            .as_ref()
            .and_then(|e| e.model.as_ref())
            .and_then(merged);
        Memo { entry, model }
    }
}

fn merged(api: &ApiModel) -> Option<Arc<Model>> {
    let builtin = Registry::builtin().get(&api.id).map(|m| m.as_ref());
    api.to_model(builtin).map(Arc::new)
}

#[derive(Default)]
struct Inner {
    memos: HashMap<String, Memo>,
    in_flight: HashSet<String>,
    failed_until: HashMap<String, Instant>,
    /// Set by a 401/403: no more requests until the settings change.
    auth_failed: bool,
}

/// What a background fetch changed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FetchReport {
    /// Ids whose answer may have changed (re-publish documents using them).
    pub changed: Vec<String>,
    /// Something to tell the user once (a rejected key).
    pub message: Option<String>,
}

/// The API answers one server knows about, for one API base.
pub struct RemoteStore {
    api_base: String,
    api: Option<SharedApi>,
    cache: Option<DiskCache>,
    ttl: Duration,
    inner: Mutex<Inner>,
}

impl fmt::Debug for RemoteStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RemoteStore")
            .field("api_base", &self.api_base)
            .field("online", &self.api.is_some())
            .field("cache", &self.cache.as_ref().map(|c| c.dir().to_path_buf()))
            .finish()
    }
}

impl RemoteStore {
    /// `api` is `None` offline or without a key: then only the cache answers.
    pub fn new(
        api: Option<SharedApi>,
        api_base: &str,
        cache: Option<DiskCache>,
        ttl: Duration,
    ) -> Self {
        Self {
            api_base: api_base.to_string(),
            api,
            cache,
            ttl,
            inner: Mutex::new(Inner::default()),
        }
    }

    pub fn online(&self) -> bool {
        self.api.is_some()
    }

    fn inner(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn fresh(&self, entry: &CacheEntry, now: jiff::Timestamp) -> bool {
        let age = now.as_second() - entry.fetched_at;
        age >= 0 && (age as u64) < self.ttl.as_secs()
    }

    fn read_disk(&self, id: &str) -> Option<CacheEntry> {
        self.cache.as_ref().and_then(|c| c.read(id))
    }

    /// The memo for `id`, reading the cache file the first time.
    fn memo(&self, id: &str) -> Memo {
        if let Some(memo) = self.inner().memos.get(id) {
            return memo.clone();
        }
        let memo = Memo::from_entry(self.read_disk(id));
        self.inner()
            .memos
            .entry(id.to_string())
            .or_insert(memo)
            .clone()
    }

    /// Ids (of `ids`) to fetch now; they are marked in flight, so each is
    /// fetched by one task at a time. Empty when offline or the key was refused.
    pub fn claim<'a>(&self, ids: impl IntoIterator<Item = &'a str>) -> Vec<String> {
        if self.api.is_none() {
            return Vec::new();
        }
        let now = jiff::Timestamp::now();
        let mut claimed = Vec::new();
        let mut seen = HashSet::new();
        for id in ids {
            if !seen.insert(id) || !fetchable_id(id) {
                continue;
            }
            let memo = self.memo(id);
            if memo.entry.as_ref().is_some_and(|e| self.fresh(e, now)) {
                continue;
            }
            let mut inner = self.inner();
            if inner.auth_failed || inner.in_flight.contains(id) {
                continue;
            }
            if inner
                .failed_until
                .get(id)
                .is_some_and(|until| *until > Instant::now())
            {
                continue;
            }
            inner.in_flight.insert(id.to_string());
            claimed.push(id.to_string());
        }
        claimed
    }

    fn store(&self, id: &str, entry: CacheEntry) {
        if let Some(cache) = &self.cache {
            cache.write(&entry);
        }
        let memo = Memo::from_entry(Some(entry));
        self.inner().memos.insert(id.to_string(), memo);
    }

    fn release(&self, id: &str) {
        self.inner().in_flight.remove(id);
    }

    /// Fetches claimed ids (see [`RemoteStore::claim`]) and records the answers.
    pub async fn fetch(&self, ids: Vec<String>) -> FetchReport {
        let mut report = FetchReport::default();
        let Some(api) = self.api.clone() else {
            for id in &ids {
                self.release(id);
            }
            return report;
        };
        let mut pending = self.fresh_on_disk(ids, &mut report);
        if pending.len() >= BATCH_THRESHOLD {
            match self.fetch_listed(&api, pending, &mut report).await {
                Some(rest) => pending = rest,
                None => return report,
            }
        }
        let mut ids = pending.into_iter();
        for id in ids.by_ref() {
            let stop = self.fetch_one(&api, &id, &mut report).await;
            self.release(&id);
            if stop {
                break;
            }
        }
        for id in ids {
            self.release(&id);
        }
        report
    }

    /// Takes the ids another server refreshed in the shared cache meanwhile;
    /// returns the others.
    fn fresh_on_disk(&self, ids: Vec<String>, report: &mut FetchReport) -> Vec<String> {
        let now = jiff::Timestamp::now();
        let mut pending = Vec::new();
        for id in ids {
            match self.read_disk(&id) {
                Some(entry) if self.fresh(&entry, now) => {
                    debug!(id, "fresh answer found in the shared cache");
                    self.inner()
                        .memos
                        .insert(id.clone(), Memo::from_entry(Some(entry)));
                    self.release(&id);
                    report.changed.push(id);
                }
                _ => pending.push(id),
            }
        }
        pending
    }

    /// One list request for many ids; returns those the listing did not
    /// answer, or `None` when fetching must stop (every id released).
    async fn fetch_listed(
        &self,
        api: &SharedApi,
        pending: Vec<String>,
        report: &mut FetchReport,
    ) -> Option<Vec<String>> {
        let models = match api.list_models().await {
            Ok(models) => models,
            Err(error) => {
                if self.failed(&error, report) {
                    for id in &pending {
                        self.release(id);
                    }
                    return None;
                }
                return Some(pending);
            }
        };
        let listed: HashMap<String, ApiModel> =
            models.into_iter().map(|m| (m.id.clone(), m)).collect();
        let now = jiff::Timestamp::now();
        let mut rest = Vec::new();
        for id in pending {
            match listed.get(&id) {
                // A listing without licensing may still have it in the
                // model's own answer: those are asked for one by one.
                Some(model) if model.licensing.is_some() => {
                    let entry =
                        CacheEntry::new(&self.api_base, &id, now, None, Some(model.clone()));
                    self.store(&id, entry);
                    self.release(&id);
                    report.changed.push(id);
                }
                _ => rest.push(id),
            }
        }
        Some(rest)
    }

    /// Asks for one id (revalidating a cached answer by its ETag) and records
    /// the answer. Returns whether to stop fetching altogether. The caller
    /// releases the id.
    async fn fetch_one(&self, api: &SharedApi, id: &str, report: &mut FetchReport) -> bool {
        let previous = self.memo(id).entry;
        let etag = previous.as_ref().and_then(|e| e.etag.clone());
        let result = api.get_model(id, etag.as_deref()).await;
        let now = jiff::Timestamp::now();
        match result {
            Ok(Fetched::Found { model, etag }) => {
                if model.id != id {
                    debug!(id, answered = model.id, "the API answered under another id");
                }
                self.store(
                    id,
                    CacheEntry::new(&self.api_base, id, now, etag, Some(*model)),
                );
                report.changed.push(id.to_string());
            }
            Ok(Fetched::NotModified) => match previous {
                Some(mut entry) => {
                    entry.fetched_at = now.as_second();
                    self.store(id, entry);
                    report.changed.push(id.to_string());
                }
                None => warn!(id, "304 without a cached answer; ignored"),
            },
            Ok(Fetched::NotFound) => {
                debug!(id, "unknown to the Abstrakt API");
                self.store(id, CacheEntry::new(&self.api_base, id, now, None, None));
                report.changed.push(id.to_string());
            }
            Err(error) => {
                let stop = self.failed(&error, report);
                self.inner()
                    .failed_until
                    .insert(id.to_string(), Instant::now() + RETRY_FAILED_AFTER);
                return stop;
            }
        }
        false
    }

    /// Records a failure; returns whether to stop fetching altogether.
    fn failed(&self, error: &FetchError, report: &mut FetchReport) -> bool {
        match error {
            FetchError::Unauthorized(_) => {
                let first = !std::mem::replace(&mut self.inner().auth_failed, true);
                if first {
                    warn!("{error}");
                    report.message = Some(format!(
                        "abstrakt: {error}. Using built-in and cached licensing data."
                    ));
                }
                true
            }
            other => {
                info!("{other}; using built-in and cached licensing data");
                false
            }
        }
    }
}

impl RemoteSource for RemoteStore {
    fn cached(&self, id: &str) -> Option<RemoteAnswer> {
        let memo = self.memo(id);
        let entry = memo.entry?;
        let model = memo.model?;
        Some(RemoteAnswer {
            fresh: self.fresh(&entry, jiff::Timestamp::now()),
            fetched_at: entry.fetched_at(),
            model,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::remote::{Api, ApiLicensing, BoxFuture};
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A scripted API: counts calls, answers from a table.
    #[derive(Default)]
    struct Fake {
        gets: AtomicUsize,
        lists: AtomicUsize,
        unauthorized: bool,
    }

    fn licensed(id: &str, license: &str) -> ApiModel {
        ApiModel {
            id: id.to_string(),
            name: None,
            provider: None,
            category: None,
            licensing: Some(ApiLicensing {
                license: license.to_string(),
                commercial: Some(true),
                attribution: Some("Not required".into()),
                restrictions: None,
                license_url: None,
            }),
        }
    }

    impl Api for Fake {
        fn get_model<'a>(
            &'a self,
            id: &'a str,
            etag: Option<&'a str>,
        ) -> BoxFuture<'a, Result<Fetched, FetchError>> {
            Box::pin(async move {
                self.gets.fetch_add(1, Ordering::SeqCst);
                if self.unauthorized {
                    return Err(FetchError::Unauthorized(401));
                }
                if etag == Some("\"1\"") {
                    return Ok(Fetched::NotModified);
                }
                match id {
                    "missing" => Ok(Fetched::NotFound),
                    "broken" => Err(FetchError::BadBody("nope".into())),
                    _ => Ok(Fetched::Found {
                        model: Box::new(licensed(id, "API-License")),
                        etag: Some("\"1\"".into()),
                    }),
                }
            })
        }
        fn list_models(&self) -> BoxFuture<'_, Result<Vec<ApiModel>, FetchError>> {
            Box::pin(async move {
                self.lists.fetch_add(1, Ordering::SeqCst);
                Ok((0..20)
                    .map(|i| licensed(&format!("m{i}"), "Listed"))
                    .collect())
            })
        }
    }

    fn store(api: Arc<Fake>, dir: &std::path::Path) -> RemoteStore {
        RemoteStore::new(
            Some(api),
            "http://127.0.0.1:1/v1/",
            Some(DiskCache::new(dir, "http://127.0.0.1:1/v1/")),
            DEFAULT_TTL,
        )
    }

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime")
            .block_on(f)
    }

    #[test]
    fn fetches_once_caches_and_revalidates() {
        let dir = tempfile::tempdir().expect("tempdir");
        let api = Arc::new(Fake::default());
        let store = store(api.clone(), dir.path());
        assert!(store.cached("flux-dev").is_none());
        let claimed = store.claim(["flux-dev", "flux-dev", "missing", "../x"]);
        assert_eq!(claimed, ["flux-dev", "missing"]);
        // In flight: not claimed twice.
        assert!(store.claim(["flux-dev"]).is_empty());
        let report = block_on(store.fetch(claimed));
        assert_eq!(report.changed, ["flux-dev", "missing"]);
        let answer = store.cached("flux-dev").expect("cached");
        assert!(answer.fresh);
        assert_eq!(answer.model.licensing.license, "API-License");
        // The built-in identity is kept.
        assert_eq!(answer.model.name, "FLUX.1 [dev]");
        assert!(store.cached("missing").is_none());
        assert!(store.claim(["flux-dev", "missing"]).is_empty(), "fresh");

        // A new store (a restart) reads the disk and fetches nothing.
        let again = self::store(api.clone(), dir.path());
        assert!(again.cached("flux-dev").is_some_and(|a| a.fresh));
        assert!(again.claim(["flux-dev"]).is_empty());

        // Expire it on disk: the next fetch revalidates with the ETag (304).
        let cache = DiskCache::new(dir.path(), "http://127.0.0.1:1/v1/");
        let mut entry = cache.read("flux-dev").expect("entry");
        entry.fetched_at -= 25 * 3600;
        cache.write(&entry);
        let third = self::store(api.clone(), dir.path());
        let stale = third.cached("flux-dev").expect("stale");
        assert!(!stale.fresh);
        let claimed = third.claim(["flux-dev"]);
        assert_eq!(claimed, ["flux-dev"]);
        block_on(third.fetch(claimed));
        assert!(third.cached("flux-dev").is_some_and(|a| a.fresh));
        assert_eq!(api.gets.load(Ordering::SeqCst), 3);
    }

    #[test]
    fn many_ids_use_one_list_request() {
        let dir = tempfile::tempdir().expect("tempdir");
        let api = Arc::new(Fake::default());
        let store = store(api.clone(), dir.path());
        let ids: Vec<String> = (0..10)
            .map(|i| format!("m{i}"))
            .chain(["other".to_string()])
            .collect();
        let claimed = store.claim(ids.iter().map(String::as_str));
        assert_eq!(claimed.len(), 11);
        let report = block_on(store.fetch(claimed));
        assert_eq!(report.changed.len(), 11);
        assert_eq!(api.lists.load(Ordering::SeqCst), 1);
        assert_eq!(api.gets.load(Ordering::SeqCst), 1, "only the unlisted id");
        assert_eq!(
            store.cached("m3").expect("listed").model.licensing.license,
            "Listed"
        );
    }

    #[test]
    fn a_refused_key_is_reported_once_and_stops_fetching() {
        let dir = tempfile::tempdir().expect("tempdir");
        let api = Arc::new(Fake {
            unauthorized: true,
            ..Fake::default()
        });
        let store = store(api.clone(), dir.path());
        let claimed = store.claim(["a", "b", "c"]);
        let report = block_on(store.fetch(claimed));
        assert!(
            report
                .message
                .is_some_and(|m| m.contains("rejected the API key"))
        );
        assert_eq!(api.gets.load(Ordering::SeqCst), 1);
        assert!(store.claim(["a", "d"]).is_empty());
    }

    #[test]
    fn failures_back_off_and_offline_never_claims() {
        let dir = tempfile::tempdir().expect("tempdir");
        let api = Arc::new(Fake::default());
        let store = store(api.clone(), dir.path());
        let claimed = store.claim(["broken"]);
        let report = block_on(store.fetch(claimed));
        assert!(report.changed.is_empty());
        assert!(store.claim(["broken"]).is_empty(), "backing off");
        let offline = RemoteStore::new(None, "x", None, DEFAULT_TTL);
        assert!(offline.claim(["flux-dev"]).is_empty());
    }
}
