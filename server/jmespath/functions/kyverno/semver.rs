//! `semver_compare(version, range)`: blang/semver v4 `ParseRange(range)(Parse(version))`.
//! A version that does not parse is silently 0.0.0; a range that does not parse is an error
//! with blang's message. Ranges: `>=1.0.0 <2.0.0` (AND), `<1.0.0 || >2.0.0` (OR), operators
//! `= == ! != > >= < <=`, wildcards `1.x`, `1.2.x`.

use super::arg_str;
use super::gofmt::go_quote;
use crate::jmespath::functions::spec::Env;
use crate::jmespath::value::Value;
use std::cmp::Ordering;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Pre {
    Num(u64),
    Alpha(String),
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Version {
    major: u64,
    minor: u64,
    patch: u64,
    pre: Vec<Pre>,
}

const ALPHANUM: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-0123456789";

fn contains_only(s: &str, set: &str) -> bool {
    s.chars().all(|c| set.contains(c))
}

fn only_digits(s: &str) -> bool {
    s.bytes().all(|c| c.is_ascii_digit())
}

fn leading_zero(s: &str) -> bool {
    s.len() > 1 && s.starts_with('0')
}

fn parse_uint(s: &str) -> Result<u64, String> {
    if s.is_empty() || !only_digits(s) {
        return Err(format!(
            "strconv.ParseUint: parsing {}: invalid syntax",
            go_quote(s)
        ));
    }
    s.parse::<u64>().map_err(|_| {
        format!(
            "strconv.ParseUint: parsing {}: value out of range",
            go_quote(s)
        )
    })
}

fn parse_pre(s: &str) -> Result<Pre, String> {
    if s.is_empty() {
        return Err("Prerelease is empty".into());
    }
    if only_digits(s) {
        if leading_zero(s) {
            return Err(format!(
                "Numeric PreRelease version must not contain leading zeroes {}",
                go_quote(s)
            ));
        }
        return Ok(Pre::Num(parse_uint(s)?));
    }
    if contains_only(s, ALPHANUM) {
        return Ok(Pre::Alpha(s.to_string()));
    }
    Err(format!(
        "Invalid character(s) found in prerelease {}",
        go_quote(s)
    ))
}

/// blang's strict `Parse`: `MAJOR.MINOR.PATCH[-pre][+build]`, no `v`, no leading zeros.
pub fn parse_version(s: &str) -> Result<Version, String> {
    if s.is_empty() {
        return Err("Version string empty".into());
    }
    let parts: Vec<&str> = s.splitn(3, '.').collect();
    if parts.len() != 3 {
        return Err("No Major.Minor.Patch elements found".into());
    }
    let number = |p: &str, what: &str, cap: &str| -> Result<u64, String> {
        if !only_digits(p) {
            return Err(format!(
                "Invalid character(s) found in {what} number {}",
                go_quote(p)
            ));
        }
        if leading_zero(p) {
            return Err(format!(
                "{cap} number must not contain leading zeroes {}",
                go_quote(p)
            ));
        }
        parse_uint(p)
    };
    let major = number(parts[0], "major", "Major")?;
    let minor = number(parts[1], "minor", "Minor")?;
    let mut patch_str = parts[2];
    let mut build: Vec<&str> = Vec::new();
    let mut pre: Vec<&str> = Vec::new();
    if let Some(i) = patch_str.find('+') {
        build = patch_str[i + 1..].split('.').collect();
        patch_str = &patch_str[..i];
    }
    if let Some(i) = patch_str.find('-') {
        pre = patch_str[i + 1..].split('.').collect();
        patch_str = &patch_str[..i];
    }
    let patch = number(patch_str, "patch", "Patch")?;
    let pre = pre
        .into_iter()
        .map(parse_pre)
        .collect::<Result<Vec<_>, _>>()?;
    for b in build {
        if b.is_empty() {
            return Err("Build meta data is empty".into());
        }
        if !contains_only(b, ALPHANUM) {
            return Err(format!(
                "Invalid character(s) found in build meta data {}",
                go_quote(b)
            ));
        }
    }
    Ok(Version {
        major,
        minor,
        patch,
        pre,
    })
}

impl Version {
    pub fn major(&self) -> u64 {
        self.major
    }
    pub fn minor(&self) -> u64 {
        self.minor
    }
    pub fn patch(&self) -> u64 {
        self.patch
    }
    /// Precedence order (build metadata ignored), as blang's `Compare`.
    pub fn compare(&self, other: &Version) -> Ordering {
        compare(self, other)
    }
}

fn cmp_pre(a: &Pre, b: &Pre) -> Ordering {
    match (a, b) {
        (Pre::Num(_), Pre::Alpha(_)) => Ordering::Less,
        (Pre::Alpha(_), Pre::Num(_)) => Ordering::Greater,
        (Pre::Num(x), Pre::Num(y)) => x.cmp(y),
        (Pre::Alpha(x), Pre::Alpha(y)) => x.cmp(y),
    }
}

fn compare(v: &Version, o: &Version) -> Ordering {
    let core = (v.major, v.minor, v.patch).cmp(&(o.major, o.minor, o.patch));
    if core != Ordering::Equal {
        return core;
    }
    match (v.pre.is_empty(), o.pre.is_empty()) {
        (true, true) => return Ordering::Equal,
        (true, false) => return Ordering::Greater,
        (false, true) => return Ordering::Less,
        _ => {}
    }
    for (a, b) in v.pre.iter().zip(&o.pre) {
        let c = cmp_pre(a, b);
        if c != Ordering::Equal {
            return c;
        }
    }
    v.pre.len().cmp(&o.pre.len())
}

#[derive(Debug, Clone, Copy)]
enum Op {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
}

fn comparator(s: &str) -> Option<Op> {
    Some(match s {
        "" | "=" | "==" => Op::Eq,
        "!" | "!=" => Op::Ne,
        ">" => Op::Gt,
        ">=" => Op::Ge,
        "<" => Op::Lt,
        "<=" => Op::Le,
        _ => return None,
    })
}

/// A parsed range: OR of ANDs of (operator, version).
pub struct Range(Vec<Vec<(Op, Version)>>);

impl Range {
    pub fn matches(&self, v: &Version) -> bool {
        self.0.iter().any(|and| {
            and.iter().all(|(op, r)| {
                let c = compare(v, r);
                match op {
                    Op::Eq => c == Ordering::Equal,
                    Op::Ne => c != Ordering::Equal,
                    Op::Gt => c == Ordering::Greater,
                    Op::Ge => c != Ordering::Less,
                    Op::Lt => c == Ordering::Less,
                    Op::Le => c != Ordering::Greater,
                }
            })
        })
    }
}

/// blang's `splitAndTrim`: split on spaces, except spaces right after `>`, `<` or `=`, then
/// drop the spaces inside each part.
fn split_and_trim(s: &str) -> Vec<String> {
    let b = s.as_bytes();
    let mut result = Vec::new();
    let mut last = 0usize;
    let mut last_char = 0u8;
    for i in 0..b.len() {
        if b[i] == b' ' && !matches!(last_char, b'>' | b'<' | b'=') {
            if last + 1 < i {
                result.push(String::from_utf8_lossy(&b[last..i]).into_owned());
            }
            last = i + 1;
        } else if b[i] != b' ' {
            last_char = b[i];
        }
    }
    if last + 1 < b.len() {
        result.push(String::from_utf8_lossy(&b[last..]).into_owned());
    }
    result.into_iter().map(|p| p.replace(' ', "")).collect()
}

fn is_digit(c: char) -> bool {
    c.is_ascii_digit() || (!c.is_ascii() && c.is_numeric())
}

fn split_comparator_version(s: &str) -> Result<(String, String), String> {
    match s.char_indices().find(|&(_, c)| is_digit(c)) {
        Some((i, _)) => Ok((s[..i].trim().to_string(), s[i..].to_string())),
        None => Err(format!(
            "Could not get version from string: {}",
            go_quote(s)
        )),
    }
}

fn increment(v: &str, index: usize) -> String {
    let mut parts: Vec<String> = v.split('.').map(str::to_string).collect();
    match parts.get(index).and_then(|p| p.parse::<i64>().ok()) {
        Some(n) => {
            parts[index] = n.wrapping_add(1).to_string();
            parts.join(".")
        }
        None => String::new(),
    }
}

/// blang's `expandWildcardVersion` for one part.
fn expand_wildcard(ap: &str, out: &mut Vec<String>) -> Result<(), String> {
    if !ap.contains('x') {
        out.push(ap.to_string());
        return Ok(());
    }
    let (op, v) = split_comparator_version(ap)?;
    let parts: Vec<&str> = v.split('.').collect();
    // 3 parts ending in x: patch wildcard; 2 parts: minor wildcard.
    let kind = if parts.last() == Some(&"x") {
        parts.len()
    } else {
        0
    };
    let flat = {
        let v2 = v.replacen(".x.x", ".x", 1).replacen(".x", ".0", 1);
        if v2.split('.').count() == 2 {
            format!("{v2}.0")
        } else {
            v2
        }
    };
    let (result_op, bump) = match op.as_str() {
        ">" => (">=", true),
        ">=" => (">=", false),
        "<" => ("<", false),
        "<=" => ("<", true),
        "" | "=" | "==" => {
            out.push(format!(">={flat}"));
            ("<", true)
        }
        "!=" | "!" => {
            out.push(format!("<{flat}"));
            (">=", true)
        }
        _ => ("", false),
    };
    let version = if bump {
        match kind {
            3 => increment(&flat, 1),
            2 => increment(&flat, 0),
            _ => String::new(),
        }
    } else {
        flat
    };
    out.push(format!("{result_op}{version}"));
    Ok(())
}

/// blang's `ParseRange`.
pub fn parse_range(s: &str) -> Result<Range, String> {
    let parts = split_and_trim(s);
    let mut or_parts: Vec<Vec<String>> = Vec::new();
    let mut last = 0;
    for (i, p) in parts.iter().enumerate() {
        if p == "||" {
            if i == 0 {
                return Err("First element in range is '||'".into());
            }
            or_parts.push(parts[last..i].to_vec());
            last = i + 1;
        }
    }
    if last == parts.len() {
        return Err("Last element in range is '||'".into());
    }
    or_parts.push(parts[last..].to_vec());

    let mut expanded: Vec<Vec<String>> = Vec::new();
    for p in &or_parts {
        let mut out = Vec::new();
        for ap in p {
            expand_wildcard(ap, &mut out)?;
        }
        expanded.push(out);
    }

    let mut ors = Vec::new();
    for p in expanded {
        let mut ands = Vec::new();
        for ap in p {
            let (op_str, v_str) = split_comparator_version(&ap)?;
            let joined = format!("{op_str}{v_str}");
            let Some(op) = comparator(&op_str) else {
                return Err(format!(
                    "Could not parse Range {}: Could not parse comparator {} in {}",
                    go_quote(&ap),
                    go_quote(&op_str),
                    go_quote(&joined)
                ));
            };
            let v = parse_version(&v_str).map_err(|e| {
                format!(
                    "Could not parse Range {}: Could not parse version {} in {}: {e}",
                    go_quote(&ap),
                    go_quote(&v_str),
                    go_quote(&joined)
                )
            })?;
            ands.push((op, v));
        }
        ors.push(ands);
    }
    Ok(Range(ors))
}

pub fn semver_compare(args: &[Value], _: &Env) -> Result<Value, String> {
    let version = parse_version(arg_str(args, 0)?).unwrap_or_default();
    let range = parse_range(arg_str(args, 1)?)?;
    Ok(Value::Bool(range.matches(&version)))
}

#[cfg(test)]
mod tests {
    use super::super::testing::{err, ok};
    use super::*;

    fn sc(v: &str, r: &str) -> Value {
        ok("semver_compare", &[Value::from(v), Value::from(r)])
    }

    #[test]
    fn kyverno_cases() {
        assert_eq!(sc("4.1.3", ">=4.1.x"), Value::Bool(true));
        assert_eq!(sc("4.1.3", "!4.x.x"), Value::Bool(false));
        assert_eq!(sc("1.8.6", ">1.0.0 <2.0.0"), Value::Bool(true));
        assert_eq!(sc("2.1.5", "<2.0.0 || >=3.0.0"), Value::Bool(false));
        assert_eq!(sc("1.2.3", "1.2.4"), Value::Bool(false));
        assert_eq!(sc("1.2.3", "1.2.3"), Value::Bool(true));
    }

    #[test]
    fn ranges() {
        assert_eq!(sc("1.2.3", "1.2.x"), Value::Bool(true));
        assert_eq!(sc("1.3.0", "1.2.x"), Value::Bool(false));
        assert_eq!(sc("1.9.9", "1.x"), Value::Bool(true));
        assert_eq!(sc("2.0.0", "<=1.x"), Value::Bool(false));
        assert_eq!(sc("1.9.9", "<=1.x"), Value::Bool(true));
        assert_eq!(sc("2.0.0", ">1.x"), Value::Bool(true));
        assert_eq!(sc("1.5.0", ">= 1.0.0"), Value::Bool(true)); // space after operator
        assert_eq!(sc("1.5.0", ">1.0.0 <3.0.0 !1.5.0"), Value::Bool(false));
        assert_eq!(
            sc("3.1.1", ">1.0.0 <2.0.0 || >3.0.0 !4.2.1"),
            Value::Bool(true)
        );
        assert_eq!(
            sc("4.2.1", ">1.0.0 <2.0.0 || >3.0.0 !4.2.1"),
            Value::Bool(false)
        );
        // Pre-releases sort before their release.
        assert_eq!(sc("1.0.0-alpha", "<1.0.0"), Value::Bool(true));
        assert_eq!(sc("1.0.0-alpha.1", ">1.0.0-alpha"), Value::Bool(true));
        assert_eq!(sc("1.0.0-alpha.beta", ">1.0.0-alpha.1"), Value::Bool(true));
        assert_eq!(sc("1.0.0+build.5", "=1.0.0"), Value::Bool(true)); // build ignored
    }

    #[test]
    fn unparsable_version_is_zero() {
        assert_eq!(sc("v1.2.3", "=0.0.0"), Value::Bool(true));
        assert_eq!(sc("1.2", "<0.0.1"), Value::Bool(true));
        assert_eq!(sc("", ">=0.0.0"), Value::Bool(true));
        assert_eq!(sc("01.2.3", ">0.0.0"), Value::Bool(false));
        assert_eq!(sc("latest", ">1.0.0"), Value::Bool(false));
    }

    #[test]
    fn bad_ranges() {
        let e = |r: &str| err("semver_compare", &[Value::from("1.0.0"), Value::from(r)]);
        assert_eq!(e(""), "Last element in range is '||'");
        assert_eq!(e("|| 1.0.0"), "First element in range is '||'");
        assert_eq!(e("1.0.0 ||"), "Last element in range is '||'");
        assert_eq!(e("abc"), "Could not get version from string: \"abc\"");
        assert_eq!(
            e(">1.0"),
            "Could not parse Range \">1.0\": Could not parse version \"1.0\" in \">1.0\": No Major.Minor.Patch elements found"
        );
        assert_eq!(
            e("~1.0.0"),
            "Could not parse Range \"~1.0.0\": Could not parse comparator \"~\" in \"~1.0.0\""
        );
        assert_eq!(
            e(">=v1.0.0"),
            "Could not parse Range \">=v1.0.0\": Could not parse comparator \">=v\" in \">=v1.0.0\""
        );
    }
}
