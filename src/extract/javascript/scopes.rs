//! Which `const` a name refers to in JavaScript/TypeScript: per-block
//! declaration tables and the chain of enclosing scopes, so that a `let`, a
//! parameter or any other binding in between shadows an outer `const`.

use std::collections::HashMap;

use tree_sitter::Node;

use crate::extract::eval::{Binding, Bindings, ancestors};
use crate::text::SourceText;

/// How a block binds a name.
#[derive(Clone, Copy)]
enum Declared<'t> {
    /// `const name = value`.
    Const(Node<'t>),
    /// Any other binding (`let`, `var`, function, class, import, destructuring).
    Other,
}

/// The names each block declares, built once per block per extraction so that
/// resolving many ids in a large file stays linear.
pub(super) struct Scopes<'t> {
    root: Node<'t>,
    blocks: HashMap<usize, HashMap<String, Declared<'t>>>,
}

impl<'t> Scopes<'t> {
    pub(super) fn new(root: Node<'t>) -> Self {
        Self {
            root,
            blocks: HashMap::new(),
        }
    }

    fn declarations<S: SourceText + ?Sized>(
        &mut self,
        block: Node<'t>,
        text: &S,
    ) -> &HashMap<String, Declared<'t>> {
        self.blocks.entry(block.id()).or_insert_with(|| {
            let mut table = HashMap::new();
            let mut cursor = block.walk();
            for statement in block.named_children(&mut cursor) {
                declare_all(statement, text, &mut table);
            }
            table
        })
    }
}

impl<'t> Bindings<'t> for Scopes<'t> {
    /// JavaScript binds names to constants or to nothing we can follow.
    fn lookup<S: SourceText + ?Sized>(
        &mut self,
        at: Node<'t>,
        name: &str,
        text: &S,
    ) -> Option<Binding<'t>> {
        lookup_const(at, name, text, self).map(Binding::Const)
    }
}

/// Finds the `const` declaration of `name` visible from `at`, walking outwards
/// through enclosing blocks. A `let`/`var`, a parameter or any other binding of
/// the name in between makes the value unknowable (`None`).
fn lookup_const<'t, S: SourceText + ?Sized>(
    at: Node<'t>,
    name: &str,
    text: &S,
    scopes: &mut Scopes<'t>,
) -> Option<Node<'t>> {
    for node in ancestors(scopes.root, at).into_iter().rev() {
        match node.kind() {
            "program" | "statement_block" | "switch_case" | "switch_default"
            | "class_static_block" => match scopes.declarations(node, text).get(name) {
                Some(Declared::Const(value)) => return Some(*value),
                Some(Declared::Other) => return None,
                None => {}
            },
            "arrow_function"
            | "function_expression"
            | "function_declaration"
            | "method_definition"
            | "generator_function"
            | "generator_function_declaration"
            | "function"
                if binds_parameter(node, name, text) =>
            {
                return None;
            }
            "for_statement" | "for_in_statement" | "catch_clause"
                if binds_in_header(node, name, text) =>
            {
                return None;
            }
            _ => {}
        }
    }
    None
}

/// What a top-level statement declares, without tree nodes: each name with
/// the text and shape of its `const` value (`None` for any other binding).
/// Calls elsewhere resolve ids through these, so the incremental cache reuses
/// a statement's results only while the whole file's list stays the same.
pub(super) fn declared<S: SourceText + ?Sized>(
    statement: Node<'_>,
    text: &S,
) -> Vec<(String, Option<(String, String)>)> {
    let mut table = HashMap::new();
    declare_all(statement, text, &mut table);
    let mut names: Vec<_> = table
        .into_iter()
        .map(|(name, how)| {
            let value = match how {
                Declared::Const(value) => {
                    Some((text.slice(value.byte_range()).into_owned(), value.to_sexp()))
                }
                Declared::Other => None,
            };
            (name, value)
        })
        .collect();
    names.sort();
    names
}

/// Records every name a statement declares (the first declaration of a name wins).
fn declare_all<'t, S: SourceText + ?Sized>(
    statement: Node<'t>,
    text: &S,
    table: &mut HashMap<String, Declared<'t>>,
) {
    let statement = if statement.kind() == "export_statement" {
        match statement.child_by_field_name("declaration") {
            Some(declaration) => declaration,
            None => return,
        }
    } else {
        statement
    };
    let mut bind = |name: Node<'_>, how: Declared<'t>| {
        table
            .entry(text.slice(name.byte_range()).into_owned())
            .or_insert(how);
    };
    match statement.kind() {
        "lexical_declaration" | "variable_declaration" => {
            let is_const = statement
                .child(0)
                .map(|keyword| keyword.kind() == "const")
                .unwrap_or(false);
            let mut cursor = statement.walk();
            for declarator in statement.named_children(&mut cursor) {
                if declarator.kind() != "variable_declarator" {
                    continue;
                }
                let Some(binding) = declarator.child_by_field_name("name") else {
                    continue;
                };
                if binding.kind() == "identifier" {
                    let how = match (is_const, declarator.child_by_field_name("value")) {
                        (true, Some(value)) => Declared::Const(value),
                        _ => Declared::Other,
                    };
                    bind(binding, how);
                } else {
                    for name in pattern_names(binding) {
                        bind(name, Declared::Other);
                    }
                }
            }
        }
        "function_declaration" | "class_declaration" | "generator_function_declaration" => {
            if let Some(name) = statement.child_by_field_name("name") {
                bind(name, Declared::Other);
            }
        }
        "import_statement" => {
            for name in pattern_names(statement) {
                bind(name, Declared::Other);
            }
        }
        _ => {}
    }
}

/// Every identifier-like binding inside a pattern or an import.
fn pattern_names(pattern: Node<'_>) -> Vec<Node<'_>> {
    let mut names = Vec::new();
    let mut stack = vec![pattern];
    while let Some(node) = stack.pop() {
        match node.kind() {
            "identifier" | "shorthand_property_identifier_pattern" => names.push(node),
            // `import x from 'source'`: the source string binds nothing.
            "string" => {}
            _ => {
                let mut cursor = node.walk();
                stack.extend(node.named_children(&mut cursor));
            }
        }
    }
    names
}

/// Whether any identifier-like binding inside a pattern or import is `name`.
fn pattern_binds<S: SourceText + ?Sized>(pattern: Node<'_>, name: &str, text: &S) -> bool {
    let mut stack = vec![pattern];
    while let Some(node) = stack.pop() {
        if matches!(
            node.kind(),
            "identifier" | "shorthand_property_identifier_pattern"
        ) && text.slice(node.byte_range()) == name
        {
            return true;
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    false
}

fn binds_parameter<S: SourceText + ?Sized>(function: Node<'_>, name: &str, text: &S) -> bool {
    let parameters = function
        .child_by_field_name("parameters")
        .or_else(|| function.child_by_field_name("parameter"));
    let Some(parameters) = parameters else {
        return false;
    };
    // Type annotations may mention the name without binding it; only patterns bind.
    let mut stack = vec![parameters];
    while let Some(node) = stack.pop() {
        match node.kind() {
            "type_annotation" | "default_value" => continue,
            "identifier" | "shorthand_property_identifier_pattern"
                if text.slice(node.byte_range()) == name =>
            {
                return true;
            }
            _ => {}
        }
        let mut cursor = node.walk();
        for child in node.named_children(&mut cursor) {
            // Skip default values: `(a = b)` binds a, not b.
            if node.kind() == "assignment_pattern"
                && node.child_by_field_name("right") == Some(child)
            {
                continue;
            }
            stack.push(child);
        }
    }
    false
}

fn binds_in_header<S: SourceText + ?Sized>(node: Node<'_>, name: &str, text: &S) -> bool {
    let header = node
        .child_by_field_name("initializer")
        .or_else(|| node.child_by_field_name("left"))
        .or_else(|| node.child_by_field_name("parameter"));
    header
        .map(|h| pattern_binds(h, name, text))
        .unwrap_or(false)
}
