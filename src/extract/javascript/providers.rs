//! What a JavaScript/TypeScript file binds to provider SDKs: default,
//! named and namespace imports and `require`s of an SDK package, names and
//! `this` fields assigned a client (`const openai = new OpenAI()`,
//! `const fal = createFalClient()`), and every call, for the shared
//! evaluator to classify against `data/providers.toml`.

use tree_sitter::Node;

use super::grammar::{JavaScript, unwrap_expression};
use super::literal::static_string;
use crate::extract::eval::{bind_clients, preorder};
use crate::extract::providers::{Denotes, Receivers, SdkLanguage, is_sdk_path};
use crate::text::SourceText;

/// The receivers a file binds, and its calls.
pub(super) struct ProviderScan<'t> {
    pub(super) receivers: Receivers,
    pub(super) calls: Vec<Node<'t>>,
}

pub(super) fn scan<'t, S: SourceText + ?Sized>(
    root: Node<'t>,
    grammar: &JavaScript,
    text: &S,
) -> ProviderScan<'t> {
    let mut receivers = Receivers::default();
    let mut bound: Bound<'t> = Vec::new();
    let mut calls = Vec::new();
    let name_of = |node: Node<'_>| text.slice(node.byte_range()).into_owned();
    preorder(root, |node| {
        match node.kind() {
            "call_expression" => calls.push(node),
            "import_statement" => {
                if let Some(source) = node
                    .child_by_field_name("source")
                    .and_then(|s| static_string(s, text))
                    .filter(|s| is_sdk_path(&[s.as_str()], SdkLanguage::Javascript))
                {
                    import_clause(node, &source, text, &mut receivers);
                }
                return false;
            }
            "variable_declarator" => declarator(node, text, &mut receivers, &mut bound),
            "assignment_expression" => assignment(node, text, &mut bound),
            "field_definition" | "public_field_definition" => {
                let name = node
                    .child_by_field_name("property")
                    .or_else(|| node.child_by_field_name("name"));
                if let (Some(name), Some(value)) = (name, node.child_by_field_name("value")) {
                    bound.push((true, name_of(name), value));
                }
            }
            _ => {}
        }
        true
    });
    if !receivers.is_empty() {
        bind_clients(
            grammar,
            &mut receivers,
            &bound,
            SdkLanguage::Javascript,
            text,
        );
    }
    ProviderScan { receivers, calls }
}

/// Values bound to names or `this` fields, `(is_this_field, name, value)`,
/// resolved to clients after the walk.
type Bound<'t> = Vec<(bool, String, Node<'t>)>;

/// `const x = require("sdk")` (or destructured) names an SDK; `const x =
/// value` binds a value that may be a client.
fn declarator<'t, S: SourceText + ?Sized>(
    node: Node<'t>,
    text: &S,
    receivers: &mut Receivers,
    bound: &mut Bound<'t>,
) {
    let (Some(name), Some(value)) = (
        node.child_by_field_name("name"),
        node.child_by_field_name("value"),
    ) else {
        return;
    };
    let name_of = |node: Node<'_>| text.slice(node.byte_range()).into_owned();
    if let Some(path) = required(value, text) {
        match name.kind() {
            "identifier" => {
                receivers.names.insert(name_of(name), Denotes::Path(path));
            }
            "object_pattern" => destructured(name, &path, text, receivers),
            _ => {}
        }
    } else if name.kind() == "identifier" {
        bound.push((false, name_of(name), value));
    }
}

/// `x = value` and `this.x = value`.
fn assignment<'t, S: SourceText + ?Sized>(node: Node<'t>, text: &S, bound: &mut Bound<'t>) {
    let (Some(left), Some(right)) = (
        node.child_by_field_name("left"),
        node.child_by_field_name("right"),
    ) else {
        return;
    };
    let name_of = |node: Node<'_>| text.slice(node.byte_range()).into_owned();
    match left.kind() {
        "identifier" => bound.push((false, name_of(left), right)),
        "member_expression" => {
            if let (Some(object), Some(property)) = (
                left.child_by_field_name("object"),
                left.child_by_field_name("property"),
            ) && object.kind() == "this"
            {
                bound.push((true, name_of(property), right));
            }
        }
        _ => {}
    }
}

/// `import X from 'sdk'`, `import * as X from 'sdk'`, `import { a as b } from 'sdk'`.
fn import_clause<S: SourceText + ?Sized>(
    statement: Node<'_>,
    source: &str,
    text: &S,
    receivers: &mut Receivers,
) {
    let name_of = |node: Node<'_>| text.slice(node.byte_range()).into_owned();
    let mut stack = vec![statement];
    while let Some(node) = stack.pop() {
        match node.kind() {
            "import_clause" => {
                let mut cursor = node.walk();
                for child in node.named_children(&mut cursor) {
                    if child.kind() == "identifier" {
                        receivers.names.insert(
                            name_of(child),
                            Denotes::Path(vec![source.to_string(), "default".to_string()]),
                        );
                    } else {
                        stack.push(child);
                    }
                }
                continue;
            }
            "namespace_import" => {
                let mut cursor = node.walk();
                if let Some(local) = node
                    .named_children(&mut cursor)
                    .find(|c| c.kind() == "identifier")
                {
                    receivers
                        .names
                        .insert(name_of(local), Denotes::Path(vec![source.to_string()]));
                }
                continue;
            }
            "import_specifier" => {
                let name = node.child_by_field_name("name");
                let local = node.child_by_field_name("alias").or(name);
                if let (Some(name), Some(local)) = (name, local) {
                    let imported = static_string(name, text).unwrap_or_else(|| name_of(name));
                    receivers.names.insert(
                        name_of(local),
                        Denotes::Path(vec![source.to_string(), imported]),
                    );
                }
                continue;
            }
            _ => {}
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
}

/// `require('sdk')` (the module) or `require('sdk').X`, for an SDK package.
fn required<S: SourceText + ?Sized>(value: Node<'_>, text: &S) -> Option<Vec<String>> {
    let mut value = unwrap_expression(value);
    let mut member = None;
    if value.kind() == "member_expression" {
        member = value
            .child_by_field_name("property")
            .map(|p| text.slice(p.byte_range()).into_owned());
        value = unwrap_expression(value.child_by_field_name("object")?);
    }
    if value.kind() != "call_expression" {
        return None;
    }
    let callee = value.child_by_field_name("function")?;
    if callee.kind() != "identifier" || text.slice(callee.byte_range()) != "require" {
        return None;
    }
    let arguments = value.child_by_field_name("arguments")?;
    let source = static_string(arguments.named_child(0)?, text)?;
    if !is_sdk_path(&[source.as_str()], SdkLanguage::Javascript) {
        return None;
    }
    Some(std::iter::once(source).chain(member).collect())
}

/// `const { fal, createFalClient: make } = require('@fal-ai/client')`.
fn destructured<S: SourceText + ?Sized>(
    pattern: Node<'_>,
    path: &[String],
    text: &S,
    receivers: &mut Receivers,
) {
    let name_of = |node: Node<'_>| text.slice(node.byte_range()).into_owned();
    let mut cursor = pattern.walk();
    for entry in pattern.named_children(&mut cursor) {
        let (key, local) = match entry.kind() {
            "shorthand_property_identifier_pattern" => (name_of(entry), entry),
            "pair_pattern" => match (
                entry.child_by_field_name("key"),
                entry.child_by_field_name("value"),
            ) {
                (Some(key), Some(local)) if local.kind() == "identifier" => (name_of(key), local),
                _ => continue,
            },
            _ => continue,
        };
        let full = path.iter().cloned().chain(std::iter::once(key)).collect();
        receivers.names.insert(name_of(local), Denotes::Path(full));
    }
}
