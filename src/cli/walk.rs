//! Walking a tree and analysing every JavaScript/TypeScript and Python file
//! in it (and shell scripts and Markdown for model URLs), in parallel: the
//! part `check`, `report` and `lock` share.
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

use ignore::WalkState;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use ropey::Rope;
use tree_sitter::Parser;

use super::project::{Project, Projects};
use super::{Fatal, WalkArgs};
use crate::analysis::{analyze, analyze_plain};
use crate::attribution;
use crate::document::{LineIndex, PositionEncoding};
use crate::extract::url::PlainKind;
use crate::extract::{Target, may_contain_calls};
use crate::limits::{Limits, SkipReason as LimitSkip};
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
    /// Files not checked, by reason: counted in every output's summary.
    pub skipped: Skipped,
    /// One line per skipped or lossily decoded file (shown with --verbose).
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

/// Counts of JavaScript/TypeScript files that were not checked, by reason.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Skipped {
    /// Contains a NUL byte.
    pub binary: usize,
    /// Larger than `--max-file-size`.
    pub too_large: usize,
    /// A line longer than `max-line-length` (minified code).
    pub long_lines: usize,
    /// The parser returned no tree.
    pub unparsed: usize,
    /// The `--max-file-size` in force, to say what "too large" meant.
    pub size_limit: u64,
}

impl Skipped {
    pub fn total(&self) -> usize {
        self.binary + self.too_large + self.long_lines + self.unparsed
    }

    fn add(&mut self, reason: SkipKind) {
        match reason {
            SkipKind::Binary => self.binary += 1,
            SkipKind::TooLarge => self.too_large += 1,
            SkipKind::LongLine => self.long_lines += 1,
            SkipKind::Unparsed => self.unparsed += 1,
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum SkipKind {
    Binary,
    TooLarge,
    LongLine,
    Unparsed,
}

/// A file over a limit (`[limits]`): skipped with a note, never parsed.
fn skipped(shown: &Path, reason: LimitSkip) -> Outcome {
    let kind = match reason {
        LimitSkip::TooLarge { .. } => SkipKind::TooLarge,
        LimitSkip::LineTooLong { .. } => SkipKind::LongLine,
    };
    Outcome::Skipped(kind, format!("{}: skipped: {reason}", shown.display()))
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
            progress: std::io::stderr().is_terminal(),
        }
    }
}

/// What one file came to.
enum Outcome {
    /// Not ours (extension) or nothing to report.
    Nothing,
    Checked(Option<FileResult>),
    Skipped(SkipKind, String),
    Error(String),
}

/// Walks `options.paths` and analyses every JS/TS file.
pub fn scan(options: &ScanOptions, projects: &Projects) -> Result<Scan, Fatal> {
    for path in &options.paths {
        if let Err(error) = std::fs::metadata(path) {
            return Err(Fatal(format!("cannot read `{}`: {error}", path.display())));
        }
    }
    let Some(mut builder) =
        crate::context::walker(&options.paths, options.respect_ignore, options.hidden)
    else {
        return Ok(Scan::default());
    };
    builder.threads(options.threads);

    let shared = Shared {
        projects,
        options,
        files: Mutex::new(Vec::new()),
        notes: Mutex::new(Vec::new()),
        skipped: Mutex::new(Vec::new()),
        errors: Mutex::new(Vec::new()),
        fatal: Mutex::new(None),
        checked: AtomicUsize::new(0),
        progress: Progress::new(options.progress),
        shown: Mutex::new(Vec::new()),
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
            if attribution::is_indexed(path) {
                shared
                    .shown
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(path.to_path_buf());
            }
            let outcome = match FileKind::from_path(path) {
                None => {
                    if entry.depth() == 0 {
                        shared.push_note(format!(
                            "{}: skipped: not a JavaScript, TypeScript, Python, shell or Markdown file",
                            display(path).display()
                        ));
                    }
                    Outcome::Nothing
                }
                Some(kind) => match check_file(path, kind, shared, &mut parsers) {
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
                Outcome::Skipped(reason, note) => {
                    shared
                        .skipped
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .push((path.to_path_buf(), reason));
                    shared.push_note(note);
                }
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
    let shown = shared
        .shown
        .into_inner()
        .unwrap_or_else(PoisonError::into_inner);
    lower_shown_attributions(&mut files, shown);
    // Counted per path: overlapping arguments walk some files twice.
    let mut skipped_paths = shared
        .skipped
        .into_inner()
        .unwrap_or_else(PoisonError::into_inner);
    skipped_paths.sort_by(|a, b| a.0.cmp(&b.0));
    skipped_paths.dedup_by(|a, b| a.0 == b.0);
    let mut skipped = Skipped {
        size_limit: options
            .max_file_size
            .unwrap_or(Limits::default().max_file_size),
        ..Skipped::default()
    };
    for (_, reason) in skipped_paths {
        skipped.add(reason);
    }
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
        skipped,
        notes,
        errors,
    })
}

struct Shared<'a> {
    projects: &'a Projects,
    /// Markup and docs files walked: where the project may show credits.
    shown: Mutex<Vec<PathBuf>>,
    options: &'a ScanOptions,
    files: Mutex<Vec<FileResult>>,
    notes: Mutex<Vec<String>>,
    skipped: Mutex<Vec<(PathBuf, SkipKind)>>,
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
    parsers: [Option<Parser>; 5],
}

impl Parsers {
    fn get(&mut self, language: Language) -> &mut Parser {
        let slot = match language {
            Language::JavaScript => 0,
            Language::JavaScriptReact => 1,
            Language::TypeScript => 2,
            Language::TypeScriptReact => 3,
            Language::Python => 4,
        };
        self.parsers[slot].get_or_insert_with(|| language.parser())
    }
}

/// The path as shown: without a leading `./`.
fn display(path: &Path) -> &Path {
    path.strip_prefix(".").unwrap_or(path)
}

/// What the walk reads: source files it parses, and (for model URLs only)
/// shell scripts and Markdown.
#[derive(Debug, Clone, Copy)]
enum FileKind {
    Parsed(Language),
    Plain(PlainKind),
}

impl FileKind {
    fn from_path(path: &Path) -> Option<Self> {
        Language::from_path(path)
            .map(Self::Parsed)
            .or_else(|| PlainKind::from_path(path).map(Self::Plain))
    }
}

fn check_file(
    path: &Path,
    kind: FileKind,
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
    // Every file, not only prefilter candidates: the skip count in the
    // summary must not depend on what the file happens to contain.
    if memchr::memchr(0, &bytes).is_some() {
        return Ok(Outcome::Skipped(
            SkipKind::Binary,
            format!(
                "{}: skipped: binary file (contains a NUL byte)",
                shown.display()
            ),
        ));
    }
    if !may_contain_calls(&bytes, &project.extract_options) {
        return Ok(Outcome::Checked(None));
    }
    // Like ripgrep: text in another encoding (a Latin-1 comment) is still
    // checked, its invalid bytes decoded as U+FFFD; positions are in that text.
    let (text, invalid_at) = crate::context::decode(bytes);
    if let Some(at) = invalid_at {
        shared.push_note(format!(
            "{}: not valid UTF-8 (at byte {at}): checked with invalid bytes read as U+FFFD",
            shown.display(),
        ));
    }
    // Only files that would be analysed: a minified bundle that cannot hold a
    // call costs nothing more and is not reported.
    if let Some(reason) = limits.check_text(&text) {
        return Ok(skipped(shown, reason));
    }
    let analysis = match kind {
        FileKind::Parsed(language) => {
            let parser = parsers.get(language);
            // Under a deadline: a few bytes of token soup can keep the
            // parser's error recovery busy for minutes.
            let budget = crate::syntax::ParseBudget::for_len(text.len());
            let tree = match crate::syntax::try_parse(parser, &text, &budget) {
                Ok(tree) => tree,
                Err(failure) => {
                    return Ok(Outcome::Skipped(
                        SkipKind::Unparsed,
                        format!("{}: skipped: {failure}", shown.display()),
                    ));
                }
            };
            analyze(
                &tree,
                text.as_str(),
                &project.resolver,
                &project.config,
                project.lock.as_ref(),
            )
        }
        FileKind::Plain(plain) => analyze_plain(
            &text,
            plain,
            &project.resolver,
            &project.config,
            project.lock.as_ref(),
        ),
    };
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

/// `attribution-required` findings whose credit a walked markup or docs file
/// already shows drop to information, as in the editor (the same index and
/// the same rule, [`attribution::lower_shown`]).
fn lower_shown_attributions(files: &mut [FileResult], shown: Vec<PathBuf>) {
    let wanted = files.iter().any(|file| {
        file.findings
            .iter()
            .any(|f| f.finding.code == crate::rules::RuleCode::AttributionRequired)
    });
    if !wanted || shown.is_empty() {
        return;
    }
    let mut shown = shown;
    shown.sort();
    shown.dedup();
    let mut index = attribution::AttributionIndex::from_paths(shown);
    for file in files {
        let resolver = &file.project.resolver;
        let mut findings: Vec<Finding> = file.findings.iter().map(|f| f.finding.clone()).collect();
        attribution::lower_shown(&mut findings, &mut index, resolver);
        for (located, finding) in file.findings.iter_mut().zip(findings) {
            located.finding = finding;
        }
    }
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
