//! `check --new-since <git-ref>`: only the findings on lines a change
//! touched, the way `fossa test --diff` and GitHub's dependency review report
//! what a pull request introduces.
//!
//! The lines come from git itself: `git diff --unified=0 --find-renames REF`
//! (the working tree, staged or not, against the ref) for tracked files, and
//! every line of untracked files that are not ignored. A renamed file counts
//! only its edited lines: moving a file does not make its old findings new.

use std::collections::HashMap;
use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::Fatal;

/// Which lines of which files changed since a ref.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChangedLines {
    /// The repository's top folder (canonical).
    pub root: PathBuf,
    /// By path relative to `root`.
    files: HashMap<PathBuf, Changed>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Changed {
    /// A new (untracked) file: every line.
    All,
    /// 1-based line ranges of the new text.
    Lines(Vec<RangeInclusive<u32>>),
}

fn git(cwd: &Path, args: &[&str]) -> Result<std::process::Output, Fatal> {
    Command::new("git")
        .args(args)
        .current_dir(cwd)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env_remove("GIT_EXTERNAL_DIFF")
        .output()
        .map_err(|e| Fatal(format!("--new-since needs git: cannot run it: {e}")))
}

fn stderr_line(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr)
        .lines()
        .next()
        .unwrap_or("")
        .trim()
        .to_string()
}

impl ChangedLines {
    /// Asks git, in `cwd`, what changed since `reference`.
    pub fn since(cwd: &Path, reference: &str) -> Result<Self, Fatal> {
        let top = git(cwd, &["rev-parse", "--show-toplevel"])?;
        if !top.status.success() {
            return Err(Fatal(format!(
                "--new-since: `{}` is not inside a git repository ({})",
                cwd.display(),
                stderr_line(&top)
            )));
        }
        let root = PathBuf::from(String::from_utf8_lossy(&top.stdout).trim_end_matches('\n'));
        let root = std::fs::canonicalize(&root).unwrap_or(root);
        if reference.starts_with('-') {
            return Err(Fatal(format!(
                "--new-since: `{reference}` is not a git revision"
            )));
        }
        let commit = git(
            &root,
            &[
                "rev-parse",
                "--verify",
                "--quiet",
                "--end-of-options",
                &format!("{reference}^{{commit}}"),
            ],
        )?;
        if !commit.status.success() {
            return Err(Fatal(format!(
                "--new-since: unknown git revision `{reference}` (fetch it first: a shallow CI checkout may not have it)"
            )));
        }
        let commit = String::from_utf8_lossy(&commit.stdout).trim().to_string();
        let diff = git(
            &root,
            &[
                "-c",
                "core.quotepath=off",
                "diff",
                "--no-ext-diff",
                "--no-color",
                "--no-textconv",
                "--unified=0",
                "--find-renames",
                "--src-prefix=a/",
                "--dst-prefix=b/",
                &commit,
                "--",
            ],
        )?;
        if !diff.status.success() {
            return Err(Fatal(format!(
                "--new-since: `git diff {reference}` failed: {}",
                stderr_line(&diff)
            )));
        }
        let mut files = parse_diff(&String::from_utf8_lossy(&diff.stdout));
        let untracked = git(&root, &["ls-files", "--others", "--exclude-standard", "-z"])?;
        if untracked.status.success() {
            for path in untracked
                .stdout
                .split(|&b| b == 0)
                .filter(|p| !p.is_empty())
            {
                files.insert(
                    PathBuf::from(String::from_utf8_lossy(path).into_owned()),
                    Changed::All,
                );
            }
        }
        Ok(Self { root, files })
    }

    /// Whether any of lines `first..=last` of `path` (as walked, relative to
    /// `cwd` or absolute) changed.
    pub fn touches(&self, cwd: &Path, path: &Path, first: u32, last: u32) -> bool {
        let absolute = cwd.join(path);
        let absolute = std::fs::canonicalize(&absolute).unwrap_or(absolute);
        let Ok(relative) = absolute.strip_prefix(&self.root) else {
            return false;
        };
        match self.files.get(relative) {
            None => false,
            Some(Changed::All) => true,
            Some(Changed::Lines(ranges)) => ranges
                .iter()
                .any(|r| *r.start() <= last.max(first) && first <= *r.end()),
        }
    }
}

/// `"a\tb"` as git quotes unusual paths: C escapes, octal bytes.
fn unquote(text: &str) -> String {
    let Some(inner) = text.strip_prefix('"').and_then(|t| t.strip_suffix('"')) else {
        return text.to_string();
    };
    let mut bytes = Vec::new();
    let mut chars = inner.bytes().peekable();
    while let Some(b) = chars.next() {
        if b != b'\\' {
            bytes.push(b);
            continue;
        }
        match chars.next() {
            Some(b'n') => bytes.push(b'\n'),
            Some(b't') => bytes.push(b'\t'),
            Some(b'r') => bytes.push(b'\r'),
            Some(b'a') => bytes.push(7),
            Some(b'b') => bytes.push(8),
            Some(b'f') => bytes.push(12),
            Some(b'v') => bytes.push(11),
            Some(d @ b'0'..=b'7') => {
                let mut value = u32::from(d - b'0');
                for _ in 0..2 {
                    if let Some(&next @ b'0'..=b'7') = chars.peek() {
                        value = value * 8 + u32::from(next - b'0');
                        chars.next();
                    }
                }
                bytes.push(u8::try_from(value).unwrap_or(b'?'));
            }
            Some(other) => bytes.push(other),
            None => bytes.push(b'\\'),
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// The new side's changed lines per file of a `--unified=0` diff.
fn parse_diff(diff: &str) -> HashMap<PathBuf, Changed> {
    let mut files: HashMap<PathBuf, Changed> = HashMap::new();
    let mut current: Option<PathBuf> = None;
    for line in diff.lines() {
        if line.starts_with("diff --git ") {
            current = None;
        } else if let Some(target) = line.strip_prefix("+++ ") {
            let target = unquote(target.trim_end());
            current = target.strip_prefix("b/").map(PathBuf::from);
            if let Some(path) = &current {
                files
                    .entry(path.clone())
                    .or_insert_with(|| Changed::Lines(Vec::new()));
            }
        } else if let (Some(path), Some(hunk)) = (&current, line.strip_prefix("@@ ")) {
            // @@ -a[,b] +c[,d] @@
            let Some(new) = hunk.split_whitespace().find(|p| p.starts_with('+')) else {
                continue;
            };
            let mut parts = new[1..].splitn(2, ',');
            let start: u32 = parts.next().and_then(|s| s.parse().ok()).unwrap_or(0);
            let count: u32 = parts.next().and_then(|s| s.parse().ok()).unwrap_or(1);
            if count == 0 || start == 0 {
                continue; // only deletions here
            }
            if let Some(Changed::Lines(ranges)) = files.get_mut(path) {
                ranges.push(start..=start + count - 1);
            }
        }
    }
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hunks_become_line_ranges_on_the_new_side() {
        let diff = "diff --git a/src/a.js b/src/a.js\n\
                    index 1..2 100644\n\
                    --- a/src/a.js\n\
                    +++ b/src/a.js\n\
                    @@ -3 +3 @@ x\n\
                    -old\n\
                    +new\n\
                    @@ -10,0 +11,2 @@\n\
                    +a\n\
                    +b\n\
                    @@ -20,3 +22,0 @@\n\
                    diff --git a/old.js b/new.js\n\
                    similarity index 90%\n\
                    rename from old.js\n\
                    rename to new.js\n\
                    --- a/old.js\n\
                    +++ b/new.js\n\
                    @@ -1 +1 @@\n\
                    diff --git a/gone.js b/gone.js\n\
                    --- a/gone.js\n\
                    +++ /dev/null\n\
                    @@ -1 +0,0 @@\n\
                    diff --git a/\"we\\tird.js\" b/\"we\\tird.js\"\n\
                    --- a/\"we\\tird.js\"\n\
                    +++ \"b/we\\tird.js\"\n\
                    @@ -0,0 +1 @@\n";
        let files = parse_diff(diff);
        assert_eq!(
            files.get(Path::new("src/a.js")),
            Some(&Changed::Lines(vec![3..=3, 11..=12]))
        );
        assert_eq!(
            files.get(Path::new("new.js")),
            Some(&Changed::Lines(vec![1..=1]))
        );
        assert_eq!(files.get(Path::new("gone.js")), None);
        assert_eq!(
            files.get(Path::new("we\tird.js")),
            Some(&Changed::Lines(vec![1..=1]))
        );
    }

    #[test]
    fn octal_escapes_are_bytes() {
        assert_eq!(unquote("\"b/caf\\303\\251.js\""), "b/café.js");
        assert_eq!(unquote("b/plain.js"), "b/plain.js");
    }
}
