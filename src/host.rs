//! What the engine asks of the process running it: the clock, the
//! environment and the files. The engine's modules read none of them
//! directly; each face hands them in — the clock and the environment from
//! its [`Host`], project and markup files through a [`FileSystem`] (taplo's
//! `Environment` and biome's `FileSystem` play the same part) — so a test can
//! pin them, `SOURCE_DATE_EPOCH` is honoured everywhere a date or time is
//! shown or compared, and the project index and the attribution index run
//! over an in-memory tree ([`MemoryFiles`]).
//!
//! The batch pipeline's walk and bounded read still use the disk directly,
//! as do the API's disk cache and atomic writes (see docs/architecture.md,
//! "Invariants").

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

/// The clock, the environment and the files.
pub trait Host: Send + Sync {
    /// Now (reproducible builds pin it).
    fn now(&self) -> jiff::Timestamp;

    /// An environment variable, `None` when unset or not Unicode.
    fn env(&self, name: &str) -> Option<String>;

    /// Today's date in **UTC**: the one "today" for exception expiry, lock
    /// records and reports, so a CI runner and a laptop in another time zone
    /// agree on the same instant.
    fn today(&self) -> jiff::civil::Date {
        self.now().to_zoned(jiff::tz::TimeZone::UTC).date()
    }

    /// The files the engine reads whole (project files, markup files).
    fn files(&self) -> Arc<dyn FileSystem> {
        Disk::shared()
    }
}

/// The running process: the system clock, or `SOURCE_DATE_EPOCH` when set.
#[derive(Debug, Clone, Copy, Default)]
pub struct System;

impl Host for System {
    fn now(&self) -> jiff::Timestamp {
        self.env("SOURCE_DATE_EPOCH")
            .and_then(|s| s.trim().parse::<i64>().ok())
            .and_then(|secs| jiff::Timestamp::from_second(secs).ok())
            .unwrap_or_else(jiff::Timestamp::now)
    }

    fn env(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }
}

/// A host with a fixed clock and environment, for tests.
#[derive(Debug, Clone, Default)]
pub struct Fixed {
    pub now: jiff::Timestamp,
    pub env: Vec<(String, String)>,
}

impl Host for Fixed {
    fn now(&self) -> jiff::Timestamp {
        self.now
    }

    fn env(&self, name: &str) -> Option<String> {
        self.env
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
    }
}

/// The files the engine reads whole: project files (`abstrakt.toml`,
/// `abstrakt.lock`) and the markup files of the attribution index.
pub trait FileSystem: Send + Sync + std::fmt::Debug {
    /// A file's whole text.
    fn read_to_string(&self, path: &Path) -> std::io::Result<String>;

    /// A file's size in bytes, `None` when it cannot be looked at.
    fn file_size(&self, path: &Path) -> Option<u64>;

    /// Whether `path` is a regular file (following symbolic links).
    fn is_file(&self, path: &Path) -> bool;

    /// Whether anything is at `path` (a file, a folder, ...).
    fn exists(&self, path: &Path) -> bool;
}

/// The real file system.
#[derive(Debug, Clone, Copy, Default)]
pub struct Disk;

impl Disk {
    /// The real file system, shared.
    pub fn shared() -> Arc<dyn FileSystem> {
        Arc::new(Disk)
    }
}

impl FileSystem for Disk {
    fn read_to_string(&self, path: &Path) -> std::io::Result<String> {
        std::fs::read_to_string(path)
    }

    fn file_size(&self, path: &Path) -> Option<u64> {
        std::fs::metadata(path).ok().map(|m| m.len())
    }

    fn is_file(&self, path: &Path) -> bool {
        path.is_file()
    }

    fn exists(&self, path: &Path) -> bool {
        path.exists()
    }
}

/// Files held in memory by absolute path, for tests: a folder exists when a
/// file is under it. Writes after sharing are seen by every reader.
#[derive(Debug, Default)]
pub struct MemoryFiles {
    files: Mutex<BTreeMap<PathBuf, String>>,
}

impl MemoryFiles {
    fn files(&self) -> std::sync::MutexGuard<'_, BTreeMap<PathBuf, String>> {
        self.files.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Creates or replaces a file.
    pub fn write(&self, path: impl Into<PathBuf>, text: impl Into<String>) {
        self.files().insert(path.into(), text.into());
    }

    /// Deletes a file (nothing when there is none).
    pub fn remove(&self, path: &Path) {
        self.files().remove(path);
    }
}

impl FileSystem for MemoryFiles {
    fn read_to_string(&self, path: &Path) -> std::io::Result<String> {
        self.files().get(path).cloned().ok_or_else(|| {
            std::io::Error::new(std::io::ErrorKind::NotFound, "no such file in memory")
        })
    }

    fn file_size(&self, path: &Path) -> Option<u64> {
        self.files().get(path).map(|text| text.len() as u64)
    }

    fn is_file(&self, path: &Path) -> bool {
        self.files().contains_key(path)
    }

    fn exists(&self, path: &Path) -> bool {
        self.files().keys().any(|file| file.starts_with(path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn today_is_the_utc_date_of_now() {
        let host = Fixed {
            now: jiff::Timestamp::from_second(1_767_225_599).expect("time"),
            env: Vec::new(),
        };
        // 2025-12-31T23:59:59Z: still the 31st in UTC, whatever the local zone.
        assert_eq!(host.today(), jiff::civil::date(2025, 12, 31));
    }

    #[test]
    fn memory_files_answer_like_a_disk() {
        let files = MemoryFiles::default();
        files.write("/p/a/abstrakt.toml", "intended-use = \"research\"\n");
        let toml = Path::new("/p/a/abstrakt.toml");
        assert!(files.is_file(toml));
        assert!(files.exists(Path::new("/p/a")));
        assert!(!files.is_file(Path::new("/p/a")));
        assert_eq!(files.file_size(toml), Some(26));
        assert_eq!(
            files
                .read_to_string(Path::new("/p/b.toml"))
                .map_err(|e| e.kind()),
            Err(std::io::ErrorKind::NotFound)
        );
        files.remove(toml);
        assert!(!files.exists(Path::new("/p")));
    }
}
