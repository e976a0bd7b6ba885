//! The command line's side of the batch pipeline ([`crate::batch`]): the
//! walk options from the flags, the progress spinner and the notes and errors
//! printed on stderr.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::{Fatal, WalkArgs};
use crate::host::Host;
use crate::project::ProjectIndex;

pub use crate::batch::{FileResult, LocatedFinding, LocatedUse, Scan, ScanOptions, Span};

/// The walk the flags ask for.
pub fn options(args: &WalkArgs, host: &dyn Host) -> ScanOptions {
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    ScanOptions {
        paths,
        respect_ignore: !args.no_ignore,
        hidden: args.hidden,
        max_file_size: args.max_file_size,
        max_line_length: args.max_line_length,
        threads: args.threads.unwrap_or(0),
        today: host.today(),
    }
}

/// The batch pipeline with a spinner on stderr when it is a terminal.
pub fn scan(options: &ScanOptions, projects: &ProjectIndex) -> Result<Scan, Fatal> {
    let progress = Progress::new(std::io::stderr().is_terminal());
    let scan = crate::batch::scan(options, projects, &|| progress.tick());
    progress.finish();
    Ok(scan?)
}

/// Prints notes (when verbose) and errors to stderr.
pub fn print_diagnostics(scan: &Scan, verbose: bool) {
    if verbose {
        for note in &scan.notes {
            eprintln!("note: {note}");
        }
    }
    for error in &scan.errors {
        eprintln!("abstrakt-lsp: {error}");
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
