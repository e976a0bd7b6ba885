//! The batch pipeline: walking a tree and analysing every JavaScript,
//! TypeScript and Python file in it (and shell scripts and Markdown for model
//! URLs), in parallel. `check`, `report` and `lock`, the editor's workspace
//! scope and its `abstrakt.report` command all go through it, so they find
//! and read the same files the same way (docs/architecture.md, "The path of one check").
//!
//! Per file ([`read_candidate`]): its project, the size limit before reading,
//! a bounded read that stops at the first NUL byte (binary), the cheap
//! literal prefilter ([`may_contain_calls`]), the line-length limit; only then
//! the parse and [`analyze`] — most files of a large tree are never parsed.
//! Nothing here blocks on a FIFO or a device: they are never read, and one
//! named as a path to check is reported.

use std::io::Read as _;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use ignore::WalkState;
use ropey::Rope;
use tree_sitter::Parser;

use crate::analysis::{analyze, analyze_plain};
use crate::attribution;
use crate::document::{LineIndex, PositionEncoding};
use crate::extract::url::PlainKind;
use crate::extract::{Target, may_contain_calls};
use crate::limits::{Limits, SkipReason as LimitSkip};
use crate::project::{Project, ProjectIndex};
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
    /// The route the call takes (`abstrakt` for the Abstrakt SDK and API URLs).
    pub route: crate::extract::Route,
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

/// Why a file was not checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkipKind {
    Binary,
    TooLarge,
    LongLine,
    Unparsed,
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
    /// "Today" for exception expiry (the caller's clock: the engine reads none).
    pub today: jiff::civil::Date,
}

impl ScanOptions {
    /// The walk the editor does over its workspace folders: ignore files
    /// respected, hidden files skipped, each project's own `[limits]`.
    pub fn workspace(roots: Vec<PathBuf>, today: jiff::civil::Date) -> Self {
        Self {
            paths: roots,
            respect_ignore: true,
            hidden: false,
            max_file_size: None,
            max_line_length: None,
            threads: 0,
            today,
        }
    }

    /// A project's `[limits]` with the overrides applied.
    pub fn limits(&self, project: &Limits) -> Limits {
        Limits {
            max_file_size: self.max_file_size.unwrap_or(project.max_file_size),
            max_line_length: self.max_line_length.unwrap_or(project.max_line_length),
        }
    }
}

pub use crate::walker::walker;

/// What the pipeline reads: source files it parses, and (for model URLs
/// only) shell scripts and Markdown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Parsed(Language),
    Plain(PlainKind),
}

impl FileKind {
    pub fn from_path(path: &Path) -> Option<Self> {
        Language::from_path(path)
            .map(Self::Parsed)
            .or_else(|| PlainKind::from_path(path).map(Self::Plain))
    }
}

/// A file that may contain a model use, read and within its limits.
#[derive(Debug)]
pub struct Candidate {
    /// The path as walked.
    pub path: PathBuf,
    pub kind: FileKind,
    pub text: String,
    /// The byte offset of the first invalid UTF-8 byte (read as U+FFFD).
    pub invalid_utf8_at: Option<usize>,
    pub project: Arc<Project>,
}

/// What reading one file came to.
#[derive(Debug)]
pub enum Read {
    /// Not a file kind the pipeline reads.
    Ignored,
    /// Named as a path to check, but not a file kind the pipeline reads.
    Unsupported,
    /// Read and within its limits, but no call can be in it (prefilter).
    NoCalls,
    Candidate(Candidate),
    /// Not checked: binary or over a limit (with the note to show).
    Skipped(SkipKind, String),
    /// Unreadable, not a regular file, or under an invalid project file.
    Error(String),
}

/// Removes `.` and resolves `..` without touching the file system.
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// A path as written in JSON and reports: `/`-separated.
pub fn path_text(path: &Path) -> String {
    let text = path.to_string_lossy();
    if std::path::MAIN_SEPARATOR == '/' {
        text.into_owned()
    } else {
        text.replace(std::path::MAIN_SEPARATOR, "/")
    }
}

/// The path as shown: without a leading `./`.
pub fn display(path: &Path) -> &Path {
    path.strip_prefix(".").unwrap_or(path)
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

/// How much is read at a time: the binary test runs on each piece, so a
/// binary file is abandoned at its first NUL byte, not after reading it whole.
const READ_PIECE: u64 = 256 * 1024;

/// Why [`read_bytes`] gave no text.
#[derive(Debug)]
pub enum NotRead {
    /// Not a regular file (a FIFO, socket or device): never opened for reading.
    NotAFile,
    TooLarge(LimitSkip),
    Binary,
    Io(std::io::Error),
}

/// The bytes of the regular file at `path` within `max_file_size`: the size
/// is checked before reading (the file is opened without blocking and
/// `fstat`ed first), the reading stops at the first NUL byte and at the limit
/// (a file growing meanwhile).
pub fn read_bytes(path: &Path, max_file_size: u64) -> Result<Vec<u8>, NotRead> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // Opening a FIFO for reading would wait for a writer.
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path).map_err(NotRead::Io)?;
    let metadata = file.metadata().map_err(NotRead::Io)?;
    if !metadata.is_file() {
        return Err(NotRead::NotAFile);
    }
    let limits = Limits {
        max_file_size,
        ..Limits::default()
    };
    if let Some(reason) = limits.check_size(metadata.len()) {
        return Err(NotRead::TooLarge(reason));
    }
    let expected = usize::try_from(metadata.len()).unwrap_or(0);
    let mut bytes = Vec::with_capacity(expected.min(READ_PIECE as usize * 4) + 1);
    let mut file = file.take(max_file_size.saturating_add(1));
    loop {
        let start = bytes.len();
        let read = (&mut file)
            .take(READ_PIECE)
            .read_to_end(&mut bytes)
            .map_err(NotRead::Io)?;
        if memchr::memchr(0, &bytes[start..]).is_some() {
            return Err(NotRead::Binary);
        }
        if read == 0 {
            break;
        }
    }
    if let Some(reason) = limits.check_size(bytes.len() as u64) {
        return Err(NotRead::TooLarge(reason));
    }
    Ok(bytes)
}

/// Step one of the pipeline for one file: its project, limits, read,
/// prefilter. `path` is as walked.
pub fn read_candidate(path: &Path, options: &ScanOptions, projects: &ProjectIndex) -> Read {
    let Some(kind) = FileKind::from_path(path) else {
        return Read::Ignored;
    };
    let shown = display(path);
    // An invalid project file fails the files it governs, not the run.
    let project = match projects.project_for_file(path) {
        Ok(project) => project,
        Err(error) => {
            return Read::Error(format!("{error} (the files it governs were not checked)"));
        }
    };
    let limits = options.limits(&project.config.limits);
    let bytes = match read_bytes(path, limits.max_file_size) {
        Ok(bytes) => bytes,
        Err(NotRead::TooLarge(reason)) => return skipped(shown, reason),
        Err(NotRead::Binary) => {
            // Every file, not only prefilter candidates: the skip count in
            // the summary must not depend on what the file happens to contain.
            return Read::Skipped(
                SkipKind::Binary,
                format!(
                    "{}: skipped: binary file (contains a NUL byte)",
                    shown.display()
                ),
            );
        }
        Err(NotRead::NotAFile) => return Read::Error(not_a_file(shown)),
        Err(NotRead::Io(error)) => {
            return Read::Error(format!("cannot read `{}`: {error}", shown.display()));
        }
    };
    let language = match kind {
        FileKind::Parsed(language) => Some(language),
        FileKind::Plain(_) => None,
    };
    if !may_contain_calls(&bytes, language, &project.extract_options) {
        return Read::NoCalls;
    }
    // Like ripgrep: text in another encoding (a Latin-1 comment) is still
    // checked, its invalid bytes decoded as U+FFFD; positions are in that text.
    let (text, invalid_utf8_at) = decode(bytes);
    // Only files that would be analysed: a minified bundle that cannot hold a
    // call costs nothing more and is not reported.
    if let Some(reason) = limits.check_text(&text) {
        return skipped(shown, reason);
    }
    Read::Candidate(Candidate {
        path: path.to_path_buf(),
        kind,
        text,
        invalid_utf8_at,
        project,
    })
}

fn not_a_file(shown: &Path) -> String {
    format!(
        "cannot check `{}`: not a regular file (a FIFO, socket or device)",
        shown.display()
    )
}

/// A file over a limit (`[limits]`): skipped with a note, never parsed.
fn skipped(shown: &Path, reason: LimitSkip) -> Read {
    let kind = match reason {
        LimitSkip::TooLarge { .. } => SkipKind::TooLarge,
        LimitSkip::LineTooLong { .. } => SkipKind::LongLine,
    };
    Read::Skipped(kind, format!("{}: skipped: {reason}", shown.display()))
}

/// Walks `options.paths` in parallel and reads every file ([`read_candidate`]),
/// handing each file's path and [`Read`] to `visit` (on the walk's threads).
/// Walk errors and special files named as paths are [`Read::Error`]s.
/// Errs when a path does not exist.
pub fn walk(
    options: &ScanOptions,
    projects: &ProjectIndex,
    visit: &(dyn Fn(&Path, Read) + Sync),
) -> Result<(), String> {
    for path in &options.paths {
        if let Err(error) = std::fs::metadata(path) {
            return Err(format!("cannot read `{}`: {error}", path.display()));
        }
    }
    let Some(mut builder) = walker(&options.paths, options.respect_ignore, options.hidden) else {
        return Ok(());
    };
    builder.threads(options.threads);
    builder.build_parallel().run(|| {
        Box::new(move |entry| {
            let entry = match entry {
                Ok(entry) => entry,
                Err(error) => {
                    // The ignore crate's messages already name the path.
                    visit(Path::new(""), Read::Error(error.to_string()));
                    return WalkState::Continue;
                }
            };
            let Some(file_type) = entry.file_type() else {
                return WalkState::Continue;
            };
            let path = entry.path();
            if file_type.is_file() {
                let read = match read_candidate(path, options, projects) {
                    Read::Ignored if entry.depth() == 0 => Read::Unsupported,
                    read => read,
                };
                visit(path, read);
            } else if entry.depth() == 0 && !file_type.is_dir() && !file_type.is_symlink() {
                // Named as a path to check: say why it is not checked.
                visit(path, Read::Error(not_a_file(display(path))));
            }
            WalkState::Continue
        })
    });
    Ok(())
}

/// One parser per language per worker thread, reused across files.
#[derive(Default)]
pub struct Parsers {
    parsers: [Option<Parser>; 5],
}

impl Parsers {
    pub fn get(&mut self, language: Language) -> &mut Parser {
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

/// Parses and analyses a candidate; an error when the parse did not finish
/// within its limit (a few bytes of token soup can keep tree-sitter's error
/// recovery busy for minutes).
pub fn analyse(
    candidate: &Candidate,
    parsers: &mut Parsers,
    today: jiff::civil::Date,
) -> Result<crate::analysis::Analysis, crate::syntax::ParseFailure> {
    let project = &candidate.project;
    let text = &candidate.text;
    let analysis = match candidate.kind {
        FileKind::Parsed(language) => {
            let parser = parsers.get(language);
            let budget = crate::syntax::ParseBudget::for_len(text.len());
            let tree = crate::syntax::try_parse(parser, text, &budget)?;
            analyze(
                &tree,
                text.as_str(),
                &project.resolver,
                &project.config,
                project.lock.as_ref(),
                today,
            )
        }
        FileKind::Plain(plain) => analyze_plain(
            text,
            plain,
            &project.resolver,
            &project.config,
            project.lock.as_ref(),
            today,
        ),
    };
    Ok(analysis)
}

/// What one file came to in a scan.
enum Outcome {
    Checked(Option<FileResult>),
    Skipped(SkipKind, String),
}

/// The whole pipeline: walks `options.paths`, analyses every candidate and
/// lowers the attributions a walked markup file shows. `tick` is called once
/// per checked file (a progress display). Errs when a path does not exist.
pub fn scan(
    options: &ScanOptions,
    projects: &ProjectIndex,
    tick: &(dyn Fn() + Sync),
) -> Result<Scan, String> {
    let shared = Shared::default();
    walk(options, projects, &|path, read| {
        if attribution::is_indexed(path) {
            lock(&shared.shown).push(path.to_path_buf());
        }
        let outcome = match read {
            Read::Ignored => return,
            Read::Unsupported => {
                lock(&shared.notes).push(format!(
                    "{}: skipped: not a JavaScript, TypeScript, Python, shell or Markdown file",
                    display(path).display()
                ));
                return;
            }
            Read::Error(error) => {
                lock(&shared.errors).push(error);
                return;
            }
            Read::NoCalls => Outcome::Checked(None),
            Read::Skipped(kind, note) => Outcome::Skipped(kind, note),
            Read::Candidate(candidate) => {
                if let Some(at) = candidate.invalid_utf8_at {
                    lock(&shared.notes).push(format!(
                        "{}: not valid UTF-8 (at byte {at}): checked with invalid bytes read as U+FFFD",
                        display(path).display(),
                    ));
                }
                PARSERS.with_borrow_mut(|parsers| {
                    match analyse(&candidate, parsers, options.today) {
                        Ok(analysis) => Outcome::Checked(locate(candidate, analysis)),
                        Err(failure) => Outcome::Skipped(
                            SkipKind::Unparsed,
                            format!("{}: skipped: {failure}", display(path).display()),
                        ),
                    }
                })
            }
        };
        match outcome {
            Outcome::Checked(result) => {
                shared.checked.fetch_add(1, Ordering::Relaxed);
                tick();
                if let Some(result) = result {
                    lock(&shared.files).push(result);
                }
            }
            Outcome::Skipped(kind, note) => {
                lock(&shared.skipped).push((path.to_path_buf(), kind));
                lock(&shared.notes).push(note);
            }
        }
    })?;
    Ok(shared.finish(options))
}

thread_local! {
    /// One set of parsers per walk thread, reused across files.
    static PARSERS: std::cell::RefCell<Parsers> = std::cell::RefCell::default();
}

fn into_vec<T>(mutex: Mutex<Vec<T>>) -> Vec<T> {
    mutex.into_inner().unwrap_or_else(PoisonError::into_inner)
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// What the walk threads collect.
#[derive(Default)]
struct Shared {
    files: Mutex<Vec<FileResult>>,
    /// Markup and docs files walked: where the project may show credits.
    shown: Mutex<Vec<PathBuf>>,
    notes: Mutex<Vec<String>>,
    skipped: Mutex<Vec<(PathBuf, SkipKind)>>,
    errors: Mutex<Vec<String>>,
    checked: AtomicUsize,
}

impl Shared {
    fn finish(self, options: &ScanOptions) -> Scan {
        let mut files: Vec<FileResult> = self
            .files
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner);
        files.sort_by(|a, b| a.path.cmp(&b.path));
        // Overlapping arguments (`. src`) walk some files twice; report them once.
        files.dedup_by(|a, b| a.path == b.path);
        lower_shown_attributions(&mut files, into_vec(self.shown));
        // Counted per path: overlapping arguments walk some files twice.
        let mut skipped_paths = self
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
        let mut notes = into_vec(self.notes);
        notes.sort();
        notes.dedup();
        let mut errors = into_vec(self.errors);
        errors.sort();
        errors.dedup();
        Scan {
            files,
            checked: self.checked.into_inner(),
            skipped,
            notes,
            errors,
        }
    }
}

/// A file's uses and findings with line/column spans; `None` when it has none.
fn locate(candidate: Candidate, analysis: crate::analysis::Analysis) -> Option<FileResult> {
    if analysis.uses.is_empty() && analysis.findings.is_empty() {
        return None;
    }
    let rope = Rope::from_str(&candidate.text);
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
                route: model_use.route(),
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
    Some(FileResult {
        path: display(&candidate.path).to_path_buf(),
        text: candidate.text,
        project: candidate.project,
        uses,
        findings,
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> FileResult {
        FileResult {
            path: PathBuf::from("a.js"),
            text: text.to_string(),
            project: Arc::new(Project::default()),
            uses: Vec::new(),
            findings: Vec::new(),
        }
    }

    #[test]
    fn invalid_utf8_is_decoded_lossily_and_located() {
        let (text, at) = decode(b"// caf\xe9\nx".to_vec());
        assert_eq!(text, "// caf\u{fffd}\nx");
        assert_eq!(at, Some(6));
    }

    #[test]
    fn binary_oversized_and_special_files_are_not_read() {
        let dir = tempfile::tempdir().expect("tempdir");
        let binary = dir.path().join("a.js");
        let mut bytes = vec![b'x'; 3 * READ_PIECE as usize];
        bytes.push(0);
        std::fs::write(&binary, &bytes).expect("write");
        assert!(matches!(
            read_bytes(&binary, u64::MAX),
            Err(NotRead::Binary)
        ));
        let big = dir.path().join("b.js");
        std::fs::write(&big, "x".repeat(11)).expect("write");
        assert!(matches!(read_bytes(&big, 10), Err(NotRead::TooLarge(_))));
        assert_eq!(read_bytes(&big, 11).expect("read"), b"xxxxxxxxxxx");
        #[cfg(unix)]
        {
            let fifo = dir.path().join("c.js");
            let name = std::ffi::CString::new(fifo.to_str().expect("utf-8")).expect("c string");
            // SAFETY: mkfifo reads a NUL-terminated path and nothing else.
            assert_eq!(unsafe { libc::mkfifo(name.as_ptr(), 0o600) }, 0);
            // Returns at once (no writer needed) and says what it is.
            assert!(matches!(
                read_bytes(&fifo, u64::MAX),
                Err(NotRead::NotAFile)
            ));
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
