//! cel-go's sets extension: lists compared as sets, with CEL equality.

use super::Ty::*;
use super::{Ctx, FunctionSpec, Out, global, list_arg};
use crate::cel::value::Value;

pub const FUNCTIONS: &[FunctionSpec] = &[
    FunctionSpec {
        name: "sets.contains",
        doc: "Whether every element of the second list is in the first.",
        overloads: &[global(&[List, List], Bool, contains)],
    },
    FunctionSpec {
        name: "sets.equivalent",
        doc: "Whether the two lists hold the same elements, ignoring order and repetition.",
        overloads: &[global(&[List, List], Bool, equivalent)],
    },
    FunctionSpec {
        name: "sets.intersects",
        doc: "Whether the two lists share at least one element.",
        overloads: &[global(&[List, List], Bool, intersects)],
    },
];

fn subset(a: &[Value], b: &[Value], ctx: &mut Ctx) -> Result<bool, std::string::String> {
    ctx.charge_size(a.len().saturating_mul(b.len()))?;
    Ok(b.iter().all(|x| a.iter().any(|y| y.equals(x))))
}

fn contains(args: &[Value], ctx: &mut Ctx) -> Out {
    Ok(Value::Bool(subset(
        list_arg(&args[0]),
        list_arg(&args[1]),
        ctx,
    )?))
}

fn equivalent(args: &[Value], ctx: &mut Ctx) -> Out {
    let (a, b) = (list_arg(&args[0]), list_arg(&args[1]));
    Ok(Value::Bool(subset(a, b, ctx)? && subset(b, a, ctx)?))
}

fn intersects(args: &[Value], ctx: &mut Ctx) -> Out {
    let (a, b) = (list_arg(&args[0]), list_arg(&args[1]));
    ctx.charge_size(a.len().saturating_mul(b.len()))?;
    Ok(Value::Bool(a.iter().any(|x| b.iter().any(|y| y.equals(x)))))
}
