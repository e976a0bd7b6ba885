//! Which value a Python name stands for. Python has no `const`: a name bound
//! exactly once in its scope by a plain assignment (`HERO = "flux-dev"`,
//! `HERO: Final = "flux-dev"`) is a constant; a second binding of any kind
//! (reassignment, `+=`, loop target, parameter, import, `global` rebinding in
//! a function) makes it unknowable. Scopes follow Python's rules: function
//! bodies and lambdas nest, a class body is visible only to code directly in
//! it, `global` jumps to the module.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use tree_sitter::Node;

use crate::extract::eval::{Binding, Bindings, ancestors};
use crate::text::SourceText;

#[derive(Default)]
struct Table<'t> {
    /// Name → (how many bindings, the first one).
    names: HashMap<String, (usize, Binding<'t>)>,
    /// Names assigned with a `Final` annotation: constant whatever else happens.
    finals: HashMap<String, Node<'t>>,
    globals: HashSet<String>,
}

impl<'t> Table<'t> {
    fn bind(&mut self, name: String, binding: Binding<'t>) {
        let entry = self.names.entry(name).or_insert((0, binding));
        entry.0 += 1;
    }

    fn get(&self, name: &str) -> Option<Binding<'t>> {
        if let Some(value) = self.finals.get(name) {
            return Some(Binding::Const(*value));
        }
        self.names.get(name).map(|(count, binding)| match count {
            1 => *binding,
            _ => Binding::Other,
        })
    }
}

/// The binding tables of every scope, built once per scope per extraction.
pub(super) struct Scopes<'t> {
    root: Node<'t>,
    tables: HashMap<usize, Table<'t>>,
}

const FUNCTION_KINDS: &[&str] = &["function_definition", "lambda"];
/// Comprehensions bind their loop variables in a scope of their own.
const COMPREHENSION_KINDS: &[&str] = &[
    "list_comprehension",
    "set_comprehension",
    "dictionary_comprehension",
    "generator_expression",
];

impl<'t> Scopes<'t> {
    pub(super) fn new(root: Node<'t>) -> Self {
        Self {
            root,
            tables: HashMap::new(),
        }
    }

    fn table<S: SourceText + ?Sized>(&mut self, scope: Node<'t>, text: &S) -> &Table<'t> {
        self.tables
            .entry(scope.id())
            .or_insert_with(|| build_table(scope, text))
    }
}

impl<'t> Bindings<'t> for Scopes<'t> {
    /// Python's rules: functions and lambdas nest, a class body is a scope
    /// only for code written directly in it, `global` jumps to the module.
    fn lookup<S: SourceText + ?Sized>(
        &mut self,
        at: Node<'t>,
        name: &str,
        text: &S,
    ) -> Option<Binding<'t>> {
        let chain = ancestors(self.root, at);
        let mut innermost = true;
        for (i, node) in chain.iter().enumerate().rev() {
            let kind = node.kind();
            let is_function = FUNCTION_KINDS.contains(&kind);
            // A class body is a scope only for code written directly in it.
            let is_class = kind == "class_definition" && innermost;
            if !is_function && !is_class {
                continue;
            }
            // Default values and decorators belong to the enclosing scope.
            let inside_body = chain.get(i + 1).copied().or(Some(at)).is_some_and(|child| {
                node.child_by_field_name("body") == Some(child)
                    || (is_function && node.child_by_field_name("parameters") == Some(child))
            });
            if !inside_body {
                continue;
            }
            innermost = false;
            let table = self.table(*node, text);
            if table.globals.contains(name) {
                break;
            }
            if let Some(binding) = table.get(name) {
                return Some(binding);
            }
        }
        let root = self.root;
        self.table(root, text).get(name)
    }
}

fn build_table<'t, S: SourceText + ?Sized>(scope: Node<'t>, text: &S) -> Table<'t> {
    let mut table = Table::default();
    let mut stack: Vec<Node<'t>> = Vec::new();
    match scope.kind() {
        "module" => stack.push(scope),
        _ => {
            if let Some(parameters) = scope.child_by_field_name("parameters") {
                bind_parameters(parameters, text, &mut table);
            }
            if let Some(body) = scope.child_by_field_name("body") {
                stack.push(body);
            }
        }
    }
    bind_all(stack, text, &mut table);
    table
}

/// Binds what the nodes on `stack` and the parts of them in the same scope
/// bind. Last in, first out: the module's statements are walked from the
/// last one up, each one whole.
fn bind_all<'t, S: SourceText + ?Sized>(mut stack: Vec<Node<'t>>, text: &S, table: &mut Table<'t>) {
    while let Some(node) = stack.pop() {
        if bind_statement(node, text, table, &mut stack) {
            let mut cursor = node.walk();
            stack.extend(node.named_children(&mut cursor));
        }
    }
}

/// Records what `node` binds in the scope being built. Returns whether its
/// children belong to the same scope and still need walking (nested scopes
/// and the parts already handled are not walked; an assignment pushes its
/// value itself).
fn bind_statement<'t, S: SourceText + ?Sized>(
    node: Node<'t>,
    text: &S,
    table: &mut Table<'t>,
    stack: &mut Vec<Node<'t>>,
) -> bool {
    let name_of = |node: Node<'_>| text.slice(node.byte_range()).into_owned();
    match node.kind() {
        "function_definition" | "class_definition" => {
            if let Some(name) = node.child_by_field_name("name") {
                let binding = if node.kind() == "class_definition" {
                    Binding::Class(node)
                } else {
                    Binding::Other
                };
                table.bind(name_of(name), binding);
            }
            // Decorators and defaults run here, but bind nothing we follow.
            false
        }
        "lambda" => false,
        kind if COMPREHENSION_KINDS.contains(&kind) => false,
        "assignment" => {
            bind_assignment(node, text, table);
            if let Some(right) = node.child_by_field_name("right") {
                stack.push(right);
            }
            false
        }
        "augmented_assignment" | "for_statement" => {
            if let Some(left) = node.child_by_field_name("left") {
                bind_targets(left, text, table);
            }
            true
        }
        "as_pattern_target" | "delete_statement" => {
            bind_targets(node, text, table);
            true
        }
        "except_clause" => {
            let mut cursor = node.walk();
            let children: Vec<Node<'t>> = node.children(&mut cursor).collect();
            for pair in children.windows(2) {
                if pair[0].kind() == "as" && pair[1].kind() == "identifier" {
                    table.bind(name_of(pair[1]), Binding::Other);
                }
            }
            true
        }
        "named_expression" => {
            if let Some(name) = node.child_by_field_name("name") {
                table.bind(name_of(name), Binding::Other);
            }
            true
        }
        "import_statement" | "import_from_statement" => {
            bind_imports(node, text, table);
            false
        }
        "global_statement" | "nonlocal_statement" => {
            let mut cursor = node.walk();
            for name in node.named_children(&mut cursor) {
                if name.kind() == "identifier" {
                    let name = name_of(name);
                    if node.kind() == "global_statement" {
                        table.globals.insert(name);
                    } else {
                        table.bind(name, Binding::Other);
                    }
                }
            }
            false
        }
        _ => true,
    }
}

/// `name = value` (a constant candidate, `Final` when annotated so), an
/// annotation alone (binds nothing), or targets such as `a, b = …`.
fn bind_assignment<'t, S: SourceText + ?Sized>(node: Node<'t>, text: &S, table: &mut Table<'t>) {
    let Some(left) = node.child_by_field_name("left") else {
        return;
    };
    let mut right = node.child_by_field_name("right");
    // `a = b = "x"`: every target gets the innermost value.
    while let Some(inner) = right.filter(|r| r.kind() == "assignment") {
        right = inner.child_by_field_name("right");
    }
    match (left.kind(), right) {
        ("identifier", Some(value)) => {
            let name = text.slice(left.byte_range()).into_owned();
            let is_final = node
                .child_by_field_name("type")
                .is_some_and(|t| names_final(&text.slice(t.byte_range())));
            if is_final {
                table.finals.entry(name.clone()).or_insert(value);
            }
            table.bind(name, Binding::Const(value));
        }
        // An annotation alone binds nothing.
        ("identifier", None) => {}
        _ => bind_targets(left, text, table),
    }
}

/// The names an import binds: `import a.b` binds `a`, `from m import b`
/// binds `b`, `as c` binds `c`.
fn bind_imports<'t, S: SourceText + ?Sized>(node: Node<'t>, text: &S, table: &mut Table<'t>) {
    let mut cursor = node.walk();
    for name in node.children_by_field_name("name", &mut cursor) {
        let bound = match name.kind() {
            "aliased_import" => name.child_by_field_name("alias"),
            _ if node.kind() == "import_statement" => name.named_child(0),
            _ => name.named_child(name.named_child_count().saturating_sub(1)),
        };
        if let Some(bound) = bound {
            table.bind(text.slice(bound.byte_range()).into_owned(), Binding::Other);
        }
    }
}

/// Whether an annotation is `Final`, `Final[str]` or `typing.Final[...]`.
fn names_final(annotation: &str) -> bool {
    let head = annotation.split('[').next().unwrap_or("").trim();
    head == "Final" || head.ends_with(".Final")
}

/// Every identifier a target (`a`, `a, b`, `[a, *b]`) binds.
fn bind_targets<S: SourceText + ?Sized>(target: Node<'_>, text: &S, table: &mut Table<'_>) {
    let mut stack = vec![target];
    while let Some(node) = stack.pop() {
        match node.kind() {
            "identifier" => table.bind(text.slice(node.byte_range()).into_owned(), Binding::Other),
            // `a.b = x` and `a[0] = x` bind nothing.
            "attribute" | "subscript" => {}
            _ => {
                let mut cursor = node.walk();
                stack.extend(node.named_children(&mut cursor));
            }
        }
    }
}

fn bind_parameters<S: SourceText + ?Sized>(parameters: Node<'_>, text: &S, table: &mut Table<'_>) {
    let mut cursor = parameters.walk();
    for parameter in parameters.named_children(&mut cursor) {
        let name = match parameter.kind() {
            "identifier" => Some(parameter),
            "default_parameter" | "typed_default_parameter" => {
                parameter.child_by_field_name("name")
            }
            // `c: T`, `*args`, `**kwargs`, `*args: T`.
            _ => {
                let mut inner = parameter.walk();
                let first = parameter.named_children(&mut inner).find(|c| {
                    matches!(
                        c.kind(),
                        "identifier" | "list_splat_pattern" | "dictionary_splat_pattern"
                    )
                });
                match first {
                    Some(n) if n.kind() == "identifier" => Some(n),
                    Some(n) => n.named_child(0),
                    None => None,
                }
            }
        };
        if let Some(name) = name.filter(|n| n.kind() == "identifier") {
            table.bind(text.slice(name.byte_range()).into_owned(), Binding::Other);
        }
    }
}

/// What a name in a scope table stands for, without tree nodes: what a
/// lookup of it can observe. Two equal facts evaluate alike wherever they
/// sit (a constant's value is read only through its text and the scope
/// tables; a class only through its body's assignments and its own table).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Fact {
    /// A constant: its value as written and parsed.
    Const(Written),
    /// A class: its direct `name = value` assignments (the candidates of
    /// `C.name`) and its own table, which those values are looked up in.
    Class(Box<ClassFacts>),
    /// A class nested deeper than summaries go: all of it.
    ClassText(Written),
    Other,
}

/// An expression as the evaluator reads it: its text and the shape of its
/// subtree (kinds, fields, errors and ranges relative to its start). The
/// text alone is not enough: the same text parses differently where error
/// recovery around it differs (a dict with a stray token is a dict in one
/// version and an error node in the next).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Written {
    text: String,
    shape: u64,
}

impl Written {
    fn of<S: SourceText + ?Sized>(node: Node<'_>, text: &S) -> Self {
        use std::hash::{Hash, Hasher};
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        let start = node.start_byte();
        let mut cursor = node.walk();
        'outer: loop {
            let current = cursor.node();
            (
                current.kind_id(),
                cursor.field_id(),
                current.is_error(),
                current.is_missing(),
                current.start_byte() - start,
                current.end_byte() - start,
                current.child_count(),
            )
                .hash(&mut hasher);
            if cursor.goto_first_child() {
                continue;
            }
            loop {
                if cursor.goto_next_sibling() {
                    continue 'outer;
                }
                if !cursor.goto_parent() {
                    break 'outer;
                }
            }
        }
        Self {
            text: text.slice(node.byte_range()).into_owned(),
            shape: hasher.finish(),
        }
    }
}

/// A class as a container, without tree nodes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ClassFacts {
    members: Vec<(String, Option<Written>)>,
    table: TableFacts,
}

/// A scope table as lookups observe it: each name's fact (a `Final`, else
/// its one binding, else `Other`) and the `global` names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct TableFacts {
    names: BTreeMap<String, Fact>,
    globals: BTreeSet<String>,
}

/// What one top-level statement binds in the module's table, without tree
/// nodes: per name, how many bindings and the first one (in the order the
/// module table is built), the first `Final`, the `global` names. The
/// incremental cache keeps this per statement; [`module_facts`] folds them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct StatementBindings {
    names: BTreeMap<String, (usize, Fact)>,
    finals: BTreeMap<String, Written>,
    globals: BTreeSet<String>,
}

/// Classes nested deeper than this are summarised by their text.
const MAX_CLASS_DEPTH: usize = 8;

/// What a top-level statement binds in the module scope: the walk that
/// builds the module's table, over this statement alone.
pub(super) fn statement_bindings<S: SourceText + ?Sized>(
    statement: Node<'_>,
    text: &S,
) -> StatementBindings {
    let mut table = Table::default();
    bind_all(vec![statement], text, &mut table);
    StatementBindings {
        names: table
            .names
            .iter()
            .map(|(name, (count, binding))| (name.clone(), (*count, fact(*binding, text, 0))))
            .collect(),
        finals: table
            .finals
            .iter()
            .map(|(name, value)| (name.clone(), Written::of(*value, text)))
            .collect(),
        globals: table.globals.into_iter().collect(),
    }
}

/// The root's table as lookups observe it: for a module, folded from its
/// statements' bindings (in file order); for a root that is not one (a file
/// that is one error node), built from the root as [`Scopes`] builds it.
pub(super) fn root_facts<'b, S: SourceText + ?Sized>(
    root: Node<'_>,
    text: &S,
    statements: impl DoubleEndedIterator<Item = &'b StatementBindings>,
) -> TableFacts {
    match root.kind() {
        "module" => module_facts(statements),
        _ => table_facts(&build_table(root, text), text, 0),
    }
}

/// The module's table as lookups observe it, from its statements' bindings
/// in file order: equal to [`table_facts`] of the module's own table.
fn module_facts<'b>(
    statements: impl DoubleEndedIterator<Item = &'b StatementBindings>,
) -> TableFacts {
    let mut names: BTreeMap<&str, (usize, &Fact)> = BTreeMap::new();
    let mut finals: BTreeMap<&str, &Written> = BTreeMap::new();
    let mut globals = BTreeSet::new();
    // The table is built from the last statement up: its first binding of
    // a name is the one in the last statement that binds it.
    for statement in statements.rev() {
        for (name, (count, fact)) in &statement.names {
            names.entry(name).or_insert((0, fact)).0 += count;
        }
        for (name, value) in &statement.finals {
            finals.entry(name).or_insert(value);
        }
        globals.extend(statement.globals.iter().cloned());
    }
    let names = names
        .into_iter()
        .map(|(name, (count, fact))| {
            let fact = match finals.get(name) {
                Some(value) => Fact::Const((*value).clone()),
                None if count == 1 => fact.clone(),
                None => Fact::Other,
            };
            (name.to_string(), fact)
        })
        .collect();
    TableFacts { names, globals }
}

/// A table as lookups observe it.
fn table_facts<S: SourceText + ?Sized>(table: &Table<'_>, text: &S, depth: usize) -> TableFacts {
    TableFacts {
        names: table
            .names
            .keys()
            .filter_map(|name| Some((name.clone(), fact(table.get(name)?, text, depth))))
            .collect(),
        globals: table.globals.iter().cloned().collect(),
    }
}

fn fact<S: SourceText + ?Sized>(binding: Binding<'_>, text: &S, depth: usize) -> Fact {
    match binding {
        Binding::Const(value) => Fact::Const(Written::of(value, text)),
        Binding::Class(class) if depth >= MAX_CLASS_DEPTH => {
            Fact::ClassText(Written::of(class, text))
        }
        Binding::Class(class) => Fact::Class(Box::new(class_facts(class, text, depth + 1))),
        Binding::Other => Fact::Other,
    }
}

/// A class as `C.name` observes it: the direct assignments of its body (as
/// [`super::grammar`]'s class lookup reads them) and its own table.
fn class_facts<S: SourceText + ?Sized>(class: Node<'_>, text: &S, depth: usize) -> ClassFacts {
    let text_of = |node: Node<'_>| text.slice(node.byte_range()).into_owned();
    let mut members = Vec::new();
    if let Some(body) = class.child_by_field_name("body") {
        let mut cursor = body.walk();
        for statement in body.named_children(&mut cursor) {
            if let Some(assignment) = statement
                .named_child(0)
                .filter(|a| statement.kind() == "expression_statement" && a.kind() == "assignment")
                && let Some(left) = assignment
                    .child_by_field_name("left")
                    .filter(|l| l.kind() == "identifier")
            {
                let right = assignment
                    .child_by_field_name("right")
                    .map(|r| Written::of(r, text));
                members.push((text_of(left), right));
            }
        }
    }
    let table = build_table(class, text);
    ClassFacts {
        members,
        table: table_facts(&table, text, depth),
    }
}

#[cfg(test)]
mod facts_tests {
    use super::*;
    use crate::syntax::{Language, parse};

    /// The facts folded from the statements equal those of the table built
    /// over the whole root, which is what lookups read.
    fn assert_fold_equals_whole(text: &str) {
        let tree = parse(Language::Python, text);
        let root = tree.root_node();
        let mut cursor = root.walk();
        let parts: Vec<StatementBindings> = root
            .children(&mut cursor)
            .map(|n| {
                if n.is_named() {
                    statement_bindings(n, text)
                } else {
                    StatementBindings::default()
                }
            })
            .collect();
        let whole = table_facts(&build_table(root, text), text, 0);
        assert_eq!(root_facts(root, text, parts.iter()), whole, "{text}");
    }

    #[test]
    fn folded_statement_bindings_equal_the_whole_table() {
        assert_fold_equals_whole(
            "A: Final = 'x'\nif c:\n    A: Final = 'y'\n    B = 1\nelse:\n    B = 2\nC = 'c'\nclass K:\n    X = C\n    def m(self):\n        Y = 1\nfor i in r:\n    pass\nglobal G\nimport a.b as d, e\nD = {'k': A}\n",
        );
        // A file whose root is an error node: its table is built from the root.
        assert_fold_equals_whole("m abstrakt import A\nH = 'x'\ndef f(:\n    (\n");
    }
}
