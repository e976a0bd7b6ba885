//! Where the project already shows attribution text: an index of the
//! workspace's markup and docs files (`.html`, `.jsx`, `.tsx`, `.vue`,
//! `.svelte`, `.md`, `.mdx`), searched case- and whitespace-insensitively.
//! Answers are cached per text until the index changes, so a keystroke in a
//! source file costs a hash lookup.

use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::host::{Disk, FileSystem};

/// Files larger than this are not indexed (generated bundles, data dumps).
const MAX_FILE_BYTES: u64 = 2 * 1024 * 1024;

const EXTENSIONS: &[&str] = &["html", "htm", "jsx", "tsx", "vue", "svelte", "md", "mdx"];

/// Whether a file's attribution text is indexed (markup and docs, never
/// under `node_modules`: a dependency's README is not the project's credit).
pub fn is_indexed(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
        && !path.components().any(|c| c.as_os_str() == "node_modules")
}

/// A credit text looked up and where it was found (if anywhere).
pub type Query = (String, Option<Found>);

/// `attribution-required` findings drop to information where the project
/// already shows the credit text, with "(shown in FILE:LINE)" appended: the
/// one rule for the editor and `check`. The credit looked for is the model's
/// one credit text (`Model::credit()`: prescribed wording or the suggestion).
/// Returns the texts looked up with their answers, and each lowered finding's
/// index with where its credit was found.
pub fn lower_shown(
    findings: &mut [crate::rules::Finding],
    index: &mut AttributionIndex,
    resolver: &impl crate::registry::Lookup,
) -> (Vec<Query>, Vec<(usize, Found)>) {
    let mut queries: Vec<Query> = Vec::new();
    let mut lowered = Vec::new();
    for (i, finding) in findings.iter_mut().enumerate() {
        if finding.code != crate::rules::RuleCode::AttributionRequired {
            continue;
        }
        let Some(text) = finding
            .canonical_id
            .as_deref()
            .and_then(|id| resolver.resolve(id))
            .and_then(|r| r.model.credit())
            .map(|credit| credit.text)
        else {
            continue;
        };
        let found = if index.is_empty() {
            None
        } else {
            index.find(&text)
        };
        if !queries.iter().any(|(t, _)| *t == text) {
            queries.push((text, found.clone()));
        }
        let Some(found) = found else {
            continue;
        };
        finding.severity = crate::rules::Severity::Info;
        let name = found
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        finding.message = format!(
            "{} (shown in {name}:{})",
            finding.message,
            found.start.0 + 1
        );
        lowered.push((i, found));
    }
    (queries, lowered)
}

/// Where an attribution text was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub path: PathBuf,
    /// Bytes of the original file text.
    pub range: Range<usize>,
    /// Start and end as (zero-based line, column in UTF-8, UTF-16, UTF-32 units).
    pub start: (u32, [u32; 3]),
    pub end: (u32, [u32; 3]),
}

/// The line and the column in each encoding of byte `offset`.
fn line_column(text: &str, offset: usize) -> (u32, [u32; 3]) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count();
    let line_text = &before[before.rfind('\n').map_or(0, |i| i + 1)..];
    let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    (
        count(line),
        [
            count(line_text.len()),
            count(line_text.encode_utf16().count()),
            count(line_text.chars().count()),
        ],
    )
}

struct Entry {
    text: std::sync::Arc<str>,
    /// Made on the first search: most runs search nothing (no model asks for
    /// a credit), and lowercasing every indexed file cost `check` 5% of its
    /// CPU time on a large tree.
    normalized: std::sync::OnceLock<String>,
}

pub struct AttributionIndex {
    /// Where indexed files are read (the disk, or memory in tests).
    source: Arc<dyn FileSystem>,
    files: HashMap<PathBuf, Entry>,
    cache: HashMap<String, Option<Found>>,
}

impl Default for AttributionIndex {
    /// An empty index reading the disk.
    fn default() -> Self {
        Self::reading(Disk::shared())
    }
}

/// Lowercase with every whitespace run as one space.
fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_space = false;
    for c in text.chars() {
        if c.is_whitespace() {
            if !in_space {
                out.push(' ');
            }
            in_space = true;
        } else {
            in_space = false;
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// The original byte offset of normalized byte offset `target` (mirrors [`normalize`]).
fn original_offset(text: &str, target: usize) -> usize {
    let mut produced = 0;
    let mut in_space = false;
    for (i, c) in text.char_indices() {
        if produced >= target {
            return i;
        }
        if c.is_whitespace() {
            if !in_space {
                produced += 1;
            }
            in_space = true;
        } else {
            in_space = false;
            produced += c.to_lowercase().map(char::len_utf8).sum::<usize>();
        }
    }
    text.len()
}

impl AttributionIndex {
    /// Indexes every matching file under `roots`, walked as `check` walks
    /// ([`crate::walker::walker`]: `.gitignore` respected, hidden skipped).
    pub fn build(roots: &[PathBuf]) -> Self {
        let mut paths = Vec::new();
        if let Some(builder) = crate::walker::walker(roots, true, false) {
            for entry in builder.build().flatten() {
                if entry.file_type().is_some_and(|t| t.is_file()) && is_indexed(entry.path()) {
                    paths.push(entry.into_path());
                }
            }
        }
        Self::from_paths(paths)
    }

    /// Indexes the given files (those a walk found with [`is_indexed`]).
    pub fn from_paths(paths: impl IntoIterator<Item = PathBuf>) -> Self {
        Self::default().with_paths(paths)
    }

    /// An empty index whose files are read from `source`.
    pub fn reading(source: Arc<dyn FileSystem>) -> Self {
        Self {
            source,
            files: HashMap::new(),
            cache: HashMap::new(),
        }
    }

    /// The index with the given files read into it.
    pub fn with_paths(mut self, paths: impl IntoIterator<Item = PathBuf>) -> Self {
        for path in paths {
            self.update(&path);
        }
        self
    }

    /// Reads `path` again (or forgets it when it is gone or too big; a file
    /// too big is not read).
    pub fn update(&mut self, path: &Path) {
        self.cache.clear();
        let small = self
            .source
            .file_size(path)
            .is_some_and(|len| len <= MAX_FILE_BYTES);
        match small.then(|| self.source.read_to_string(path)) {
            Some(Ok(text)) => {
                self.files.insert(
                    path.to_path_buf(),
                    Entry {
                        text: text.into(),
                        normalized: std::sync::OnceLock::new(),
                    },
                );
            }
            _ => {
                self.files.remove(path);
            }
        }
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// The first file showing the credit `model` asks for: the prescribed
    /// wording, or our suggested "<name> by <vendor>" when the licence gives
    /// none (showing that credit is what the diagnostic asked for).
    pub fn find_credit(&mut self, model: &crate::licensing::Model) -> Option<Found> {
        let credit = model.credit()?;
        self.find(&credit.text)
    }

    /// The first file (by path) showing `attribution`.
    pub fn find(&mut self, attribution: &str) -> Option<Found> {
        if let Some(answer) = self.cache.get(attribution) {
            return answer.clone();
        }
        let needle = normalize(attribution.trim());
        let mut paths: Vec<&PathBuf> = self.files.keys().collect();
        paths.sort();
        let answer = (!needle.is_empty())
            .then(|| {
                paths.into_iter().find_map(|path| {
                    let entry = &self.files[path];
                    let at = entry
                        .normalized
                        .get_or_init(|| normalize(&entry.text))
                        .find(&needle)?;
                    let start = original_offset(&entry.text, at);
                    let end = original_offset(&entry.text, at + needle.len());
                    Some(Found {
                        path: path.clone(),
                        range: start..end,
                        start: line_column(&entry.text, start),
                        end: line_column(&entry.text, end),
                    })
                })
            })
            .flatten();
        self.cache.insert(attribution.to_string(), answer.clone());
        answer
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_text_case_and_whitespace_insensitively() {
        let dir = tempfile::tempdir().expect("tempdir");
        let footer = dir.path().join("Footer.tsx");
        let text =
            "export const F = () => (\n  <small>powered BY   stability\n    AI</small>\n);\n";
        std::fs::write(&footer, text).expect("write");
        std::fs::write(dir.path().join("notes.txt"), "Powered by Stability AI").expect("write");
        let mut index = AttributionIndex::build(&[dir.path().to_path_buf()]);
        assert_eq!(index.len(), 1);
        let found = index.find("Powered by Stability AI").expect("found");
        assert_eq!(found.path, footer);
        assert_eq!(&text[found.range], "powered BY   stability\n    AI");
        assert_eq!(found.start, (1, [9, 9, 9]));
        assert_eq!(found.end, (2, [6, 6, 6]));
        assert_eq!(index.find("Powered by Stability AI Ltd"), None);
        std::fs::remove_file(&footer).expect("remove");
        index.update(&footer);
        assert_eq!(index.find("Powered by Stability AI"), None);
    }

    #[test]
    fn the_index_reads_its_files_through_the_host() {
        use crate::host::MemoryFiles;
        let files = Arc::new(MemoryFiles::default());
        let footer = PathBuf::from("/mem/site/footer.html");
        files.write(&footer, "<p>Image by\n  Stability   AI</p>\n");
        let big = PathBuf::from("/mem/site/big.md");
        files.write(&big, "Made with Llama\n".repeat(140_000));
        let mut index =
            AttributionIndex::reading(files.clone()).with_paths([footer.clone(), big.clone()]);
        assert_eq!(index.len(), 1, "the file over 2 MiB is not indexed");
        let found = index.find("image by stability ai").expect("found");
        assert_eq!(found.path, footer);
        assert_eq!(found.start, (0, [3, 3, 3]));
        assert_eq!(found.end, (1, [16, 16, 16]));
        files.remove(&footer);
        index.update(&footer);
        assert!(index.is_empty());
        assert_eq!(index.find("image by stability ai"), None);
    }
}
