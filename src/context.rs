//! The project-context pieces both faces share, so the editor and CI decide
//! alike: "today", the file walker and the source reader (one size limit, one
//! decoding). Project files (config, lock, client names, intended use) come
//! from [`crate::config`]/[`crate::lockfile`] discovery; the attribution index
//! from [`crate::attribution`], built from this walker.

use std::path::{Path, PathBuf};

/// The default `[limits] max-file-size`; both faces read each project's own
/// limit ([`crate::limits`]).
pub const MAX_FILE_BYTES: u64 = crate::limits::DEFAULT_MAX_FILE_SIZE;

/// Now, or `SOURCE_DATE_EPOCH` when set (reproducible records).
pub fn now() -> jiff::Timestamp {
    std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .and_then(|secs| jiff::Timestamp::from_second(secs).ok())
        .unwrap_or_else(jiff::Timestamp::now)
}

/// Today's date in **UTC** (or the date of `SOURCE_DATE_EPOCH` when set): the
/// one "today" for exception expiry, lock records and reports, so a CI runner
/// and a laptop in another time zone agree on the same instant.
pub fn today() -> jiff::civil::Date {
    now().to_zoned(jiff::tz::TimeZone::UTC).date()
}

/// The walker both faces use: `.gitignore` respected (also outside git
/// repositories: fresh clones in CI without `.git`, tarballs), hidden files
/// skipped unless asked for.
pub fn walker(
    roots: &[PathBuf],
    respect_ignore: bool,
    hidden: bool,
) -> Option<ignore::WalkBuilder> {
    let (first, rest) = roots.split_first()?;
    let mut builder = ignore::WalkBuilder::new(first);
    for root in rest {
        builder.add(root);
    }
    builder
        .standard_filters(respect_ignore)
        .hidden(!hidden)
        .require_git(false);
    Some(builder)
}

/// Source text decoded like ripgrep does: invalid UTF-8 bytes become U+FFFD
/// (a Latin-1 comment must not hide the file). Returns the text and, when
/// decoding was lossy, the byte offset of the first invalid byte.
pub fn decode(bytes: Vec<u8>) -> (String, Option<usize>) {
    match String::from_utf8(bytes) {
        Ok(text) => (text, None),
        Err(error) => {
            let at = error.utf8_error().valid_up_to();
            (
                String::from_utf8_lossy(error.as_bytes()).into_owned(),
                Some(at),
            )
        }
    }
}

/// A file's text as `check` reads it: `None` when it is over `limit`,
/// unreadable or binary (contains a NUL byte).
pub fn read_source(path: &Path, limit: u64) -> Option<String> {
    let metadata = std::fs::metadata(path).ok()?;
    if metadata.len() > limit {
        return None;
    }
    let bytes = std::fs::read(path).ok()?;
    if memchr::memchr(0, &bytes).is_some() {
        return None;
    }
    Some(decode(bytes).0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_utf8_is_decoded_lossily_and_located() {
        let (text, at) = decode(b"// caf\xe9\nx".to_vec());
        assert_eq!(text, "// caf\u{fffd}\nx");
        assert_eq!(at, Some(6));
    }

    #[test]
    fn binary_and_oversized_files_are_not_read() {
        let dir = tempfile::tempdir().expect("tempdir");
        let binary = dir.path().join("a.js");
        std::fs::write(&binary, b"run('x')\0").expect("write");
        assert_eq!(read_source(&binary, MAX_FILE_BYTES), None);
        let big = dir.path().join("b.js");
        std::fs::write(&big, "x".repeat(11)).expect("write");
        assert_eq!(read_source(&big, 10), None);
        assert_eq!(read_source(&big, 11).as_deref(), Some("xxxxxxxxxxx"));
    }
}
