//! The value of a model-id argument in Python: string literals (every quote
//! style and prefix, implicit concatenation), constants in scope (following a
//! short chain), `MODELS["hero"]` in a constant dict, `Models.HERO` (and an
//! enum member's `.value`) in a class body, both arms of `a if c else b`, both
//! sides of `x or "default"`. Anything else is a dynamic id (DESIGN.md §3).

use std::ops::Range;

use tree_sitter::Node;

use super::literal::static_string;
use super::scopes::{Binding, Scopes};
use crate::extract::Target;
use crate::text::SourceText;

/// How deep constant chains are followed before an id counts as dynamic.
const MAX_BINDING_DEPTH: usize = 8;

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

/// Evaluates a model-id expression into targets; `anchor` is the call-site
/// range once a binding has been followed.
pub(super) fn evaluate<'t, S: SourceText + ?Sized>(
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
        let expression = crate::extract::literal::text_prefix(text, node.byte_range(), 80);
        out.push(Target::Dynamic {
            range: range.clone(),
            expression,
        });
    };
    if depth > MAX_BINDING_DEPTH {
        return dynamic(out);
    }
    match node.kind() {
        "string" | "concatenated_string" => match static_string(node, text) {
            Some(id) => out.push(Target::Static { id, range }),
            None => dynamic(out),
        },
        // `a if c else b`: the children are value, condition, value.
        "conditional_expression" => {
            let mut cursor = node.walk();
            let parts: Vec<Node<'t>> = node
                .named_children(&mut cursor)
                .filter(|c| c.kind() != "comment")
                .collect();
            if parts.len() != 3 {
                return dynamic(out);
            }
            for arm in [parts[0], parts[2]] {
                evaluate(arm, text, depth + 1, anchor, scopes, out);
            }
        }
        "boolean_operator" => {
            let operator = node.child_by_field_name("operator").map(|o| o.kind());
            if operator != Some("or") {
                return dynamic(out);
            }
            for field in ["left", "right"] {
                match node.child_by_field_name(field) {
                    Some(side) => evaluate(side, text, depth + 1, anchor, scopes, out),
                    None => dynamic(out),
                }
            }
        }
        "identifier" | "attribute" | "subscript" => {
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

/// The expression a constant name, dict entry or class attribute is bound to.
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
        "identifier" => match scopes.lookup(node, &text.slice(node.byte_range()), text)? {
            Binding::Const(value) => Some(value),
            _ => None,
        },
        "attribute" => {
            let object = node.child_by_field_name("object")?;
            let name = text.slice(node.child_by_field_name("attribute")?.byte_range());
            if let Some(class) = resolve_class(object, text, scopes) {
                return class_member(class, &name, text);
            }
            // `Models.HERO.value` on an enum member is the member's value.
            if name == "value" {
                return resolve_value(object, text, depth + 1, scopes);
            }
            None
        }
        "subscript" => {
            let key_node = node.child_by_field_name("subscript")?;
            let key = static_string(unwrap_expression(key_node), text)?;
            let mut container = unwrap_expression(resolve_value(
                node.child_by_field_name("value")?,
                text,
                depth + 1,
                scopes,
            )?);
            let mut hops = 0;
            while matches!(container.kind(), "identifier" | "attribute" | "subscript") {
                hops += 1;
                if hops > MAX_BINDING_DEPTH {
                    return None;
                }
                container =
                    unwrap_expression(resolve_value(container, text, depth + hops, scopes)?);
            }
            dict_entry(container, &key, text)
        }
        _ => None,
    }
}

/// The class a name is bound to (`Models` in `Models.HERO`).
fn resolve_class<'t, S: SourceText + ?Sized>(
    object: Node<'t>,
    text: &S,
    scopes: &mut Scopes<'t>,
) -> Option<Node<'t>> {
    let object = unwrap_expression(object);
    if object.kind() != "identifier" {
        return None;
    }
    match scopes.lookup(object, &text.slice(object.byte_range()), text)? {
        Binding::Class(class) => Some(class),
        _ => None,
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
    if dict.kind() != "dictionary" {
        return None;
    }
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
