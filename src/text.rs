//! Source text access shared by the rope-backed editor documents and the plain
//! strings the CLI and tests use, so extraction does not care which it reads.

use std::borrow::Cow;
use std::hash::Hasher;
use std::ops::Range;

use ropey::Rope;

/// Read-only access to source text by byte range.
pub trait SourceText {
    /// The text in `range` (byte offsets on char boundaries, as tree-sitter gives them).
    fn slice(&self, range: Range<usize>) -> Cow<'_, str>;
    fn len_bytes(&self) -> usize;
    /// The text as byte chunks in order (one for a string, the rope's own
    /// chunks for a rope).
    fn byte_chunks(&self) -> Box<dyn Iterator<Item = &[u8]> + '_>;
    /// Feeds the bytes in `range` to `state`, without copying them (the same
    /// hash whichever storage holds the text).
    fn hash_range(&self, range: Range<usize>, state: &mut dyn Hasher) {
        state.write(self.slice(range).as_bytes());
    }
}

/// Whether `found` holds for any of a text's `chunks`, or for the bytes around
/// a border between chunks (`reach` bytes on each side, where `reach` is one
/// less than the longest needle `found` looks for): a needle cut by a border
/// is found without copying the text into one buffer.
pub fn any_in_chunks<'t>(
    chunks: impl Iterator<Item = &'t [u8]>,
    reach: usize,
    found: impl Fn(&[u8]) -> bool,
) -> bool {
    // The last `reach` bytes before the current chunk (they may span
    // several short chunks).
    let mut before: Vec<u8> = Vec::with_capacity(2 * reach);
    for chunk in chunks {
        if found(chunk) {
            return true;
        }
        if !before.is_empty() {
            let mut border = before.clone();
            border.extend_from_slice(&chunk[..chunk.len().min(reach)]);
            if found(&border) {
                return true;
            }
        }
        before.extend_from_slice(&chunk[chunk.len().saturating_sub(reach)..]);
        let excess = before.len().saturating_sub(reach);
        before.drain(..excess);
    }
    false
}

impl SourceText for str {
    fn slice(&self, range: Range<usize>) -> Cow<'_, str> {
        Cow::Borrowed(self.get(range).unwrap_or(""))
    }
    fn byte_chunks(&self) -> Box<dyn Iterator<Item = &[u8]> + '_> {
        Box::new(std::iter::once(self.as_bytes()))
    }
    fn len_bytes(&self) -> usize {
        self.len()
    }
}

impl SourceText for String {
    fn slice(&self, range: Range<usize>) -> Cow<'_, str> {
        self.as_str().slice(range)
    }
    fn byte_chunks(&self) -> Box<dyn Iterator<Item = &[u8]> + '_> {
        self.as_str().byte_chunks()
    }
    fn len_bytes(&self) -> usize {
        self.len()
    }
}

impl SourceText for Rope {
    fn slice(&self, range: Range<usize>) -> Cow<'_, str> {
        let end = range.end.min(self.len_bytes());
        let start = range.start.min(end);
        match self.get_byte_slice(start..end) {
            Some(slice) => Cow::from(slice),
            None => Cow::Borrowed(""),
        }
    }
    fn len_bytes(&self) -> usize {
        Rope::len_bytes(self)
    }
    fn byte_chunks(&self) -> Box<dyn Iterator<Item = &[u8]> + '_> {
        Box::new(self.chunks().map(str::as_bytes))
    }
    fn hash_range(&self, range: Range<usize>, state: &mut dyn Hasher) {
        let end = range.end.min(self.len_bytes());
        let start = range.start.min(end);
        if let Some(slice) = self.get_byte_slice(start..end) {
            for chunk in slice.chunks() {
                state.write(chunk.as_bytes());
            }
        }
    }
}
