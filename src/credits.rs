//! The attribution file (`report --format attribution`, the editor's
//! "Regenerate" command): the credits a product ships with
//! (`THIRD_PARTY_MODELS.md`), the way `cargo about` and license-notice
//! generators write NOTICE files for packages.
//!
//! One section per model the code uses whose licence or provider requires a
//! credit ([`Model::credit`]): the exact text to show, labelled as the wording
//! a source prescribes or as our suggestion when the source gives none, the
//! passage that requires it, the licence and its link, and every call site.
//!
//! The text holds no date and no tool version, and call sites are written
//! relative to the project's folder (where `abstrakt.toml` is), so the same
//! code gives the same file from any folder and any release: `check` compares
//! it byte for byte with the committed copy (`attribution-file-stale`).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

use crate::batch::{FileResult, LocatedUse, normalize, path_text};
use crate::extract::Target;
use crate::licensing::{EvidenceAbout, Model};
use crate::report::{md, md_code, md_link};

/// One model that needs a credit, and where the code uses it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub id: String,
    pub name: String,
    pub vendor: Option<String>,
    pub credit: String,
    /// `true`: the wording a named source prescribes; `false`: our suggestion.
    pub prescribed: bool,
    /// Who gives the wording when it is not the licence's own (a provider's example).
    pub origin: Option<String>,
    /// The passage that requires the credit: (text, verbatim, source URL, where).
    pub evidence: Vec<(String, bool, String, Option<String>)>,
    pub license: String,
    pub license_url: Option<String>,
    /// `path:line`, relative to the project's folder, sorted.
    pub uses: BTreeSet<UseSite>,
}

/// A call site, sorted by path then line.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct UseSite {
    pub path: String,
    pub line: u32,
}

fn entry_for(model: &Model) -> Option<Entry> {
    let credit = model.credit()?;
    let evidence = model
        .licensing
        .evidence
        .iter()
        .filter(|e| e.about == EvidenceAbout::Attribution)
        .map(|e| {
            (
                one_line(&e.text),
                e.verbatim,
                e.source.clone(),
                e.at.clone(),
            )
        })
        .collect();
    Some(Entry {
        id: model.id.clone(),
        name: model.name.clone(),
        vendor: model.vendor.clone().filter(|v| !v.trim().is_empty()),
        credit: one_line(&credit.text),
        prescribed: credit.prescribed,
        origin: credit.origin.clone(),
        evidence,
        license: model.licensing.license.clone(),
        license_url: model.licensing.license_url.clone(),
        uses: BTreeSet::new(),
    })
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Where a walked file is, as the attribution file names it: relative to its
/// project's folder when it has an `abstrakt.toml`, else to `cwd`.
pub fn site_path(file: &FileResult, cwd: &Path) -> String {
    let absolute = normalize(&cwd.join(&file.path));
    let base = file
        .project
        .config
        .root()
        .map(|root| normalize(&cwd.join(root)))
        .unwrap_or_else(|| cwd.to_path_buf());
    match absolute.strip_prefix(&base) {
        Ok(relative) => path_text(relative),
        Err(_) => path_text(&absolute),
    }
}

/// The models that need a credit among `uses`, by canonical id.
pub fn entries<'a>(
    uses: impl Iterator<Item = (&'a FileResult, &'a LocatedUse)>,
    cwd: &Path,
) -> Vec<Entry> {
    let mut by_id: BTreeMap<String, Entry> = BTreeMap::new();
    for (file, model_use) in uses {
        let Target::Static { id, .. } = &model_use.target else {
            continue;
        };
        let Some(resolved) = crate::rules::resolve_on(&file.project.resolver, model_use.route, id)
        else {
            continue;
        };
        let key = resolved.model.id.clone();
        let entry = match by_id.get_mut(&key) {
            Some(entry) => entry,
            None => match entry_for(&resolved.model) {
                Some(entry) => by_id.entry(key).or_insert(entry),
                None => continue,
            },
        };
        entry.uses.insert(UseSite {
            path: site_path(file, cwd),
            line: model_use.span.start_line,
        });
    }
    by_id.into_values().collect()
}

/// The attribution file of the project whose `abstrakt.toml` is
/// `config_path`, as `report --format attribution` writes it: the project's
/// folder walked as the editor walks a workspace (ignore files respected,
/// hidden files skipped), its own files only (a nested project's are its
/// own). What the editor's "Regenerate" command writes.
pub fn for_project(
    projects: &crate::project::ProjectIndex,
    config_path: &Path,
    today: jiff::civil::Date,
) -> Result<String, String> {
    let root = config_path
        .parent()
        .ok_or_else(|| format!("{} has no folder", config_path.display()))?;
    let options = crate::batch::ScanOptions::workspace(vec![root.to_path_buf()], today);
    let scan = crate::batch::scan(&options, projects, &|| ())?;
    let uses = scan
        .uses()
        .filter(|(file, _)| file.project.config.path.as_deref() == Some(config_path));
    Ok(render(&entries(uses, root)))
}

/// The first line of every generated file; `check` and the Markdown summary
/// recognise the file by it.
pub const TITLE: &str = "# Third-party AI models";

/// The attribution file's text.
pub fn render(entries: &[Entry]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{TITLE}\n");
    let _ = writeln!(
        out,
        "<!-- Generated by `abstrakt-lsp report --format attribution`. Do not edit by hand: \
         `abstrakt-lsp check` reports attribution-file-stale when it no longer matches the code. -->\n"
    );
    if entries.is_empty() {
        let _ = writeln!(
            out,
            "No AI model this code uses requires a credit where its outputs appear."
        );
        return out;
    }
    let _ = writeln!(
        out,
        "This product shows outputs of the AI models below. Their licences or providers \
         require a credit wherever those outputs appear; show the credit as written.\n"
    );
    for entry in entries {
        let _ = writeln!(out, "## {} ({})\n", md(&entry.name), md_code(&entry.id));
        let _ = writeln!(out, "> {}\n", md(&entry.credit));
        let label = match &entry.origin {
            Some(origin) if entry.prescribed => format!(
                "given: {}; the wording the source shows, to be shown as written",
                md(origin)
            ),
            _ if entry.prescribed => {
                "prescribed: the wording the source requires, to be shown as written".to_string()
            }
            _ => "suggested: the source requires a credit but gives no wording; this is abstrakt-lsp's suggestion".to_string(),
        };
        let _ = writeln!(out, "- Credit text: {label}");
        for (text, verbatim, source, at) in &entry.evidence {
            let place = at
                .as_deref()
                .map(|a| format!(", {}", md(a)))
                .unwrap_or_default();
            let passage = if *verbatim {
                format!("“{}”", md(text))
            } else {
                format!("{} (paraphrase)", md(text))
            };
            let _ = writeln!(
                out,
                "- Evidence: {passage} ({}{place})",
                md_link("source", Some(source))
            );
        }
        if let Some(vendor) = &entry.vendor {
            let _ = writeln!(out, "- Provider: {}", md(vendor));
        }
        let _ = writeln!(
            out,
            "- Licence: {}",
            md_link(&entry.license, entry.license_url.as_deref())
        );
        if let Some(url) = entry
            .license_url
            .as_deref()
            .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
        {
            let _ = writeln!(out, "- Licence text: <{}>", url.replace('>', "%3E"));
        }
        let sites: Vec<String> = entry
            .uses
            .iter()
            .map(|u| md_code(&format!("{}:{}", u.path, u.line)))
            .collect();
        let _ = writeln!(out, "- Used in: {}\n", sites.join(", "));
    }
    out
}

/// The model ids an attribution file lists (its `## Name (`id`)` headings),
/// for saying what changed.
pub fn listed_models(text: &str) -> BTreeSet<String> {
    text.lines()
        .filter_map(|line| line.strip_prefix("## "))
        .filter_map(|heading| {
            let inner = heading.trim_end().strip_suffix("`)")?;
            let start = inner.rfind("(`")?;
            Some(inner[start + 2..].to_string())
        })
        .collect()
}

/// The credit lines of an attribution file, by model id (`> text` after each
/// heading), for saying which credits changed.
pub fn listed_credits(text: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        if line.starts_with("## ") {
            current = listed_models(line).into_iter().next();
        } else if let (Some(id), Some(credit)) = (&current, line.strip_prefix("> ")) {
            out.insert(id.clone(), credit.to_string());
            current = None;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: &str, prescribed: bool) -> Entry {
        Entry {
            id: id.to_string(),
            name: format!("Model {id}"),
            vendor: Some("Acme".to_string()),
            credit: "Built with *Acme*".to_string(),
            prescribed,
            origin: None,
            evidence: vec![(
                "You must display Built with Acme".to_string(),
                true,
                "https://acme.example/license".to_string(),
                Some("§2".to_string()),
            )],
            license: "Acme License".to_string(),
            license_url: Some("https://acme.example/license".to_string()),
            uses: [
                UseSite {
                    path: "src/b.ts".to_string(),
                    line: 3,
                },
                UseSite {
                    path: "src/a.ts".to_string(),
                    line: 10,
                },
            ]
            .into_iter()
            .collect(),
        }
    }

    #[test]
    fn headings_and_credits_read_back() {
        let text = render(&[entry("acme/one", true), entry("two", false)]);
        assert_eq!(
            listed_models(&text).into_iter().collect::<Vec<_>>(),
            ["acme/one", "two"]
        );
        assert_eq!(
            listed_credits(&text).get("two").map(String::as_str),
            Some("Built with \\*Acme\\*")
        );
        assert!(text.contains("`src/a.ts:10`, `src/b.ts:3`"), "{text}");
        assert!(text.contains("- Credit text: prescribed"), "{text}");
        assert!(text.contains("- Credit text: suggested"), "{text}");
    }

    #[test]
    fn an_empty_list_says_so() {
        let text = render(&[]);
        assert!(text.starts_with(TITLE));
        assert!(text.contains("No AI model this code uses requires a credit"));
        assert!(listed_models(&text).is_empty());
    }
}
