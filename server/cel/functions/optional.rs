//! Optional values (`optional.of`, `.hasValue()`, `.orValue()`…), as cel-go's OptionalTypes.
//! The syntax (`a.?b`, `a[?i]`, `[?x]`, `{?k: v}`) and `optMap`/`optFlatMap` are in the parser
//! and evaluator.

use super::Ty::*;
use super::{Ctx, FunctionSpec, Out, global, member};
use crate::cel::value::Value;

pub const FUNCTIONS: &[FunctionSpec] = &[
    FunctionSpec {
        name: "optional.of",
        doc: "An optional holding the value (even null).",
        overloads: &[global(&[Dyn], Optional, of)],
    },
    FunctionSpec {
        name: "optional.ofNonZeroValue",
        doc: "An optional holding the value, or an empty one when the value is the zero value of its type (0, \"\", false, null, an empty list or map).",
        overloads: &[global(&[Dyn], Optional, of_non_zero)],
    },
    FunctionSpec {
        name: "optional.none",
        doc: "The empty optional.",
        overloads: &[global(&[], Optional, none)],
    },
    FunctionSpec {
        name: "hasValue",
        doc: "Whether the optional holds a value.",
        overloads: &[member(&[Optional], Bool, has_value)],
    },
    FunctionSpec {
        name: "value",
        doc: "The value of the optional; an error when it is empty.",
        overloads: &[member(&[Optional], Dyn, value)],
    },
    FunctionSpec {
        name: "or",
        doc: "The receiver if it holds a value, else the other optional.",
        overloads: &[member(&[Optional, Optional], Optional, or)],
    },
    FunctionSpec {
        name: "orValue",
        doc: "The optional's value, or the argument when it is empty. In Kyverno (except image validating policies) a receiver that is not an optional is returned as it is.",
        overloads: &[member(&[Optional, Dyn], Dyn, or_value)],
    },
    FunctionSpec {
        name: "optional.unwrap",
        doc: "The values of the non-empty optionals of a list, in order.",
        overloads: &[global(&[List], List, unwrap)],
    },
    FunctionSpec {
        name: "unwrapOpt",
        doc: "The values of the non-empty optionals of the receiver list, in order.",
        overloads: &[member(&[List], List, unwrap)],
    },
];

fn of(args: &[Value], _: &mut Ctx) -> Out {
    Ok(Value::Optional(Some(Box::new(args[0].clone()))))
}

/// The zero value of each type, as `optional.ofNonZeroValue` tests it.
pub fn is_zero(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::Int(i) => *i == 0,
        Value::Uint(u) => *u == 0,
        Value::Double(d) => *d == 0.0,
        Value::String(s) => s.is_empty(),
        Value::Bytes(b) => b.is_empty(),
        Value::List(l) => l.is_empty(),
        Value::Map(m) => m.is_empty(),
        Value::Duration(d) => *d == 0,
        Value::Timestamp(t) => t.timestamp() == 0 && t.timestamp_subsec_nanos() == 0,
        Value::Optional(o) => o.is_none(),
        Value::Type(_) | Value::Opaque(_) => false,
    }
}

fn of_non_zero(args: &[Value], _: &mut Ctx) -> Out {
    if is_zero(&args[0]) {
        Ok(Value::Optional(None))
    } else {
        Ok(Value::Optional(Some(Box::new(args[0].clone()))))
    }
}

fn none(_: &[Value], _: &mut Ctx) -> Out {
    Ok(Value::Optional(None))
}

fn has_value(args: &[Value], _: &mut Ctx) -> Out {
    Ok(Value::Bool(matches!(args[0], Value::Optional(Some(_)))))
}

fn value(args: &[Value], _: &mut Ctx) -> Out {
    match &args[0] {
        Value::Optional(Some(v)) => Ok((**v).clone()),
        _ => Err("optional.none() dereference".into()),
    }
}

fn or(args: &[Value], _: &mut Ctx) -> Out {
    match &args[0] {
        Value::Optional(Some(_)) => Ok(args[0].clone()),
        _ => Ok(args[1].clone()),
    }
}

fn or_value(args: &[Value], _: &mut Ctx) -> Out {
    match &args[0] {
        Value::Optional(Some(v)) => Ok((**v).clone()),
        _ => Ok(args[1].clone()),
    }
}

fn unwrap(args: &[Value], _: &mut Ctx) -> Out {
    let mut out = Vec::new();
    for v in super::list_arg(&args[0]) {
        match v {
            Value::Optional(Some(v)) => out.push((**v).clone()),
            Value::Optional(None) => {}
            _ => return Err("no such overload".into()),
        }
    }
    Ok(Value::list(out))
}
