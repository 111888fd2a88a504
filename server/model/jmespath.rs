//! Where JMESPath lives in a ClusterPolicy or Policy rule: `{{ }}` templates in any string
//! (value or key), and the braceless fields that hold a bare expression (`foreach[].list`,
//! context `jmesPath`s). Each site knows what is in scope there: the context entries defined
//! before it, how deep in `foreach` it is, and whether the policy runs in the background.

use std::ops::Range;

use crate::diag::Span;
use crate::jmespath::template;
use crate::yaml::{Entry, Node, NodeKind};

/// What an expression may refer to at its site.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    /// Names of the context entries defined before this site (the rule's, then those of the
    /// enclosing `foreach` entries).
    pub context: Vec<String>,
    /// How many `foreach` levels enclose the site (`element` needs at least one).
    pub foreach_depth: usize,
    /// The `list` expression of each `foreach` entry enclosing the site, outermost first
    /// (`None` where it is not text): `element` is an item of the last one.
    pub element_lists: Vec<Option<String>>,
    /// `spec.background` (default true): user-information variables are forbidden.
    pub background: bool,
    /// In a `verifyImages[].attestations[].conditions`, Kyverno adds the attestation's
    /// `predicate` map to the top of the context, so any root name may exist there
    /// (`{{ builder.id }}`); its admission check skips variables there for that reason.
    pub any_root: bool,
}

/// One JMESPath expression of a policy.
#[derive(Debug, Clone, PartialEq)]
pub struct JmesSite {
    /// The rule it belongs to (index in [`super::Policy::rules`]).
    pub rule: usize,
    /// The span of the scalar (a value or a mapping key) holding the expression.
    pub span: Span,
    /// Byte range of the expression in the scalar's value.
    pub expr: Range<usize>,
    /// A bare expression field rather than a `{{ }}` template.
    pub braceless: bool,
    /// Evaluated against fetched data (an API response, image metadata, a global context
    /// entry) rather than against the rule's variables.
    pub relative: bool,
    pub scope: Scope,
    /// For a template that holds other templates (`{{ x[?name == '{{element.name}}'] }}`),
    /// its expression as Kyverno evaluates it once the inner ones are substituted: each inner
    /// template masked by as many `x` (a string in its quotes), so that offsets still match
    /// the text. The inner templates are sites of their own.
    pub masked: Option<String>,
}

impl JmesSite {
    /// The scalar holding the expression, in the tree the site was lowered from.
    pub fn node<'a>(&self, root: &'a Node) -> Option<&'a Node> {
        root.find(&self.span)
    }
}

/// A site found by the walk, still pointing into the tree.
struct Site<'a> {
    node: &'a Node,
    expr: Range<usize>,
    braceless: bool,
    relative: bool,
    scope: Scope,
    masked: Option<String>,
}

/// Fields of a context entry whose `jmesPath` holds a bare expression.
const SOURCES: &[&str] = &["variable", "apiCall", "imageRegistry", "globalReference"];

/// Every expression of one rule (`rule_index` in the lowered policy), in document order.
/// `background` is the policy's `spec.background`.
pub(super) fn rule_sites(rule: &Node, rule_index: usize, background: bool) -> Vec<JmesSite> {
    let mut out = Vec::new();
    let Some(entries) = rule.as_mapping() else {
        return Vec::new();
    };
    let context = rule
        .get("context")
        .and_then(Node::as_sequence)
        .unwrap_or_default();
    let outer = Scope {
        context: Vec::new(),
        foreach_depth: 0,
        element_lists: Vec::new(),
        background,
        any_root: false,
    };
    let mut full = outer.clone();
    full.context.extend(names(context));
    for e in entries {
        match e.key.as_str() {
            // Kyverno does not substitute variables in match and exclude.
            Some("match" | "exclude") => {}
            Some("context") => context_list(context, &outer, &mut out),
            Some("verifyImages") => verify_images(&e.value, &full, &mut out),
            _ => walk(&e.value, &full, &mut out),
        }
    }
    out.into_iter()
        .map(|s| JmesSite {
            rule: rule_index,
            span: s.node.span.clone(),
            expr: s.expr,
            braceless: s.braceless,
            relative: s.relative,
            scope: s.scope,
            masked: s.masked,
        })
        .collect()
}

fn names(context: &[Node]) -> impl Iterator<Item = String> + '_ {
    context
        .iter()
        .filter_map(|c| c.get("name").and_then(Node::as_str))
        .map(str::to_string)
}

/// Context entries in order: each sees the ones defined before it.
fn context_list<'a>(entries: &'a [Node], before: &Scope, out: &mut Vec<Site<'a>>) {
    let mut scope = before.clone();
    for entry in entries {
        context_entry(entry, &scope, out);
        if let Some(name) = entry.get("name").and_then(Node::as_str) {
            scope.context.push(name.to_string());
        }
    }
}

fn context_entry<'a>(entry: &'a Node, scope: &Scope, out: &mut Vec<Site<'a>>) {
    for e in entry.as_mapping().unwrap_or_default() {
        let Some(source) = e.key.as_str().filter(|k| SOURCES.contains(k)) else {
            walk(&e.value, scope, out);
            continue;
        };
        // Only a `variable` is evaluated against the rule's variables; the other sources'
        // `jmesPath` reads the data they fetch.
        let relative = source != "variable";
        for f in e.value.as_mapping().unwrap_or_default() {
            if f.key.as_str() == Some("jmesPath") {
                braceless(&f.value, scope, relative, out);
            } else {
                walk(&f.value, scope, out);
            }
        }
    }
}

fn braceless<'a>(node: &'a Node, scope: &Scope, relative: bool, out: &mut Vec<Site<'a>>) {
    let Some(text) = node.as_string_value() else {
        return;
    };
    if text.contains("{{") {
        // Templates are substituted first; the result is the expression.
        templates(node, scope, out);
    } else if !text.trim().is_empty() {
        let start = text.len() - text.trim_start().len();
        let expr = start..text.trim_end().len();
        out.push(Site {
            node,
            expr,
            braceless: true,
            relative,
            scope: scope.clone(),
            masked: None,
        });
    }
}

fn templates<'a>(node: &'a Node, scope: &Scope, out: &mut Vec<Site<'a>>) {
    let Some(text) = node.as_string_value() else {
        return;
    };
    if !text.contains("{{") {
        return;
    }
    let found = template::find(text);
    for t in &found {
        // `{{ @ }}` stands for the current path in mutate patterns, not an expression.
        if text[t.expr.clone()].trim() == "@" {
            continue;
        }
        out.push(Site {
            node,
            expr: t.expr.clone(),
            braceless: false,
            relative: false,
            scope: scope.clone(),
            masked: None,
        });
    }
    nested(node, text, &found, scope, out);
}

/// The byte ranges of the quoted parts (`'raw'`, `"identifier"`, `` `literal` ``) of the
/// expression at `range` in `text`, quotes excluded; a backslash escapes the next character.
fn quoted_ranges(text: &str, range: Range<usize>) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut open: Option<(char, usize)> = None;
    let mut escaped = false;
    for (i, c) in text[range.clone()].char_indices() {
        let at = range.start + i;
        match open {
            Some(_) if escaped => escaped = false,
            Some(_) if c == '\\' => escaped = true,
            Some((q, start)) if c == q => {
                out.push(start..at);
                open = None;
            }
            Some(_) => {}
            None if matches!(c, '\'' | '"' | '`') => open = Some((c, at + 1)),
            None => {}
        }
    }
    out
}

/// The templates that hold others. Kyverno substitutes the inner ones first and then finds
/// the outer one in the result; here each inner template is masked, and what then reads as a
/// template is an outer one. Only outer templates whose inner ones all stand in quotes are
/// kept: there the substituted value is a string literal whatever it is, so the masked text
/// parses as Kyverno's will.
fn nested<'a>(
    node: &'a Node,
    text: &str,
    inner: &[template::Template],
    scope: &Scope,
    out: &mut Vec<Site<'a>>,
) {
    if inner.is_empty() {
        return;
    }
    let mut bytes = text.as_bytes().to_vec();
    for t in inner {
        bytes[t.range.clone()].fill(b'x');
    }
    // Whole templates start and end on ASCII braces, so the mask keeps the text UTF-8.
    let Ok(masked) = String::from_utf8(bytes) else {
        return;
    };
    for outer in template::find(&masked) {
        let held: Vec<_> = inner
            .iter()
            .filter(|t| outer.range.start < t.range.start && t.range.end <= outer.range.end)
            .collect();
        let literals = quoted_ranges(&masked, outer.expr.clone());
        let in_literal = |r: &Range<usize>| {
            literals
                .iter()
                .any(|l| l.start <= r.start && r.end <= l.end)
        };
        if held.is_empty() || !held.iter().all(|t| in_literal(&t.range)) {
            continue;
        }
        out.push(Site {
            node,
            expr: outer.expr.clone(),
            braceless: false,
            relative: false,
            scope: scope.clone(),
            masked: Some(masked[outer.expr].to_string()),
        });
    }
}

/// `verifyImages` entries: conditions on an attestation see its predicate's fields as roots.
fn verify_images<'a>(node: &'a Node, scope: &Scope, out: &mut Vec<Site<'a>>) {
    let Some(items) = node.as_sequence() else {
        return walk(node, scope, out);
    };
    let predicate = Scope {
        any_root: true,
        ..scope.clone()
    };
    for item in items {
        for e in item.as_mapping().unwrap_or_default() {
            let Some(attestations) = e
                .key
                .as_str()
                .filter(|k| *k == "attestations")
                .and(e.value.as_sequence())
            else {
                entry(e, scope, out);
                continue;
            };
            templates(&e.key, scope, out);
            for a in attestations {
                let Some(fields) = a.as_mapping() else {
                    walk(a, scope, out);
                    continue;
                };
                for f in fields {
                    if f.key.as_str() == Some("conditions") {
                        templates(&f.key, scope, out);
                        walk(&f.value, &predicate, out);
                    } else {
                        entry(f, scope, out);
                    }
                }
            }
        }
        if item.as_mapping().is_none() {
            walk(item, scope, out);
        }
    }
}

/// Templates in every string and key below `node`; `foreach` opens a scope for `element`.
/// Recursion is bounded by the YAML layer's depth limit.
fn walk<'a>(node: &'a Node, scope: &Scope, out: &mut Vec<Site<'a>>) {
    match &node.kind {
        NodeKind::Scalar(_) => templates(node, scope, out),
        NodeKind::Sequence(items) => items.iter().for_each(|i| walk(i, scope, out)),
        NodeKind::Mapping(entries) => entries.iter().for_each(|e| entry(e, scope, out)),
    }
}

fn entry<'a>(e: &'a Entry, scope: &Scope, out: &mut Vec<Site<'a>>) {
    templates(&e.key, scope, out);
    if let (Some("foreach"), Some(items)) = (e.key.as_str(), e.value.as_sequence()) {
        let inner = Scope {
            foreach_depth: scope.foreach_depth + 1,
            ..scope.clone()
        };
        for item in items {
            foreach_item(item, scope, &inner, out);
        }
    } else {
        walk(&e.value, scope, out);
    }
}

/// A `foreach` entry: its `list` is evaluated outside the element scope it opens, and its own
/// `context` entries are in scope for the rest of it.
fn foreach_item<'a>(item: &'a Node, outer: &Scope, inner: &Scope, out: &mut Vec<Site<'a>>) {
    let context = item
        .get("context")
        .and_then(Node::as_sequence)
        .unwrap_or_default();
    let mut inner = inner.clone();
    inner
        .element_lists
        .push(item.get("list").and_then(Node::as_str).map(str::to_string));
    let inner = &inner;
    let mut body = inner.clone();
    body.context.extend(names(context));
    for e in item.as_mapping().unwrap_or_default() {
        match e.key.as_str() {
            Some("list") => braceless(&e.value, outer, false, out),
            Some("context") => context_list(context, inner, out),
            _ => entry(e, &body, out),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The sites of the policy in `text`, with the text of each expression.
    fn lowered(text: &str) -> Vec<(String, JmesSite)> {
        let docs = crate::yaml::parse(text, &crate::yaml::Limits::default());
        let root = docs[0].root.as_ref().unwrap();
        let policy = crate::model::Policy::lower(root).unwrap();
        policy
            .jmespath
            .into_iter()
            .map(|s| {
                (
                    s.node(root).unwrap().as_str().unwrap()[s.expr.clone()].to_string(),
                    s,
                )
            })
            .collect()
    }

    fn sites(text: &str) -> Vec<(String, bool, usize, Vec<String>)> {
        lowered(text)
            .into_iter()
            .map(|(expr, s)| (expr, s.braceless, s.scope.foreach_depth, s.scope.context))
            .collect()
    }

    #[test]
    fn finds_every_site_with_its_scope() {
        let t = "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nspec:\n  rules:\n  - name: r\n    match: {any: [{resources: {kinds: ['{{ not.this }}']}}]}\n    context:\n    - name: a\n      variable:\n        jmesPath: request.object\n    - name: b\n      variable:\n        value: '{{ a.x }}'\n    preconditions:\n      all:\n      - key: '{{ b }}'\n        operator: Equals\n        value: x\n    validate:\n      foreach:\n      - list: request.object.spec.containers\n        foreach:\n        - list: element.ports\n          deny:\n            conditions:\n              any:\n              - key: '{{ element.containerPort }}'\n                operator: Equals\n                value: 80\n";
        let s = sites(t);
        let v = |e: &str, b: bool, d: usize, c: &[&str]| {
            (
                e.to_string(),
                b,
                d,
                c.iter().map(|x| x.to_string()).collect::<Vec<_>>(),
            )
        };
        assert_eq!(
            s,
            vec![
                v("request.object", true, 0, &[]),
                v("a.x", false, 0, &["a"]),
                v("b", false, 0, &["a", "b"]),
                v("request.object.spec.containers", true, 0, &["a", "b"]),
                v("element.ports", true, 1, &["a", "b"]),
                v("element.containerPort", false, 2, &["a", "b"]),
            ]
        );
    }

    #[test]
    fn attestation_conditions_accept_any_root() {
        let t = "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nspec:\n  rules:\n  - name: r\n    verifyImages:\n    - imageReferences: ['{{ a }}']\n      attestations:\n      - type: t\n        attestors: [{entries: [{keys: {publicKeys: '{{ b }}'}}]}]\n        conditions:\n        - all:\n          - key: '{{ builder.id }}'\n            operator: Equals\n            value: x\n";
        let any_root: Vec<(String, bool)> = lowered(t)
            .into_iter()
            .map(|(expr, s)| (expr, s.scope.any_root))
            .collect();
        assert_eq!(
            any_root,
            vec![
                ("a".to_string(), false),
                ("b".to_string(), false),
                ("builder.id".to_string(), true),
            ]
        );
    }
}
