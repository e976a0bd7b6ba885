//! Which receivers are Abstrakt clients in a Python file, and which calls on
//! them are SDK calls: the identifier `abstrakt`, `[clients] names`, names
//! bound to `Abstrakt(...)` (the class imported from the `abstrakt` module by
//! name or renamed, or reached through the module: `ab.Abstrakt(...)`) by
//! assignment, walrus or `with ... as`, `self.x` attributes assigned a client
//! (or a client parameter), class attributes, and parameters and variables
//! annotated `Abstrakt` (also `Optional[Abstrakt]`, `Abstrakt | None`,
//! `"Abstrakt"`).

use std::collections::HashSet;

use tree_sitter::Node;

use super::grammar::unwrap_expression;
use crate::extract::eval::preorder;
use crate::extract::{CLIENT_CLASS, Clients, DEFAULT_CLIENT_NAME, ExtractOptions};
use crate::text::SourceText;

/// What one part of a file contributes to client detection, without tree
/// nodes, in the order the walk met it: the incremental cache keeps these
/// per top-level statement and [`resolve`] replays them, in file order, into
/// the file's clients. Order matters: an annotation names the client class
/// only through the aliases imported before it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct ClientBindings {
    events: Vec<Event>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Event {
    /// `from abstrakt import Abstrakt as A`: `A(...)` constructs a client.
    Constructor(String),
    /// A parameter, variable or `self` field (`is_self_field`) annotated with
    /// this text: a client when it names the client class.
    Typed(bool, String, String),
    /// `name = value` / `self.name = value` / walrus / `with value as name`.
    Bound(bool, String, Value),
}

/// A bound value, as far as client detection cares.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Value {
    /// `X(...)`: a client when `X` is the class or an imported alias of it.
    Construct(String),
    /// `module.Abstrakt(...)`.
    QualifiedClass,
    /// A name: a client when it holds one.
    Name(String),
    Other,
}

/// What the walk collects before clients can be decided.
pub(super) struct Scan<'t, 's, S: ?Sized> {
    text: &'s S,
    pub(super) bindings: ClientBindings,
    /// Calls whose callee is an attribute (`a.b(...)`).
    pub(super) calls: Vec<Node<'t>>,
}

impl<'t, 's, S: SourceText + ?Sized> Scan<'t, 's, S> {
    pub(super) fn new(text: &'s S) -> Self {
        Self {
            text,
            bindings: ClientBindings::default(),
            calls: Vec::new(),
        }
    }

    fn text_of(&self, node: Node<'_>) -> String {
        self.text.slice(node.byte_range()).into_owned()
    }

    fn push(&mut self, event: Event) {
        self.bindings.events.push(event);
    }

    /// Records `name = value` (a `self` field when `is_field`), the value
    /// reduced to what deciding clients reads of it.
    fn bound(&mut self, is_field: bool, name: String, value: Node<'_>) {
        let value = unwrap_expression(value);
        let value = match value.kind() {
            "call" => match value.child_by_field_name("function") {
                Some(function) if function.kind() == "identifier" => {
                    Value::Construct(self.text_of(function))
                }
                Some(function)
                    if function.kind() == "attribute"
                        && function
                            .child_by_field_name("attribute")
                            .is_some_and(|a| self.text_of(a) == CLIENT_CLASS) =>
                {
                    Value::QualifiedClass
                }
                _ => Value::Other,
            },
            "identifier" => Value::Name(self.text_of(value)),
            _ => Value::Other,
        };
        self.push(Event::Bound(is_field, name, value));
    }

    pub(super) fn walk(&mut self, root: Node<'t>) {
        let language = root.language();
        let interesting: HashSet<u16> = [
            "call",
            "import_from_statement",
            "assignment",
            "named_expression",
            "with_item",
            "typed_parameter",
            "typed_default_parameter",
        ]
        .iter()
        .map(|kind| language.id_for_node_kind(kind, true))
        .filter(|&id| id != 0)
        .collect();
        preorder(root, |node| {
            if interesting.contains(&node.kind_id()) {
                self.visit(node);
            }
            true
        });
    }

    fn visit(&mut self, node: Node<'t>) {
        match node.kind() {
            "call"
                if node
                    .child_by_field_name("function")
                    .is_some_and(|f| unwrap_expression(f).kind() == "attribute") =>
            {
                self.calls.push(node);
            }
            "import_from_statement" => self.visit_import(node),
            "assignment" => self.visit_assignment(node),
            "named_expression" => {
                if let (Some(name), Some(value)) = (
                    node.child_by_field_name("name"),
                    node.child_by_field_name("value"),
                ) {
                    self.bound(false, self.text_of(name), value);
                }
            }
            // `with Abstrakt() as client:`.
            "with_item" => {
                let Some(pattern) = node.child_by_field_name("value") else {
                    return;
                };
                if pattern.kind() != "as_pattern" {
                    return;
                }
                let value = pattern.named_child(0);
                let alias = pattern
                    .child_by_field_name("alias")
                    .and_then(|a| a.named_child(0))
                    .filter(|a| a.kind() == "identifier");
                if let (Some(value), Some(alias)) = (value, alias) {
                    self.bound(false, self.text_of(alias), value);
                }
            }
            "typed_parameter" | "typed_default_parameter" => {
                let name = node.child_by_field_name("name").or_else(|| {
                    let mut cursor = node.walk();
                    node.named_children(&mut cursor)
                        .find(|c| c.kind() == "identifier")
                });
                if let (Some(name), Some(annotation)) = (name, node.child_by_field_name("type"))
                    && name.kind() == "identifier"
                {
                    let event = Event::Typed(false, self.text_of(name), self.text_of(annotation));
                    self.push(event);
                }
            }
            _ => {}
        }
    }

    /// `from abstrakt import Abstrakt as A` (also from a submodule).
    fn visit_import(&mut self, node: Node<'t>) {
        let Some(module) = node.child_by_field_name("module_name") else {
            return;
        };
        let module = self.text_of(module);
        if module != DEFAULT_CLIENT_NAME && !module.starts_with("abstrakt.") {
            return;
        }
        let mut cursor = node.walk();
        let names: Vec<Node<'t>> = node.children_by_field_name("name", &mut cursor).collect();
        for name in names {
            if name.kind() == "aliased_import"
                && let (Some(original), Some(alias)) = (
                    name.child_by_field_name("name"),
                    name.child_by_field_name("alias"),
                )
                && self.text_of(original) == CLIENT_CLASS
            {
                let alias = self.text_of(alias);
                self.push(Event::Constructor(alias));
            }
        }
    }

    fn visit_assignment(&mut self, node: Node<'t>) {
        let Some(left) = node.child_by_field_name("left") else {
            return;
        };
        let mut value = node.child_by_field_name("right");
        // `a = b = Abstrakt()`: the inner assignment is visited on its own.
        while let Some(inner) = value.filter(|v| v.kind() == "assignment") {
            value = inner.child_by_field_name("right");
        }
        let annotation = node.child_by_field_name("type");
        let target = match left.kind() {
            // A class attribute is reached as `self.name`.
            "identifier" => Some((in_class_body(node), self.text_of(left))),
            "attribute" => {
                let object = left.child_by_field_name("object");
                let attribute = left.child_by_field_name("attribute");
                match (object, attribute) {
                    (Some(object), Some(attribute)) if self.text_of(object) == "self" => {
                        Some((true, self.text_of(attribute)))
                    }
                    _ => None,
                }
            }
            _ => None,
        };
        let Some((is_field, name)) = target else {
            return;
        };
        if let Some(annotation) = annotation {
            let annotation = self.text_of(annotation);
            self.push(Event::Typed(is_field, name.clone(), annotation));
        }
        if let Some(value) = value {
            self.bound(is_field, name, value);
        }
    }
}

/// Whether an annotation names the client class: `Abstrakt`,
/// `abstrakt.Abstrakt`, an imported alias, `"Abstrakt"`,
/// `Optional[Abstrakt]`, `Union[Abstrakt, None]`, `Abstrakt | None`.
fn names_client_type(annotation: &str, constructor_names: &HashSet<String>) -> bool {
    let text = annotation.trim().trim_matches(['"', '\'']);
    let inner = ["Optional[", "typing.Optional[", "Union[", "typing.Union["]
        .iter()
        .find_map(|wrapper| text.strip_prefix(wrapper).and_then(|t| t.strip_suffix(']')));
    let parts: Vec<&str> = match inner {
        Some(inner) => inner.split(',').collect(),
        None => text.split('|').collect(),
    };
    parts.iter().any(|part| {
        let part = part.trim().trim_matches(['"', '\'']);
        let last = part.rsplit('.').next().unwrap_or(part);
        last == CLIENT_CLASS || constructor_names.contains(part)
    })
}

/// Whether a value is a client: `Abstrakt(...)`, `A(...)` for an imported
/// alias, `ab.Abstrakt(...)`, or a name that already holds a client.
fn is_client_value(
    value: &Value,
    constructor_names: &HashSet<String>,
    names: &HashSet<String>,
) -> bool {
    match value {
        Value::Construct(function) => constructor_names.contains(function),
        Value::QualifiedClass => true,
        Value::Name(name) => names.contains(name),
        Value::Other => false,
    }
}

/// The file's clients from its parts' bindings, in file order: the
/// identifier `abstrakt`, `[clients] names`, annotated names and fields,
/// then names and fields bound to a client, repeated until nothing new is
/// learned (`self.client = client` copies one).
pub(super) fn resolve<'b>(
    options: &ExtractOptions,
    parts: impl Iterator<Item = &'b ClientBindings>,
) -> Clients {
    let mut names: HashSet<String> = options.client_names.iter().cloned().collect();
    names.insert(DEFAULT_CLIENT_NAME.to_string());
    let mut self_fields = names.clone();
    let mut constructor_names = HashSet::from([CLIENT_CLASS.to_string()]);
    let mut bound = Vec::new();
    for event in parts.flat_map(|p| &p.events) {
        match event {
            Event::Constructor(alias) => {
                constructor_names.insert(alias.clone());
            }
            Event::Typed(is_field, name, annotation)
                if names_client_type(annotation, &constructor_names) =>
            {
                if *is_field {
                    self_fields.insert(name.clone());
                } else {
                    names.insert(name.clone());
                }
            }
            Event::Typed(..) => {}
            Event::Bound(is_field, name, value) => bound.push((*is_field, name, value)),
        }
    }
    loop {
        let before = names.len() + self_fields.len();
        for (is_field, name, value) in &bound {
            if is_client_value(value, &constructor_names, &names) {
                if *is_field {
                    self_fields.insert(name.to_string());
                } else {
                    names.insert(name.to_string());
                }
            }
        }
        if names.len() + self_fields.len() == before {
            break;
        }
    }
    Clients::from_sets(names, self_fields)
}

/// Whether an assignment is written directly in a class body.
fn in_class_body(assignment: Node<'_>) -> bool {
    assignment
        .parent()
        .filter(|p| p.kind() == "expression_statement")
        .and_then(|p| p.parent())
        .filter(|b| b.kind() == "block")
        .and_then(|b| b.parent())
        .is_some_and(|c| c.kind() == "class_definition")
}
