//! cel-go's encoders extension: base64.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};

use super::Ty::*;
use super::{Ctx, FunctionSpec, Out, global, str_arg};
use crate::cel::value::Value;

pub const FUNCTIONS: &[FunctionSpec] = &[
    FunctionSpec {
        name: "base64.encode",
        doc: "The bytes in standard base64, with padding.",
        overloads: &[global(&[Bytes], String, encode)],
    },
    FunctionSpec {
        name: "base64.decode",
        doc: "The bytes of a standard base64 string (padding optional).",
        overloads: &[global(&[String], Bytes, decode)],
    },
];

fn encode(args: &[Value], ctx: &mut Ctx) -> Out {
    let Value::Bytes(b) = &args[0] else {
        return Err("no such overload".into());
    };
    ctx.charge_size(b.len())?;
    Ok(Value::string(STANDARD.encode(b)))
}

fn decode(args: &[Value], ctx: &mut Ctx) -> Out {
    let s = str_arg(&args[0]);
    ctx.charge_size(s.len())?;
    STANDARD
        .decode(s)
        .or_else(|_| STANDARD_NO_PAD.decode(s))
        .map(|b| Value::Bytes(b.into()))
        .map_err(|e| format!("illegal base64 data: {e}"))
}
