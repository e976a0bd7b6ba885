//! The disk cache of API answers: one small JSON file per (API, model id),
//! named by a hash so no id can name a path outside the folder. Writes go
//! through a temporary file and a rename, so two servers sharing the folder
//! only ever see whole files; the last writer wins. A file that does not parse
//! is deleted and fetched again, never fatal. No file holds the API key.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tracing::{debug, warn};

use super::ApiModel;
use crate::lockfile::{hex, write_atomic};

const VERSION: u32 = 1;

/// The default cache folder: `$ABSTRAKT_CACHE_DIR`, else the platform's user
/// cache folder plus `abstrakt-lsp`.
pub fn default_dir() -> Option<PathBuf> {
    dirs::cache_dir().map(|dir| dir.join("abstrakt-lsp"))
}

/// One cached answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CacheEntry {
    pub version: u32,
    /// The API base it came from (never the key).
    pub api: String,
    pub id: String,
    /// Unix seconds of the fetch (or of the last `304`).
    pub fetched_at: i64,
    pub etag: Option<String>,
    /// `None`: the API answered 404.
    pub model: Option<ApiModel>,
}

impl CacheEntry {
    pub fn new(
        api: &str,
        id: &str,
        fetched_at: jiff::Timestamp,
        etag: Option<String>,
        model: Option<ApiModel>,
    ) -> Self {
        Self {
            version: VERSION,
            api: api.to_string(),
            id: id.to_string(),
            fetched_at: fetched_at.as_second(),
            etag,
            model,
        }
    }

    pub fn fetched_at(&self) -> jiff::Timestamp {
        jiff::Timestamp::from_second(self.fetched_at).unwrap_or(jiff::Timestamp::UNIX_EPOCH)
    }
}

/// The cache folder for one API base.
#[derive(Debug, Clone)]
pub struct DiskCache {
    dir: PathBuf,
    api: String,
}

impl DiskCache {
    /// `root` is the cache folder; files go in `root/models/`.
    pub fn new(root: &Path, api: &str) -> Self {
        Self {
            dir: root.join("models"),
            api: api.to_string(),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file for `id`: a hex digest, whatever the id contains.
    pub fn path_for(&self, id: &str) -> PathBuf {
        let mut hasher = Sha256::new();
        hasher.update(self.api.as_bytes());
        hasher.update([0]);
        hasher.update(id.as_bytes());
        let digest = hasher.finalize();
        self.dir.join(format!("{}.json", hex(&digest[..16])))
    }

    /// The cached answer for `id`, if a readable one is there. A corrupt file
    /// is removed.
    pub fn read(&self, id: &str) -> Option<CacheEntry> {
        let path = self.path_for(id);
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(error) => {
                if error.kind() != std::io::ErrorKind::NotFound {
                    debug!(path = %path.display(), "cannot read cache file: {error}");
                }
                return None;
            }
        };
        match serde_json::from_slice::<CacheEntry>(&bytes) {
            Ok(entry) if entry.version == VERSION && entry.api == self.api && entry.id == id => {
                Some(entry)
            }
            Ok(_) => None,
            Err(error) => {
                warn!(path = %path.display(), "discarding a corrupt cache file: {error}");
                let _ = std::fs::remove_file(&path);
                None
            }
        }
    }

    /// Stores an answer atomically. Failures are logged: the cache is an optimisation.
    pub fn write(&self, entry: &CacheEntry) {
        let path = self.path_for(&entry.id);
        let result = std::fs::create_dir_all(&self.dir).and_then(|()| {
            let json = serde_json::to_vec_pretty(entry).map_err(std::io::Error::other)?;
            write_atomic(&path, &json)
        });
        if let Err(error) = result {
            warn!(path = %path.display(), "cannot write cache file: {error}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: &str) -> CacheEntry {
        CacheEntry::new(
            "https://api.abstrakt.one/v1/",
            id,
            jiff::Timestamp::from_second(1_800_000_000).expect("ts"),
            Some("\"v1\"".into()),
            Some(ApiModel {
                id: id.to_string(),
                name: None,
                provider: None,
                category: None,
                licensing: None,
            }),
        )
    }

    #[test]
    fn round_trip_and_corruption() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cache = DiskCache::new(dir.path(), "https://api.abstrakt.one/v1/");
        assert_eq!(cache.read("flux-dev"), None);
        cache.write(&entry("flux-dev"));
        assert_eq!(cache.read("flux-dev"), Some(entry("flux-dev")));
        std::fs::write(cache.path_for("flux-dev"), b"{ not json").expect("corrupt");
        assert_eq!(cache.read("flux-dev"), None);
        assert!(!cache.path_for("flux-dev").exists(), "corrupt file removed");
        // Another API's cache does not answer.
        cache.write(&entry("flux-dev"));
        let other = DiskCache::new(dir.path(), "http://127.0.0.1:1/v1/");
        assert_eq!(other.read("flux-dev"), None);
    }

    #[test]
    fn file_names_cannot_escape_the_folder() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cache = DiskCache::new(dir.path(), "https://api.abstrakt.one/v1/");
        for id in [
            "../../etc/passwd",
            "/etc/passwd",
            "a\0b",
            "..",
            "C:\\x",
            "a/b/c",
            "",
        ] {
            let path = cache.path_for(id);
            assert_eq!(path.parent(), Some(cache.dir()), "{id:?}");
            let name = path.file_name().and_then(|n| n.to_str()).expect("name");
            assert!(
                name.len() == 37
                    && name.ends_with(".json")
                    && name[..32].chars().all(|c| c.is_ascii_hexdigit()),
                "{name}"
            );
            cache.write(&entry(id));
            assert_eq!(cache.read(id).map(|e| e.id), Some(id.to_string()));
        }
        let files: Vec<_> = std::fs::read_dir(cache.dir()).expect("dir").collect();
        assert_eq!(files.len(), 7);
        assert_eq!(std::fs::read_dir(dir.path()).expect("root").count(), 1);
    }
}
