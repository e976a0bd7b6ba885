//! One evaluator over every grammar: what a model-id argument evaluates to,
//! and which call on a client is an SDK call with a model id.
//!
//! The front ends differ in node kinds, scoping rules, literal escapes and
//! client detection; the algorithm on top of them is the same. A front end
//! describes its grammar through [`Grammar`] (what shape an expression has,
//! what a string literal denotes, which entry of a container a key selects,
//! where a call's receiver path and model argument are) and its scoping
//! through [`Bindings`] (what a name is bound to where it is used). This
//! module owns the rest: following bindings (with a depth limit), container
//! entries, both arms of a choice, the anchor (findings point at the code
//! written at the call, not at a constant elsewhere) and the dynamic fallback.

use std::ops::Range;

use tree_sitter::Node;

use super::providers::{Called, Denotes, Receivers, SdkLanguage};
use super::{Clients, ModelUse, SdkMethod, Target};
use crate::text::SourceText;

/// How deep bindings are followed before an id counts as dynamic.
const MAX_BINDING_DEPTH: usize = 8;

/// How much of a dynamic expression a target keeps.
const DYNAMIC_PREFIX_CHARS: usize = 80;

/// What an expression is, as far as the value of a model id cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Shape<'t> {
    /// A string literal; its value is [`Grammar::string`] (none when it has
    /// substitutions).
    Literal,
    /// Either of two expressions (`c ? a : b`, `a ?? b`, `a || b`,
    /// `a if c else b`, `a or b`). A missing arm is a dynamic target.
    Choice([Option<Node<'t>>; 2]),
    /// A plain name, resolved through [`Bindings`].
    Name,
    /// An entry of a container: `M.hero`, `M['hero']`, `Models.HERO`,
    /// `MODELS["hero"]`. With `or_object`, a member the container lacks
    /// denotes the object's own value (an enum member's `.value`).
    Member {
        object: Node<'t>,
        key: Key,
        or_object: bool,
    },
    /// Anything else: a dynamic id.
    Other,
}

/// How a member is selected. JavaScript does not tell them apart
/// (`o.a` is `o['a']`); Python does (`d["a"]` vs `C.a`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Key {
    /// `object.name`.
    Field(String),
    /// `object["name"]`.
    Index(String),
}

impl Key {
    pub(super) fn name(&self) -> &str {
        match self {
            Key::Field(name) | Key::Index(name) => name,
        }
    }
}

/// What a scope binds a name to.
#[derive(Debug, Clone, Copy)]
pub(super) enum Binding<'t> {
    /// A constant: the expression it was bound to.
    Const(Node<'t>),
    /// A class: a container of its attributes.
    Class(Node<'t>),
    /// Anything else (a variable, a parameter, a second binding).
    Other,
}

/// A grammar's scoping rules: how a name used at a node is bound.
pub(super) trait Bindings<'t> {
    /// How `name`, used at `at`, is bound; `None` when no visible scope binds it.
    fn lookup<S: SourceText + ?Sized>(
        &mut self,
        at: Node<'t>,
        name: &str,
        text: &S,
    ) -> Option<Binding<'t>>;
}

/// The start of a callee chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Root {
    /// A plain name (`ai` in `ai.run`, also Python's `self`).
    Name(String),
    /// JavaScript's `this`.
    This,
}

/// One step of a member chain: the name and where it is written.
pub(super) type Step = (String, Range<usize>);

/// Where a call's model id is.
#[derive(Debug, Clone, Copy)]
pub(super) enum Argument<'t> {
    /// The expression passed as the model id.
    Value(Node<'t>),
    /// An unpacking (`*args`, `**kwargs`) that may hold it.
    Unpacked(Node<'t>),
    /// An options object whose property (the method's keywords) holds it.
    Property(Node<'t>),
}

/// What the evaluator needs to know about one grammar.
pub(super) trait Grammar {
    /// Strips wrappers that do not change which value an expression denotes
    /// (parentheses, `await`, type assertions).
    fn unwrap<'t>(&self, node: Node<'t>) -> Node<'t>;

    /// The shape of an (unwrapped) expression.
    fn shape<'t, S: SourceText + ?Sized>(&self, node: Node<'t>, text: &S) -> Shape<'t>;

    /// The value of a [`Shape::Literal`], if statically known.
    fn string<S: SourceText + ?Sized>(&self, node: Node<'_>, text: &S) -> Option<String>;

    /// The value `key` selects in a container (object literal, dict, class
    /// body); `None` when it is absent or could be overridden.
    fn entry<'t, S: SourceText + ?Sized>(
        &self,
        container: Node<'t>,
        key: &Key,
        text: &S,
    ) -> Option<Node<'t>>;

    /// Whether a callee root is the current instance (`this`, `self`).
    fn is_this(&self, root: &Root) -> bool;

    /// The unwrapped callee of a call.
    fn callee<'t>(&self, call: Node<'t>) -> Option<Node<'t>>;

    /// A cheap test, before any allocation, that a callee chain may start at
    /// a client (most member calls, `console.log`, are not on one).
    fn may_be_receiver<S: SourceText + ?Sized>(
        &self,
        _callee: Node<'_>,
        _clients: &Clients,
        _text: &S,
    ) -> bool {
        true
    }

    /// `a.b['c'].d` as its root and `[b, c, d]`, each with where it is written.
    fn callee_path<S: SourceText + ?Sized>(
        &self,
        callee: Node<'_>,
        text: &S,
    ) -> Option<(Root, Vec<Step>)>;

    /// The argument of `call` that holds the model id of `method`.
    fn model_argument<'t, S: SourceText + ?Sized>(
        &self,
        call: Node<'t>,
        method: &SdkMethod,
        text: &S,
    ) -> Option<Argument<'t>>;

    /// The range a use reports as its argument.
    fn argument_range(&self, argument: Node<'_>) -> Range<usize>;

    /// The callee of an expression that may construct something:
    /// `new X(...)` / `X(...)` in JavaScript, `X(...)` in Python.
    fn constructor_callee<'t>(&self, value: Node<'t>) -> Option<Node<'t>>;

    /// Whether a container lists every entry it has (no spread, no computed
    /// key): a key it lacks is absent, not unknown.
    fn is_plain_container(&self, container: Node<'_>) -> bool;
}

/// A call on a client with a model id, as a [`ModelUse`]: the receiver path,
/// the SDK method after it, and its evaluated model-id argument.
pub(super) fn model_use<'t, G, B, S>(
    grammar: &G,
    clients: &Clients,
    call: Node<'t>,
    text: &S,
    bindings: &mut B,
) -> Option<ModelUse>
where
    G: Grammar,
    B: Bindings<'t>,
    S: SourceText + ?Sized,
{
    let callee = grammar.callee(call)?;
    if !grammar.may_be_receiver(callee, clients, text) {
        return None;
    }
    let (root, mut path) = grammar.callee_path(callee, text)?;
    let receiver_len = match &root {
        Root::Name(name) if clients.is_client(name) => 0,
        root if grammar.is_this(root)
            && path
                .first()
                .is_some_and(|(field, _)| clients.is_client_field(field)) =>
        {
            1
        }
        _ => return None,
    };
    let method_path: Vec<&str> = path[receiver_len..]
        .iter()
        .map(|(name, _)| name.as_str())
        .collect();
    let method = super::sdk_method(&method_path)?;
    let method_range = path.pop()?.1;
    use_of(grammar, call, method, method_range, text, bindings)
}

/// The use a call of `method` makes: its model-id argument, evaluated.
fn use_of<'t, G, B, S>(
    grammar: &G,
    call: Node<'t>,
    method: &'static SdkMethod,
    method_range: Range<usize>,
    text: &S,
    bindings: &mut B,
) -> Option<ModelUse>
where
    G: Grammar,
    B: Bindings<'t>,
    S: SourceText + ?Sized,
{
    let argument = grammar.model_argument(call, method, text)?;
    let mut targets = Vec::new();
    let argument_range = match argument {
        Argument::Value(node) => {
            Evaluator::new(grammar, text, bindings).evaluate(node, &mut targets);
            grammar.argument_range(node)
        }
        Argument::Unpacked(node) => {
            targets.push(dynamic_target(text, node.byte_range(), node.byte_range()));
            grammar.argument_range(node)
        }
        Argument::Property(node) => {
            let mut evaluator = Evaluator::new(grammar, text, bindings);
            match evaluator.property(node, method.keywords)? {
                Some((value, None)) => {
                    evaluator.evaluate(value, &mut targets);
                    grammar.argument_range(value)
                }
                Some((value, Some(anchor))) => {
                    evaluator.evaluate_at(value, 1, Some(&anchor), &mut targets);
                    anchor
                }
                None => {
                    let range = grammar.argument_range(node);
                    targets.push(dynamic_target(text, range.clone(), range.clone()));
                    range
                }
            }
        }
    };
    Some(ModelUse {
        method,
        method_range,
        call_range: call.byte_range(),
        argument_range,
        targets,
    })
}

fn dynamic_target<S: SourceText + ?Sized>(
    text: &S,
    range: Range<usize>,
    expression: Range<usize>,
) -> Target {
    Target::Dynamic {
        range,
        expression: text_prefix(text, expression, DYNAMIC_PREFIX_CHARS),
    }
}

/// Every provider SDK call among `calls`: the callee's root is a name (or a
/// field of `this`/`self`) bound to an SDK import or client, and the table
/// says the path takes a model id.
pub(super) fn provider_uses<'t, G, B, S>(
    grammar: &G,
    receivers: &Receivers,
    calls: &[Node<'t>],
    language: SdkLanguage,
    text: &S,
    bindings: &mut B,
) -> Vec<ModelUse>
where
    G: Grammar,
    B: Bindings<'t>,
    S: SourceText + ?Sized,
{
    let mut uses = Vec::new();
    if receivers.is_empty() {
        return uses;
    }
    for &call in calls {
        let Some(callee) = grammar.callee(call) else {
            continue;
        };
        let Some((denotes, steps)) = receiver(grammar, receivers, callee, text) else {
            continue;
        };
        let names: Vec<&str> = steps.iter().map(|(name, _)| name.as_str()).collect();
        let method = Called::classify(denotes, &names, language)
            .into_iter()
            .find_map(|called| match called {
                Called::Model(method) => Some(method),
                Called::Client(_) => None,
            });
        let Some(method) = method else { continue };
        let method_range = steps
            .last()
            .map_or_else(|| callee.byte_range(), |(_, range)| range.clone());
        if let Some(found) = use_of(grammar, call, method, method_range, text, bindings) {
            uses.push(found);
        }
    }
    uses
}

/// What a callee's receiver is bound to, and the steps after it.
fn receiver<'r, G: Grammar, S: SourceText + ?Sized>(
    grammar: &G,
    receivers: &'r Receivers,
    callee: Node<'_>,
    text: &S,
) -> Option<(&'r Denotes, Vec<Step>)> {
    let (root, mut steps) = grammar.callee_path(callee, text)?;
    if let Root::Name(name) = &root
        && let Some(denotes) = receivers.names.get(name)
    {
        return Some((denotes, steps));
    }
    if grammar.is_this(&root) && !steps.is_empty() {
        let denotes = receivers.fields.get(&steps[0].0)?;
        steps.remove(0);
        return Some((denotes, steps));
    }
    None
}

/// Binds names (and `this`/`self` fields) assigned a provider client
/// (`client = OpenAI()`, `const r = new Replicate()`), or a name that holds
/// one, until nothing new is learned.
pub(super) fn bind_clients<'t, G, S>(
    grammar: &G,
    receivers: &mut Receivers,
    bound: &[(bool, String, Node<'t>)],
    language: SdkLanguage,
    text: &S,
) where
    G: Grammar,
    S: SourceText + ?Sized,
{
    // Each round learns at least one binding or stops; copies chain rarely.
    for _ in 0..=bound.len().min(8) {
        let mut learned = false;
        for (is_field, name, value) in bound {
            let value = grammar.unwrap(*value);
            let denotes = match grammar.constructor_callee(value) {
                Some(callee) => {
                    receiver(grammar, receivers, callee, text).and_then(|(denotes, steps)| {
                        let names: Vec<&str> = steps.iter().map(|(n, _)| n.as_str()).collect();
                        Called::classify(denotes, &names, language)
                            .into_iter()
                            .find_map(|called| match called {
                                Called::Client(sdk) => Some(Denotes::Client(sdk)),
                                Called::Model(_) => None,
                            })
                    })
                }
                None if grammar.shape(value, text) == Shape::Name => receivers
                    .names
                    .get(&*text.slice(value.byte_range()))
                    .cloned(),
                None => None,
            };
            let Some(denotes) = denotes else { continue };
            let map = if *is_field {
                &mut receivers.fields
            } else {
                &mut receivers.names
            };
            if map.get(name) != Some(&denotes) {
                map.insert(name.clone(), denotes);
                learned = true;
            }
        }
        if !learned {
            break;
        }
    }
}

/// Evaluates expressions of one file into targets.
pub(super) struct Evaluator<'a, G, B, S: ?Sized> {
    grammar: &'a G,
    text: &'a S,
    bindings: &'a mut B,
}

impl<'a, 't, G, B, S> Evaluator<'a, G, B, S>
where
    G: Grammar,
    B: Bindings<'t>,
    S: SourceText + ?Sized,
{
    pub(super) fn new(grammar: &'a G, text: &'a S, bindings: &'a mut B) -> Self {
        Self {
            grammar,
            text,
            bindings,
        }
    }

    /// Every value `node` may have: one target, or one per arm of a choice.
    pub(super) fn evaluate(&mut self, node: Node<'t>, out: &mut Vec<Target>) {
        self.evaluate_at(node, 0, None, out);
    }

    /// The value of the first of `keys` in an options object: `None` when
    /// the object is written out and has none of them (no model id: the
    /// SDK's default), `Some(None)` when the object cannot be known, else
    /// the value and, when the object was reached through a binding, the
    /// call-site range to report it at.
    #[allow(clippy::type_complexity)]
    fn property(
        &mut self,
        node: Node<'t>,
        keys: &[&str],
    ) -> Option<Option<(Node<'t>, Option<Range<usize>>)>> {
        let object = self.grammar.unwrap(node);
        let (container, anchor) = match self.grammar.shape(object, self.text) {
            Shape::Name | Shape::Member { .. } => match self.container(object, 0) {
                Some(container) => (container, Some(object.byte_range())),
                None => return Some(None),
            },
            _ => (object, None),
        };
        for key in keys {
            let key = Key::Field((*key).to_string());
            if let Some(value) = self.grammar.entry(container, &key, self.text) {
                return Some(Some((value, anchor)));
            }
        }
        if self.grammar.is_plain_container(container) {
            None
        } else {
            Some(None)
        }
    }

    /// `anchor` is the call-site range once a binding has been followed.
    fn evaluate_at(
        &mut self,
        node: Node<'t>,
        depth: usize,
        anchor: Option<&Range<usize>>,
        out: &mut Vec<Target>,
    ) {
        let node = self.grammar.unwrap(node);
        let range = anchor.cloned().unwrap_or_else(|| node.byte_range());
        let text = self.text;
        let dynamic = |out: &mut Vec<Target>| {
            let expression = text_prefix(text, node.byte_range(), DYNAMIC_PREFIX_CHARS);
            out.push(Target::Dynamic {
                range: range.clone(),
                expression,
            });
        };
        if depth > MAX_BINDING_DEPTH {
            return dynamic(out);
        }
        match self.grammar.shape(node, text) {
            Shape::Literal => match self.grammar.string(node, text) {
                Some(id) => out.push(Target::Static { id, range }),
                None => dynamic(out),
            },
            Shape::Choice(arms) => {
                for arm in arms {
                    match arm {
                        Some(arm) => self.evaluate_at(arm, depth + 1, anchor, out),
                        None => dynamic(out),
                    }
                }
            }
            Shape::Name | Shape::Member { .. } => {
                let here = node.byte_range();
                let anchor = anchor.unwrap_or(&here);
                match self.resolve_value(node, depth) {
                    Some(value) => self.evaluate_at(value, depth + 1, Some(anchor), out),
                    None => dynamic(out),
                }
            }
            Shape::Other => dynamic(out),
        }
    }

    /// The expression a constant name or a constant container's entry is
    /// bound to.
    fn resolve_value(&mut self, node: Node<'t>, depth: usize) -> Option<Node<'t>> {
        if depth > MAX_BINDING_DEPTH {
            return None;
        }
        let node = self.grammar.unwrap(node);
        match self.grammar.shape(node, self.text) {
            Shape::Name => match self.lookup(node)? {
                Binding::Const(value) => Some(value),
                _ => None,
            },
            Shape::Member {
                object,
                key,
                or_object,
            } => {
                let entry = self
                    .container(object, depth)
                    .and_then(|container| self.grammar.entry(container, &key, self.text));
                match entry {
                    Some(value) => Some(value),
                    None if or_object => self.resolve_value(object, depth + 1),
                    None => None,
                }
            }
            _ => None,
        }
    }

    /// The container `object` denotes: a class it names, or the literal a
    /// chain of constants ends at (`const A = B` where B is the object).
    fn container(&mut self, object: Node<'t>, depth: usize) -> Option<Node<'t>> {
        let object = self.grammar.unwrap(object);
        if self.grammar.shape(object, self.text) == Shape::Name
            && let Some(Binding::Class(class)) = self.lookup(object)
        {
            return Some(class);
        }
        let mut container = self.grammar.unwrap(self.resolve_value(object, depth + 1)?);
        let mut hops = 0;
        while matches!(
            self.grammar.shape(container, self.text),
            Shape::Name | Shape::Member { .. }
        ) {
            hops += 1;
            if hops > MAX_BINDING_DEPTH {
                return None;
            }
            container = self
                .grammar
                .unwrap(self.resolve_value(container, depth + hops)?);
        }
        Some(container)
    }

    fn lookup(&mut self, name: Node<'t>) -> Option<Binding<'t>> {
        let text = self.text.slice(name.byte_range());
        self.bindings.lookup(name, &text, self.text)
    }
}

/// The first `chars` characters of `range`, copying no more than that: a
/// rope slice of a whole nested expression would be copied at every level.
pub(crate) fn text_prefix<S: SourceText + ?Sized>(
    text: &S,
    range: Range<usize>,
    chars: usize,
) -> String {
    let wanted = range.start.saturating_add(chars * 4).min(range.end);
    // Back off to a character boundary (a UTF-8 character is at most 4 bytes).
    (0..4)
        .map(|back| text.slice(range.start..wanted.saturating_sub(back).max(range.start)))
        .find(|slice| !slice.is_empty() || wanted == range.start)
        .map(|slice| slice.chars().take(chars).collect())
        .unwrap_or_default()
}

/// Visits every node under `root` (itself included) in document order;
/// `visit` returns whether to descend into the node's children. A cursor
/// loop, not recursion: generated files nest deeper than the stack allows.
pub(super) fn preorder<'t>(root: Node<'t>, mut visit: impl FnMut(Node<'t>) -> bool) {
    let mut cursor = root.walk();
    'outer: loop {
        let node = cursor.node();
        if visit(node) && cursor.goto_first_child() {
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
}

/// The ancestors of a node, root first. tree-sitter's `parent()` searches
/// down from the root on every call, so the chain is built in one descent.
pub(super) fn ancestors<'t>(root: Node<'t>, node: Node<'t>) -> Vec<Node<'t>> {
    let mut chain = Vec::new();
    let mut current = root;
    while current != node {
        chain.push(current);
        match current.child_with_descendant(node) {
            Some(child) => current = child,
            None => break,
        }
    }
    chain
}

#[cfg(test)]
mod tests;
