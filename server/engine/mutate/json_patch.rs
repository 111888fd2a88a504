//! `patchesJson6902`: RFC 6902 operations applied as Kyverno applies them
//! (JP:v5/patch.go with `SupportNegativeIndices`, `AllowMissingPathOnRemove` and
//! `EnsurePathExistsOnAdd`): a negative index counts from the end, removing what is not there
//! does nothing, and `add` creates missing parents (an array, padded with nulls, where the next
//! step is a number or `-`).

use crate::jmespath::value::{Map, Value};

/// The operations of a `patchesJson6902` string: JSON when it starts with `[`, else YAML.
pub fn parse(text: &str) -> Result<Vec<Value>, String> {
    let json: serde_json::Value = if text.trim_start().starts_with('[') {
        serde_json::from_str(text).map_err(|e| format!("failed to decode JSON patch: {e}"))?
    } else {
        let docs = crate::yaml::parse(text, &crate::yaml::Limits::default());
        let doc = docs.first().ok_or("failed to decode JSON patch: empty")?;
        if let Some(d) = doc.diagnostics.first().filter(|_| doc.has_errors()) {
            return Err(format!("failed to convert patches to JSON: {}", d.message));
        }
        doc.root
            .as_ref()
            .map_or(serde_json::Value::Null, crate::yaml::Node::to_json)
    };
    match Value::from_json(&json) {
        Value::Array(ops) => Ok(ops.to_vec()),
        _ => Err("failed to decode JSON patch: expected a list of operations".into()),
    }
}

fn pointer(path: &str) -> Result<Vec<String>, String> {
    if path.is_empty() {
        return Ok(Vec::new());
    }
    let rest = path
        .strip_prefix('/')
        .ok_or_else(|| format!("invalid JSON pointer: {path}"))?;
    Ok(rest
        .split('/')
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect())
}

/// Applies `ops` to `doc` with Kyverno's options.
pub fn apply(doc: &Value, ops: &[Value]) -> Result<Value, String> {
    apply_with(doc, ops, true)
}

/// Applies `ops` to `doc` as RFC 6902 and the Kubernetes apiserver do (evanphx/json-patch v4
/// defaults, which mutating admission policies use): removing a missing path and adding under
/// a missing parent are errors; negative indices still count from the end.
pub fn apply_strict(doc: &Value, ops: &[Value]) -> Result<Value, String> {
    apply_with(doc, ops, false)
}

/// A mutating admission policy's JSON patch (a MutatingPolicy's or a
/// MutatingAdmissionPolicy's), as the apiserver's patcher applies it: strictly, a failed `test`
/// leaving the object as it was, other errors under `JSONPath:`.
pub fn apply_admission(doc: &Value, ops: &[Value]) -> Result<Value, String> {
    match apply_strict(doc, ops) {
        Err(e) if e.starts_with("testing value") => Ok(doc.clone()),
        other => other.map_err(|e| format!("JSONPath: {e}")),
    }
}

fn apply_with(doc: &Value, ops: &[Value], lenient: bool) -> Result<Value, String> {
    let mut doc = doc.clone();
    for op in ops {
        let kind = op.str_at(&["op"]);
        let path = op.str_at(&["path"]);
        let steps = pointer(path)?;
        match kind {
            "add" => add(&mut doc, &steps, value_of(op)?, path, lenient)?,
            "remove" => {
                if !lenient && get(&doc, &steps).is_none() {
                    return Err(format!(
                        "remove operation does not apply: doc is missing path: {path:?}: missing value"
                    ));
                }
                remove(&mut doc, &steps);
            }
            "replace" => {
                let value = value_of(op)?;
                if get(&doc, &steps).is_none() {
                    return Err(format!(
                        "replace operation does not apply: doc is missing key: {path}: missing value"
                    ));
                }
                remove(&mut doc, &steps);
                add(&mut doc, &steps, value, path, lenient)?;
            }
            "move" | "copy" => {
                let from = op.str_at(&["from"]);
                let from_steps = pointer(from)?;
                let value = get(&doc, &from_steps).cloned().ok_or_else(|| {
                    format!("{kind} operation does not apply: doc is missing from path: {from}")
                })?;
                if kind == "move" {
                    remove(&mut doc, &from_steps);
                }
                add(&mut doc, &steps, value, path, lenient)?;
            }
            "test" => {
                let want = value_of(op)?;
                if get(&doc, &steps) != Some(&want) {
                    return Err(format!("testing value {path} failed: test failed"));
                }
            }
            other => return Err(format!("Unexpected kind: {other}")),
        }
    }
    Ok(doc)
}

fn value_of(op: &Value) -> Result<Value, String> {
    op.as_object()
        .and_then(|m| m.get("value"))
        .cloned()
        .ok_or_else(|| format!("{} operation missing value", op.str_at(&["op"])))
}

/// The index `step` names in a list of `len` elements (`-` is the end), counting a negative
/// index from the end; `extra` is 1 where the end itself is allowed (add).
fn index(step: &str, len: usize, extra: usize) -> Option<usize> {
    if step == "-" {
        return (extra == 1).then_some(len);
    }
    let i: i64 = step.parse().ok()?;
    let i = if i < 0 { i + (len + extra) as i64 } else { i };
    (0..(len + extra) as i64).contains(&i).then_some(i as usize)
}

fn get<'a>(doc: &'a Value, steps: &[String]) -> Option<&'a Value> {
    steps.iter().try_fold(doc, |v, s| match v {
        Value::Object(m) => m.get(s.as_str()),
        Value::Array(a) => a.get(index(s, a.len(), 0)?),
        _ => None,
    })
}

fn remove(doc: &mut Value, steps: &[String]) {
    let Some((last, parents)) = steps.split_last() else {
        *doc = Value::Null;
        return;
    };
    let Some(parent) = get_mut(doc, parents) else {
        return;
    };
    match parent {
        Value::Object(m) => {
            std::sync::Arc::make_mut(m).remove(last.as_str());
        }
        Value::Array(a) => {
            if let Some(i) = index(last, a.len(), 0) {
                std::sync::Arc::make_mut(a).remove(i);
            }
        }
        _ => {}
    }
}

fn get_mut<'a>(doc: &'a mut Value, steps: &[String]) -> Option<&'a mut Value> {
    let mut v = doc;
    for s in steps {
        v = match v {
            Value::Object(m) => std::sync::Arc::make_mut(m).get_mut(s.as_str())?,
            Value::Array(a) => {
                let i = index(s, a.len(), 0)?;
                std::sync::Arc::make_mut(a).get_mut(i)?
            }
            _ => return None,
        };
    }
    Some(v)
}

fn add(
    doc: &mut Value,
    steps: &[String],
    value: Value,
    path: &str,
    lenient: bool,
) -> Result<(), String> {
    let Some((last, parents)) = steps.split_last() else {
        *doc = value;
        return Ok(());
    };
    if !lenient && get(doc, parents).is_none() {
        return Err(format!(
            "add operation does not apply: doc is missing path: {path:?}: missing value"
        ));
    }
    // Missing parents are created: a list where the next step is an index, else a map.
    let mut v = doc;
    for (i, s) in parents.iter().enumerate() {
        let next = parents.get(i + 1).unwrap_or(last);
        let wants_list = next == "-" || next.parse::<i64>().is_ok();
        let fresh = || {
            if wants_list {
                Value::array(Vec::new())
            } else {
                Value::object(Map::new())
            }
        };
        v = match v {
            Value::Object(m) => std::sync::Arc::make_mut(m)
                .entry(s.clone())
                .or_insert_with(fresh),
            Value::Array(a) => {
                let items = std::sync::Arc::make_mut(a);
                let missing =
                    || format!("add operation does not apply: doc is missing path: {path}");
                // `-`, or a negative index past the start, appends; a negative index inside
                // the list counts from its end.
                let i = match s.as_str() {
                    "-" => items.len(),
                    n => match n.parse::<i64>().map_err(|_| missing())? {
                        i if i < 0 => {
                            usize::try_from(items.len() as i64 + i).unwrap_or(items.len())
                        }
                        i => usize::try_from(i).map_err(|_| missing())?,
                    },
                };
                if i > crate::limits::MAX_JSON_PATCH_INDEX {
                    return Err(format!(
                        "add operation does not apply: index {i} of {path} is past the {} kyverno-ls pads a list to",
                        crate::limits::thousands(crate::limits::MAX_JSON_PATCH_INDEX as u64)
                    ));
                }
                while items.len() <= i {
                    items.push(Value::Null);
                }
                if matches!(items[i], Value::Null) {
                    items[i] = fresh();
                }
                &mut items[i]
            }
            _ => {
                return Err(format!(
                    "add operation does not apply: doc is missing path: {path}"
                ));
            }
        };
    }
    match v {
        Value::Object(m) => {
            std::sync::Arc::make_mut(m).insert(last.clone(), value);
            Ok(())
        }
        Value::Array(a) => {
            let i = index(last, a.len(), 1).ok_or_else(|| {
                format!("add operation does not apply: doc is missing path: {path}")
            })?;
            std::sync::Arc::make_mut(a).insert(i, value);
            Ok(())
        }
        _ => Err(format!(
            "add operation does not apply: doc is missing path: {path}"
        )),
    }
}
