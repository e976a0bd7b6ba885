//! The one file walker: `check`, the workspace scope, `abstrakt.report` and
//! the attribution index all walk a tree the same way. Its own module so the
//! attribution index and the batch pipeline (which uses the index) both reach
//! it without depending on each other.

use std::path::PathBuf;

/// The walker every walk uses: `.gitignore` respected (also outside git
/// repositories: fresh clones in CI without `.git`, tarballs), hidden files
/// skipped unless asked for.
pub fn walker(
    roots: &[PathBuf],
    respect_ignore: bool,
    hidden: bool,
) -> Option<ignore::WalkBuilder> {
    let (first, rest) = roots.split_first()?;
    let mut builder = ignore::WalkBuilder::new(first);
    for root in rest {
        builder.add(root);
    }
    builder
        .standard_filters(respect_ignore)
        .hidden(!hidden)
        .require_git(false);
    Some(builder)
}
