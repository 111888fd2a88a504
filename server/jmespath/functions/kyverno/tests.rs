//! Table-wide tests: the registered names, the documentation, and every example evaluated.

use super::SPECS;
use super::testing::call;
use crate::jmespath::value::Value;

/// Kyverno's function names, as `GetFunctions` registers them.
const KYVERNO_NAMES: [&str; 51] = [
    "compare",
    "equal_fold",
    "replace",
    "replace_all",
    "to_upper",
    "to_lower",
    "trim",
    "trim_prefix",
    "split",
    "regex_replace_all",
    "regex_replace_all_literal",
    "regex_match",
    "pattern_match",
    "label_match",
    "to_boolean",
    "add",
    "sum",
    "subtract",
    "multiply",
    "divide",
    "modulo",
    "round",
    "base64_decode",
    "base64_encode",
    "time_since",
    "time_now",
    "time_now_utc",
    "path_canonicalize",
    "truncate",
    "semver_compare",
    "parse_json",
    "parse_yaml",
    "lookup",
    "items",
    "object_from_lists",
    "random",
    "x509_decode",
    "time_to_cron",
    "time_add",
    "time_parse",
    "time_utc",
    "time_diff",
    "time_before",
    "time_after",
    "time_between",
    "time_truncate",
    "image_normalize",
    "is_external_url",
    "sha256",
    "sha1",
    "md5",
];

#[test]
fn all_51_functions_are_registered_once() {
    let names: Vec<&str> = SPECS.iter().map(|s| s.name).collect();
    assert_eq!(names, KYVERNO_NAMES);
    for spec in SPECS {
        assert!(spec.kyverno, "{}", spec.name);
        assert!(spec.imp.is_some(), "{}", spec.name);
        assert!(!spec.variadic, "{}", spec.name);
        assert!(
            !spec.doc.is_empty() && spec.doc.len() < 600,
            "{}",
            spec.name
        );
        assert!(
            spec.example.starts_with(&format!("{}(", spec.name)),
            "{}",
            spec.name
        );
    }
}

/// A JMESPath raw string `'...'` (only `\'` is an escape) or JSON literal `` `...` ``.
fn parse_arg(text: &str) -> Value {
    let text = text.trim();
    if let Some(body) = text.strip_prefix('\'').and_then(|t| t.strip_suffix('\'')) {
        return Value::from(body.replace("\\'", "'"));
    }
    if let Some(body) = text.strip_prefix('`').and_then(|t| t.strip_suffix('`')) {
        let json: serde_json::Value =
            serde_json::from_str(&body.replace("\\`", "`")).expect("literal in example is JSON");
        return Value::from_json(&json);
    }
    panic!("unsupported argument in example: {text}");
}

/// Splits `a, 'b,c', `[1, 2]`` at the top-level commas.
fn split_args(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match (quote, c) {
            (Some(_), '\\') => escaped = true,
            (Some(q), c) if c == q => quote = None,
            (None, '\'' | '`') => quote = Some(c),
            (None, ',') => {
                out.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    if !text[start..].trim().is_empty() {
        out.push(&text[start..]);
    }
    out
}

#[test]
fn every_example_is_true() {
    for spec in SPECS {
        let (call_text, expected) = spec
            .example
            .split_once(" → ")
            .unwrap_or_else(|| panic!("{}: example lacks ' → '", spec.name));
        let inner = call_text
            .strip_prefix(spec.name)
            .and_then(|t| t.strip_prefix('('))
            .and_then(|t| t.strip_suffix(')'))
            .unwrap_or_else(|| panic!("{}: example is not a call", spec.name));
        let args: Vec<Value> = split_args(inner).into_iter().map(parse_arg).collect();
        assert_eq!(
            args.len(),
            spec.params.len(),
            "{}: example arity",
            spec.name
        );
        for (arg, param) in args.iter().zip(spec.params) {
            assert!(
                param.types.contains(super::super::spec::Types::of(arg)),
                "{}: example argument {arg:?} does not fit {}",
                spec.name,
                param.name
            );
        }
        let result = call(spec.name, &args);
        match expected.strip_prefix("error: ") {
            Some(message) => assert_eq!(result, Err(message.to_string()), "{}", spec.name),
            None => {
                let json: serde_json::Value = serde_json::from_str(expected)
                    .unwrap_or_else(|e| panic!("{}: result is not JSON: {e}", spec.name));
                assert_eq!(result, Ok(Value::from_json(&json)), "{}", spec.name);
            }
        }
    }
}

/// Every function, with every combination of awkward arguments (including types the evaluator
/// would refuse), returns a value or an error: never a panic, never a hang.
#[test]
fn no_input_panics() {
    let samples: Vec<Value> = [
        "null",
        "true",
        "0",
        "-1.5",
        "1e300",
        "16777217",
        r#""""#,
        r#""x""#,
        r#""1Ki""#,
        r#""1h""#,
        r#""-""#,
        r#""2021-01-02T15:04:05Z""#,
        r#""(""#,
        r#""a{2}*""#,
        r#""\u00e9\ud83d\ude00""#,
        "[]",
        "{}",
        r#"[1, "a", null]"#,
        r#"{"a": 1, "b": [1]}"#,
    ]
    .iter()
    .map(|t| Value::from_json(&serde_json::from_str(t).expect("sample JSON")))
    .collect();
    for spec in SPECS {
        let arity = spec.params.len();
        let total = samples.len().pow(arity as u32);
        for n in 0..total {
            let mut k = n;
            let args: Vec<Value> = (0..arity)
                .map(|_| {
                    let v = samples[k % samples.len()].clone();
                    k /= samples.len();
                    v
                })
                .collect();
            let _ = call(spec.name, &args);
        }
    }
}

/// Arguments the evaluator lets through only if its type check is bypassed: the functions still
/// answer with Kyverno's wording (Kyverno's functions_test.go checks these as `wantErr`).
#[test]
fn wrong_argument_types_are_errors() {
    let n = |v: f64| Value::Number(v);
    let s = |v: &str| Value::from(v);
    let cases: Vec<(&str, Vec<Value>, &str)> = vec![
        (
            "compare",
            vec![n(1.0), s("b")],
            "argument #1 is not of type String",
        ),
        (
            "compare",
            vec![s("a"), n(1.0)],
            "argument #2 is not of type String",
        ),
        (
            "equal_fold",
            vec![n(1.0), s("b")],
            "argument #1 is not of type String",
        ),
        (
            "equal_fold",
            vec![s("a"), n(1.0)],
            "argument #2 is not of type String",
        ),
        (
            "replace",
            vec![n(1.0), s("a"), s("b"), n(1.0)],
            "argument #1 is not of type String",
        ),
        (
            "replace",
            vec![s("x"), n(1.0), s("b"), n(1.0)],
            "argument #2 is not of type String",
        ),
        (
            "replace",
            vec![s("x"), s("a"), Value::Bool(false), n(1.0)],
            "argument #3 is not of type String",
        ),
        (
            "replace",
            vec![s("x"), s("a"), s("b"), Value::Bool(true)],
            "argument #4 is not of type Number",
        ),
        (
            "replace_all",
            vec![n(1.0), s("a"), s("b")],
            "argument #1 is not of type String",
        ),
        (
            "replace_all",
            vec![s("x"), s("a"), Value::Bool(false)],
            "argument #3 is not of type String",
        ),
        (
            "to_upper",
            vec![n(32.0)],
            "argument #1 is not of type String",
        ),
        (
            "to_lower",
            vec![n(32.0)],
            "argument #1 is not of type String",
        ),
        (
            "trim_prefix",
            vec![n(1.0), s("a")],
            "argument #1 is not of type String",
        ),
        (
            "trim_prefix",
            vec![s("a"), n(1.0)],
            "argument #2 is not of type String",
        ),
        (
            "to_boolean",
            vec![n(1.0)],
            "argument #1 is not of type String",
        ),
        (
            "to_boolean",
            vec![Value::Null],
            "argument #1 is not of type String",
        ),
        (
            "regex_match",
            vec![s("a"), Value::Null],
            "argument #2 is not of type String or Real",
        ),
        (
            "regex_replace_all",
            vec![s("a"), s("b"), Value::array(vec![])],
            "argument #3 is not of type String or Real",
        ),
        (
            "label_match",
            vec![s("a"), Value::object(Default::default())],
            "argument #0 is not of type Object",
        ),
        (
            "lookup",
            vec![s("a"), s("b")],
            "argument #1 is not of type Object or Array",
        ),
        (
            "items",
            vec![Value::array(vec![]), n(1.0), s("v")],
            "argument #2 is not of type String",
        ),
        (
            "object_from_lists",
            vec![s("a"), Value::array(vec![])],
            "argument #1 is not of type Array",
        ),
        (
            "time_before",
            vec![n(1.0), s("2021-01-02T15:04:05-07:00")],
            "argument #1 is not of type String",
        ),
        (
            "time_after",
            vec![s("2021-01-02T15:04:05-07:00"), n(1.0)],
            "argument #2 is not of type String",
        ),
        (
            "time_between",
            vec![
                s("2021-01-02T15:04:05-07:00"),
                s("2021-01-02T18:04:05-07:00"),
                n(1.0),
            ],
            "argument #3 is not of type String",
        ),
        ("sha256", vec![n(1.0)], "argument #1 is not of type String"),
        (
            "round",
            vec![s("1"), n(1.0)],
            "argument #1 is not of type Number",
        ),
        ("sum", vec![s("1")], "Types mismatch"),
    ];
    for (name, args, want) in cases {
        assert_eq!(call(name, &args), Err(want.to_string()), "{name}({args:?})");
    }
}
