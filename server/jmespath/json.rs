//! JSON text as Go's encoding/json writes it, which is what Kyverno inserts when an embedded
//! `{{ }}` yields a non-string: compact, keys sorted, `<`, `>` and `&` escaped, float64
//! numbers in Go's shortest form (`1e+21`, not `1e21`).

use super::Value;

pub fn to_go_json(v: &Value) -> String {
    let mut out = String::new();
    write(v, &mut out);
    out
}

/// `json.MarshalIndent(v, "", "  ")`: what `kyverno jp query` prints.
pub fn to_go_json_indent(v: &Value) -> String {
    let mut out = String::new();
    write_indent(v, 0, &mut out);
    out
}

fn write_indent(v: &Value, depth: usize, out: &mut String) {
    let pad = |d: usize, out: &mut String| {
        out.push('\n');
        out.push_str(&"  ".repeat(d));
    };
    match v {
        Value::Array(items) if !items.is_empty() => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                pad(depth + 1, out);
                write_indent(item, depth + 1, out);
            }
            pad(depth, out);
            out.push(']');
        }
        Value::Object(map) if !map.is_empty() => {
            out.push('{');
            for (i, (k, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                pad(depth + 1, out);
                string(k, out);
                out.push_str(": ");
                write_indent(item, depth + 1, out);
            }
            pad(depth, out);
            out.push('}');
        }
        other => write(other, out),
    }
}

fn write(v: &Value, out: &mut String) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&go_float(*n)),
        Value::String(s) => string(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (k, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                string(k, out);
                out.push(':');
                write(item, out);
            }
            out.push('}');
        }
    }
}

fn string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Go's `strconv.FormatFloat(f, 'f' or 'e', -1, 64)` as encoding/json chooses it: plain
/// notation for magnitudes in [1e-6, 1e21), exponent notation (`1e+21`, `1e-07`) outside.
pub fn go_float(n: f64) -> String {
    if !n.is_finite() {
        return "null".into();
    }
    if n == 0.0 {
        return "0".into();
    }
    let abs = n.abs();
    if (1e-6..1e21).contains(&abs) {
        let s = format!("{n}");
        return s;
    }
    // Rust's shortest exponent form is `1e21` / `1.5e-7`; Go's strconv writes `1e+21` /
    // `1.5e-07`, and encoding/json then trims a negative exponent's leading zero (`1.5e-7`).
    let s = format!("{n:e}");
    let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
    match exp.strip_prefix('-') {
        Some(d) => format!("{mantissa}e-{d}"),
        None => format!("{mantissa}e+{exp:0>2}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_json_text() {
        let v = Value::from_json(&serde_json::json!({"b": [1, 1.5, true, null], "a": "<x>&"}));
        assert_eq!(
            to_go_json(&v),
            r#"{"a":"\u003cx\u003e\u0026","b":[1,1.5,true,null]}"#
        );
        assert_eq!(go_float(1e21), "1e+21");
        assert_eq!(go_float(1.5e-7), "1.5e-7");
        assert_eq!(go_float(2e-12), "2e-12");
        assert_eq!(go_float(123456789.0), "123456789");
        assert_eq!(go_float(0.000001), "0.000001");
        assert_eq!(go_float(-2.5), "-2.5");
        let v = Value::from_json(&serde_json::json!({"a": [1, {}], "b": {"c": []}}));
        assert_eq!(
            to_go_json_indent(&v),
            "{\n  \"a\": [\n    1,\n    {}\n  ],\n  \"b\": {\n    \"c\": []\n  }\n}"
        );
    }
}
