//! The value of a model-id argument in JavaScript/TypeScript: string and
//! template literals, `const`s in scope (following a short chain), members of
//! `const` object literals, both arms of `c ? 'a' : 'b'`, both sides of
//! `??`/`||`. Anything else is a dynamic id, reported as such (DESIGN.md §3).

use std::ops::Range;

use tree_sitter::Node;

use super::Target;
use super::literal::static_string;
use super::scopes::{Scopes, lookup_const};
use crate::text::SourceText;

/// How deep `const` chains are followed before an id counts as dynamic.
const MAX_BINDING_DEPTH: usize = 8;

/// Strips wrappers that do not change which value an expression denotes.
pub(super) fn unwrap_expression(mut node: Node<'_>) -> Node<'_> {
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
pub(super) fn unwrap_callee(node: Node<'_>) -> Node<'_> {
    let node = unwrap_expression(node);
    if node.kind() == "unary_expression"
        && let Some(argument) = node.child_by_field_name("argument")
    {
        return unwrap_expression(argument);
    }
    node
}

/// Evaluates a model-id expression into targets. `anchor` is the call-site
/// range once a binding has been followed: findings point at the code the
/// developer wrote at the call, not at a constant elsewhere.
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
