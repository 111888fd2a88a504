//! Scalar pattern values: Kyverno's `pkg/engine/pattern/pattern.go` (`Validate`) and
//! `pkg/engine/operator/operator.go`, with the helpers it needs (Go's `time.ParseDuration`,
//! Kubernetes' `resource.ParseQuantity` and `Quantity.Cmp`, the `go-wildcard` matcher, and the
//! Go formatting verbs that leak into comparisons and messages).
//!
//! Numbers: [`Value`] has only f64, Go has int64 and float64. [`NumMode::Resource`] treats
//! integral numbers as int64 — what `unstructured` decoding gives for a resource read from
//! YAML/JSON —, [`NumMode::Json`] treats every number as float64 (values that came out of a
//! JMESPath query, e.g. a `foreach` element). Pattern numbers are always float64 (the policy
//! is decoded with `encoding/json`).

use std::cmp::Ordering;

use super::Value;

/// How Go sees the numbers of the value being validated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NumMode {
    /// Integral numbers are int64, others float64 (a resource decoded by `unstructured`).
    #[default]
    Resource,
    /// Every number is float64 (JSON decoded into `interface{}`, JMESPath results).
    Json,
}

/// A resource number as Go holds it.
#[derive(Debug, Clone, Copy, PartialEq)]
enum GoNum {
    Int(i64),
    Float(f64),
}

fn go_num(v: f64, mode: NumMode) -> GoNum {
    if mode == NumMode::Resource && v.fract() == 0.0 && v.abs() < (1u64 << 63) as f64 {
        GoNum::Int(v as i64)
    } else {
        GoNum::Float(v)
    }
}

/// `pattern.Validate(value, pattern)`: whether a resource value matches a scalar (or map)
/// pattern value.
pub fn validate_value(value: &Value, pattern: &Value, mode: NumMode) -> bool {
    match pattern {
        Value::Bool(b) => matches!(value, Value::Bool(v) if v == b),
        Value::Number(p) => validate_float_pattern(value, *p, mode),
        Value::Null => match value {
            Value::Null => true,
            Value::Number(n) => *n == 0.0,
            Value::String(s) => s.is_empty(),
            Value::Bool(b) => !b,
            Value::Array(_) | Value::Object(_) => false,
        },
        Value::Object(_) => matches!(value, Value::Object(_)),
        Value::String(p) => validate_string_patterns(value, p, mode),
        Value::Array(_) => false,
    }
}

fn validate_float_pattern(value: &Value, p: f64, mode: NumMode) -> bool {
    match value {
        Value::Number(n) => match go_num(*n, mode) {
            GoNum::Int(i) => p.fract() == 0.0 && go_f64_to_i64(p) == i,
            GoNum::Float(f) => f == p,
        },
        Value::String(s) => parse_go_float(s).is_some_and(|f| f == p),
        _ => false,
    }
}

/// Go's `int64(f)` conversion for in-range values (saturating otherwise).
fn go_f64_to_i64(f: f64) -> i64 {
    f as i64
}

/// `strconv.ParseFloat(s, 64)` (decimal forms, `Inf`, `NaN`; Go also accepts hex floats and
/// underscores after a base prefix, which are not supported here).
fn parse_go_float(s: &str) -> Option<f64> {
    if s.is_empty() || s.contains(|c: char| c.is_whitespace() || c == '_') {
        return None;
    }
    s.parse::<f64>().ok()
}

fn validate_string_patterns(value: &Value, pattern: &str, mode: NumMode) -> bool {
    if let Value::String(v) = value {
        if &**v == pattern {
            return true;
        }
    }
    pattern.split('|').any(|cond| {
        cond.trim_matches(' ')
            .split('&')
            .all(|atom| validate_string_pattern(value, atom.trim_matches(' '), mode, 0))
    })
}

/// Operators of a pattern atom (`operator.GetOperatorFromStringPattern`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Equal,
    MoreEqual,
    LessEqual,
    NotEqual,
    More,
    Less,
    InRange,
    NotInRange,
}

impl Op {
    fn prefix_len(self) -> usize {
        match self {
            Op::MoreEqual | Op::LessEqual => 2,
            Op::More | Op::Less | Op::NotEqual => 1,
            _ => 0,
        }
    }
}

/// `operator.GetOperatorFromStringPattern`: prefixes first (`!` before the ranges), then
/// `a!-b`, then `a-b`.
pub fn operator_of(pattern: &str) -> Op {
    if pattern.len() < 2 {
        return Op::Equal;
    }
    if pattern.starts_with(">=") {
        Op::MoreEqual
    } else if pattern.starts_with("<=") {
        Op::LessEqual
    } else if pattern.starts_with('>') {
        Op::More
    } else if pattern.starts_with('<') {
        Op::Less
    } else if pattern.starts_with('!') {
        Op::NotEqual
    } else if split_range(pattern, "!-").is_some() {
        Op::NotInRange
    } else if split_range(pattern, "-").is_some() {
        Op::InRange
    } else {
        Op::Equal
    }
}

/// Length of a range endpoint `[-|+]?\d+(\.\d+)?[A-Za-z]*` at the start of `s` (greedy; the
/// regex's alternatives never need backtracking here), or None.
fn endpoint_len(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'-' | b'|' | b'+')) {
        i = 1;
    }
    let start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    if i == start {
        return None;
    }
    if i + 1 < b.len() && b[i] == b'.' && b[i + 1].is_ascii_digit() {
        i += 1;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
    }
    while i < b.len() && b[i].is_ascii_alphabetic() {
        i += 1;
    }
    Some(i)
}

/// `InRangeRegex` / `NotInRangeRegex`: `^(E)sep(E)$` → the two endpoints.
fn split_range<'a>(pattern: &'a str, sep: &str) -> Option<(&'a str, &'a str)> {
    let l = endpoint_len(pattern)?;
    let rest = pattern[l..].strip_prefix(sep)?;
    let r = endpoint_len(rest)?;
    (r == rest.len()).then(|| (&pattern[..l], rest))
}

fn validate_string_pattern(value: &Value, pattern: &str, mode: NumMode, depth: u8) -> bool {
    let op = operator_of(pattern);
    match op {
        Op::InRange if depth == 0 => match split_range(pattern, "-") {
            Some((l, r)) => {
                validate_string_pattern(value, &format!(">= {l}"), mode, 1)
                    && validate_string_pattern(value, &format!("<= {r}"), mode, 1)
            }
            None => false,
        },
        Op::NotInRange if depth == 0 => match split_range(pattern, "!-") {
            Some((l, r)) => {
                validate_string_pattern(value, &format!("< {l}"), mode, 1)
                    || validate_string_pattern(value, &format!("> {r}"), mode, 1)
            }
            None => false,
        },
        Op::InRange | Op::NotInRange => false,
        _ => {
            let p = pattern[op.prefix_len()..].trim();
            validate_string(value, p, op, mode)
        }
    }
}

fn validate_string(value: &Value, pattern: &str, op: Op, mode: NumMode) -> bool {
    if let Some(r) = compare_duration(value, pattern, op, mode) {
        return r;
    }
    if let Some(r) = compare_quantity(value, pattern, op, mode) {
        return r;
    }
    compare_string(value, pattern, op, mode)
}

fn compare_ord(ord: Ordering, op: Op) -> Option<bool> {
    Some(match op {
        Op::Equal => ord == Ordering::Equal,
        Op::NotEqual => ord != Ordering::Equal,
        Op::More => ord == Ordering::Greater,
        Op::Less => ord == Ordering::Less,
        Op::MoreEqual => ord != Ordering::Less,
        Op::LessEqual => ord != Ordering::Greater,
        Op::InRange | Op::NotInRange => return None,
    })
}

/// `convertNumberToString`: null → "0", strings as is, float64 `%f`, int64 decimal.
fn number_to_string(value: &Value, mode: NumMode) -> Option<String> {
    match value {
        Value::Null => Some("0".into()),
        Value::String(s) => Some(s.to_string()),
        Value::Number(n) => Some(match go_num(*n, mode) {
            GoNum::Int(i) => i.to_string(),
            GoNum::Float(f) => go_format_f(f),
        }),
        _ => None,
    }
}

fn go_format_f(f: f64) -> String {
    if f.is_nan() {
        "NaN".into()
    } else if f.is_infinite() {
        if f > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        }
    } else {
        format!("{f:.6}")
    }
}

fn compare_duration(value: &Value, pattern: &str, op: Op, mode: NumMode) -> Option<bool> {
    let p = parse_duration(pattern)?;
    let v = parse_duration(&number_to_string(value, mode)?)?;
    compare_ord(v.cmp(&p), op)
}

fn compare_quantity(value: &Value, pattern: &str, op: Op, mode: NumMode) -> Option<bool> {
    let p = Quantity::parse(pattern)?;
    let v = Quantity::parse(&number_to_string(value, mode)?)?;
    compare_ord(v.compare(&p), op)
}

fn compare_string(value: &Value, pattern: &str, op: Op, mode: NumMode) -> bool {
    if op != Op::Equal && op != Op::NotEqual {
        return false;
    }
    let s = match value {
        Value::Number(n) => match go_num(*n, mode) {
            GoNum::Int(i) => i.to_string(),
            GoNum::Float(f) => go_format_e(f),
        },
        Value::String(s) => s.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => return false,
    };
    let m = wildcard_match(pattern, &s);
    if op == Op::NotEqual { !m } else { m }
}

/// `strconv.FormatFloat(f, 'E', -1, 64)`: `1E+00`, `1.5E-07`, `1.23456E+05`.
pub fn go_format_e(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        };
    }
    let s = format!("{f:E}");
    let (mant, exp) = s.split_once('E').unwrap_or((&s, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let sign = if exp < 0 { '-' } else { '+' };
    format!("{mant}E{sign}{:02}", exp.abs())
}

/// Go's `%v` of a float64 (`strconv.FormatFloat(f, 'g', -1, 64)` with the `%e` switch at
/// exponent < -4 or >= 21): `1`, `1.5`, `1e+21`, `1e-05`.
pub fn go_format_v_float(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        };
    }
    if f == 0.0 {
        return if f.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    let s = format!("{f:e}");
    let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if !(-4..21).contains(&exp) {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mant}e{sign}{:02}", exp.abs())
    } else {
        format!("{f}")
    }
}

/// Go's `%v` of a decoded JSON value (`map[a:1 b:x]`, `[1 2]`, `<nil>`).
pub fn go_format_v(v: &Value, mode: NumMode) -> String {
    let mut out = String::new();
    write_v(&mut out, v, mode, 0);
    out
}

fn write_v(out: &mut String, v: &Value, mode: NumMode, depth: usize) {
    if depth > 256 {
        out.push_str("...");
        return;
    }
    match v {
        Value::Null => out.push_str("<nil>"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => match go_num(*n, mode) {
            GoNum::Int(i) => out.push_str(&i.to_string()),
            GoNum::Float(f) => out.push_str(&go_format_v_float(f)),
        },
        Value::String(s) => out.push_str(s),
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                write_v(out, x, mode, depth + 1);
            }
            out.push(']');
        }
        Value::Object(m) => {
            out.push_str("map[");
            for (i, (k, x)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                out.push_str(k);
                out.push(':');
                write_v(out, x, mode, depth + 1);
            }
            out.push(']');
        }
    }
}

/// Go's `%T` of a decoded JSON value.
pub fn go_type_name(v: &Value, mode: NumMode) -> &'static str {
    match v {
        Value::Null => "<nil>",
        Value::Bool(_) => "bool",
        Value::Number(n) => match go_num(*n, mode) {
            GoNum::Int(_) => "int64",
            GoNum::Float(_) => "float64",
        },
        Value::String(_) => "string",
        Value::Array(_) => "[]interface {}",
        Value::Object(_) => "map[string]interface {}",
    }
}

/// `go-wildcard` (`ext/wildcard.Match`): `*` any run (also empty), `?` exactly one
/// character, the whole name must match.
pub fn wildcard_match(pattern: &str, name: &str) -> bool {
    crate::wildcard::matches(pattern, name)
}

/// `wildcard.ContainsWildcard`.
pub fn contains_wildcard(s: &str) -> bool {
    s.contains('*') || s.contains('?')
}

// ---------------------------------------------------------------------------------------
// Go's time.ParseDuration (nanoseconds).

/// `time.ParseDuration`; None when Go returns an error.
pub fn parse_duration(orig: &str) -> Option<i64> {
    crate::jmespath::functions::kyverno::duration::parse_duration(orig).ok()
}

// ---------------------------------------------------------------------------------------
// Kubernetes resource.Quantity: exact decimal value, rounded up to 1n and capped at 2^63-1.

/// A parsed quantity: `digits × 10^exp` (digits most significant first, no leading zeros;
/// empty = zero).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quantity {
    neg: bool,
    digits: Vec<u8>,
    exp: i64,
}

const MAX_QUANTITY: &[u8] = b"9223372036854775807";

impl Quantity {
    /// `resource.ParseQuantity`; None when it fails.
    pub fn parse(s: &str) -> Option<Quantity> {
        if s.is_empty() {
            return None;
        }
        let b = s.as_bytes();
        let end = b.len();
        let mut pos = 0;
        let mut neg = false;
        match b[0] {
            b'-' => {
                neg = true;
                pos = 1;
            }
            b'+' => pos = 1,
            _ => {}
        }
        while pos < end && b[pos] == b'0' {
            pos += 1;
        }
        if pos >= end {
            return Some(Quantity {
                neg: false,
                digits: Vec::new(),
                exp: 0,
            });
        }
        let num_start = pos;
        while pos < end && b[pos].is_ascii_digit() {
            pos += 1;
        }
        let num = &s[num_start..pos];
        let mut denom = "";
        if pos < end && b[pos] == b'.' {
            pos += 1;
            let ds = pos;
            while pos < end && b[pos].is_ascii_digit() {
                pos += 1;
            }
            denom = &s[ds..pos];
        }
        let suffix_start = pos;
        while pos < end && b"eEinumkKMGTP".contains(&b[pos]) {
            pos += 1;
        }
        if pos < end && (b[pos] == b'-' || b[pos] == b'+') {
            pos += 1;
        }
        while pos < end && b[pos].is_ascii_digit() {
            pos += 1;
        }
        if pos < end {
            return None;
        }
        let suffix = &s[suffix_start..];
        let (base2, exponent): (bool, i64) = match suffix {
            "Ki" => (true, 10),
            "Mi" => (true, 20),
            "Gi" => (true, 30),
            "Ti" => (true, 40),
            "Pi" => (true, 50),
            "Ei" => (true, 60),
            "n" => (false, -9),
            "u" => (false, -6),
            "m" => (false, -3),
            "" => (false, 0),
            "k" => (false, 3),
            "M" => (false, 6),
            "G" => (false, 9),
            "T" => (false, 12),
            "P" => (false, 15),
            "E" => (false, 18),
            _ if suffix.len() > 1 && (suffix.starts_with('e') || suffix.starts_with('E')) => {
                // strconv.ParseInt(suffix[1:], 10, 64), then int32(...)
                let e: i64 = suffix[1..].parse().ok()?;
                (false, i64::from(e as i32))
            }
            _ => return None,
        };
        let mut digits: Vec<u8> = num.bytes().chain(denom.bytes()).map(|c| c - b'0').collect();
        let mut exp = -(denom.len() as i64);
        if base2 {
            for _ in 0..exponent {
                mul_small(&mut digits, 2);
            }
        } else {
            exp += exponent;
        }
        let mut q = Quantity { neg, digits, exp };
        q.normalize();
        q.round_up_nano();
        q.cap();
        if q.digits.is_empty() {
            q.neg = false;
        }
        Some(q)
    }

    fn normalize(&mut self) {
        let lead = self.digits.iter().take_while(|&&d| d == 0).count();
        self.digits.drain(..lead);
        while self.digits.last() == Some(&0) {
            self.digits.pop();
            self.exp += 1;
        }
        if self.digits.is_empty() {
            self.exp = 0;
        }
    }

    /// `amount.Round(amount, Nano, inf.RoundUp)` on the magnitude.
    fn round_up_nano(&mut self) {
        if self.digits.is_empty() || self.exp >= -9 {
            return;
        }
        let drop = (-9 - self.exp) as usize;
        if drop >= self.digits.len() {
            self.digits = vec![1];
        } else {
            self.digits.truncate(self.digits.len() - drop);
            add_one(&mut self.digits);
        }
        self.exp = -9;
        self.normalize();
    }

    fn magnitude_cmp(&self, digits: &[u8], exp: i64) -> Ordering {
        match (self.digits.is_empty(), digits.is_empty()) {
            (true, true) => return Ordering::Equal,
            (true, false) => return Ordering::Less,
            (false, true) => return Ordering::Greater,
            _ => {}
        }
        let a_top = self.digits.len() as i64 + self.exp;
        let b_top = digits.len() as i64 + exp;
        if a_top != b_top {
            return a_top.cmp(&b_top);
        }
        let n = self.digits.len().max(digits.len());
        for i in 0..n {
            let x = self.digits.get(i).copied().unwrap_or(0);
            let y = digits.get(i).copied().unwrap_or(0);
            if x != y {
                return x.cmp(&y);
            }
        }
        Ordering::Equal
    }

    fn cap(&mut self) {
        let max: Vec<u8> = MAX_QUANTITY.iter().map(|c| c - b'0').collect();
        if self.magnitude_cmp(&max, 0) == Ordering::Greater {
            self.digits = max;
            self.exp = 0;
            self.normalize();
        }
    }

    /// `Quantity.Cmp`.
    pub fn compare(&self, other: &Quantity) -> Ordering {
        match (self.neg, other.neg) {
            (false, true) => Ordering::Greater,
            (true, false) => Ordering::Less,
            (false, false) => self.magnitude_cmp(&other.digits, other.exp),
            (true, true) => other.magnitude_cmp(&self.digits, self.exp),
        }
    }
}

fn mul_small(digits: &mut Vec<u8>, m: u32) {
    let mut carry = 0u32;
    for d in digits.iter_mut().rev() {
        let x = u32::from(*d) * m + carry;
        *d = (x % 10) as u8;
        carry = x / 10;
    }
    while carry > 0 {
        digits.insert(0, (carry % 10) as u8);
        carry /= 10;
    }
}

fn add_one(digits: &mut Vec<u8>) {
    for d in digits.iter_mut().rev() {
        if *d == 9 {
            *d = 0;
        } else {
            *d += 1;
            return;
        }
    }
    digits.insert(0, 1);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Value {
        Value::from(v)
    }
    fn n(v: f64) -> Value {
        Value::Number(v)
    }
    fn ok(v: &Value, p: &str) -> bool {
        validate_value(v, &s(p), NumMode::Resource)
    }

    #[test]
    fn operators() {
        assert_eq!(operator_of(">=1"), Op::MoreEqual);
        assert_eq!(operator_of("<=1"), Op::LessEqual);
        assert_eq!(operator_of(">1"), Op::More);
        assert_eq!(operator_of("<1"), Op::Less);
        assert_eq!(operator_of("!1"), Op::NotEqual);
        assert_eq!(operator_of("!1-10"), Op::NotEqual);
        assert_eq!(operator_of("1-10"), Op::InRange);
        assert_eq!(operator_of("-5-+10"), Op::InRange);
        assert_eq!(operator_of("0!-1024"), Op::NotInRange);
        assert_eq!(operator_of("1Gi-4Gi"), Op::InRange);
        assert_eq!(operator_of("1.5-2.5"), Op::InRange);
        assert_eq!(operator_of("a-b"), Op::Equal);
        assert_eq!(operator_of("!"), Op::Equal);
        assert_eq!(operator_of("1-"), Op::Equal);
    }

    #[test]
    fn numeric_comparisons() {
        assert!(ok(&n(3.0), ">=1 & <=5"));
        assert!(!ok(&n(6.0), ">=1 & <=5"));
        assert!(ok(&s("3"), ">=1 & <=5"));
        assert!(ok(&n(1.0), "1-10"));
        assert!(ok(&n(10.0), "1-10"));
        assert!(!ok(&n(11.0), "1-10"));
        assert!(!ok(&n(0.0), "1-10"));
        assert!(!ok(&n(0.0), "0!-1024"));
        assert!(ok(&n(2000.0), "0!-1024"));
        assert!(ok(&n(-1.0), "0!-1024"));
        assert!(!ok(&n(80.0), "0!-1024"));
        assert!(ok(&n(5.0), ">4"));
        assert!(!ok(&n(4.0), ">4"));
        assert!(ok(&n(4.0), "<5"));
        assert!(ok(&n(4.0), "!5"));
        assert!(!ok(&n(5.0), "!5"));
        // `!` before ranges: "!1-10" is "not equal to 1-10"
        assert!(ok(&n(5.0), "!1-10"));
    }

    #[test]
    fn quantities() {
        assert!(ok(&s("2Gi"), "1Gi-4Gi"));
        assert!(ok(&s("4Gi"), "1Gi-4Gi"));
        assert!(!ok(&s("5Gi"), "1Gi-4Gi"));
        assert!(ok(&s("1024Mi"), "1Gi"));
        assert!(ok(&s("100m"), "0.1"));
        assert!(ok(&s("1500m"), ">1"));
        assert!(ok(&s("1e3"), "1k"));
        assert!(ok(&s("512Mi"), "<=1Gi"));
        assert!(!ok(&s("2G"), "<=1Gi"));
        assert!(ok(&n(2.0), "<=4Gi"));
        let q = |x: &str| Quantity::parse(x).unwrap();
        assert_eq!(q("1Ki").compare(&q("1024")), Ordering::Equal);
        assert_eq!(q("1n").compare(&q("0.0000000001")), Ordering::Equal); // rounded up to 1n
        assert_eq!(q("-1").compare(&q("0")), Ordering::Less);
        assert_eq!(
            q("1e30").compare(&q("9223372036854775807")),
            Ordering::Equal
        ); // capped
        assert!(Quantity::parse("abc").is_none());
        assert!(Quantity::parse("").is_none());
        assert!(Quantity::parse("1Kim").is_none());
        assert!(Quantity::parse("e").is_none());
        assert!(Quantity::parse("E").is_some());
        assert!(Quantity::parse(".").is_some());
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("1h30m"), Some(5_400_000_000_000));
        assert_eq!(parse_duration("0"), Some(0));
        assert_eq!(parse_duration("1"), None);
        assert!(ok(&s("30s"), "<1m"));
        assert!(!ok(&s("2m"), "<1m"));
        assert!(ok(&s("90m"), "1h-2h"));
        // null → "0": a duration 0
        assert!(ok(&Value::Null, "<1m"));
    }

    #[test]
    fn null_value_converts_to_zero() {
        assert!(ok(&Value::Null, "<10"));
        assert!(!ok(&Value::Null, ">0"));
        assert!(!ok(&Value::Null, "?*"));
        assert!(!ok(&Value::Null, "!foo"));
        assert!(!ok(&Value::Null, "*"));
    }

    #[test]
    fn strings_and_wildcards() {
        assert!(ok(&s("nginx:1.2"), "!*:latest"));
        assert!(!ok(&s("nginx:latest"), "!*:latest"));
        assert!(ok(&s("nginx:1.2"), "*:*"));
        assert!(!ok(&s("nginx"), "*:*"));
        assert!(ok(&s("IfNotPresent"), "Always | IfNotPresent"));
        assert!(ok(&s("Always"), "Always | IfNotPresent"));
        assert!(!ok(&s("Never"), "Always | IfNotPresent"));
        assert!(ok(&s("a|b"), "a|b")); // exact equality short-circuits
        assert!(ok(&s("x"), "?*"));
        assert!(!ok(&s(""), "?*"));
        assert!(!ok(&s("abc"), ">a"));
        assert!(ok(&Value::Bool(true), "true"));
        assert!(ok(&n(1.0), "1"));
        // int64 rendering in resource mode, %E in JSON mode
        assert!(ok(&n(80.0), "*0"));
        assert!(!validate_value(&n(80.0), &s("*0"), NumMode::Json));
        assert!(validate_value(&n(1.5), &s("1.5E+00"), NumMode::Json));
        assert_eq!(go_format_e(1.0), "1E+00");
        assert_eq!(go_format_e(1.5e-7), "1.5E-07");
        assert_eq!(go_format_e(123456.0), "1.23456E+05");
        assert_eq!(go_format_e(1e100), "1E+100");
        assert_eq!(go_format_v_float(1e21), "1e+21");
        assert_eq!(go_format_v_float(1e20), "100000000000000000000");
        assert_eq!(go_format_v_float(0.00001), "1e-05");
        assert_eq!(go_format_v_float(1.5), "1.5");
    }

    #[test]
    fn typed_patterns() {
        let p = |v: &Value, pat: Value| validate_value(v, &pat, NumMode::Resource);
        assert!(p(&Value::Bool(false), Value::Bool(false)));
        assert!(!p(&s("false"), Value::Bool(false)));
        assert!(p(&n(3.0), n(3.0)));
        assert!(p(&s("3"), n(3.0)));
        assert!(p(&s("3.0"), n(3.0)));
        assert!(!p(&n(3.5), n(3.0)));
        assert!(p(&Value::Null, Value::Null));
        assert!(p(&n(0.0), Value::Null));
        assert!(p(&s(""), Value::Null));
        assert!(p(&Value::Bool(false), Value::Null));
        assert!(!p(&Value::array(vec![]), Value::Null));
        assert!(p(
            &Value::object(Default::default()),
            Value::object(Default::default())
        ));
        assert!(!p(&s("x"), Value::object(Default::default())));
        assert!(!p(&s("x"), Value::array(vec![s("x")])));
    }

    #[test]
    fn wildcard() {
        assert!(wildcard_match("a*c", "abbbc"));
        assert!(wildcard_match("a?c", "abc"));
        assert!(!wildcard_match("a?c", "ac"));
        assert!(wildcard_match("*", ""));
        assert!(!wildcard_match("?*", ""));
    }

    #[test]
    fn go_v_formatting() {
        let m = Value::from_json(&serde_json::json!({"b": [1, "x", null], "a": 1.5}));
        assert_eq!(
            go_format_v(&m, NumMode::Resource),
            "map[a:1.5 b:[1 x <nil>]]"
        );
    }
}
