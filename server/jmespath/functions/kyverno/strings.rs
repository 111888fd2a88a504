//! String functions: thin wrappers over Go's `strings` package, with Go's semantics where Rust's
//! differ (simple per-character case mapping, `Split("", "")`, `Replace` counts, rune-based
//! truncation, lexical path cleaning).

use super::gofmt::go_f64_to_i64;
use super::{arg_num, arg_str};
use crate::jmespath::functions::spec::Env;
use crate::jmespath::value::Value;

/// `compare(a, b)`: `strings.Compare`, byte-wise.
pub fn compare(args: &[Value], _: &Env) -> Result<Value, String> {
    let a = arg_str(args, 0)?;
    let b = arg_str(args, 1)?;
    let n = match a.cmp(b) {
        std::cmp::Ordering::Less => -1.0,
        std::cmp::Ordering::Equal => 0.0,
        std::cmp::Ordering::Greater => 1.0,
    };
    Ok(Value::Number(n))
}

/// `equal_fold(a, b)`: `strings.EqualFold`, Unicode simple case folding rune by rune.
pub fn equal_fold(args: &[Value], _: &Env) -> Result<Value, String> {
    let a = arg_str(args, 0)?;
    let b = arg_str(args, 1)?;
    Ok(Value::Bool(go_equal_fold(a, b)))
}

pub fn go_equal_fold(a: &str, b: &str) -> bool {
    let mut x = a.chars();
    let mut y = b.chars();
    loop {
        match (x.next(), y.next()) {
            (None, None) => return true,
            (Some(c), Some(d)) => {
                if !fold_eq(c, d) {
                    return false;
                }
            }
            _ => return false,
        }
    }
}

/// Whether two characters are in the same simple case-folding orbit (Go's `unicode.SimpleFold`).
fn fold_eq(c: char, d: char) -> bool {
    if c == d {
        return true;
    }
    // Dotted capital I and dotless small i fold only with themselves in Go.
    let excluded = |ch: char| ch == '\u{130}' || ch == '\u{131}';
    if excluded(c) || excluded(d) {
        return false;
    }
    single_lower(c) == single_lower(d) || single_upper(c) == single_upper(d)
}

fn single_lower(c: char) -> char {
    let mut it = c.to_lowercase();
    match (it.next(), it.next()) {
        (Some(l), None) => l,
        _ => c,
    }
}

fn single_upper(c: char) -> char {
    let mut it = c.to_uppercase();
    match (it.next(), it.next()) {
        (Some(u), None) => u,
        _ => c,
    }
}

/// Go's `unicode.ToUpper`: the simple (one character) uppercase mapping.
pub fn go_upper_char(c: char) -> char {
    let mut it = c.to_uppercase();
    match (it.next(), it.next()) {
        (Some(u), None) => u,
        _ => {
            // Characters whose full mapping has several characters but whose simple mapping
            // is a single (titlecase) character: Greek letters with ypogegrammeni.
            let cp = c as u32;
            let mapped = match cp {
                0x1F80..=0x1F87 | 0x1F90..=0x1F97 | 0x1FA0..=0x1FA7 => cp + 8,
                0x1FB3 => 0x1FBC,
                0x1FC3 => 0x1FCC,
                0x1FF3 => 0x1FFC,
                _ => cp,
            };
            char::from_u32(mapped).unwrap_or(c)
        }
    }
}

/// Go's `unicode.ToLower`: the simple (one character) lowercase mapping.
pub fn go_lower_char(c: char) -> char {
    let mut it = c.to_lowercase();
    match (it.next(), it.next()) {
        (Some(l), None) => l,
        _ if c == '\u{130}' => 'i',
        _ => c,
    }
}

pub fn go_to_upper(s: &str) -> String {
    s.chars().map(go_upper_char).collect()
}

pub fn go_to_lower(s: &str) -> String {
    s.chars().map(go_lower_char).collect()
}

/// `replace(str, old, new, n)`: `strings.Replace` with `int(n)`; a negative count replaces all.
pub fn replace(args: &[Value], _: &Env) -> Result<Value, String> {
    let s = arg_str(args, 0)?;
    let old = arg_str(args, 1)?;
    let new = arg_str(args, 2)?;
    let n = go_f64_to_i64(arg_num(args, 3)?);
    let count = usize::try_from(n).unwrap_or(usize::MAX);
    check_replace_size(s, old, new, count)?;
    let out = if n < 0 {
        s.replace(old, new)
    } else {
        s.replacen(old, new, count)
    };
    Ok(Value::from(out))
}

/// `replace_all(str, old, new)`: `strings.ReplaceAll`.
pub fn replace_all(args: &[Value], _: &Env) -> Result<Value, String> {
    let s = arg_str(args, 0)?;
    let old = arg_str(args, 1)?;
    let new = arg_str(args, 2)?;
    check_replace_size(s, old, new, usize::MAX)?;
    Ok(Value::from(s.replace(old, new)))
}

/// Refuses a replacement whose result would pass [`crate::limits::MAX_BUILT_STRING_BYTES`],
/// before building it.
fn check_replace_size(s: &str, old: &str, new: &str, n: usize) -> Result<(), String> {
    if new.len() <= old.len() {
        return Ok(());
    }
    let max = crate::limits::MAX_BUILT_STRING_BYTES;
    let grow = new.len() - old.len();
    let mut size = s.len();
    let matches: Box<dyn Iterator<Item = ()>> = if old.is_empty() {
        Box::new(s.char_indices().map(|_| ()).chain(std::iter::once(())))
    } else {
        Box::new(s.matches(old).map(|_| ()))
    };
    for _ in matches.take(n) {
        size = size.saturating_add(grow);
        if size > max {
            return Err(crate::limits::built_string_too_large());
        }
    }
    Ok(())
}

pub fn to_upper(args: &[Value], _: &Env) -> Result<Value, String> {
    Ok(Value::from(go_to_upper(arg_str(args, 0)?)))
}

pub fn to_lower(args: &[Value], _: &Env) -> Result<Value, String> {
    Ok(Value::from(go_to_lower(arg_str(args, 0)?)))
}

/// `trim(str, cutset)`: `strings.Trim`, removing any of the cutset's characters at both ends.
pub fn trim(args: &[Value], _: &Env) -> Result<Value, String> {
    let s = arg_str(args, 0)?;
    let cutset = arg_str(args, 1)?;
    Ok(Value::from(s.trim_matches(|c: char| cutset.contains(c))))
}

/// `trim_prefix(str, prefix)`: `strings.TrimPrefix`.
pub fn trim_prefix(args: &[Value], _: &Env) -> Result<Value, String> {
    let s = arg_str(args, 0)?;
    let prefix = arg_str(args, 1)?;
    Ok(Value::from(s.strip_prefix(prefix).unwrap_or(s)))
}

/// `split(str, sep)`: `strings.Split`. An empty separator splits after each character, and
/// splitting the empty string by it gives an empty array.
pub fn split(args: &[Value], _: &Env) -> Result<Value, String> {
    let s = arg_str(args, 0)?;
    let sep = arg_str(args, 1)?;
    let parts: Vec<Value> = if sep.is_empty() {
        s.chars().map(|c| Value::from(c.to_string())).collect()
    } else {
        s.split(sep).map(Value::from).collect()
    };
    Ok(Value::array(parts))
}

/// `truncate(str, length)`: the first `int(length)` characters (runes); negative → empty.
pub fn truncate(args: &[Value], _: &Env) -> Result<Value, String> {
    let s = arg_str(args, 0)?;
    let length = arg_num(args, 1)?;
    let length = if length < 0.0 { 0.0 } else { length };
    let n = go_f64_to_i64(length);
    if n < 0 {
        // Go converts a huge float to MinInt64 and then slices out of bounds (a panic).
        return Err(format!(
            "runtime error: slice bounds out of range [:{n}] (length {length} is too large)"
        ));
    }
    let n = usize::try_from(n).unwrap_or(usize::MAX);
    match s.char_indices().nth(n) {
        Some((at, _)) => Ok(Value::from(&s[..at])),
        None => Ok(Value::from(s)),
    }
}

/// `path_canonicalize(path)`: `filepath.Join(path)`, that is `filepath.Clean` (Linux rules)
/// for a non-empty path and `""` for the empty one.
pub fn path_canonicalize(args: &[Value], _: &Env) -> Result<Value, String> {
    let s = arg_str(args, 0)?;
    if s.is_empty() {
        return Ok(Value::from(""));
    }
    Ok(Value::from(go_clean_path(s)))
}

/// Go's `path.Clean`: lexical processing only, no file system access.
pub fn go_clean_path(path: &str) -> String {
    if path.is_empty() {
        return ".".into();
    }
    let p = path.as_bytes();
    let n = p.len();
    let rooted = p[0] == b'/';
    let mut out: Vec<u8> = Vec::with_capacity(n);
    let (mut r, mut dotdot) = (0usize, 0usize);
    if rooted {
        out.push(b'/');
        r = 1;
        dotdot = 1;
    }
    while r < n {
        if p[r] == b'/' || (p[r] == b'.' && (r + 1 == n || p[r + 1] == b'/')) {
            r += 1;
        } else if p[r] == b'.' && p[r + 1] == b'.' && (r + 2 == n || p[r + 2] == b'/') {
            r += 2;
            if out.len() > dotdot {
                out.pop();
                while out.len() > dotdot && out[out.len() - 1] != b'/' {
                    out.pop();
                }
                // Drop the separator before the removed element too.
                if out.len() > dotdot && out[out.len() - 1] == b'/' {
                    out.pop();
                }
            } else if !rooted {
                if !out.is_empty() {
                    out.push(b'/');
                }
                out.extend_from_slice(b"..");
                dotdot = out.len();
            }
        } else {
            if (rooted && out.len() != 1) || (!rooted && !out.is_empty()) {
                out.push(b'/');
            }
            while r < n && p[r] != b'/' {
                out.push(p[r]);
                r += 1;
            }
        }
    }
    if out.is_empty() {
        return ".".into();
    }
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// `to_boolean(str)`: `"true"`/`"false"` in any letter case.
pub fn to_boolean(args: &[Value], _: &Env) -> Result<Value, String> {
    let s = arg_str(args, 0)?;
    match go_to_lower(s).as_str() {
        "true" => Ok(Value::Bool(true)),
        "false" => Ok(Value::Bool(false)),
        _ => Err(format!(
            "lowercase argument must be 'true' or 'false' (provided: '{s}')"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{call, err, ok};
    use crate::jmespath::value::Value;

    fn s(v: &str) -> Value {
        Value::from(v)
    }
    fn n(v: f64) -> Value {
        Value::Number(v)
    }

    #[test]
    fn compare_cases() {
        assert_eq!(ok("compare", &[s("a"), s("a")]), n(0.0));
        assert_eq!(ok("compare", &[s("a"), s("b")]), n(-1.0));
        assert_eq!(ok("compare", &[s("b"), s("a")]), n(1.0));
        assert_eq!(ok("compare", &[s("B"), s("a")]), n(-1.0)); // byte-wise: 'B' < 'a'
        assert_eq!(ok("compare", &[s(""), s("a")]), n(-1.0));
        assert_eq!(ok("compare", &[s("é"), s("z")]), n(1.0)); // UTF-8 bytes, not locale
        assert_eq!(ok("compare", &[s("ab"), s("a")]), n(1.0)); // a prefix sorts first
    }

    #[test]
    fn equal_fold_cases() {
        assert_eq!(ok("equal_fold", &[s("Go"), s("go")]), Value::Bool(true));
        assert_eq!(ok("equal_fold", &[s("a"), s("b")]), Value::Bool(false));
        assert_eq!(ok("equal_fold", &[s("1"), s("b")]), Value::Bool(false));
        assert_eq!(
            ok("equal_fold", &[s("pIzZa"), s("PIZZA")]),
            Value::Bool(true)
        );
        // Kelvin sign and long s fold with k and s.
        assert_eq!(
            ok("equal_fold", &[s("\u{212A}"), s("k")]),
            Value::Bool(true)
        );
        assert_eq!(ok("equal_fold", &[s("\u{17F}"), s("S")]), Value::Bool(true));
        assert_eq!(ok("equal_fold", &[s("σ"), s("ς")]), Value::Bool(true));
        // Dotted I does not fold to i in Go; lengths must match rune for rune.
        assert_eq!(ok("equal_fold", &[s("İ"), s("i")]), Value::Bool(false));
        assert_eq!(ok("equal_fold", &[s("ß"), s("ss")]), Value::Bool(false));
        assert_eq!(ok("equal_fold", &[s("ab"), s("a")]), Value::Bool(false));
    }

    #[test]
    fn replace_cases() {
        let lorem = "Lorem ipsum ipsum ipsum dolor sit amet";
        assert_eq!(
            ok(
                "replace",
                &[
                    s("Lorem ipsum dolor sit amet"),
                    s("ipsum"),
                    s("muspi"),
                    n(-1.0)
                ]
            ),
            s("Lorem muspi dolor sit amet")
        );
        assert_eq!(
            ok("replace", &[s(lorem), s("ipsum"), s("muspi"), n(-1.0)]),
            s("Lorem muspi muspi muspi dolor sit amet")
        );
        assert_eq!(
            ok("replace", &[s(lorem), s("ipsum"), s("muspi"), n(1.0)]),
            s("Lorem muspi ipsum ipsum dolor sit amet")
        );
        // n is truncated to an integer; 0 replaces nothing.
        assert_eq!(
            ok("replace", &[s(lorem), s("ipsum"), s("X"), n(2.9)]),
            s("Lorem X X ipsum dolor sit amet")
        );
        assert_eq!(ok("replace", &[s("aaa"), s("a"), s("b"), n(0.0)]), s("aaa"));
        // An empty old string inserts before every character (Go and Rust agree).
        assert_eq!(
            ok("replace", &[s("ab"), s(""), s("-"), n(-1.0)]),
            s("-a-b-")
        );
        assert_eq!(ok("replace", &[s("ab"), s(""), s("-"), n(2.0)]), s("-a-b"));
        // A count too large for an int becomes MinInt64 in Go: replace all.
        assert_eq!(ok("replace", &[s("aa"), s("a"), s("b"), n(1e300)]), s("bb"));
    }

    #[test]
    fn replace_all_cases() {
        assert_eq!(
            ok(
                "replace_all",
                &[s("Lorem ipsum dolor sit amet"), s("ipsum"), s("muspi")]
            ),
            s("Lorem muspi dolor sit amet")
        );
        assert_eq!(
            ok(
                "replace_all",
                &[
                    s("Lorem ipsum ipsum ipsum dolor sit amet"),
                    s("ipsum"),
                    s("muspi")
                ]
            ),
            s("Lorem muspi muspi muspi dolor sit amet")
        );
        assert_eq!(ok("replace_all", &[s("aaa"), s("aa"), s("b")]), s("ba"));
        // Plain text, not a pattern; an empty `old` inserts between characters.
        assert_eq!(ok("replace_all", &[s("a.b.c"), s("."), s("")]), s("abc"));
        assert_eq!(ok("replace_all", &[s("ab"), s(""), s("-")]), s("-a-b-"));
        assert_eq!(ok("replace_all", &[s("abc"), s("x"), s("y")]), s("abc"));
    }

    #[test]
    fn case_mapping() {
        assert_eq!(ok("to_upper", &[s("abc")]), s("ABC"));
        assert_eq!(ok("to_upper", &[s("123")]), s("123"));
        assert_eq!(ok("to_upper", &[s("a#%&123Bc")]), s("A#%&123BC"));
        // Simple mappings only: ß stays ß (Rust's full mapping would give SS).
        assert_eq!(ok("to_upper", &[s("straße")]), s("STRAßE"));
        assert_eq!(ok("to_upper", &[s("\u{1F80}")]), s("\u{1F88}"));
        assert_eq!(ok("to_lower", &[s("ABC")]), s("abc"));
        assert_eq!(ok("to_lower", &[s("123")]), s("123"));
        assert_eq!(ok("to_lower", &[s("a#%&123Bc")]), s("a#%&123bc"));
        assert_eq!(ok("to_lower", &[s("A#%&123BC")]), s("a#%&123bc"));
        // İ lowercases to a plain i; a final capital sigma is σ, not ς.
        assert_eq!(ok("to_lower", &[s("İ")]), s("i"));
        assert_eq!(ok("to_lower", &[s("ΟΔΟΣ")]), s("οδοσ"));
    }

    #[test]
    fn trim_cases() {
        assert_eq!(
            ok("trim", &[s("¡¡¡Hello, Gophers!!!"), s("!¡")]),
            s("Hello, Gophers")
        );
        assert_eq!(ok("trim", &[s("foocorpcom"), s("mo")]), s("foocorpc"));
        assert_eq!(ok("trim", &[s("foocorpcom"), s("o")]), s("foocorpcom"));
        assert_eq!(ok("trim", &[s("foocorpcom"), s("mcof")]), s("rp"));
        assert_eq!(ok("trim", &[s("  x  "), s("")]), s("  x  "));
    }

    #[test]
    fn trim_prefix_cases() {
        assert_eq!(
            ok("trim_prefix", &[s("¡¡¡Hello, Gophers!!!"), s("¡¡¡Hello, ")]),
            s("Gophers!!!")
        );
        assert_eq!(
            ok("trim_prefix", &[s("¡¡¡Hello, Gophers!!!"), s("¡¡¡Hola, ")]),
            s("¡¡¡Hello, Gophers!!!")
        );
        assert_eq!(
            ok(
                "trim_prefix",
                &[
                    s("docker://kubevirt/fedora-cloud-registry-disk-demo"),
                    s("docker://")
                ]
            ),
            s("kubevirt/fedora-cloud-registry-disk-demo")
        );
        // Only once.
        assert_eq!(ok("trim_prefix", &[s("aaa"), s("a")]), s("aa"));
    }

    #[test]
    fn split_cases() {
        assert_eq!(
            ok("split", &[s("Hello, Gophers"), s(", ")]),
            Value::array(vec![s("Hello"), s("Gophers")])
        );
        assert_eq!(
            ok("split", &[s("cat,dog,horse"), s(",")]),
            Value::array(vec![s("cat"), s("dog"), s("horse")])
        );
        assert_eq!(ok("split", &[s(""), s(",")]), Value::array(vec![s("")]));
        assert_eq!(ok("split", &[s(""), s("")]), Value::array(vec![]));
        assert_eq!(
            ok("split", &[s("añb"), s("")]),
            Value::array(vec![s("a"), s("ñ"), s("b")])
        );
        assert_eq!(
            ok("split", &[s("a,"), s(",")]),
            Value::array(vec![s("a"), s("")])
        );
    }

    #[test]
    fn truncate_cases() {
        assert_eq!(
            ok("truncate", &[s("Lorem ipsum dolor sit amet"), n(5.0)]),
            s("Lorem")
        );
        assert_eq!(
            ok(
                "truncate",
                &[s("Lorem ipsum ipsum ipsum dolor sit amet"), n(11.0)]
            ),
            s("Lorem ipsum")
        );
        assert_eq!(
            ok(
                "truncate",
                &[s("Lorem ipsum ipsum ipsum dolor sit amet"), n(40.0)]
            ),
            s("Lorem ipsum ipsum ipsum dolor sit amet")
        );
        assert_eq!(ok("truncate", &[s("Lorem ipsum"), n(2.6)]), s("Lo"));
        assert_eq!(ok("truncate", &[s("Lorem ipsum"), n(0.0)]), s(""));
        assert_eq!(ok("truncate", &[s("Lorem ipsum"), n(-1.0)]), s(""));
        assert_eq!(ok("truncate", &[s("héllo"), n(2.0)]), s("hé")); // characters, not bytes
        assert!(err("truncate", &[s("x"), n(1e300)]).contains("out of range"));
    }

    #[test]
    fn path_canonicalize_cases() {
        for (input, want) in [
            ("///", "/"),
            (
                "///var/run/containerd/containerd.sock",
                "/var/run/containerd/containerd.sock",
            ),
            (
                "/var/run///containerd/containerd.sock",
                "/var/run/containerd/containerd.sock",
            ),
            ("/var/run///containerd////", "/var/run/containerd"),
            ("/run///", "/run"),
            ("/run/../etc", "/etc"),
            ("///etc*", "/etc*"),
            ("/../../", "/"),
            ("", ""),
            (".", "."),
            ("a/./b/../c", "a/c"),
            ("../a/..", ".."),
            ("a/../..", ".."),
            ("./", "."),
        ] {
            assert_eq!(ok("path_canonicalize", &[s(input)]), s(want), "{input}");
        }
    }

    #[test]
    fn to_boolean_cases() {
        assert_eq!(ok("to_boolean", &[s("true")]), Value::Bool(true));
        assert_eq!(ok("to_boolean", &[s("TRue")]), Value::Bool(true));
        assert_eq!(ok("to_boolean", &[s("FaLse")]), Value::Bool(false));
        assert_eq!(ok("to_boolean", &[s("false")]), Value::Bool(false));
        assert_eq!(
            err("to_boolean", &[s("FaLsee")]),
            "lowercase argument must be 'true' or 'false' (provided: 'FaLsee')"
        );
        assert!(err("to_boolean", &[s("foo")]).contains("'foo'"));
        assert!(err("to_boolean", &[s("")]).contains("''"));
        assert!(err("to_boolean", &[s(" true")]).contains("' true'"));
        let _ = call;
    }
}
