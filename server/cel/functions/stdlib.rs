//! The CEL standard library: size, string tests, regular expressions, type conversions,
//! and timestamp and duration accessors. Operators live in the evaluator.

use super::Ty::*;
use super::{Ctx, FunctionSpec, Out, global, member, str_arg};
use crate::cel::time;
use crate::cel::value::{Value, format_double, format_duration, format_timestamp};

pub const FUNCTIONS: &[FunctionSpec] = &[
    FunctionSpec {
        name: "size",
        doc: "The length of a string in Unicode code points, of bytes in bytes, of a list in elements or of a map in entries.",
        overloads: &[
            global(&[String], Int, size),
            global(&[Bytes], Int, size),
            global(&[List], Int, size),
            global(&[Map], Int, size),
            member(&[String], Int, size),
            member(&[Bytes], Int, size),
            member(&[List], Int, size),
            member(&[Map], Int, size),
        ],
    },
    FunctionSpec {
        name: "contains",
        doc: "Whether the receiver string contains the argument anywhere (the empty string is in every string).",
        overloads: &[member(&[String, String], Bool, contains)],
    },
    FunctionSpec {
        name: "startsWith",
        doc: "Whether the receiver string begins with the argument.",
        overloads: &[member(&[String, String], Bool, starts_with)],
    },
    FunctionSpec {
        name: "endsWith",
        doc: "Whether the receiver string ends with the argument.",
        overloads: &[member(&[String, String], Bool, ends_with)],
    },
    FunctionSpec {
        name: "matches",
        doc: "Whether the RE2 regular expression matches somewhere in the string. The search is not anchored: write `^…$` to match the whole string.",
        overloads: &[
            global(&[String, String], Bool, matches),
            member(&[String, String], Bool, matches),
        ],
    },
    FunctionSpec {
        name: "int",
        doc: "Converts to int: doubles are truncated toward zero, strings parsed as decimal, timestamps give Unix seconds, durations nanoseconds. Values out of the int64 range are an error.",
        overloads: &[
            global(&[Int], Int, to_int),
            global(&[Uint], Int, to_int),
            global(&[Double], Int, to_int),
            global(&[String], Int, to_int),
            global(&[Timestamp], Int, to_int),
            global(&[Duration], Int, to_int),
        ],
    },
    FunctionSpec {
        name: "uint",
        doc: "Converts to uint: doubles are truncated, strings parsed as decimal. Negative or too large values are an error.",
        overloads: &[
            global(&[Uint], Uint, to_uint),
            global(&[Int], Uint, to_uint),
            global(&[Double], Uint, to_uint),
            global(&[String], Uint, to_uint),
        ],
    },
    FunctionSpec {
        name: "double",
        doc: "Converts an int, uint or numeric string to double.",
        overloads: &[
            global(&[Double], Double, to_double),
            global(&[Int], Double, to_double),
            global(&[Uint], Double, to_double),
            global(&[String], Double, to_double),
        ],
    },
    FunctionSpec {
        name: "string",
        doc: "Converts to string: numbers in their shortest form (doubles as Go's `%g`, so `1e+06`), bytes as UTF-8, timestamps as RFC 3339, durations as seconds with an `s`.",
        overloads: &[
            global(&[String], String, to_string),
            global(&[Int], String, to_string),
            global(&[Uint], String, to_string),
            global(&[Double], String, to_string),
            global(&[Bool], String, to_string),
            global(&[Bytes], String, to_string),
            global(&[Timestamp], String, to_string),
            global(&[Duration], String, to_string),
        ],
    },
    FunctionSpec {
        name: "bytes",
        doc: "Converts a string to its UTF-8 bytes.",
        overloads: &[
            global(&[Bytes], Bytes, to_bytes),
            global(&[String], Bytes, to_bytes),
        ],
    },
    FunctionSpec {
        name: "bool",
        doc: "Converts a string such as `true`, `FALSE`, `t` or `0` to bool.",
        overloads: &[
            global(&[Bool], Bool, to_bool),
            global(&[String], Bool, to_bool),
        ],
    },
    FunctionSpec {
        name: "timestamp",
        doc: "Makes a timestamp from an RFC 3339 string with a time zone offset (`2024-01-01T00:00:00Z`) or from Unix seconds.",
        overloads: &[
            global(&[Timestamp], Timestamp, to_timestamp),
            global(&[String], Timestamp, to_timestamp),
            global(&[Int], Timestamp, to_timestamp),
        ],
    },
    FunctionSpec {
        name: "duration",
        doc: "Makes a duration from a string of numbers with units h, m, s, ms, us or ns (`1h30m`, `-2.5s`). Days are not a unit.",
        overloads: &[
            global(&[Duration], Duration, to_duration),
            global(&[String], Duration, to_duration),
        ],
    },
    FunctionSpec {
        name: "type",
        doc: "The type of a value, itself a value: `type(1) == int`.",
        overloads: &[global(&[Dyn], Type, type_of)],
    },
    FunctionSpec {
        name: "dyn",
        doc: "The value itself, typed as dynamic: it turns off static type checks, e.g. to mix types in a list literal.",
        overloads: &[global(&[Dyn], Dyn, identity)],
    },
    FunctionSpec {
        name: "getFullYear",
        doc: "The year of a timestamp, in UTC or in the given time zone.",
        overloads: &[
            member(&[Timestamp], Int, full_year),
            member(&[Timestamp, String], Int, full_year),
        ],
    },
    FunctionSpec {
        name: "getMonth",
        doc: "The month of a timestamp, from 0 (January) to 11, in UTC or in the given time zone.",
        overloads: &[
            member(&[Timestamp], Int, month),
            member(&[Timestamp, String], Int, month),
        ],
    },
    FunctionSpec {
        name: "getDayOfYear",
        doc: "The day of the year of a timestamp, from 0, in UTC or in the given time zone.",
        overloads: &[
            member(&[Timestamp], Int, day_of_year),
            member(&[Timestamp, String], Int, day_of_year),
        ],
    },
    FunctionSpec {
        name: "getDayOfMonth",
        doc: "The day of the month of a timestamp, from 0, in UTC or in the given time zone.",
        overloads: &[
            member(&[Timestamp], Int, day_of_month),
            member(&[Timestamp, String], Int, day_of_month),
        ],
    },
    FunctionSpec {
        name: "getDate",
        doc: "The day of the month of a timestamp, from 1, in UTC or in the given time zone.",
        overloads: &[
            member(&[Timestamp], Int, date),
            member(&[Timestamp, String], Int, date),
        ],
    },
    FunctionSpec {
        name: "getDayOfWeek",
        doc: "The day of the week of a timestamp, from 0 (Sunday), in UTC or in the given time zone.",
        overloads: &[
            member(&[Timestamp], Int, day_of_week),
            member(&[Timestamp, String], Int, day_of_week),
        ],
    },
    FunctionSpec {
        name: "getHours",
        doc: "The hour of a timestamp (in UTC or the given time zone), or a duration's length in whole hours.",
        overloads: &[
            member(&[Timestamp], Int, hours),
            member(&[Timestamp, String], Int, hours),
            member(&[Duration], Int, hours),
        ],
    },
    FunctionSpec {
        name: "getMinutes",
        doc: "The minute of a timestamp (in UTC or the given time zone), or a duration's length in whole minutes.",
        overloads: &[
            member(&[Timestamp], Int, minutes),
            member(&[Timestamp, String], Int, minutes),
            member(&[Duration], Int, minutes),
        ],
    },
    FunctionSpec {
        name: "getSeconds",
        doc: "The second of a timestamp (in UTC or the given time zone), or a duration's length in whole seconds.",
        overloads: &[
            member(&[Timestamp], Int, seconds),
            member(&[Timestamp, String], Int, seconds),
            member(&[Duration], Int, seconds),
        ],
    },
    FunctionSpec {
        name: "getMilliseconds",
        doc: "The millisecond within the second of a timestamp, or a duration's length in whole milliseconds.",
        overloads: &[
            member(&[Timestamp], Int, millis),
            member(&[Timestamp, String], Int, millis),
            member(&[Duration], Int, millis),
        ],
    },
];

// The implementation cannot know its own name, so each accessor has its own function;
// they all defer to `time::timestamp_part`.
macro_rules! part_fns {
    ($($f:ident => $name:literal),*) => {
        $(fn $f(args: &[Value], _: &mut Ctx) -> Out {
            part($name, args)
        })*
    };
}
part_fns!(full_year => "getFullYear", month => "getMonth", day_of_year => "getDayOfYear",
    day_of_month => "getDayOfMonth", date => "getDate", day_of_week => "getDayOfWeek",
    hours => "getHours", minutes => "getMinutes", seconds => "getSeconds",
    millis => "getMilliseconds");

fn part(name: &str, args: &[Value]) -> Out {
    match args {
        [Value::Timestamp(t)] => Ok(Value::Int(
            time::timestamp_part(name, time::local(*t, None)).unwrap_or(0),
        )),
        [Value::Timestamp(t), Value::String(tz)] => {
            let zone = time::zone(tz)?;
            Ok(Value::Int(
                time::timestamp_part(name, time::local(*t, Some(&zone))).unwrap_or(0),
            ))
        }
        [Value::Duration(d)] => time::duration_part(name, *d)
            .map(Value::Int)
            .ok_or_else(|| "no such overload".into()),
        _ => Err("no such overload".into()),
    }
}

fn size(args: &[Value], _: &mut Ctx) -> Out {
    let n = match &args[0] {
        Value::String(s) => s.chars().count(),
        Value::Bytes(b) => b.len(),
        Value::List(l) => l.len(),
        Value::Map(m) => m.len(),
        _ => return Err("no such overload".into()),
    };
    Ok(Value::Int(n as i64))
}

fn contains(args: &[Value], ctx: &mut Ctx) -> Out {
    let s = str_arg(&args[0]);
    ctx.charge_size(s.len())?;
    Ok(Value::Bool(s.contains(str_arg(&args[1]))))
}

fn starts_with(args: &[Value], _: &mut Ctx) -> Out {
    Ok(Value::Bool(
        str_arg(&args[0]).starts_with(str_arg(&args[1])),
    ))
}

fn ends_with(args: &[Value], _: &mut Ctx) -> Out {
    Ok(Value::Bool(str_arg(&args[0]).ends_with(str_arg(&args[1]))))
}

fn matches(args: &[Value], ctx: &mut Ctx) -> Out {
    let s = str_arg(&args[0]);
    let re = super::regex::compile(str_arg(&args[1]))?;
    ctx.charge_size(s.len())?;
    Ok(Value::Bool(re.is_match(s)))
}

/// Bounds of the doubles that convert to int64: (-2^63, 2^63), exclusive as in cel-go.
const INT_RANGE: (f64, f64) = (-9.223_372_036_854_776e18, 9.223_372_036_854_776e18);

fn to_int(args: &[Value], _: &mut Ctx) -> Out {
    match &args[0] {
        Value::Int(i) => Ok(Value::Int(*i)),
        Value::Uint(u) => i64::try_from(*u)
            .map(Value::Int)
            .map_err(|_| "integer overflow".into()),
        Value::Double(d) => {
            if d.is_nan() || *d <= INT_RANGE.0 || *d >= INT_RANGE.1 {
                Err("integer overflow".into())
            } else {
                Ok(Value::Int(d.trunc() as i64))
            }
        }
        Value::String(s) => s
            .parse::<i64>()
            .map(Value::Int)
            .map_err(|_| format!("strconv.ParseInt: parsing {s:?}: invalid syntax")),
        Value::Timestamp(t) => Ok(Value::Int(t.timestamp())),
        Value::Duration(n) => Ok(Value::Int(*n)),
        _ => Err("no such overload".into()),
    }
}

fn to_uint(args: &[Value], _: &mut Ctx) -> Out {
    match &args[0] {
        Value::Uint(u) => Ok(Value::Uint(*u)),
        Value::Int(i) => u64::try_from(*i)
            .map(Value::Uint)
            .map_err(|_| "unsigned integer overflow".into()),
        Value::Double(d) => {
            if d.is_nan() || *d < 0.0 || *d >= 1.844_674_407_370_955_2e19 {
                Err("unsigned integer overflow".into())
            } else {
                Ok(Value::Uint(d.trunc() as u64))
            }
        }
        Value::String(s) => s
            .parse::<u64>()
            .map(Value::Uint)
            .map_err(|_| format!("strconv.ParseUint: parsing {s:?}: invalid syntax")),
        _ => Err("no such overload".into()),
    }
}

fn to_double(args: &[Value], _: &mut Ctx) -> Out {
    match &args[0] {
        Value::Double(d) => Ok(Value::Double(*d)),
        Value::Int(i) => Ok(Value::Double(*i as f64)),
        Value::Uint(u) => Ok(Value::Double(*u as f64)),
        Value::String(s) => s
            .parse::<f64>()
            .map(Value::Double)
            .map_err(|_| format!("strconv.ParseFloat: parsing {s:?}: invalid syntax")),
        _ => Err("no such overload".into()),
    }
}

fn to_string(args: &[Value], _: &mut Ctx) -> Out {
    Ok(Value::string(match &args[0] {
        Value::String(s) => return Ok(Value::String(s.clone())),
        Value::Int(i) => i.to_string(),
        Value::Uint(u) => u.to_string(),
        Value::Double(d) => format_double(*d),
        Value::Bool(b) => b.to_string(),
        Value::Bytes(b) => std::str::from_utf8(b)
            .map_err(|_| "invalid UTF-8 in bytes, cannot convert to string".to_string())?
            .to_string(),
        Value::Timestamp(t) => format_timestamp(t),
        Value::Duration(d) => format_duration(*d),
        _ => return Err("no such overload".into()),
    }))
}

fn to_bytes(args: &[Value], _: &mut Ctx) -> Out {
    match &args[0] {
        Value::Bytes(b) => Ok(Value::Bytes(b.clone())),
        Value::String(s) => Ok(Value::Bytes(s.as_bytes().into())),
        _ => Err("no such overload".into()),
    }
}

fn to_bool(args: &[Value], _: &mut Ctx) -> Out {
    match &args[0] {
        Value::Bool(b) => Ok(Value::Bool(*b)),
        Value::String(s) => match &**s {
            "1" | "t" | "T" | "true" | "TRUE" | "True" => Ok(Value::Bool(true)),
            "0" | "f" | "F" | "false" | "FALSE" | "False" => Ok(Value::Bool(false)),
            _ => Err(format!(
                "type conversion error from 'string' to 'bool': {s:?}"
            )),
        },
        _ => Err("no such overload".into()),
    }
}

fn to_timestamp(args: &[Value], _: &mut Ctx) -> Out {
    match &args[0] {
        Value::Timestamp(t) => Ok(Value::Timestamp(*t)),
        Value::String(s) => time::parse_timestamp(s).map(Value::Timestamp),
        Value::Int(i) => time::timestamp_from_seconds(*i).map(Value::Timestamp),
        _ => Err("no such overload".into()),
    }
}

fn to_duration(args: &[Value], _: &mut Ctx) -> Out {
    match &args[0] {
        Value::Duration(d) => Ok(Value::Duration(*d)),
        Value::String(s) => time::parse_duration(s).map(Value::Duration),
        _ => Err("no such overload".into()),
    }
}

fn type_of(args: &[Value], _: &mut Ctx) -> Out {
    Ok(Value::type_value(args[0].type_name()))
}

fn identity(args: &[Value], _: &mut Ctx) -> Out {
    Ok(args[0].clone())
}
