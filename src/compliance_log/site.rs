//! Where a model call's result is, and whether it reaches the log function.

use std::ops::Range;

use tree_sitter::{Node, Tree};

use crate::text::SourceText;

/// What holds a call's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Binding {
    /// `const result = await abstrakt.run(...)`, `result = client.run(...)`:
    /// the name (or member path, `this.last`) as written.
    Named(String),
    /// A statement of its own (`await abstrakt.run(...);`): the fix binds it.
    Statement,
    /// `return await abstrakt.run(...)`: the fix binds it, logs it and
    /// returns the name. `keyword` is `return` and the space after it.
    Return { keyword: Range<usize> },
}

/// Where a model call sits, as far as logging its result goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallSite {
    /// The statement holding the call, a line of its own in a block.
    pub statement: Range<usize>,
    pub binding: Binding,
    /// `await` before the call: the log call is awaited too, as in the guide.
    pub awaited: bool,
    /// The function (or module) around the call: a log call counts there.
    pub scope: Range<usize>,
    /// Whether that function is `async` (JavaScript: an unawaited call's
    /// result is a promise, which only an async function can await).
    pub in_async: bool,
}

const PY_FUNCTIONS: &[&str] = &["function_definition", "lambda"];
/// Nodes whose children are statements on lines of their own.
const BLOCKS: &[&str] = &[
    "program",
    "statement_block",
    "switch_case",
    "switch_default",
    "class_static_block",
    "module",
    "block",
];
/// Wrappers that leave the value as it is (`(x)`, `x as T`, `x!`).
const TRANSPARENT: &[&str] = &[
    "parenthesized_expression",
    "as_expression",
    "satisfies_expression",
    "non_null_expression",
];

/// The call node at exactly `range` (a model URL inside a string is no call).
pub(super) fn call_node<'t>(tree: &'t Tree, range: &Range<usize>) -> Option<Node<'t>> {
    let mut node = tree
        .root_node()
        .descendant_for_byte_range(range.start, range.end)?;
    loop {
        if node.byte_range() == *range && matches!(node.kind(), "call_expression" | "call") {
            return Some(node);
        }
        if node.start_byte() < range.start || node.end_byte() > range.end {
            return None;
        }
        node = node.parent()?;
    }
}

/// Whether a function is `async`.
pub(super) fn is_async(function: Node<'_>) -> bool {
    (0..function.child_count())
        .filter_map(|i| function.child(i))
        .any(|child| child.kind() == "async")
}

/// The function or module around `node`.
pub(super) fn scope_of(node: Node<'_>) -> Node<'_> {
    let mut current = node;
    while let Some(parent) = current.parent() {
        if crate::fixes::FUNCTION_KINDS.contains(&parent.kind())
            || PY_FUNCTIONS.contains(&parent.kind())
        {
            return parent;
        }
        current = parent;
    }
    current
}

/// Where the model call at `call_range` sits; `None` when it is not a call
/// (a model URL) or its result is not a statement's value (an argument of
/// another call, a destructuring pattern, an arrow function's body): there is
/// no line after which its result has a name.
pub fn call_site<S: SourceText + ?Sized>(
    tree: &Tree,
    text: &S,
    call_range: &Range<usize>,
) -> Option<CallSite> {
    let call = call_node(tree, call_range)?;
    let scope_node = scope_of(call);
    let scope = scope_node.byte_range();
    let in_async = is_async(scope_node);
    let mut value = call;
    let mut awaited = false;
    let mut parent = value.parent()?;
    loop {
        match parent.kind() {
            "await_expression" | "await" => awaited = true,
            kind if TRANSPARENT.contains(&kind) => {}
            _ => break,
        }
        value = parent;
        parent = value.parent()?;
    }
    let (statement, binding) = match parent.kind() {
        "variable_declarator" => {
            let name = parent.child_by_field_name("name")?;
            if name.kind() != "identifier" || parent.child_by_field_name("value") != Some(value) {
                return None;
            }
            let declaration = parent.parent()?;
            (
                declaration,
                Binding::Named(text.slice(name.byte_range()).into_owned()),
            )
        }
        "assignment_expression" | "assignment" => {
            let left = parent.child_by_field_name("left")?;
            let assigned = parent.child_by_field_name("right") == Some(value);
            let simple = matches!(
                left.kind(),
                "identifier" | "member_expression" | "attribute"
            );
            if !assigned || !simple {
                return None;
            }
            let statement = parent
                .parent()
                .filter(|s| s.kind() == "expression_statement")?;
            (
                statement,
                Binding::Named(text.slice(left.byte_range()).into_owned()),
            )
        }
        "expression_statement" => (parent, Binding::Statement),
        "return_statement" => {
            let keyword = parent.start_byte()..value.start_byte();
            (parent, Binding::Return { keyword })
        }
        _ => return None,
    };
    // `export const result = await abstrakt.run(...)`: the export is the statement.
    let statement = match statement.parent() {
        Some(export) if export.kind() == "export_statement" => export,
        _ => statement,
    };
    let in_block = statement
        .parent()
        .is_some_and(|block| BLOCKS.contains(&block.kind()));
    in_block.then(|| CallSite {
        statement: statement.byte_range(),
        binding,
        awaited,
        scope,
        in_async,
    })
}

/// Whether a call's result reaches the log function `log` (`complianceLog.save`):
/// a call of `log` in the call's scope (function or module) whose arguments
/// use the name the result is bound to; for a result without a name (a
/// `.then(...)` chain, an argument), a call of `log` in the same statement.
pub fn is_logged<S: SourceText + ?Sized>(
    tree: &Tree,
    text: &S,
    call_range: &Range<usize>,
    log: &str,
) -> bool {
    let Some(call) = call_node(tree, call_range) else {
        return false;
    };
    match call_site(tree, text, call_range) {
        Some(CallSite {
            binding: Binding::Named(name),
            scope,
            ..
        }) => {
            let Some(scope) = tree
                .root_node()
                .descendant_for_byte_range(scope.start, scope.end)
            else {
                return false;
            };
            log_calls(scope, text, log)
                .into_iter()
                .any(|arguments| mentions(arguments, text, &name))
        }
        _ => {
            // The statement (or expression of an arrow function) around the call.
            let mut outer = call;
            while let Some(parent) = outer.parent() {
                if BLOCKS.contains(&parent.kind())
                    || crate::fixes::FUNCTION_KINDS.contains(&parent.kind())
                    || PY_FUNCTIONS.contains(&parent.kind())
                {
                    break;
                }
                outer = parent;
            }
            !log_calls(outer, text, log).is_empty()
        }
    }
}

/// The argument lists of the calls of `log` inside `node`.
pub(super) fn log_calls<'t, S: SourceText + ?Sized>(
    node: Node<'t>,
    text: &S,
    log: &str,
) -> Vec<Node<'t>> {
    let mut found = Vec::new();
    let mut stack = vec![node];
    while let Some(node) = stack.pop() {
        if matches!(node.kind(), "call_expression" | "call")
            && let Some(function) = node.child_by_field_name("function")
            && function.end_byte() - function.start_byte() == log.len()
            && text.slice(function.byte_range()) == log
            && let Some(arguments) = node.child_by_field_name("arguments")
        {
            found.push(arguments);
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    found
}

/// Whether `node` uses `name` (an identifier, or a member path such as
/// `this.last` written the same way).
pub(super) fn mentions<S: SourceText + ?Sized>(node: Node<'_>, text: &S, name: &str) -> bool {
    let mut stack = vec![node];
    while let Some(node) = stack.pop() {
        let kind = node.kind();
        let candidate = matches!(
            kind,
            "identifier" | "shorthand_property_identifier" | "member_expression" | "attribute"
        );
        if candidate
            && node.end_byte() - node.start_byte() == name.len()
            && text.slice(node.byte_range()) == name
        {
            return true;
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    false
}

/// `result`, or the first of `generation`, `result2`, ... that the scope does
/// not use already.
pub(super) fn free_name(tree: &Tree, text: &str, scope: &Range<usize>) -> String {
    let used = |name: &str| {
        tree.root_node()
            .descendant_for_byte_range(scope.start, scope.end)
            .is_some_and(|scope| mentions(scope, text, name))
    };
    ["result", "generation"]
        .into_iter()
        .map(str::to_string)
        .chain((2..).map(|n| format!("result{n}")))
        .find(|name| !used(name))
        .unwrap_or_else(|| "result".to_string())
}
