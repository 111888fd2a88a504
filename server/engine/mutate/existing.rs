//! Mutate rules with `targets` (mutateExisting; K:pkg/engine/handlers/mutation/
//! mutate_existing.go and load_targets.go). In a cluster the background controller applies
//! them later; `kyverno test` runs them at once on the objects of its fake cluster and leaves
//! the trigger alone. Each target selector is substituted in the rule's context and picks
//! objects: a namespace and a name without wildcards name one object, which must exist;
//! anything else lists the kind across every namespace, filtered by wildcard namespace and
//! name and by the label selector. A namespaced Policy only reaches its own namespace. Each
//! object then gets `target` in the context, the selector's own context entries and
//! preconditions, and the rule's patch: one response per object.

use super::{Context, Status, Value, patch_object, present, vars};
use crate::engine::matching::{parse_kind_selector, resource_gvk, selector_matches, wildcard};

/// One response of a rule with targets: status, message, and the target after the patch when
/// it changed.
pub(super) type TargetOutcome = (Status, String, Option<Value>);

/// Runs a matched rule's patch on each of its targets, found among `existing`. `namespace`
/// is a namespaced Policy's namespace.
pub(super) fn run(
    mutate: &Value,
    rule: &str,
    ctx: &mut Context,
    namespace: Option<&str>,
    existing: &[Value],
) -> Vec<TargetOutcome> {
    let specs = mutate
        .at(&["targets"])
        .and_then(Value::as_array)
        .unwrap_or_default();
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let mut found: Vec<(&Value, &Value)> = Vec::new();
    for (i, spec) in specs.iter().enumerate() {
        match select(spec, i, ctx, namespace, existing) {
            Ok(objects) => found.extend(objects.into_iter().map(|o| (spec, o))),
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        // Kyverno's rule error has an empty message before the joined causes.
        out.push((Status::Error, format!(": {}", errors.join("; ")), None));
    }
    for (spec, object) in found {
        out.push(one_target(mutate, rule, ctx, spec, object));
    }
    out
}

fn one_target(
    mutate: &Value,
    rule: &str,
    ctx: &Context,
    spec: &Value,
    object: &Value,
) -> TargetOutcome {
    let mut c = ctx.clone();
    c.set("target", object.clone());
    if let Err(e) = c.register(spec.at(&["context"]).unwrap_or(&Value::Null), &[]) {
        return (Status::Error, format!("failed to load context: {e}"), None);
    }
    let conditions = present(spec.at(&["preconditions"]));
    if let Some((status, message)) = super::precondition_outcome(&mut c, conditions) {
        return (status, message, None);
    }
    patch_object(mutate, &mut c, rule, object)
}

/// The objects target selector `i` picks.
fn select<'e>(
    spec: &Value,
    i: usize,
    ctx: &mut Context,
    policy_namespace: Option<&str>,
    existing: &'e [Value],
) -> Result<Vec<&'e Value>, String> {
    // The selector is substituted on its own: its context and preconditions wait for
    // `target`.
    let mut selector = spec.as_object().cloned().unwrap_or_default();
    selector.remove("context");
    selector.remove("preconditions");
    let selector = vars::substitute_all(ctx, &Value::object(selector))
        .map_err(|e| format!("failed to substitute variables in target[{i}]: {e}"))?;
    let api_version = selector.str_at(&["apiVersion"]);
    let kind = selector.str_at(&["kind"]);
    let name = selector.str_at(&["name"]);
    let namespace = policy_namespace.unwrap_or(selector.str_at(&["namespace"]));
    let (g, v, k, _) = parse_kind_selector(&format!("{api_version}/{kind}"));
    let of_kind = |o: &&Value| {
        let (group, version, object_kind) = resource_gvk(o);
        wildcard(&g, &group) && wildcard(&v, &version) && wildcard(&k, &object_kind)
    };
    let has_wildcard = |s: &str| s.contains(['*', '?']);
    if !namespace.is_empty() && !name.is_empty() && !has_wildcard(namespace) && !has_wildcard(name)
    {
        return existing
            .iter()
            .filter(of_kind)
            .find(|o| {
                o.str_at(&["metadata", "namespace"]) == namespace
                    && o.str_at(&["metadata", "name"]) == name
            })
            .map(|o| vec![o])
            .ok_or_else(|| {
                let (plural, _) = crate::engine::cel::resources::resource_of(&k);
                format!("{plural} \"{name}\" not found")
            });
    }
    let label_selector = present(selector.at(&["selector"]));
    Ok(existing
        .iter()
        .filter(of_kind)
        .filter(|o| {
            names_match(
                namespace,
                name,
                o.str_at(&["metadata", "namespace"]),
                o.str_at(&["metadata", "name"]),
            )
        })
        .filter(|o| {
            label_selector.is_none_or(|sel| {
                let labels = o
                    .at(&["metadata", "labels"])
                    .and_then(Value::as_object)
                    .map(|m| {
                        m.iter()
                            .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                            .collect()
                    })
                    .unwrap_or_default();
                selector_matches(sel, &labels)
            })
        })
        .collect())
}

/// Kyverno's filter of listed targets: an empty pattern matches anything, and a name
/// pattern alone matches in every namespace.
fn names_match(namespace_pattern: &str, name_pattern: &str, namespace: &str, name: &str) -> bool {
    (namespace_pattern.is_empty() || wildcard(namespace_pattern, namespace))
        && (name_pattern.is_empty() || wildcard(name_pattern, name))
}
