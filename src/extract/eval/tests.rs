//! The shared evaluator, driven through a small grammar of its own: every
//! shape, the anchor, the depth limit and container entries, independent of
//! JavaScript's and Python's node kinds (their own tests cover the bindings).

use super::*;
use crate::syntax::{self, Language};

/// A toy binding of the JavaScript grammar, so the evaluator's rules are
/// tested on their own: every `identifier` is a name whose binding is the
/// first `const` declarator of that name in the file, or a class when it is
/// spelled `Class*`.
struct FirstConst<'t> {
    root: Node<'t>,
}

impl<'t> Bindings<'t> for FirstConst<'t> {
    fn lookup<S: SourceText + ?Sized>(
        &mut self,
        _at: Node<'t>,
        name: &str,
        text: &S,
    ) -> Option<Binding<'t>> {
        let mut found = None;
        preorder(self.root, |node| {
            if found.is_none()
                && node.kind() == "variable_declarator"
                && let Some(binding) = node.child_by_field_name("name")
                && text.slice(binding.byte_range()) == name
            {
                found = node.child_by_field_name("value");
            }
            found.is_none()
        });
        if name.starts_with("Class") {
            return found.map(Binding::Class);
        }
        Some(found.map_or(Binding::Other, Binding::Const))
    }
}

/// A grammar over JavaScript's node kinds, minimal on purpose.
struct Toy;

impl Grammar for Toy {
    fn unwrap<'t>(&self, node: Node<'t>) -> Node<'t> {
        if node.kind() == "parenthesized_expression" {
            return node.named_child(0).unwrap_or(node);
        }
        node
    }

    fn shape<'t, S: SourceText + ?Sized>(&self, node: Node<'t>, text: &S) -> Shape<'t> {
        match node.kind() {
            "string" => Shape::Literal,
            "ternary_expression" => Shape::Choice([
                node.child_by_field_name("consequence"),
                node.child_by_field_name("alternative"),
            ]),
            "identifier" => Shape::Name,
            "member_expression" => {
                let object = node.child_by_field_name("object");
                let key = node
                    .child_by_field_name("property")
                    .map(|p| text.slice(p.byte_range()).into_owned());
                match (object, key) {
                    (Some(object), Some(key)) => Shape::Member {
                        object,
                        or_object: key == "value",
                        key: Key::Field(key),
                    },
                    _ => Shape::Other,
                }
            }
            _ => Shape::Other,
        }
    }

    fn string<S: SourceText + ?Sized>(&self, node: Node<'_>, text: &S) -> Option<String> {
        let raw = text.slice(node.byte_range());
        raw.get(1..raw.len() - 1)
            .filter(|s| !s.contains('$'))
            .map(str::to_string)
    }

    fn entry<'t, S: SourceText + ?Sized>(
        &self,
        container: Node<'t>,
        key: &Key,
        text: &S,
    ) -> Option<Node<'t>> {
        let mut cursor = container.walk();
        container
            .named_children(&mut cursor)
            .filter(|pair| pair.kind() == "pair")
            .find(|pair| {
                pair.child_by_field_name("key")
                    .is_some_and(|k| text.slice(k.byte_range()) == key.name())
            })
            .and_then(|pair| pair.child_by_field_name("value"))
    }

    fn is_this(&self, root: &Root) -> bool {
        *root == Root::This
    }

    fn callee<'t>(&self, call: Node<'t>) -> Option<Node<'t>> {
        call.child_by_field_name("function")
    }

    fn callee_path<S: SourceText + ?Sized>(
        &self,
        _callee: Node<'_>,
        _text: &S,
    ) -> Option<(Root, Vec<Step>)> {
        None
    }

    fn model_argument<'t, S: SourceText + ?Sized>(
        &self,
        _call: Node<'t>,
        _method: &SdkMethod,
        _text: &S,
    ) -> Option<Argument<'t>> {
        None
    }

    fn argument_range(&self, argument: Node<'_>) -> Range<usize> {
        argument.byte_range()
    }

    fn constructor_callee<'t>(&self, _value: Node<'t>) -> Option<Node<'t>> {
        None
    }

    fn is_plain_container(&self, _container: Node<'_>) -> bool {
        false
    }
}

/// Evaluates the value of the last `const x = ...` in `source`; each target
/// as `id@<source at its range>` (`?@...` when dynamic).
fn targets(source: &str) -> Vec<String> {
    let tree = syntax::parse(Language::JavaScript, source);
    let root = tree.root_node();
    let mut last = None;
    preorder(root, |node| {
        if node.kind() == "variable_declarator"
            && node
                .child_by_field_name("name")
                .is_some_and(|n| &source[n.byte_range()] == "x")
        {
            last = node.child_by_field_name("value");
        }
        true
    });
    let mut bindings = FirstConst { root };
    let mut out = Vec::new();
    Evaluator::new(&Toy, source, &mut bindings).evaluate(last.expect("x"), &mut out);
    out.iter()
        .map(|t| match t {
            Target::Static { id, range } => format!("{id}@{}", &source[range.clone()]),
            Target::Dynamic { range, .. } => format!("?@{}", &source[range.clone()]),
        })
        .collect()
}

#[test]
fn a_literal_is_its_own_value_at_its_own_range() {
    assert_eq!(targets("const x = ('flux-dev');"), ["flux-dev@'flux-dev'"]);
    assert_eq!(targets("const x = 'a$b';"), ["?@'a$b'"]);
}

#[test]
fn a_choice_yields_both_arms_and_a_missing_arm_is_dynamic() {
    assert_eq!(targets("const x = c ? 'a' : 'b';"), ["a@'a'", "b@'b'"]);
    assert_eq!(targets("const x = c ? 'a' : f();"), ["a@'a'", "?@f()"]);
}

#[test]
fn a_followed_name_is_reported_at_the_use_not_the_constant() {
    assert_eq!(
        targets("const M = 'flux-dev';\nconst N = M;\nconst x = N;"),
        ["flux-dev@N"]
    );
    assert_eq!(targets("const x = unbound;"), ["?@unbound"]);
}

#[test]
fn a_choice_behind_a_name_keeps_the_anchor_for_both_arms() {
    assert_eq!(
        targets("const M = c ? 'a' : 'b';\nconst x = M;"),
        ["a@M", "b@M"]
    );
}

#[test]
fn members_follow_constant_chains_to_the_container() {
    let source = "const O = { hero: 'flux-dev' };\nconst P = O;\nconst x = P.hero;";
    assert_eq!(targets(source), ["flux-dev@P.hero"]);
    assert_eq!(
        targets("const O = { hero: 'flux-dev' };\nconst x = O.villain;"),
        ["?@O.villain"]
    );
}

#[test]
fn a_class_binding_is_a_container_but_no_value() {
    let source = "const ClassM = { hero: 'flux-dev' };\nconst x = ClassM.hero;";
    assert_eq!(targets(source), ["flux-dev@ClassM.hero"]);
    assert_eq!(
        targets("const ClassM = { hero: 'a' };\nconst x = ClassM;"),
        ["?@ClassM"]
    );
}

#[test]
fn or_object_falls_back_to_the_object_when_the_entry_is_missing() {
    let source = "const O = { hero: 'flux-dev' };\nconst x = O.hero.value;";
    assert_eq!(targets(source), ["flux-dev@O.hero.value"]);
}

#[test]
fn a_binding_cycle_ends_as_dynamic_at_the_depth_limit() {
    assert_eq!(targets("const A = B;\nconst B = A;\nconst x = A;"), ["?@A"]);
    let source = "const O = { a: O.a };\nconst x = O.a;";
    assert_eq!(targets(source), ["?@O.a"]);
}

#[test]
fn preorder_visits_in_document_order_and_can_skip_subtrees() {
    let source = "f(a, g(b));";
    let tree = syntax::parse(Language::JavaScript, source);
    let mut seen = Vec::new();
    preorder(tree.root_node(), |node| {
        if node.kind() == "identifier" {
            seen.push(&source[node.byte_range()]);
        }
        node.kind() != "call_expression" || seen.is_empty()
    });
    assert_eq!(seen, ["f", "a"]);
}

#[test]
fn ancestors_run_from_the_root_down_to_the_parent() {
    let source = "f(a);";
    let tree = syntax::parse(Language::JavaScript, source);
    let mut target = None;
    preorder(tree.root_node(), |node| {
        if node.kind() == "identifier" && &source[node.byte_range()] == "a" {
            target = Some(node);
        }
        true
    });
    let kinds: Vec<&str> = ancestors(tree.root_node(), target.expect("a"))
        .iter()
        .map(|n| n.kind())
        .collect();
    assert_eq!(
        kinds,
        [
            "program",
            "expression_statement",
            "call_expression",
            "arguments"
        ]
    );
}
