//! Walking a tree and analysing every JavaScript/TypeScript file in it, in
//! parallel: the part `check`, `report` and `lock` share.
//!
//! Per file: size check, read, the cheap literal prefilter
//! ([`may_contain_calls`]), and only then the binary/UTF-8 checks, the parse and
//! [`analyze`] — most files of a large tree are never parsed.

use std::fs::File;
use std::io::{IsTerminal, Read};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use ignore::{WalkBuilder, WalkState};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use ropey::Rope;
use tree_sitter::Parser;

use super::project::{Project, Projects};
use super::{Fatal, WalkArgs};
use crate::analysis::analyze;
use crate::document::{LineIndex, PositionEncoding};
use crate::extract::{Target, may_contain_calls};
use crate::limits::{Limits, SkipReason};
use crate::rules::Finding;
use crate::syntax::Language;

/// A range as 1-based lines and 1-based UTF-16 columns (end exclusive), plus the bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    pub start_line: u32,
    pub start_column: u32,
    pub end_line: u32,
    pub end_column: u32,
    pub bytes: Range<usize>,
}

#[derive(Debug, Clone)]
pub struct LocatedFinding {
    pub span: Span,
    pub finding: Finding,
}

/// One possible model id at one call: a call with `c ? 'a' : 'b'` is two uses.
#[derive(Debug, Clone)]
pub struct LocatedUse {
    pub span: Span,
    /// The SDK method, e.g. `run` or `models.get`.
    pub method: String,
    pub target: Target,
}

/// A file with at least one model use.
#[derive(Debug)]
pub struct FileResult {
    /// The path as walked, without a leading `./`.
    pub path: PathBuf,
    pub text: String,
    pub project: Arc<Project>,
    /// In source order.
    pub uses: Vec<LocatedUse>,
    /// Sorted by position, then code.
    pub findings: Vec<LocatedFinding>,
}

impl Span {
    /// Sort key: start, then end.
    pub fn key(&self) -> (u32, u32, u32, u32) {
        (
            self.start_line,
            self.start_column,
            self.end_line,
            self.end_column,
        )
    }
}

impl FileResult {
    /// The text of 1-based line `line`, without its line break.
    pub fn line_text(&self, line: u32) -> &str {
        let text = self.text.as_str();
        let mut rest = text;
        let mut current = 1;
        // Line breaks as LSP (and ropey with `cr_lines`) count them: \n, \r\n, \r.
        while current < line {
            match rest.find(['\n', '\r']) {
                Some(i) => {
                    let skip = if rest[i..].starts_with("\r\n") { 2 } else { 1 };
                    rest = &rest[i + skip..];
                    current += 1;
                }
                None => return "",
            }
        }
        match rest.find(['\n', '\r']) {
            Some(i) => &rest[..i],
            None => rest,
        }
    }
}

/// Everything a walk found.
#[derive(Debug, Default)]
pub struct Scan {
    /// Files with model uses, sorted by path.
    pub files: Vec<FileResult>,
    /// JavaScript/TypeScript files read (skipped ones excluded).
    pub checked: usize,
    /// Why files were skipped (shown with --verbose).
    pub notes: Vec<String>,
    /// Paths that could not be read: the command exits 2 after its output.
    pub errors: Vec<String>,
}

impl Scan {
    pub fn findings(&self) -> impl Iterator<Item = (&FileResult, &LocatedFinding)> {
        self.files
            .iter()
            .flat_map(|file| file.findings.iter().map(move |f| (file, f)))
    }

    pub fn uses(&self) -> impl Iterator<Item = (&FileResult, &LocatedUse)> {
        self.files
            .iter()
            .flat_map(|file| file.uses.iter().map(move |u| (file, u)))
    }

    /// Prints notes (when verbose) and errors to stderr.
    pub fn print_diagnostics(&self, verbose: bool) {
        if verbose {
            for note in &self.notes {
                eprintln!("note: {note}");
            }
        }
        for error in &self.errors {
            eprintln!("abstrakt-lsp: {error}");
        }
    }
}

/// A file over a limit (`[limits]`): skipped with a note, never parsed.
fn skipped(shown: &Path, reason: SkipReason) -> Outcome {
    Outcome::Skipped(format!("{}: skipped: {reason}", shown.display()))
}

/// How to walk.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    pub paths: Vec<PathBuf>,
    pub respect_ignore: bool,
    pub hidden: bool,
    /// Overrides `[limits] max-file-size` of every project.
    pub max_file_size: Option<u64>,
    /// Overrides `[limits] max-line-length` of every project.
    pub max_line_length: Option<usize>,
    pub threads: usize,
    /// Look for binary content even in files the prefilter rejects, so every
    /// skip gets its note.
    pub verbose: bool,
    pub progress: bool,
}

impl ScanOptions {
    /// A project's `[limits]` with the command-line overrides applied.
    pub fn limits(&self, project: &Limits) -> Limits {
        Limits {
            max_file_size: self.max_file_size.unwrap_or(project.max_file_size),
            max_line_length: self.max_line_length.unwrap_or(project.max_line_length),
        }
    }

    pub fn from_args(args: &WalkArgs) -> Self {
        let paths = if args.paths.is_empty() {
            vec![PathBuf::from(".")]
        } else {
            args.paths.clone()
        };
        Self {
            paths,
            respect_ignore: !args.no_ignore,
            hidden: args.hidden,
            max_file_size: args.max_file_size,
            max_line_length: args.max_line_length,
            threads: args.threads.unwrap_or(0),
            verbose: args.verbose,
            progress: std::io::stderr().is_terminal(),
        }
    }
}

/// What one file came to.
enum Outcome {
    /// Not ours (extension) or nothing to report.
    Nothing,
    Checked(Option<FileResult>),
    Skipped(String),
    Error(String),
}

/// Walks `options.paths` and analyses every JS/TS file.
pub fn scan(options: &ScanOptions, projects: &Projects) -> Result<Scan, Fatal> {
    for path in &options.paths {
        if let Err(error) = std::fs::metadata(path) {
            return Err(Fatal(format!("cannot read `{}`: {error}", path.display())));
        }
    }
    let mut builder = WalkBuilder::new(&options.paths[0]);
    for path in &options.paths[1..] {
        builder.add(path);
    }
    builder
        .standard_filters(options.respect_ignore)
        .hidden(!options.hidden)
        // .gitignore applies outside git repositories too (fresh clones in CI
        // without .git, tarballs, examples).
        .require_git(false)
        .threads(options.threads);

    let shared = Shared {
        projects,
        options,
        files: Mutex::new(Vec::new()),
        notes: Mutex::new(Vec::new()),
        errors: Mutex::new(Vec::new()),
        fatal: Mutex::new(None),
        checked: AtomicUsize::new(0),
        progress: Progress::new(options.progress),
    };
    builder.build_parallel().run(|| {
        let shared = &shared;
        let mut parsers = Parsers::default();
        Box::new(move |entry| {
            let entry = match entry {
                Ok(entry) => entry,
                Err(error) => {
                    shared.push_error(walk_error(&error));
                    return WalkState::Continue;
                }
            };
            if !entry.file_type().is_some_and(|t| t.is_file()) {
                return WalkState::Continue;
            }
            let path = entry.path();
            let outcome = match Language::from_path(path) {
                None => {
                    if entry.depth() == 0 {
                        shared.push_note(format!(
                            "{}: skipped: not a JavaScript or TypeScript file",
                            display(path).display()
                        ));
                    }
                    Outcome::Nothing
                }
                Some(language) => match check_file(path, language, shared, &mut parsers) {
                    Ok(outcome) => outcome,
                    Err(error) => {
                        *shared.fatal.lock().unwrap_or_else(PoisonError::into_inner) = Some(error);
                        return WalkState::Quit;
                    }
                },
            };
            match outcome {
                Outcome::Nothing => {}
                Outcome::Checked(result) => {
                    shared.checked.fetch_add(1, Ordering::Relaxed);
                    shared.progress.tick();
                    if let Some(result) = result {
                        shared
                            .files
                            .lock()
                            .unwrap_or_else(PoisonError::into_inner)
                            .push(result);
                    }
                }
                Outcome::Skipped(note) => shared.push_note(note),
                Outcome::Error(error) => shared.push_error(error),
            }
            WalkState::Continue
        })
    });
    shared.progress.finish();

    if let Some(fatal) = shared
        .fatal
        .into_inner()
        .unwrap_or_else(PoisonError::into_inner)
    {
        return Err(fatal);
    }
    let mut files = shared
        .files
        .into_inner()
        .unwrap_or_else(PoisonError::into_inner);
    files.sort_by(|a, b| a.path.cmp(&b.path));
    // Overlapping arguments (`. src`) walk some files twice; report them once.
    files.dedup_by(|a, b| a.path == b.path);
    let mut notes = shared
        .notes
        .into_inner()
        .unwrap_or_else(PoisonError::into_inner);
    notes.sort();
    notes.dedup();
    let mut errors = shared
        .errors
        .into_inner()
        .unwrap_or_else(PoisonError::into_inner);
    errors.sort();
    errors.dedup();
    Ok(Scan {
        files,
        checked: shared.checked.into_inner(),
        notes,
        errors,
    })
}

struct Shared<'a> {
    projects: &'a Projects,
    options: &'a ScanOptions,
    files: Mutex<Vec<FileResult>>,
    notes: Mutex<Vec<String>>,
    errors: Mutex<Vec<String>>,
    fatal: Mutex<Option<Fatal>>,
    checked: AtomicUsize,
    progress: Progress,
}

impl Shared<'_> {
    fn push_note(&self, note: String) {
        self.notes
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(note);
    }
    fn push_error(&self, error: String) {
        self.errors
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(error);
    }
}

fn walk_error(error: &ignore::Error) -> String {
    // The ignore crate's messages already name the path.
    error.to_string()
}

/// One parser per language per worker thread, reused across files.
#[derive(Default)]
struct Parsers {
    parsers: [Option<Parser>; 4],
}

impl Parsers {
    fn get(&mut self, language: Language) -> &mut Parser {
        let slot = match language {
            Language::JavaScript => 0,
            Language::JavaScriptReact => 1,
            Language::TypeScript => 2,
            Language::TypeScriptReact => 3,
        };
        self.parsers[slot].get_or_insert_with(|| language.parser())
    }
}

/// The path as shown: without a leading `./`.
fn display(path: &Path) -> &Path {
    path.strip_prefix(".").unwrap_or(path)
}

fn check_file(
    path: &Path,
    language: Language,
    shared: &Shared<'_>,
    parsers: &mut Parsers,
) -> Result<Outcome, Fatal> {
    let shown = display(path);
    let options = shared.options;
    let unreadable = |error: std::io::Error| {
        Ok(Outcome::Error(format!(
            "cannot read `{}`: {error}",
            shown.display()
        )))
    };
    let mut file = match File::open(path) {
        Ok(file) => file,
        Err(error) => return unreadable(error),
    };
    let size = match file.metadata() {
        Ok(metadata) => metadata.len(),
        Err(error) => return unreadable(error),
    };
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let project = shared.projects.project_for(dir)?;
    let limits = options.limits(&project.config.limits);
    if let Some(reason) = limits.check_size(size) {
        return Ok(skipped(shown, reason));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0).saturating_add(1));
    if let Err(error) = file.read_to_end(&mut bytes) {
        return unreadable(error);
    }
    let candidate = may_contain_calls(&bytes, &project.extract_options);
    if !candidate && !options.verbose {
        return Ok(Outcome::Checked(None));
    }
    if memchr::memchr(0, &bytes).is_some() {
        return Ok(Outcome::Skipped(format!(
            "{}: skipped: binary file (contains a NUL byte)",
            shown.display()
        )));
    }
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(error) => {
            return Ok(Outcome::Skipped(format!(
                "{}: skipped: not valid UTF-8 (at byte {})",
                shown.display(),
                error.utf8_error().valid_up_to()
            )));
        }
    };
    if !candidate {
        return Ok(Outcome::Checked(None));
    }
    // Only files that would be parsed: a minified bundle that cannot hold a
    // call costs nothing more and is not reported.
    if let Some(reason) = limits.check_text(&text) {
        return Ok(skipped(shown, reason));
    }
    let parser = parsers.get(language);
    let parsed = crate::syntax::with_parse_stack(text.len(), || parser.parse(&text, None));
    let Some(tree) = parsed.flatten() else {
        return Ok(Outcome::Skipped(format!(
            "{}: skipped: the parser gave up",
            shown.display()
        )));
    };
    let analysis = analyze(
        &tree,
        text.as_str(),
        &project.resolver,
        &project.config,
        project.lock.as_ref(),
    );
    if analysis.uses.is_empty() && analysis.findings.is_empty() {
        return Ok(Outcome::Checked(None));
    }
    let rope = Rope::from_str(&text);
    let index = LineIndex::new(&rope);
    let span = |bytes: &Range<usize>| -> Span {
        let start = index.position(bytes.start, PositionEncoding::Utf16);
        let end = index.position(bytes.end, PositionEncoding::Utf16);
        Span {
            start_line: start.line + 1,
            start_column: start.character + 1,
            end_line: end.line + 1,
            end_column: end.character + 1,
            bytes: bytes.clone(),
        }
    };
    let uses = analysis
        .uses
        .iter()
        .flat_map(|model_use| {
            let method = model_use.method.name();
            model_use.targets.iter().map(move |target| LocatedUse {
                span: span(target.range()),
                method: method.clone(),
                target: target.clone(),
            })
        })
        .collect();
    let mut findings: Vec<LocatedFinding> = analysis
        .findings
        .into_iter()
        .map(|finding| LocatedFinding {
            span: span(&finding.range),
            finding,
        })
        .collect();
    findings.sort_by(|a, b| {
        a.span
            .key()
            .cmp(&b.span.key())
            .then_with(|| a.finding.code.cmp(&b.finding.code))
    });
    Ok(Outcome::Checked(Some(FileResult {
        path: shown.to_path_buf(),
        text,
        project,
        uses,
        findings,
    })))
}

/// A spinner on stderr that appears only when the walk takes a while.
struct Progress {
    bar: Option<ProgressBar>,
    shown: AtomicBool,
    start: Instant,
}

const PROGRESS_DELAY: Duration = Duration::from_millis(500);

impl Progress {
    fn new(enabled: bool) -> Self {
        let bar = enabled.then(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
            if let Ok(style) = ProgressStyle::with_template("{spinner} checked {pos} files") {
                bar.set_style(style);
            }
            bar
        });
        Self {
            bar,
            shown: AtomicBool::new(false),
            start: Instant::now(),
        }
    }

    fn tick(&self) {
        let Some(bar) = &self.bar else { return };
        bar.inc(1);
        if !self.shown.load(Ordering::Relaxed)
            && self.start.elapsed() > PROGRESS_DELAY
            && !self.shown.swap(true, Ordering::Relaxed)
        {
            bar.set_draw_target(ProgressDrawTarget::stderr());
            bar.enable_steady_tick(Duration::from_millis(100));
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> FileResult {
        FileResult {
            path: PathBuf::from("a.js"),
            text: text.to_string(),
            project: Arc::new(Project {
                config: crate::config::ProjectConfig::default(),
                lock: None,
                rule_settings: Default::default(),
                extract_options: Default::default(),
                resolver: crate::registry::Resolver::builtin(),
            }),
            uses: Vec::new(),
            findings: Vec::new(),
        }
    }

    #[test]
    fn line_text_knows_every_line_break() {
        let f = file("one\r\ntwo\rthree\nfour");
        assert_eq!(
            (1..=5).map(|l| f.line_text(l)).collect::<Vec<_>>(),
            ["one", "two", "three", "four", ""]
        );
        assert_eq!(file("").line_text(1), "");
    }
}
