//! `check`'s ways to report only what is new: `--baseline` /
//! `--write-baseline` and `--new-since`. Applied to the finished scan, so
//! every output format and the exit status see the same findings.

use std::path::PathBuf;

use clap::Args;

use super::Fatal;
use super::baseline;
use super::new_since::ChangedLines;
use super::output::{Summary, current_dir};
use super::walk::{FileResult, LocatedFinding, Scan};
use crate::rules::RuleCode;

#[derive(Debug, Clone, Args)]
pub struct NarrowArgs {
    /// Report only findings not recorded in this baseline file (written by
    /// --write-baseline). A finding is known by its rule, path, model and line
    /// text, so moving code keeps it quiet; changing the line brings it back.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,

    /// Record every current finding in FILE (then report as with --baseline FILE).
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,

    /// Report only findings on lines changed since this git revision (working
    /// tree against it, untracked files included; renamed files count only
    /// their edited lines).
    #[arg(long, value_name = "GIT-REF")]
    pub new_since: Option<String>,
}

/// What the narrowing left out, for the summaries.
#[derive(Debug, Clone, Default)]
pub struct Narrowing {
    /// Counts before anything was left out.
    pub before: Summary,
    /// Left out because the baseline has them.
    pub baselined: usize,
    /// Left out because no changed line holds them.
    pub unchanged: usize,
    pub new_since: Option<String>,
    pub baseline: Option<PathBuf>,
    /// `--write-baseline`: where, and how many findings it recorded.
    pub written: Option<(PathBuf, usize)>,
}

impl Narrowing {
    pub fn is_active(&self) -> bool {
        self.new_since.is_some() || self.baseline.is_some() || self.written.is_some()
    }
}

/// Keeps the findings `keep` accepts (called in [`Scan::findings`] order with
/// each finding's index in that order).
fn retain(scan: &mut Scan, mut keep: impl FnMut(&FileResult, &LocatedFinding, usize) -> bool) {
    let mut index = 0;
    for file in &mut scan.files {
        let mut findings = std::mem::take(&mut file.findings);
        findings.retain(|located| {
            let kept = keep(file, located, index);
            index += 1;
            kept
        });
        file.findings = findings;
    }
}

/// Applies `--write-baseline`, `--baseline` and `--new-since` to `scan`.
pub fn apply(scan: &mut Scan, args: &NarrowArgs) -> Result<Narrowing, Fatal> {
    let mut narrowing = Narrowing {
        before: Summary::of(scan),
        new_since: args.new_since.clone(),
        baseline: args.baseline.clone(),
        ..Narrowing::default()
    };
    // Ask git first: a bad ref must fail before any file is written.
    let cwd = current_dir()?;
    let changed = match &args.new_since {
        Some(reference) => Some(ChangedLines::since(&cwd, reference)?),
        None => None,
    };
    // Only when asked: a fingerprint reads the finding's whole line.
    let fingerprints = if args.baseline.is_some() || args.write_baseline.is_some() {
        super::output::gitlab::fingerprints(scan)?
    } else {
        Vec::new()
    };
    let mut known = match &args.baseline {
        Some(path) => baseline::load(path)?,
        None => Default::default(),
    };
    if let Some(path) = &args.write_baseline {
        let count = baseline::write(path, scan, &fingerprints)?;
        known.extend(fingerprints.iter().cloned());
        narrowing.written = Some((path.clone(), count));
    }
    if args.baseline.is_some() || args.write_baseline.is_some() {
        retain(scan, |_, _, index| {
            let baselined = fingerprints.get(index).is_some_and(|f| known.contains(f));
            narrowing.baselined += usize::from(baselined);
            !baselined
        });
    }
    if let Some(changed) = &changed {
        retain(scan, |file, located, _| {
            // A stale attribution file is about the change as a whole: the
            // edited code, not the line in abstrakt.toml it is reported on.
            let touched = located.finding.code == RuleCode::AttributionFileStale
                || changed.touches(
                    &cwd,
                    &file.path,
                    located.span.start_line,
                    located.span.end_line,
                );
            narrowing.unchanged += usize::from(!touched);
            touched
        });
    }
    Ok(narrowing)
}

/// One line on stderr saying what was left out (stdout stays the format's).
pub fn print_note(narrowing: &Narrowing) {
    if let Some((path, count)) = &narrowing.written {
        eprintln!(
            "abstrakt-lsp: recorded {count} finding{} in the baseline {}",
            if *count == 1 { "" } else { "s" },
            path.display()
        );
    }
    let mut parts = Vec::new();
    if narrowing.baselined > 0 {
        parts.push(format!("{} in the baseline", narrowing.baselined));
    }
    if narrowing.unchanged > 0 {
        parts.push(format!(
            "{} on lines unchanged since {}",
            narrowing.unchanged,
            narrowing.new_since.as_deref().unwrap_or("the ref")
        ));
    }
    if !parts.is_empty() {
        eprintln!("abstrakt-lsp: not reported: {}", parts.join(", "));
    }
}
