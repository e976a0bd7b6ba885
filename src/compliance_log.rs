//! The compliance log: Abstrakt's licensing guide, Step 2 "Keep Records",
//! logs every generation with `complianceLog.save({ generationId: result.id,
//! model, timestamp, license, intendedUse, attribution })`. This module finds
//! where a model call's result is (a name, a bare statement, a `return`),
//! writes that record after the call, calling the function the project names
//! in `abstrakt.toml` (`[compliance] log`), and tells whether a call's result
//! already reaches that function (the `generation-not-logged` rule).
//!
//! Pure text and tree logic: byte [`Edit`]s out, no LSP types. The record's
//! licence and attribution come from the registry ([`Facts::lookup`]), never
//! from here: an unknown model's licence is written `null` and says so.

use std::ops::Range;

use tree_sitter::{Node, Tree};

use crate::extract::{ModelUse, Route, SdkMethod, Target};
use crate::fixes::{self, Edit};
use crate::licensing::Attribution;
use crate::registry::{Lookup, shown_id};
use crate::rules::{Finding, IntendedUse, RuleCode, RuleSettings};
use crate::syntax::Language;
use crate::text::SourceText;

/// Whether a call of `method` generates something worth a record. Looking a
/// model up (`models.get`), counting tokens, making a client or a model
/// handle (`new InferenceClient(model)`, the AI SDK's `openai('gpt-4o')`,
/// which a later `generateText` call runs) and loading or downloading weights
/// produce no generation at that call.
pub fn generates(method: &SdkMethod) -> bool {
    if method.route == Route::Weights {
        return false;
    }
    let Some(last) = method.path.last() else {
        // The client called itself: an AI SDK provider's model handle.
        return false;
    };
    const NOT_GENERATIONS: &[&str] = &[
        "get",
        "count_tokens",
        "countTokens",
        "getGenerativeModel",
        "GenerativeModel",
        "InferenceClient",
        "AsyncInferenceClient",
        "from_pretrained",
        "from_single_file",
    ];
    // The AI SDK providers' handles (`openai.chat('gpt-4o')`, `fal.image(...)`).
    const HANDLES: &[&str] = &[
        "chat",
        "responses",
        "completion",
        "languageModel",
        "image",
        "imageModel",
        "embedding",
        "textEmbeddingModel",
        "transcription",
        "speech",
    ];
    let handle = method.path.len() == 1 && HANDLES.contains(last);
    !NOT_GENERATIONS.contains(last) && !handle
}

/// What holds a call's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Binding {
    /// `const result = await abstrakt.run(...)`, `result = client.run(...)`:
    /// the name (or member path, `this.last`) as written.
    Named(String),
    /// A statement of its own (`await abstrakt.run(...);`): the fix binds it.
    Statement,
    /// `return await abstrakt.run(...)`: the fix binds it, logs it and
    /// returns the name. `keyword` is `return` and the space after it.
    Return { keyword: Range<usize> },
}

/// Where a model call sits, as far as logging its result goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallSite {
    /// The statement holding the call, a line of its own in a block.
    pub statement: Range<usize>,
    pub binding: Binding,
    /// `await` before the call: the log call is awaited too, as in the guide.
    pub awaited: bool,
    /// The function (or module) around the call: a log call counts there.
    pub scope: Range<usize>,
    /// Whether that function is `async` (JavaScript: an unawaited call's
    /// result is a promise, which only an async function can await).
    pub in_async: bool,
}

const JS_FUNCTIONS: &[&str] = &[
    "function_declaration",
    "function_expression",
    "function",
    "arrow_function",
    "method_definition",
    "generator_function_declaration",
    "generator_function",
];
const PY_FUNCTIONS: &[&str] = &["function_definition", "lambda"];
/// Nodes whose children are statements on lines of their own.
const BLOCKS: &[&str] = &[
    "program",
    "statement_block",
    "switch_case",
    "switch_default",
    "class_static_block",
    "module",
    "block",
];
/// Wrappers that leave the value as it is (`(x)`, `x as T`, `x!`).
const TRANSPARENT: &[&str] = &[
    "parenthesized_expression",
    "as_expression",
    "satisfies_expression",
    "non_null_expression",
];

/// The call node at exactly `range` (a model URL inside a string is no call).
fn call_node<'t>(tree: &'t Tree, range: &Range<usize>) -> Option<Node<'t>> {
    let mut node = tree
        .root_node()
        .descendant_for_byte_range(range.start, range.end)?;
    loop {
        if node.byte_range() == *range && matches!(node.kind(), "call_expression" | "call") {
            return Some(node);
        }
        if node.start_byte() < range.start || node.end_byte() > range.end {
            return None;
        }
        node = node.parent()?;
    }
}

/// Whether a function is `async`.
fn is_async(function: Node<'_>) -> bool {
    (0..function.child_count())
        .filter_map(|i| function.child(i))
        .any(|child| child.kind() == "async")
}

/// The function or module around `node`.
fn scope_of(node: Node<'_>) -> Node<'_> {
    let mut current = node;
    while let Some(parent) = current.parent() {
        if JS_FUNCTIONS.contains(&parent.kind()) || PY_FUNCTIONS.contains(&parent.kind()) {
            return parent;
        }
        current = parent;
    }
    current
}

/// Where the model call at `call_range` sits; `None` when it is not a call
/// (a model URL) or its result is not a statement's value (an argument of
/// another call, a destructuring pattern, an arrow function's body): there is
/// no line after which its result has a name.
pub fn call_site<S: SourceText + ?Sized>(
    tree: &Tree,
    text: &S,
    call_range: &Range<usize>,
) -> Option<CallSite> {
    let call = call_node(tree, call_range)?;
    let scope_node = scope_of(call);
    let scope = scope_node.byte_range();
    let in_async = is_async(scope_node);
    let mut value = call;
    let mut awaited = false;
    let mut parent = value.parent()?;
    loop {
        match parent.kind() {
            "await_expression" | "await" => awaited = true,
            kind if TRANSPARENT.contains(&kind) => {}
            _ => break,
        }
        value = parent;
        parent = value.parent()?;
    }
    let (statement, binding) = match parent.kind() {
        "variable_declarator" => {
            let name = parent.child_by_field_name("name")?;
            if name.kind() != "identifier" || parent.child_by_field_name("value") != Some(value) {
                return None;
            }
            let declaration = parent.parent()?;
            (
                declaration,
                Binding::Named(text.slice(name.byte_range()).into_owned()),
            )
        }
        "assignment_expression" | "assignment" => {
            let left = parent.child_by_field_name("left")?;
            let assigned = parent.child_by_field_name("right") == Some(value);
            let simple = matches!(
                left.kind(),
                "identifier" | "member_expression" | "attribute"
            );
            if !assigned || !simple {
                return None;
            }
            let statement = parent
                .parent()
                .filter(|s| s.kind() == "expression_statement")?;
            (
                statement,
                Binding::Named(text.slice(left.byte_range()).into_owned()),
            )
        }
        "expression_statement" => (parent, Binding::Statement),
        "return_statement" => {
            let keyword = parent.start_byte()..value.start_byte();
            (parent, Binding::Return { keyword })
        }
        _ => return None,
    };
    // `export const result = await abstrakt.run(...)`: the export is the statement.
    let statement = match statement.parent() {
        Some(export) if export.kind() == "export_statement" => export,
        _ => statement,
    };
    let in_block = statement
        .parent()
        .is_some_and(|block| BLOCKS.contains(&block.kind()));
    in_block.then(|| CallSite {
        statement: statement.byte_range(),
        binding,
        awaited,
        scope,
        in_async,
    })
}

/// Whether a call's result reaches the log function `log` (`complianceLog.save`):
/// a call of `log` in the call's scope (function or module) whose arguments
/// use the name the result is bound to; for a result without a name (a
/// `.then(...)` chain, an argument), a call of `log` in the same statement.
pub fn is_logged<S: SourceText + ?Sized>(
    tree: &Tree,
    text: &S,
    call_range: &Range<usize>,
    log: &str,
) -> bool {
    let Some(call) = call_node(tree, call_range) else {
        return false;
    };
    match call_site(tree, text, call_range) {
        Some(CallSite {
            binding: Binding::Named(name),
            scope,
            ..
        }) => {
            let Some(scope) = tree
                .root_node()
                .descendant_for_byte_range(scope.start, scope.end)
            else {
                return false;
            };
            log_calls(scope, text, log)
                .into_iter()
                .any(|arguments| mentions(arguments, text, &name))
        }
        _ => {
            // The statement (or expression of an arrow function) around the call.
            let mut outer = call;
            while let Some(parent) = outer.parent() {
                if BLOCKS.contains(&parent.kind())
                    || JS_FUNCTIONS.contains(&parent.kind())
                    || PY_FUNCTIONS.contains(&parent.kind())
                {
                    break;
                }
                outer = parent;
            }
            !log_calls(outer, text, log).is_empty()
        }
    }
}

/// The argument lists of the calls of `log` inside `node`.
fn log_calls<'t, S: SourceText + ?Sized>(node: Node<'t>, text: &S, log: &str) -> Vec<Node<'t>> {
    let mut found = Vec::new();
    let mut stack = vec![node];
    while let Some(node) = stack.pop() {
        if matches!(node.kind(), "call_expression" | "call")
            && let Some(function) = node.child_by_field_name("function")
            && function.end_byte() - function.start_byte() == log.len()
            && text.slice(function.byte_range()) == log
            && let Some(arguments) = node.child_by_field_name("arguments")
        {
            found.push(arguments);
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    found
}

/// Whether `node` uses `name` (an identifier, or a member path such as
/// `this.last` written the same way).
fn mentions<S: SourceText + ?Sized>(node: Node<'_>, text: &S, name: &str) -> bool {
    let mut stack = vec![node];
    while let Some(node) = stack.pop() {
        let kind = node.kind();
        let candidate = matches!(
            kind,
            "identifier" | "shorthand_property_identifier" | "member_expression" | "attribute"
        );
        if candidate
            && node.end_byte() - node.start_byte() == name.len()
            && text.slice(node.byte_range()) == name
        {
            return true;
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    false
}

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

/// The fix for one model call: its title and byte edits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogFix {
    pub title: String,
    pub edits: Vec<Edit>,
}

/// The title of the code action.
pub const TITLE: &str = "Log this generation for compliance";

/// The statically known id of a call with one target.
pub fn single_id(model_use: &ModelUse) -> Option<(&str, &Range<usize>)> {
    match model_use.targets.as_slice() {
        [Target::Static { id, range }] => Some((id, range)),
        _ => None,
    }
}

/// The edits that log the generation of `model_use` with `log` (the
/// `[compliance] log` function): the record after the call's statement, at
/// its indentation; a result without a name is bound first (`const result =`,
/// or `result = ` in Python; a `return` returns the name after the record);
/// Python gains `import datetime` when the file has no way to it. `None` when
/// the call does not generate, its id is not statically one id, its result
/// is not a statement's value, or it is logged already.
pub fn fix(
    tree: &Tree,
    text: &str,
    language: Language,
    model_use: &ModelUse,
    lookup: &impl Lookup,
    intended_use: IntendedUse,
    log: &str,
) -> Option<LogFix> {
    if !generates(model_use.method) {
        return None;
    }
    let (id, id_range) = single_id(model_use)?;
    let site = call_site(tree, text, &model_use.call_range)?;
    if is_logged(tree, text, &model_use.call_range, log) {
        return None;
    }
    let facts = Facts::lookup(lookup, model_use.route(), id, intended_use);
    let python = language == Language::Python;
    // The JavaScript SDKs return promises: an unawaited result is awaited
    // for the record, which only an async function can do.
    let promise = !python && !site.awaited;
    if promise && !site.in_async {
        return None;
    }
    let quote = quote_of(text, id_range).unwrap_or(if python { '"' } else { '\'' });
    let indent = fixes::indentation(text, site.statement.start).to_string();
    let unit = indent_unit(text, &indent, python);
    let mut edits = Vec::new();
    // A named promise is awaited where the record reads it.
    let mut read = None;
    let name = match &site.binding {
        Binding::Named(name) => {
            if promise {
                read = Some(format!("(await {name})"));
            }
            name.clone()
        }
        Binding::Statement | Binding::Return { .. } => {
            let name = free_name(tree, text, &site.scope);
            let binding = match (python, promise) {
                (true, _) => format!("{name} = "),
                (false, true) => format!("const {name} = await "),
                (false, false) => format!("const {name} = "),
            };
            let at = match &site.binding {
                Binding::Return { keyword } => keyword.clone(),
                _ => site.statement.start..site.statement.start,
            };
            edits.push(Edit {
                range: at,
                text: binding,
            });
            name
        }
    };
    let semicolon = text
        .get(site.statement.clone())
        .is_some_and(|s| s.trim_end().ends_with(';'));
    let timestamp = if python {
        let (expression, import) = python_now(tree, text);
        if let Some(import) = import {
            edits.insert(0, import);
        }
        expression
    } else {
        "new Date()".to_string()
    };
    let prompt = prompt_of(tree, text, &model_use.call_range);
    let record = Record {
        facts: &facts,
        prompt: prompt.as_deref(),
        name: read.as_deref().unwrap_or(&name),
        log,
        awaited: site.awaited || promise,
        python,
        quote,
        semicolon,
        timestamp,
    };
    let mut after = String::new();
    for line in record.lines() {
        after.push('\n');
        if !line.is_empty() {
            after.push_str(&indent);
            after.push_str(&line.replace('\t', &unit));
        }
    }
    if let Binding::Return { .. } = site.binding {
        let end = if semicolon { ";" } else { "" };
        after.push_str(&format!("\n{indent}return {name}{end}"));
    }
    let at = line_end(text, site.statement.end);
    edits.push(Edit {
        range: at..at,
        text: after,
    });
    Some(LogFix {
        title: TITLE.to_string(),
        edits,
    })
}

/// The record's lines, nested lines starting with `\t` (one indentation unit).
struct Record<'a> {
    facts: &'a Facts,
    /// The call's prompt argument as written (see [`prompt_of`]).
    prompt: Option<&'a str>,
    name: &'a str,
    log: &'a str,
    awaited: bool,
    python: bool,
    quote: char,
    semicolon: bool,
    timestamp: String,
}

impl Record<'_> {
    fn lines(&self) -> Vec<String> {
        let facts = self.facts;
        let (comment, null) = if self.python {
            ("  #", "None")
        } else {
            (" //", "null")
        };
        let key = |name: &str| {
            if self.python {
                format!("\"{name}\": ")
            } else {
                format!("{name}: ")
            }
        };
        let string = |value: &str| quoted(value, self.quote);
        let mut fields: Vec<(String, Option<String>)> = Vec::new();
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
        fields.push((format!("{}{id}", key("generationId")), id_note));
        fields.push((format!("{}{}", key("model"), string(&facts.model)), None));
        if let Some(prompt) = self.prompt {
            fields.push((format!("{}{prompt}", key("prompt")), None));
        }
        fields.push((format!("{}{}", key("timestamp"), self.timestamp), None));
        match &facts.license {
            Some(license) => fields.push((format!("{}{}", key("license"), string(license)), None)),
            None => fields.push((
                format!("{}{null}", key("license")),
                Some(format!(
                    "unknown: no licensing source knows {}",
                    facts.model
                )),
            )),
        }
        fields.push((
            format!(
                "{}{}",
                key("intendedUse"),
                string(facts.intended_use.as_str())
            ),
            None,
        ));
        match &facts.attribution {
            AttributionField::Given { text, origin } => fields.push((
                format!("{}{}", key("attribution"), string(&one_line(text))),
                origin.as_deref().map(one_line),
            )),
            AttributionField::Suggested(text) => fields.push((
                format!("{}{}", key("attribution"), string(&one_line(text))),
                Some(
                    "suggested credit: the licence requires attribution but gives no wording"
                        .to_string(),
                ),
            )),
            AttributionField::Unverified => fields.push((
                format!("{}{null}", key("attribution")),
                Some("unverified: no source says whether attribution is required".to_string()),
            )),
            AttributionField::None => {}
        }
        let awaited = if self.awaited { "await " } else { "" };
        let end = if self.semicolon && !self.python {
            ";"
        } else {
            ""
        };
        let mut lines = vec![format!("{awaited}{}({{", self.log)];
        for (field, note) in fields {
            let note = note.map_or_else(String::new, |note| format!("{comment} {note}"));
            lines.push(format!("\t{field},{note}"));
        }
        lines.push(format!("}}){end}"));
        lines
    }
}

/// The call's prompt as written, for the record's `prompt` (the guide logs
/// it): a `prompt` property of an options object (`{ prompt }`, `{ input: {
/// prompt: text } }`), a `prompt=` keyword or a `"prompt"` dict entry, when
/// its value can be read again after the call (a name, a member, a literal).
fn prompt_of(tree: &Tree, text: &str, call_range: &Range<usize>) -> Option<String> {
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
fn quote_of(text: &str, range: &Range<usize>) -> Option<char> {
    let literal = text.get(range.clone())?;
    literal
        .chars()
        .find(|c| !c.is_ascii_alphabetic())
        .filter(|c| matches!(c, '\'' | '"'))
}

/// One indentation step: a tab where the call's line uses tabs, else the
/// smallest indentation the file uses (2 or 4 spaces), else the language's
/// usual one.
fn indent_unit(text: &str, indent: &str, python: bool) -> String {
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
fn line_end(text: &str, offset: usize) -> usize {
    let offset = offset.min(text.len());
    text[offset..].find('\n').map_or(text.len(), |i| offset + i)
}

/// `result`, or the first of `generation`, `result2`, ... that the scope does
/// not use already.
fn free_name(tree: &Tree, text: &str, scope: &Range<usize>) -> String {
    let used = |name: &str| {
        tree.root_node()
            .descendant_for_byte_range(scope.start, scope.end)
            .is_some_and(|scope| mentions(scope, text, name))
    };
    ["result", "generation"]
        .into_iter()
        .map(str::to_string)
        .chain((2..).map(|n| format!("result{n}")))
        .find(|name| !used(name))
        .unwrap_or_else(|| "result".to_string())
}

/// Python's timezone-aware "now" as the file can spell it, and the import to
/// add when it cannot: `import datetime` before the first top-level statement
/// (after the docstring, comments and `from __future__` imports).
fn python_now(tree: &Tree, text: &str) -> (String, Option<Edit>) {
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

/// `generation-not-logged`: every model call that generates (an SDK call,
/// [`generates`]) whose result does not reach `log` ([`is_logged`]). Off
/// unless `[rules]` gives the rule a severity (and then the project file
/// names `log`); one finding per call, on its model id. Model URLs in
/// strings (`fetch(...)`) are not SDK calls with a result to follow: not
/// reported.
pub fn findings<S: SourceText + ?Sized>(
    tree: &Tree,
    text: &S,
    uses: &[ModelUse],
    lookup: &impl Lookup,
    settings: &RuleSettings,
    log: Option<&str>,
) -> Vec<Finding> {
    let (Some(Some(severity)), Some(log)) =
        (settings.severities.get(&RuleCode::GenerationNotLogged), log)
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for call in uses {
        let Some(target) = call.targets.first() else {
            continue;
        };
        if !generates(call.method)
            || call_node(tree, &call.call_range).is_none()
            || is_logged(tree, text, &call.call_range, log)
        {
            continue;
        }
        let route = call.route();
        let id = single_id(call).map(|(id, _)| id);
        let resolved = id.and_then(|id| crate::rules::resolve_on(lookup, route, id));
        let subject = match id {
            Some(id) => format!("This generation with {}", shown_id(id)),
            None => "This generation".to_string(),
        };
        let on_route = if route.is_abstrakt() {
            String::new()
        } else {
            format!(" ({})", route.label())
        };
        out.push(Finding {
            code: RuleCode::GenerationNotLogged,
            severity: *severity,
            range: target.range().clone(),
            message: format!(
                "{subject}{on_route} is not logged: its result is not passed to {log} in this function, and the project keeps a compliance record of every generation ([compliance] log)"
            ),
            model_id: id.map(|id| shown_id(id).into_owned()),
            canonical_id: resolved.as_ref().map(|r| r.model.id.clone()),
            license: resolved.as_ref().map(|r| r.model.licensing.license.clone()),
            suggestions: Vec::new(),
            matched_pattern: resolved
                .as_ref()
                .and_then(|r| r.pattern().map(str::to_string)),
            route,
        });
    }
    out
}

#[cfg(test)]
mod tests;
