//! Function table: JMESPath builtins and Kyverno's custom functions.
//!
//! One table, sorted by name, for the evaluator, the static checks, hover, completion and
//! `kyverno-ls functions`. Kyverno registers its functions after the builtins and a later
//! registration replaces an earlier one (`functionTable[name] = f`), so Kyverno's `sum`
//! replaces the builtin `sum`: there is exactly one entry per name.

pub mod builtins;
pub mod kyverno;
pub mod spec;

use std::collections::HashMap;
use std::sync::LazyLock;

pub use spec::{Env, FunctionSpec, Param, Types, ValueFn};

use super::value::Value;

/// Kyverno's custom functions.
const KYVERNO: &[FunctionSpec] = kyverno::SPECS;

struct Table {
    sorted: Vec<&'static FunctionSpec>,
    by_name: HashMap<&'static str, &'static FunctionSpec>,
}

static TABLE: LazyLock<Table> = LazyLock::new(|| {
    let mut by_name: HashMap<&'static str, &'static FunctionSpec> = HashMap::new();
    for spec in builtins::SPECS.iter().chain(KYVERNO) {
        by_name.insert(spec.name, spec);
    }
    let mut sorted: Vec<&'static FunctionSpec> = by_name.values().copied().collect();
    sorted.sort_by_key(|spec| spec.name);
    Table { sorted, by_name }
});

thread_local! {
    /// Work a function did beyond the size of its arguments and result (compiling a regular
    /// expression), in evaluation steps, for the evaluator to charge after the call.
    static CHARGED: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// Records `steps` of work done by the running function.
pub fn charge(steps: u64) {
    CHARGED.with(|c| c.set(c.get().saturating_add(steps)));
}

/// The steps recorded since the last call, reset to zero.
pub fn take_charged() -> u64 {
    CHARGED.with(|c| c.replace(0))
}

/// The function called `name`, if Kyverno has one.
pub fn lookup(name: &str) -> Option<&'static FunctionSpec> {
    TABLE.by_name.get(name).copied()
}

/// Every function, builtins and Kyverno's, sorted by name.
pub fn all() -> Vec<&'static FunctionSpec> {
    TABLE.sorted.clone()
}

/// Whether a call with `count` arguments passes the fork's arity check: exact, or at least
/// the declared parameters when the last one repeats; a function declared without parameters
/// (`time_now`) takes anything.
pub fn arity_ok(spec: &FunctionSpec, count: usize) -> bool {
    if spec.params.is_empty() {
        true
    } else if spec.variadic {
        count >= spec.params.len()
    } else {
        count == spec.params.len()
    }
}

/// The fork's arity error: `incorrect number of args`, or `Invalid arity.` for a variadic
/// function given too few.
pub fn arity_message(variadic: bool) -> &'static str {
    if variadic {
        "Invalid arity."
    } else {
        "incorrect number of args"
    }
}

/// The parameter the argument at `index` is checked against: the last one repeats when the
/// function is variadic; none for surplus arguments or a function without parameters.
pub fn param_for(spec: &FunctionSpec, index: usize) -> Option<&'static Param> {
    match spec.params.get(index) {
        Some(param) => Some(param),
        None if spec.variadic => spec.params.last(),
        None => None,
    }
}

/// The fork's type error for an argument (`typeCheck`), word for word:
/// `Invalid type for: <nil>, expected: []jmespath.JpType{"string"}`.
pub fn invalid_type_message(arg: &Value, types: Types) -> String {
    invalid_type_message_for(&go_format(arg), &jp_type_names(types))
}

/// The same, with the fork's type names given (`array[number]`...) and the argument already
/// rendered.
pub fn invalid_type_message_for(arg: &str, jp_types: &[&str]) -> String {
    let list = jp_types
        .iter()
        .map(|t| format!("\"{t}\""))
        .collect::<Vec<_>>()
        .join(", ");
    format!("Invalid type for: {arg}, expected: []jmespath.JpType{{{list}}}")
}

/// The fork's names for a set of types (`string`, `number`, `array`, `object`, `expref`,
/// `any`), in the order its declarations mostly use.
pub fn jp_type_names(types: Types) -> Vec<&'static str> {
    if types.contains(Types::ANY) {
        return vec!["any"];
    }
    [
        (Types::STRING, "string"),
        (Types::NUMBER, "number"),
        (Types::ARRAY, "array"),
        (Types::OBJECT, "object"),
        (Types::BOOL, "boolean"),
        (Types::NULL, "null"),
        (Types::EXPREF, "expref"),
    ]
    .into_iter()
    .filter(|(t, _)| types.contains(*t))
    .map(|(_, name)| name)
    .collect()
}

/// Go's `fmt` `%v` rendering of a value, as the fork prints arguments in its errors:
/// `<nil>`, `true`, `3`, `1e+06`, `text`, `[a 1]`, `map[k:v]`. Long renderings are cut.
pub fn go_format(value: &Value) -> String {
    const MAX: usize = 200;
    let mut out = String::new();
    go_format_into(value, &mut out, MAX);
    if out.len() > MAX {
        let mut cut = MAX;
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        out.truncate(cut);
        out.push_str("...");
    }
    out
}

fn go_format_into(value: &Value, out: &mut String, max: usize) {
    if out.len() > max {
        return;
    }
    match value {
        Value::Null => out.push_str("<nil>"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&go_format_float(*n)),
        Value::String(s) => out.push_str(s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                go_format_into(item, out, max);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push_str("map[");
            for (i, (k, v)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                out.push_str(k);
                out.push(':');
                go_format_into(v, out, max);
            }
            out.push(']');
        }
    }
}

/// Go's `%v` for a float64: `%g` with the shortest digits, exponent form when the exponent is
/// below -4 or at least 6 (`1e+06`, `1.5e-05`).
pub fn go_format_float(n: f64) -> String {
    if n.is_nan() {
        return "NaN".into();
    }
    if n.is_infinite() {
        return if n > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        };
    }
    if n == 0.0 {
        return if n.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    let sci = format!("{n:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if (-4..6).contains(&exp) {
        format!("{n}")
    } else {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exp.abs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jmespath::value::Map;

    #[test]
    fn one_entry_per_name_sorted() {
        let all = all();
        assert!(all.windows(2).all(|w| w[0].name < w[1].name));
        assert_eq!(all.iter().filter(|s| s.name == "sum").count(), 1);
        for spec in &all {
            assert_eq!(lookup(spec.name).map(|s| s.name), Some(spec.name));
        }
        assert!(lookup("nope").is_none());
    }

    #[test]
    fn fork_messages() {
        assert_eq!(
            invalid_type_message(&Value::Null, Types::STRING),
            "Invalid type for: <nil>, expected: []jmespath.JpType{\"string\"}"
        );
        assert_eq!(
            invalid_type_message(&Value::Bool(true), Types::ARRAY.or(Types::STRING)),
            "Invalid type for: true, expected: []jmespath.JpType{\"string\", \"array\"}"
        );
        let mut map = Map::new();
        map.insert(
            "b".into(),
            Value::array(vec![Value::from(1.0), Value::from("x")]),
        );
        map.insert("a".into(), Value::Null);
        assert_eq!(go_format(&Value::object(map)), "map[a:<nil> b:[1 x]]");
        for (n, text) in [
            (3.0, "3"),
            (1.5, "1.5"),
            (100000.0, "100000"),
            (1e6, "1e+06"),
            (1234567.0, "1.234567e+06"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (-2.5e-7, "-2.5e-07"),
        ] {
            assert_eq!(go_format_float(n), text);
        }
    }
}
