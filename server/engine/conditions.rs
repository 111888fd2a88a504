//! Condition blocks (`preconditions`, `deny.conditions`, foreach `preconditions`) and the
//! operators, as `pkg/engine/variables/evaluate.go` and `pkg/engine/variables/operator/*.go`
//! evaluate them.
//!
//! Each condition's `key` and `value` are substituted first (an undefined variable is an
//! error); the operator then compares the two JSON values. Messages of the conditions that
//! decided the outcome are collected, as Kyverno does, for skip and deny messages.

use super::Value;
use super::context::Context;
use super::matching::wildcard;
use super::value_pattern::{self, NumMode};
use super::vars;
use crate::jmespath::functions::builtins::parse_go_float;
use crate::jmespath::functions::go_format;

/// The outcome of a condition block: whether it holds, and the messages Kyverno joins.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub passed: bool,
    pub message: String,
}

fn join_non_empty(parts: &[String], sep: &str) -> String {
    parts
        .iter()
        .filter(|s| !s.is_empty())
        .cloned()
        .collect::<Vec<_>>()
        .join(sep)
}

/// Evaluates a condition block: `{any: [...], all: [...]}` or a legacy list (all must hold).
/// Null (absent) conditions pass.
pub fn evaluate_block(ctx: &mut Context, conditions: &Value) -> Result<Verdict, String> {
    match conditions {
        Value::Null => Ok(Verdict {
            passed: true,
            message: String::new(),
        }),
        Value::Array(list) => {
            let mut true_messages = Vec::new();
            for c in list.iter() {
                let (ok, msg) = evaluate_condition(ctx, c)?;
                if !ok {
                    return Ok(Verdict {
                        passed: false,
                        message: msg,
                    });
                }
                true_messages.push(msg);
            }
            Ok(Verdict {
                passed: true,
                message: join_non_empty(&true_messages, ";"),
            })
        }
        Value::Object(map) => {
            let mut any_result = true;
            let mut all_result = true;
            let mut false_messages = Vec::new();
            let mut true_messages = Vec::new();
            if let Some(any) = map.get("any").filter(|v| !matches!(v, Value::Null)) {
                any_result = false;
                let items = any
                    .as_array()
                    .ok_or("invalid condition: `any` must be a list")?;
                for c in items {
                    let (ok, msg) = evaluate_condition(ctx, c)?;
                    if ok {
                        any_result = true;
                        true_messages.push(msg);
                        break;
                    }
                    false_messages.push(msg);
                }
            }
            if let Some(all) = map.get("all").filter(|v| !matches!(v, Value::Null)) {
                let items = all
                    .as_array()
                    .ok_or("invalid condition: `all` must be a list")?;
                for c in items {
                    let (ok, msg) = evaluate_condition(ctx, c)?;
                    if !ok {
                        all_result = false;
                        false_messages.push(msg);
                        break;
                    }
                    true_messages.push(msg);
                }
            }
            let passed = any_result && all_result;
            let message = if passed {
                join_non_empty(&true_messages, "; ")
            } else {
                join_non_empty(&false_messages, "; ")
            };
            Ok(Verdict { passed, message })
        }
        _ => Err("invalid condition".into()),
    }
}

/// One condition: substitutes `key` and `value`, then applies the operator.
pub fn evaluate_condition(ctx: &mut Context, condition: &Value) -> Result<(bool, String), String> {
    let Some(map) = condition.as_object() else {
        return Err("invalid condition: expected an object".into());
    };
    let raw_key = map.get("key").cloned().unwrap_or(Value::Null);
    let raw_value = map.get("value").cloned().unwrap_or(Value::Null);
    let key = vars::substitute_all(ctx, &raw_key)
        .map_err(|e| format!("failed to substitute variables in condition key: {e}"))?;
    let value = vars::substitute_all(ctx, &raw_value)
        .map_err(|e| format!("failed to substitute variables in condition value: {e}"))?;
    let operator = map.get("operator").and_then(Value::as_str).unwrap_or("");
    let message = map
        .get("message")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let result = apply_operator(operator, &key, &value).ok_or_else(|| {
        format!("failed to create handler for condition operator: unsupported operator: {operator}")
    })?;
    Ok((result, message))
}

/// Applies an operator (case-insensitive) to substituted key and value. `None` for an unknown
/// operator.
pub fn apply_operator(operator: &str, key: &Value, value: &Value) -> Option<bool> {
    let op = operator.to_ascii_lowercase();
    Some(match op.as_str() {
        "equal" | "equals" => equals(key, value),
        "notequal" | "notequals" => not_equals(key, value),
        "in" => in_op(key, value, false),
        "notin" => in_op(key, value, true),
        "anyin" => set_op(key, value, SetOp::AnyIn),
        "allin" => set_op(key, value, SetOp::AllIn),
        "anynotin" => set_op(key, value, SetOp::AnyNotIn),
        "allnotin" => set_op(key, value, SetOp::AllNotIn),
        "greaterthan" => numeric(key, value, Cmp::Gt),
        "greaterthanorequals" => numeric(key, value, Cmp::Ge),
        "lessthan" => numeric(key, value, Cmp::Lt),
        "lessthanorequals" => numeric(key, value, Cmp::Le),
        "durationgreaterthan" => duration_op(key, value, Cmp::Gt),
        "durationgreaterthanorequals" => duration_op(key, value, Cmp::Ge),
        "durationlessthan" => duration_op(key, value, Cmp::Lt),
        "durationlessthanorequals" => duration_op(key, value, Cmp::Le),
        _ => return None,
    })
}

// ---------------------------------------------------------------------------------------------
// Go durations and Kubernetes quantities.

/// Go's `time.ParseDuration`, in nanoseconds.
pub fn parse_duration(s: &str) -> Option<i128> {
    crate::jmespath::functions::kyverno::duration::parse_duration(s)
        .ok()
        .map(i128::from)
}

/// A quantity as `mantissa × 10^exp` (binary suffixes folded into the mantissa).
#[derive(Debug, Clone, Copy)]
pub struct Quantity {
    mant: i128,
    exp: i32,
}

/// Kubernetes `resource.ParseQuantity` (value only).
pub fn parse_quantity(s: &str) -> Option<Quantity> {
    if s.is_empty() {
        return None;
    }
    let b = s.as_bytes();
    let mut i = 0;
    let mut neg = false;
    if b[0] == b'+' || b[0] == b'-' {
        neg = b[0] == b'-';
        i = 1;
    }
    let start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let int_part = &s[start..i];
    let mut frac_part = "";
    if i < b.len() && b[i] == b'.' {
        i += 1;
        let fs = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        frac_part = &s[fs..i];
    }
    if int_part.is_empty() && frac_part.is_empty() {
        return None;
    }
    let suffix = &s[i..];
    let mut mant: i128 = 0;
    for c in int_part.bytes().chain(frac_part.bytes()) {
        mant = mant.checked_mul(10)?.checked_add((c - b'0') as i128)?;
    }
    let mut exp = -(frac_part.len() as i32);
    let binary = |n: u32| 1024i128.checked_pow(n);
    match suffix {
        "" => {}
        "Ki" => mant = mant.checked_mul(binary(1)?)?,
        "Mi" => mant = mant.checked_mul(binary(2)?)?,
        "Gi" => mant = mant.checked_mul(binary(3)?)?,
        "Ti" => mant = mant.checked_mul(binary(4)?)?,
        "Pi" => mant = mant.checked_mul(binary(5)?)?,
        "Ei" => mant = mant.checked_mul(binary(6)?)?,
        "n" => exp -= 9,
        "u" => exp -= 6,
        "m" => exp -= 3,
        "k" => exp += 3,
        "M" => exp += 6,
        "G" => exp += 9,
        "T" => exp += 12,
        "P" => exp += 15,
        "E" => exp += 18,
        other => {
            let rest = other.strip_prefix(['e', 'E'])?;
            let digits = rest.strip_prefix(['+', '-']).unwrap_or(rest);
            if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            let e: i32 = rest.parse().ok()?;
            exp = exp.checked_add(e)?;
        }
    }
    Some(Quantity {
        mant: if neg { -mant } else { mant },
        exp,
    })
}

impl Quantity {
    pub fn compare(&self, other: &Quantity) -> std::cmp::Ordering {
        let (a, b) = (*self, *other);
        let lo = a.exp.min(b.exp);
        let scale = |q: Quantity| -> Option<i128> {
            let d = u32::try_from(i64::from(q.exp) - i64::from(lo)).ok()?;
            q.mant.checked_mul(10i128.checked_pow(d)?)
        };
        match (scale(a), scale(b)) {
            (Some(x), Some(y)) => x.cmp(&y),
            _ => a.to_f64().total_cmp(&b.to_f64()),
        }
    }

    pub fn to_f64(&self) -> f64 {
        self.mant as f64 * 10f64.powi(self.exp)
    }
}

/// Semantic versions (`major.minor.patch[-pre][+build]`), compared as blang/semver does.
fn parse_semver(s: &str) -> Option<(u64, u64, u64, Vec<String>)> {
    let s = s.split_once('+').map_or(s, |(a, _)| a);
    let (core, pre) = match s.split_once('-') {
        Some((c, p)) => (c, p.split('.').map(str::to_string).collect()),
        None => (s, Vec::new()),
    };
    let parts: Vec<&str> = core.split('.').collect();
    if parts.len() != 3 {
        return None;
    }
    let num = |p: &str| -> Option<u64> {
        if p.is_empty() || (p.len() > 1 && p.starts_with('0')) {
            return None;
        }
        if !p.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        p.parse().ok()
    };
    Some((num(parts[0])?, num(parts[1])?, num(parts[2])?, pre))
}

fn semver_cmp(
    a: &(u64, u64, u64, Vec<String>),
    b: &(u64, u64, u64, Vec<String>),
) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    let core = (a.0, a.1, a.2).cmp(&(b.0, b.1, b.2));
    if core != Ordering::Equal {
        return core;
    }
    match (a.3.is_empty(), b.3.is_empty()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        (false, false) => {
            for (x, y) in a.3.iter().zip(b.3.iter()) {
                let o = match (x.parse::<u64>(), y.parse::<u64>()) {
                    (Ok(m), Ok(n)) => m.cmp(&n),
                    (Ok(_), Err(_)) => Ordering::Less,
                    (Err(_), Ok(_)) => Ordering::Greater,
                    (Err(_), Err(_)) => x.cmp(y),
                };
                if o != Ordering::Equal {
                    return o;
                }
            }
            a.3.len().cmp(&b.3.len())
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Equals / NotEquals.

/// Kyverno's `parseDuration(key, value)`: at least one side must be a duration string (not
/// `"0"`); the other side may be a duration or a number of seconds.
fn durations(key: &Value, value: &Value) -> Option<(i128, i128)> {
    let as_dur = |v: &Value| match v {
        Value::String(s) if &**s != "0" => parse_duration(s),
        _ => None,
    };
    let (kd, vd) = (as_dur(key), as_dur(value));
    if kd.is_none() && vd.is_none() {
        return None;
    }
    let other = |v: &Value| match v {
        Value::Number(n) => Some((n * 1e9) as i128),
        Value::String(s) => parse_duration(s),
        _ => None,
    };
    let k = match kd {
        Some(k) => k,
        None => other(key)?,
    };
    let v = match vd {
        Some(v) => v,
        None => other(value)?,
    };
    Some((k, v))
}

fn deep_equal(a: &Value, b: &Value) -> bool {
    a == b
}

pub fn equals(key: &Value, value: &Value) -> bool {
    match key {
        Value::Bool(b) => matches!(value, Value::Bool(v) if v == b),
        Value::Number(n) => match value {
            Value::Number(v) => v == n,
            Value::String(s) => parse_go_float(s).is_some_and(|v| v == *n),
            _ => false,
        },
        Value::String(k) => {
            if let Some((a, b)) = durations(key, value) {
                return a == b;
            }
            if let Some(kq) = parse_quantity(k) {
                return match value {
                    Value::String(v) => parse_quantity(v).is_some_and(|vq| kq.compare(&vq).is_eq()),
                    _ => false,
                };
            }
            match value {
                Value::String(v) => wildcard(v, k),
                _ => false,
            }
        }
        Value::Object(_) | Value::Array(_) => deep_equal(key, value),
        Value::Null => false,
    }
}

pub fn not_equals(key: &Value, value: &Value) -> bool {
    match key {
        Value::Bool(b) => !matches!(value, Value::Bool(v) if v == b),
        Value::Number(n) => match value {
            Value::Number(v) => v != n,
            Value::String(s) => parse_go_float(s).is_none_or(|v| v != *n),
            _ => true,
        },
        Value::String(k) => {
            if let Some((a, b)) = durations(key, value) {
                return a != b;
            }
            if let Some(kq) = parse_quantity(k) {
                if let Value::String(v) = value {
                    if !v.is_empty() {
                        return parse_quantity(v).is_none_or(|vq| !kq.compare(&vq).is_eq());
                    }
                }
            }
            match value {
                Value::String(v) => !wildcard(v, k),
                _ => true,
            }
        }
        Value::Object(_) | Value::Array(_) => !deep_equal(key, value),
        Value::Null => false,
    }
}

// ---------------------------------------------------------------------------------------------
// In / NotIn / AnyIn / AllIn / AnyNotIn / AllNotIn.

fn sprint(v: &Value) -> String {
    go_format(v)
}

fn is_scalar(v: &Value) -> bool {
    matches!(v, Value::String(_) | Value::Number(_) | Value::Bool(_))
}

/// A JSON array of strings given as a string (`'["a","b"]'`).
fn json_string_array(s: &str) -> Option<Vec<String>> {
    let parsed: serde_json::Value = serde_json::from_str(s).ok()?;
    parsed
        .as_array()?
        .iter()
        .map(|v| v.as_str().map(str::to_string))
        .collect()
}

/// `keyExistsInArray` (In / NotIn): `(invalid_type, exists)` for a scalar key.
fn key_exists(key: &str, value: &Value) -> (bool, bool) {
    match value {
        Value::Array(items) => {
            let found = items.iter().any(|item| {
                let v = sprint(item);
                wildcard(key, &v) || wildcard(&v, key)
            });
            (false, found)
        }
        Value::String(s) => {
            if wildcard(s, key) {
                return (false, true);
            }
            match json_string_array(s) {
                Some(arr) => (false, arr.iter().any(|v| v == key)),
                None => (true, false),
            }
        }
        _ => (true, false),
    }
}

/// Whether `s` is a range pattern (`a-b`), as `operator.GetOperatorFromStringPattern` says.
fn is_range(s: &str) -> bool {
    value_pattern::operator_of(s) == value_pattern::Op::InRange
}

/// `handleRange`: `key` checked against a range pattern (`a-b` or `a!-b`).
fn handle_range(key: &str, range: &str) -> bool {
    value_pattern::validate_value(&Value::from(key), &Value::from(range), NumMode::Json)
}

/// The values of a string operand: a JSON array of strings, or (not JSON at all) the string
/// itself. None: valid JSON that is not an array of strings (an invalid type).
fn string_values(s: &str) -> Option<Vec<String>> {
    if serde_json::from_str::<serde_json::Value>(s).is_ok() {
        json_string_array(s)
    } else {
        Some(vec![s.to_string()])
    }
}

/// `anyKeyExistsInArray` (AnyIn / AllIn / AnyNotIn / AllNotIn with a scalar key):
/// `(invalid_type, exists)`. `negated`: ranges are checked with `!-` (and reported inverted,
/// since the caller negates `exists`).
fn any_key_exists(key: &str, value: &Value, negated: bool) -> (bool, bool) {
    match value {
        Value::Array(items) => {
            let found = items.iter().any(|item| {
                let v = sprint(item);
                wildcard(key, &v) || wildcard(&v, key)
            });
            (false, found)
        }
        Value::String(s) => {
            if wildcard(s, key) {
                return (false, true);
            }
            if is_range(s) {
                return if negated {
                    (false, !handle_range(key, &s.replacen('-', "!-", 1)))
                } else {
                    (false, handle_range(key, s))
                };
            }
            match string_values(s) {
                Some(arr) => (false, arr.iter().any(|v| v == key)),
                None => (true, false),
            }
        }
        _ => (true, false),
    }
}

fn in_op(key: &Value, value: &Value, negate: bool) -> bool {
    if is_scalar(key) {
        let (invalid, exists) = key_exists(&sprint(key), value);
        if invalid {
            return false;
        }
        return exists != negate;
    }
    if let Value::Array(keys) = key {
        let keys: Vec<String> = keys.iter().map(sprint).collect();
        let values: Option<Vec<String>> = match value {
            Value::Array(items) => Some(items.iter().map(sprint).collect()),
            Value::String(s) => {
                if keys.len() == 1 && keys[0] == **s {
                    return !negate;
                }
                json_string_array(s)
            }
            _ => None,
        };
        let Some(values) = values else {
            return false;
        };
        let all_present = keys.iter().all(|k| values.iter().any(|v| v == k));
        return all_present != negate;
    }
    false
}

#[derive(Clone, Copy, PartialEq)]
#[allow(clippy::enum_variant_names)]
enum SetOp {
    AnyIn,
    AllIn,
    AnyNotIn,
    AllNotIn,
}

fn set_op(key: &Value, value: &Value, op: SetOp) -> bool {
    let negated = matches!(op, SetOp::AnyNotIn | SetOp::AllNotIn);
    if is_scalar(key) {
        let (invalid, exists) = any_key_exists(&sprint(key), value, negated);
        if invalid {
            return false;
        }
        return exists != negated;
    }
    let Value::Array(keys) = key else {
        return false;
    };
    let keys: Vec<String> = keys.iter().map(sprint).collect();
    let values: Vec<String> = match value {
        Value::Array(items) => items.iter().map(sprint).collect(),
        Value::String(s) => {
            if keys.len() == 1 && keys[0] == **s {
                return !negated;
            }
            if is_range(s) {
                let outside = s.replacen('-', "!-", 1);
                return match op {
                    SetOp::AnyIn => keys.iter().any(|k| handle_range(k, s)),
                    SetOp::AllIn => keys.iter().all(|k| handle_range(k, s)),
                    SetOp::AnyNotIn => keys.iter().any(|k| handle_range(k, &outside)),
                    SetOp::AllNotIn => keys.iter().all(|k| handle_range(k, &outside)),
                };
            }
            match string_values(s) {
                Some(arr) => arr,
                None => return false,
            }
        }
        _ => return false,
    };
    let found = |k: &String| values.iter().any(|v| wildcard(k, v) || wildcard(v, k));
    match op {
        SetOp::AnyIn => keys.iter().any(found),
        SetOp::AllIn => keys.iter().all(found),
        SetOp::AnyNotIn => !keys.iter().all(found),
        SetOp::AllNotIn => !keys.iter().any(found),
    }
}

// ---------------------------------------------------------------------------------------------
// Numeric and duration comparisons.

#[derive(Clone, Copy)]
enum Cmp {
    Gt,
    Ge,
    Lt,
    Le,
}

impl Cmp {
    fn holds(self, o: std::cmp::Ordering) -> bool {
        match self {
            Cmp::Gt => o.is_gt(),
            Cmp::Ge => o.is_ge(),
            Cmp::Lt => o.is_lt(),
            Cmp::Le => o.is_le(),
        }
    }
    fn floats(self, a: f64, b: f64) -> bool {
        a.partial_cmp(&b).is_some_and(|o| self.holds(o))
    }
}

fn numeric_float_key(key: f64, value: &Value, cmp: Cmp) -> bool {
    match value {
        Value::Number(v) => cmp.floats(key, *v),
        Value::String(s) => match parse_go_float(s) {
            Some(v) => cmp.floats(key, v),
            None => parse_quantity(s).is_some_and(|q| cmp.floats(key, q.to_f64())),
        },
        _ => false,
    }
}

fn numeric(key: &Value, value: &Value, cmp: Cmp) -> bool {
    if let Some((a, b)) = durations(key, value) {
        return cmp.holds(a.cmp(&b));
    }
    match key {
        Value::Number(k) => numeric_float_key(*k, value, cmp),
        Value::String(k) => {
            if let (Some(kq), Value::String(v)) = (parse_quantity(k), value) {
                if let Some(vq) = parse_quantity(v) {
                    return cmp.holds(kq.compare(&vq));
                }
            }
            if let Some(f) = parse_go_float(k) {
                return numeric_float_key(f, value, cmp);
            }
            if let Some(kv) = parse_semver(k) {
                return match value {
                    Value::String(v) => {
                        parse_semver(v).is_some_and(|vv| cmp.holds(semver_cmp(&kv, &vv)))
                    }
                    _ => false,
                };
            }
            false
        }
        _ => false,
    }
}

fn duration_operand(v: &Value) -> Option<i128> {
    match v {
        Value::Number(n) => Some((n.trunc() as i128).saturating_mul(1_000_000_000)),
        Value::String(s) => parse_duration(s),
        _ => None,
    }
}

fn duration_op(key: &Value, value: &Value, cmp: Cmp) -> bool {
    match (duration_operand(key), duration_operand(value)) {
        (Some(a), Some(b)) => cmp.holds(a.cmp(&b)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(x: &str) -> Value {
        Value::from(x)
    }
    fn n(x: f64) -> Value {
        Value::Number(x)
    }
    fn list(items: &[&str]) -> Value {
        Value::array(items.iter().map(|x| s(x)).collect())
    }
    fn op(o: &str, k: Value, v: Value) -> bool {
        apply_operator(o, &k, &v).expect("known operator")
    }

    #[test]
    fn equals_semantics() {
        assert!(op("Equals", s("nginx:latest"), s("*:latest")));
        assert!(!op("Equals", s("*:latest"), s("nginx:latest")));
        assert!(op("Equals", s("1Gi"), s("1024Mi")));
        assert!(op("Equals", s("1024"), s("1Ki")));
        assert!(!op("Equals", s("1Gi"), s("abc")));
        assert!(op("Equals", s("1h"), s("60m")));
        assert!(op("Equals", s("1h"), n(3600.0)));
        assert!(!op("Equals", s("5"), n(5.0)));
        assert!(op("Equals", n(5.0), s("5")));
        assert!(op("equals", n(5.0), n(5.0)));
        assert!(op("Equal", Value::Bool(true), Value::Bool(true)));
        assert!(!op("Equals", Value::Null, Value::Null));
        assert!(op("Equals", list(&["a"]), list(&["a"])));
        assert!(!op("Equals", s("a"), list(&["a"])));
    }

    #[test]
    fn not_equals_semantics() {
        assert!(op("NotEquals", s("5"), n(5.0)));
        assert!(!op("NotEquals", Value::Null, s("x")));
        assert!(op("NotEquals", s("1Gi"), s("abc")));
        assert!(!op("NotEquals", s("1Gi"), s("1024Mi")));
        assert!(op("NotEquals", s("a"), s("b*")));
        assert!(!op("NotEquals", s("bc"), s("b*")));
        assert!(op("NotEqual", Value::Bool(true), s("true")));
    }

    #[test]
    fn in_and_set_operators() {
        assert!(op("In", s("a"), list(&["a", "b"])));
        assert!(op("In", s("abc"), list(&["a*"])));
        assert!(op("In", s("a*"), list(&["abc"])));
        assert!(op("In", s("b"), s("[\"a\",\"b\"]")));
        assert!(!op("In", s("c"), s("[\"a\",\"b\"]")));
        assert!(op("In", list(&["a", "b"]), list(&["a", "b", "c"])));
        assert!(!op("In", list(&["a", "d"]), list(&["a", "b"])));
        assert!(op("NotIn", s("c"), list(&["a", "b"])));
        assert!(op("NotIn", list(&["a", "d"]), list(&["a", "b"])));
        assert!(op("In", n(1.0), list(&["1"])));
        assert!(op("AnyIn", list(&["x", "a"]), list(&["a*"])));
        assert!(!op("AnyIn", Value::array(vec![]), list(&["a"])));
        assert!(op("AllIn", Value::array(vec![]), list(&["a"])));
        assert!(op("AllIn", list(&["ab", "ac"]), list(&["a*"])));
        assert!(!op("AllIn", list(&["ab", "b"]), list(&["a*"])));
        assert!(op("AnyNotIn", list(&["ab", "b"]), list(&["a*"])));
        assert!(!op("AnyNotIn", Value::array(vec![]), list(&["a"])));
        assert!(op("AllNotIn", list(&["b", "c"]), list(&["a*"])));
        assert!(op("AllNotIn", Value::array(vec![]), list(&["a"])));
        assert!(!op("AllNotIn", list(&["b", "ab"]), list(&["a*"])));
        // Ranges.
        assert!(op("AnyIn", s("5"), s("1-10")));
        assert!(!op("AnyIn", s("11"), s("1-10")));
        assert!(op("AllIn", list(&["2", "3"]), s("1-10")));
        assert!(!op("AllIn", list(&["2", "30"]), s("1-10")));
        assert!(op("AnyIn", list(&["2", "30"]), s("1-10")));
        assert!(op("AnyIn", s("2Gi"), s("1Gi-4Gi")));
        assert!(op("AnyNotIn", n(11.0), s("1-10")));
        assert!(!op("AnyNotIn", n(5.0), s("1-10")));
        assert!(op("AllNotIn", list(&["11", "12"]), s("1-10")));
        // A non-JSON string is one value; JSON that is not a string list is an invalid type.
        assert!(op("AnyNotIn", s("NVIDIA_VISIBLE_DEVICES=*?"), s("all")));
        assert!(op("AnyNotIn", s("NVIDIA_VISIBLE_DEVICES=*?"), s("")));
        assert!(op("AnyIn", list(&["a", "b"]), s("b")));
        assert!(!op("AnyIn", s("x"), s("5")));
        assert!(!op("AnyNotIn", s("x"), s("5")));
        // Numbers rendered with fmt.Sprint.
        assert!(op("AnyIn", n(1.5), Value::array(vec![n(1.5)])));
        assert!(op("AllIn", Value::array(vec![n(1e21)]), list(&["1e+21"])));
    }

    #[test]
    fn numeric_operators() {
        assert!(op("GreaterThan", n(5.0), n(3.0)));
        assert!(op("GreaterThan", s("5"), s("3")));
        assert!(op("GreaterThan", s("10"), n(9.0)));
        assert!(op("GreaterThanOrEquals", s("2Gi"), s("2048Mi")));
        assert!(op("LessThan", s("500m"), s("1")));
        assert!(op("LessThan", s("30m"), s("1h")));
        assert!(op("GreaterThan", s("2h"), n(3600.0)));
        assert!(op("GreaterThan", s("1.10.0"), s("1.9.0")));
        assert!(op("LessThanOrEquals", s("1.2.3-alpha"), s("1.2.3")));
        assert!(!op("GreaterThan", s("abc"), s("abd")));
        assert!(!op("GreaterThan", Value::Bool(true), n(0.0)));
        assert!(op("LessThanOrEquals", n(3.0), s("3")));
        assert!(op("DurationGreaterThan", s("2h"), s("1h")));
        assert!(op("DurationLessThanOrEquals", n(60.9), s("1m")));
        assert!(!op("DurationGreaterThan", s("x"), s("1h")));
    }

    #[test]
    fn unknown_operator_is_none() {
        assert_eq!(apply_operator("Matches", &s("a"), &s("a")), None);
    }

    #[test]
    fn durations_and_quantities_parse_like_go() {
        assert_eq!(parse_duration("1h30m"), Some(5_400_000_000_000));
        assert_eq!(parse_duration("1.5s"), Some(1_500_000_000));
        assert_eq!(parse_duration("-2m"), Some(-120_000_000_000));
        assert_eq!(parse_duration("0"), Some(0));
        assert_eq!(parse_duration("5"), None);
        assert_eq!(parse_duration(""), None);
        assert!(parse_quantity("1.5Gi").is_some());
        assert!(parse_quantity("1e3").is_some());
        assert!(parse_quantity("1h").is_none());
        assert!(parse_quantity("abc").is_none());
        assert!(
            parse_quantity("100m")
                .unwrap()
                .compare(&parse_quantity("0.1").unwrap())
                .is_eq()
        );
    }
}
