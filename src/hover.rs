//! The licensing card: what the editor's hover and `explain` show for a model.

use std::fmt::Write;

use crate::licensing::{Attribution, CommercialUse, Evidence, Licensing, Model};
use crate::registry::{Resolved, Source, shorten, shown_id};
use crate::rules::IntendedUse;

/// Markdown for editors that render it, plain text for the rest (and terminals).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Markdown,
    PlainText,
}

struct Writer {
    format: Format,
    out: String,
}

impl Writer {
    fn bold(&self, text: &str) -> String {
        match self.format {
            Format::Markdown => format!("**{}**", escape(text)),
            Format::PlainText => text.to_string(),
        }
    }
    fn code(&self, text: &str) -> String {
        match self.format {
            Format::Markdown => format!("`{}`", text.replace('`', "'")),
            Format::PlainText => text.to_string(),
        }
    }
    fn link(&self, text: &str, url: &str) -> String {
        match self.format {
            Format::Markdown if url.starts_with("https://") || url.starts_with("http://") => {
                format!(
                    "[{}]({})",
                    escape(text),
                    url.replace(')', "%29").replace(' ', "%20")
                )
            }
            _ => format!("{text} <{url}>"),
        }
    }
    fn text(&self, text: &str) -> String {
        match self.format {
            Format::Markdown => escape(text),
            Format::PlainText => text.to_string(),
        }
    }
    fn line(&mut self, line: &str) {
        self.out.push_str(line);
        // Markdown needs a hard break between lines of a paragraph.
        self.out.push_str(match self.format {
            Format::Markdown => "  \n",
            Format::PlainText => "\n",
        });
    }
    fn field(&mut self, label: &str, value: &str) {
        let line = format!("{}: {value}", self.bold(label));
        self.line(&line);
    }
    fn blank(&mut self) {
        self.out.push('\n');
    }
    fn list(&mut self, items: &[String]) {
        for item in items {
            let line = format!("- {}", self.text(item));
            self.out.push_str(&line);
            self.out.push('\n');
        }
    }
}

/// Escapes characters Markdown would interpret.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The full licensing card for a resolved model. `written` is the id as the
/// code spells it (an alias shows which model it stands for). Ages are
/// relative to `now`, the caller's clock ([`crate::host::Host::now`], which
/// honours `SOURCE_DATE_EPOCH`): this module reads none.
pub fn card(
    written: &str,
    resolved: &Resolved,
    intended_use: IntendedUse,
    format: Format,
    now: jiff::Timestamp,
) -> String {
    let model: &Model = &resolved.model;
    let licensing: &Licensing = &model.licensing;
    let mut w = Writer {
        format,
        out: String::new(),
    };
    card_title(&mut w, written, resolved);
    license_fields(&mut w, licensing);
    commercial_fields(&mut w, licensing, intended_use);
    attribution_fields(&mut w, model);
    card_lists(&mut w, model);
    evidence(&mut w, licensing);
    w.blank();
    let mut provenance = provenance_at(resolved, now);
    if let Some(confidence) = licensing.confidence {
        let _ = write!(provenance, "; confidence: {}", confidence.as_str());
    }
    w.line(&w.text(&provenance));
    w.out.trim_end().to_string()
}

/// Name, id (and how it was written), vendor and modality, family pattern.
fn card_title(w: &mut Writer, written: &str, resolved: &Resolved) {
    let model = &resolved.model;
    let mut title = format!("{} {}", w.bold(&model.name), w.code(&model.id));
    if written != model.id {
        let _ = write!(title, " (written as {})", w.code(&shown_id(written)));
    }
    w.line(&title);
    let about: Vec<&str> = [model.vendor.as_deref(), model.modality.as_deref()]
        .into_iter()
        .flatten()
        .collect();
    if !about.is_empty() {
        let about = w.text(&about.join(" · "));
        w.line(&about);
    }
    if let Some(pattern) = resolved.pattern() {
        let line = format!(
            "Matched by family pattern {}: the id is not listed itself, its family's licence applies",
            w.code(pattern)
        );
        w.line(&line);
    }
    w.blank();
}

/// The licence (linked, with its SPDX id) and its category.
fn license_fields(w: &mut Writer, licensing: &Licensing) {
    let license = match &licensing.license_url {
        Some(url) => w.link(&licensing.license, url),
        None => w.text(&licensing.license),
    };
    let license = match &licensing.spdx {
        Some(spdx) if spdx != &licensing.license => format!("{license} ({})", w.code(spdx)),
        _ => license,
    };
    w.field("License", &license);
    if let Some(category) = licensing.category {
        w.field("Category", category.label());
    }
}

/// Commercial use as it applies to the project, and its condition or note.
fn commercial_fields(w: &mut Writer, licensing: &Licensing, intended_use: IntendedUse) {
    let commercial = match licensing.commercial {
        CommercialUse::Allowed => "Allowed".to_string(),
        CommercialUse::NotAllowed => match intended_use {
            IntendedUse::Commercial => {
                "Not allowed (this project's intended use is commercial)".to_string()
            }
            other => format!("Not allowed (fine for {} use)", other.as_str()),
        },
        CommercialUse::Conditional => "Conditional".to_string(),
        CommercialUse::Unverified => "Unverified: the sources do not establish it".to_string(),
    };
    w.field("Commercial use", &commercial);
    if let Some(condition) = &licensing.commercial_condition {
        let condition = w.text(condition);
        let label = if licensing.commercial == CommercialUse::Conditional {
            "Condition"
        } else {
            "Note"
        };
        w.field(label, &condition);
    }
}

/// Attribution: the wording to show (and whose it is), or our suggestion.
fn attribution_fields(w: &mut Writer, model: &Model) {
    let licensing = &model.licensing;
    let credit = model.credit();
    let attribution = match (licensing.attribution, &credit) {
        (Attribution::Required, Some(credit)) if credit.prescribed => {
            let shown = w.code(&format!("\"{}\"", credit.text));
            match &credit.origin {
                Some(origin) => format!("Required: show {shown} ({})", w.text(origin)),
                None => format!("Required: show {shown}"),
            }
        }
        (Attribution::Required, _) => "Required — the source gives no wording".to_string(),
        (Attribution::NotRequired, _) => "Not required".to_string(),
        (Attribution::Unverified, _) => {
            "Unverified: the exact requirement is not known".to_string()
        }
    };
    w.field("Attribution", &attribution);
    if let Some(credit) = credit.filter(|c| !c.prescribed) {
        let suggestion = format!(
            "{} (our suggestion, not wording from the licence)",
            w.code(&format!("\"{}\"", credit.text))
        );
        w.field("Suggested credit", &suggestion);
    }
}

/// Excluded territories, restrictions, what is unverified, alternatives.
fn card_lists(w: &mut Writer, model: &Model) {
    let licensing = &model.licensing;
    if !licensing.territories_excluded.is_empty() {
        let territories = w.text(&licensing.territories_excluded.join(", "));
        w.field("Not licensed in", &territories);
    }
    if !licensing.restrictions.is_empty() {
        w.blank();
        w.line(&w.bold("Restrictions"));
        w.list(&licensing.restrictions);
    }
    if !licensing.unverified.is_empty() {
        w.blank();
        w.line(&w.bold("Unverified"));
        w.list(&licensing.unverified);
    }
    if !model.alternatives.is_empty() {
        w.blank();
        let alternatives: Vec<String> = model.alternatives.iter().map(|a| w.code(a)).collect();
        w.field("Commercial-safe alternatives", &alternatives.join(", "));
    }
}

/// Quotes on the card are cut to this many characters (the full text is in
/// `explain --json` and the registry).
const QUOTE_CHARS: usize = 160;

/// The confidence and the deciding passage behind each obligation, with its source.
fn evidence(w: &mut Writer, licensing: &Licensing) {
    if licensing.evidence.is_empty() {
        return;
    }
    w.blank();
    w.line(&w.bold("Evidence"));
    let mut items: Vec<&Evidence> = licensing.evidence.iter().collect();
    items.sort_by_key(|e| e.about as u8);
    for item in items {
        let passage = shorten(item.text.trim(), QUOTE_CHARS);
        let passage = if item.verbatim {
            format!("\"{}\"", w.text(&passage))
        } else {
            format!("{} (paraphrase)", w.text(&passage))
        };
        let source = match &item.at {
            Some(at) => w.link(&format!("source, {at}"), &item.source),
            None => w.link("source", &item.source),
        };
        w.out
            .push_str(&format!("- {}: {passage} — {source}\n", item.about.label()));
    }
}

/// The card for an id no source knows.
pub fn unknown_card(id: &str, suggestions: &[String], format: Format) -> String {
    let mut w = Writer {
        format,
        out: String::new(),
    };
    let title = format!("{} {}", w.bold("Unknown model"), w.code(&shown_id(id)));
    w.line(&title);
    w.blank();
    w.line(
        "No licensing information is known for this id (built-in registry and project overrides).",
    );
    if !suggestions.is_empty() {
        let list: Vec<String> = suggestions.iter().map(|s| w.code(s)).collect();
        w.field("Did you mean", &list.join(", "));
    }
    w.out.trim_end().to_string()
}

/// The card for a model id that is only known at run time.
pub fn dynamic_card(expression: &str, format: Format) -> String {
    let mut w = Writer {
        format,
        out: String::new(),
    };
    let title = format!("{} {}", w.bold("Dynamic model id"), w.code(expression));
    w.line(&title);
    w.blank();
    w.line("The model is chosen at run time, so its licensing cannot be checked here. Use a string literal or a `const` to get licensing checks.");
    w.out.trim_end().to_string()
}

/// "Source: built-in registry, verified 2026-10 (about 1 month ago)".
fn provenance_at(resolved: &Resolved, now: jiff::Timestamp) -> String {
    let licensing = &resolved.model.licensing;
    match &resolved.source {
        Source::Project { file } => format!("Source: project file {}", file.display()),
        Source::Api { fetched_at } => {
            format!("Source: Abstrakt API, fetched {}", age(*fetched_at, now))
        }
        Source::ExpiredCache { fetched_at } => {
            format!(
                "Source: Abstrakt API cache (expired), fetched {}",
                age(*fetched_at, now)
            )
        }
        Source::BuiltIn => match &licensing.verified {
            Some(verified) => {
                let since = verified_date(verified)
                    .map(|date| format!(" ({})", age_of_date(date, now)))
                    .unwrap_or_default();
                format!("Source: built-in registry, verified {verified}{since}")
            }
            None => "Source: built-in registry".to_string(),
        },
    }
}

fn verified_date(text: &str) -> Option<jiff::civil::Date> {
    let full = if text.len() == 7 {
        format!("{text}-01")
    } else {
        text.to_string()
    };
    full.parse().ok()
}

fn age_of_date(date: jiff::civil::Date, now: jiff::Timestamp) -> String {
    let today = now.to_zoned(jiff::tz::TimeZone::UTC).date();
    let days = (today - date).get_days().max(0);
    days_ago(days as i64)
}

fn age(then: jiff::Timestamp, now: jiff::Timestamp) -> String {
    let seconds = now.as_second() - then.as_second();
    match seconds {
        s if s < 90 => "just now".to_string(),
        s if s < 90 * 60 => format!("{} minutes ago", (s + 30) / 60),
        s if s < 36 * 3600 => format!("{} hours ago", (s + 1800) / 3600),
        s => days_ago(s / 86_400),
    }
}

fn days_ago(days: i64) -> String {
    match days {
        0 => "today".to_string(),
        1 => "1 day ago".to_string(),
        d if d < 45 => format!("{d} days ago"),
        d if d < 60 => "about 1 month ago".to_string(),
        d if d < 365 => format!("about {} months ago", (d + 15) / 30),
        d => format!("about {} years ago", d / 365),
    }
}

/// `card` for a call on `route`: a provider route is named at its end
/// (the Abstrakt route, the default, is not).
pub fn with_route(card: String, route: crate::extract::Route, format: Format) -> String {
    if route.is_abstrakt() {
        return card;
    }
    let label = match format {
        Format::Markdown => "**Route**",
        Format::PlainText => "Route",
    };
    format!("{card}\n\n{label}: {} (`{route}`)", route.label())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::{Lookup, Resolver};

    fn flux() -> Resolved {
        Resolver::builtin()
            .resolve("fal-ai/flux/dev")
            .expect("flux-dev is built in")
    }

    #[test]
    fn markdown_card_shows_license_attribution_and_source() {
        let card = card(
            "fal-ai/flux/dev",
            &flux(),
            IntendedUse::Commercial,
            Format::Markdown,
            fixed_now(),
        );
        assert!(
            card.starts_with("**FLUX.1 \\[dev\\]** `flux-dev` (written as `fal-ai/flux/dev`)"),
            "{card}"
        );
        assert!(
            card.contains("**License**: [FLUX.1-dev](https://"),
            "{card}"
        );
        assert!(card.contains("**Attribution**: Required"), "{card}");
        assert!(
            card.contains("- No illegal content\n- No deepfakes\n"),
            "{card}"
        );
        assert!(
            card.contains("Source: built-in registry, verified 2026-11-29"),
            "{card}"
        );
    }

    #[test]
    fn plain_text_card_has_no_markup() {
        let card = card(
            "flux-dev",
            &flux(),
            IntendedUse::Commercial,
            Format::PlainText,
            fixed_now(),
        );
        assert!(card.starts_with("FLUX.1 [dev] flux-dev\n"), "{card}");
        assert!(!card.contains("**"));
    }

    fn fixed_now() -> jiff::Timestamp {
        "2026-11-28T12:00:00Z".parse().expect("timestamp")
    }

    #[test]
    fn flux_dev_card_snapshot() {
        insta::assert_snapshot!(card(
            "flux-dev",
            &flux(),
            IntendedUse::Commercial,
            Format::Markdown,
            fixed_now()
        ));
    }

    #[test]
    fn territory_and_condition_card_snapshot() {
        let resolved = Resolver::builtin()
            .resolve("hunyuanvideo")
            .expect("built in");
        insta::assert_snapshot!(card(
            "hunyuanvideo",
            &resolved,
            IntendedUse::Commercial,
            Format::PlainText,
            fixed_now()
        ));
    }

    #[test]
    fn unverified_facts_are_labelled() {
        let resolved = Resolver::builtin().resolve("kling").expect("built in");
        let text = card(
            "kling",
            &resolved,
            IntendedUse::Commercial,
            Format::PlainText,
            fixed_now(),
        );
        assert!(text.contains("Commercial use: Unverified"), "{text}");
        assert!(text.contains("\nUnverified\n- "), "{text}");
    }

    #[test]
    fn ages_read_naturally() {
        assert_eq!(days_ago(0), "today");
        assert_eq!(days_ago(40), "40 days ago");
        assert_eq!(days_ago(200), "about 7 months ago");
    }
}
