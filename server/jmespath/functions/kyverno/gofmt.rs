//! Go's ways of turning numbers into text, reproduced where Kyverno's output depends on them:
//! `strconv.FormatFloat(f, 'f', -1, 32)` (number arguments of the regex functions and keys of
//! `object_from_lists`), `%v`/`%g` (numbers re-parsed as quantities, error messages), and Go's
//! float-to-int conversion as the amd64 machine performs it.

/// The shortest decimal digits that read back to `f` (as f64 or f32), with the position of the
/// decimal point: `1.5` → ("15", 1), `0.001` → ("1", -2). `f` must be finite and non-zero.
fn shortest_digits(f: f64, single: bool) -> (String, i32) {
    let text = if single {
        format!("{:e}", (f as f32).abs())
    } else {
        format!("{:e}", f.abs())
    };
    let (mantissa, exp) = text.split_once('e').unwrap_or((text.as_str(), "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(|c| c.is_ascii_digit()).collect();
    let digits = digits.trim_end_matches('0');
    let digits = if digits.is_empty() { "0" } else { digits };
    (digits.to_string(), exp + 1)
}

fn special(f: f64) -> Option<String> {
    if f.is_nan() {
        Some("NaN".into())
    } else if f.is_infinite() {
        Some(if f > 0.0 { "+Inf" } else { "-Inf" }.into())
    } else {
        None
    }
}

/// Fixed notation with `frac` digits after the point, from shortest digits.
fn fixed(neg: bool, digits: &str, dp: i32, frac: usize) -> String {
    let d = digits.as_bytes();
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    if dp > 0 {
        for i in 0..dp as usize {
            out.push(*d.get(i).unwrap_or(&b'0') as char);
        }
    } else {
        out.push('0');
    }
    if frac > 0 {
        out.push('.');
        for i in 0..frac {
            let idx = dp as i64 + i as i64;
            let c = if idx >= 0 && (idx as usize) < d.len() {
                d[idx as usize] as char
            } else {
                '0'
            };
            out.push(c);
        }
    }
    out
}

/// `strconv.FormatFloat(f, 'f', -1, 32)`: the value rounded to float32, in plain decimal
/// notation with the fewest digits that identify that float32. `16777217` → `"16777216"`.
pub fn format_float32_f(f: f64) -> String {
    let single = f as f32;
    if let Some(s) = special(single as f64) {
        return s;
    }
    let neg = single.is_sign_negative();
    if single == 0.0 {
        return if neg { "-0".into() } else { "0".into() };
    }
    let (digits, dp) = shortest_digits(single as f64, true);
    let frac = (digits.len() as i32 - dp).max(0) as usize;
    fixed(neg, &digits, dp, frac)
}

/// Go's `%v` (and `%g`) for a float64: shortest digits, exponent notation when the decimal
/// exponent is below -4 or at least 6 (`1e+06`, `1.5e-05`), plain notation otherwise.
pub fn format_g(f: f64) -> String {
    if let Some(s) = special(f) {
        return s;
    }
    let neg = f.is_sign_negative();
    if f == 0.0 {
        return if neg { "-0".into() } else { "0".into() };
    }
    let (digits, dp) = shortest_digits(f, false);
    let exp = dp - 1;
    if !(-4..6).contains(&exp) {
        let mut out = String::new();
        if neg {
            out.push('-');
        }
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('e');
        out.push(if exp < 0 { '-' } else { '+' });
        let e = exp.unsigned_abs();
        if e < 10 {
            out.push('0');
        }
        out.push_str(&e.to_string());
        out
    } else {
        let frac = (digits.len() as i32 - dp).max(0) as usize;
        fixed(neg, &digits, dp, frac)
    }
}

/// Go's `int64(f)` on amd64: truncation toward zero; NaN and out-of-range values give
/// the "integer indefinite" value, `math.MinInt64`.
pub fn go_f64_to_i64(f: f64) -> i64 {
    if f.is_nan() || !(-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&f) {
        i64::MIN
    } else {
        f.trunc() as i64
    }
}

/// Go's `strconv.Quote` for the strings that appear in error messages.
pub fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float32_fixed() {
        assert_eq!(format_float32_f(12.0), "12");
        assert_eq!(format_float32_f(-12.5), "-12.5");
        assert_eq!(format_float32_f(16777217.0), "16777216");
        assert_eq!(format_float32_f(0.1), "0.1");
        assert_eq!(format_float32_f(1e20), "100000000000000000000");
        assert_eq!(format_float32_f(1e-7), "0.0000001");
        assert_eq!(format_float32_f(1e300), "+Inf");
        assert_eq!(format_float32_f(0.0), "0");
        assert_eq!(format_float32_f(1.23456789), "1.2345679");
    }

    #[test]
    fn percent_v() {
        assert_eq!(format_g(2.5), "2.5");
        assert_eq!(format_g(2.0), "2");
        assert_eq!(format_g(123456.0), "123456");
        assert_eq!(format_g(1_000_000.0), "1e+06");
        assert_eq!(format_g(1_234_567.0), "1.234567e+06");
        assert_eq!(format_g(0.0001), "0.0001");
        assert_eq!(format_g(0.00001), "1e-05");
        assert_eq!(format_g(-0.5), "-0.5");
        assert_eq!(format_g(1e100), "1e+100");
        assert_eq!(format_g(1.5), "1.5");
    }

    #[test]
    fn float_to_int() {
        assert_eq!(go_f64_to_i64(2.9), 2);
        assert_eq!(go_f64_to_i64(-2.9), -2);
        assert_eq!(go_f64_to_i64(1e300), i64::MIN);
        assert_eq!(go_f64_to_i64(f64::NAN), i64::MIN);
    }

    #[test]
    fn quoting() {
        assert_eq!(go_quote("a\"b\n"), "\"a\\\"b\\n\"");
    }
}
