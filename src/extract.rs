//! Finding model references: every call of an Abstrakt SDK method that takes a
//! model id, and what that id is (DESIGN.md §3). Pure: a tree and its text in,
//! [`ModelUse`]s out.
//!
//! The pass has two steps. First, one walk over the tree collects who the
//! Abstrakt clients are (receiver names, `this.x` fields, constructor aliases)
//! and every call whose callee is a member chain. Then each call whose receiver
//! is a client and whose method is in [`SDK_METHODS`] becomes a [`ModelUse`], its
//! first argument evaluated statically by following `const` bindings in scope.

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use tree_sitter::{Node, Tree};

use crate::text::SourceText;

/// An SDK method that takes a model id, and which argument holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SdkMethod {
    /// The member path after the client, e.g. `["models", "get"]`.
    pub path: &'static [&'static str],
    /// Zero-based index of the model-id argument.
    pub model_argument: usize,
    /// Whether Abstrakt's published docs show this method (the others mirror REST
    /// endpoints that take a model id and are recognised so nothing slips through).
    pub documented: bool,
}

impl SdkMethod {
    pub fn name(&self) -> String {
        self.path.join(".")
    }
}

/// Every SDK method whose argument is a model id. One table, so the server,
/// the CLI and the docs agree.
pub const SDK_METHODS: &[SdkMethod] = &[
    SdkMethod {
        path: &["run"],
        model_argument: 0,
        documented: true,
    },
    SdkMethod {
        path: &["models", "get"],
        model_argument: 0,
        documented: true,
    },
    SdkMethod {
        path: &["models", "run"],
        model_argument: 0,
        documented: false,
    },
    SdkMethod {
        path: &["stream"],
        model_argument: 0,
        documented: false,
    },
    SdkMethod {
        path: &["subscribe"],
        model_argument: 0,
        documented: false,
    },
];

/// The identifier every project may use for its client without declaring it.
pub const DEFAULT_CLIENT_NAME: &str = "abstrakt";
/// The SDK's client class.
pub const CLIENT_CLASS: &str = "Abstrakt";

/// How deep `const` chains are followed before an id counts as dynamic.
const MAX_BINDING_DEPTH: usize = 8;
/// Longest type annotation read when looking for the client class.
const MAX_CLIENT_TYPE_LEN: usize = 256;
/// Characters of a dynamic expression kept for messages.
const MAX_EXPRESSION_CHARS: usize = 80;

/// One call of an SDK method with a model id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelUse {
    pub method: &'static SdkMethod,
    /// The method name as written (`run`, or `'run'` in `abstrakt['run']`).
    pub method_range: Range<usize>,
    pub call_range: Range<usize>,
    /// The model-id argument at the call site.
    pub argument_range: Range<usize>,
    /// What the argument evaluates to: usually one id; two for `c ? 'a' : 'b'`.
    pub targets: Vec<Target>,
}

/// One possible value of a model-id argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A statically known id. `range` is where to report it: the literal itself
    /// when written at the call, else the call-site expression that led to it.
    Static { id: String, range: Range<usize> },
    /// An expression whose value cannot be known statically.
    Dynamic {
        range: Range<usize>,
        expression: String,
    },
}

impl Target {
    pub fn range(&self) -> &Range<usize> {
        match self {
            Target::Static { range, .. } | Target::Dynamic { range, .. } => range,
        }
    }
}

/// Extraction settings that come from the project.
#[derive(Debug, Clone, Default)]
pub struct ExtractOptions {
    /// Extra receiver names treated as Abstrakt clients (`[clients] names`).
    pub client_names: Vec<String>,
}

/// Whether a text can contain a model reference at all: a cheap filter that
/// lets the CLI skip parsing most files of a large tree.
pub fn may_contain_calls(text: &[u8], options: &ExtractOptions) -> bool {
    let finder = memchr::memmem::Finder::new(b"bstrakt");
    finder.find(text).is_some()
        || options
            .client_names
            .iter()
            .any(|name| memchr::memmem::find(text, name.as_bytes()).is_some())
}

/// Finds every model reference in a parsed file.
pub fn extract<S: SourceText + ?Sized>(
    tree: &Tree,
    text: &S,
    options: &ExtractOptions,
) -> Vec<ModelUse> {
    let mut scan = Scan::new(text, options);
    scan.walk(tree.root_node());
    let clients = scan.clients();
    let mut uses = Vec::new();
    let mut scopes = Scopes::new(tree.root_node());
    for call in &scan.calls {
        if let Some(found) = clients.model_use(call, text, &mut scopes) {
            uses.push(found);
        }
    }
    uses
}

/// Who counts as an Abstrakt client in one file.
struct Clients {
    names: HashSet<String>,
    this_fields: HashSet<String>,
}

/// The node kinds [`Scan::visit`] looks at.
const INTERESTING_KINDS: &[&str] = &[
    "call_expression",
    "import_statement",
    "variable_declarator",
    "assignment_expression",
    "field_definition",
    "public_field_definition",
    "required_parameter",
    "optional_parameter",
];

/// What the walk collects before clients can be decided.
struct Scan<'t, 's, S: ?Sized> {
    text: &'s S,
    constructor_names: HashSet<String>,
    names: HashSet<String>,
    this_fields: HashSet<String>,
    /// `name = new X(...)` / `this.name = new X(...)`: (is_this_field, name, X).
    constructed: Vec<(bool, String, Node<'t>)>,
    calls: Vec<Node<'t>>,
}

impl<'t, 's, S: SourceText + ?Sized> Scan<'t, 's, S> {
    fn new(text: &'s S, options: &ExtractOptions) -> Self {
        let mut names: HashSet<String> = options.client_names.iter().cloned().collect();
        names.insert(DEFAULT_CLIENT_NAME.to_string());
        let mut this_fields = names.clone();
        this_fields.insert(DEFAULT_CLIENT_NAME.to_string());
        Self {
            text,
            constructor_names: HashSet::from([CLIENT_CLASS.to_string()]),
            names,
            this_fields,
            constructed: Vec::new(),
            calls: Vec::new(),
        }
    }

    fn text_of(&self, node: Node<'_>) -> String {
        self.text.slice(node.byte_range()).into_owned()
    }

    fn walk(&mut self, root: Node<'t>) {
        // Most nodes are irrelevant: compare numeric kind ids before names.
        let language = root.language();
        let interesting: HashSet<u16> = INTERESTING_KINDS
            .iter()
            .map(|kind| language.id_for_node_kind(kind, true))
            .filter(|&id| id != 0)
            .collect();
        let mut cursor = root.walk();
        'outer: loop {
            let node = cursor.node();
            if interesting.contains(&node.kind_id()) {
                self.visit(node);
            }
            if cursor.goto_first_child() {
                continue;
            }
            loop {
                if cursor.goto_next_sibling() {
                    continue 'outer;
                }
                if !cursor.goto_parent() {
                    break 'outer;
                }
            }
        }
    }

    fn visit(&mut self, node: Node<'t>) {
        match node.kind() {
            "call_expression" => {
                if let Some(function) = node.child_by_field_name("function") {
                    let function = unwrap_callee(function);
                    if matches!(
                        function.kind(),
                        "member_expression" | "subscript_expression"
                    ) {
                        self.calls.push(node);
                    }
                }
            }
            "import_statement" => self.visit_import(node),
            "variable_declarator" => self.visit_declarator(node),
            "assignment_expression" => {
                let (Some(left), Some(right)) = (
                    node.child_by_field_name("left"),
                    node.child_by_field_name("right"),
                ) else {
                    return;
                };
                match left.kind() {
                    "identifier" => self.constructed.push((false, self.text_of(left), right)),
                    "member_expression" => {
                        let object = left.child_by_field_name("object");
                        let property = left.child_by_field_name("property");
                        if let (Some(object), Some(property)) = (object, property)
                            && object.kind() == "this"
                        {
                            self.constructed.push((true, self.text_of(property), right));
                        }
                    }
                    _ => {}
                }
            }
            // JS class fields (`field_definition`) and TS ones (`public_field_definition`).
            "field_definition" | "public_field_definition" => {
                let name = node
                    .child_by_field_name("property")
                    .or_else(|| node.child_by_field_name("name"));
                let Some(name) = name else { return };
                let name = self.text_of(name);
                if let Some(value) = node.child_by_field_name("value") {
                    self.constructed.push((true, name.clone(), value));
                }
                if self.has_client_type(node) {
                    self.this_fields.insert(name);
                }
            }
            "required_parameter" | "optional_parameter" => {
                let Some(pattern) = node.child_by_field_name("pattern") else {
                    return;
                };
                if pattern.kind() != "identifier" || !self.has_client_type(node) {
                    return;
                }
                let name = self.text_of(pattern);
                // `constructor(private client: Abstrakt)` also declares a field.
                let mut cursor = node.walk();
                if node
                    .children(&mut cursor)
                    .any(|c| c.kind() == "accessibility_modifier" || c.kind() == "readonly")
                {
                    self.this_fields.insert(name.clone());
                }
                self.names.insert(name);
            }
            _ => {}
        }
    }

    /// `import { Abstrakt as AK }`, `import Sdk from 'abstrakt'`, `import * as sdk from '@abstrakt/sdk'`.
    fn visit_import(&mut self, node: Node<'t>) {
        let from_sdk = node
            .child_by_field_name("source")
            .map(|s| self.text_of(s).to_ascii_lowercase().contains("abstrakt"))
            .unwrap_or(false);
        let mut stack = vec![node];
        while let Some(n) = stack.pop() {
            match n.kind() {
                "import_specifier" => {
                    let name = n.child_by_field_name("name").map(|x| self.text_of(x));
                    let alias = n.child_by_field_name("alias").map(|x| self.text_of(x));
                    if name.as_deref() == Some(CLIENT_CLASS)
                        && let Some(alias) = alias
                    {
                        self.constructor_names.insert(alias);
                    }
                }
                // Default import: the clause's direct identifier child.
                "import_clause" => {
                    let mut cursor = n.walk();
                    for child in n.named_children(&mut cursor) {
                        if child.kind() == "identifier" && from_sdk {
                            self.constructor_names.insert(self.text_of(child));
                        }
                        stack.push(child);
                    }
                    continue;
                }
                // `* as sdk`: `new sdk.Abstrakt()` is covered by the member check.
                _ => {}
            }
            let mut cursor = n.walk();
            for child in n.named_children(&mut cursor) {
                if child.kind() != "import_clause" || n.kind() == "import_statement" {
                    stack.push(child);
                }
            }
        }
    }

    fn visit_declarator(&mut self, node: Node<'t>) {
        let Some(name) = node.child_by_field_name("name") else {
            return;
        };
        let value = node.child_by_field_name("value");
        match name.kind() {
            "identifier" => {
                let name_text = self.text_of(name);
                if self.has_client_type(node) {
                    self.names.insert(name_text.clone());
                }
                if let Some(value) = value {
                    // `const Sdk = require('abstrakt')` / `require('abstrakt').Abstrakt`.
                    if self.is_sdk_require(value) {
                        self.constructor_names.insert(name_text.clone());
                    }
                    self.constructed.push((false, name_text, value));
                }
            }
            // `const { Abstrakt: AK } = require('abstrakt')`.
            "object_pattern" => {
                let Some(value) = value else { return };
                if !self.is_sdk_require(value) {
                    return;
                }
                let mut cursor = name.walk();
                for pair in name.named_children(&mut cursor) {
                    if pair.kind() == "pair_pattern" {
                        let key = pair.child_by_field_name("key").map(|k| self.text_of(k));
                        let local = pair.child_by_field_name("value");
                        if key.as_deref() == Some(CLIENT_CLASS)
                            && let Some(local) = local
                            && local.kind() == "identifier"
                        {
                            self.constructor_names.insert(self.text_of(local));
                        }
                    }
                }
            }
            _ => {}
        }
    }

    /// `require('...abstrakt...')`, optionally `.Abstrakt`.
    fn is_sdk_require(&self, value: Node<'_>) -> bool {
        let mut value = unwrap_expression(value);
        if value.kind() == "member_expression" {
            match value.child_by_field_name("object") {
                Some(object) => value = unwrap_expression(object),
                None => return false,
            }
        }
        if value.kind() != "call_expression" {
            return false;
        }
        // The kind first: the callee of an IIFE is a whole function body.
        let callee = value
            .child_by_field_name("function")
            .filter(|f| f.kind() == "identifier")
            .map(|f| self.text_of(f));
        if callee.as_deref() != Some("require") {
            return false;
        }
        value
            .child_by_field_name("arguments")
            .map(|args| self.text_of(args).to_ascii_lowercase().contains("abstrakt"))
            .unwrap_or(false)
    }

    /// Whether a declaration's TypeScript type annotation names the client class
    /// (`Abstrakt`, `sdk.Abstrakt`, `Abstrakt | null`).
    fn has_client_type(&self, node: Node<'_>) -> bool {
        let Some(annotation) = node.child_by_field_name("type") else {
            return false;
        };
        // A client's type is short; copying every nested function type of a
        // deeply nested signature would cost the square of its size.
        if annotation.byte_range().len() > MAX_CLIENT_TYPE_LEN {
            return false;
        }
        let text = self.text_of(annotation);
        text.trim_start_matches(':')
            .split(['|', '&'])
            .map(str::trim)
            .any(|part| {
                let last = part.rsplit('.').next().unwrap_or(part);
                self.constructor_names.contains(last) || last == CLIENT_CLASS
            })
    }

    /// Whether an expression constructs a client: `new Abstrakt(...)`,
    /// `new sdk.Abstrakt(...)`, `new AK(...)` for an imported alias.
    fn is_client_construction(&self, value: Node<'_>) -> bool {
        let value = unwrap_expression(value);
        if value.kind() != "new_expression" {
            return false;
        }
        let Some(constructor) = value.child_by_field_name("constructor") else {
            return false;
        };
        match constructor.kind() {
            "identifier" => self.constructor_names.contains(&self.text_of(constructor)),
            "member_expression" => constructor
                .child_by_field_name("property")
                .map(|p| self.text_of(p) == CLIENT_CLASS)
                .unwrap_or(false),
            _ => false,
        }
    }

    fn clients(&self) -> Clients {
        let mut names = self.names.clone();
        let mut this_fields = self.this_fields.clone();
        for (is_field, name, value) in &self.constructed {
            if self.is_client_construction(*value) {
                if *is_field {
                    this_fields.insert(name.clone());
                } else {
                    names.insert(name.clone());
                }
            }
        }
        Clients { names, this_fields }
    }
}

/// Strips wrappers that do not change which value an expression denotes.
fn unwrap_expression(mut node: Node<'_>) -> Node<'_> {
    loop {
        let inner = match node.kind() {
            "parenthesized_expression" | "non_null_expression" | "await_expression" => {
                node.named_child(0)
            }
            "as_expression" | "satisfies_expression" | "type_assertion" => {
                node.named_child(0).and_then(|first| {
                    // `<T>x` puts the type first; `x as T` puts the value first.
                    if node.kind() == "type_assertion" {
                        node.named_child(1)
                    } else {
                        Some(first)
                    }
                })
            }
            _ => None,
        };
        match inner {
            Some(inner) if inner.kind() != "comment" => node = inner,
            _ => return node,
        }
    }
}

/// The callee of a call. TypeScript's grammar parses `await a.run<T>(x)` and
/// `void a.run<T>(x)` as a call *of* `await a.run` / `void a.run` when type
/// arguments are present, so a prefix operator in callee position is looked through.
fn unwrap_callee(node: Node<'_>) -> Node<'_> {
    let node = unwrap_expression(node);
    if node.kind() == "unary_expression"
        && let Some(argument) = node.child_by_field_name("argument")
    {
        return unwrap_expression(argument);
    }
    node
}

/// The start of a callee chain: a plain identifier or `this`.
enum Root {
    Identifier(String),
    This,
}

impl Clients {
    fn model_use<'t, S: SourceText + ?Sized>(
        &self,
        call: &Node<'t>,
        text: &S,
        scopes: &mut Scopes<'t>,
    ) -> Option<ModelUse> {
        let function = unwrap_callee(call.child_by_field_name("function")?);
        let (root, mut path) = member_path(function, text)?;
        // Decide which leading segments form the receiver.
        let receiver_len = match root {
            Root::Identifier(name) if self.names.contains(&name) => 0,
            Root::This if !path.is_empty() && self.this_fields.contains(&path[0].0) => 1,
            _ => return None,
        };
        let method_path: Vec<&str> = path[receiver_len..]
            .iter()
            .map(|(name, _)| name.as_str())
            .collect();
        let method = SDK_METHODS
            .iter()
            .find(|m| m.path == method_path.as_slice())?;
        let method_range = path.pop()?.1;

        let arguments = call.child_by_field_name("arguments")?;
        let mut cursor = arguments.walk();
        let argument = arguments
            .named_children(&mut cursor)
            .filter(|n| n.kind() != "comment")
            .nth(method.model_argument)?;
        let mut targets = Vec::new();
        evaluate(argument, text, 0, None, scopes, &mut targets);
        Some(ModelUse {
            method,
            method_range,
            call_range: call.byte_range(),
            argument_range: argument.byte_range(),
            targets,
        })
    }
}

/// One step of a member chain: the property name and where it is written.
type MemberStep = (String, Range<usize>);

/// Flattens `a.b['c'].d` into its root and `[("b", range), ("c", range), ("d", range)]`.
/// A loop, not recursion: a chain of 100,000 members must not overflow the stack.
fn member_path<S: SourceText + ?Sized>(
    node: Node<'_>,
    text: &S,
) -> Option<(Root, Vec<MemberStep>)> {
    let mut path = Vec::new();
    let mut node = unwrap_expression(node);
    let root = loop {
        match node.kind() {
            "identifier" => break Root::Identifier(text.slice(node.byte_range()).into_owned()),
            "this" => break Root::This,
            "member_expression" => {
                let property = node.child_by_field_name("property")?;
                if property.kind() != "property_identifier" {
                    return None;
                }
                path.push((
                    text.slice(property.byte_range()).into_owned(),
                    property.byte_range(),
                ));
            }
            "subscript_expression" => {
                let index = node.child_by_field_name("index")?;
                path.push((static_string(index, text)?, index.byte_range()));
            }
            _ => return None,
        }
        node = unwrap_expression(node.child_by_field_name("object")?);
    };
    path.reverse();
    Some((root, path))
}

/// The value of a string literal or a template literal without substitutions.
fn static_string<S: SourceText + ?Sized>(node: Node<'_>, text: &S) -> Option<String> {
    match node.kind() {
        "string" => {
            let raw = text.slice(node.byte_range());
            let inner = raw.get(1..raw.len().saturating_sub(1)).unwrap_or("");
            Some(unescape(inner))
        }
        "template_string" => {
            let mut cursor = node.walk();
            if node
                .named_children(&mut cursor)
                .any(|c| c.kind() == "template_substitution")
            {
                return None;
            }
            let raw = text.slice(node.byte_range());
            let inner = raw.get(1..raw.len().saturating_sub(1)).unwrap_or("");
            Some(unescape(inner))
        }
        _ => None,
    }
}

/// Resolves JavaScript escapes in a literal's content (`\'`, `\n`, `\u{..}`, ...).
fn unescape(raw: &str) -> String {
    if !raw.contains('\\') {
        return raw.to_string();
    }
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('0') => out.push('\0'),
            Some('x') => {
                let hex: String = chars.by_ref().take(2).collect();
                if let Some(ch) = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                    out.push(ch);
                }
            }
            Some('u') => {
                let hex: String = if chars.peek() == Some(&'{') {
                    chars.next();
                    chars.by_ref().take_while(|&c| c != '}').collect()
                } else {
                    chars.by_ref().take(4).collect()
                };
                if let Some(ch) = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                    out.push(ch);
                }
            }
            // Line continuation.
            Some('\n') => {}
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

/// The first `chars` characters of `range`, copying no more than that: a
/// rope slice of a whole nested expression would be copied at every level.
fn text_prefix<S: SourceText + ?Sized>(text: &S, range: Range<usize>, chars: usize) -> String {
    let wanted = range.start.saturating_add(chars * 4).min(range.end);
    // Back off to a character boundary (a UTF-8 character is at most 4 bytes).
    (0..4)
        .map(|back| text.slice(range.start..wanted.saturating_sub(back).max(range.start)))
        .find(|slice| !slice.is_empty() || wanted == range.start)
        .map(|slice| slice.chars().take(chars).collect())
        .unwrap_or_default()
}

/// Evaluates a model-id expression into targets. `anchor` is the call-site
/// range once a binding has been followed: findings point at the code the
/// developer wrote at the call, not at a constant elsewhere.
fn evaluate<'t, S: SourceText + ?Sized>(
    node: Node<'t>,
    text: &S,
    depth: usize,
    anchor: Option<&Range<usize>>,
    scopes: &mut Scopes<'t>,
    out: &mut Vec<Target>,
) {
    let node = unwrap_expression(node);
    let range = anchor.cloned().unwrap_or_else(|| node.byte_range());
    let dynamic = |out: &mut Vec<Target>| {
        let expression = text_prefix(text, node.byte_range(), MAX_EXPRESSION_CHARS);
        out.push(Target::Dynamic {
            range: range.clone(),
            expression,
        });
    };
    if depth > MAX_BINDING_DEPTH {
        return dynamic(out);
    }
    match node.kind() {
        "string" | "template_string" => match static_string(node, text) {
            Some(id) => out.push(Target::Static { id, range }),
            None => dynamic(out),
        },
        "ternary_expression" => {
            for field in ["consequence", "alternative"] {
                match node.child_by_field_name(field) {
                    Some(arm) => evaluate(arm, text, depth + 1, anchor, scopes, out),
                    None => dynamic(out),
                }
            }
        }
        "binary_expression" => {
            let operator = node.child_by_field_name("operator").map(|o| o.kind());
            if matches!(operator, Some("??") | Some("||")) {
                for field in ["left", "right"] {
                    match node.child_by_field_name(field) {
                        Some(side) => evaluate(side, text, depth + 1, anchor, scopes, out),
                        None => dynamic(out),
                    }
                }
            } else {
                dynamic(out)
            }
        }
        "identifier"
        | "shorthand_property_identifier"
        | "member_expression"
        | "subscript_expression" => {
            let here = node.byte_range();
            let anchor = anchor.unwrap_or(&here);
            match resolve_value(node, text, depth, scopes) {
                Some(value) => evaluate(value, text, depth + 1, Some(anchor), scopes, out),
                None => dynamic(out),
            }
        }
        _ => dynamic(out),
    }
}

/// The expression a name or a constant object member is bound to, if it is a
/// `const` visible from `node`.
fn resolve_value<'t, S: SourceText + ?Sized>(
    node: Node<'t>,
    text: &S,
    depth: usize,
    scopes: &mut Scopes<'t>,
) -> Option<Node<'t>> {
    if depth > MAX_BINDING_DEPTH {
        return None;
    }
    let node = unwrap_expression(node);
    match node.kind() {
        "identifier" => {
            let name = text.slice(node.byte_range());
            lookup_const(node, &name, text, scopes)
        }
        "shorthand_property_identifier" => {
            let name = text.slice(node.byte_range());
            lookup_const(node, &name, text, scopes)
        }
        "member_expression" | "subscript_expression" => {
            let key = if node.kind() == "member_expression" {
                let property = node.child_by_field_name("property")?;
                text.slice(property.byte_range()).into_owned()
            } else {
                static_string(node.child_by_field_name("index")?, text)?
            };
            let object = node.child_by_field_name("object")?;
            let mut literal = unwrap_expression(resolve_value(object, text, depth + 1, scopes)?);
            // `const A = B` where B is the object: follow the chain.
            let mut hops = 0;
            while matches!(
                literal.kind(),
                "identifier" | "member_expression" | "subscript_expression"
            ) {
                hops += 1;
                if hops > MAX_BINDING_DEPTH {
                    return None;
                }
                literal = unwrap_expression(resolve_value(literal, text, depth + hops, scopes)?);
            }
            object_member(literal, &key, text)
        }
        _ => None,
    }
}

/// The value of `key` in an object literal.
fn object_member<'t, S: SourceText + ?Sized>(
    object: Node<'t>,
    key: &str,
    text: &S,
) -> Option<Node<'t>> {
    if object.kind() != "object" {
        return None;
    }
    let mut found = None;
    let mut cursor = object.walk();
    for member in object.named_children(&mut cursor) {
        match member.kind() {
            "pair" => {
                let Some(k) = member.child_by_field_name("key") else {
                    continue;
                };
                let name = match k.kind() {
                    "property_identifier" | "number" => text.slice(k.byte_range()).into_owned(),
                    "string" => static_string(k, text).unwrap_or_default(),
                    // A computed key could be anything.
                    _ => return None,
                };
                if name == key {
                    found = member.child_by_field_name("value");
                }
            }
            "shorthand_property_identifier" if text.slice(member.byte_range()) == key => {
                found = Some(member)
            }
            // `...other` may override anything before it.
            "spread_element" => found = None,
            _ => {}
        }
    }
    found
}

/// How a block binds a name.
#[derive(Clone, Copy)]
enum Declared<'t> {
    /// `const name = value`.
    Const(Node<'t>),
    /// Any other binding (`let`, `var`, function, class, import, destructuring).
    Other,
}

/// The names each block declares, built once per block per extraction so that
/// resolving many ids in a large file stays linear.
struct Scopes<'t> {
    root: Node<'t>,
    blocks: HashMap<usize, HashMap<String, Declared<'t>>>,
}

impl<'t> Scopes<'t> {
    fn new(root: Node<'t>) -> Self {
        Self {
            root,
            blocks: HashMap::new(),
        }
    }

    fn declarations<S: SourceText + ?Sized>(
        &mut self,
        block: Node<'t>,
        text: &S,
    ) -> &HashMap<String, Declared<'t>> {
        self.blocks.entry(block.id()).or_insert_with(|| {
            let mut table = HashMap::new();
            let mut cursor = block.walk();
            for statement in block.named_children(&mut cursor) {
                declare_all(statement, text, &mut table);
            }
            table
        })
    }
}

/// Finds the `const` declaration of `name` visible from `at`, walking outwards
/// through enclosing blocks. A `let`/`var`, a parameter or any other binding of
/// the name in between makes the value unknowable (`None`).
fn lookup_const<'t, S: SourceText + ?Sized>(
    at: Node<'t>,
    name: &str,
    text: &S,
    scopes: &mut Scopes<'t>,
) -> Option<Node<'t>> {
    for node in ancestors(scopes.root, at).into_iter().rev() {
        match node.kind() {
            "program" | "statement_block" | "switch_case" | "switch_default"
            | "class_static_block" => match scopes.declarations(node, text).get(name) {
                Some(Declared::Const(value)) => return Some(*value),
                Some(Declared::Other) => return None,
                None => {}
            },
            "arrow_function"
            | "function_expression"
            | "function_declaration"
            | "method_definition"
            | "generator_function"
            | "generator_function_declaration"
            | "function"
                if binds_parameter(node, name, text) =>
            {
                return None;
            }
            "for_statement" | "for_in_statement" | "catch_clause"
                if binds_in_header(node, name, text) =>
            {
                return None;
            }
            _ => {}
        }
    }
    None
}

/// The ancestors of a node, root first. tree-sitter's `parent()` searches down
/// from the root on every call, so the chain is built in one descent instead.
fn ancestors<'t>(root: Node<'t>, node: Node<'t>) -> Vec<Node<'t>> {
    let mut chain = Vec::new();
    let mut current = root;
    while current != node {
        chain.push(current);
        match current.child_with_descendant(node) {
            Some(child) => current = child,
            None => break,
        }
    }
    chain
}

/// Records every name a statement declares (the first declaration of a name wins).
fn declare_all<'t, S: SourceText + ?Sized>(
    statement: Node<'t>,
    text: &S,
    table: &mut HashMap<String, Declared<'t>>,
) {
    let statement = if statement.kind() == "export_statement" {
        match statement.child_by_field_name("declaration") {
            Some(declaration) => declaration,
            None => return,
        }
    } else {
        statement
    };
    let mut bind = |name: Node<'_>, how: Declared<'t>| {
        table
            .entry(text.slice(name.byte_range()).into_owned())
            .or_insert(how);
    };
    match statement.kind() {
        "lexical_declaration" | "variable_declaration" => {
            let is_const = statement
                .child(0)
                .map(|keyword| keyword.kind() == "const")
                .unwrap_or(false);
            let mut cursor = statement.walk();
            for declarator in statement.named_children(&mut cursor) {
                if declarator.kind() != "variable_declarator" {
                    continue;
                }
                let Some(binding) = declarator.child_by_field_name("name") else {
                    continue;
                };
                if binding.kind() == "identifier" {
                    let how = match (is_const, declarator.child_by_field_name("value")) {
                        (true, Some(value)) => Declared::Const(value),
                        _ => Declared::Other,
                    };
                    bind(binding, how);
                } else {
                    for name in pattern_names(binding) {
                        bind(name, Declared::Other);
                    }
                }
            }
        }
        "function_declaration" | "class_declaration" | "generator_function_declaration" => {
            if let Some(name) = statement.child_by_field_name("name") {
                bind(name, Declared::Other);
            }
        }
        "import_statement" => {
            for name in pattern_names(statement) {
                bind(name, Declared::Other);
            }
        }
        _ => {}
    }
}

/// Every identifier-like binding inside a pattern or an import.
fn pattern_names(pattern: Node<'_>) -> Vec<Node<'_>> {
    let mut names = Vec::new();
    let mut stack = vec![pattern];
    while let Some(node) = stack.pop() {
        match node.kind() {
            "identifier" | "shorthand_property_identifier_pattern" => names.push(node),
            // `import x from 'source'`: the source string binds nothing.
            "string" => {}
            _ => {
                let mut cursor = node.walk();
                stack.extend(node.named_children(&mut cursor));
            }
        }
    }
    names
}

/// Whether any identifier-like binding inside a pattern or import is `name`.
fn pattern_binds<S: SourceText + ?Sized>(pattern: Node<'_>, name: &str, text: &S) -> bool {
    let mut stack = vec![pattern];
    while let Some(node) = stack.pop() {
        if matches!(
            node.kind(),
            "identifier" | "shorthand_property_identifier_pattern"
        ) && text.slice(node.byte_range()) == name
        {
            return true;
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    false
}

fn binds_parameter<S: SourceText + ?Sized>(function: Node<'_>, name: &str, text: &S) -> bool {
    let parameters = function
        .child_by_field_name("parameters")
        .or_else(|| function.child_by_field_name("parameter"));
    let Some(parameters) = parameters else {
        return false;
    };
    // Type annotations may mention the name without binding it; only patterns bind.
    let mut stack = vec![parameters];
    while let Some(node) = stack.pop() {
        match node.kind() {
            "type_annotation" | "default_value" => continue,
            "identifier" | "shorthand_property_identifier_pattern"
                if text.slice(node.byte_range()) == name =>
            {
                return true;
            }
            _ => {}
        }
        let mut cursor = node.walk();
        for child in node.named_children(&mut cursor) {
            // Skip default values: `(a = b)` binds a, not b.
            if node.kind() == "assignment_pattern"
                && node.child_by_field_name("right") == Some(child)
            {
                continue;
            }
            stack.push(child);
        }
    }
    false
}

fn binds_in_header<S: SourceText + ?Sized>(node: Node<'_>, name: &str, text: &S) -> bool {
    let header = node
        .child_by_field_name("initializer")
        .or_else(|| node.child_by_field_name("left"))
        .or_else(|| node.child_by_field_name("parameter"));
    header
        .map(|h| pattern_binds(h, name, text))
        .unwrap_or(false)
}

#[cfg(test)]
mod tests;
