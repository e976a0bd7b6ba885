//! Which files are too big to analyse (docs/architecture.md, "Invariants":
//! any input has bounded time, memory and output). One policy for `check` and the server: a file over
//! the size limit, or with a line over the line-length limit (minified bundles,
//! generated data), is skipped with a notice instead of parsed.
//!
//! Both limits come from `[limits]` in `abstrakt.toml`; `check` flags override
//! them. Sizes are counted in bytes, and `KB`/`MB`/`GB` are binary (1 MB is
//! 1,048,576 bytes), as the `--max-file-size` default has always been.

use std::fmt;

use ropey::Rope;

/// 5 MB: larger than any hand-written source file, smaller than most bundles.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 5 * 1024 * 1024;
/// 20,000 bytes: hand-written lines are far shorter; minified code is one line.
pub const DEFAULT_MAX_LINE_LENGTH: usize = 20_000;

/// The limits in force for one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest file analysed, in bytes.
    pub max_file_size: u64,
    /// Longest line analysed, in bytes (without its line break).
    pub max_line_length: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_file_size: DEFAULT_MAX_FILE_SIZE,
            max_line_length: DEFAULT_MAX_LINE_LENGTH,
        }
    }
}

/// Why a file was not analysed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkipReason {
    /// The file is larger than `max-file-size`.
    TooLarge { size: u64, limit: u64 },
    /// Line `line` (1-based) is longer than `max-line-length`.
    LineTooLong {
        line: usize,
        length: usize,
        limit: usize,
    },
}

impl SkipReason {
    /// The `abstrakt.toml` key (and `check` flag) that sets the limit.
    pub fn setting(&self) -> &'static str {
        match self {
            SkipReason::TooLarge { .. } => "max-file-size",
            SkipReason::LineTooLong { .. } => "max-line-length",
        }
    }

    /// The editor's one-time notice (`window/showMessage`) for a skipped file.
    pub fn message(&self, file_name: &str) -> String {
        format!(
            "abstrakt-lsp does not analyse {file_name}: {self}. Raise `{}` under [limits] in abstrakt.toml to analyse it.",
            self.setting()
        )
    }
}

/// `check -v` prints `path: skipped: <this>`.
impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SkipReason::TooLarge { size, limit } => write!(
                f,
                "{} is over the limit of {} (max-file-size)",
                format_size(*size),
                format_size(*limit)
            ),
            SkipReason::LineTooLong {
                line,
                length,
                limit,
            } => write!(
                f,
                "line {line} is {} bytes long, over the limit of {} (max-line-length; minified code?)",
                group(*length as u64),
                group(*limit as u64)
            ),
        }
    }
}

impl Limits {
    /// Whether a file of `size` bytes is over the size limit (before reading it).
    pub fn check_size(&self, size: u64) -> Option<SkipReason> {
        (size > self.max_file_size).then_some(SkipReason::TooLarge {
            size,
            limit: self.max_file_size,
        })
    }

    /// Why `text` should not be analysed, if it should not. Linear, no allocation.
    pub fn check_text(&self, text: &str) -> Option<SkipReason> {
        self.check_chunks(text.len() as u64, std::iter::once(text.as_bytes()))
    }

    /// [`Limits::check_text`] for an editor document, without copying it.
    pub fn check_rope(&self, rope: &Rope) -> Option<SkipReason> {
        self.check_chunks(rope.len_bytes() as u64, rope.chunks().map(str::as_bytes))
    }

    fn check_chunks<'a>(
        &self,
        size: u64,
        chunks: impl IntoIterator<Item = &'a [u8]>,
    ) -> Option<SkipReason> {
        if let Some(reason) = self.check_size(size) {
            return Some(reason);
        }
        let mut lines = LineLengths::default();
        for chunk in chunks {
            if let Some((line, length)) = lines.feed(chunk, self.max_line_length) {
                return Some(self.line_too_long(line, length));
            }
        }
        lines
            .finish(self.max_line_length)
            .map(|(line, length)| self.line_too_long(line, length))
    }

    fn line_too_long(&self, line: usize, length: usize) -> SkipReason {
        SkipReason::LineTooLong {
            line,
            length,
            limit: self.max_line_length,
        }
    }
}

/// Line lengths across chunk boundaries. Line breaks are `\n`, `\r\n` and a
/// lone `\r`, as LSP and the rest of the engine count them.
#[derive(Debug, Default)]
struct LineLengths {
    /// Zero-based number of the current line.
    line: usize,
    /// Bytes of the current line so far.
    length: usize,
    /// The previous chunk ended with `\r` (a `\n` next is the same break).
    after_cr: bool,
    /// The first over-long line: (1-based line, length so far).
    over: Option<(usize, usize)>,
}

impl LineLengths {
    /// Feeds the next chunk. Returns the first over-long line once it is
    /// complete (its full length is known), so the caller can stop early.
    fn feed(&mut self, chunk: &[u8], limit: usize) -> Option<(usize, usize)> {
        let mut start = 0;
        for at in memchr::memchr2_iter(b'\n', b'\r', chunk) {
            let was_after_cr = std::mem::replace(&mut self.after_cr, chunk[at] == b'\r');
            if chunk[at] == b'\n' && at == start && was_after_cr && self.length == 0 {
                // The `\n` of a `\r\n`: the line already ended.
                start = at + 1;
                continue;
            }
            self.length += at - start;
            if let Some(found) = self.end_line(limit) {
                return Some(found);
            }
            start = at + 1;
        }
        if start < chunk.len() {
            self.after_cr = false;
        }
        self.length += chunk.len() - start;
        None
    }

    /// Ends the current line; the first over-long one is returned.
    fn end_line(&mut self, limit: usize) -> Option<(usize, usize)> {
        let found = (self.length > limit).then_some((self.line + 1, self.length));
        self.line += 1;
        self.length = 0;
        if found.is_some() {
            self.over = found;
        }
        found
    }

    /// The last line (which has no break after it).
    fn finish(&mut self, limit: usize) -> Option<(usize, usize)> {
        self.over.or_else(|| self.end_line(limit))
    }
}

/// Bytes as people read them: `1,234 bytes`, `3.2 MB`.
pub fn format_size(bytes: u64) -> String {
    const UNITS: [(&str, u64); 3] = [("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)];
    for (unit, size) in UNITS {
        if bytes >= size {
            let whole = bytes / size;
            let tenths = (bytes % size) * 10 / size;
            return if tenths == 0 {
                format!("{whole} {unit}")
            } else {
                format!("{whole}.{tenths} {unit}")
            };
        }
    }
    format!("{} bytes", group(bytes))
}

/// `1234567` → `1,234,567`.
fn group(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Reads a size as `abstrakt.toml` and `--max-file-size` write it: bytes
/// (`1048576`) or a whole number with a unit (`512 KB`, `5MB`, `1 GiB`).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let invalid =
        || format!("`{text}` is not a size (write bytes, or a whole number with B, KB, MB or GB)");
    let number: u64 = number.parse().map_err(|_| invalid())?;
    let scale: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kb" | "kib" | "k" => 1 << 10,
        "mb" | "mib" | "m" => 1 << 20,
        "gb" | "gib" | "g" => 1 << 30,
        _ => return Err(invalid()),
    };
    number
        .checked_mul(scale)
        .ok_or_else(|| format!("`{text}` is too large"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(max_file_size: u64, max_line_length: usize) -> Limits {
        Limits {
            max_file_size,
            max_line_length,
        }
    }

    #[test]
    fn ordinary_files_pass() {
        let text = "const a = 1;\r\nabstrakt.run('flux-dev');\n";
        assert_eq!(Limits::default().check_text(text), None);
        assert_eq!(Limits::default().check_text(""), None);
    }

    #[test]
    fn size_is_checked_first() {
        let text = "x".repeat(101);
        assert_eq!(
            limits(100, 10).check_text(&text),
            Some(SkipReason::TooLarge {
                size: 101,
                limit: 100
            })
        );
        assert_eq!(limits(101, 200).check_text(&text), None);
    }

    #[test]
    fn the_first_long_line_is_named_with_its_full_length() {
        let text = format!("short\n{}\n{}", "a".repeat(30), "b".repeat(50));
        assert_eq!(
            limits(1000, 20).check_text(&text),
            Some(SkipReason::LineTooLong {
                line: 2,
                length: 30,
                limit: 20
            })
        );
        // The last line, without a break after it.
        assert_eq!(
            limits(1000, 40).check_text(&text),
            Some(SkipReason::LineTooLong {
                line: 3,
                length: 50,
                limit: 40
            })
        );
        // Exactly at the limit is allowed.
        assert_eq!(limits(1000, 50).check_text(&text), None);
    }

    #[test]
    fn every_line_break_counts_once() {
        // \r\n, lone \r and \n each end one line; the long line is line 4.
        let text = format!("a\r\nb\rc\n{}", "x".repeat(11));
        assert_eq!(
            limits(1000, 10).check_text(&text),
            Some(SkipReason::LineTooLong {
                line: 4,
                length: 11,
                limit: 10
            })
        );
        // Blank lines between CRLFs are lines too.
        let text = format!("\r\n\r\n\n{}", "x".repeat(11));
        assert_eq!(
            limits(1000, 10).check_text(&text).map(|r| match r {
                SkipReason::LineTooLong { line, .. } => line,
                SkipReason::TooLarge { .. } => 0,
            }),
            Some(4)
        );
    }

    #[test]
    fn ropes_agree_with_strings_across_chunk_boundaries() {
        // Long enough for ropey to split into many chunks, with breaks (and a
        // CRLF) landing on every offset.
        let mut text = String::new();
        for i in 0..3000 {
            text.push_str(&"y".repeat(i % 37));
            text.push_str(if i % 5 == 0 { "\r\n" } else { "\n" });
        }
        text.push_str(&"z".repeat(5000));
        text.push_str("\r\nend");
        let rope = Rope::from_str(&text);
        assert!(rope.chunks().count() > 10);
        for limit in [36, 37, 4999, 5000] {
            let l = limits(1 << 30, limit);
            assert_eq!(l.check_rope(&rope), l.check_text(&text), "limit {limit}");
        }
        assert_eq!(
            limits(1 << 30, 36).check_text(&text),
            Some(SkipReason::LineTooLong {
                line: 3001,
                length: 5000,
                limit: 36
            })
        );
    }

    #[test]
    fn notes_and_messages_say_what_to_change() {
        let too_large = SkipReason::TooLarge {
            size: 6 * 1024 * 1024 + 200 * 1024,
            limit: DEFAULT_MAX_FILE_SIZE,
        };
        assert_eq!(
            too_large.to_string(),
            "6.1 MB is over the limit of 5 MB (max-file-size)"
        );
        let long = SkipReason::LineTooLong {
            line: 1,
            length: 3_145_728,
            limit: 20_000,
        };
        assert_eq!(
            long.to_string(),
            "line 1 is 3,145,728 bytes long, over the limit of 20,000 (max-line-length; minified code?)"
        );
        assert_eq!(
            long.message("bundle.min.js"),
            "abstrakt-lsp does not analyse bundle.min.js: line 1 is 3,145,728 bytes long, over the limit of 20,000 (max-line-length; minified code?). Raise `max-line-length` under [limits] in abstrakt.toml to analyse it."
        );
    }

    #[test]
    fn sizes_parse_with_binary_units() {
        assert_eq!(parse_size("1048576"), Ok(1 << 20));
        assert_eq!(parse_size("5 MB"), Ok(5 << 20));
        assert_eq!(parse_size("5mb"), Ok(5 << 20));
        assert_eq!(parse_size("512 KiB"), Ok(512 << 10));
        assert_eq!(parse_size("2 GB"), Ok(2 << 30));
        assert_eq!(parse_size("10 B"), Ok(10));
        assert!(parse_size("1.5 MB").unwrap_err().contains("not a size"));
        assert!(parse_size("five MB").is_err());
        assert!(parse_size("5 TB").is_err());
        assert!(
            parse_size("99999999999999 GB")
                .unwrap_err()
                .contains("too large")
        );
        assert_eq!(format_size(999), "999 bytes");
        assert_eq!(format_size(1024), "1 KB");
        assert_eq!(format_size(3 * 1024 * 1024 + 300 * 1024), "3.2 MB");
    }
}
