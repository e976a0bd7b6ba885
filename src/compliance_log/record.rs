//! The record's text: the registry's facts, the guide's field names, each
//! language's spelling (quotes, `null`/`None`, comments, the timestamp).

use std::ops::Range;

use tree_sitter::{Node, Tree};

use super::site::call_node;
use crate::extract::Route;
use crate::fixes::{self, Edit};
use crate::licensing::Attribution;
use crate::registry::Lookup;
use crate::rules::IntendedUse;

/// The record's `attribution` field, from the registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttributionField {
    /// The credit a source gives; `origin` when it is not the licence's own
    /// words (Abstrakt's example wording).
    Given {
        text: String,
        origin: Option<String>,
    },
    /// Attribution is required but no source gives wording: our suggested
    /// credit ([`crate::licensing::Model::credit`]), marked as such.
    Suggested(String),
    /// No source says whether attribution is required.
    Unverified,
    /// The licence requires none, or the model is unknown: no field.
    None,
}

/// What the record says about the model: registry facts only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    /// The id as written at the call.
    pub model: String,
    pub route: Route,
    /// The licence's name; `None` when no licensing source knows the model.
    pub license: Option<String>,
    pub attribution: AttributionField,
    pub intended_use: IntendedUse,
}

impl Facts {
    /// The facts for `id` called on `route`, from `lookup` (the project's
    /// `[[models]]` layered on the registry).
    pub fn lookup(
        lookup: &impl Lookup,
        route: Route,
        id: &str,
        intended_use: IntendedUse,
    ) -> Facts {
        let resolved = crate::rules::resolve_on(lookup, route, id);
        let license = resolved.as_ref().map(|r| r.model.licensing.license.clone());
        let attribution = match &resolved {
            None => AttributionField::None,
            Some(resolved) => match (
                resolved.model.licensing.attribution,
                resolved.model.credit(),
            ) {
                (_, Some(credit)) if credit.prescribed => AttributionField::Given {
                    text: credit.text,
                    origin: credit.origin,
                },
                (_, Some(credit)) => AttributionField::Suggested(credit.text),
                (Attribution::Unverified, None) => AttributionField::Unverified,
                _ => AttributionField::None,
            },
        };
        Facts {
            model: id.to_string(),
            route,
            license,
            attribution,
            intended_use,
        }
    }
}

/// One record: the facts and how the file spells them.
pub(super) struct Record<'a> {
    pub(super) facts: &'a Facts,
    /// The call's prompt argument as written (see [`prompt_of`]).
    pub(super) prompt: Option<&'a str>,
    pub(super) name: &'a str,
    pub(super) log: &'a str,
    pub(super) awaited: bool,
    pub(super) python: bool,
    pub(super) quote: char,
    pub(super) semicolon: bool,
    pub(super) timestamp: String,
}

impl Record<'_> {
    /// The record's lines, nested lines starting with `\t` (one indentation unit).
    pub(super) fn lines(&self) -> Vec<String> {
        let comment = if self.python { "  #" } else { " //" };
        let awaited = if self.awaited { "await " } else { "" };
        let end = if self.semicolon && !self.python {
            ";"
        } else {
            ""
        };
        let mut lines = vec![format!("{awaited}{}({{", self.log)];
        for (key, value, note) in self.fields() {
            let key = if self.python {
                format!("\"{key}\"")
            } else {
                key.to_string()
            };
            let note = note.map_or_else(String::new, |note| format!("{comment} {note}"));
            lines.push(format!("\t{key}: {value},{note}"));
        }
        lines.push(format!("}}){end}"));
        lines
    }

    /// The guide's fields in its order: (key, value as code, a note for a
    /// comment beside it).
    fn fields(&self) -> Vec<(&'static str, String, Option<String>)> {
        let facts = self.facts;
        let null = if self.python { "None" } else { "null" };
        let string = |value: &str| quoted(value, self.quote);
        let id = if self.python {
            format!("getattr({}, \"id\", None)", self.name)
        } else {
            format!("{}.id", self.name)
        };
        // The guide documents `result.id` for the Abstrakt JavaScript SDK only.
        let id_note = (self.python || !facts.route.is_abstrakt()).then(|| {
            format!(
                "unverified: Abstrakt's guide documents result.id for its JavaScript SDK; check where the {} result carries its id",
                facts.route.label()
            )
        });
        let mut fields = vec![
            ("generationId", id, id_note),
            ("model", string(&facts.model), None),
        ];
        if let Some(prompt) = self.prompt {
            fields.push(("prompt", prompt.to_string(), None));
        }
        fields.push(("timestamp", self.timestamp.clone(), None));
        fields.push(match &facts.license {
            Some(license) => ("license", string(license), None),
            None => (
                "license",
                null.to_string(),
                Some(format!(
                    "unknown: no licensing source knows {}",
                    facts.model
                )),
            ),
        });
        fields.push(("intendedUse", string(facts.intended_use.as_str()), None));
        let attribution = match &facts.attribution {
            AttributionField::Given { text, origin } => {
                Some((string(&one_line(text)), origin.as_deref().map(one_line)))
            }
            AttributionField::Suggested(text) => Some((
                string(&one_line(text)),
                Some(
                    "suggested credit: the licence requires attribution but gives no wording"
                        .to_string(),
                ),
            )),
            AttributionField::Unverified => Some((
                null.to_string(),
                Some("unverified: no source says whether attribution is required".to_string()),
            )),
            AttributionField::None => None,
        };
        if let Some((value, note)) = attribution {
            fields.push(("attribution", value, note));
        }
        fields
    }
}

/// The call's prompt as written, for the record's `prompt` (the guide logs
/// it): a `prompt` property of an options object (`{ prompt }`, `{ input: {
/// prompt: text } }`), a `prompt=` keyword or a `"prompt"` dict entry, when
/// its value can be read again after the call (a name, a member, a literal).
pub(super) fn prompt_of(tree: &Tree, text: &str, call_range: &Range<usize>) -> Option<String> {
    const REREADABLE: &[&str] = &[
        "shorthand_property_identifier",
        "identifier",
        "member_expression",
        "attribute",
        "string",
        "template_string",
    ];
    let arguments = call_node(tree, call_range)?.child_by_field_name("arguments")?;
    let source = |node: Node<'_>| text.get(node.byte_range()).map(str::to_string);
    let mut stack = vec![arguments];
    while let Some(node) = stack.pop() {
        let value = match node.kind() {
            "shorthand_property_identifier" if source(node).as_deref() == Some("prompt") => {
                Some(node)
            }
            "pair" => node
                .child_by_field_name("key")
                .filter(|key| {
                    let key = source(*key).unwrap_or_default();
                    key.trim_matches(|c| c == '\'' || c == '"') == "prompt"
                })
                .and_then(|_| node.child_by_field_name("value")),
            "keyword_argument" => node
                .child_by_field_name("name")
                .filter(|name| source(*name).as_deref() == Some("prompt"))
                .and_then(|_| node.child_by_field_name("value")),
            _ => None,
        };
        if let Some(value) = value {
            return REREADABLE
                .contains(&value.kind())
                .then(|| source(value))
                .flatten();
        }
        // Inside the arguments and the objects and dicts they hold only.
        if matches!(
            node.kind(),
            "arguments" | "argument_list" | "object" | "pair" | "dictionary"
        ) {
            let mut cursor = node.walk();
            let children: Vec<Node<'_>> = node.named_children(&mut cursor).collect();
            stack.extend(children.into_iter().rev());
        }
    }
    None
}

/// A string literal in `quote`, valid in JavaScript and Python.
fn quoted(value: &str, quote: char) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push(quote);
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The quote character of the id's literal (`'`, `"`), when it is one.
pub(super) fn quote_of(text: &str, range: &Range<usize>) -> Option<char> {
    let literal = text.get(range.clone())?;
    literal
        .chars()
        .find(|c| !c.is_ascii_alphabetic())
        .filter(|c| matches!(c, '\'' | '"'))
}

/// One indentation step: a tab where the call's line uses tabs, else the
/// smallest indentation the file uses (2 or 4 spaces), else the language's
/// usual one.
pub(super) fn indent_unit(text: &str, indent: &str, python: bool) -> String {
    if indent.contains('\t') {
        return "\t".to_string();
    }
    let smallest = text
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| line.len() - line.trim_start_matches(' ').len())
        .filter(|&n| n > 0)
        .min();
    match smallest {
        Some(n @ 2..=8) => " ".repeat(n),
        _ if python => "    ".to_string(),
        _ => "  ".to_string(),
    }
}

/// The end of the line holding `offset` (before its newline).
pub(super) fn line_end(text: &str, offset: usize) -> usize {
    let offset = offset.min(text.len());
    text[offset..].find('\n').map_or(text.len(), |i| offset + i)
}

/// Python's timezone-aware "now" as the file can spell it, and the import to
/// add when it cannot: `import datetime` before the first top-level statement
/// (after the docstring, comments and `from __future__` imports).
pub(super) fn python_now(tree: &Tree, text: &str) -> (String, Option<Edit>) {
    let root = tree.root_node();
    let mut cursor = root.walk();
    let children: Vec<Node<'_>> = root.named_children(&mut cursor).collect();
    let mut module = false;
    let mut class = false;
    let mut timezone = false;
    for child in &children {
        match child.kind() {
            "import_statement" => {
                let mut cursor = child.walk();
                module |= child
                    .children_by_field_name("name", &mut cursor)
                    .any(|name| text.get(name.byte_range()) == Some("datetime"));
            }
            "import_from_statement" => {
                let from_datetime = child
                    .child_by_field_name("module_name")
                    .is_some_and(|m| text.get(m.byte_range()) == Some("datetime"));
                if from_datetime {
                    let mut cursor = child.walk();
                    for name in child.children_by_field_name("name", &mut cursor) {
                        match text.get(name.byte_range()) {
                            Some("datetime") => class = true,
                            Some("timezone") => timezone = true,
                            _ => {}
                        }
                    }
                }
            }
            _ => {}
        }
    }
    if module {
        return (
            "datetime.datetime.now(datetime.timezone.utc)".to_string(),
            None,
        );
    }
    if class {
        let now = if timezone {
            "datetime.now(timezone.utc)"
        } else {
            // Local time with its offset: still unambiguous, no import needed.
            "datetime.now().astimezone()"
        };
        return (now.to_string(), None);
    }
    let first = children.iter().enumerate().find(|(i, child)| {
        let docstring = *i == 0
            && child.kind() == "expression_statement"
            && child.named_child(0).is_some_and(|n| n.kind() == "string");
        !docstring && !matches!(child.kind(), "comment" | "future_import_statement")
    });
    let at = match first {
        Some((_, child)) => fixes::line_start(text, child.start_byte()),
        None => text.len(),
    };
    let import = if at == text.len() && !text.is_empty() && !text.ends_with('\n') {
        "\nimport datetime\n"
    } else {
        "import datetime\n"
    };
    (
        "datetime.datetime.now(datetime.timezone.utc)".to_string(),
        Some(Edit {
            range: at..at,
            text: import.to_string(),
        }),
    )
}
