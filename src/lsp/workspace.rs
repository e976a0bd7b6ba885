//! `diagnostics.scope = "workspace"`: the files of the workspace that are not
//! open get diagnostics too. They are found and read by the batch pipeline
//! ([`crate::batch`]) exactly as `check` finds and reads them (ignore files,
//! hidden files, each project's `[limits]`, the prefilter, shell scripts and
//! Markdown for model URLs), then analysed with the editor's attribution index.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use ropey::Rope;
use tower_lsp_server::ls_types::{Diagnostic, NumberOrString, Uri};

use super::analyse;
use super::diagnostics::{self, DiagnosticData};
use super::remote::schedule_fetch;
use super::session::Session;
use crate::analysis::analyze_plain;
use crate::batch::{self, Candidate, FileKind, Read, ScanOptions};
use crate::document::{Document, LineIndex};

pub use super::settings::DiagnosticsScope;

/// Every file under `roots` that may contain a model use and is within its
/// project's `[limits]`, with its text, in parallel; sorted by path.
pub fn candidate_files(session: &Session, roots: &[PathBuf]) -> Vec<Candidate> {
    let options = ScanOptions::workspace(roots.to_vec(), session.today());
    let found = Mutex::new(Vec::new());
    let collect = |_: &Path, read: Read| {
        if let Read::Candidate(candidate) = read {
            found
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(candidate);
        }
    };
    // A folder that went away meanwhile has nothing to check.
    let _ = batch::walk(&options, session.projects(), &collect);
    let mut files = found.into_inner().unwrap_or_else(|p| p.into_inner());
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files.dedup_by(|a, b| a.path == b.path);
    files
}

/// One file as the pipeline reads it; `None` when it cannot hold a model use
/// or is over its limits (or is not a file the pipeline reads).
pub fn read(session: &Session, path: &Path) -> Option<Candidate> {
    let options = ScanOptions::workspace(Vec::new(), session.today());
    match batch::read_candidate(path, &options, session.projects()) {
        Read::Candidate(candidate) => Some(candidate),
        _ => None,
    }
}

/// Analyses a file that is not open, from its text on disk; records and
/// returns its diagnostics (`None` when it is open).
pub fn analyze_file(session: &Session, candidate: Candidate) -> Option<(Uri, Vec<Diagnostic>)> {
    let uri = Uri::from_file_path(&candidate.path)?;
    if session.state().documents.contains_key(&uri) {
        return None;
    }
    let encoding = session.state().caps.encoding;
    let diagnostics = match candidate.kind {
        FileKind::Parsed(language) => {
            // Parsed once, by the analysis, within its budget.
            let document = Document::unparsed(language, 0, &candidate.text);
            let snapshot = analyse::analyse(session, document, candidate.project);
            diagnostics::of_snapshot(&snapshot, encoding)
        }
        FileKind::Plain(kind) => {
            let project = &candidate.project;
            let mut analysis = analyze_plain(
                &candidate.text,
                kind,
                &project.resolver,
                &project.config,
                project.lock.as_ref(),
                session.today(),
            );
            analyse::lower_shown_attributions(session, &mut analysis, &project.resolver);
            let rope = Rope::from_str(&candidate.text);
            diagnostics::of_analysis(&analysis, &LineIndex::new(&rope), encoding)
        }
    };
    session
        .state()
        .workspace_files
        .insert(uri.clone(), diagnostics.clone());
    Some((uri, diagnostics))
}

/// Checks every file of the workspace that is not open, publishing as it
/// goes, with `$/progress` begin/report/end.
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
    let files = tokio::task::spawn_blocking(move || candidate_files(&worker, &roots))
        .await
        .unwrap_or_default();
    let total = files.len().max(1);
    let mut ids = Vec::new();
    for (i, candidate) in files.into_iter().enumerate() {
        let published = analyze_file(&session, candidate);
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
    schedule_fetch(&session, &ids, super::scheduler::reanalyse_using);
}
