//! `diagnostics.scope = "workspace"`: which files of the workspace to check
//! (the CLI's walker settings: `.gitignore` respected, hidden files skipped).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use tower_lsp_server::ls_types::{Diagnostic, NumberOrString, Uri};

use super::diagnostics::{self, DiagnosticData};
use super::remote::schedule_fetch;
use super::session::Session;
use crate::document::Document;
use crate::extract::may_contain_calls;
use crate::limits::Limits;
use crate::project::Project;
use crate::syntax::Language;

/// Which files get diagnostics: the open documents, or every file of the
/// workspace (`abstrakt.diagnostics.scope`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DiagnosticsScope {
    #[default]
    OpenFiles,
    Workspace,
}

impl DiagnosticsScope {
    /// The scope a setting value asks for; anything but `"workspace"` is the default.
    pub fn from_setting(scope: Option<&str>) -> Self {
        match scope {
            Some("workspace") => Self::Workspace,
            _ => Self::OpenFiles,
        }
    }
}

/// Every source file under `roots` that may contain a model call and is within
/// its project's `[limits]`, with its text, in parallel; sorted by path.
/// Walked and read as `check` does ([`crate::context`]); `project_for` gives
/// each file's project (its `[clients] names` and `[limits]`).
pub fn candidate_files(
    roots: &[PathBuf],
    project_for: &(dyn Fn(&Path) -> Arc<Project> + Sync),
) -> Vec<(PathBuf, String)> {
    let Some(builder) = crate::context::walker(roots, true, false) else {
        return Vec::new();
    };
    let found = Mutex::new(Vec::new());
    builder.build_parallel().run(|| {
        let found = &found;
        Box::new(move |entry| {
            if let Ok(entry) = entry
                && entry.file_type().is_some_and(|t| t.is_file())
                && Language::from_path(entry.path()).is_some()
            {
                let project = project_for(entry.path());
                // As in `check`: the size before reading, the lines only of
                // files the prefilter keeps.
                let limits = &project.config.limits;
                if let Some(text) = read_within(entry.path(), limits.max_file_size)
                    && may_contain_calls(text.as_bytes(), &project.extract_options)
                    && limits.check_text(&text).is_none()
                {
                    found
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .push((entry.path().to_path_buf(), text));
                }
            }
            ignore::WalkState::Continue
        })
    });
    let mut files = found.into_inner().unwrap_or_else(|p| p.into_inner());
    files.sort_by(|a, b| a.0.cmp(&b.0));
    files.dedup_by(|a, b| a.0 == b.0);
    files
}

/// A source file's text as `check` reads it (invalid UTF-8 read as U+FFFD),
/// unless it is not a language the server analyses or is over `limits`.
pub fn read(path: &Path, limits: &Limits) -> Option<String> {
    Language::from_path(path)?;
    let text = read_within(path, limits.max_file_size)?;
    limits.check_text(&text).is_none().then_some(text)
}

/// The text of a file of at most `max_file_size` bytes (checked before reading).
fn read_within(path: &Path, max_file_size: u64) -> Option<String> {
    crate::context::read_source(path, max_file_size)
}

/// Analyses a file that is not open, from its text on disk; records and
/// returns its diagnostics (`None` when it is open or not JS/TS).
pub fn analyze_file(session: &Session, path: &Path, text: &str) -> Option<(Uri, Vec<Diagnostic>)> {
    let uri = Uri::from_file_path(path)?;
    if session.state().documents.contains_key(&uri) {
        return None;
    }
    let language = Language::from_path(path)?;
    let project = session.project_for_path(path);
    let document = Document::new(language, 0, text);
    let snapshot = session.analyse(document, project);
    let mut state = session.state();
    let diagnostics = diagnostics::of_snapshot(&snapshot, state.caps.encoding);
    state
        .workspace_files
        .insert(uri.clone(), diagnostics.clone());
    Some((uri, diagnostics))
}

/// Checks every JS/TS file of the workspace that is not open, publishing as
/// it goes, with `$/progress` begin/report/end.
pub async fn scan(session: Arc<Session>, roots: Vec<PathBuf>) {
    let client = session.client.clone();
    let token = NumberOrString::String("abstrakt-workspace-scan".to_string());
    // A client that refuses the token still gets the diagnostics.
    let progress = client.create_work_done_progress(token.clone()).await.ok();
    let ongoing = match progress {
        Some(()) => Some(
            client
                .progress(token, "abstrakt: checking the workspace")
                .with_percentage(0)
                .begin()
                .await,
        ),
        None => None,
    };
    let worker = session.clone();
    let files = tokio::task::spawn_blocking(move || {
        // Each file's own project decides its client names, as in `check`.
        let project_for = |path: &Path| worker.project_for_path(path);
        candidate_files(&roots, &project_for)
    })
    .await
    .unwrap_or_default();
    let total = files.len().max(1);
    let mut ids = Vec::new();
    for (i, (path, text)) in files.into_iter().enumerate() {
        let published = analyze_file(&session, &path, &text);
        if let Some((uri, diagnostics)) = published {
            ids.extend(
                diagnostics
                    .iter()
                    .filter_map(DiagnosticData::from_diagnostic)
                    .filter_map(|data| data.canonical_id),
            );
            client.publish_diagnostics(uri, diagnostics, None).await;
        }
        if let Some(ongoing) = &ongoing {
            let done = u32::try_from((i + 1) * 100 / total).unwrap_or(100);
            ongoing
                .report_with_message(format!("{} of {total} files", i + 1), done)
                .await;
        }
    }
    if let Some(ongoing) = ongoing {
        ongoing.finish_with_message("workspace checked").await;
    }
    ids.sort();
    ids.dedup();
    schedule_fetch(&session, &ids);
}
