//! Kubernetes `resource.Quantity` as Kyverno's arithmetic uses it: `ParseQuantity` (including
//! its rounding of sub-nano values up to 1n and its 2^63-1 cap on binary quantities) and the
//! canonical string form (`1.5Gi` → `1536Mi`, `0.5` → `500m`, `1Gi+1` → `1073741825`).
//!
//! A value is `mant × 10^exp`. Kubernetes keeps a quantity either as an int64 with a decimal
//! exponent or as an `inf.Dec`; both map onto this pair exactly, and we keep the pair the way
//! Kubernetes would, because `divide` rounds at the larger of the operands' scales and
//! `AsApproximateFloat64` multiplies the mantissa by a power of ten. Mantissas are i128: values
//! beyond about 10^29 (after Kubernetes rescales them to nano units) are reported as too large
//! instead of being computed with unbounded integers.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    DecimalExponent,
    BinarySI,
    DecimalSI,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Quantity {
    pub mant: i128,
    pub exp: i32,
    pub format: Format,
}

/// Why a string is not a quantity. Only `TooLarge` is ever shown to a user: the others make
/// Kyverno try the string as a duration instead.
#[derive(Debug, Clone, PartialEq)]
pub enum ParseError {
    Format,
    Numeric,
    Suffix,
    TooLarge,
}

pub const TOO_LARGE: &str = "quantity is too large for kyverno-ls to compute exactly";

fn pow10(n: u32) -> Option<i128> {
    10i128.checked_pow(n)
}

/// Go's `parseQuantityString`: sign, number (leading zeros stripped), fraction, suffix.
fn parse_quantity_string(s: &str) -> Result<(bool, &str, &str, &str, &str), ParseError> {
    let b = s.as_bytes();
    let end = b.len();
    let mut positive = true;
    let mut pos = 0;
    if pos < end {
        match b[0] {
            b'-' => {
                positive = false;
                pos += 1;
            }
            b'+' => pos += 1,
            _ => {}
        }
    }
    // Strip leading zeros.
    let mut i = pos;
    loop {
        if i >= end {
            return Ok((positive, "0", "0", "", ""));
        }
        if b[i] == b'0' {
            pos += 1;
            i += 1;
        } else {
            break;
        }
    }
    // Numerator.
    let mut i = pos;
    let mut num;
    loop {
        if i >= end {
            num = &s[pos..end];
            return Ok((
                positive,
                &s[..end],
                if num.is_empty() { "0" } else { num },
                "",
                "",
            ));
        }
        if b[i].is_ascii_digit() {
            i += 1;
        } else {
            num = &s[pos..i];
            pos = i;
            break;
        }
    }
    if num.is_empty() {
        num = "0";
    }
    let mut denom = "";
    if pos < end && b[pos] == b'.' {
        pos += 1;
        let mut i = pos;
        loop {
            if i >= end {
                denom = &s[pos..end];
                return Ok((positive, &s[..end], num, denom, ""));
            }
            if b[i].is_ascii_digit() {
                i += 1;
            } else {
                denom = &s[pos..i];
                pos = i;
                break;
            }
        }
    }
    let value = &s[..pos];
    let suffix_start = pos;
    let mut i = pos;
    loop {
        if i >= end {
            return Ok((positive, value, num, denom, &s[suffix_start..end]));
        }
        if !b"eEinumkKMGTP".contains(&b[i]) {
            pos = i;
            break;
        }
        i += 1;
    }
    if pos < end && (b[pos] == b'-' || b[pos] == b'+') {
        pos += 1;
    }
    let mut i = pos;
    loop {
        if i >= end {
            return Ok((positive, value, num, denom, &s[suffix_start..end]));
        }
        if b[i].is_ascii_digit() {
            i += 1;
        } else {
            return Err(ParseError::Format);
        }
    }
}

/// Go's `strconv.ParseInt(s, 10, 64)`.
fn go_parse_int(s: &str) -> Option<i64> {
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    if body.is_empty() || !body.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    s.parse::<i64>().ok()
}

/// The suffix's base, exponent and format.
fn interpret(suffix: &str) -> Option<(u32, i32, Format)> {
    let dec = |e| Some((10, e, Format::DecimalSI));
    let bin = |e| Some((2, e, Format::BinarySI));
    match suffix {
        "" => dec(0),
        "n" => dec(-9),
        "u" => dec(-6),
        "m" => dec(-3),
        "k" => dec(3),
        "M" => dec(6),
        "G" => dec(9),
        "T" => dec(12),
        "P" => dec(15),
        "E" => dec(18),
        "Ki" => bin(10),
        "Mi" => bin(20),
        "Gi" => bin(30),
        "Ti" => bin(40),
        "Pi" => bin(50),
        "Ei" => bin(60),
        _ if suffix.len() > 1 && (suffix.starts_with('e') || suffix.starts_with('E')) => {
            let parsed = go_parse_int(&suffix[1..])?;
            Some((10, parsed as i32, Format::DecimalExponent))
        }
        _ => None,
    }
}

/// `inf.Dec.SetString` on the numeric text: unscaled digits and the number of fraction digits.
fn dec_set_string(value: &str) -> Option<(i128, i32)> {
    let (neg, body) = match value.as_bytes().first() {
        Some(b'-') => (true, &value[1..]),
        Some(b'+') => (false, &value[1..]),
        _ => (false, value),
    };
    let (int, frac) = match body.split_once('.') {
        Some((i, f)) => (i, f),
        None => (body, ""),
    };
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    let digits: String = format!("{int}{frac}");
    let digits = digits.trim_start_matches('0');
    let mut unscaled: i128 = 0;
    for c in digits.bytes() {
        unscaled = unscaled.checked_mul(10)?.checked_add((c - b'0') as i128)?;
    }
    Some((if neg { -unscaled } else { unscaled }, frac.len() as i32))
}

/// Go's `resource.ParseQuantity`.
pub fn parse(s: &str) -> Result<Quantity, ParseError> {
    if s.is_empty() {
        return Err(ParseError::Format);
    }
    if s == "0" {
        return Ok(Quantity {
            mant: 0,
            exp: 0,
            format: Format::DecimalSI,
        });
    }
    let (positive, value, num, denom, suffix) = parse_quantity_string(s)?;
    let (base, exponent, mut format) = interpret(suffix).ok_or(ParseError::Suffix)?;

    let precision: i64;
    let mut scale: i64 = 0;
    let mut mantissa: i64 = 1;
    match format {
        Format::DecimalExponent | Format::DecimalSI => {
            scale = exponent as i64;
            precision = 18 - (num.len() + denom.len()) as i64;
        }
        Format::BinarySI => {
            if exponent >= 0 && denom.is_empty() {
                mantissa = 1i64 << exponent;
                precision =
                    15 - num.len() as i64 - ((exponent as f32) * 3.0 / 10.0) as i32 as i64 - 1;
            } else {
                precision = -1;
            }
        }
    }
    if precision >= 0 {
        scale -= denom.len() as i64;
        if scale >= -9 {
            let shifted = format!("{num}{denom}");
            let v: i64 = shifted.parse().map_err(|_| ParseError::Numeric)?;
            if let Some(result) = v.checked_mul(mantissa) {
                let result = if positive { result } else { -result };
                return Ok(Quantity {
                    mant: result as i128,
                    exp: scale as i32,
                    format,
                });
            }
        }
    }

    // The inf.Dec path.
    let (mut unscaled, frac) = dec_set_string(value).ok_or(ParseError::Numeric)?;
    let mut exp: i64 = -(frac as i64);
    let mut capped = false;
    if base == 10 {
        exp += exponent as i64;
    } else {
        match unscaled.checked_mul(1i128 << exponent) {
            Some(v) => unscaled = v,
            None => capped = true, // far beyond the 2^63-1 cap applied below
        }
    }
    let negative = unscaled < 0;
    let mut amount = unscaled.abs();
    // Round non-zero values up to nano units (scale 9), away from zero.
    if amount != 0 && !capped {
        let target = -9i64;
        if exp >= target {
            let k = u32::try_from(exp - target).map_err(|_| ParseError::TooLarge)?;
            amount = pow10(k)
                .and_then(|p| amount.checked_mul(p))
                .ok_or(ParseError::TooLarge)?;
        } else {
            let k = u32::try_from(target - exp).unwrap_or(u32::MAX);
            amount = match pow10(k) {
                Some(p) => amount / p + i128::from(amount % p != 0),
                None => 1,
            };
        }
        exp = target;
    }
    const MAX_ALLOWED: i128 = i64::MAX as i128;
    if format == Format::BinarySI {
        let above = capped || cmp_value(amount, exp, MAX_ALLOWED) == std::cmp::Ordering::Greater;
        if above {
            amount = MAX_ALLOWED;
            exp = 0;
        }
        if amount > 0 && cmp_value(amount, exp, 1) == std::cmp::Ordering::Less {
            format = Format::DecimalSI;
        }
    }
    let exp = i32::try_from(exp).map_err(|_| ParseError::TooLarge)?;
    Ok(Quantity {
        mant: if negative { -amount } else { amount },
        exp,
        format,
    })
}

/// Compares `mant × 10^exp` with the integer `n`.
fn cmp_value(mant: i128, exp: i64, n: i128) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    if exp >= 0 {
        match u32::try_from(exp)
            .ok()
            .and_then(pow10)
            .and_then(|p| mant.checked_mul(p))
        {
            Some(v) => v.cmp(&n),
            None => {
                if mant > 0 {
                    Ordering::Greater
                } else if mant < 0 {
                    Ordering::Less
                } else {
                    0.cmp(&n)
                }
            }
        }
    } else {
        match u32::try_from(-exp)
            .ok()
            .and_then(pow10)
            .and_then(|p| n.checked_mul(p))
        {
            Some(scaled) => mant.cmp(&scaled),
            // 10^-exp is astronomically large: mant × 10^exp is within (-1, 1).
            None => {
                if n > 0 {
                    Ordering::Less
                } else if n < 0 {
                    Ordering::Greater
                } else {
                    mant.cmp(&0)
                }
            }
        }
    }
}

/// Go's `math.Pow10`.
pub fn go_pow10(n: i32) -> f64 {
    const POS: [f64; 32] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
        1e17, 1e18, 1e19, 1e20, 1e21, 1e22, 1e23, 1e24, 1e25, 1e26, 1e27, 1e28, 1e29, 1e30, 1e31,
    ];
    const POS32: [f64; 10] = [
        1e0, 1e32, 1e64, 1e96, 1e128, 1e160, 1e192, 1e224, 1e256, 1e288,
    ];
    const NEG32: [f64; 11] = [
        1e-0, 1e-32, 1e-64, 1e-96, 1e-128, 1e-160, 1e-192, 1e-224, 1e-256, 1e-288, 1e-320,
    ];
    if (0..=308).contains(&n) {
        return POS32[(n / 32) as usize] * POS[(n % 32) as usize];
    }
    if (-323..=0).contains(&n) {
        let m = -n;
        return NEG32[(m / 32) as usize] / POS[(m % 32) as usize];
    }
    if n > 0 { f64::INFINITY } else { 0.0 }
}

impl Quantity {
    pub fn is_zero(&self) -> bool {
        self.mant == 0
    }

    /// `AsApproximateFloat64`.
    pub fn approx_f64(&self) -> f64 {
        let base = self.mant as f64;
        if self.exp == 0 {
            return base;
        }
        base * go_pow10(self.exp)
    }

    /// The same value with trailing zeros moved into the exponent (for exact arithmetic).
    fn normalized(&self) -> (i128, i64) {
        let (mut m, mut e) = (self.mant, self.exp as i64);
        if m == 0 {
            return (0, 0);
        }
        while m % 10 == 0 {
            m /= 10;
            e += 1;
        }
        (m, e)
    }

    fn from_parts(m: i128, e: i64, format: Format) -> Result<Quantity, String> {
        Ok(Quantity {
            mant: m,
            exp: i32::try_from(e).map_err(|_| TOO_LARGE.to_string())?,
            format,
        })
    }

    /// `Add`: the sum keeps the first operand's format unless the first operand is zero.
    pub fn add(&self, other: &Quantity) -> Result<Quantity, String> {
        let format = if self.is_zero() {
            other.format
        } else {
            self.format
        };
        let (m1, e1) = self.normalized();
        let (m2, e2) = other.normalized();
        let (m, e) = add_parts(m1, e1, m2, e2).ok_or_else(|| TOO_LARGE.to_string())?;
        Quantity::from_parts(m, e, format)
    }

    /// `Sub`, with `Add`'s format rule.
    pub fn sub(&self, other: &Quantity) -> Result<Quantity, String> {
        let neg = Quantity {
            mant: other
                .mant
                .checked_neg()
                .ok_or_else(|| TOO_LARGE.to_string())?,
            exp: other.exp,
            format: other.format,
        };
        self.add(&neg)
    }

    /// `NewDecimalQuantity(a.AsDec() × b.AsDec(), a.Format)`.
    pub fn mul(&self, other: &Quantity) -> Result<Quantity, String> {
        let (m1, e1) = self.normalized();
        let (m2, e2) = other.normalized();
        let m = m1.checked_mul(m2).ok_or_else(|| TOO_LARGE.to_string())?;
        Quantity::from_parts(m, e1 + e2, self.format)
    }

    /// `QuoRound(a, b, scale, RoundDown)` with the larger of the two `inf.Dec` scales, in
    /// `a`'s format.
    pub fn div_round_down(&self, other: &Quantity) -> Result<Quantity, String> {
        let scale = (-(self.exp as i64)).max(-(other.exp as i64));
        // result = trunc(m1 × 10^(e1 + scale - e2) / m2)
        let k = self.exp as i64 + scale - other.exp as i64;
        let too_large = || TOO_LARGE.to_string();
        let (num, den) = if k >= 0 {
            let p = u32::try_from(k)
                .ok()
                .and_then(pow10)
                .ok_or_else(too_large)?;
            (self.mant.checked_mul(p).ok_or_else(too_large)?, other.mant)
        } else {
            match u32::try_from(-k)
                .ok()
                .and_then(pow10)
                .and_then(|p| other.mant.checked_mul(p))
            {
                Some(d) => (self.mant, d),
                // The divisor dwarfs the dividend: the quotient truncates to zero.
                None => (0, 1),
            }
        };
        if den == 0 {
            return Err("Zero divisor passed".into());
        }
        let quotient = num.checked_div(den).ok_or_else(|| TOO_LARGE.to_string())?;
        Quantity::from_parts(quotient, -scale, self.format)
    }

    /// Whether the value is an integer (Kubernetes' `AsScale(0)` is exact).
    fn integer_value(&self) -> Option<i128> {
        if self.exp >= 0 {
            u32::try_from(self.exp)
                .ok()
                .and_then(pow10)
                .and_then(|p| self.mant.checked_mul(p))
        } else {
            let p = u32::try_from(-self.exp).ok().and_then(pow10)?;
            (self.mant % p == 0).then(|| self.mant / p)
        }
    }

    /// The canonical string (`Quantity.String()` after arithmetic).
    pub fn canonical(&self) -> String {
        if self.mant == 0 {
            return "0".into();
        }
        let mut format = self.format;
        let mut binary_value = None;
        if format == Format::BinarySI {
            let small = cmp_value(self.mant, self.exp as i64, -1024) == std::cmp::Ordering::Greater
                && cmp_value(self.mant, self.exp as i64, 1024) == std::cmp::Ordering::Less;
            if small {
                format = Format::DecimalSI;
            } else {
                match self.integer_value() {
                    Some(v) => binary_value = Some(v),
                    None => format = Format::DecimalSI,
                }
            }
        }
        match (format, binary_value) {
            (Format::BinarySI, Some(v)) => {
                let neg = v < 0;
                let mut amount = v.unsigned_abs();
                let mut times = 0;
                while amount >= 1024 && amount % 1024 == 0 {
                    amount /= 1024;
                    times += 1;
                }
                let suffix = match times {
                    1 => "Ki",
                    2 => "Mi",
                    3 => "Gi",
                    4 => "Ti",
                    5 => "Pi",
                    6 => "Ei",
                    // 2^0 has no suffix; beyond Ei Kubernetes finds none and drops it.
                    _ => "",
                };
                format!("{}{amount}{suffix}", if neg { "-" } else { "" })
            }
            _ => {
                let neg = self.mant < 0;
                let digits = self.mant.unsigned_abs().to_string();
                let trimmed = digits.trim_end_matches('0');
                let mut exponent = self.exp as i64 + (digits.len() - trimmed.len()) as i64;
                let mut number = trimmed.to_string();
                let r = exponent.rem_euclid(3);
                for _ in 0..r {
                    number.push('0');
                }
                exponent -= r;
                let suffix = match (format, exponent) {
                    (Format::DecimalExponent, 0) => String::new(),
                    (Format::DecimalExponent, e) => format!("e{e}"),
                    (_, -9) => "n".into(),
                    (_, -6) => "u".into(),
                    (_, -3) => "m".into(),
                    (_, 0) => String::new(),
                    (_, 3) => "k".into(),
                    (_, 6) => "M".into(),
                    (_, 9) => "G".into(),
                    (_, 12) => "T".into(),
                    (_, 15) => "P".into(),
                    (_, 18) => "E".into(),
                    // No SI suffix: Kubernetes falls back to exponent notation.
                    (_, e) => format!("e{e}"),
                };
                format!("{}{number}{suffix}", if neg { "-" } else { "" })
            }
        }
    }

    /// `NewQuantity(v, format)`.
    pub fn from_int(v: i64, format: Format) -> Quantity {
        Quantity {
            mant: v as i128,
            exp: 0,
            format,
        }
    }
}

fn add_parts(m1: i128, e1: i64, m2: i128, e2: i64) -> Option<(i128, i64)> {
    if m1 == 0 {
        return Some((m2, e2));
    }
    if m2 == 0 {
        return Some((m1, e1));
    }
    let e = e1.min(e2);
    let a = m1.checked_mul(pow10(u32::try_from(e1 - e).ok()?)?)?;
    let b = m2.checked_mul(pow10(u32::try_from(e2 - e).ok()?)?)?;
    Some((a.checked_add(b)?, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canon(s: &str) -> String {
        parse(s).expect(s).canonical()
    }

    #[test]
    fn parse_and_print() {
        // Kubernetes' own table of canonical forms (quantity_test.go), as facts.
        for (input, want) in [
            ("0", "0"),
            ("0n", "0"),
            ("0u", "0"),
            ("0m", "0"),
            ("0Ki", "0"),
            ("0k", "0"),
            ("0Mi", "0"),
            ("0M", "0"),
            ("0Gi", "0"),
            ("0G", "0"),
            ("0Ti", "0"),
            ("0T", "0"),
            ("1n", "1n"),
            ("1u", "1u"),
            ("1m", "1m"),
            ("1Ki", "1Ki"),
            ("1k", "1k"),
            ("1Mi", "1Mi"),
            ("1M", "1M"),
            ("1Gi", "1Gi"),
            ("1G", "1G"),
            ("1Ti", "1Ti"),
            ("1T", "1T"),
            ("1Pi", "1Pi"),
            ("1P", "1P"),
            ("1Ei", "1Ei"),
            ("1E", "1E"),
            ("1.5Gi", "1536Mi"),
            ("0.5", "500m"),
            ("1.5", "1500m"),
            ("1500m", "1500m"),
            ("1000m", "1"),
            ("1024", "1024"),
            ("1024Mi", "1Gi"),
            ("1.000001Gi", "1073742897741824u"),
            ("0.5Ki", "512"),
            ("100.035k", "100035"),
            ("1e3", "1e3"),
            ("1E6", "1e6"),
            ("1e-3", "1e-3"),
            ("1.5e3", "1500"),
            ("12e3", "12e3"),
            ("-1", "-1"),
            ("-0.5", "-500m"),
            ("-1Ki", "-1Ki"),
            ("+5", "5"),
            ("0.001m", "1u"),
            ("0.0000000001", "1n"),
            ("1.0000000001", "1000000001n"),
            (".5", "500m"),
            ("5.", "5"),
            ("-", "0"),
            ("00.5", "500m"),
            ("8Ei", "9223372036854775807"),
            ("0.1Ki", "102400m"),
            ("100m", "100m"),
            ("1000k", "1M"),
            ("1001k", "1001k"),
            ("0.3Mi", "314572800m"),
        ] {
            assert_eq!(canon(input), want, "{input}");
        }
    }

    #[test]
    fn not_quantities() {
        for input in [
            "", "1h", "30s", "abc", "1.5.5", "5Ki5", "e", "1e", "1Kii", "1 ",
        ] {
            assert!(parse(input).is_err(), "{input} should not parse");
        }
    }

    #[test]
    fn representation() {
        // The fast path keeps int64 digits with their decimal exponent.
        assert_eq!(
            parse("12Ki").unwrap(),
            Quantity {
                mant: 12288,
                exp: 0,
                format: Format::BinarySI
            }
        );
        assert_eq!(
            parse("1.5").unwrap(),
            Quantity {
                mant: 15,
                exp: -1,
                format: Format::DecimalSI
            }
        );
        assert_eq!(
            parse("2k").unwrap(),
            Quantity {
                mant: 2,
                exp: 3,
                format: Format::DecimalSI
            }
        );
        // The inf.Dec path ends at nano scale.
        assert_eq!(
            parse("1.5Ki").unwrap(),
            Quantity {
                mant: 1_536_000_000_000,
                exp: -9,
                format: Format::BinarySI
            }
        );
        assert_eq!(parse("0.5Ki").unwrap().approx_f64(), 512.0);
    }

    #[test]
    fn arithmetic() {
        let q = |s| parse(s).unwrap();
        assert_eq!(q("1Gi").add(&q("512Mi")).unwrap().canonical(), "1536Mi");
        assert_eq!(q("12Ki").add(&q("13")).unwrap().canonical(), "12301");
        assert_eq!(q("12Ki").sub(&q("13Ki")).unwrap().canonical(), "-1Ki");
        assert_eq!(q("10Mi").sub(&q("5Ki")).unwrap().canonical(), "10235Ki");
        assert_eq!(q("0").add(&q("1Ki")).unwrap().canonical(), "1Ki");
        assert_eq!(q("1").add(&q("1Ki")).unwrap().canonical(), "1025");
        assert_eq!(q("12Ki").mul(&q("2")).unwrap().canonical(), "24Ki");
        assert_eq!(q("12").mul(&q("2.5")).unwrap().canonical(), "30");
        assert_eq!(
            q("12Ki").div_round_down(&q("3")).unwrap().canonical(),
            "4Ki"
        );
        assert_eq!(
            q("1.5").div_round_down(&q("2")).unwrap().canonical(),
            "700m"
        );
        assert_eq!(q("1k").div_round_down(&q("3")).unwrap().canonical(), "333");
    }

    #[test]
    fn pow10_like_go() {
        assert_eq!(go_pow10(0), 1.0);
        assert_eq!(go_pow10(3), 1000.0);
        assert_eq!(go_pow10(-9), 1.0 / 1e9);
        assert_eq!(go_pow10(400), f64::INFINITY);
        assert_eq!(go_pow10(-400), 0.0);
    }
}
