//! cel-go's strings extension, version 2 (what Kubernetes and Kyverno enable): indexes and
//! lengths count code points, as `size` does.

use super::Ty::*;
use super::{Ctx, FunctionSpec, Out, global, int_arg, list_arg, member, str_arg};
use crate::cel::limits::MAX_BUILT_LEN;
use crate::cel::value::{Value, format_double, format_duration, format_timestamp};

pub const FUNCTIONS: &[FunctionSpec] = &[
    FunctionSpec {
        name: "charAt",
        doc: "The character at a code point index, as a string; the index equal to the length gives \"\".",
        overloads: &[member(&[String, Int], String, char_at)],
    },
    FunctionSpec {
        name: "indexOf",
        doc: "The code point index of the first occurrence of the substring, searching from the optional start index; -1 when absent.",
        overloads: &[
            member(&[String, String], Int, index_of),
            member(&[String, String, Int], Int, index_of),
        ],
    },
    FunctionSpec {
        name: "lastIndexOf",
        doc: "The code point index of the last occurrence of the substring, at or before the optional index; -1 when absent.",
        overloads: &[
            member(&[String, String], Int, last_index_of),
            member(&[String, String, Int], Int, last_index_of),
        ],
    },
    FunctionSpec {
        name: "lowerAscii",
        doc: "The string with ASCII letters in lower case; other characters are left alone.",
        overloads: &[member(&[String], String, lower_ascii)],
    },
    FunctionSpec {
        name: "upperAscii",
        doc: "The string with ASCII letters in upper case; other characters are left alone.",
        overloads: &[member(&[String], String, upper_ascii)],
    },
    FunctionSpec {
        name: "replace",
        doc: "The string with occurrences of the first argument replaced by the second: all of them, or at most the given count (a negative count means all).",
        overloads: &[
            member(&[String, String, String], String, replace),
            member(&[String, String, String, Int], String, replace),
        ],
    },
    FunctionSpec {
        name: "split",
        doc: "The parts of the string between separators, as a list; with a count, at most that many parts (the last holds the rest; 0 gives an empty list, negative all).",
        overloads: &[
            member(&[String, String], List, split),
            member(&[String, String, Int], List, split),
        ],
    },
    FunctionSpec {
        name: "substring",
        doc: "The part of the string from a code point index to the end, or to an end index (exclusive).",
        overloads: &[
            member(&[String, Int], String, substring),
            member(&[String, Int, Int], String, substring),
        ],
    },
    FunctionSpec {
        name: "trim",
        doc: "The string without leading and trailing Unicode white space.",
        overloads: &[member(&[String], String, trim)],
    },
    FunctionSpec {
        name: "join",
        doc: "The strings of the receiver list joined, with the optional separator between them.",
        overloads: &[
            member(&[List], String, join),
            member(&[List, String], String, join),
        ],
    },
    FunctionSpec {
        name: "format",
        doc: "printf-style formatting with the list's values: %s (any value), %d, %f and %e (with an optional precision such as %.2f), %b, %o, %x, %X, and %% for a percent sign.",
        overloads: &[member(&[String, List], String, format)],
    },
    FunctionSpec {
        name: "strings.quote",
        doc: "The string as a double-quoted CEL string literal, with special characters escaped.",
        overloads: &[global(&[String], String, quote)],
    },
];

fn out_of_range(i: i64) -> std::string::String {
    format!("index out of range: {i}")
}

fn char_at(args: &[Value], _: &mut Ctx) -> Out {
    let s = str_arg(&args[0]);
    let i = int_arg(&args[1]);
    let n = s.chars().count() as i64;
    if i < 0 || i > n {
        return Err(out_of_range(i));
    }
    Ok(Value::string(
        s.chars()
            .nth(i as usize)
            .map(|c| c.to_string())
            .unwrap_or_default(),
    ))
}

fn index_of(args: &[Value], ctx: &mut Ctx) -> Out {
    let s: Vec<char> = str_arg(&args[0]).chars().collect();
    let sub: Vec<char> = str_arg(&args[1]).chars().collect();
    let start = args.get(2).map_or(0, int_arg);
    ctx.charge_size(s.len())?;
    if start < 0 || start as usize > s.len() {
        return Err(out_of_range(start));
    }
    let start = start as usize;
    if sub.is_empty() {
        return Ok(Value::Int(start as i64));
    }
    let found = (start..s.len()).find(|&i| s[i..].starts_with(&sub));
    Ok(Value::Int(found.map_or(-1, |i| i as i64)))
}

fn last_index_of(args: &[Value], ctx: &mut Ctx) -> Out {
    let s: Vec<char> = str_arg(&args[0]).chars().collect();
    let sub: Vec<char> = str_arg(&args[1]).chars().collect();
    let last = args.get(2).map_or(s.len() as i64, int_arg);
    ctx.charge_size(s.len())?;
    if last < 0 || last as usize > s.len() {
        return Err(out_of_range(last));
    }
    if sub.is_empty() {
        return Ok(Value::Int(last));
    }
    let last = last as usize;
    let found = (0..=last).rev().find(|&i| s[i..].starts_with(&sub));
    Ok(Value::Int(found.map_or(-1, |i| i as i64)))
}

fn lower_ascii(args: &[Value], _: &mut Ctx) -> Out {
    Ok(Value::string(str_arg(&args[0]).to_ascii_lowercase()))
}

fn upper_ascii(args: &[Value], _: &mut Ctx) -> Out {
    Ok(Value::string(str_arg(&args[0]).to_ascii_uppercase()))
}

fn replace(args: &[Value], ctx: &mut Ctx) -> Out {
    let s = str_arg(&args[0]);
    let from = str_arg(&args[1]);
    let to = str_arg(&args[2]);
    let n = args.get(3).map_or(-1, int_arg);
    ctx.charge_size(s.len())?;
    // Bound the result before building it: each match may grow the string by `to`.
    let matches = if from.is_empty() {
        s.chars().count() + 1
    } else {
        s.matches(from).count()
    };
    let count = if n < 0 {
        matches
    } else {
        matches.min(n as usize)
    };
    if s.len().saturating_add(count.saturating_mul(to.len())) > MAX_BUILT_LEN {
        return Err("replace: result too large".into());
    }
    Ok(Value::string(if n < 0 {
        s.replace(from, to)
    } else {
        s.replacen(from, to, n as usize)
    }))
}

fn split(args: &[Value], ctx: &mut Ctx) -> Out {
    let s = str_arg(&args[0]);
    let sep = str_arg(&args[1]);
    let n = args.get(2).map_or(-1, int_arg);
    ctx.charge_size(s.len())?;
    if n == 0 {
        return Ok(Value::list(vec![]));
    }
    let parts: Vec<Value> = if sep.is_empty() {
        // Go splits into characters; with a count, the last part keeps the rest.
        let chars: Vec<char> = s.chars().collect();
        let limit = if n < 0 {
            chars.len()
        } else {
            (n as usize).min(chars.len())
        };
        let mut out: Vec<Value> = chars
            .iter()
            .take(limit.saturating_sub(1))
            .map(|c| Value::string(c.to_string()))
            .collect();
        if limit > 0 {
            out.push(Value::string(
                chars[limit - 1..].iter().collect::<std::string::String>(),
            ));
        }
        if n < 0 {
            out = chars.iter().map(|c| Value::string(c.to_string())).collect();
        }
        out
    } else if n < 0 {
        s.split(sep).map(Value::string).collect()
    } else {
        s.splitn(n as usize, sep).map(Value::string).collect()
    };
    Ok(Value::list(parts))
}

fn substring(args: &[Value], _: &mut Ctx) -> Out {
    let chars: Vec<char> = str_arg(&args[0]).chars().collect();
    let start = int_arg(&args[1]);
    let end = args.get(2).map_or(chars.len() as i64, int_arg);
    let len = chars.len() as i64;
    if start < 0 || start > len {
        return Err(out_of_range(start));
    }
    if end < 0 || end > len {
        return Err(out_of_range(end));
    }
    if start > end {
        return Err(format!(
            "invalid substring range. start: {start}, end: {end}"
        ));
    }
    Ok(Value::string(
        chars[start as usize..end as usize]
            .iter()
            .collect::<std::string::String>(),
    ))
}

fn trim(args: &[Value], _: &mut Ctx) -> Out {
    Ok(Value::string(str_arg(&args[0]).trim()))
}

fn join(args: &[Value], ctx: &mut Ctx) -> Out {
    let items = list_arg(&args[0]);
    let sep = args.get(1).map_or("", str_arg);
    let mut out = std::string::String::new();
    for (i, v) in items.iter().enumerate() {
        let Value::String(s) = v else {
            return Err("join: list elements must be strings".into());
        };
        if i > 0 {
            out.push_str(sep);
        }
        out.push_str(s);
        if out.len() > MAX_BUILT_LEN {
            return Err("join: result too large".into());
        }
    }
    ctx.charge_size(out.len())?;
    Ok(Value::string(out))
}

fn quote(args: &[Value], _: &mut Ctx) -> Out {
    let s = str_arg(&args[0]);
    let mut out = std::string::String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            c => out.push(c),
        }
    }
    out.push('"');
    Ok(Value::string(out))
}

fn format(args: &[Value], ctx: &mut Ctx) -> Out {
    let fmt = str_arg(&args[0]);
    let values = list_arg(&args[1]);
    let mut out = std::string::String::new();
    let mut chars = fmt.chars().peekable();
    let mut next = 0usize;
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        if chars.peek() == Some(&'%') {
            chars.next();
            out.push('%');
            continue;
        }
        let mut precision: Option<usize> = None;
        if chars.peek() == Some(&'.') {
            chars.next();
            let mut p = 0usize;
            while let Some(d) = chars.peek().and_then(|c| c.to_digit(10)) {
                p = (p * 10 + d as usize).min(1000);
                chars.next();
            }
            precision = Some(p);
        }
        let verb = chars
            .next()
            .ok_or("could not parse formatting clause: missing formatting clause")?;
        if !matches!(verb, 's' | 'd' | 'f' | 'e' | 'b' | 'o' | 'x' | 'X') {
            return Err(format!(
                "could not parse formatting clause: unrecognized formatting clause \"{verb}\""
            ));
        }
        let v = values
            .get(next)
            .ok_or_else(|| format!("index {next} out of range"))?;
        next += 1;
        let piece =
            clause(verb, precision, v).map_err(|m| format!("error during formatting: {m}"))?;
        out.push_str(&piece);
        if out.len() > MAX_BUILT_LEN {
            return Err("format: result too large".into());
        }
    }
    ctx.charge_size(out.len())?;
    Ok(Value::string(out))
}

fn non_finite(d: f64) -> Option<&'static str> {
    if d.is_nan() {
        Some("NaN")
    } else if d == f64::INFINITY {
        Some("Infinity")
    } else if d == f64::NEG_INFINITY {
        Some("-Infinity")
    } else {
        None
    }
}

fn clause(
    verb: char,
    precision: Option<usize>,
    v: &Value,
) -> Result<std::string::String, std::string::String> {
    let ty = v.type_name().to_string();
    match verb {
        's' => string_clause(v),
        'd' => match v {
            Value::Int(i) => Ok(i.to_string()),
            Value::Uint(u) => Ok(u.to_string()),
            Value::Double(d) if non_finite(*d).is_some() => {
                Ok(non_finite(*d).unwrap_or_default().into())
            }
            _ => Err(format!(
                "decimal clause can only be used on integers, was given {ty}"
            )),
        },
        'f' | 'e' => {
            let d = match v {
                Value::Int(i) => *i as f64,
                Value::Uint(u) => *u as f64,
                Value::Double(d) => *d,
                // cel-go lets these three strings stand for the doubles they name.
                Value::String(s) if matches!(&**s, "NaN" | "Infinity" | "-Infinity") => {
                    return Ok(s.to_string());
                }
                _ if verb == 'f' => {
                    return Err(format!(
                        "fixed-point clause can only be used on doubles, was given {ty}"
                    ));
                }
                _ => {
                    return Err(format!(
                        "scientific clause can only be used on doubles, was given {ty}"
                    ));
                }
            };
            if let Some(s) = non_finite(d) {
                return Ok(s.into());
            }
            let p = precision.unwrap_or(6);
            if verb == 'f' {
                Ok(format!("{d:.p$}"))
            } else {
                Ok(go_exponent(&format!("{d:.p$e}")))
            }
        }
        'b' => match v {
            Value::Int(i) => Ok(if *i < 0 {
                format!("-{:b}", i.unsigned_abs())
            } else {
                format!("{i:b}")
            }),
            Value::Uint(u) => Ok(format!("{u:b}")),
            Value::Bool(b) => Ok(if *b { "1" } else { "0" }.into()),
            _ => Err(format!(
                "only integers and bools can be formatted as binary, was given {ty}"
            )),
        },
        'o' => match v {
            Value::Int(i) => Ok(if *i < 0 {
                format!("-{:o}", i.unsigned_abs())
            } else {
                format!("{i:o}")
            }),
            Value::Uint(u) => Ok(format!("{u:o}")),
            _ => Err(format!(
                "octal clause can only be used on integers, was given {ty}"
            )),
        },
        _ => {
            let s = match v {
                Value::Int(i) => {
                    if *i < 0 {
                        format!("-{:x}", i.unsigned_abs())
                    } else {
                        format!("{i:x}")
                    }
                }
                Value::Uint(u) => format!("{u:x}"),
                Value::String(s) => s.bytes().map(|b| format!("{b:02x}")).collect(),
                Value::Bytes(b) => b.iter().map(|b| format!("{b:02x}")).collect(),
                _ => {
                    return Err(format!(
                        "only integers, byte buffers, and strings can be formatted as hex, was given {ty}"
                    ));
                }
            };
            Ok(if verb == 'X' { s.to_uppercase() } else { s })
        }
    }
}

/// Rust writes `1.5e3`; Go writes `1.5e+03`.
fn go_exponent(s: &str) -> std::string::String {
    match s.split_once('e') {
        Some((m, e)) => {
            let (sign, digits) = match e.strip_prefix('-') {
                Some(d) => ('-', d),
                None => ('+', e),
            };
            format!("{m}e{sign}{digits:0>2}")
        }
        None => s.to_string(),
    }
}

/// `%s`: how cel-go's formatter shows each kind of value (lists and maps recursively, map
/// entries ordered by their shown key).
fn string_clause(v: &Value) -> Result<std::string::String, std::string::String> {
    Ok(match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Uint(u) => u.to_string(),
        Value::Double(d) => match non_finite(*d) {
            Some(s) => s.into(),
            None => format_double(*d),
        },
        Value::String(s) => s.to_string(),
        Value::Bytes(b) => std::string::String::from_utf8_lossy(b).into_owned(),
        Value::Type(t) => t.to_string(),
        Value::Timestamp(t) => format_timestamp(t),
        Value::Duration(d) => format_duration(*d),
        Value::List(items) => {
            let parts: Result<Vec<_>, _> = items.iter().map(string_clause).collect();
            format!("[{}]", parts?.join(", "))
        }
        Value::Map(m) => {
            let mut parts = Vec::with_capacity(m.len());
            for (k, v) in m.iter() {
                parts.push((string_clause(&k.to_value())?, string_clause(v)?));
            }
            parts.sort();
            let shown: Vec<_> = parts
                .into_iter()
                .map(|(k, v)| format!("{k}: {v}"))
                .collect();
            format!("{{{}}}", shown.join(", "))
        }
        other => {
            return Err(format!(
                "string clause can only be used on strings, bools, bytes, ints, doubles, maps, lists, types, durations, and timestamps, was given {}",
                other.type_name()
            ));
        }
    })
}
