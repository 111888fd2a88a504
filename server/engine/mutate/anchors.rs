//! The anchors of a `patchStrategicMerge`, resolved against the resource before the merge, as
//! Kyverno does (K:pkg/engine/mutate/patch/strategicPreprocessing.go):
//!
//! - `+(key)` adds only where the resource lacks `key` (even a null one counts as present);
//! - `(key)` and `<(key)` are conditions the resource must meet (a global one, in a list,
//!   must hold for some element); a failed condition in a map voids the whole patch;
//! - in a list of maps, an element with anchors is tried on every resource element, and for
//!   each one it fits that has a `name`, a copy without anchors naming it is appended, so that
//!   the merge, which matches list elements by name, patches that element;
//! - then anchors are removed: conditions on scalars and maps that held only anchors go, the
//!   others keep their plain key.
//!
//! The patch is a JSON value here, so the order of a map's keys is not the YAML order; Kyverno's
//! result does not depend on it.

use crate::engine::anchor::{self, AnchorKind};
use crate::engine::pattern;
use crate::jmespath::value::{Map, Value};

/// Why preprocessing stopped.
#[derive(Debug, Clone, PartialEq)]
pub enum PreError {
    /// A condition failed: the patch becomes empty.
    Condition(String),
    /// A global condition failed: the patch becomes empty.
    Global(String),
    /// Anything else: the rule errors.
    Other(String),
}

/// Resolves the anchors of `patch` against `resource`, in place.
pub fn preprocess(patch: &mut Value, resource: &Value) -> Result<(), PreError> {
    recursive(patch, Some(resource))?;
    delete_condition_elements(patch);
    Ok(())
}

fn kind(key: &str) -> Option<AnchorKind> {
    anchor::parse(key).map(|a| a.kind)
}

fn contains_condition(k: Option<AnchorKind>) -> bool {
    matches!(k, Some(AnchorKind::Condition | AnchorKind::Global))
}

fn has_anchor(k: Option<AnchorKind>) -> bool {
    contains_condition(k) || k == Some(AnchorKind::AddIfNotPresent)
}

fn is_global(k: Option<AnchorKind>) -> bool {
    k == Some(AnchorKind::Global)
}

fn map_mut(v: &mut Value) -> Option<&mut Map> {
    match v {
        Value::Object(m) => Some(std::sync::Arc::make_mut(m)),
        _ => None,
    }
}

fn field<'a>(resource: Option<&'a Value>, key: &str) -> Option<&'a Value> {
    resource?.as_object()?.get(key)
}

fn recursive(pattern: &mut Value, resource: Option<&Value>) -> Result<(), PreError> {
    match pattern {
        Value::Object(_) => walk_map(pattern, resource),
        Value::Array(items) => match items.first() {
            Some(Value::Object(_)) => list_of_maps(pattern, resource),
            _ => Ok(()),
        },
        _ => Ok(()),
    }
}

fn walk_map(pattern: &mut Value, resource: Option<&Value>) -> Result<(), PreError> {
    add_if_not_present(pattern, resource);
    validate_conditions(pattern, resource)?;
    let keys: Vec<String> = pattern
        .as_object()
        .map(|m| m.keys().filter(|k| !has_anchor(kind(k))).cloned().collect())
        .unwrap_or_default();
    for k in keys {
        let resource_value = field(resource, &k);
        if let Some(v) = map_mut(pattern).and_then(|m| m.get_mut(&k)) {
            recursive(v, resource_value)?;
        }
    }
    Ok(())
}

/// `+(key)` entries: dropped where the resource has `key`, else renamed to `key`. The number
/// of such entries.
fn add_if_not_present(pattern: &mut Value, resource: Option<&Value>) -> usize {
    let Some(m) = map_mut(pattern) else {
        return 0;
    };
    let anchors: Vec<(String, String)> = m
        .keys()
        .filter_map(|k| {
            let a = anchor::parse(k)?;
            (a.kind == AnchorKind::AddIfNotPresent).then(|| (k.clone(), a.key.to_string()))
        })
        .collect();
    for (written, key) in &anchors {
        let value = m.remove(written).unwrap_or(Value::Null);
        if field(resource, key).is_none() {
            m.insert(key.clone(), value);
        }
    }
    anchors.len()
}

fn validate_conditions(pattern: &mut Value, resource: Option<&Value>) -> Result<(), PreError> {
    conditions_of(pattern, resource, AnchorKind::Global).map_err(PreError::Global)?;
    conditions_of(pattern, resource, AnchorKind::Condition).map_err(PreError::Condition)
}

fn conditions_of(
    pattern: &mut Value,
    resource: Option<&Value>,
    wanted: AnchorKind,
) -> Result<(), String> {
    let Some(m) = map_mut(pattern) else {
        return Ok(());
    };
    let anchors: Vec<(String, String)> = m
        .keys()
        .filter_map(|k| {
            let a = anchor::parse(k)?;
            (a.kind == wanted).then(|| (k.clone(), a.key.to_string()))
        })
        .collect();
    for (written, key) in anchors {
        let Some(resource_value) = field(resource, &key) else {
            return Err(format!("could not found \"{key}\" key in the resource"));
        };
        let Some(pattern_value) = m.get_mut(&written) else {
            continue;
        };
        if add_if_not_present(pattern_value, Some(resource_value)) > 0 {
            continue;
        }
        pattern::validate(resource_value, pattern_value).map_err(|e| format!("{e:?}"))?;
    }
    Ok(())
}

fn has_anchors(v: &Value, pred: fn(Option<AnchorKind>) -> bool) -> bool {
    match v {
        Value::Object(m) => m.iter().any(|(k, child)| {
            pred(kind(k)) || (!matches!(child, Value::Null) && has_anchors(child, pred))
        }),
        Value::Array(items) => items.iter().any(|e| has_anchors(e, pred)),
        Value::String(s) => contains_condition(kind(s)),
        _ => false,
    }
}

fn list_of_maps(pattern: &mut Value, resource: Option<&Value>) -> Result<(), PreError> {
    let resource_elements: Vec<Value> = match resource {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items.to_vec(),
        Some(_) => return Err(PreError::Other("wrong node kind: expected a list".into())),
    };
    let originals: Vec<Value> = pattern
        .as_array()
        .map(<[Value]>::to_vec)
        .unwrap_or_default();
    for element in originals {
        if !has_anchors(&element, has_anchor) {
            continue;
        }
        let has_global = has_anchors(&element, is_global);
        let mut any_global_passed = false;
        let mut last_global: Option<String> = None;
        // One copy for every resource element: what `+()` decided on the first one sticks.
        let mut copy = element.clone();
        for re in &resource_elements {
            match recursive(&mut copy, Some(re)) {
                Err(PreError::Condition(_)) => continue,
                Err(PreError::Global(e)) => {
                    last_global = Some(e);
                    continue;
                }
                Err(e) => return Err(e),
                Ok(()) => {}
            }
            if has_global {
                any_global_passed = true;
            } else {
                append_named(pattern, &copy, re);
            }
        }
        if resource.is_none() {
            match recursive(&mut copy, None) {
                Err(PreError::Condition(_)) => continue,
                Err(e) => return Err(e),
                Ok(()) => {
                    if has_global {
                        any_global_passed = true;
                    }
                }
            }
        }
        if let (false, Some(e)) = (any_global_passed, last_global) {
            return Err(PreError::Global(e));
        }
    }
    Ok(())
}

/// A copy of `element` without anchors, naming `resource_element`, appended to the list: the
/// merge then patches that element. Elements without a name, and copies left empty, add
/// nothing.
fn append_named(list: &mut Value, element: &Value, resource_element: &Value) {
    let name = match resource_element.at(&["name"]) {
        None | Some(Value::Null) => return,
        Some(Value::String(s)) if s.is_empty() => return,
        Some(n) => n.clone(),
    };
    let mut copy = element.clone();
    if delete_anchors(&mut copy, true, false) {
        return;
    }
    if let Some(m) = map_mut(&mut copy) {
        m.insert("name".to_string(), name);
    }
    if let Value::Array(items) = list {
        std::sync::Arc::make_mut(items).push(copy);
    }
}

fn delete_condition_elements(pattern: &mut Value) {
    let Some(m) = map_mut(pattern) else {
        return;
    };
    let keys: Vec<String> = m.keys().cloned().collect();
    for k in keys {
        let delete_scalar = contains_condition(kind(&k));
        let remove = m
            .get_mut(&k)
            .is_some_and(|v| delete_anchors(v, delete_scalar, false));
        if remove {
            m.remove(&k);
        }
    }
}

/// Removes the anchors below `node`; true when `node` itself should go (it held only
/// anchors, or is a scalar and `delete_scalar`).
fn delete_anchors(node: &mut Value, delete_scalar: bool, traverse_maps: bool) -> bool {
    match node {
        Value::Object(_) => delete_anchors_in_map(node, traverse_maps),
        Value::Array(_) => delete_anchors_in_list(node, traverse_maps),
        _ => delete_scalar,
    }
}

fn delete_anchors_in_map(node: &mut Value, traverse_maps: bool) -> bool {
    let Some(m) = map_mut(node) else {
        return false;
    };
    let anchors: Vec<String> = m
        .keys()
        .filter(|k| contains_condition(kind(k)))
        .cloned()
        .collect();
    let mut anchors_exist = false;
    for a in anchors {
        let delete = m
            .get_mut(&a)
            .is_some_and(|v| delete_anchors(v, true, traverse_maps));
        if delete {
            m.remove(&a);
        } else {
            anchors_exist = true;
        }
    }
    if anchors_exist {
        let remaining: Vec<(String, String)> = m
            .keys()
            .filter_map(|k| {
                let a = anchor::parse(k)?;
                contains_condition(Some(a.kind)).then(|| (k.clone(), a.key.to_string()))
            })
            .collect();
        for (written, key) in remaining {
            if let Some(v) = m.remove(&written) {
                m.insert(key, v);
            }
        }
    }
    let keys: Vec<String> = m.keys().cloned().collect();
    let mut delete_node = true;
    for k in keys {
        let delete = m
            .get_mut(&k)
            .is_some_and(|v| delete_anchors(v, false, traverse_maps));
        if delete {
            m.remove(&k);
        } else {
            delete_node = false;
        }
    }
    delete_node
}

fn delete_anchors_in_list(node: &mut Value, traverse_maps: bool) -> bool {
    let Value::Array(items) = node else {
        return false;
    };
    // Kyverno deletes by the index the element had before any deletion, from the list as it
    // is then: after a first deletion the index points one element further.
    let snapshot: Vec<Value> = items.to_vec();
    let mut live: Vec<(usize, Value)> = snapshot.iter().cloned().enumerate().collect();
    let was_empty = live.is_empty();
    for (i, original) in snapshot.into_iter().enumerate() {
        // The element is edited where it still is in the list; one already deleted is edited
        // for nothing, but its verdict still deletes at its index.
        let mut detached = original;
        let element = match live.iter().position(|(id, _)| *id == i) {
            Some(pos) => &mut live[pos].1,
            None => &mut detached,
        };
        let delete = {
            if has_anchors(element, has_anchor) {
                !(traverse_maps && matches!(element, Value::Object(_)))
                    || delete_anchors(element, true, traverse_maps)
            } else {
                delete_anchors(element, false, traverse_maps)
            }
        };
        if delete && i < live.len() {
            live.remove(i);
        }
    }
    *items = std::sync::Arc::new(live.into_iter().map(|(_, v)| v).collect());
    items.is_empty() && !was_empty
}
