//! `diagnostics.scope = "workspace"`: which files of the workspace to check
//! (the CLI's walker settings: `.gitignore` respected, hidden files skipped).

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::extract::may_contain_calls;
use crate::syntax::Language;

/// Files larger than this are not checked (as the CLI's default limit).
const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// Whether a setting value asks for workspace-wide diagnostics.
pub fn is_workspace_scope(scope: Option<&str>) -> bool {
    scope == Some("workspace")
}

/// Every JS/TS file under `roots` that may contain a model call, with its
/// text, in parallel; sorted by path.
pub fn candidate_files(roots: &[PathBuf], client_names: &[String]) -> Vec<(PathBuf, String)> {
    let Some(first) = roots.first() else {
        return Vec::new();
    };
    let mut builder = ignore::WalkBuilder::new(first);
    for root in &roots[1..] {
        builder.add(root);
    }
    builder.require_git(false);
    let found = Mutex::new(Vec::new());
    let options = crate::extract::ExtractOptions {
        client_names: client_names.to_vec(),
        ..Default::default()
    };
    builder.build_parallel().run(|| {
        let found = &found;
        let options = &options;
        Box::new(move |entry| {
            if let Ok(entry) = entry
                && entry.file_type().is_some_and(|t| t.is_file())
                && let Some(text) = read(entry.path())
                && may_contain_calls(text.as_bytes(), options)
            {
                found
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push((entry.path().to_path_buf(), text));
            }
            ignore::WalkState::Continue
        })
    });
    let mut files = found.into_inner().unwrap_or_else(|p| p.into_inner());
    files.sort_by(|a, b| a.0.cmp(&b.0));
    files.dedup_by(|a, b| a.0 == b.0);
    files
}

/// A JS/TS file's text, unless it is too big or not UTF-8.
pub fn read(path: &Path) -> Option<String> {
    Language::from_path(path)?;
    let metadata = std::fs::metadata(path).ok()?;
    if metadata.len() > MAX_FILE_BYTES {
        return None;
    }
    std::fs::read_to_string(path).ok()
}
