//! Scalar resolution as Kubernetes does it: sigs.k8s.io/yaml decodes with go-yaml v2, which
//! follows YAML 1.1 (`yes`, `on`, `y` are booleans; `0777` is octal; `_` separates digits).

/// The type and value a scalar resolves to. Strings keep their text in [`super::Scalar`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Resolved {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str,
}

impl Resolved {
    pub fn type_name(self) -> &'static str {
        match self {
            Resolved::Null => "null",
            Resolved::Bool(_) => "boolean",
            Resolved::Int(_) => "integer",
            Resolved::Float(_) => "number",
            Resolved::Str => "string",
        }
    }
}

/// Plain words that YAML 1.1 reads as booleans but YAML 1.2 (and most people) read as strings.
pub fn yaml11_only_bool(text: &str) -> Option<bool> {
    match text {
        "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" => Some(true),
        "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" => Some(false),
        _ => None,
    }
}

/// Resolves an untagged plain scalar.
pub fn resolve_plain(text: &str) -> Resolved {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Resolved::Null,
        "true" | "True" | "TRUE" => return Resolved::Bool(true),
        "false" | "False" | "FALSE" => return Resolved::Bool(false),
        ".nan" | ".NaN" | ".NAN" => return Resolved::Float(f64::NAN),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Resolved::Float(f64::INFINITY);
        }
        "-.inf" | "-.Inf" | "-.INF" => return Resolved::Float(f64::NEG_INFINITY),
        _ => {}
    }
    if let Some(b) = yaml11_only_bool(text) {
        return Resolved::Bool(b);
    }
    let first = text.as_bytes()[0];
    if first.is_ascii_digit() || first == b'+' || first == b'-' {
        let plain: String = text.chars().filter(|&c| c != '_').collect();
        if let Some(i) = parse_go_int(&plain) {
            return Resolved::Int(i);
        }
        if is_yaml_float(&plain) {
            if let Ok(f) = plain.parse::<f64>() {
                return Resolved::Float(f);
            }
        }
        return Resolved::Str;
    }
    if first == b'.' {
        if let Ok(f) = text.parse::<f64>() {
            if is_yaml_float(text) {
                return Resolved::Float(f);
            }
        }
    }
    Resolved::Str
}

/// Resolves a scalar carrying an explicit core tag such as `!!str` or `!!int`.
pub fn resolve_tagged(suffix: &str, text: &str) -> Resolved {
    match suffix {
        "str" | "binary" | "timestamp" => Resolved::Str,
        "null" => Resolved::Null,
        _ => resolve_plain(text),
    }
}

/// Go's `strconv.ParseInt(s, 0, 64)`: optional sign, then `0x`, `0o`, `0b`, a leading `0`
/// (octal) or decimal digits.
fn parse_go_int(s: &str) -> Option<i64> {
    let (neg, body) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    if body.is_empty() {
        return None;
    }
    let lower = body.to_ascii_lowercase();
    let (radix, digits) = if let Some(d) = lower.strip_prefix("0x") {
        (16, d)
    } else if let Some(d) = lower.strip_prefix("0o") {
        (8, d)
    } else if let Some(d) = lower.strip_prefix("0b") {
        (2, d)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, &lower[1..])
    } else {
        (10, lower.as_str())
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let magnitude = i128::from_str_radix(digits, radix).ok()?;
    let v = if neg { -magnitude } else { magnitude };
    i64::try_from(v).ok()
}

/// go-yaml v2's float syntax: `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`.
fn is_yaml_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'+' | b'-')) {
        i += 1;
    }
    let int_start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let int_digits = i - int_start;
    if i < b.len() && b[i] == b'.' {
        i += 1;
        let frac_start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if int_digits == 0 && i == frac_start {
            return false;
        }
    } else if int_digits == 0 {
        return false;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let exp_start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == exp_start {
            return false;
        }
    }
    i == b.len()
}

#[cfg(test)]
mod tests {
    use super::{Resolved::*, resolve_plain};

    #[test]
    fn yaml_1_1_scalars() {
        assert_eq!(resolve_plain("yes"), Bool(true));
        assert_eq!(resolve_plain("Off"), Bool(false));
        assert_eq!(resolve_plain("n"), Bool(false));
        assert_eq!(resolve_plain("~"), Null);
        assert_eq!(resolve_plain("0777"), Int(511));
        assert_eq!(resolve_plain("0x1F"), Int(31));
        assert_eq!(resolve_plain("1_000"), Int(1000));
        assert_eq!(resolve_plain("-12"), Int(-12));
        assert_eq!(resolve_plain("08"), Float(8.0));
        assert_eq!(resolve_plain("1.5e3"), Float(1500.0));
        assert_eq!(resolve_plain(".5"), Float(0.5));
        assert_eq!(resolve_plain("1e3"), Float(1000.0));
        assert_eq!(resolve_plain("1.2.3"), Str);
        assert_eq!(resolve_plain("512Mi"), Str);
        assert_eq!(resolve_plain("-"), Str);
        assert_eq!(resolve_plain("nginx:1.2"), Str);
        assert_eq!(resolve_plain("yess"), Str);
    }
}
