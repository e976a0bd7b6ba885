//! Writing a file so that readers see the old or the new contents, never half
//! of one, and nothing is left behind: a temporary file in the same folder,
//! then a rename.
//!
//! What a plain temp-and-rename gets wrong, and this does not:
//! - a symlinked target (`abstrakt.lock -> ../shared/abstrakt.lock`) is
//!   written through, not replaced by a plain file;
//! - the target keeps its permissions (a temporary file is created 0600);
//! - an interrupted run (Ctrl-C, SIGTERM, SIGHUP) removes its temporary file
//!   ([`clean_up_on_signals`]), and temporary files left by a killed run
//!   (SIGKILL cannot be caught) are swept by the next write once they are
//!   older than [`STALE_AFTER`], so `git add -A` never picks them up.

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::Duration;

/// How every temporary file of ours is named (the sweep looks for it).
pub const TEMP_PREFIX: &str = ".abstrakt-tmp-";

/// A temporary file this old belongs to no running write (a write takes
/// milliseconds): the next write in its folder removes it.
pub const STALE_AFTER: Duration = Duration::from_secs(10 * 60);

/// Temporary files being written now, removed if a signal ends the process.
fn pending() -> &'static Mutex<HashSet<PathBuf>> {
    static PENDING: OnceLock<Mutex<HashSet<PathBuf>>> = OnceLock::new();
    PENDING.get_or_init(Mutex::default)
}

/// Writes `bytes` to `path` atomically (see the module documentation).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let target = through_symlinks(path);
    let dir = match target.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    };
    sweep_stale(&dir);
    let permissions = std::fs::metadata(&target).ok().map(|m| m.permissions());
    let mut file = tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .tempfile_in(&dir)?;
    let temp_path = file.path().to_path_buf();
    lock(pending()).insert(temp_path.clone());
    let written = (|| {
        file.write_all(bytes)?;
        pause_for_tests();
        match permissions {
            Some(permissions) => file.as_file().set_permissions(permissions)?,
            None => set_new_file_mode(file.as_file())?,
        }
        file.as_file().sync_all()?;
        file.persist(&target).map_err(|e| e.error)?;
        Ok(())
    })();
    lock(pending()).remove(&temp_path);
    written
}

/// `ABSTRAKT_LSP_DEBUG_WRITE_PAUSE_MS=<ms>` holds every write for that long
/// after its temporary file is written, so a test can interrupt one half done
/// (as `ABSTRAKT_LSP_DEBUG_PANIC` lets tests inject a panic). Read once; does
/// nothing when unset.
fn pause_for_tests() {
    static PAUSE: OnceLock<Option<Duration>> = OnceLock::new();
    let pause = PAUSE.get_or_init(|| {
        std::env::var("ABSTRAKT_LSP_DEBUG_WRITE_PAUSE_MS")
            .ok()?
            .parse()
            .ok()
            .map(Duration::from_millis)
    });
    if let Some(pause) = pause {
        std::thread::sleep(*pause);
    }
}

/// The file a write to `path` should replace: the end of its symlink chain
/// (a dangling link's target is created).
fn through_symlinks(path: &Path) -> PathBuf {
    let is_link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    if !is_link {
        return path.to_path_buf();
    }
    if let Ok(resolved) = std::fs::canonicalize(path) {
        return resolved;
    }
    // Dangling: follow one link by hand, relative to the link's folder.
    match std::fs::read_link(path) {
        Ok(target) if target.is_absolute() => target,
        Ok(target) => path.parent().unwrap_or(Path::new(".")).join(target),
        Err(_) => path.to_path_buf(),
    }
}

/// Removes our temporary files in `dir` that no running write owns.
fn sweep_stale(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let named_ours = entry.file_name().to_string_lossy().starts_with(TEMP_PREFIX);
        let stale = entry
            .metadata()
            .ok()
            .and_then(|m| m.modified().ok())
            .and_then(|modified| modified.elapsed().ok())
            .is_some_and(|age| age >= STALE_AFTER);
        if named_ours && stale && entry.file_type().is_ok_and(|t| t.is_file()) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

#[cfg(unix)]
fn set_new_file_mode(file: &std::fs::File) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    // What a plain `create` gives under the usual umask (022), instead of
    // the temporary file's private 0600.
    file.set_permissions(std::fs::Permissions::from_mode(0o644))
}

#[cfg(not(unix))]
fn set_new_file_mode(_: &std::fs::File) -> std::io::Result<()> {
    Ok(())
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// From now on, SIGINT, SIGTERM and SIGHUP remove the temporary files of
/// writes in progress, then end the process with 128 + the signal (as a
/// shell reports it). For the command line; the server has its own shutdown.
#[cfg(unix)]
pub fn clean_up_on_signals() {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) else {
            return;
        };
        let _ = std::thread::Builder::new()
            .name("signals".into())
            .spawn(move || {
                if let Some(signal) = signals.forever().next() {
                    for path in lock(pending()).drain() {
                        let _ = std::fs::remove_file(path);
                    }
                    std::process::exit(128 + signal);
                }
            });
    });
}

#[cfg(not(unix))]
pub fn clean_up_on_signals() {}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn a_rewrite_keeps_the_mode_and_writes_through_a_symlink() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let shared = dir.path().join("shared.lock");
        std::fs::write(&shared, "old").expect("write");
        std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o640)).expect("chmod");
        let link = dir.path().join("abstrakt.lock");
        std::os::unix::fs::symlink("shared.lock", &link).expect("symlink");
        write_atomic(&link, b"new").expect("write");
        assert!(
            std::fs::symlink_metadata(&link)
                .expect("meta")
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read_to_string(&shared).expect("read"), "new");
        let mode = std::fs::metadata(&shared)
            .expect("meta")
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o640);
        let fresh = dir.path().join("fresh.lock");
        write_atomic(&fresh, b"x").expect("write");
        let mode = std::fs::metadata(&fresh)
            .expect("meta")
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o644);
    }

    #[test]
    fn stale_temporary_files_are_swept_and_fresh_ones_kept() {
        let dir = tempfile::tempdir().expect("tempdir");
        let stale = dir.path().join(format!("{TEMP_PREFIX}killed"));
        let live = dir.path().join(format!("{TEMP_PREFIX}running"));
        let other = dir.path().join("notes.txt");
        for path in [&stale, &live, &other] {
            std::fs::write(path, "x").expect("write");
        }
        let old = std::time::SystemTime::now() - STALE_AFTER - Duration::from_secs(1);
        std::fs::File::options()
            .write(true)
            .open(&stale)
            .and_then(|f| f.set_modified(old))
            .expect("age");
        let other_old = std::fs::File::options().write(true).open(&other);
        other_old.and_then(|f| f.set_modified(old)).expect("age");
        write_atomic(&dir.path().join("abstrakt.lock"), b"x").expect("write");
        assert!(!stale.exists());
        assert!(live.exists());
        assert!(other.exists());
    }
}
