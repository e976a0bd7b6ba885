//! What a Python file binds to provider SDKs: `import fal_client`,
//! `import google.genai as genai`, `from openai import OpenAI`, names and
//! `self` attributes assigned a client (`client = OpenAI()`,
//! `with replicate.Client() as c`), and every call, for the shared
//! evaluator to classify against `data/providers.toml`.

use tree_sitter::Node;

use super::grammar::Python;
use crate::extract::eval::{bind_clients, preorder};
use crate::extract::providers::{Denotes, Receivers, SdkLanguage, is_sdk_path};
use crate::text::SourceText;

/// The receivers a file binds, and its calls.
pub(super) struct ProviderScan<'t> {
    pub(super) receivers: Receivers,
    pub(super) calls: Vec<Node<'t>>,
}

pub(super) fn scan<'t, S: SourceText + ?Sized>(root: Node<'t>, text: &S) -> ProviderScan<'t> {
    let mut receivers = Receivers::default();
    let mut bound: Vec<(bool, String, Node<'t>)> = Vec::new();
    let mut calls = Vec::new();
    let name_of = |node: Node<'_>| text.slice(node.byte_range()).into_owned();
    let dotted = |node: Node<'_>| -> Vec<String> {
        let mut cursor = node.walk();
        node.named_children(&mut cursor)
            .filter(|c| c.kind() == "identifier")
            .map(name_of)
            .collect()
    };
    preorder(root, |node| {
        match node.kind() {
            "call" => calls.push(node),
            "import_statement" => {
                let mut cursor = node.walk();
                for name in node.children_by_field_name("name", &mut cursor) {
                    let (path, local) = match name.kind() {
                        "aliased_import" => {
                            let path = name.child_by_field_name("name").map(dotted);
                            let alias = name.child_by_field_name("alias").map(name_of);
                            match (path, alias) {
                                (Some(path), Some(alias)) => (path, alias),
                                _ => continue,
                            }
                        }
                        // `import a.b` binds `a`, which leads to `a.b`.
                        "dotted_name" => {
                            let path = dotted(name);
                            let Some(first) = path.first().cloned() else {
                                continue;
                            };
                            if !is_sdk_path(&as_strs(&path), SdkLanguage::Python) {
                                continue;
                            }
                            receivers
                                .names
                                .insert(first.clone(), Denotes::Path(vec![first]));
                            continue;
                        }
                        _ => continue,
                    };
                    if is_sdk_path(&as_strs(&path), SdkLanguage::Python) {
                        receivers.names.insert(local, Denotes::Path(path));
                    }
                }
            }
            "import_from_statement" => {
                let Some(module) = node
                    .child_by_field_name("module_name")
                    .filter(|m| m.kind() == "dotted_name")
                else {
                    return true;
                };
                let module = dotted(module);
                let mut cursor = node.walk();
                for name in node.children_by_field_name("name", &mut cursor) {
                    let (imported, local) = match name.kind() {
                        "aliased_import" => (
                            name.child_by_field_name("name").map(dotted),
                            name.child_by_field_name("alias").map(name_of),
                        ),
                        "dotted_name" => {
                            let path = dotted(name);
                            let local = path.last().cloned();
                            (Some(path), local)
                        }
                        _ => (None, None),
                    };
                    let (Some(imported), Some(local)) = (imported, local) else {
                        continue;
                    };
                    let path: Vec<String> = module.iter().cloned().chain(imported).collect();
                    if is_sdk_path(&as_strs(&path), SdkLanguage::Python) {
                        receivers.names.insert(local, Denotes::Path(path));
                    }
                }
            }
            "assignment" => {
                let left = node.child_by_field_name("left");
                let mut value = node.child_by_field_name("right");
                while let Some(inner) = value.filter(|v| v.kind() == "assignment") {
                    value = inner.child_by_field_name("right");
                }
                if let (Some(left), Some(value)) = (left, value) {
                    match left.kind() {
                        "identifier" => bound.push((false, name_of(left), value)),
                        "attribute" => {
                            let object = left.child_by_field_name("object");
                            let attribute = left.child_by_field_name("attribute");
                            if let (Some(object), Some(attribute)) = (object, attribute)
                                && text.slice(object.byte_range()) == "self"
                            {
                                bound.push((true, name_of(attribute), value));
                            }
                        }
                        _ => {}
                    }
                }
            }
            "with_item" => {
                if let Some(pattern) = node
                    .child_by_field_name("value")
                    .filter(|p| p.kind() == "as_pattern")
                    && let Some(value) = pattern.named_child(0)
                    && let Some(alias) = pattern
                        .child_by_field_name("alias")
                        .and_then(|a| a.named_child(0))
                        .filter(|a| a.kind() == "identifier")
                {
                    bound.push((false, name_of(alias), value));
                }
            }
            _ => {}
        }
        true
    });
    if !receivers.is_empty() {
        bind_clients(&Python, &mut receivers, &bound, SdkLanguage::Python, text);
    }
    ProviderScan { receivers, calls }
}

fn as_strs(path: &[String]) -> Vec<&str> {
    path.iter().map(String::as_str).collect()
}
