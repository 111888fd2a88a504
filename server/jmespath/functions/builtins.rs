//! The JMESPath builtin functions of Kyverno's go-jmespath fork (`functions.go`), with the
//! fork's behaviour where it differs from the specification: `keys`/`values` come in key
//! order (Go's map order is random; ours is the stable choice), `to_string` renders like Go's
//! `encoding/json` (sorted keys, HTML characters escaped), `to_number` parses like Go's
//! `strconv.ParseFloat`. `sum` is listed for completeness; Kyverno replaces it with its own.
//!
//! The four functions that take an `&expression` (`map`, `max_by`, `min_by`, `sort_by`) have
//! no `imp`: the evaluator runs them.

use std::sync::Arc;

use super::spec::{Env, FunctionSpec, Param, Types};
use super::{go_format, invalid_type_message_for};
use crate::jmespath::json::to_go_json;
use crate::jmespath::value::{Map, Value};

const fn p(name: &'static str, types: Types) -> Param {
    Param { name, types }
}

const NUM: Types = Types::NUMBER;
const STR: Types = Types::STRING;
const ARR: Types = Types::ARRAY;
const OBJ: Types = Types::OBJECT;
const ANY: Types = Types::ANY;
const EXP: Types = Types::EXPREF;

macro_rules! builtin {
    ($name:literal, [$($param:expr),*], $variadic:expr, $returns:expr, $imp:expr,
     $doc:literal, $example:literal) => {
        FunctionSpec {
            name: $name,
            params: &[$($param),*],
            variadic: $variadic,
            returns: $returns,
            doc: $doc,
            example: $example,
            kyverno: false,
            imp: $imp,
        }
    };
}

pub static SPECS: &[FunctionSpec] = &[
    builtin!(
        "abs",
        [p("value", NUM)],
        false,
        NUM,
        Some(abs),
        "The absolute value of a number.",
        "abs(`-3`) → 3"
    ),
    builtin!(
        "avg",
        [p("numbers", ARR)],
        false,
        NUM.or(Types::NULL),
        Some(avg),
        "The mean of an array of numbers; null for an empty array. Every element must be a number.",
        "avg(`[1, 2, 6]`) → 3"
    ),
    builtin!(
        "ceil",
        [p("value", NUM)],
        false,
        NUM,
        Some(ceil),
        "The number rounded up to the nearest integer.",
        "ceil(`1.2`) → 2"
    ),
    builtin!(
        "contains",
        [p("subject", ARR.or(STR)), p("search", ANY)],
        false,
        Types::BOOL,
        Some(contains),
        "Whether an array has an element equal to `search`, or a string contains the string \
         `search` as a substring (a non-string `search` in a string gives false).",
        "contains('nginx:1.25', ':') → true"
    ),
    builtin!(
        "ends_with",
        [p("subject", STR), p("suffix", STR)],
        false,
        Types::BOOL,
        Some(ends_with),
        "Whether the string ends with the suffix.",
        "ends_with('image:latest', ':latest') → true"
    ),
    builtin!(
        "floor",
        [p("value", NUM)],
        false,
        NUM,
        Some(floor),
        "The number rounded down to the nearest integer.",
        "floor(`1.8`) → 1"
    ),
    builtin!(
        "join",
        [p("glue", STR), p("strings", ARR)],
        false,
        STR,
        Some(join),
        "The strings of the array joined with `glue` between them. Every element must be a \
         string.",
        "join(', ', ['a', 'b']) → \"a, b\""
    ),
    builtin!(
        "keys",
        [p("object", OBJ)],
        false,
        ARR,
        Some(keys),
        "The keys of an object, in key order (Kyverno itself returns them in random order).",
        "keys(`{\"b\": 1, \"a\": 2}`) → [\"a\", \"b\"]"
    ),
    builtin!(
        "length",
        [p("subject", STR.or(ARR).or(OBJ))],
        false,
        NUM,
        Some(length),
        "The number of characters in a string, elements in an array or keys in an object.",
        "length('abc') → 3"
    ),
    builtin!(
        "map",
        [p("expression", EXP), p("array", ARR)],
        false,
        ARR,
        None,
        "Applies the expression to every element of the array and keeps every result, nulls \
         included (a projection drops them). A missing key inside the expression gives null.",
        "map(&name, [{name: 'a'}, {}]) → [\"a\", null]"
    ),
    builtin!(
        "max",
        [p("array", ARR)],
        false,
        NUM.or(STR).or(Types::NULL),
        Some(max),
        "The largest number, or the last string in byte order, of an array of numbers only or \
         strings only; null for an empty array.",
        "max(`[1, 5, 3]`) → 5"
    ),
    builtin!(
        "max_by",
        [p("array", ARR), p("expression", EXP)],
        false,
        ANY,
        None,
        "The element for which the expression gives the largest value; the expression must give \
         numbers only or strings only. The first of equal elements wins.",
        "max_by(spec.containers, &length(name)) → the container with the longest name"
    ),
    builtin!(
        "merge",
        [p("objects", OBJ)],
        true,
        OBJ,
        Some(merge),
        "One object with the keys of all the objects; a later object's value wins.",
        "merge(`{\"a\": 1}`, `{\"a\": 2, \"b\": 3}`) → {\"a\": 2, \"b\": 3}"
    ),
    builtin!(
        "min",
        [p("array", ARR)],
        false,
        NUM.or(STR).or(Types::NULL),
        Some(min),
        "The smallest number, or the first string in byte order, of an array of numbers only or \
         strings only; null for an empty array.",
        "min(`[4, 2, 8]`) → 2"
    ),
    builtin!(
        "min_by",
        [p("array", ARR), p("expression", EXP)],
        false,
        ANY,
        None,
        "The element for which the expression gives the smallest value; the expression must \
         give numbers only or strings only. The first of equal elements wins.",
        "min_by(items, &priority) → the item with the lowest priority"
    ),
    builtin!(
        "not_null",
        [p("values", ANY)],
        true,
        ANY,
        Some(not_null),
        "The first argument that is not null, or null if all are.",
        "not_null(metadata.labels.team, 'none') → \"none\" when the label is null"
    ),
    builtin!(
        "reverse",
        [p("subject", ARR.or(STR))],
        false,
        ARR.or(STR),
        Some(reverse),
        "The array's elements, or the string's characters, in reverse order.",
        "reverse('abc') → \"cba\""
    ),
    builtin!(
        "sort",
        [p("array", ARR)],
        false,
        ARR,
        Some(sort),
        "The array sorted ascending: numbers by value or strings in byte order (numbers only or \
         strings only).",
        "sort(['b', 'a', 'C']) → [\"C\", \"a\", \"b\"]"
    ),
    builtin!(
        "sort_by",
        [p("array", ARR), p("expression", EXP)],
        false,
        ARR,
        None,
        "The array sorted by the value the expression gives for each element (numbers only or \
         strings only); elements with equal values keep their order.",
        "sort_by(spec.containers, &name) → containers ordered by name"
    ),
    builtin!(
        "starts_with",
        [p("subject", STR), p("prefix", STR)],
        false,
        Types::BOOL,
        Some(starts_with),
        "Whether the string starts with the prefix.",
        "starts_with('nginx:1.25', 'nginx') → true"
    ),
    builtin!(
        "sum",
        [p("numbers", ARR)],
        false,
        NUM,
        Some(sum),
        "The total of an array of numbers; 0 for an empty array.",
        "sum(`[1, 2, 3]`) → 6"
    ),
    builtin!(
        "to_array",
        [p("value", ANY)],
        false,
        ARR,
        Some(to_array),
        "The value itself if it is an array, otherwise an array holding it.",
        "to_array('a') → [\"a\"]"
    ),
    builtin!(
        "to_number",
        [p("value", ANY)],
        false,
        NUM.or(Types::NULL),
        Some(to_number),
        "A number unchanged, or a string parsed as a number; null for anything else, including \
         a string that is not a number.",
        "to_number('1.5') → 1.5"
    ),
    builtin!(
        "to_string",
        [p("value", ANY)],
        false,
        STR,
        Some(to_string),
        "A string unchanged; anything else as compact JSON with sorted keys (as Go writes it: \
         `<`, `>` and `&` escaped).",
        "to_string(`{\"b\": 1, \"a\": [true]}`) → \"{\\\"a\\\":[true],\\\"b\\\":1}\""
    ),
    builtin!(
        "type",
        [p("value", ANY)],
        false,
        STR,
        Some(type_of),
        "The type of the value: `number`, `string`, `boolean`, `array`, `object` or `null`.",
        "type(`1`) → \"number\""
    ),
    builtin!(
        "values",
        [p("object", OBJ)],
        false,
        ARR,
        Some(values),
        "The values of an object, in key order (Kyverno itself returns them in random order).",
        "values(`{\"b\": 1, \"a\": 2}`) → [2, 1]"
    ),
];

/// The element types the fork checks inside array arguments (its `array[number]` and
/// `array[string]`), which [`Types`] cannot express. `Err` is the fork's type error.
pub fn check_elements(name: &str, args: &[Value]) -> Result<(), String> {
    let (index, accepted): (usize, &[&str]) = match name {
        "avg" | "sum" => (0, &["array[number]"]),
        "max" | "min" => (0, &["array[number]", "array[string]"]),
        "sort" => (0, &["array[string]", "array[number]"]),
        "join" => (1, &["array[string]"]),
        _ => return Ok(()),
    };
    let Some(items) = args.get(index).and_then(Value::as_array) else {
        return Ok(());
    };
    let all = |pred: fn(&Value) -> bool| items.iter().all(pred);
    let fits = accepted.iter().any(|t| match *t {
        "array[number]" => all(|v| matches!(v, Value::Number(_))),
        _ => all(|v| matches!(v, Value::String(_))),
    });
    if fits {
        Ok(())
    } else {
        Err(invalid_type_message_for(&go_format(&args[index]), accepted))
    }
}

fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or(0.0)
}

fn text(v: &Value) -> &str {
    v.as_str().unwrap_or("")
}

fn items(v: &Value) -> &[Value] {
    v.as_array().unwrap_or(&[])
}

type Out = Result<Value, String>;

fn abs(args: &[Value], _: &Env) -> Out {
    Ok(Value::Number(num(&args[0]).abs()))
}

fn avg(args: &[Value], _: &Env) -> Out {
    let items = items(&args[0]);
    if items.is_empty() {
        return Ok(Value::Null);
    }
    let total: f64 = items.iter().map(num).sum();
    Ok(Value::Number(total / items.len() as f64))
}

fn ceil(args: &[Value], _: &Env) -> Out {
    Ok(Value::Number(num(&args[0]).ceil()))
}

fn floor(args: &[Value], _: &Env) -> Out {
    Ok(Value::Number(num(&args[0]).floor()))
}

fn contains(args: &[Value], _: &Env) -> Out {
    let found = match (&args[0], &args[1]) {
        (Value::String(s), Value::String(search)) => s.contains(&**search),
        (Value::String(_), _) => false,
        (subject, search) => items(subject).iter().any(|item| item == search),
    };
    Ok(Value::Bool(found))
}

fn ends_with(args: &[Value], _: &Env) -> Out {
    Ok(Value::Bool(text(&args[0]).ends_with(text(&args[1]))))
}

fn starts_with(args: &[Value], _: &Env) -> Out {
    Ok(Value::Bool(text(&args[0]).starts_with(text(&args[1]))))
}

fn join(args: &[Value], _: &Env) -> Out {
    let parts: Vec<&str> = items(&args[1]).iter().map(text).collect();
    Ok(Value::string(parts.join(text(&args[0]))))
}

fn keys(args: &[Value], _: &Env) -> Out {
    let keys = args[0]
        .as_object()
        .map(|m| m.keys().map(|k| Value::string(k.as_str())).collect())
        .unwrap_or_default();
    Ok(Value::array(keys))
}

fn values(args: &[Value], _: &Env) -> Out {
    let values = args[0]
        .as_object()
        .map(|m| m.values().cloned().collect())
        .unwrap_or_default();
    Ok(Value::array(values))
}

fn length(args: &[Value], _: &Env) -> Out {
    let n = match &args[0] {
        Value::String(s) => s.chars().count(),
        Value::Array(a) => a.len(),
        Value::Object(o) => o.len(),
        _ => 0,
    };
    Ok(Value::Number(n as f64))
}

/// The extreme of an array of numbers or of strings, by `better(candidate, best)`.
fn extreme(items: &[Value], better: fn(&Value, &Value) -> bool) -> Value {
    let mut best: Option<&Value> = None;
    for item in items {
        if best.is_none_or(|b| better(item, b)) {
            best = Some(item);
        }
    }
    best.cloned().unwrap_or(Value::Null)
}

fn greater(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x > y,
        (Value::String(x), Value::String(y)) => x > y,
        _ => false,
    }
}

fn max(args: &[Value], _: &Env) -> Out {
    Ok(extreme(items(&args[0]), greater))
}

fn min(args: &[Value], _: &Env) -> Out {
    Ok(extreme(items(&args[0]), |a, b| greater(b, a)))
}

fn merge(args: &[Value], _: &Env) -> Out {
    let mut merged = Map::new();
    for arg in args {
        if let Some(map) = arg.as_object() {
            for (k, v) in map {
                merged.insert(k.clone(), v.clone());
            }
        }
    }
    Ok(Value::object(merged))
}

fn not_null(args: &[Value], _: &Env) -> Out {
    Ok(args
        .iter()
        .find(|v| !matches!(v, Value::Null))
        .cloned()
        .unwrap_or(Value::Null))
}

fn reverse(args: &[Value], _: &Env) -> Out {
    Ok(match &args[0] {
        Value::String(s) => Value::string(s.chars().rev().collect::<String>()),
        other => Value::array(items(other).iter().rev().cloned().collect()),
    })
}

fn sort(args: &[Value], _: &Env) -> Out {
    let mut sorted = items(&args[0]).to_vec();
    sorted.sort_by(|a, b| match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.total_cmp(y),
        (Value::String(x), Value::String(y)) => x.cmp(y),
        _ => std::cmp::Ordering::Equal,
    });
    Ok(Value::array(sorted))
}

fn sum(args: &[Value], _: &Env) -> Out {
    Ok(Value::Number(items(&args[0]).iter().map(num).sum()))
}

fn to_array(args: &[Value], _: &Env) -> Out {
    Ok(match &args[0] {
        Value::Array(_) => args[0].clone(),
        other => Value::array(vec![other.clone()]),
    })
}

fn to_number(args: &[Value], _: &Env) -> Out {
    Ok(match &args[0] {
        Value::Number(_) => args[0].clone(),
        Value::String(s) => parse_go_float(s).map_or(Value::Null, Value::Number),
        _ => Value::Null,
    })
}

/// Go's `strconv.ParseFloat(s, 64)` for decimal text: out-of-range values are an error (null),
/// not infinity; `inf`/`infinity` (any case, signed) are infinities. Not-a-number gives None.
pub fn parse_go_float(s: &str) -> Option<f64> {
    let n: f64 = s.parse().ok()?;
    if n.is_nan() {
        return None;
    }
    if n.is_infinite() {
        let word = s.trim_start_matches(['+', '-']).to_ascii_lowercase();
        if word != "inf" && word != "infinity" {
            return None;
        }
    }
    Some(n)
}

fn to_string(args: &[Value], _: &Env) -> Out {
    Ok(match &args[0] {
        Value::String(_) => args[0].clone(),
        other => Value::String(Arc::from(to_go_json(other))),
    })
}

fn type_of(args: &[Value], _: &Env) -> Out {
    Ok(Value::from(args[0].type_name()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(name: &str, args: &[Value]) -> Value {
        let spec = SPECS.iter().find(|s| s.name == name).unwrap();
        (spec.imp.unwrap())(args, &Env::fixed()).unwrap()
    }

    fn json(text: &str) -> Value {
        Value::from_json(&serde_json::from_str(text).unwrap())
    }

    #[test]
    fn every_builtin_of_the_fork_is_listed_once() {
        let names: Vec<&str> = SPECS.iter().map(|s| s.name).collect();
        assert_eq!(
            names,
            [
                "abs",
                "avg",
                "ceil",
                "contains",
                "ends_with",
                "floor",
                "join",
                "keys",
                "length",
                "map",
                "max",
                "max_by",
                "merge",
                "min",
                "min_by",
                "not_null",
                "reverse",
                "sort",
                "sort_by",
                "starts_with",
                "sum",
                "to_array",
                "to_number",
                "to_string",
                "type",
                "values"
            ]
        );
        for spec in SPECS {
            assert!(!spec.kyverno);
            assert!(spec.example.contains('→'), "{}", spec.name);
            assert_eq!(
                spec.imp.is_none(),
                spec.params.iter().any(|p| p.types.contains(Types::EXPREF)),
                "{}",
                spec.name
            );
        }
    }

    #[test]
    fn quirks() {
        assert_eq!(call("avg", &[json("[]")]), Value::Null);
        assert_eq!(
            call("to_string", &[json(r#"{"b": 1, "a": ["<x>", 1.5, 1e21]}"#)]),
            Value::from(r#"{"a":["\u003cx\u003e",1.5,1e+21],"b":1}"#)
        );
        assert_eq!(call("to_string", &[Value::Null]), Value::from("null"));
        assert_eq!(call("to_number", &[json("\"abc\"")]), Value::Null);
        assert_eq!(call("to_number", &[json("\"1e400\"")]), Value::Null);
        assert_eq!(call("to_number", &[json("\" 1\"")]), Value::Null);
        assert_eq!(
            call("to_number", &[json("\"-1.5e2\"")]),
            Value::Number(-150.0)
        );
        assert_eq!(call("length", &[json("\"héllo\"")]), Value::Number(5.0));
        assert_eq!(call("reverse", &[json("\"héllo\"")]), Value::from("olléh"));
        assert_eq!(
            call("keys", &[json(r#"{"b":1,"a":2}"#)]),
            json(r#"["a","b"]"#)
        );
        assert_eq!(call("max", &[json("[]")]), Value::Null);
        assert_eq!(call("min", &[json(r#"["b","a","c"]"#)]), Value::from("a"));
        assert_eq!(
            call("contains", &[json(r#"[{"a":1}]"#), json(r#"{"a":1}"#)]),
            Value::Bool(true)
        );
        assert_eq!(
            call("contains", &[json("\"abc\""), json("1")]),
            Value::Bool(false)
        );
        assert_eq!(
            call("merge", &[json(r#"{"a":1}"#), json(r#"{"a":2,"b":3}"#)]),
            json(r#"{"a":2,"b":3}"#)
        );
        assert_eq!(call("not_null", &[Value::Null, json("[]")]), json("[]"));
    }

    #[test]
    fn element_checks_use_the_fork_type_names() {
        assert!(check_elements("avg", &[json("[1, 2]")]).is_ok());
        assert_eq!(
            check_elements("avg", &[json(r#"[1, "a"]"#)]).unwrap_err(),
            "Invalid type for: [1 a], expected: []jmespath.JpType{\"array[number]\"}"
        );
        assert!(check_elements("max", &[json(r#"["a", "b"]"#)]).is_ok());
        assert!(check_elements("max", &[json("[]")]).is_ok());
        assert!(check_elements("join", &[json("\",\""), json("[1]")]).is_err());
    }
}
