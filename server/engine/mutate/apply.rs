//! The merge of a MutatingPolicy's `applyConfiguration` into a resource: Kubernetes'
//! structured merge (server-side apply's `Merge`, as the apiserver's mutating admission policy
//! patcher runs it), typed by the Kubernetes API index.
//!
//! - Object fields merge one by one; maps such as `labels` merge key by key.
//! - Lists declared `listType: map` merge element by element on their keys, and `set` lists
//!   value by value. An element the configuration names keeps its place in the resource;
//!   new elements come after the resource's, or before the first element they precede in the
//!   configuration.
//! - Every other list, and the structs and maps Kubernetes declares atomic, may not appear in
//!   an apply configuration: the patcher refuses it, naming the paths.
//! - A field the type does not declare is an error.
//! - A kind the index does not know (a custom resource) merges untyped: objects field by
//!   field, lists replaced whole, as a schema without list types would have it.

use crate::jmespath::value::{Map, Value};
use crate::k8s::{self, Shape, TypeRef};

/// How a list merges in a structured merge (`x-kubernetes-list-type`).
#[derive(Debug, Clone, Copy, PartialEq)]
enum ListType {
    /// `map`: elements are identified by these keys.
    Map(&'static [&'static str]),
    /// `set`: scalar elements identified by their value.
    Set,
}

/// The list type of field `field` of the object type whose short name is `owner`; None for an
/// atomic list. From Kubernetes' OpenAPI definitions.
fn list_type(owner: &str, field: &str) -> Option<ListType> {
    use ListType::*;
    const NAME: &[&str] = &["name"];
    Some(match (owner, field) {
        (
            "PodSpec",
            "containers"
            | "initContainers"
            | "ephemeralContainers"
            | "imagePullSecrets"
            | "volumes"
            | "resourceClaims"
            | "schedulingGates"
            | "evictionResponders",
        ) => Map(NAME),
        ("PodSpec", "hostAliases") => Map(&["ip"]),
        ("PodSpec", "topologySpreadConstraints") => Map(&["topologyKey", "whenUnsatisfiable"]),
        ("Container" | "EphemeralContainer", "env") => Map(NAME),
        ("Container" | "EphemeralContainer", "ports") => Map(&["containerPort", "protocol"]),
        ("Container" | "EphemeralContainer", "volumeMounts") => Map(&["mountPath"]),
        ("Container" | "EphemeralContainer", "volumeDevices") => Map(&["devicePath"]),
        ("ResourceRequirements", "claims") => Map(NAME),
        ("ServiceSpec", "ports") => Map(&["port", "protocol"]),
        ("ServiceAccount", "secrets") => Map(NAME),
        ("ObjectMeta", "ownerReferences") => Map(&["uid"]),
        ("ObjectMeta", "finalizers") => Set,
        ("NodeSpec", "podCIDRs") => Set,
        ("NodeStatus", "addresses") => Map(&["type"]),
        ("PodStatus", "podIPs") => Map(&["ip"]),
        ("CSINodeSpec", "drivers") => Map(NAME),
        ("MutatingWebhookConfiguration" | "ValidatingWebhookConfiguration", "webhooks") => {
            Map(NAME)
        }
        (
            "ValidatingAdmissionPolicySpec"
            | "MutatingAdmissionPolicySpec"
            | "MutatingWebhook"
            | "ValidatingWebhook",
            "matchConditions",
        ) => Map(NAME),
        ("ValidatingAdmissionPolicySpec", "variables") => Map(NAME),
        ("ValidatingAdmissionPolicyBindingSpec", "validationActions") => Set,
        (o, "conditions") if o.ends_with("Status") => Map(&["type"]),
        _ => return None,
    })
}

/// Struct types Kubernetes declares atomic (`x-kubernetes-map-type: atomic`).
const ATOMIC_STRUCTS: &[&str] = &[
    "ConfigMapKeySelector",
    "CrossVersionObjectReference",
    "EndpointAddress",
    "EndpointPort",
    "FileKeySelector",
    "LabelSelector",
    "LocalObjectReference",
    "NodeSelector",
    "NodeSelectorTerm",
    "ObjectFieldSelector",
    "ObjectReference",
    "OwnerReference",
    "ResourceFieldSelector",
    "RoleRef",
    "ScopeSelector",
    "SecretKeySelector",
    "SecretReference",
    "ServiceBackendPort",
    "Subject",
    "TopologySelectorTerm",
    "TypedLocalObjectReference",
];

/// Map fields Kubernetes declares atomic.
fn atomic_map(owner: &str, field: &str) -> bool {
    matches!(
        (owner, field),
        ("PodSpec" | "Scheduling", "nodeSelector")
            | ("ReplicationControllerSpec" | "ServiceSpec", "selector")
    )
}

fn short(t: TypeRef) -> &'static str {
    let name: &'static str = &k8s::api().ty(t).name;
    name.rsplit('.').next().unwrap_or(name)
}

/// Where a value sits: its shape, and the type and field that hold it.
#[derive(Clone, Copy)]
struct At<'a> {
    shape: &'a Shape,
    owner: Option<(&'static str, &'static str)>,
}

/// `config` merged into `resource` as the mutating admission patcher merges an apply
/// configuration, or its error message.
pub fn apply_configuration(resource: &Value, config: &Value) -> Result<Value, String> {
    let api_version = resource.str_at(&["apiVersion"]);
    let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
    let root = match k8s::api().kind(group, version, resource.str_at(&["kind"])) {
        Some(kind) => Shape::Object(kind.ty),
        None => Shape::Any,
    };
    let at = At {
        shape: &root,
        owner: None,
    };
    let mut config = config.clone();
    // The configuration is the resource's kind, whatever it says.
    if let Value::Object(m) = &mut config {
        let m = std::sync::Arc::make_mut(m);
        m.insert("apiVersion".into(), Value::from(api_version));
        m.insert("kind".into(), Value::from(resource.str_at(&["kind"])));
    }
    let mut unknown = Vec::new();
    let mut atomics = Vec::new();
    check(&config, at, "", &mut unknown, &mut atomics);
    if let Some(first) = unknown.first() {
        return Err(format!(
            "error applying patch: failed to convert patch object to typed object: {first}: field not declared in schema"
        ));
    }
    if !atomics.is_empty() {
        return Err(format!(
            "error applying patch: invalid ApplyConfiguration: may not mutate atomic arrays, maps or structs: {}",
            atomics.join(", ")
        ));
    }
    Ok(merge(Some(resource), &config, at))
}

/// `config` merged into `resource` without a schema: objects field by field, lists replaced.
pub fn apply_untyped(resource: &Value, config: &Value) -> Result<Value, String> {
    let at = At {
        shape: &Shape::Any,
        owner: None,
    };
    Ok(merge(Some(resource), config, at))
}

/// Fields the schema does not declare, and the atomic values, in `v` at `path`.
fn check(v: &Value, at: At, path: &str, unknown: &mut Vec<String>, atomics: &mut Vec<String>) {
    if unknown.len() + atomics.len() > 20 {
        return;
    }
    match (v, at.shape) {
        (Value::Object(m), Shape::Object(t)) => {
            let def = k8s::api().ty(*t);
            if ATOMIC_STRUCTS.contains(&short(*t)) {
                atomics.push(path.to_string());
            }
            for (k, fv) in m.iter() {
                let here = format!("{path}.{k}");
                match def.field(k) {
                    Some(f) => check(
                        fv,
                        At {
                            shape: &f.shape,
                            owner: Some((short(*t), &f.name)),
                        },
                        &here,
                        unknown,
                        atomics,
                    ),
                    None => unknown.push(here),
                }
            }
        }
        (Value::Object(m), Shape::Map(inner)) => {
            if at.owner.is_some_and(|(o, f)| atomic_map(o, f)) {
                atomics.push(path.to_string());
            }
            for (k, fv) in m.iter() {
                let child = At {
                    shape: inner,
                    owner: None,
                };
                check(fv, child, &format!("{path}.{k}"), unknown, atomics);
            }
        }
        (Value::Array(items), Shape::Array(inner)) => {
            if at.owner.and_then(|(o, f)| list_type(o, f)).is_none() {
                atomics.push(path.to_string());
            }
            for (i, item) in items.iter().enumerate() {
                let child = At {
                    shape: inner,
                    owner: None,
                };
                check(item, child, &format!("{path}[{i}]"), unknown, atomics);
            }
        }
        _ => {}
    }
}

/// `patch` merged into `dest`.
fn merge(dest: Option<&Value>, patch: &Value, at: At) -> Value {
    match (patch, at.shape) {
        // Without a schema (`Any`), every child is untyped too.
        (Value::Object(p), Shape::Object(_) | Shape::Map(_) | Shape::Any) => {
            let mut out: Map = match dest {
                Some(Value::Object(d)) => (**d).clone(),
                _ => Map::new(),
            };
            for (k, pv) in p.iter() {
                let child = match at.shape {
                    Shape::Object(t) => match k8s::api().ty(*t).field(k) {
                        Some(f) => At {
                            shape: &f.shape,
                            owner: Some((short(*t), &f.name)),
                        },
                        None => continue,
                    },
                    Shape::Map(inner) => At {
                        shape: inner,
                        owner: None,
                    },
                    _ => at,
                };
                if matches!(pv, Value::Null) {
                    out.remove(k);
                    continue;
                }
                let merged = merge(out.get(k), pv, child);
                out.insert(k.clone(), merged);
            }
            Value::object(out)
        }
        (Value::Array(items), Shape::Array(inner)) => {
            let element = At {
                shape: inner,
                owner: None,
            };
            let existing: &[Value] = dest.and_then(Value::as_array).unwrap_or(&[]);
            match at.owner.and_then(|(o, f)| list_type(o, f)) {
                Some(ListType::Map(keys)) => {
                    let key = |v: &Value| -> Vec<Value> {
                        keys.iter()
                            .map(|k| v.at(&[k]).cloned().unwrap_or(Value::Null))
                            .collect()
                    };
                    merge_list(existing, items, key, element)
                }
                Some(ListType::Set) => merge_list(existing, items, |v| vec![v.clone()], element),
                None => patch.clone(),
            }
        }
        _ => patch.clone(),
    }
}

/// An associative list merged as structured merge orders it: the resource's elements keep
/// their order; an element both name is merged where the resource has it; a new element is
/// placed after the ones the configuration lists before it.
fn merge_list(
    lhs: &[Value],
    rhs: &[Value],
    key: impl Fn(&Value) -> Vec<Value>,
    element: At,
) -> Value {
    let lkeys: Vec<Vec<Value>> = lhs.iter().map(&key).collect();
    let rkeys: Vec<Vec<Value>> = rhs.iter().map(&key).collect();
    let in_rhs = |k: &Vec<Value>| rkeys.iter().position(|r| r == k);
    let in_lhs = |k: &Vec<Value>| lkeys.iter().position(|l| l == k);
    // The elements both sides name, in the configuration's order.
    let mut shared: std::collections::VecDeque<&Vec<Value>> =
        rkeys.iter().filter(|k| in_lhs(k).is_some()).collect();
    let mut next_shared = shared.pop_front();
    let mut merged: Vec<&Vec<Value>> = Vec::new();
    let mut out = Vec::with_capacity(lhs.len().max(rhs.len()));
    let (mut l, mut r) = (0, 0);
    while l < lhs.len() || r < rhs.len() {
        if l < lhs.len() && r < rhs.len() {
            if lkeys[l] == rkeys[r] {
                merged.push(&rkeys[r]);
                out.push(merge(Some(&lhs[l]), &rhs[r], element));
                l += 1;
                r += 1;
                next_shared = shared.pop_front();
                continue;
            }
            if in_rhs(&lkeys[l]).is_some() && next_shared.is_some_and(|n| *n != lkeys[l]) {
                // Shared, but another shared element comes first in the configuration.
                l += 1;
                continue;
            }
        }
        if l < lhs.len() {
            if in_rhs(&lkeys[l]).is_none() {
                out.push(lhs[l].clone());
                l += 1;
                continue;
            }
            if merged.contains(&&lkeys[l]) {
                l += 1;
                continue;
            }
        }
        if r < rhs.len() {
            let k = &rkeys[r];
            merged.push(k);
            let base = in_lhs(k).map(|i| &lhs[i]);
            out.push(merge(base, &rhs[r], element));
            if next_shared == Some(k) {
                next_shared = shared.pop_front();
            }
            r += 1;
        }
    }
    Value::array(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(json: &str) -> Value {
        Value::from_json(&serde_json::from_str(json).expect("test JSON"))
    }

    fn pod(spec: &str) -> Value {
        v(&format!(
            r#"{{"apiVersion":"v1","kind":"Pod","metadata":{{"name":"p","labels":{{"a":"1"}}}},"spec":{spec}}}"#
        ))
    }

    fn names(out: &Value, list: &str) -> String {
        out.at(&["spec", list])
            .and_then(Value::as_array)
            .unwrap()
            .iter()
            .map(|c| c.str_at(&["name"]))
            .collect::<Vec<_>>()
            .join(",")
    }

    #[test]
    fn keyed_lists_keep_the_resources_order_and_append_new_elements() {
        let r = pod(r#"{"containers":[{"name":"a","image":"x"},{"name":"b","image":"y"}]}"#);
        let out = apply_configuration(
            &r,
            &v(r#"{"spec":{"containers":[{"name":"b","image":"z"},{"name":"c","image":"w"}]}}"#),
        )
        .unwrap();
        assert_eq!(names(&out, "containers"), "a,b,c");
        assert_eq!(
            out.at(&["spec", "containers"]).unwrap().as_array().unwrap()[1].str_at(&["image"]),
            "z"
        );
        // A new element listed before a shared one goes before it.
        let out = apply_configuration(
            &r,
            &v(r#"{"spec":{"containers":[{"name":"c","image":"w"},{"name":"a","image":"x2"}]}}"#),
        )
        .unwrap();
        assert_eq!(names(&out, "containers"), "c,a,b");
        // Maps merge key by key; labels are kept.
        let out = apply_configuration(&r, &v(r#"{"metadata":{"labels":{"b":"2"}}}"#)).unwrap();
        assert_eq!(
            out.at(&["metadata", "labels"]),
            Some(&v(r#"{"a":"1","b":"2"}"#))
        );
    }

    #[test]
    fn atomic_values_and_undeclared_fields_are_refused() {
        let r = pod(r#"{"containers":[{"name":"a","image":"x"}]}"#);
        assert_eq!(
            apply_configuration(
                &r,
                &v(r#"{"spec":{"nodeSelector":{"zone":"a"},"tolerations":[{"key":"k"}]}}"#)
            ),
            Err("error applying patch: invalid ApplyConfiguration: may not mutate atomic arrays, maps or structs: .spec.nodeSelector, .spec.tolerations".into())
        );
        assert_eq!(
            apply_configuration(&r, &v(r#"{"spec":{"containerz":[]}}"#)),
            Err("error applying patch: failed to convert patch object to typed object: .spec.containerz: field not declared in schema".into())
        );
        // A custom resource merges untyped.
        let widget = v(
            r#"{"apiVersion":"acme.io/v1","kind":"Widget","metadata":{"name":"w"},"spec":{"xs":[1,2],"a":{"b":1}}}"#,
        );
        assert_eq!(
            apply_configuration(
                &widget,
                &v(r#"{"metadata":{"labels":{"a":"b"}},"spec":{"xs":[3],"a":{"c":2}}}"#)
            ),
            Ok(v(
                r#"{"apiVersion":"acme.io/v1","kind":"Widget","metadata":{"name":"w","labels":{"a":"b"}},"spec":{"xs":[3],"a":{"b":1,"c":2}}}"#
            ))
        );
    }
}
