//! Languages we understand and how to parse them with tree-sitter.

use std::fmt;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tree_sitter::{Parser, Tree};

/// A source language; JSX is parsed by the JavaScript grammar, which includes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Language {
    JavaScript,
    JavaScriptReact,
    TypeScript,
    TypeScriptReact,
    Python,
}

impl Language {
    /// The language for an LSP `languageId`, if it is one of ours.
    pub fn from_language_id(id: &str) -> Option<Self> {
        match id {
            "javascript" => Some(Self::JavaScript),
            "javascriptreact" | "jsx" => Some(Self::JavaScriptReact),
            "typescript" => Some(Self::TypeScript),
            "typescriptreact" | "tsx" => Some(Self::TypeScriptReact),
            "python" => Some(Self::Python),
            _ => None,
        }
    }

    /// The language for a file name, by extension.
    pub fn from_path(path: &Path) -> Option<Self> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "js" | "mjs" | "cjs" => Some(Self::JavaScript),
            "jsx" => Some(Self::JavaScriptReact),
            "ts" | "mts" | "cts" => Some(Self::TypeScript),
            "tsx" => Some(Self::TypeScriptReact),
            "py" | "pyi" => Some(Self::Python),
            _ => None,
        }
    }

    /// `languageId` first, the file extension second (editors send odd ids for
    /// unsaved or unusual files).
    pub fn detect(language_id: Option<&str>, path: Option<&Path>) -> Option<Self> {
        language_id
            .and_then(Self::from_language_id)
            .or_else(|| path.and_then(Self::from_path))
    }

    pub fn is_typescript(self) -> bool {
        matches!(self, Self::TypeScript | Self::TypeScriptReact)
    }

    pub fn is_jsx(self) -> bool {
        matches!(self, Self::JavaScriptReact | Self::TypeScriptReact)
    }

    pub fn is_python(self) -> bool {
        self == Self::Python
    }

    /// Every language, for tables indexed by language.
    pub const ALL: [Language; 5] = [
        Self::JavaScript,
        Self::JavaScriptReact,
        Self::TypeScript,
        Self::TypeScriptReact,
        Self::Python,
    ];

    pub fn grammar(self) -> tree_sitter::Language {
        match self {
            Self::JavaScript | Self::JavaScriptReact => tree_sitter_javascript::LANGUAGE.into(),
            Self::TypeScript => tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
            Self::TypeScriptReact => tree_sitter_typescript::LANGUAGE_TSX.into(),
            Self::Python => tree_sitter_python::LANGUAGE.into(),
        }
    }

    /// The language a tree was parsed with (JSX files answer `JavaScript`: one
    /// grammar parses both). Lets code that holds only a tree pick the comment
    /// syntax without being told the document's language.
    pub fn of_tree(tree: &Tree) -> Option<Self> {
        let grammar = tree.language();
        Self::ALL
            .into_iter()
            .find(|language| language.grammar() == *grammar)
    }

    /// How a line comment starts.
    pub fn line_comment(self) -> &'static str {
        match self {
            Self::Python => "#",
            _ => "//",
        }
    }

    /// A parser set up for this language.
    pub fn parser(self) -> Parser {
        let mut parser = Parser::new();
        // Only fails on an ABI mismatch between tree-sitter and the grammar crates,
        // which the pinned versions in Cargo.toml rule out; a test covers every language.
        parser
            .set_language(&self.grammar())
            .expect("grammar ABI matches tree-sitter");
        parser
    }
}

/// Why a parse produced no tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParseFailure {
    /// The parse used up its [`ParseBudget`]'s CPU time: tree-sitter's error
    /// recovery can run for minutes on a few bytes of token soup (the same
    /// class as tree-sitter-typescript#323), so every parse has a limit.
    TimedOut { limit: Duration },
    /// A newer version of the document cancelled it.
    Cancelled,
    /// No thread with a large enough stack could be started.
    NoThread,
}

impl fmt::Display for ParseFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseFailure::TimedOut { limit } => write!(
                f,
                "parsing did not finish within {:.1} s of CPU time (the parser's error recovery on text it cannot read as code)",
                limit.as_secs_f64()
            ),
            ParseFailure::Cancelled => f.write_str("parsing was cancelled by a newer version"),
            ParseFailure::NoThread => f.write_str("no parse thread could be started"),
        }
    }
}

/// The CPU time every parse gets, plus [`PARSE_TIME_PER_MB`] per MB of text.
/// Ordinary files parse in milliseconds and a 1 MB file nested 100,000 deep
/// in well under a second (release build); the slack is for debug builds, so
/// that only runaway error recovery (minutes) ever reaches it.
pub const PARSE_TIME_BASE: Duration = Duration::from_secs(5);
/// Extra parse time per MB (1,048,576 bytes) of text.
pub const PARSE_TIME_PER_MB: Duration = Duration::from_secs(5);

/// How much CPU time a parse may use, and a flag that cancels it early.
///
/// CPU time of the parsing thread, not wall-clock time: on a loaded machine
/// (`check -j 8` on two cores, CI next to a build) an ordinary parse takes
/// longer by the clock but not in CPU time, so the limit only ever stops a
/// parse that is itself running away.
#[derive(Debug, Clone, Default)]
pub struct ParseBudget {
    limit: Option<Duration>,
    cancel: Option<Arc<AtomicBool>>,
}

impl ParseBudget {
    /// The default budget for a text of `len` bytes.
    pub fn for_len(len: usize) -> Self {
        Self::within(time_limit(len))
    }

    /// At most `limit` of CPU time.
    pub fn within(limit: Duration) -> Self {
        Self {
            limit: Some(limit),
            cancel: None,
        }
    }

    /// The same budget, also cancelled when `flag` is set.
    pub fn cancelled_by(mut self, flag: Arc<AtomicBool>) -> Self {
        self.cancel = Some(flag);
        self
    }

    /// Why the parse must stop now, if it must, `started` being the parsing
    /// thread's CPU time when the parse began.
    fn exceeded(&self, started: Duration) -> Option<ParseFailure> {
        if self
            .cancel
            .as_ref()
            .is_some_and(|flag| flag.load(Ordering::Relaxed))
        {
            return Some(ParseFailure::Cancelled);
        }
        let limit = self.limit?;
        (thread_cpu_time().saturating_sub(started) >= limit)
            .then_some(ParseFailure::TimedOut { limit })
    }
}

/// The CPU time the calling thread has used.
#[cfg(unix)]
fn thread_cpu_time() -> Duration {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `now` is a valid timespec to write into; the clock id is a constant.
    let status = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) };
    if status != 0 {
        return wall_clock_since_start();
    }
    Duration::new(
        u64::try_from(now.tv_sec).unwrap_or(0),
        u32::try_from(now.tv_nsec).unwrap_or(0),
    )
}

/// Where the thread's CPU clock is not available: the time since the process
/// first asked (a stricter limit, never a looser one).
#[cfg(not(unix))]
fn thread_cpu_time() -> Duration {
    wall_clock_since_start()
}

fn wall_clock_since_start() -> Duration {
    static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    START.get_or_init(std::time::Instant::now).elapsed()
}

/// [`PARSE_TIME_BASE`] plus [`PARSE_TIME_PER_MB`] per MB of `len`.
pub fn time_limit(len: usize) -> Duration {
    let megabytes = len as f64 / (1024.0 * 1024.0);
    PARSE_TIME_BASE + PARSE_TIME_PER_MB.mul_f64(megabytes)
}

/// Parses text handed over in chunks by `read(byte_offset)` (an empty slice at
/// the end), reusing `old` when given, within `budget`, on a stack big enough
/// for the text's nesting (see [`with_parse_stack`]).
pub fn parse_chunks<'t>(
    parser: &mut Parser,
    len: usize,
    read: &mut (dyn FnMut(usize) -> &'t [u8] + Send),
    old: Option<&Tree>,
    budget: &ParseBudget,
) -> Result<Tree, ParseFailure> {
    let mut stopped = None;
    let parsed = with_parse_stack(len, || {
        // On the thread that parses: its CPU clock is the one that counts.
        let started = thread_cpu_time();
        let mut progress = |_: &tree_sitter::ParseState| {
            stopped = budget.exceeded(started);
            stopped.is_some()
        };
        let options = tree_sitter::ParseOptions::new().progress_callback(&mut progress);
        let tree = parser.parse_with_options(&mut |byte, _| read(byte), old, Some(options));
        if tree.is_none() {
            // A halted parse would resume where it stopped on the next call.
            // On this stack: releasing a deep parse stack recurses.
            parser.reset();
        }
        tree
    });
    match parsed {
        Some(Some(tree)) => Ok(tree),
        Some(None) => Err(stopped.unwrap_or(ParseFailure::Cancelled)),
        None => Err(ParseFailure::NoThread),
    }
}

/// Parses a whole text from scratch within `budget`.
pub fn try_parse(
    parser: &mut Parser,
    text: &str,
    budget: &ParseBudget,
) -> Result<Tree, ParseFailure> {
    let bytes = text.as_bytes();
    parse_chunks(
        parser,
        bytes.len(),
        &mut |byte| bytes.get(byte..).unwrap_or_default(),
        None,
        budget,
    )
}

/// Parses a text known to be well-behaved (tests, benchmarks): within a
/// budget generous enough for debug builds on a loaded machine
/// ([`TEST_PARSE_TIME`]), an empty tree when even that runs out. Product code
/// parses with [`ParseBudget::for_len`] and reports a failure.
pub fn parse(language: Language, text: &str) -> Tree {
    try_parse(
        &mut language.parser(),
        text,
        &ParseBudget::within(TEST_PARSE_TIME),
    )
    .unwrap_or_else(|_| empty_tree(language))
}

/// The budget of [`parse`].
pub const TEST_PARSE_TIME: Duration = Duration::from_secs(120);

/// The tree of an empty text (parsing "" cannot run out of any budget).
fn empty_tree(language: Language) -> Tree {
    language
        .parser()
        .parse("", None)
        .expect("an empty text parses")
}

/// Texts up to this size are parsed on the caller's stack.
const SMALL_TEXT: usize = 16 * 1024;
/// Stack bytes per byte of text for larger ones: tree-sitter releases its parse
/// stack recursively while recovering from errors, about 130 bytes per nesting
/// level (`{a:{a:…` unclosed, 20,000 deep, overflows a 2 MB thread stack), and
/// a level takes at least two bytes of text. Only touched pages are committed.
const STACK_PER_BYTE: usize = 128;
const MIN_STACK: usize = 8 << 20;
const MAX_STACK: usize = 1 << 30;

/// Runs a parse (`f`) where deep nesting cannot overflow the stack: small texts
/// on the current thread, larger ones on a scoped thread whose stack grows with
/// the text. `None` when that thread cannot be created (the caller skips the
/// file). A panic in `f` is resumed on the caller.
pub fn with_parse_stack<T: Send>(text_len: usize, f: impl FnOnce() -> T + Send) -> Option<T> {
    if text_len <= SMALL_TEXT {
        return Some(f());
    }
    let stack = text_len
        .saturating_mul(STACK_PER_BYTE)
        .clamp(MIN_STACK, MAX_STACK);
    std::thread::scope(|scope| {
        let handle = std::thread::Builder::new()
            .name("parse".into())
            .stack_size(stack)
            .spawn_scoped(scope, f)
            .ok()?;
        match handle.join() {
            Ok(value) => Some(value),
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })
}

/// Whether two trees have the same nodes (kind, byte range, error and
/// missing flags) in the same places. Iterative: deep trees do not recurse.
pub fn same_shape(a: &Tree, b: &Tree) -> bool {
    let mut x = a.walk();
    let mut y = b.walk();
    loop {
        let (n, m) = (x.node(), y.node());
        if n.kind_id() != m.kind_id()
            || n.byte_range() != m.byte_range()
            || n.is_missing() != m.is_missing()
            || n.is_error() != m.is_error()
            || n.child_count() != m.child_count()
            || x.field_id() != y.field_id()
        {
            return false;
        }
        if x.goto_first_child() {
            y.goto_first_child();
            continue;
        }
        loop {
            if x.goto_next_sibling() {
                y.goto_next_sibling();
                break;
            }
            if !x.goto_parent() {
                return true;
            }
            y.goto_parent();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by the reliability run: 25 bytes that keep tree-sitter's error
    /// recovery busy for minutes (212 CPU-seconds, 2.77 GB without a deadline).
    const RECOVERY_CLIFF: &str = "<`(/${(]?e a n(x\"abstrakt";

    #[test]
    fn a_parse_stops_at_its_deadline() {
        let limit = Duration::from_millis(300);
        let result = try_parse(
            &mut Language::TypeScriptReact.parser(),
            RECOVERY_CLIFF,
            &ParseBudget::within(limit),
        );
        assert_eq!(result.err(), Some(ParseFailure::TimedOut { limit }));
    }

    #[test]
    fn a_cancelled_parse_says_so_and_the_parser_starts_afresh() {
        let flag = Arc::new(AtomicBool::new(true));
        let mut parser = Language::TypeScriptReact.parser();
        let budget = ParseBudget::within(Duration::from_secs(60)).cancelled_by(flag);
        assert_eq!(
            try_parse(&mut parser, RECOVERY_CLIFF, &budget).err(),
            Some(ParseFailure::Cancelled)
        );
        // The same parser, reset, parses the next text from its start.
        let tree = try_parse(&mut parser, "abstrakt.run('a');", &ParseBudget::for_len(18))
            .expect("parses");
        assert_eq!(tree.root_node().end_byte(), 18);
        assert!(!tree.root_node().has_error());
    }

    #[test]
    fn same_shape_tells_trees_apart() {
        let a = parse(Language::TypeScript, "f('a');\ng(1);");
        assert!(same_shape(
            &a,
            &parse(Language::TypeScript, "f('a');\ng(1);")
        ));
        assert!(!same_shape(
            &a,
            &parse(Language::TypeScript, "f('a');\ng(12);")
        ));
        assert!(!same_shape(
            &a,
            &parse(Language::TypeScript, "f('a');\ng(1, 2);")
        ));
        assert!(!same_shape(&a, &parse(Language::TypeScript, "f('a');\n")));
    }

    #[test]
    fn every_language_parses() {
        for lang in Language::ALL {
            let source = if lang.is_python() {
                "a = 1\n"
            } else {
                "const a = 1;"
            };
            let tree = parse(lang, source);
            assert!(!tree.root_node().has_error(), "{lang:?}");
        }
    }

    #[test]
    fn a_tree_knows_its_language() {
        assert_eq!(
            Language::of_tree(&parse(Language::Python, "x = 1\n")),
            Some(Language::Python)
        );
        assert_eq!(
            Language::of_tree(&parse(Language::TypeScriptReact, "x")),
            Some(Language::TypeScriptReact)
        );
        assert_eq!(
            Language::of_tree(&parse(Language::JavaScriptReact, "x")),
            Some(Language::JavaScript)
        );
        assert_eq!(Language::Python.line_comment(), "#");
        assert_eq!(Language::TypeScript.line_comment(), "//");
    }

    #[test]
    fn python_by_id_and_extension() {
        assert_eq!(
            Language::detect(Some("python"), None),
            Some(Language::Python)
        );
        for name in ["a.py", "stubs/a.pyi", "A.PY"] {
            assert_eq!(
                Language::detect(None, Some(Path::new(name))),
                Some(Language::Python),
                "{name}"
            );
        }
        assert_eq!(
            Language::detect(Some("python"), Some(Path::new("a.js"))),
            Some(Language::Python)
        );
    }

    #[test]
    fn deep_unclosed_nesting_parses_without_overflowing_the_stack() {
        // Error recovery over 100,000 unclosed levels recurses in tree-sitter.
        let text = format!("{}abstrakt.run('flux-dev')", "{a:".repeat(100_000));
        let tree = parse(Language::JavaScript, &text);
        assert!(tree.root_node().has_error());
        assert_eq!(tree.root_node().end_byte(), text.len());
    }

    #[test]
    fn language_id_wins_over_extension() {
        let p = Path::new("a.js");
        assert_eq!(
            Language::detect(Some("typescript"), Some(p)),
            Some(Language::TypeScript)
        );
        assert_eq!(
            Language::detect(Some("plaintext"), Some(p)),
            Some(Language::JavaScript)
        );
        assert_eq!(
            Language::detect(None, Some(Path::new("x.MTS"))),
            Some(Language::TypeScript)
        );
        assert_eq!(Language::detect(None, Some(Path::new("x.rb"))), None);
    }
}
