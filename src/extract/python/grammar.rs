//! Python as the evaluator sees it: string literals (every quote style and
//! prefix, implicit concatenation), constants in scope, `MODELS["hero"]` in
//! a constant dict, `Models.HERO` (and an enum member's `.value`) in a class
//! body, both arms of `a if c else b`, both sides of `x or "default"`;
//! attribute-chain callees; the model id at a position or a keyword.

use std::ops::Range;

use tree_sitter::Node;

use super::literal::static_string;
use crate::extract::SdkMethod;
use crate::extract::eval::{Argument, Grammar, Key, Root, Shape, Step};
use crate::text::SourceText;

/// The Python grammar.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Python;

/// Strips wrappers that do not change which value an expression denotes.
pub(super) fn unwrap_expression(mut node: Node<'_>) -> Node<'_> {
    loop {
        let inner = match node.kind() {
            "parenthesized_expression" | "await" => {
                let mut cursor = node.walk();
                node.named_children(&mut cursor)
                    .find(|c| c.kind() != "comment")
            }
            _ => None,
        };
        match inner {
            Some(inner) => node = inner,
            None => return node,
        }
    }
}

impl Grammar for Python {
    fn unwrap<'t>(&self, node: Node<'t>) -> Node<'t> {
        unwrap_expression(node)
    }

    fn shape<'t, S: SourceText + ?Sized>(&self, node: Node<'t>, text: &S) -> Shape<'t> {
        match node.kind() {
            "string" | "concatenated_string" => Shape::Literal,
            // `a if c else b`: the children are value, condition, value.
            "conditional_expression" => {
                let mut cursor = node.walk();
                let parts: Vec<Node<'t>> = node
                    .named_children(&mut cursor)
                    .filter(|c| c.kind() != "comment")
                    .collect();
                match parts.as_slice() {
                    [value, _, alternative] => Shape::Choice([Some(*value), Some(*alternative)]),
                    _ => Shape::Other,
                }
            }
            "boolean_operator"
                if node.child_by_field_name("operator").map(|o| o.kind()) == Some("or") =>
            {
                Shape::Choice([
                    node.child_by_field_name("left"),
                    node.child_by_field_name("right"),
                ])
            }
            "identifier" => Shape::Name,
            "attribute" => {
                let object = node.child_by_field_name("object");
                let name = node
                    .child_by_field_name("attribute")
                    .map(|a| text.slice(a.byte_range()).into_owned());
                match (object, name) {
                    (Some(object), Some(name)) => Shape::Member {
                        object,
                        // `Models.HERO.value` on an enum member is the member's value.
                        or_object: name == "value",
                        key: Key::Field(name),
                    },
                    _ => Shape::Other,
                }
            }
            "subscript" => {
                let object = node.child_by_field_name("value");
                let key = node
                    .child_by_field_name("subscript")
                    .and_then(|k| static_string(unwrap_expression(k), text));
                match (object, key) {
                    (Some(object), Some(key)) => Shape::Member {
                        object,
                        key: Key::Index(key),
                        or_object: false,
                    },
                    _ => Shape::Other,
                }
            }
            _ => Shape::Other,
        }
    }

    fn string<S: SourceText + ?Sized>(&self, node: Node<'_>, text: &S) -> Option<String> {
        static_string(node, text)
    }

    /// `d["key"]` in a dict display, `C.name` in a class body.
    fn entry<'t, S: SourceText + ?Sized>(
        &self,
        container: Node<'t>,
        key: &Key,
        text: &S,
    ) -> Option<Node<'t>> {
        match (container.kind(), key) {
            ("dictionary", Key::Index(key)) => dict_entry(container, key, text),
            ("class_definition", Key::Field(name)) => class_member(container, name, text),
            _ => None,
        }
    }

    fn is_this(&self, root: &Root) -> bool {
        matches!(root, Root::Name(name) if name == "self")
    }

    fn callee<'t>(&self, call: Node<'t>) -> Option<Node<'t>> {
        call.child_by_field_name("function").map(unwrap_expression)
    }

    /// Flattens `a.b.c` into its root name and `[b, c]`. A loop, not
    /// recursion: a generated file may chain thousands of attributes.
    fn callee_path<S: SourceText + ?Sized>(
        &self,
        node: Node<'_>,
        text: &S,
    ) -> Option<(Root, Vec<Step>)> {
        let mut path = Vec::new();
        let mut node = unwrap_expression(node);
        while node.kind() == "attribute" {
            let attribute = node.child_by_field_name("attribute")?;
            path.push((
                text.slice(attribute.byte_range()).into_owned(),
                attribute.byte_range(),
            ));
            node = unwrap_expression(node.child_by_field_name("object")?);
        }
        if node.kind() != "identifier" {
            return None;
        }
        path.reverse();
        Some((Root::Name(text.slice(node.byte_range()).into_owned()), path))
    }

    /// The positional argument the table names, else a keyword the method
    /// takes; an unpacking in the way makes it unknowable.
    fn model_argument<'t, S: SourceText + ?Sized>(
        &self,
        call: Node<'t>,
        method: &SdkMethod,
        text: &S,
    ) -> Option<Argument<'t>> {
        let arguments = call.child_by_field_name("arguments")?;
        if arguments.kind() != "argument_list" {
            return None;
        }
        let mut cursor = arguments.walk();
        let all: Vec<Node<'t>> = arguments
            .named_children(&mut cursor)
            .filter(|n| n.kind() != "comment")
            .collect();
        let mut position = 0;
        for argument in &all {
            match argument.kind() {
                "keyword_argument" | "dictionary_splat" => {}
                "list_splat" => return Some(Argument::Unpacked(*argument)),
                _ if Some(position) == method.model_argument => {
                    return Some(Argument::Value(*argument));
                }
                _ => position += 1,
            }
        }
        for argument in &all {
            if argument.kind() == "keyword_argument"
                && let Some(name) = argument.child_by_field_name("name")
                && method
                    .keywords
                    .contains(&text.slice(name.byte_range()).as_ref())
            {
                return argument.child_by_field_name("value").map(Argument::Value);
            }
        }
        all.iter()
            .find(|a| a.kind() == "dictionary_splat")
            .map(|a| Argument::Unpacked(*a))
    }

    fn argument_range(&self, argument: Node<'_>) -> Range<usize> {
        unwrap_expression(argument).byte_range()
    }

    fn constructor_callee<'t>(&self, value: Node<'t>) -> Option<Node<'t>> {
        let value = unwrap_expression(value);
        match value.kind() {
            "call" => self.callee(value),
            _ => None,
        }
    }

    fn is_plain_container(&self, dict: Node<'_>) -> bool {
        let mut cursor = dict.walk();
        dict.kind() == "dictionary"
            && dict
                .named_children(&mut cursor)
                .all(|entry| matches!(entry.kind(), "pair" | "comment"))
    }
}

/// The value of `name = ...` written once directly in a class body.
fn class_member<'t, S: SourceText + ?Sized>(
    class: Node<'t>,
    name: &str,
    text: &S,
) -> Option<Node<'t>> {
    let body = class.child_by_field_name("body")?;
    let mut found = None;
    let mut cursor = body.walk();
    for statement in body.named_children(&mut cursor) {
        let Some(assignment) = statement
            .named_child(0)
            .filter(|_| statement.kind() == "expression_statement")
        else {
            continue;
        };
        if assignment.kind() != "assignment" {
            continue;
        }
        let Some(left) = assignment.child_by_field_name("left") else {
            continue;
        };
        if left.kind() == "identifier" && text.slice(left.byte_range()) == name {
            if found.is_some() {
                return None;
            }
            found = Some(assignment.child_by_field_name("right")?);
        }
    }
    found
}

/// The value under a string `key` in a dict display; `**other` may override
/// anything before it.
fn dict_entry<'t, S: SourceText + ?Sized>(dict: Node<'t>, key: &str, text: &S) -> Option<Node<'t>> {
    let mut found = None;
    let mut cursor = dict.walk();
    for entry in dict.named_children(&mut cursor) {
        match entry.kind() {
            "pair" => {
                let Some(k) = entry.child_by_field_name("key") else {
                    continue;
                };
                match static_string(unwrap_expression(k), text) {
                    Some(name) if name == key => found = entry.child_by_field_name("value"),
                    Some(_) => {}
                    // A computed key could be anything.
                    None if matches!(k.kind(), "integer" | "float" | "true" | "false" | "none") => {
                    }
                    None => return None,
                }
            }
            "dictionary_splat" => found = None,
            _ => {}
        }
    }
    found
}
