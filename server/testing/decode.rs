//! Strict decoding of the CLI's manifest types, the way Go's `encoding/json` does it under
//! `yaml.UnmarshalStrict`: unknown fields are errors, field names match case-insensitively
//! (an exact match wins), wrong types are errors.

use serde_json::{Map, Value};

/// The fields of `obj` keyed by their canonical names; an unknown field is an error naming
/// `at` (a path such as `results[3]`) and the field.
pub fn fields<'a>(
    obj: &'a Value,
    known: &[&'static str],
    at: &str,
) -> Result<Vec<(&'static str, &'a Value)>, String> {
    let map = as_object(obj, at)?;
    let mut out = Vec::with_capacity(map.len());
    for (key, value) in map {
        let canonical = known
            .iter()
            .find(|k| **k == key.as_str())
            .or_else(|| known.iter().find(|k| k.eq_ignore_ascii_case(key)));
        match canonical {
            Some(k) => out.push((*k, value)),
            None => {
                let mut msg = format!("unknown field `{key}`");
                if !at.is_empty() {
                    msg.push_str(&format!(" in `{at}`"));
                }
                if let Some(s) = suggest(key, known) {
                    msg.push_str(&format!(" (did you mean `{s}`?)"));
                }
                return Err(msg);
            }
        }
    }
    Ok(out)
}

fn suggest(key: &str, known: &[&'static str]) -> Option<&'static str> {
    known
        .iter()
        .map(|k| {
            (
                strsim::jaro_winkler(&key.to_ascii_lowercase(), &k.to_ascii_lowercase()),
                *k,
            )
        })
        .filter(|(score, _)| *score > 0.85)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, k)| k)
}

pub fn as_object<'a>(v: &'a Value, at: &str) -> Result<&'a Map<String, Value>, String> {
    match v {
        Value::Object(m) => Ok(m),
        other => Err(format!(
            "`{at}` must be an object, not {}",
            type_name(other)
        )),
    }
}

/// A string field; null decodes as empty, as in Go.
pub fn string(v: &Value, at: &str) -> Result<String, String> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Null => Ok(String::new()),
        other => Err(format!("`{at}` must be a string, not {}", type_name(other))),
    }
}

pub fn boolean(v: &Value, at: &str) -> Result<bool, String> {
    match v {
        Value::Bool(b) => Ok(*b),
        Value::Null => Ok(false),
        other => Err(format!(
            "`{at}` must be a boolean, not {}",
            type_name(other)
        )),
    }
}

/// A list field; null decodes as empty.
pub fn list<'a>(v: &'a Value, at: &str) -> Result<&'a [Value], String> {
    match v {
        Value::Array(a) => Ok(a),
        Value::Null => Ok(&[]),
        other => Err(format!("`{at}` must be a list, not {}", type_name(other))),
    }
}

pub fn strings(v: &Value, at: &str) -> Result<Vec<String>, String> {
    list(v, at)?
        .iter()
        .enumerate()
        .map(|(i, item)| string(item, &format!("{at}[{i}]")))
        .collect()
}

/// A `map[string]string` field.
pub fn string_map(
    v: &Value,
    at: &str,
) -> Result<std::collections::BTreeMap<String, String>, String> {
    if v.is_null() {
        return Ok(Default::default());
    }
    as_object(v, at)?
        .iter()
        .map(|(k, val)| Ok((k.clone(), string(val, &format!("{at}.{k}"))?)))
        .collect()
}

pub fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Fields of `metav1.ObjectMeta`.
pub const OBJECT_META: &[&str] = &[
    "name",
    "generateName",
    "namespace",
    "selfLink",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "labels",
    "annotations",
    "ownerReferences",
    "finalizers",
    "managedFields",
];
