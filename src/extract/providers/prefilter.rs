//! The cheap test that decides whether a file is worth a provider-SDK walk:
//! does it contain one of its language's package literals (`openai`,
//! `@fal-ai/`, `transformers`, …)? Every file `check` reads passes through
//! here, so it must cost about what reading the bytes costs.
//!
//! The literals are searched together with a packed SIMD searcher (Teddy).
//! `AhoCorasick::new` was used first: for these literals its heuristics pick a
//! "rare bytes" prefilter keyed on bytes such as `@`, which JavaScript is full
//! of (`@param`, decorators), and the whole check ran twice as long as before
//! the providers existed.

use std::sync::LazyLock;

use aho_corasick::packed;

use super::{SdkLanguage, sdks};
use crate::text::SourceText;

/// One language's package literals, searched in one pass.
struct Literals {
    searcher: packed::Searcher,
    /// The longest literal's length: a match across two chunks of a rope
    /// starts within this many bytes of the border.
    longest: usize,
}

impl Literals {
    fn of(language: SdkLanguage) -> Option<Self> {
        let mut literals: Vec<&str> = sdks()
            .iter()
            .filter(|sdk| sdk.language == language && !sdk.prefilter.is_empty())
            .map(|sdk| sdk.prefilter.as_str())
            .collect();
        literals.sort_unstable();
        literals.dedup();
        let longest = literals.iter().map(|l| l.len()).max()?;
        let mut builder = packed::Config::new().builder();
        builder.extend(&literals);
        Some(Self {
            searcher: builder.build()?,
            longest,
        })
    }

    fn is_in(&self, text: &[u8]) -> bool {
        self.searcher.find(text).is_some()
    }

    /// [`Self::is_in`] over a text in chunks, without copying it.
    fn is_in_chunks<'t>(&self, chunks: impl Iterator<Item = &'t [u8]>) -> bool {
        crate::text::any_in_chunks(chunks, self.longest.saturating_sub(1), |bytes| {
            self.is_in(bytes)
        })
    }
}

struct Prefilter {
    python: Option<Literals>,
    javascript: Option<Literals>,
}

static PREFILTER: LazyLock<Prefilter> = LazyLock::new(|| Prefilter {
    python: Literals::of(SdkLanguage::Python),
    javascript: Literals::of(SdkLanguage::Javascript),
});

fn literals(language: SdkLanguage) -> Option<&'static Literals> {
    match language {
        SdkLanguage::Python => PREFILTER.python.as_ref(),
        SdkLanguage::Javascript => PREFILTER.javascript.as_ref(),
    }
}

/// Whether a text may use a provider SDK of `language`: one pass, no parse.
pub(crate) fn may_use_providers_in(text: &[u8], language: SdkLanguage) -> bool {
    literals(language).is_some_and(|literals| literals.is_in(text))
}

/// [`may_use_providers_in`] over an editor's rope, without copying it.
pub(crate) fn text_may_use_providers<S: SourceText + ?Sized>(
    text: &S,
    language: SdkLanguage,
) -> bool {
    literals(language).is_some_and(|literals| literals.is_in_chunks(text.byte_chunks()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn python() -> &'static Literals {
        literals(SdkLanguage::Python).expect("the Python SDKs have literals")
    }

    #[test]
    fn a_literal_cut_at_any_byte_or_into_one_byte_chunks_is_found() {
        let text = b"x = 1\nimport fal_client\ny = 2\n";
        for cut in 0..text.len() {
            let (a, b) = text.split_at(cut);
            assert!(python().is_in_chunks([a, b].into_iter()), "cut at {cut}");
        }
        assert!(python().is_in_chunks(text.chunks(1)));
        assert!(python().is_in_chunks(text.chunks(3)));
    }

    #[test]
    fn pieces_of_literals_in_separate_places_are_not_a_match() {
        let text = b"fal_\nclient = 1\n";
        assert!(!python().is_in(text));
        assert!(!python().is_in_chunks(text.chunks(1)));
        assert!(!python().is_in_chunks(std::iter::empty()));
    }

    #[test]
    fn each_language_matches_only_its_own_literals() {
        assert!(may_use_providers_in(
            b"from diffusers import X",
            SdkLanguage::Python
        ));
        assert!(!may_use_providers_in(
            b"from diffusers import X",
            SdkLanguage::Javascript
        ));
        assert!(may_use_providers_in(
            b"import '@fal-ai/client'",
            SdkLanguage::Javascript
        ));
        assert!(!may_use_providers_in(
            b"/** @param x */",
            SdkLanguage::Javascript
        ));
    }
}
