//! Which receivers are Abstrakt clients in a JavaScript/TypeScript file, and
//! which calls on them are SDK calls: the identifier
//! `abstrakt`, `[clients] names`, bindings of `new Abstrakt(...)` (also through
//! an imported or `require`d alias), `this.x` fields assigned a client, and
//! parameters and fields typed `Abstrakt`.
//!
//! One walk over the tree ([`Scan`]) collects candidate bindings and every call
//! whose callee is a member chain; [`Scan::clients`] then decides who the
//! clients are, and the shared evaluator turns a call on a client into a
//! `ModelUse`.

use std::collections::HashSet;

use tree_sitter::{Language, Node};

use super::grammar::{JavaScript, unwrap_callee, unwrap_expression};
use crate::extract::eval::preorder;
use crate::extract::{CLIENT_CLASS, Clients, DEFAULT_CLIENT_NAME, ExtractOptions};
use crate::text::SourceText;

/// Longest type annotation read when looking for the client class.
const MAX_CLIENT_TYPE_LEN: usize = 256;

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

/// The bindings one part of a file contributes to client detection, without
/// tree nodes: the incremental cache keeps them per top-level statement and
/// [`Clients::resolve`] folds them, in file order, into the file's clients.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct ClientBindings {
    constructor_names: Vec<String>,
    /// Declarations typed with a class name: (is_this_field, name, annotation text).
    /// Checked against the constructor names of the whole file.
    typed: Vec<(bool, String, String)>,
    /// `name = new X(...)` / `this.name = new X(...)`: (is_this_field, name, X).
    constructed: Vec<(bool, String, Constructor)>,
}

/// What a bound value constructs, as far as client detection cares.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Constructor {
    /// `new X(...)`: a client when `X` is a client class name.
    Named(String),
    /// `new sdk.Abstrakt(...)`.
    Qualified,
    /// Anything else.
    Other,
}

/// What the walk collects before clients can be decided.
pub(super) struct Scan<'t, 's, S: ?Sized> {
    text: &'s S,
    grammar: JavaScript,
    /// Node kind id → whether [`Scan::visit`] looks at it.
    interesting: Vec<bool>,
    pub(super) bindings: ClientBindings,
    pub(super) calls: Vec<Node<'t>>,
}

impl<'t, 's, S: SourceText + ?Sized> Scan<'t, 's, S> {
    pub(super) fn new(text: &'s S, language: &Language) -> Self {
        // Most nodes are irrelevant: compare numeric kind ids before names.
        let mut interesting = vec![false; language.node_kind_count()];
        for kind in INTERESTING_KINDS {
            let id = usize::from(language.id_for_node_kind(kind, true));
            if let Some(slot) = interesting.get_mut(id).filter(|_| id != 0) {
                *slot = true;
            }
        }
        Self {
            text,
            grammar: JavaScript::new(language),
            interesting,
            bindings: ClientBindings::default(),
            calls: Vec::new(),
        }
    }

    fn text_of(&self, node: Node<'_>) -> String {
        self.text.slice(node.byte_range()).into_owned()
    }

    pub(super) fn walk(&mut self, root: Node<'t>) {
        preorder(root, |node| {
            if self
                .interesting
                .get(usize::from(node.kind_id()))
                .copied()
                .unwrap_or(false)
            {
                self.visit(node);
            }
            true
        });
    }

    fn visit(&mut self, node: Node<'t>) {
        match node.kind() {
            "call_expression" => self.visit_call(node),
            "import_statement" => self.visit_import(node),
            "variable_declarator" => self.visit_declarator(node),
            "assignment_expression" => self.visit_assignment(node),
            // JS class fields (`field_definition`) and TS ones (`public_field_definition`).
            "field_definition" | "public_field_definition" => self.visit_field(node),
            "required_parameter" | "optional_parameter" => self.visit_parameter(node),
            _ => {}
        }
    }

    /// Calls of a member (`client.run(…)`, `client["run"](…)`) may use a model.
    fn visit_call(&mut self, node: Node<'t>) {
        if let Some(function) = node.child_by_field_id(self.grammar.function()) {
            let function = unwrap_callee(function);
            if matches!(
                function.kind(),
                "member_expression" | "subscript_expression"
            ) {
                self.calls.push(node);
            }
        }
    }

    /// `x = new Client()` and `this.x = new Client()`.
    fn visit_assignment(&mut self, node: Node<'t>) {
        let (Some(left), Some(right)) = (
            node.child_by_field_name("left"),
            node.child_by_field_name("right"),
        ) else {
            return;
        };
        match left.kind() {
            "identifier" => {
                let constructor = self.constructor(right);
                self.bindings
                    .constructed
                    .push((false, self.text_of(left), constructor));
            }
            "member_expression" => {
                let object = left.child_by_field_name("object");
                let property = left.child_by_field_name("property");
                if let (Some(object), Some(property)) = (object, property)
                    && object.kind() == "this"
                {
                    let constructor = self.constructor(right);
                    self.bindings
                        .constructed
                        .push((true, self.text_of(property), constructor));
                }
            }
            _ => {}
        }
    }

    /// A class field, assigned or typed as a client.
    fn visit_field(&mut self, node: Node<'t>) {
        let name = node
            .child_by_field_name("property")
            .or_else(|| node.child_by_field_name("name"));
        let Some(name) = name else { return };
        let name = self.text_of(name);
        if let Some(value) = node.child_by_field_name("value") {
            let constructor = self.constructor(value);
            self.bindings
                .constructed
                .push((true, name.clone(), constructor));
        }
        self.typed(node, true, name);
    }

    /// A parameter typed as a client (TypeScript).
    fn visit_parameter(&mut self, node: Node<'t>) {
        let Some(pattern) = node.child_by_field_name("pattern") else {
            return;
        };
        if pattern.kind() != "identifier" {
            return;
        }
        let name = self.text_of(pattern);
        // `constructor(private client: Abstrakt)` also declares a field.
        let mut cursor = node.walk();
        if node
            .children(&mut cursor)
            .any(|c| c.kind() == "accessibility_modifier" || c.kind() == "readonly")
        {
            self.typed(node, true, name.clone());
        }
        self.typed(node, false, name);
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
                        self.bindings.constructor_names.push(alias);
                    }
                }
                // Default import: the clause's direct identifier child.
                "import_clause" => {
                    let mut cursor = n.walk();
                    for child in n.named_children(&mut cursor) {
                        if child.kind() == "identifier" && from_sdk {
                            self.bindings.constructor_names.push(self.text_of(child));
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
                self.typed(node, false, name_text.clone());
                if let Some(value) = value {
                    // `const Sdk = require('abstrakt')` / `require('abstrakt').Abstrakt`.
                    if self.is_sdk_require(value) {
                        self.bindings.constructor_names.push(name_text.clone());
                    }
                    let constructor = self.constructor(value);
                    self.bindings
                        .constructed
                        .push((false, name_text, constructor));
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
                            self.bindings.constructor_names.push(self.text_of(local));
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

    /// Records a declaration's TypeScript type annotation, if any, to be
    /// checked against the client class names once the whole file is seen.
    fn typed(&mut self, node: Node<'_>, is_field: bool, name: String) {
        if let Some(annotation) = node.child_by_field_name("type") {
            // A client's type is short; copying every nested function type of a
            // deeply nested signature would cost the square of its size.
            if annotation.byte_range().len() > MAX_CLIENT_TYPE_LEN {
                return;
            }
            let annotation = self.text_of(annotation);
            self.bindings.typed.push((is_field, name, annotation));
        }
    }

    /// What a bound value constructs: `new Abstrakt(...)`, `new sdk.Abstrakt(...)`,
    /// `new AK(...)` for an imported alias.
    fn constructor(&self, value: Node<'_>) -> Constructor {
        let value = unwrap_expression(value);
        if value.kind() != "new_expression" {
            return Constructor::Other;
        }
        let Some(constructor) = value.child_by_field_name("constructor") else {
            return Constructor::Other;
        };
        match constructor.kind() {
            "identifier" => Constructor::Named(self.text_of(constructor)),
            "member_expression"
                if constructor
                    .child_by_field_name("property")
                    .is_some_and(|p| self.text_of(p) == CLIENT_CLASS) =>
            {
                Constructor::Qualified
            }
            _ => Constructor::Other,
        }
    }

    pub(super) fn clients(&self, options: &ExtractOptions) -> Clients {
        resolve(options, std::iter::once(&self.bindings))
    }

    pub(super) fn grammar(&self) -> JavaScript {
        self.grammar
    }
}

/// Folds the bindings of a file's parts, in file order, into its clients:
/// the default name, `[clients] names`, declarations typed with a client
/// class, and bindings of a constructed client.
pub(super) fn resolve<'b>(
    options: &ExtractOptions,
    parts: impl Iterator<Item = &'b ClientBindings> + Clone,
) -> Clients {
    let mut names: HashSet<String> = options.client_names.iter().cloned().collect();
    names.insert(DEFAULT_CLIENT_NAME.to_string());
    let mut this_fields = names.clone();
    let mut constructor_names: HashSet<&str> = HashSet::from([CLIENT_CLASS]);
    for part in parts.clone() {
        constructor_names.extend(part.constructor_names.iter().map(String::as_str));
    }
    let is_client_type = |annotation: &str| {
        annotation
            .trim_start_matches(':')
            .split(['|', '&'])
            .map(str::trim)
            .any(|part| {
                let last = part.rsplit('.').next().unwrap_or(part);
                constructor_names.contains(last)
            })
    };
    for part in parts {
        for (is_field, name, annotation) in &part.typed {
            if is_client_type(annotation) {
                let set = if *is_field {
                    &mut this_fields
                } else {
                    &mut names
                };
                set.insert(name.clone());
            }
        }
        for (is_field, name, constructor) in &part.constructed {
            let client = match constructor {
                Constructor::Named(class) => constructor_names.contains(class.as_str()),
                Constructor::Qualified => true,
                Constructor::Other => false,
            };
            if client {
                let set = if *is_field {
                    &mut this_fields
                } else {
                    &mut names
                };
                set.insert(name.clone());
            }
        }
    }
    Clients::from_sets(names, this_fields)
}
