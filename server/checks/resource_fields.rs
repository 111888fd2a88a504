//! Pattern keys checked against the resources a rule matches: a key that none of the matched
//! kinds has at that place (`runAsNonRot` for `runAsNonRoot`) makes a pattern that can never
//! mean what its author wrote, and Kyverno then reports every resource as failing (or, under a
//! conditional anchor, skips it) without saying why. The kinds come from the rule's
//! `match` and the fields from the Kubernetes API index; a kind the index does not know (a
//! custom resource, a wildcard) turns the check off for the rule.

use super::did_you_mean;
use crate::diag::Diagnostic;
use crate::engine::anchor;
use crate::k8s::{self, Shape};
use crate::model::Policy;
use crate::yaml::{Node, NodeKind};

/// Warnings for the `pattern` and `anyPattern` keys of every rule of `policy`.
pub fn check(root: &Node, policy: &Policy, out: &mut Vec<Diagnostic>) {
    let api = k8s::api();
    for rule in &policy.rules {
        let Some(kinds) = &rule.match_kinds else {
            continue;
        };
        let mut roots: Vec<(Shape, &'static str)> = Vec::new();
        let mut known = true;
        for selector in kinds {
            match api.kinds_of_selector(selector) {
                Some(found) => roots.extend(found.iter().map(|k| (Shape::Object(k.ty), k.kind))),
                None => known = false,
            }
        }
        if !known || roots.is_empty() {
            continue;
        }
        let Some(validate) = policy.rule_node(root, rule).and_then(|r| r.get("validate")) else {
            continue;
        };
        let mut names: Vec<&str> = roots.iter().map(|(_, k)| *k).collect();
        names.dedup();
        let shapes: Vec<&Shape> = roots.iter().map(|(s, _)| s).collect();
        let mut patterns: Vec<&Node> = validate.get("pattern").into_iter().collect();
        patterns.extend(
            validate
                .get("anyPattern")
                .and_then(Node::as_sequence)
                .unwrap_or_default(),
        );
        for p in patterns {
            walk(p, &shapes, &names.join(", "), out);
        }
    }
}

/// What is known below a value of these shapes.
enum Below<'a> {
    /// The shapes of the field in the objects that have it (empty: none has it).
    Fields(Vec<&'a Shape>),
    /// A map with free keys, or any JSON: nothing to check below.
    Free,
}

fn field_shapes<'a>(shapes: &[&'a Shape], key: &str) -> (Below<'a>, Vec<&'static str>) {
    let api = k8s::api();
    let mut found = Vec::new();
    let mut candidates = Vec::new();
    for shape in shapes {
        match shape {
            Shape::Object(t) => {
                let ty = api.ty(*t);
                match ty.field(key) {
                    Some(f) => found.push(&f.shape),
                    None => candidates.extend(ty.fields.iter().map(|f| f.name)),
                }
            }
            Shape::Map(_) | Shape::Any => return (Below::Free, Vec::new()),
            // A scalar where the pattern has a map: the value check's business, not ours.
            _ => return (Below::Free, Vec::new()),
        }
    }
    (Below::Fields(found), candidates)
}

fn walk(node: &Node, shapes: &[&Shape], kinds: &str, out: &mut Vec<Diagnostic>) {
    match &node.kind {
        NodeKind::Mapping(entries) => {
            for e in entries {
                let Some(written) = e.key.as_str() else {
                    continue;
                };
                let key = anchor::parse(written).map_or(written, |a| a.key);
                // Wildcard keys (`*`, `app.*`) match fields by pattern.
                if key.contains(['*', '?']) {
                    continue;
                }
                match field_shapes(shapes, key) {
                    (Below::Free, _) => {}
                    (Below::Fields(found), candidates) if found.is_empty() => {
                        let owner = owner_name(shapes);
                        let mut message = format!(
                            "`{key}` is not a field of {owner} in {kinds} (Kubernetes {}), so this part of the pattern can never match what it names.",
                            k8s::KUBERNETES_VERSION
                        );
                        if let Some(best) = did_you_mean(key, candidates.into_iter()) {
                            message.push_str(&format!(" Did you mean `{best}`?"));
                        }
                        out.push(Diagnostic::warning(
                            "pattern-unknown-field",
                            e.key.span.clone(),
                            message,
                        ));
                    }
                    (Below::Fields(found), _) => walk(&e.value, &found, kinds, out),
                }
            }
        }
        NodeKind::Sequence(items) => {
            let inner: Vec<&Shape> = shapes
                .iter()
                .filter_map(|s| match s {
                    Shape::Array(inner) => Some(&**inner),
                    _ => None,
                })
                .collect();
            // Only where every shape is a list is anything known about the items.
            if inner.len() == shapes.len() && !inner.is_empty() {
                for item in items {
                    walk(item, &inner, kinds, out);
                }
            }
        }
        NodeKind::Scalar(_) => {}
    }
}

/// The types the message names (`PodSecurityContext`, `DeploymentSpec or StatefulSetSpec`).
fn owner_name(shapes: &[&Shape]) -> String {
    let mut names: Vec<String> = Vec::new();
    for s in shapes {
        let n = s.describe();
        if !names.contains(&n) {
            names.push(n);
        }
    }
    names.join(" or ")
}
