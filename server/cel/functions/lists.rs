//! List functions: cel-go's lists extension (version 3: slice, flatten, distinct,
//! lists.range, reverse, sort; `sortBy` is a macro in the parser), `first`/`last` from the
//! optional library, and Kubernetes' list library (isSorted, sum, min, max, indexOf,
//! lastIndexOf).

use std::cmp::Ordering;

use super::Ty::*;
use super::{Ctx, FunctionSpec, Out, global, int_arg, list_arg, member};
use crate::cel::limits::MAX_LIST_LEN;
use crate::cel::value::{Value, compare_numbers};

pub const FUNCTIONS: &[FunctionSpec] = &[
    FunctionSpec {
        name: "slice",
        doc: "The elements from the start index up to the end index (exclusive).",
        overloads: &[member(&[List, Int, Int], List, slice)],
    },
    FunctionSpec {
        name: "flatten",
        doc: "The list with nested lists spliced in: one level, or as many levels as given.",
        overloads: &[
            member(&[List], List, flatten),
            member(&[List, Int], List, flatten),
        ],
    },
    FunctionSpec {
        name: "distinct",
        doc: "The list without repeated elements, keeping the first of each.",
        overloads: &[member(&[List], List, distinct)],
    },
    FunctionSpec {
        name: "lists.range",
        doc: "The ints from 0 up to the argument (exclusive).",
        overloads: &[global(&[Int], List, range)],
    },
    FunctionSpec {
        name: "reverse",
        doc: "The list in reverse order.",
        overloads: &[member(&[List], List, reverse)],
    },
    FunctionSpec {
        name: "sort",
        doc: "The list sorted in ascending order; the elements must be of one comparable type (numbers, strings, bytes, bools, timestamps or durations).",
        overloads: &[member(&[List], List, sort)],
    },
    FunctionSpec {
        name: "@sortByAssociatedKeys",
        doc: "The list sorted by the keys of the second list (what `sortBy` expands to).",
        overloads: &[global(&[List, List], List, sort_by_keys)],
    },
    FunctionSpec {
        name: "first",
        doc: "The first element as an optional; empty for an empty list.",
        overloads: &[member(&[List], Optional, first)],
    },
    FunctionSpec {
        name: "last",
        doc: "The last element as an optional; empty for an empty list.",
        overloads: &[member(&[List], Optional, last)],
    },
    FunctionSpec {
        name: "isSorted",
        doc: "Whether the list is in ascending order.",
        overloads: &[member(&[List], Bool, is_sorted)],
    },
    FunctionSpec {
        name: "sum",
        doc: "The sum of a list of ints, uints, doubles or durations; 0 for an empty list.",
        overloads: &[member(&[List], Dyn, sum)],
    },
    FunctionSpec {
        name: "min",
        doc: "The smallest element; an error for an empty list.",
        overloads: &[member(&[List], Dyn, min)],
    },
    FunctionSpec {
        name: "max",
        doc: "The largest element; an error for an empty list.",
        overloads: &[member(&[List], Dyn, max)],
    },
    FunctionSpec {
        name: "indexOf",
        doc: "The index of the first element equal to the argument; -1 when absent.",
        overloads: &[member(&[List, Dyn], Int, index_of)],
    },
    FunctionSpec {
        name: "lastIndexOf",
        doc: "The index of the last element equal to the argument; -1 when absent.",
        overloads: &[member(&[List, Dyn], Int, last_index_of)],
    },
];

/// A total order for sorting a list of one type: doubles by `total_cmp`, so that NaN has a
/// place (a sort with an inconsistent order may panic).
fn sort_order(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Double(x), Value::Double(y)) => x.total_cmp(y),
        _ => order(a, b).unwrap_or(Ordering::Equal),
    }
}

/// The order of two values of one comparable type; `None` for mixed or unordered types.
pub fn order(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::String(x), Value::String(y)) => Some(x.cmp(y)),
        (Value::Bytes(x), Value::Bytes(y)) => Some(x.cmp(y)),
        (Value::Bool(x), Value::Bool(y)) => Some(x.cmp(y)),
        (Value::Timestamp(x), Value::Timestamp(y)) => Some(x.cmp(y)),
        (Value::Duration(x), Value::Duration(y)) => Some(x.cmp(y)),
        (Value::Opaque(x), Value::Opaque(y)) => x.compare(y.as_ref()),
        _ => compare_numbers(a, b),
    }
}

fn slice(args: &[Value], _: &mut Ctx) -> Out {
    let l = list_arg(&args[0]);
    let (s, e) = (int_arg(&args[1]), int_arg(&args[2]));
    if s < 0 || e < 0 {
        return Err(format!(
            "cannot slice({s}, {e}), negative indexes not supported"
        ));
    }
    if s > e {
        return Err(format!(
            "cannot slice({s}, {e}), start index must be less than or equal to end index"
        ));
    }
    if e as usize > l.len() {
        return Err(format!(
            "cannot slice({s}, {e}), list is length {}",
            l.len()
        ));
    }
    Ok(Value::list(l[s as usize..e as usize].to_vec()))
}

fn flatten(args: &[Value], ctx: &mut Ctx) -> Out {
    let depth = args.get(1).map_or(1, int_arg);
    if depth < 0 {
        return Err("level must be non-negative".into());
    }
    let mut out = Vec::new();
    flatten_into(list_arg(&args[0]), depth, &mut out)?;
    ctx.charge_size(out.len())?;
    Ok(Value::list(out))
}

fn flatten_into(
    items: &[Value],
    depth: i64,
    out: &mut Vec<Value>,
) -> Result<(), std::string::String> {
    for v in items {
        match v {
            // Depth is bounded by the value's own nesting, which the parser's limit bounds.
            Value::List(inner) if depth > 0 => flatten_into(inner, depth - 1, out)?,
            other => out.push(other.clone()),
        }
        if out.len() > MAX_LIST_LEN {
            return Err("flatten: result too large".into());
        }
    }
    Ok(())
}

fn distinct(args: &[Value], ctx: &mut Ctx) -> Out {
    let l = list_arg(&args[0]);
    // Quadratic in the worst case: charge for it.
    ctx.charge_size(l.len().saturating_mul(l.len()))?;
    let mut out: Vec<Value> = Vec::new();
    for v in l {
        if !out.iter().any(|o| o.equals(v)) {
            out.push(v.clone());
        }
    }
    Ok(Value::list(out))
}

fn range(args: &[Value], ctx: &mut Ctx) -> Out {
    let n = int_arg(&args[0]).max(0);
    if n as u64 > MAX_LIST_LEN as u64 {
        return Err("lists.range: too many elements".into());
    }
    ctx.charge(n as u64)?;
    Ok(Value::list((0..n).map(Value::Int).collect()))
}

fn reverse(args: &[Value], _: &mut Ctx) -> Out {
    let mut l = list_arg(&args[0]).to_vec();
    l.reverse();
    Ok(Value::list(l))
}

fn check_sortable(l: &[Value]) -> Result<(), std::string::String> {
    if let Some(first) = l.first() {
        let comparable = matches!(
            first,
            Value::String(_)
                | Value::Bytes(_)
                | Value::Bool(_)
                | Value::Timestamp(_)
                | Value::Duration(_)
                | Value::Int(_)
                | Value::Uint(_)
                | Value::Double(_)
        );
        if !comparable {
            return Err(format!(
                "list elements must be comparable, found {}",
                first.type_name()
            ));
        }
        if l.iter()
            .any(|v| std::mem::discriminant(v) != std::mem::discriminant(first))
        {
            return Err("list elements must have the same type".into());
        }
    }
    Ok(())
}

fn sort(args: &[Value], ctx: &mut Ctx) -> Out {
    let mut l = list_arg(&args[0]).to_vec();
    check_sortable(&l)?;
    ctx.charge_size(l.len() * (usize::BITS - l.len().leading_zeros()) as usize)?;
    l.sort_by(sort_order);
    Ok(Value::list(l))
}

fn sort_by_keys(args: &[Value], ctx: &mut Ctx) -> Out {
    let l = list_arg(&args[0]);
    let keys = list_arg(&args[1]);
    if l.len() != keys.len() {
        return Err("sortBy: lists of different sizes".into());
    }
    check_sortable(keys)?;
    ctx.charge_size(l.len() * (usize::BITS - l.len().leading_zeros()) as usize)?;
    let mut pairs: Vec<(&Value, &Value)> = keys.iter().zip(l.iter()).collect();
    pairs.sort_by(|a, b| sort_order(a.0, b.0));
    Ok(Value::list(
        pairs.into_iter().map(|(_, v)| v.clone()).collect(),
    ))
}

fn first(args: &[Value], _: &mut Ctx) -> Out {
    Ok(Value::Optional(
        list_arg(&args[0]).first().map(|v| Box::new(v.clone())),
    ))
}

fn last(args: &[Value], _: &mut Ctx) -> Out {
    Ok(Value::Optional(
        list_arg(&args[0]).last().map(|v| Box::new(v.clone())),
    ))
}

fn is_sorted(args: &[Value], _: &mut Ctx) -> Out {
    let l = list_arg(&args[0]);
    for w in l.windows(2) {
        match order(&w[0], &w[1]) {
            Some(Ordering::Greater) => return Ok(Value::Bool(false)),
            Some(_) => {}
            None => return Err("no such overload".into()),
        }
    }
    Ok(Value::Bool(true))
}

fn sum(args: &[Value], _: &mut Ctx) -> Out {
    let l = list_arg(&args[0]);
    let Some(first) = l.first() else {
        return Ok(Value::Int(0));
    };
    let mut acc = match first {
        Value::Int(_) => Value::Int(0),
        Value::Uint(_) => Value::Uint(0),
        Value::Double(_) => Value::Double(0.0),
        Value::Duration(_) => Value::Duration(0),
        _ => return Err("no such overload".into()),
    };
    for v in l {
        acc = crate::cel::eval::binary_op(crate::cel::ast::BinaryOp::Add, &acc, v)?;
    }
    Ok(acc)
}

fn extreme(args: &[Value], want: Ordering, name: &str) -> Out {
    let l = list_arg(&args[0]);
    let Some(mut best) = l.first() else {
        return Err(format!("{name} called on empty list"));
    };
    for v in &l[1..] {
        match order(v, best) {
            Some(o) if o == want => best = v,
            Some(_) => {}
            None => return Err("no such overload".into()),
        }
    }
    Ok(best.clone())
}

fn min(args: &[Value], _: &mut Ctx) -> Out {
    extreme(args, Ordering::Less, "min")
}

fn max(args: &[Value], _: &mut Ctx) -> Out {
    extreme(args, Ordering::Greater, "max")
}

fn index_of(args: &[Value], ctx: &mut Ctx) -> Out {
    let l = list_arg(&args[0]);
    ctx.charge_size(l.len())?;
    Ok(Value::Int(
        l.iter()
            .position(|v| v.equals(&args[1]))
            .map_or(-1, |i| i as i64),
    ))
}

fn last_index_of(args: &[Value], ctx: &mut Ctx) -> Out {
    let l = list_arg(&args[0]);
    ctx.charge_size(l.len())?;
    Ok(Value::Int(
        l.iter()
            .rposition(|v| v.equals(&args[1]))
            .map_or(-1, |i| i as i64),
    ))
}
