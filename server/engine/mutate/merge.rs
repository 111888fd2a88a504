//! The strategic merge of a `patchStrategicMerge` into a resource, as kustomize's kyaml
//! `merge2` does it for Kyverno (KZ:kyaml/yaml/merge2): maps merge key by key and a `null`
//! deletes; scalars and most lists are replaced; the lists Kubernetes declares with a merge key
//! merge element by element, the patch's elements first ("prepend"), then the resource's
//! others in their order. `$patch: delete | replace | merge` directives are read in maps and
//! in those lists.
//!
//! Which lists merge, and on which keys, comes from the Kubernetes API that kyaml embeds
//! (v1.21): the table below. Kinds the API index does not know (custom resources) have every
//! list replaced whole, as in Kyverno.

use crate::jmespath::value::{Map, Value};
use crate::k8s::{self, Shape, TypeRef};

/// How a list field merges.
#[derive(Debug, Clone, Copy, PartialEq)]
enum ListMerge {
    /// Elements are matched on these keys (those an element has).
    Keys(&'static [&'static str]),
    /// A set of scalars: the patch's values, then the resource's others.
    Set,
}

/// The merge strategy of list `field` of the object type whose short name is `owner`.
fn list_merge(owner: &str, field: &str) -> Option<ListMerge> {
    use ListMerge::*;
    let pod_spec_lists = [
        "containers",
        "initContainers",
        "ephemeralContainers",
        "imagePullSecrets",
        "volumes",
    ];
    Some(match (owner, field) {
        ("PodSpec", f) if pod_spec_lists.contains(&f) => Keys(&["name"]),
        ("PodSpec", "hostAliases") => Keys(&["ip"]),
        ("PodSpec", "topologySpreadConstraints") => Keys(&["topologyKey", "whenUnsatisfiable"]),
        ("Container" | "EphemeralContainer", "env") => Keys(&["name"]),
        ("Container" | "EphemeralContainer", "volumeMounts") => Keys(&["mountPath"]),
        ("Container" | "EphemeralContainer", "volumeDevices") => Keys(&["devicePath"]),
        ("Container" | "EphemeralContainer", "ports") => Keys(&["containerPort", "protocol"]),
        ("ServiceSpec", "ports") => Keys(&["port", "protocol"]),
        ("PodStatus", "podIPs") => Keys(&["ip"]),
        ("ObjectMeta", "ownerReferences") => Keys(&["uid"]),
        ("ObjectMeta", "finalizers") | ("NodeSpec", "podCIDRs") => Set,
        ("ServiceAccount", "secrets") => Keys(&["name"]),
        ("MutatingWebhookConfiguration" | "ValidatingWebhookConfiguration", "webhooks") => {
            Keys(&["name"])
        }
        ("CSINodeSpec", "drivers") => Keys(&["name"]),
        ("NodeStatus", "addresses") => Keys(&["type"]),
        (o, "conditions") if o.ends_with("Status") => Keys(&["type"]),
        _ => return None,
    })
}

/// Where a value sits in the schema: its shape, and for a list, the type and field that hold
/// it.
#[derive(Clone, Copy)]
struct At<'a> {
    shape: Option<&'a Shape>,
    owner: Option<(&'static str, &'static str)>,
}

const NOWHERE: At<'static> = At {
    shape: None,
    owner: None,
};

fn short(t: TypeRef) -> &'static str {
    let name: &'static str = &k8s::api().ty(t).name;
    name.rsplit('.').next().unwrap_or(name)
}

/// `patch` merged into `resource`, typed by the resource's `apiVersion` and `kind`.
pub fn strategic_merge(resource: &Value, patch: &Value) -> Value {
    let api_version = resource.str_at(&["apiVersion"]);
    let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
    let kind = k8s::api().kind(group, version, resource.str_at(&["kind"]));
    let root = kind.map(|k| Shape::Object(k.ty));
    let at = At {
        shape: root.as_ref(),
        owner: None,
    };
    merge(Some(resource), patch, at).unwrap_or(Value::Null)
}

fn directive(v: &Value) -> Option<&str> {
    v.as_object()?.get("$patch")?.as_str()
}

/// `patch` merged into `dest` (absent: a new value); None deletes it.
fn merge(dest: Option<&Value>, patch: &Value, at: At) -> Option<Value> {
    match patch {
        Value::Null => None,
        Value::Object(p) => {
            match directive(patch) {
                Some("delete") => return None,
                Some("replace") => {
                    let mut m = (**p).clone();
                    m.remove("$patch");
                    return Some(Value::object(drop_nulls(m)));
                }
                _ => {}
            }
            let mut out: Map = match dest {
                Some(Value::Object(d)) => (**d).clone(),
                _ => Map::new(),
            };
            let ty = match at.shape {
                Some(Shape::Object(t)) => Some(*t),
                _ => None,
            };
            for (k, pv) in p.iter() {
                if k == "$patch" {
                    continue;
                }
                let child = match (at.shape, ty) {
                    (_, Some(t)) => {
                        let field = k8s::api().ty(t).field(k);
                        At {
                            shape: field.map(|f| &f.shape),
                            owner: field.map(|f| (short(t), &*f.name)),
                        }
                    }
                    (Some(Shape::Map(inner)), _) => At {
                        shape: Some(inner),
                        owner: None,
                    },
                    _ => NOWHERE,
                };
                match merge(out.get(k), pv, child) {
                    Some(v) => {
                        out.insert(k.clone(), v);
                    }
                    None => {
                        out.remove(k);
                    }
                }
            }
            Some(Value::object(out))
        }
        Value::Array(items) => {
            let strategy = at.owner.and_then(|(o, f)| list_merge(o, f));
            let element = match at.shape {
                Some(Shape::Array(inner)) => At {
                    shape: Some(inner),
                    owner: None,
                },
                _ => NOWHERE,
            };
            let existing: &[Value] = dest.and_then(Value::as_array).unwrap_or(&[]);
            Some(match strategy {
                Some(ListMerge::Keys(keys)) => merge_keyed(existing, items, keys, element),
                Some(ListMerge::Set) => {
                    let mut out: Vec<Value> = Vec::new();
                    for v in items.iter().chain(existing.iter()) {
                        if !out.contains(v) {
                            out.push(v.clone());
                        }
                    }
                    Value::array(out)
                }
                None => patch.clone(),
            })
        }
        _ => Some(patch.clone()),
    }
}

fn drop_nulls(m: Map) -> Map {
    m.into_iter()
        .filter(|(_, v)| !matches!(v, Value::Null))
        .collect()
}

/// Whether `a` and `b` agree on every key `a` has.
fn same_element(a: &Value, b: &Value, keys: &[&str]) -> bool {
    let present: Vec<&&str> = keys
        .iter()
        .filter(|k| a.at(&[k]).is_some_and(|v| !matches!(v, Value::Null)))
        .collect();
    !present.is_empty() && present.iter().all(|k| a.at(&[k]) == b.at(&[k]))
}

fn merge_keyed(existing: &[Value], patch: &[Value], keys: &[&str], element: At) -> Value {
    if let Some(i) = patch.iter().position(|p| directive(p) == Some("replace")) {
        let rest: Vec<Value> = patch
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != i)
            .map(|(_, v)| v.clone())
            .collect();
        return Value::array(rest);
    }
    let mut used = vec![false; existing.len()];
    let mut out = Vec::new();
    for p in patch {
        let found = existing
            .iter()
            .enumerate()
            .find(|(i, e)| !used[*i] && same_element(p, e, keys));
        if let Some((i, _)) = found {
            used[i] = true;
        }
        if directive(p) == Some("delete") {
            continue;
        }
        if let Some(v) = merge(found.map(|(_, e)| e), p, element) {
            out.push(v);
        }
    }
    out.extend(
        existing
            .iter()
            .zip(&used)
            .filter(|(_, u)| !**u)
            .map(|(e, _)| e.clone()),
    );
    Value::array(out)
}
