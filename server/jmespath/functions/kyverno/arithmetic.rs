//! `add`, `sum`, `subtract`, `multiply`, `divide`, `modulo` and `round`.
//!
//! Each operand is a number (scalar), or a string read first as a Kubernetes quantity and only
//! then as a Go duration — so `'5m'` is five milli-units, not five minutes, and `'10'` is a
//! quantity, never a number. The operand kinds decide the operation (Kyverno's arithmetic.go):
//! Q±Q→Q, D±D→D, S±S→S; Q×S, S×Q→Q; D×S, S×D→D; Q/Q→S, Q/S→Q, D/D→S, D/S→D; Q%Q→Q,
//! D%D→D, S%S→S; any other pairing is "Types mismatch".

use super::arg_num;
use super::collections::int_number;
use super::duration::{format_duration, parse_duration, seconds};
use super::gofmt::{format_g, go_f64_to_i64};
use super::quantity::{self, Quantity};
use crate::jmespath::functions::spec::Env;
use crate::jmespath::value::Value;

const TYPES_MISMATCH: &str = "Types mismatch";
const ZERO_DIVISOR: &str = "Zero divisor passed";
const NON_INT_MODULO: &str = "Non-integer argument(s) passed for modulo";

#[derive(Debug, Clone)]
enum Operand {
    Scalar(f64),
    Quantity(Quantity),
    Duration(i64),
}

fn parse_error_text(e: &quantity::ParseError) -> String {
    match e {
        quantity::ParseError::Format => "quantities must match the regular expression \
             '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
            .into(),
        quantity::ParseError::Numeric => "unable to parse numeric part of quantity".into(),
        quantity::ParseError::Suffix => "unable to parse quantity's suffix".into(),
        quantity::ParseError::TooLarge => quantity::TOO_LARGE.into(),
    }
}

fn operand(v: &Value) -> Result<Option<Operand>, String> {
    match v {
        Value::Number(n) => Ok(Some(Operand::Scalar(*n))),
        Value::String(s) => match quantity::parse(s) {
            Ok(q) => Ok(Some(Operand::Quantity(q))),
            Err(quantity::ParseError::TooLarge) => Err(quantity::TOO_LARGE.into()),
            Err(_) => Ok(parse_duration(s).ok().map(Operand::Duration)),
        },
        _ => Ok(None),
    }
}

fn operands(args: &[Value]) -> Result<(Operand, Operand), String> {
    let a = operand(&args[0])?;
    let b = operand(&args[1])?;
    match (a, b) {
        (Some(a), Some(b)) => Ok((a, b)),
        _ => Err("invalid operands".into()),
    }
}

/// A scalar as a quantity, the way Kyverno does it: `ParseQuantity(fmt.Sprintf("%v", f))`.
fn scalar_quantity(f: f64) -> Result<Quantity, String> {
    quantity::parse(&format_g(f)).map_err(|e| parse_error_text(&e))
}

/// `time.Duration(seconds * float64(time.Second))`.
fn duration_from_seconds(s: f64) -> i64 {
    go_f64_to_i64(s * 1e9)
}

fn add_values(a: &Value, b: &Value) -> Result<Value, String> {
    let (a, b) = operands(&[a.clone(), b.clone()])?;
    match (a, b) {
        (Operand::Quantity(x), Operand::Quantity(y)) => Ok(Value::from(x.add(&y)?.canonical())),
        (Operand::Duration(x), Operand::Duration(y)) => {
            Ok(Value::from(format_duration(x.wrapping_add(y))))
        }
        (Operand::Scalar(x), Operand::Scalar(y)) => Ok(Value::Number(x + y)),
        _ => Err(TYPES_MISMATCH.into()),
    }
}

pub fn add(args: &[Value], _: &Env) -> Result<Value, String> {
    add_values(&args[0], &args[1])
}

/// `sum(list)`: a left fold of `add`. A one-element list is returned as it is, whatever it holds.
pub fn sum(args: &[Value], _: &Env) -> Result<Value, String> {
    let Some(items) = args[0].as_array() else {
        return Err(TYPES_MISMATCH.into());
    };
    let Some(first) = items.first() else {
        return Err("at least one element in the array is required".into());
    };
    let mut result = first.clone();
    for item in &items[1..] {
        result = add_values(&result, item)?;
    }
    Ok(result)
}

pub fn subtract(args: &[Value], _: &Env) -> Result<Value, String> {
    match operands(args)? {
        (Operand::Quantity(x), Operand::Quantity(y)) => Ok(Value::from(x.sub(&y)?.canonical())),
        (Operand::Duration(x), Operand::Duration(y)) => {
            Ok(Value::from(format_duration(x.wrapping_sub(y))))
        }
        (Operand::Scalar(x), Operand::Scalar(y)) => Ok(Value::Number(x - y)),
        _ => Err(TYPES_MISMATCH.into()),
    }
}

fn multiply_quantity(q: &Quantity, f: f64) -> Result<Value, String> {
    Ok(Value::from(q.mul(&scalar_quantity(f)?)?.canonical()))
}

fn multiply_duration(d: i64, f: f64) -> Value {
    Value::from(format_duration(duration_from_seconds(seconds(d) * f)))
}

pub fn multiply(args: &[Value], _: &Env) -> Result<Value, String> {
    match operands(args)? {
        (Operand::Quantity(q), Operand::Scalar(f)) | (Operand::Scalar(f), Operand::Quantity(q)) => {
            multiply_quantity(&q, f)
        }
        (Operand::Duration(d), Operand::Scalar(f)) | (Operand::Scalar(f), Operand::Duration(d)) => {
            Ok(multiply_duration(d, f))
        }
        (Operand::Scalar(x), Operand::Scalar(y)) => Ok(Value::Number(x * y)),
        _ => Err(TYPES_MISMATCH.into()),
    }
}

pub fn divide(args: &[Value], _: &Env) -> Result<Value, String> {
    match operands(args)? {
        (Operand::Quantity(x), Operand::Quantity(y)) => {
            let divisor = y.approx_f64();
            if divisor == 0.0 {
                return Err(ZERO_DIVISOR.into());
            }
            Ok(Value::Number(x.approx_f64() / divisor))
        }
        (Operand::Quantity(x), Operand::Scalar(f)) => {
            if f == 0.0 {
                return Err(ZERO_DIVISOR.into());
            }
            let q = scalar_quantity(f)?;
            Ok(Value::from(x.div_round_down(&q)?.canonical()))
        }
        (Operand::Duration(x), Operand::Duration(y)) => {
            if seconds(y) == 0.0 {
                return Err(ZERO_DIVISOR.into());
            }
            Ok(Value::Number(seconds(x) / seconds(y)))
        }
        (Operand::Duration(d), Operand::Scalar(f)) => {
            if f == 0.0 {
                return Err(ZERO_DIVISOR.into());
            }
            Ok(Value::from(format_duration(duration_from_seconds(
                seconds(d) / f,
            ))))
        }
        (Operand::Scalar(x), Operand::Scalar(y)) => {
            if y == 0.0 {
                return Err(ZERO_DIVISOR.into());
            }
            Ok(Value::Number(x / y))
        }
        _ => Err(TYPES_MISMATCH.into()),
    }
}

/// Both values as integers (truncated the way Go converts floats), or the modulo error.
fn int_pair(f1: f64, f2: f64) -> Result<(i64, i64), String> {
    let i1 = go_f64_to_i64(f1);
    let i2 = go_f64_to_i64(f2);
    if f1 != i1 as f64 || f2 != i2 as f64 {
        return Err(NON_INT_MODULO.into());
    }
    if i2 == 0 {
        return Err(ZERO_DIVISOR.into());
    }
    Ok((i1, i2))
}

pub fn modulo(args: &[Value], _: &Env) -> Result<Value, String> {
    match operands(args)? {
        (Operand::Quantity(x), Operand::Quantity(y)) => {
            let (i1, i2) = int_pair(x.approx_f64(), y.approx_f64())?;
            Ok(Value::from(
                Quantity::from_int(i1.wrapping_rem(i2), x.format).canonical(),
            ))
        }
        (Operand::Duration(x), Operand::Duration(y)) => {
            if y == 0 {
                return Err(ZERO_DIVISOR.into());
            }
            Ok(Value::from(format_duration(x.wrapping_rem(y))))
        }
        (Operand::Scalar(x), Operand::Scalar(y)) => {
            let (i1, i2) = int_pair(x, y)?;
            Ok(Value::Number(i1.wrapping_rem(i2) as f64))
        }
        _ => Err(TYPES_MISMATCH.into()),
    }
}

/// Go's `math.Ldexp`.
fn ldexp(frac: f64, exp: i64) -> f64 {
    let mut x = frac;
    let mut e = exp;
    while e > 1000 {
        x *= 2f64.powi(1000);
        e -= 1000;
    }
    while e < -1000 {
        x *= 2f64.powi(-1000);
        e += 1000;
    }
    x * 2f64.powi(e as i32)
}

/// Go's `math.Pow(10, n)` for a non-negative integer `n`: repeated squaring of the mantissa
/// of 10 (0.625 × 2^4), which is exact up to 10^22 and may differ from `powi` beyond.
pub fn go_pow10_int(n: i64) -> f64 {
    if n == 0 {
        return 1.0;
    }
    if n == 1 {
        return 10.0;
    }
    let (mut x1, mut xe) = (0.625f64, 4i64);
    let (mut a1, mut ae) = (1.0f64, 0i64);
    let mut i = n;
    while i != 0 {
        if !(-(1 << 12)..=(1 << 12)).contains(&xe) {
            ae += xe;
            break;
        }
        if i & 1 == 1 {
            a1 *= x1;
            ae += xe;
        }
        x1 *= x1;
        xe <<= 1;
        if x1 < 0.5 {
            x1 += x1;
            xe -= 1;
        }
        i >>= 1;
    }
    ldexp(a1, ae)
}

/// `round(x, digits)`: `math.Round(x × 10^d) / 10^d`, halves away from zero.
pub fn round(args: &[Value], _: &Env) -> Result<Value, String> {
    let x = arg_num(args, 0)?;
    let digits = arg_num(args, 1)?;
    let digits = int_number(digits)
        .map_err(|_| "Non-integer argument(s) passed for round off".to_string())?;
    if digits < 0 {
        // Kyverno formats this message without its arguments, so Go prints the placeholders.
        return Err("%!d(MISSING) argument is out of bounds (%!d(MISSING))".into());
    }
    let shift = go_pow10_int(digits);
    Ok(Value::Number((x * shift).round() / shift))
}

#[cfg(test)]
mod tests {
    use super::super::testing::{err, ok};
    use super::*;

    fn s(v: &str) -> Value {
        Value::from(v)
    }
    fn n(v: f64) -> Value {
        Value::Number(v)
    }

    #[test]
    fn add_cases() {
        // Kyverno's arithmetic_test.go, Test_Add.
        assert_eq!(ok("add", &[n(12.0), n(13.0)]), n(25.0));
        assert!(!err("add", &[s("12"), s("13s")]).is_empty());
        assert_eq!(err("add", &[n(12.0), s("13Ki")]), "Types mismatch");
        assert_eq!(err("add", &[n(12.0), s("13")]), "Types mismatch");
        assert_eq!(ok("add", &[s("12Ki"), s("13Ki")]), s("25Ki"));
        assert_eq!(ok("add", &[s("12Ki"), s("13")]), s("12301"));
        assert_eq!(err("add", &[s("12Ki"), s("13s")]), "Types mismatch");
        assert_eq!(err("add", &[s("12Ki"), n(13.0)]), "Types mismatch");
        assert_eq!(ok("add", &[s("12s"), s("13s")]), s("25s"));
        assert_eq!(err("add", &[s("12s"), n(13.0)]), "Types mismatch");
        assert_eq!(err("add", &[s("12s"), s("13Ki")]), "Types mismatch");
        assert_eq!(err("add", &[s("12s"), s("13")]), "Types mismatch");
        // Canonical quantities, minutes that are milli, durations.
        assert_eq!(ok("add", &[s("1Gi"), s("512Mi")]), s("1536Mi"));
        assert_eq!(ok("add", &[s("100m"), s("900m")]), s("1"));
        assert_eq!(ok("add", &[s("1.5"), s("1")]), s("2500m"));
        assert_eq!(ok("add", &[s("1h"), s("30s")]), s("1h0m30s"));
        assert_eq!(err("add", &[s("1h"), s("30m")]), "Types mismatch"); // 30m = 30 milli
        assert_eq!(ok("add", &[s("1k"), s("1Ki")]), s("2024"));
        assert_eq!(ok("add", &[s("1Ki"), s("1k")]), s("2024"));
        assert_eq!(ok("add", &[s("0"), s("1Ki")]), s("1Ki"));
        assert_eq!(ok("add", &[s("-"), s("1")]), s("1")); // "-" parses as zero
        assert_eq!(ok("add", &[s("1e3"), s("1e3")]), s("2e3"));
        assert_eq!(ok("add", &[s("0.1"), s("0.2")]), s("300m"));
        assert_eq!(err("add", &[s("abc"), s("1")]), "invalid operands");
        assert_eq!(err("add", &[Value::Bool(true), n(1.0)]), "invalid operands");
        assert_eq!(err("add", &[n(1.0), Value::Null]), "invalid operands");
    }

    #[test]
    fn sum_cases() {
        let arr = |v: Vec<Value>| Value::array(v);
        assert_eq!(
            err("sum", &[arr(vec![])]),
            "at least one element in the array is required"
        );
        assert_eq!(ok("sum", &[arr(vec![n(12.0)])]), n(12.0));
        assert_eq!(
            ok("sum", &[arr(vec![n(12.0), n(13.0), n(1.0), n(4.0)])]),
            n(30.0)
        );
        assert_eq!(ok("sum", &[arr(vec![n(12.0), n(13.0)])]), n(25.0));
        assert!(!err("sum", &[arr(vec![s("12"), s("13s")])]).is_empty());
        assert_eq!(
            err("sum", &[arr(vec![n(12.0), s("13Ki")])]),
            "Types mismatch"
        );
        assert_eq!(err("sum", &[arr(vec![n(12.0), s("13")])]), "Types mismatch");
        assert_eq!(ok("sum", &[arr(vec![s("12Ki")])]), s("12Ki"));
        assert_eq!(
            ok(
                "sum",
                &[arr(vec![s("12Ki"), s("13Ki"), s("1Ki"), s("4Ki")])]
            ),
            s("30Ki")
        );
        assert_eq!(ok("sum", &[arr(vec![s("12Ki"), s("13Ki")])]), s("25Ki"));
        assert_eq!(ok("sum", &[arr(vec![s("12Ki"), s("13")])]), s("12301"));
        assert_eq!(
            err("sum", &[arr(vec![s("12Ki"), s("13s")])]),
            "Types mismatch"
        );
        assert_eq!(
            err("sum", &[arr(vec![s("12Ki"), n(13.0)])]),
            "Types mismatch"
        );
        assert_eq!(ok("sum", &[arr(vec![s("12s")])]), s("12s"));
        assert_eq!(
            ok("sum", &[arr(vec![s("12s"), s("13s"), s("1s"), s("4s")])]),
            s("30s")
        );
        assert_eq!(ok("sum", &[arr(vec![s("12s"), s("13s")])]), s("25s"));
        assert_eq!(
            err("sum", &[arr(vec![s("12s"), n(13.0)])]),
            "Types mismatch"
        );
        assert_eq!(
            err("sum", &[arr(vec![s("12s"), s("13Ki")])]),
            "Types mismatch"
        );
        assert_eq!(
            err("sum", &[arr(vec![s("12s"), s("13")])]),
            "Types mismatch"
        );
        // Kyverno's documentation examples.
        assert_eq!(
            ok("sum", &[arr(vec![s("2Ki"), s("5Gi"), s("8Mi")])]),
            s("5251074Ki")
        );
        assert_eq!(
            ok("sum", &[arr(vec![s("2h"), s("50s"), s("90s")])]),
            s("2h2m20s")
        );
        assert_eq!(ok("sum", &[arr(vec![n(6.0), n(3.0), n(8.0)])]), n(17.0));
        // A single element is returned untouched, even if it is not a number.
        assert_eq!(
            ok("sum", &[arr(vec![Value::Bool(true)])]),
            Value::Bool(true)
        );
        assert_eq!(ok("sum", &[arr(vec![s("abc")])]), s("abc"));
    }

    #[test]
    fn subtract_cases() {
        assert_eq!(ok("subtract", &[n(12.0), n(13.0)]), n(-1.0));
        assert!(!err("subtract", &[s("12"), s("13s")]).is_empty());
        assert_eq!(err("subtract", &[n(12.0), s("13Ki")]), "Types mismatch");
        assert_eq!(err("subtract", &[n(12.0), s("13")]), "Types mismatch");
        assert_eq!(ok("subtract", &[s("12Ki"), s("13Ki")]), s("-1Ki"));
        assert_eq!(ok("subtract", &[s("12Ki"), s("13")]), s("12275"));
        assert_eq!(err("subtract", &[s("12Ki"), s("13s")]), "Types mismatch");
        assert_eq!(err("subtract", &[s("12Ki"), n(13.0)]), "Types mismatch");
        assert_eq!(ok("subtract", &[s("12s"), s("13s")]), s("-1s"));
        assert_eq!(err("subtract", &[s("12s"), n(13.0)]), "Types mismatch");
        assert_eq!(err("subtract", &[s("12s"), s("13Ki")]), "Types mismatch");
        assert_eq!(err("subtract", &[s("12s"), s("13")]), "Types mismatch");
        assert_eq!(ok("subtract", &[s("10Mi"), s("5Ki")]), s("10235Ki"));
        assert_eq!(ok("subtract", &[s("1"), s("1")]), s("0"));
        assert_eq!(ok("subtract", &[s("1h"), s("1h")]), s("0s"));
        assert_eq!(ok("subtract", &[s("0"), s("1Ki")]), s("-1Ki"));
    }

    #[test]
    fn multiply_cases() {
        assert_eq!(ok("multiply", &[s("12Ki"), n(2.0)]), s("24Ki"));
        assert_eq!(err("multiply", &[s("12Ki"), s("12Ki")]), "Types mismatch");
        assert_eq!(err("multiply", &[s("12Ki"), s("12")]), "Types mismatch");
        assert_eq!(err("multiply", &[s("12Ki"), s("12s")]), "Types mismatch");
        assert_eq!(ok("multiply", &[s("12s"), n(2.0)]), s("24s"));
        assert_eq!(err("multiply", &[s("12s"), s("12Ki")]), "Types mismatch");
        assert_eq!(err("multiply", &[s("12s"), s("12")]), "Types mismatch");
        assert_eq!(err("multiply", &[s("12s"), s("12s")]), "Types mismatch");
        assert_eq!(ok("multiply", &[n(2.5), n(2.5)]), n(6.25));
        assert_eq!(ok("multiply", &[n(2.5), s("12Ki")]), s("30Ki"));
        assert_eq!(ok("multiply", &[n(2.5), s("12")]), s("30"));
        assert_eq!(ok("multiply", &[n(2.5), s("40s")]), s("1m40s"));
        // The scalar goes through %v: 2e+06 is a decimal exponent.
        assert_eq!(ok("multiply", &[s("1Ki"), n(2_000_000.0)]), s("2000000Ki"));
        assert_eq!(ok("multiply", &[s("1"), n(0.5)]), s("500m"));
        // A scalar below a nano rounds up to 1n when parsed.
        assert_eq!(ok("multiply", &[s("1"), n(1.5e-10)]), s("1n"));
        assert_eq!(ok("multiply", &[s("1.5Gi"), n(2.0)]), s("3Gi"));
        assert_eq!(ok("multiply", &[s("1s"), n(0.5)]), s("500ms"));
        assert_eq!(ok("multiply", &[s("1Ki"), n(0.5)]), s("512"));
    }

    #[test]
    fn divide_cases() {
        assert_eq!(ok("divide", &[s("256M"), s("256M")]), n(1.0));
        assert_eq!(ok("divide", &[s("512M"), s("256M")]), n(2.0));
        assert_eq!(ok("divide", &[s("8"), s("3")]), n(8.0 / 3.0));
        assert_eq!(ok("divide", &[s("128M"), s("256M")]), n(0.5));
        assert_eq!(ok("divide", &[s("12Ki"), n(3.0)]), s("4Ki"));
        assert_eq!(ok("divide", &[s("12Ki"), s("2Ki")]), n(6.0));
        assert_eq!(ok("divide", &[s("12Ki"), s("200")]), n(61.44));
        assert_eq!(err("divide", &[s("12Ki"), s("2s")]), "Types mismatch");
        assert_eq!(ok("divide", &[s("12s"), n(3.0)]), s("4s"));
        assert_eq!(ok("divide", &[s("12s"), s("5s")]), n(2.4));
        assert_eq!(err("divide", &[s("12s"), s("4Ki")]), "Types mismatch");
        assert_eq!(err("divide", &[s("12s"), s("4")]), "Types mismatch");
        assert_eq!(ok("divide", &[n(14.0), n(3.0)]), n(4.666666666666667));
        assert_eq!(err("divide", &[n(14.0), s("5s")]), "Types mismatch");
        assert_eq!(err("divide", &[n(14.0), s("5Ki")]), "Types mismatch");
        assert_eq!(err("divide", &[n(14.0), s("5")]), "Types mismatch");
        for (a, b) in [
            (n(14.0), n(0.0)),
            (s("4Ki"), n(0.0)),
            (s("4Ki"), s("0Ki")),
            (s("4"), n(0.0)),
            (s("4"), s("0")),
            (s("4s"), n(0.0)),
            (s("4s"), s("0s")),
        ] {
            assert_eq!(err("divide", &[a, b]), "Zero divisor passed");
        }
        // Quantity by scalar rounds down at the larger scale of the two.
        assert_eq!(ok("divide", &[s("10"), n(3.0)]), s("3"));
        assert_eq!(ok("divide", &[s("1.0"), n(3.0)]), s("300m"));
        assert_eq!(ok("divide", &[s("10Mi"), s("5Ki")]), n(2048.0));
        assert_eq!(ok("divide", &[s("1Gi"), n(1.5)]), s("715827882600m"));
    }

    #[test]
    fn modulo_cases() {
        assert_eq!(err("modulo", &[s("12"), s("13s")]), "Types mismatch");
        assert_eq!(err("modulo", &[s("12Ki"), s("13s")]), "Types mismatch");
        assert_eq!(err("modulo", &[s("12Ki"), n(13.0)]), "Types mismatch");
        assert_eq!(ok("modulo", &[s("12Ki"), s("5Ki")]), s("2Ki"));
        assert_eq!(err("modulo", &[s("13s"), s("12")]), "Types mismatch");
        assert_eq!(err("modulo", &[s("13s"), s("12Ki")]), "Types mismatch");
        assert_eq!(ok("modulo", &[s("13s"), s("2s")]), s("1s"));
        assert_eq!(err("modulo", &[s("13s"), n(2.0)]), "Types mismatch");
        assert_eq!(err("modulo", &[n(13.0), s("12")]), "Types mismatch");
        assert_eq!(err("modulo", &[n(13.0), s("12Ki")]), "Types mismatch");
        assert_eq!(err("modulo", &[n(13.0), s("5s")]), "Types mismatch");
        assert_eq!(ok("modulo", &[n(13.0), n(5.0)]), n(3.0));
        assert_eq!(err("modulo", &[n(14.0), n(0.0)]), "Zero divisor passed");
        assert_eq!(err("modulo", &[s("4Ki"), n(0.0)]), "Types mismatch");
        assert_eq!(err("modulo", &[s("4Ki"), s("0Ki")]), "Zero divisor passed");
        assert_eq!(err("modulo", &[s("4"), n(0.0)]), "Types mismatch");
        assert_eq!(err("modulo", &[s("4"), s("0")]), "Zero divisor passed");
        assert_eq!(err("modulo", &[s("4s"), n(0.0)]), "Types mismatch");
        assert_eq!(err("modulo", &[s("4s"), s("0s")]), "Zero divisor passed");
        let non_int = "Non-integer argument(s) passed for modulo";
        assert_eq!(err("modulo", &[s("4"), s("1.5")]), non_int);
        assert_eq!(err("modulo", &[s("4.5"), s("1")]), non_int);
        assert_eq!(err("modulo", &[n(14.0), n(1.5)]), non_int);
        assert_eq!(err("modulo", &[n(14.5), n(2.0)]), non_int);
        assert_eq!(ok("modulo", &[n(-7.0), n(3.0)]), n(-1.0)); // truncated, like Go
        assert_eq!(ok("modulo", &[s("10"), s("3")]), s("1"));
        assert_eq!(ok("modulo", &[s("1Gi"), s("300Mi")]), s("124Mi"));
    }

    #[test]
    fn round_cases() {
        assert_eq!(ok("round", &[n(9.414675), n(2.0)]), n(9.41));
        assert_eq!(ok("round", &[n(14.123), n(6.0)]), n(14.123));
        assert_eq!(ok("round", &[n(10.125), n(2.0)]), n(10.13));
        assert_eq!(ok("round", &[n(2.5), n(0.0)]), n(3.0));
        assert_eq!(ok("round", &[n(-2.5), n(0.0)]), n(-3.0));
        assert_eq!(
            err("round", &[n(14.0), n(1.5)]),
            "Non-integer argument(s) passed for round off"
        );
        assert_eq!(
            err("round", &[n(14.0), n(-2.0)]),
            "%!d(MISSING) argument is out of bounds (%!d(MISSING))"
        );
        assert_eq!(go_pow10_int(2), 100.0);
        assert_eq!(go_pow10_int(22), 1e22);
    }
}
