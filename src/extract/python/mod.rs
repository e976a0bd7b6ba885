//! The Python front end: SDK calls on Abstrakt clients in `.py`/`.pyi` files,
//! producing the same [`ModelUse`]s as the JavaScript front end.
//!
//! - [`clients`]: which receivers are clients (one walk collects bindings and
//!   calls whose callee is an attribute);
//! - [`value`]: what the model-id argument evaluates to;
//! - [`scopes`]: which value a name stands for under Python's scoping;
//! - [`literal`]: decoding string literals.
//!
//! Abstrakt documents only the Python client's construction
//! (`Abstrakt(api_key=...)`); its methods are taken to mirror the JS SDK, so
//! the one [`SDK_METHODS`] table serves both. The model id is the positional
//! argument the table names, else a keyword from [`SdkMethod::keywords`].

use tree_sitter::{Node, Tree};

use super::{Clients, ExtractOptions, ModelUse, SdkMethod, Target};
use crate::text::SourceText;

mod clients;
mod literal;
mod scopes;
mod value;

use clients::Scan;
use scopes::Scopes;
use value::{evaluate, unwrap_expression};

/// Every model reference in a parsed Python file.
pub(super) fn extract<S: SourceText + ?Sized>(
    tree: &Tree,
    text: &S,
    options: &ExtractOptions,
) -> Vec<ModelUse> {
    let mut scan = Scan::new(text, options);
    scan.walk(tree.root_node());
    let clients = scan.clients();
    let mut scopes = Scopes::new(tree.root_node());
    scan.calls
        .iter()
        .filter_map(|call| model_use(&clients, *call, text, &mut scopes))
        .collect()
}

/// Who counts as a client in a parsed Python file.
pub(super) fn clients<S: SourceText + ?Sized>(
    tree: &Tree,
    text: &S,
    options: &ExtractOptions,
) -> Clients {
    let mut scan = Scan::new(text, options);
    scan.walk(tree.root_node());
    scan.clients()
}

fn model_use<'t, S: SourceText + ?Sized>(
    clients: &Clients,
    call: Node<'t>,
    text: &S,
    scopes: &mut Scopes<'t>,
) -> Option<ModelUse> {
    let function = unwrap_expression(call.child_by_field_name("function")?);
    let (root, mut path) = attribute_path(function, text)?;
    let receiver_len = if clients.is_client(&root) {
        0
    } else if root == "self"
        && path
            .first()
            .is_some_and(|(f, _)| clients.is_client_field(f))
    {
        1
    } else {
        return None;
    };
    let method_path: Vec<&str> = path[receiver_len..]
        .iter()
        .map(|(name, _)| name.as_str())
        .collect();
    let method = super::sdk_method(&method_path)?;
    let method_range = path.pop()?.1;
    let arguments = call.child_by_field_name("arguments")?;
    if arguments.kind() != "argument_list" {
        return None;
    }
    let argument = model_argument(arguments, method, text)?;
    let mut targets = Vec::new();
    match argument {
        Argument::Value(node) => evaluate(node, text, 0, None, scopes, &mut targets),
        Argument::Unpacked(node) => targets.push(Target::Dynamic {
            range: node.byte_range(),
            expression: crate::extract::literal::text_prefix(text, node.byte_range(), 80),
        }),
    }
    let argument_range = match argument {
        Argument::Value(node) | Argument::Unpacked(node) => unwrap_expression(node).byte_range(),
    };
    Some(ModelUse {
        method,
        method_range,
        call_range: call.byte_range(),
        argument_range,
        targets,
    })
}

#[derive(Clone, Copy)]
enum Argument<'t> {
    /// The expression passed as the model id.
    Value(Node<'t>),
    /// `*args` / `**kwargs` that may hold it.
    Unpacked(Node<'t>),
}

/// The model-id argument: the positional one the table names, else a keyword
/// the method takes; an unpacking in the way makes it unknowable.
fn model_argument<'t, S: SourceText + ?Sized>(
    arguments: Node<'t>,
    method: &SdkMethod,
    text: &S,
) -> Option<Argument<'t>> {
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
            _ if position == method.model_argument => return Some(Argument::Value(*argument)),
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

/// One step of an attribute chain: the name and where it is written.
type Step = (String, std::ops::Range<usize>);

/// Flattens `a.b.c` into its root name and `[("b", range), ("c", range)]`.
/// A loop, not recursion: a generated file may chain thousands of attributes.
fn attribute_path<S: SourceText + ?Sized>(node: Node<'_>, text: &S) -> Option<(String, Vec<Step>)> {
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
    Some((text.slice(node.byte_range()).into_owned(), path))
}

#[cfg(test)]
mod tests;
