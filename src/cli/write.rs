//! Writing results: to stdout (colours decided here) or atomically to a file.

use std::io::{ErrorKind, Write};
use std::path::Path;

use super::{ColorChoice, Fatal};

/// Writes `text` (which may contain ANSI styles) to stdout; styles are kept
/// only when `color` and the terminal allow. A closed pipe (`| head`) is not an error.
pub fn stdout(text: &str, color: ColorChoice) -> Result<(), Fatal> {
    let choice = match color {
        ColorChoice::Auto => anstream::ColorChoice::Auto,
        ColorChoice::Always => anstream::ColorChoice::Always,
        ColorChoice::Never => anstream::ColorChoice::Never,
    };
    let mut out = anstream::AutoStream::new(std::io::stdout().lock(), choice);
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == ErrorKind::BrokenPipe => Ok(()),
        Err(error) => Err(Fatal(format!("cannot write to stdout: {error}"))),
    }
}

/// Replaces `path` with `contents` atomically: a temporary file in the same
/// directory, flushed to disk, then renamed over the target.
pub fn atomic(path: &Path, contents: &[u8]) -> Result<(), Fatal> {
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let failed =
        |error: std::io::Error| Fatal(format!("cannot write `{}`: {error}", path.display()));
    let mut builder = tempfile::Builder::new();
    builder.prefix(".abstrakt-").suffix(".tmp");
    // Like a file created the ordinary way (the umask applies), not 0600.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut temp = builder.tempfile_in(dir).map_err(failed)?;
    temp.write_all(contents).map_err(failed)?;
    temp.as_file().sync_all().map_err(failed)?;
    temp.persist(path).map_err(|e| failed(e.error))?;
    Ok(())
}
