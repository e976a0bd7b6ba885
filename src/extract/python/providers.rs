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
    let mut scanner = Scanner {
        text,
        receivers: Receivers::default(),
        bound: Vec::new(),
        calls: Vec::new(),
    };
    preorder(root, |node| {
        match node.kind() {
            "call" => scanner.calls.push(node),
            "import_statement" => scanner.import(node),
            "import_from_statement" => scanner.import_from(node),
            "assignment" => scanner.assignment(node),
            "with_item" => scanner.with_item(node),
            _ => {}
        }
        true
    });
    let Scanner {
        mut receivers,
        bound,
        calls,
        ..
    } = scanner;
    if !receivers.is_empty() {
        bind_clients(&Python, &mut receivers, &bound, SdkLanguage::Python, text);
    }
    ProviderScan { receivers, calls }
}

/// One walk's findings so far: SDK names imported, values bound to names or
/// `self` attributes (`(is_self_attribute, name, value)`, resolved to
/// clients after the walk), and calls.
struct Scanner<'t, 's, S: ?Sized> {
    text: &'s S,
    receivers: Receivers,
    bound: Vec<(bool, String, Node<'t>)>,
    calls: Vec<Node<'t>>,
}

impl<'t, S: SourceText + ?Sized> Scanner<'t, '_, S> {
    fn name_of(&self, node: Node<'_>) -> String {
        self.text.slice(node.byte_range()).into_owned()
    }

    /// `a.b.c` as its identifiers.
    fn dotted(&self, node: Node<'_>) -> Vec<String> {
        let mut cursor = node.walk();
        node.named_children(&mut cursor)
            .filter(|c| c.kind() == "identifier")
            .map(|c| self.name_of(c))
            .collect()
    }

    /// `import a.b` and `import a.b as c`, when the path is an SDK's.
    fn import(&mut self, node: Node<'t>) {
        let mut cursor = node.walk();
        for name in node.children_by_field_name("name", &mut cursor) {
            let (path, local) = match name.kind() {
                "aliased_import" => {
                    let path = name.child_by_field_name("name").map(|n| self.dotted(n));
                    let alias = name.child_by_field_name("alias").map(|n| self.name_of(n));
                    match (path, alias) {
                        (Some(path), Some(alias)) => (path, alias),
                        _ => continue,
                    }
                }
                // `import a.b` binds `a`, which leads to `a.b`.
                "dotted_name" => {
                    let path = self.dotted(name);
                    let Some(first) = path.first().cloned() else {
                        continue;
                    };
                    if !is_sdk_path(&as_strs(&path), SdkLanguage::Python) {
                        continue;
                    }
                    self.receivers
                        .names
                        .insert(first.clone(), Denotes::Path(vec![first]));
                    continue;
                }
                _ => continue,
            };
            if is_sdk_path(&as_strs(&path), SdkLanguage::Python) {
                self.receivers.names.insert(local, Denotes::Path(path));
            }
        }
    }

    /// `from a import b` and `from a import b as c`, when `a.b` is an SDK's.
    fn import_from(&mut self, node: Node<'t>) {
        let Some(module) = node
            .child_by_field_name("module_name")
            .filter(|m| m.kind() == "dotted_name")
        else {
            return;
        };
        let module = self.dotted(module);
        let mut cursor = node.walk();
        for name in node.children_by_field_name("name", &mut cursor) {
            let (imported, local) = match name.kind() {
                "aliased_import" => (
                    name.child_by_field_name("name").map(|n| self.dotted(n)),
                    name.child_by_field_name("alias").map(|n| self.name_of(n)),
                ),
                "dotted_name" => {
                    let path = self.dotted(name);
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
                self.receivers.names.insert(local, Denotes::Path(path));
            }
        }
    }

    /// `name = value` and `self.name = value` (the innermost value of a
    /// chain `a = b = value`).
    fn assignment(&mut self, node: Node<'t>) {
        let left = node.child_by_field_name("left");
        let mut value = node.child_by_field_name("right");
        while let Some(inner) = value.filter(|v| v.kind() == "assignment") {
            value = inner.child_by_field_name("right");
        }
        let (Some(left), Some(value)) = (left, value) else {
            return;
        };
        match left.kind() {
            "identifier" => self.bound.push((false, self.name_of(left), value)),
            "attribute" => {
                let object = left.child_by_field_name("object");
                let attribute = left.child_by_field_name("attribute");
                if let (Some(object), Some(attribute)) = (object, attribute)
                    && self.text.slice(object.byte_range()) == "self"
                {
                    self.bound.push((true, self.name_of(attribute), value));
                }
            }
            _ => {}
        }
    }

    /// `with value as name`.
    fn with_item(&mut self, node: Node<'t>) {
        if let Some(pattern) = node
            .child_by_field_name("value")
            .filter(|p| p.kind() == "as_pattern")
            && let Some(value) = pattern.named_child(0)
            && let Some(alias) = pattern
                .child_by_field_name("alias")
                .and_then(|a| a.named_child(0))
                .filter(|a| a.kind() == "identifier")
        {
            self.bound.push((false, self.name_of(alias), value));
        }
    }
}

fn as_strs(path: &[String]) -> Vec<&str> {
    path.iter().map(String::as_str).collect()
}
