//! JavaScript/TypeScript as the evaluator sees it: string and template
//! literals, `const`s in scope, members of `const` object literals, both arms
//! of `c ? 'a' : 'b'`, both sides of `??`/`||`; member-chain callees on an
//! identifier or `this`; the model id at a positional argument.

use std::ops::Range;

use tree_sitter::{Language, Node};

use super::literal::static_string;
use crate::extract::eval::{Argument, Grammar, Key, Root, Shape, Step};
use crate::extract::{Clients, SdkMethod};
use crate::text::SourceText;

/// The JavaScript/TypeScript grammar, with the field ids read for every call
/// looked up once per file: `child_by_field_name` compares strings on each
/// use, and a file has thousands of calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct JavaScript {
    function: u16,
    arguments: u16,
    object: u16,
}

impl JavaScript {
    pub(super) fn new(language: &Language) -> Self {
        // 0 is "no field": `child_by_field_id(0)` finds nothing.
        let id = |name: &str| language.field_id_for_name(name).map_or(0, |id| id.get());
        Self {
            function: id("function"),
            arguments: id("arguments"),
            object: id("object"),
        }
    }

    pub(super) fn function(&self) -> u16 {
        self.function
    }
}

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

impl Grammar for JavaScript {
    fn unwrap<'t>(&self, node: Node<'t>) -> Node<'t> {
        unwrap_expression(node)
    }

    fn shape<'t, S: SourceText + ?Sized>(&self, node: Node<'t>, text: &S) -> Shape<'t> {
        match node.kind() {
            "string" | "template_string" => Shape::Literal,
            "ternary_expression" => Shape::Choice([
                node.child_by_field_name("consequence"),
                node.child_by_field_name("alternative"),
            ]),
            "binary_expression" => {
                let operator = node.child_by_field_name("operator").map(|o| o.kind());
                if matches!(operator, Some("??") | Some("||")) {
                    Shape::Choice([
                        node.child_by_field_name("left"),
                        node.child_by_field_name("right"),
                    ])
                } else {
                    Shape::Other
                }
            }
            "identifier" | "shorthand_property_identifier" => Shape::Name,
            "member_expression" | "subscript_expression" => {
                let key = if node.kind() == "member_expression" {
                    node.child_by_field_name("property")
                        .map(|property| text.slice(property.byte_range()).into_owned())
                } else {
                    node.child_by_field_name("index")
                        .and_then(|index| static_string(index, text))
                };
                match (node.child_by_field_name("object"), key) {
                    (Some(object), Some(key)) => Shape::Member {
                        object,
                        // `o.a` is `o['a']`.
                        key: Key::Field(key),
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

    /// The value of `key` in an object literal; a later `...spread` may
    /// override anything before it, a computed key anything at all.
    fn entry<'t, S: SourceText + ?Sized>(
        &self,
        object: Node<'t>,
        key: &Key,
        text: &S,
    ) -> Option<Node<'t>> {
        if object.kind() != "object" {
            return None;
        }
        let key = key.name();
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

    fn is_this(&self, root: &Root) -> bool {
        *root == Root::This
    }

    fn callee<'t>(&self, call: Node<'t>) -> Option<Node<'t>> {
        call.child_by_field_id(self.function).map(unwrap_callee)
    }

    /// Whether a callee chain starts at a client name or at `this` (whose
    /// field the receiver check then reads), without allocating.
    fn may_be_receiver<S: SourceText + ?Sized>(
        &self,
        callee: Node<'_>,
        clients: &Clients,
        text: &S,
    ) -> bool {
        let mut node = unwrap_expression(callee);
        loop {
            match node.kind() {
                "member_expression" | "subscript_expression" => {
                    match node.child_by_field_id(self.object) {
                        Some(object) => node = unwrap_expression(object),
                        None => return false,
                    }
                }
                "identifier" => return clients.is_client(&text.slice(node.byte_range())),
                "this" => return true,
                _ => return false,
            }
        }
    }

    /// Flattens `a.b['c'].d` into its root and `[b, c, d]`.
    fn callee_path<S: SourceText + ?Sized>(
        &self,
        node: Node<'_>,
        text: &S,
    ) -> Option<(Root, Vec<Step>)> {
        // A loop, not recursion: a chain of 100,000 members must not overflow the stack.
        let mut path = Vec::new();
        let mut node = unwrap_expression(node);
        let root = loop {
            match node.kind() {
                "identifier" => break Root::Name(text.slice(node.byte_range()).into_owned()),
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
            node = unwrap_expression(node.child_by_field_id(self.object)?);
        };
        path.reverse();
        Some((root, path))
    }

    /// The positional argument the method names, or the options object
    /// whose property holds the id (comments do not count).
    fn model_argument<'t, S: SourceText + ?Sized>(
        &self,
        call: Node<'t>,
        method: &SdkMethod,
        _text: &S,
    ) -> Option<Argument<'t>> {
        let arguments = call.child_by_field_id(self.arguments)?;
        let mut cursor = arguments.walk();
        let mut arguments = arguments
            .named_children(&mut cursor)
            .filter(|n| n.kind() != "comment");
        match method.object_argument {
            Some(position) => arguments.nth(position).map(Argument::Property),
            None => arguments.nth(method.model_argument?).map(Argument::Value),
        }
    }

    fn argument_range(&self, argument: Node<'_>) -> Range<usize> {
        argument.byte_range()
    }

    fn constructor_callee<'t>(&self, value: Node<'t>) -> Option<Node<'t>> {
        let value = unwrap_expression(value);
        match value.kind() {
            "new_expression" => value
                .child_by_field_name("constructor")
                .map(unwrap_expression),
            "call_expression" => self.callee(value),
            _ => None,
        }
    }

    fn is_plain_container(&self, object: Node<'_>) -> bool {
        let mut cursor = object.walk();
        object.kind() == "object"
            && object
                .named_children(&mut cursor)
                .all(|member| match member.kind() {
                    "pair" => member.child_by_field_name("key").is_some_and(|k| {
                        matches!(k.kind(), "property_identifier" | "string" | "number")
                    }),
                    "shorthand_property_identifier" | "comment" | "method_definition" => true,
                    _ => false,
                })
    }
}
