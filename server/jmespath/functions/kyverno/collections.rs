//! Functions over objects and arrays: `label_match`, `lookup`, `items`, `object_from_lists`.

use super::regex::iface_to_string;
use super::type_error;
use crate::jmespath::functions::spec::Env;
use crate::jmespath::value::{Map, Value};

/// `label_match(selector, labels)`: every key of `selector` is in `labels` with an equal value.
///
/// Kyverno compares the values with Go's `!=` on `interface{}`: scalars compare by value and
/// type, values of different types are unequal, and two objects or two arrays cannot be
/// compared at all (a Go runtime panic) — reported here as an error. Go visits the keys in
/// random order; we visit them sorted, so a mismatch found earlier wins deterministically.
pub fn label_match(args: &[Value], _: &Env) -> Result<Value, String> {
    // Kyverno numbers these two arguments from 0.
    let Some(selector) = args[0].as_object() else {
        return Err("argument #0 is not of type Object".into());
    };
    let Some(labels) = args[1].as_object() else {
        return Err("argument #1 is not of type Object".into());
    };
    for (key, want) in selector {
        let Some(have) = labels.get(key) else {
            return Ok(Value::Bool(false));
        };
        match (want, have) {
            (Value::Array(_), Value::Array(_)) | (Value::Object(_), Value::Object(_)) => {
                let ty = if want.as_array().is_some() {
                    "[]interface {}"
                } else {
                    "map[string]interface {}"
                };
                return Err(format!("runtime error: comparing uncomparable type {ty}"));
            }
            _ => {
                if want != have {
                    return Ok(Value::Bool(false));
                }
            }
        }
    }
    Ok(Value::Bool(true))
}

/// Kyverno's `intNumber`: the value as an integer, or an error if it has a fraction.
pub fn int_number(f: f64) -> Result<i64, String> {
    let i = super::gofmt::go_f64_to_i64(f);
    if f != i as f64 {
        return Err(format!(
            "expected an integer number but got: {}",
            super::gofmt::format_g(f)
        ));
    }
    Ok(i)
}

/// `lookup(collection, key)`: `object[key]` or `array[index]`; missing → null.
pub fn lookup(args: &[Value], _: &Env) -> Result<Value, String> {
    match &args[0] {
        Value::Object(map) => {
            let Value::String(key) = &args[1] else {
                return Err(type_error(1, "String"));
            };
            Ok(map.get(&**key).cloned().unwrap_or(Value::Null))
        }
        Value::Array(items) => {
            let Value::Number(key) = &args[1] else {
                return Err(type_error(1, "Number"));
            };
            let index = int_number(*key).map_err(|e| format!("argument #2: {e}"))?;
            if index < 0 || index as u64 >= items.len() as u64 {
                return Ok(Value::Null);
            }
            Ok(items[index as usize].clone())
        }
        _ => Err(type_error(0, "Object or Array")),
    }
}

/// `items(collection, keyName, valName)`: `[{keyName: k, valName: v}]`, object keys sorted
/// byte-wise, array keys the numeric index. If both names are equal the value wins.
pub fn items(args: &[Value], _: &Env) -> Result<Value, String> {
    let Value::String(key_name) = &args[1] else {
        return Err(type_error(1, "String"));
    };
    let Value::String(val_name) = &args[2] else {
        return Err(type_error(2, "String"));
    };
    let pair = |k: Value, v: Value| {
        let mut m = Map::new();
        m.insert(key_name.to_string(), k);
        m.insert(val_name.to_string(), v);
        Value::object(m)
    };
    match &args[0] {
        Value::Object(map) => Ok(Value::array(
            map.iter()
                .map(|(k, v)| pair(Value::from(k.as_str()), v.clone()))
                .collect(),
        )),
        Value::Array(list) => Ok(Value::array(
            list.iter()
                .enumerate()
                .map(|(i, v)| pair(Value::Number(i as f64), v.clone()))
                .collect(),
        )),
        _ => Err(type_error(0, "Object or Array")),
    }
}

/// `object_from_lists(keys, values)`: zips the lists into an object. Keys may be strings,
/// numbers (formatted as float32, like the regex functions) or booleans; a missing value is
/// null, extra values are ignored, a repeated key keeps its last value.
pub fn object_from_lists(args: &[Value], _: &Env) -> Result<Value, String> {
    let Some(keys) = args[0].as_array() else {
        return Err(type_error(0, "Array"));
    };
    let Some(values) = args[1].as_array() else {
        return Err(type_error(1, "Array"));
    };
    let mut out = Map::new();
    for (i, k) in keys.iter().enumerate() {
        let key = iface_to_string(k).ok_or_else(|| type_error(0, "StringArray"))?;
        out.insert(key, values.get(i).cloned().unwrap_or(Value::Null));
    }
    Ok(Value::object(out))
}

#[cfg(test)]
mod tests {
    use super::super::testing::{err, ok};
    use super::*;

    fn j(text: &str) -> Value {
        Value::from_json(&serde_json::from_str(text).expect("valid JSON in test"))
    }

    #[test]
    fn label_match_cases() {
        let labels = j(r#"{"app": "test-app", "controller-name": "test-controller"}"#);
        for (selector, want) in [
            (r#"{ "app": "test-app" }"#, true),
            (
                r#"{ "app": "test-app", "controller-name": "test-controller" }"#,
                true,
            ),
            (r#"{ "app": "test-app2" }"#, false),
            (r#"{ "app.kubernetes.io/name": "test-app" }"#, false),
            (r#"{}"#, true),
        ] {
            assert_eq!(
                ok("label_match", &[j(selector), labels.clone()]),
                Value::Bool(want)
            );
        }
        // Values of different types are simply unequal; 1 and "1" differ.
        assert_eq!(
            ok("label_match", &[j(r#"{"a": 1}"#), j(r#"{"a": "1"}"#)]),
            Value::Bool(false)
        );
        assert_eq!(
            ok("label_match", &[j(r#"{"a": 1}"#), j(r#"{"a": 1.0}"#)]),
            Value::Bool(true)
        );
        assert_eq!(
            ok("label_match", &[j(r#"{"a": null}"#), j(r#"{"a": null}"#)]),
            Value::Bool(true)
        );
        assert_eq!(
            ok("label_match", &[j(r#"{"a": null}"#), j(r#"{}"#)]),
            Value::Bool(false)
        );
        assert_eq!(
            ok("label_match", &[j(r#"{"a": [1]}"#), j(r#"{"a": "x"}"#)]),
            Value::Bool(false)
        );
        // Two objects (or two arrays) cannot be compared in Go.
        assert!(
            err("label_match", &[j(r#"{"a": {}}"#), j(r#"{"a": {}}"#)]).contains("uncomparable")
        );
    }

    #[test]
    fn lookup_cases() {
        let cases: &[(&str, &str, &str)] = &[
            ("{}", r#""key1""#, "null"),
            (r#"{"key1": "value1"}"#, r#""key2""#, "null"),
            (r#"{"key1": "value1"}"#, r#""key1""#, r#""value1""#),
            (r#"{"": "value1"}"#, r#""""#, r#""value1""#),
            (r#"{"k": 123}"#, r#""k""#, "123"),
            (r#"{"k": 12.34}"#, r#""k""#, "12.34"),
            (r#"{"k": true}"#, r#""k""#, "true"),
            (r#"{"k": false}"#, r#""k""#, "false"),
            (r#"{"k": null}"#, r#""k""#, "null"),
            (r#"{"k":  [7, "x", true] }"#, r#""k""#, r#"[7, "x", true]"#),
            (r#"{"k": {"key1":true}}"#, r#""k""#, r#"{"key1":true}"#),
            ("[]", "0", "null"),
            (r#"["item0"]"#, "-1", "null"),
            (r#"["item0"]"#, "1", "null"),
            (r#"["item0"]"#, "0", r#""item0""#),
            (r#"["item0", "item1", "item2", "item3"]"#, "2", r#""item2""#),
            (
                r#"["item0", "item1"]"#,
                "0.99999999999999999999999999999999999999999999",
                r#""item1""#,
            ),
            ("[123]", "0", "123"),
            ("[12.34]", "0", "12.34"),
            ("[true]", "0", "true"),
            ("[false]", "0", "false"),
            ("[null]", "0", "null"),
            (r#"[ [7, "x", true] ]"#, "0", r#"[7, "x", true]"#),
            (r#"[{"key1":true}]"#, "0", r#"{"key1":true}"#),
        ];
        for &(collection, key, want) in cases {
            assert_eq!(
                ok("lookup", &[j(collection), j(key)]),
                j(want),
                "{collection} {key}"
            );
        }
    }

    #[test]
    fn lookup_errors() {
        assert_eq!(
            err("lookup", &[j("{}"), j("123")]),
            "argument #2 is not of type String"
        );
        assert_eq!(
            err("lookup", &[j("[]"), j(r#""abc""#)]),
            "argument #2 is not of type Number"
        );
        assert_eq!(
            err("lookup", &[j("[]"), j("1.5")]),
            "argument #2: expected an integer number but got: 1.5"
        );
    }

    #[test]
    fn items_cases() {
        let cases: &[(&str, &str, &str, &str)] = &[
            (
                r#"{ "key1": "value1" }"#,
                "key",
                "value",
                r#"[{ "key": "key1", "value": "value1" }]"#,
            ),
            (
                r#"{ "key2": "value2", "key1": "value1" }"#,
                "key",
                "value",
                r#"[{ "key": "key1", "value": "value1" }, { "key": "key2", "value": "value2" }]"#,
            ),
            (
                r#"{ "key1": "value1", "key2": "value2" }"#,
                "myKey",
                "myValue",
                r#"[{ "myKey": "key1", "myValue": "value1" }, { "myKey": "key2", "myValue": "value2" }]"#,
            ),
            (
                r#"["A", "B", "C"]"#,
                "myKey",
                "myValue",
                r#"[{ "myKey": 0, "myValue": "A" }, { "myKey": 1, "myValue": "B" }, { "myKey": 2, "myValue": "C" }]"#,
            ),
            (
                r#"{"team": "apple", "organization": "banana"}"#,
                "key",
                "value",
                r#"[{"key": "organization", "value": "banana"}, {"key": "team", "value": "apple"}]"#,
            ),
            ("{}", "k", "v", "[]"),
            (r#"{"a": 1}"#, "k", "k", r#"[{"k": 1}]"#),
            (
                r#"{"b": 1, "B": 2, "a": 3}"#,
                "k",
                "v",
                r#"[{"k": "B", "v": 2}, {"k": "a", "v": 3}, {"k": "b", "v": 1}]"#,
            ),
        ];
        for &(input, k, v, want) in cases {
            assert_eq!(
                ok("items", &[j(input), Value::from(k), Value::from(v)]),
                j(want),
                "{input}"
            );
        }
    }

    #[test]
    fn object_from_lists_cases() {
        let cases: &[(&str, &str, &str)] = &[
            (
                r#"["key1", "key2"]"#,
                r#"["1", "2"]"#,
                r#"{"key1": "1", "key2": "2"}"#,
            ),
            (
                r#"["key1", "key2"]"#,
                r#"[1, "2"]"#,
                r#"{"key1": 1, "key2": "2"}"#,
            ),
            (r#"["key1", "key2"]"#, "[1]", r#"{"key1": 1, "key2": null}"#),
            (r#"["a"]"#, "[1, 2, 3]", r#"{"a": 1}"#),
            (
                r#"[1, true, 2.5]"#,
                r#"["x", "y", "z"]"#,
                r#"{"1": "x", "true": "y", "2.5": "z"}"#,
            ),
            (r#"["a", "a"]"#, "[1, 2]", r#"{"a": 2}"#),
            (r#"[16777217]"#, r#"["m"]"#, r#"{"16777216": "m"}"#),
            ("[]", "[1]", "{}"),
        ];
        for &(keys, values, want) in cases {
            assert_eq!(
                ok("object_from_lists", &[j(keys), j(values)]),
                j(want),
                "{keys}"
            );
        }
        assert_eq!(
            err("object_from_lists", &[j("[null]"), j("[1]")]),
            "argument #1 is not of type StringArray"
        );
        assert_eq!(
            err("object_from_lists", &[j("[{}]"), j("[1]")]),
            "argument #1 is not of type StringArray"
        );
    }
}
