//! cel-go's math extension: greatest/least, rounding, sign and absolute value, float
//! classification, square root and bitwise operations.

use std::cmp::Ordering;

use super::Ty::*;
use super::{Ctx, FunctionSpec, Out, global, variadic};
use crate::cel::value::{NAN_UNORDERED, Value, compare_numbers};

pub const FUNCTIONS: &[FunctionSpec] = &[
    FunctionSpec {
        name: "math.greatest",
        doc: "The largest of the numeric arguments, or of a list of numbers (ints, uints and doubles may mix).",
        overloads: &[variadic(&[Dyn], Dyn, greatest)],
    },
    FunctionSpec {
        name: "math.least",
        doc: "The smallest of the numeric arguments, or of a list of numbers (ints, uints and doubles may mix).",
        overloads: &[variadic(&[Dyn], Dyn, least)],
    },
    FunctionSpec {
        name: "math.ceil",
        doc: "The smallest whole double not below the argument.",
        overloads: &[global(&[Double], Double, ceil)],
    },
    FunctionSpec {
        name: "math.floor",
        doc: "The largest whole double not above the argument.",
        overloads: &[global(&[Double], Double, floor)],
    },
    FunctionSpec {
        name: "math.round",
        doc: "The double rounded to the nearest whole number, halves away from zero.",
        overloads: &[global(&[Double], Double, round)],
    },
    FunctionSpec {
        name: "math.trunc",
        doc: "The double with its fractional part dropped.",
        overloads: &[global(&[Double], Double, trunc)],
    },
    FunctionSpec {
        name: "math.abs",
        doc: "The absolute value; an error for the smallest int, whose absolute value does not fit.",
        overloads: &[
            global(&[Int], Int, abs),
            global(&[Uint], Uint, abs),
            global(&[Double], Double, abs),
        ],
    },
    FunctionSpec {
        name: "math.sign",
        doc: "-1, 0 or 1 (of the argument's type) by the sign of the argument.",
        overloads: &[
            global(&[Int], Int, sign),
            global(&[Uint], Uint, sign),
            global(&[Double], Double, sign),
        ],
    },
    FunctionSpec {
        name: "math.isInf",
        doc: "Whether the double is infinite.",
        overloads: &[global(&[Double], Bool, is_inf)],
    },
    FunctionSpec {
        name: "math.isNaN",
        doc: "Whether the double is NaN.",
        overloads: &[global(&[Double], Bool, is_nan)],
    },
    FunctionSpec {
        name: "math.isFinite",
        doc: "Whether the double is neither infinite nor NaN.",
        overloads: &[global(&[Double], Bool, is_finite)],
    },
    FunctionSpec {
        name: "math.sqrt",
        doc: "The square root, as a double (NaN for negative numbers).",
        overloads: &[
            global(&[Double], Double, sqrt),
            global(&[Int], Double, sqrt),
            global(&[Uint], Double, sqrt),
        ],
    },
    FunctionSpec {
        name: "math.bitAnd",
        doc: "Bitwise and of two ints or two uints.",
        overloads: &[
            global(&[Int, Int], Int, bit_and),
            global(&[Uint, Uint], Uint, bit_and),
        ],
    },
    FunctionSpec {
        name: "math.bitOr",
        doc: "Bitwise or of two ints or two uints.",
        overloads: &[
            global(&[Int, Int], Int, bit_or),
            global(&[Uint, Uint], Uint, bit_or),
        ],
    },
    FunctionSpec {
        name: "math.bitXor",
        doc: "Bitwise exclusive or of two ints or two uints.",
        overloads: &[
            global(&[Int, Int], Int, bit_xor),
            global(&[Uint, Uint], Uint, bit_xor),
        ],
    },
    FunctionSpec {
        name: "math.bitNot",
        doc: "Bitwise complement of an int or a uint.",
        overloads: &[global(&[Int], Int, bit_not), global(&[Uint], Uint, bit_not)],
    },
    FunctionSpec {
        name: "math.bitShiftLeft",
        doc: "The int or uint shifted left by a non-negative number of bits (64 or more gives 0).",
        overloads: &[
            global(&[Int, Int], Int, shift_left),
            global(&[Uint, Int], Uint, shift_left),
        ],
    },
    FunctionSpec {
        name: "math.bitShiftRight",
        doc: "The int or uint shifted right by a non-negative number of bits, filling with zeros (also for negative ints).",
        overloads: &[
            global(&[Int, Int], Int, shift_right),
            global(&[Uint, Int], Uint, shift_right),
        ],
    },
];

fn numbers(args: &[Value], name: &str) -> Result<Vec<Value>, std::string::String> {
    let items: Vec<Value> = match args {
        [Value::List(l)] => l.to_vec(),
        _ => args.to_vec(),
    };
    if items.is_empty() {
        return Err(format!("{name}(list) argument must not be empty"));
    }
    if items
        .iter()
        .any(|v| !matches!(v, Value::Int(_) | Value::Uint(_) | Value::Double(_)))
    {
        return Err("no such overload".into());
    }
    Ok(items)
}

fn pick(args: &[Value], name: &str, want: Ordering) -> Out {
    let items = numbers(args, name)?;
    let mut best = items[0].clone();
    for v in &items[1..] {
        // As in cel-go, a NaN among several numbers is an error; a lone NaN is the answer.
        let ord = compare_numbers(v, &best).ok_or_else(|| format!("{NAN_UNORDERED}: {name}"))?;
        if ord == want {
            best = v.clone();
        }
    }
    Ok(best)
}

fn greatest(args: &[Value], _: &mut Ctx) -> Out {
    pick(args, "math.greatest", Ordering::Greater)
}

fn least(args: &[Value], _: &mut Ctx) -> Out {
    pick(args, "math.least", Ordering::Less)
}

fn dbl(v: &Value) -> f64 {
    match v {
        Value::Double(d) => *d,
        Value::Int(i) => *i as f64,
        Value::Uint(u) => *u as f64,
        _ => f64::NAN,
    }
}

fn ceil(args: &[Value], _: &mut Ctx) -> Out {
    Ok(Value::Double(dbl(&args[0]).ceil()))
}

fn floor(args: &[Value], _: &mut Ctx) -> Out {
    Ok(Value::Double(dbl(&args[0]).floor()))
}

fn round(args: &[Value], _: &mut Ctx) -> Out {
    Ok(Value::Double(dbl(&args[0]).round()))
}

fn trunc(args: &[Value], _: &mut Ctx) -> Out {
    Ok(Value::Double(dbl(&args[0]).trunc()))
}

fn abs(args: &[Value], _: &mut Ctx) -> Out {
    match &args[0] {
        Value::Int(i) => i
            .checked_abs()
            .map(Value::Int)
            .ok_or_else(|| "integer overflow".into()),
        Value::Uint(u) => Ok(Value::Uint(*u)),
        Value::Double(d) => Ok(Value::Double(d.abs())),
        _ => Err("no such overload".into()),
    }
}

fn sign(args: &[Value], _: &mut Ctx) -> Out {
    match &args[0] {
        Value::Int(i) => Ok(Value::Int(i.signum())),
        Value::Uint(u) => Ok(Value::Uint(u64::from(*u > 0))),
        Value::Double(d) if d.is_nan() => Ok(Value::Double(*d)),
        // Both zeros give +0.0, as in cel-go.
        Value::Double(d) if *d == 0.0 => Ok(Value::Double(0.0)),
        Value::Double(d) => Ok(Value::Double(d.signum())),
        _ => Err("no such overload".into()),
    }
}

fn is_inf(args: &[Value], _: &mut Ctx) -> Out {
    Ok(Value::Bool(dbl(&args[0]).is_infinite()))
}

fn is_nan(args: &[Value], _: &mut Ctx) -> Out {
    Ok(Value::Bool(dbl(&args[0]).is_nan()))
}

fn is_finite(args: &[Value], _: &mut Ctx) -> Out {
    Ok(Value::Bool(dbl(&args[0]).is_finite()))
}

fn sqrt(args: &[Value], _: &mut Ctx) -> Out {
    Ok(Value::Double(dbl(&args[0]).sqrt()))
}

fn bits(args: &[Value], f: fn(u64, u64) -> u64) -> Out {
    match (&args[0], &args[1]) {
        (Value::Int(a), Value::Int(b)) => Ok(Value::Int(f(*a as u64, *b as u64) as i64)),
        (Value::Uint(a), Value::Uint(b)) => Ok(Value::Uint(f(*a, *b))),
        _ => Err("no such overload".into()),
    }
}

fn bit_and(args: &[Value], _: &mut Ctx) -> Out {
    bits(args, |a, b| a & b)
}

fn bit_or(args: &[Value], _: &mut Ctx) -> Out {
    bits(args, |a, b| a | b)
}

fn bit_xor(args: &[Value], _: &mut Ctx) -> Out {
    bits(args, |a, b| a ^ b)
}

fn bit_not(args: &[Value], _: &mut Ctx) -> Out {
    match &args[0] {
        Value::Int(a) => Ok(Value::Int(!a)),
        Value::Uint(a) => Ok(Value::Uint(!a)),
        _ => Err("no such overload".into()),
    }
}

fn shift(args: &[Value], name: &str, left: bool) -> Out {
    let Value::Int(n) = args[1] else {
        return Err("no such overload".into());
    };
    if n < 0 {
        return Err(format!("math.{name}() negative offset: {n}"));
    }
    let apply = |v: u64| -> u64 {
        if n >= 64 {
            0
        } else if left {
            v << n
        } else {
            v >> n
        }
    };
    match &args[0] {
        Value::Int(a) => Ok(Value::Int(apply(*a as u64) as i64)),
        Value::Uint(a) => Ok(Value::Uint(apply(*a))),
        _ => Err("no such overload".into()),
    }
}

fn shift_left(args: &[Value], _: &mut Ctx) -> Out {
    shift(args, "bitShiftLeft", true)
}

fn shift_right(args: &[Value], _: &mut Ctx) -> Out {
    shift(args, "bitShiftRight", false)
}
