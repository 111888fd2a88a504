//! Regular expressions the way Go's `regexp` (RE2) reads and runs them, on top of the `regex`
//! crate: the Perl classes `\d \s \w \b` are ASCII-only, `{` that does not start a repeat is a
//! literal, `\Q…\E` quotes, repeat counts stop at 1000, and errors read like Go's
//! (`error parsing regexp: missing closing ): `(``). `ReplaceAll` follows Go's loop (an empty
//! match right after a match is skipped) and Go's `$1`/`${name}` template rules.

use super::gofmt::format_float32_f;
use super::{arg_str, type_error};
use crate::jmespath::functions::spec::Env;
use crate::jmespath::value::Value;

/// Kyverno's `ifaceToString` for the `string|number` arguments: numbers are formatted as
/// float32 (`strconv.FormatFloat(f, 'f', -1, 32)`), so 16777217 reads as "16777216".
pub fn iface_to_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.to_string()),
        Value::Number(n) => Some(format_float32_f(*n)),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn string_or_number(args: &[Value], i: usize) -> Result<String, String> {
    args.get(i)
        .and_then(iface_to_string)
        .ok_or_else(|| type_error(i, "String or Real"))
}

/// A Go regular expression compiled for the `regex` crate.
pub struct GoRegex {
    pub re: regex::Regex,
}

/// Go's error text; a huge pattern is shown cut.
fn go_error(code: &str, expr: &str) -> String {
    format!("error parsing regexp: {code}: `{}`", shown(expr))
}

/// Go's own words, with the limit that kyverno-ls applies.
fn too_large(pattern: &str) -> String {
    format!(
        "{} (kyverno-ls compiles regular expressions up to {} bytes)",
        go_error("expression too large", pattern),
        crate::limits::thousands(crate::limits::MAX_REGEX_PROGRAM_BYTES as u64)
    )
}

fn shown(expr: &str) -> String {
    let max = crate::limits::MAX_PATTERN_IN_MESSAGE;
    if expr.len() <= max {
        return expr.to_string();
    }
    let mut cut = max;
    while !expr.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}...", &expr[..cut])
}

/// Whether `s` (just after a `{`) is a Go repeat `{n}`, `{n,}` or `{n,m}`; returns the length of
/// the repeat text after `{` (including `}`) and the bounds.
fn parse_repeat(s: &str) -> Option<(usize, u64, Option<u64>)> {
    let b = s.as_bytes();
    let mut i = 0;
    let digits = |i: &mut usize| -> Option<u64> {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        if *i == start {
            return None;
        }
        // Go caps the parse at 1e8 to avoid overflow; anything that large is invalid anyway.
        Some(s[start..*i].parse::<u64>().unwrap_or(u64::MAX))
    };
    // Go refuses leading zeros in repeat counts (the brace is then a literal).
    if b.len() >= 2 && b[0] == b'0' && b[1].is_ascii_digit() {
        return None;
    }
    let min = digits(&mut i)?;
    let max;
    if i < b.len() && b[i] == b',' {
        i += 1;
        if i < b.len() && b[i] == b'}' {
            max = None;
        } else {
            if i + 1 < b.len() && b[i] == b'0' && b[i + 1].is_ascii_digit() {
                return None;
            }
            max = Some(digits(&mut i)?);
        }
    } else {
        max = Some(min);
    }
    if i < b.len() && b[i] == b'}' {
        Some((i + 1, min, max))
    } else {
        None
    }
}

/// Rewrites Go regexp syntax into equivalent `regex` crate syntax, or returns Go's error.
pub fn translate(pattern: &str) -> Result<String, String> {
    let mut out = String::with_capacity(pattern.len() + 16);
    let chars: Vec<(usize, char)> = pattern.char_indices().collect();
    let mut i = 0;
    // Inside a bracketed class: index in `out` where the class started, and whether we are
    // right after `[` or `[^` (where `]` is a literal).
    let mut in_class = false;
    let mut class_start_pos = 0usize;
    let mut class_first = false;
    while i < chars.len() {
        let (pos, c) = chars[i];
        if c == '\\' {
            let Some(&(_, e)) = chars.get(i + 1) else {
                return Err(go_error("trailing backslash at end of expression", ""));
            };
            class_first = false;
            match e {
                'd' | 'D' | 's' | 'S' | 'w' | 'W' => {
                    let set = match e.to_ascii_lowercase() {
                        'd' => "0-9",
                        's' => "\\t\\n\\f\\r ",
                        _ => "0-9A-Za-z_",
                    };
                    let neg = e.is_ascii_uppercase();
                    if in_class && !neg {
                        out.push_str(set);
                    } else {
                        out.push('[');
                        if neg {
                            out.push('^');
                        }
                        out.push_str(set);
                        out.push(']');
                    }
                    i += 2;
                }
                'b' | 'B' if !in_class => {
                    out.push_str(if e == 'b' { "(?-u:\\b)" } else { "(?-u:\\B)" });
                    i += 2;
                }
                'Q' => {
                    // Literal text up to \E (or the end).
                    let rest = &pattern[chars[i + 1].0 + 1..];
                    let (lit, consumed) = match rest.find("\\E") {
                        Some(at) => (&rest[..at], at + 2),
                        None => (rest, rest.len()),
                    };
                    for ch in lit.chars() {
                        if in_class {
                            if ch.is_ascii_punctuation() {
                                out.push('\\');
                            }
                            out.push(ch);
                        } else {
                            out.push_str(&regex::escape(&ch.to_string()));
                        }
                    }
                    let end = chars[i + 1].0 + 1 + consumed;
                    while i < chars.len() && chars[i].0 < end {
                        i += 1;
                    }
                }
                '1'..='7' => {
                    // A single digit is a (unsupported) backreference; more digits are octal.
                    let next = chars.get(i + 2).map(|&(_, ch)| ch);
                    if !matches!(next, Some('0'..='7')) {
                        return Err(go_error(
                            "invalid escape sequence",
                            &pattern[pos..pos + 1 + e.len_utf8()],
                        ));
                    }
                    out.push('\\');
                    out.push(e);
                    i += 2;
                }
                '8' | '9' => {
                    return Err(go_error(
                        "invalid escape sequence",
                        &pattern[pos..pos + 1 + e.len_utf8()],
                    ));
                }
                'p' | 'P' if chars.get(i + 2).map(|&(_, ch)| ch) == Some('{') => {
                    // A Unicode class by name, copied whole so that its braces are not read as
                    // a repetition; Go's `\p{^Greek}` is the negation, `\P{Greek}` here.
                    let name_at = chars[i + 2].0 + 1;
                    let Some(len) = pattern[name_at..].find('}') else {
                        return Err(go_error("invalid character class range", &pattern[pos..]));
                    };
                    let name = &pattern[name_at..name_at + len];
                    let (negate, name) = match name.strip_prefix('^') {
                        Some(n) => (e == 'p', n),
                        None => (e == 'P', name),
                    };
                    out.push_str(if negate { "\\P{" } else { "\\p{" });
                    out.push_str(name);
                    out.push('}');
                    let stop = name_at + len + 1;
                    while i < chars.len() && chars[i].0 < stop {
                        i += 1;
                    }
                }
                _ => {
                    out.push('\\');
                    out.push(e);
                    i += 2;
                }
            }
            continue;
        }
        if in_class {
            match c {
                ']' if !class_first => {
                    in_class = false;
                    out.push(']');
                }
                '[' => {
                    // `[:alpha:]` is a POSIX class; any other `[` is a literal in Go.
                    let rest = &pattern[pos..];
                    let posix = rest
                        .strip_prefix("[:")
                        .and_then(|after| after.find(":]"))
                        .map(|end| &rest[..end + 4]);
                    if let Some(name) = posix {
                        out.push_str(name);
                        let stop = pos + name.len();
                        while i < chars.len() && chars[i].0 < stop {
                            i += 1;
                        }
                        class_first = false;
                        continue;
                    }
                    out.push_str("\\[");
                }
                '&' | '~' => {
                    out.push('\\');
                    out.push(c);
                }
                '^' if class_first && out.len() == class_start_pos + 1 => {
                    out.push('^');
                    i += 1;
                    continue; // `]` right after `[^` is still a literal
                }
                ']' => out.push_str("\\]"),
                _ => out.push(c),
            }
            class_first = false;
            i += 1;
            continue;
        }
        match c {
            '[' => {
                in_class = true;
                class_first = true;
                class_start_pos = out.len();
                out.push('[');
            }
            '{' => {
                let rest = &pattern[pos + 1..];
                match parse_repeat(rest) {
                    Some((len, min, max)) => {
                        if min > 1000 || max.is_some_and(|m| m > 1000 || m < min) {
                            return Err(go_error(
                                "invalid repeat count",
                                &pattern[pos..pos + 1 + len],
                            ));
                        }
                        out.push('{');
                        out.push_str(&rest[..len]);
                        let stop = pos + 1 + len;
                        while i < chars.len() && chars[i].0 < stop {
                            i += 1;
                        }
                        continue;
                    }
                    None => out.push_str("\\{"),
                }
            }
            '}' => out.push_str("\\}"),
            '(' => {
                let rest = &pattern[pos..];
                for look in ["(?=", "(?!", "(?<=", "(?<!"] {
                    if rest.starts_with(look) {
                        return Err(go_error("invalid or unsupported Perl syntax", look));
                    }
                }
                if rest.starts_with("(?") && !rest.starts_with("(?P<") && !rest.starts_with("(?<") {
                    // Go knows the flags i, m, s, U only.
                    let body = &rest[2..];
                    let end = body.find([':', ')']).unwrap_or(body.len());
                    if let Some(bad) = body[..end].chars().find(|ch| !"imsU-".contains(*ch)) {
                        let upto = 2 + body[..end].find(bad).unwrap_or(0) + bad.len_utf8();
                        return Err(go_error(
                            "invalid or unsupported Perl syntax",
                            &rest[..upto.min(rest.len())],
                        ));
                    }
                }
                out.push('(');
            }
            _ => out.push(c),
        }
        i += 1;
    }
    if in_class {
        // Go reports the class from its `[` to the end.
        let start = class_bracket_start(pattern);
        return Err(go_error("missing closing ]", &pattern[start..]));
    }
    Ok(out)
}

/// Byte offset of the `[` that opens the last unclosed class.
fn class_bracket_start(pattern: &str) -> usize {
    let b = pattern.as_bytes();
    let mut i = 0;
    let mut start = 0;
    let mut in_class = false;
    let mut first = false;
    while i < b.len() {
        match b[i] {
            b'\\' => {
                i += 2;
                first = false;
                continue;
            }
            b'[' if !in_class => {
                in_class = true;
                first = true;
                start = i;
                i += 1;
                continue;
            }
            b'^' if in_class && first && i == start + 1 => {
                i += 1;
                continue;
            }
            b']' if in_class && !first => in_class = false,
            _ => {}
        }
        first = false;
        i += 1;
    }
    start
}

fn map_rust_error(translated: &str, original: &str) -> String {
    use regex_syntax::ast::ErrorKind as K;
    let mut parser = regex_syntax::ParserBuilder::new().octal(true).build();
    match parser.parse(translated) {
        Err(regex_syntax::Error::Parse(e)) => {
            let span = e.span();
            let frag = translated
                .get(span.start.offset..span.end.offset)
                .unwrap_or(translated);
            let (code, expr) = match e.kind() {
                K::GroupUnclosed => ("missing closing )", original),
                K::GroupUnopened => ("unexpected )", original),
                K::ClassUnclosed => ("missing closing ]", original),
                K::ClassRangeInvalid => ("invalid character class range", frag),
                K::ClassEscapeInvalid
                | K::EscapeUnrecognized
                | K::EscapeHexInvalid
                | K::EscapeHexInvalidDigit
                | K::EscapeHexEmpty
                | K::UnsupportedBackreference => ("invalid escape sequence", frag),
                K::EscapeUnexpectedEof => ("trailing backslash at end of expression", ""),
                K::RepetitionMissing => {
                    // Go quotes the operator itself (`*`, `+?`, `{2}`).
                    let rest = &translated[span.start.offset.min(translated.len())..];
                    let mut len = rest.chars().next().map_or(0, char::len_utf8);
                    if rest.starts_with('{') {
                        len = rest.find('}').map_or(rest.len(), |i| i + 1);
                    }
                    if rest[len..].starts_with('?') {
                        len += 1;
                    }
                    ("missing argument to repetition operator", &rest[..len])
                }
                K::RepetitionCountInvalid
                | K::RepetitionCountDecimalEmpty
                | K::RepetitionCountUnclosed => ("invalid repeat count", frag),
                K::NestLimitExceeded(_) => ("expression nests too deeply", original),
                K::GroupNameInvalid
                | K::GroupNameEmpty
                | K::GroupNameUnexpectedEof
                | K::GroupNameDuplicate { .. } => ("invalid named capture", frag),
                K::UnsupportedLookAround
                | K::FlagUnrecognized
                | K::FlagDanglingNegation
                | K::FlagDuplicate { .. }
                | K::FlagRepeatedNegation { .. }
                | K::FlagUnexpectedEof => ("invalid or unsupported Perl syntax", frag),
                _ => ("invalid or unsupported Perl syntax", frag),
            };
            go_error(code, expr)
        }
        Err(regex_syntax::Error::Translate(e)) => {
            let span = e.span();
            let frag = translated
                .get(span.start.offset..span.end.offset)
                .unwrap_or(translated);
            go_error("invalid character class range", frag)
        }
        _ => too_large(original),
    }
}

/// A cheap upper estimate of the size of the program a parsed pattern compiles to, in the
/// units of [`crate::limits::MAX_REGEX_PROGRAM_BYTES`]: counted repetitions multiply, and a
/// Unicode class costs by its ranges (their UTF-8 automata).
fn program_weight(h: &regex_syntax::hir::Hir) -> u64 {
    use regex_syntax::hir::{Class, HirKind};
    match h.kind() {
        HirKind::Empty | HirKind::Look(_) => 8,
        HirKind::Literal(l) => 8 * l.0.len() as u64,
        HirKind::Class(Class::Unicode(c)) => 8 + 40 * c.ranges().len() as u64,
        HirKind::Class(Class::Bytes(c)) => 8 + 8 * c.ranges().len() as u64,
        HirKind::Repetition(r) => {
            let times = u64::from(r.max.unwrap_or(r.min).max(1));
            program_weight(&r.sub)
                .saturating_mul(times)
                .saturating_add(8)
        }
        HirKind::Capture(c) => program_weight(&c.sub).saturating_add(16),
        HirKind::Concat(v) | HirKind::Alternation(v) => v
            .iter()
            .fold(8u64, |acc, h| acc.saturating_add(program_weight(h))),
    }
}

/// Compiles a Go (RE2) regular expression.
pub fn compile(pattern: &str) -> Result<GoRegex, String> {
    let translated = translate(pattern)?;
    if let Ok(hir) = regex_syntax::ParserBuilder::new()
        .octal(true)
        .build()
        .parse(&translated)
    {
        // Refused before compiling, which would take long to find out; charged to the
        // evaluation's step budget, since compiling costs time in proportion.
        let weight = program_weight(&hir);
        if weight > 4 * crate::limits::MAX_REGEX_PROGRAM_BYTES as u64 {
            return Err(too_large(pattern));
        }
        crate::jmespath::functions::charge(weight / 8);
    }
    build(
        pattern,
        &translated,
        crate::limits::MAX_REGEX_PROGRAM_BYTES,
        crate::limits::MAX_REGEX_DFA_BYTES,
    )
    .map(|re| GoRegex { re })
}

/// Compiles a Go (RE2) pattern with Go's meaning (ASCII `\d`, `\w`, `\s` and `\b`, `\Q…\E`,
/// octal escapes) within `size` bytes of program and of DFA, or returns Go's error. CEL's
/// `matches` and regex functions are Go's regexp too.
pub fn compile_go(pattern: &str, size: usize) -> Result<regex::Regex, String> {
    build(pattern, &translate(pattern)?, size, size)
}

fn build(
    pattern: &str,
    translated: &str,
    program: usize,
    dfa: usize,
) -> Result<regex::Regex, String> {
    regex::RegexBuilder::new(translated)
        .octal(true)
        .size_limit(program)
        .dfa_size_limit(dfa)
        .build()
        .map_err(|_| map_rust_error(translated, pattern))
}

/// Go's `Regexp.Expand` template language: `$1`, `${1}`, `$name`, `${name}`, `$$`.
fn expand(re: &regex::Regex, template: &str, src: &str, caps: &regex::Captures, out: &mut String) {
    let mut t = template;
    while let Some(at) = t.find('$') {
        out.push_str(&t[..at]);
        t = &t[at + 1..];
        if let Some(rest) = t.strip_prefix('$') {
            out.push('$');
            t = rest;
            continue;
        }
        match extract(t) {
            None => out.push('$'),
            Some((name, num, rest)) => {
                t = rest;
                if let Some(num) = num {
                    if let Some(m) = caps.get(num) {
                        out.push_str(&src[m.range()]);
                    }
                } else {
                    // The first group with that name that took part in the match.
                    for (i, n) in re.capture_names().enumerate() {
                        if n == Some(name) {
                            if let Some(m) = caps.get(i) {
                                out.push_str(&src[m.range()]);
                            }
                            break;
                        }
                    }
                }
            }
        }
    }
    out.push_str(t);
}

/// Go's `extract`: a name of letters, digits and underscores, optionally in braces. A number
/// with a leading zero is a name, not a group number.
fn extract(s: &str) -> Option<(&str, Option<usize>, &str)> {
    let (brace, body) = match s.strip_prefix('{') {
        Some(b) => (true, b),
        None => (false, s),
    };
    let end = body
        .char_indices()
        .find(|&(_, c)| !(c.is_alphanumeric() || c == '_'))
        .map(|(i, _)| i)
        .unwrap_or(body.len());
    if end == 0 {
        return None;
    }
    let name = &body[..end];
    let mut rest = &body[end..];
    if brace {
        rest = rest.strip_prefix('}')?;
    }
    let mut num: Option<usize> = Some(0);
    for b in name.bytes() {
        match num {
            Some(n) if b.is_ascii_digit() && n < 100_000_000 => {
                num = Some(n * 10 + (b - b'0') as usize);
            }
            _ => {
                num = None;
                break;
            }
        }
    }
    if name.len() > 1 && name.starts_with('0') {
        num = None;
    }
    Some((name, num, rest))
}

/// Go's `Regexp.replaceAll`: successive non-overlapping matches, skipping an empty match that
/// abuts the previous match, always advancing by at least one character.
/// Fails when the result would pass [`crate::limits::MAX_BUILT_STRING_BYTES`].
pub fn replace_all(re: &GoRegex, src: &str, repl: &str, literal: bool) -> Result<String, String> {
    let mut buf = String::with_capacity(src.len());
    let mut last_end = 0usize;
    let mut search = 0usize;
    let end = src.len();
    while search <= end {
        let Some(caps) = re.re.captures_at(src, search) else {
            break;
        };
        let Some(m) = caps.get(0) else {
            break;
        };
        buf.push_str(&src[last_end..m.start()]);
        if m.end() > last_end || m.start() == 0 {
            if literal {
                buf.push_str(repl);
            } else {
                expand(&re.re, repl, src, &caps, &mut buf);
            }
        }
        last_end = m.end();
        if buf.len() + (end - last_end) > crate::limits::MAX_BUILT_STRING_BYTES {
            return Err(crate::limits::built_string_too_large());
        }
        let width = src[search..].chars().next().map_or(0, char::len_utf8);
        if search + width > m.end() {
            search += width;
        } else if search + 1 > m.end() {
            search += 1;
        } else {
            search = m.end();
        }
    }
    buf.push_str(&src[last_end..]);
    Ok(buf)
}

pub fn regex_replace_all(args: &[Value], _: &Env) -> Result<Value, String> {
    replace_impl(args, false)
}

pub fn regex_replace_all_literal(args: &[Value], _: &Env) -> Result<Value, String> {
    replace_impl(args, true)
}

fn replace_impl(args: &[Value], literal: bool) -> Result<Value, String> {
    let pattern = arg_str(args, 0)?;
    let src = string_or_number(args, 1)?;
    let repl = string_or_number(args, 2)?;
    let re = compile(pattern)?;
    Ok(Value::from(replace_all(&re, &src, &repl, literal)?))
}

/// `regex_match(regex, src)`: `regexp.Match`, true if the pattern matches anywhere in `src`.
pub fn regex_match(args: &[Value], _: &Env) -> Result<Value, String> {
    let pattern = arg_str(args, 0)?;
    let src = string_or_number(args, 1)?;
    let re = compile(pattern)?;
    Ok(Value::Bool(re.re.is_match(&src)))
}

/// `pattern_match(pattern, src)`: Kyverno's wildcard match over the whole string.
pub fn pattern_match(args: &[Value], _: &Env) -> Result<Value, String> {
    let pattern = arg_str(args, 0)?;
    let src = string_or_number(args, 1)?;
    Ok(Value::Bool(wildcard_match(pattern, &src)))
}

/// `*` matches any run of characters (also empty), `?` exactly one character, everything else
/// itself; the whole name must match. Linear-time greedy matching with one backtrack point.
pub fn wildcard_match(pattern: &str, name: &str) -> bool {
    crate::wildcard::matches(pattern, name)
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
    fn replace_all_with_expansion() {
        assert_eq!(
            ok(
                "regex_replace_all",
                &[s("([Hh]e|G)l"), s("Hello world, helworldlo"), s("${2}G")]
            ),
            s("Glo world, Gworldlo")
        );
        assert_eq!(
            ok(
                "regex_replace_all",
                &[
                    s("^docker.io/(.*)$"),
                    s("docker.io/nginx:latest"),
                    s("harbor.corp.org/$1")
                ]
            ),
            s("harbor.corp.org/nginx:latest")
        );
        // `$1x` is the group named "1x" (empty), not group 1 followed by x.
        assert_eq!(
            ok("regex_replace_all", &[s("(a)"), s("a"), s("$1x")]),
            s("")
        );
        assert_eq!(
            ok("regex_replace_all", &[s("(a)"), s("a"), s("${1}x")]),
            s("ax")
        );
        assert_eq!(
            ok("regex_replace_all", &[s("(?P<w>a)"), s("a"), s("[$w]")]),
            s("[a]")
        );
        assert_eq!(ok("regex_replace_all", &[s("a"), s("a"), s("$$")]), s("$"));
        // A lone `$` and a leading zero stay as text / name lookups.
        assert_eq!(ok("regex_replace_all", &[s("(a)"), s("a"), s("$")]), s("$"));
        assert_eq!(
            ok("regex_replace_all", &[s("(a)"), s("a"), s("$01")]),
            s("")
        );
        assert_eq!(
            ok("regex_replace_all", &[s("(a)"), s("a"), s("${1")]),
            s("${1")
        );
    }

    #[test]
    fn replace_all_empty_matches_like_go() {
        assert_eq!(
            ok("regex_replace_all", &[s("a*"), s("baaac"), s("-")]),
            s("-b-c-")
        );
        assert_eq!(
            ok("regex_replace_all", &[s(""), s("abc"), s("-")]),
            s("-a-b-c-")
        );
        assert_eq!(ok("regex_replace_all", &[s("x*"), s(""), s("-")]), s("-"));
    }

    #[test]
    fn replace_all_numbers_are_float32() {
        assert_eq!(
            ok("regex_replace_all", &[s("^1"), n(12.0), n(3.0)]),
            s("32")
        );
        assert_eq!(
            ok("regex_replace_all", &[s("6$"), n(16777217.0), s("X")]),
            s("1677721X")
        );
        assert_eq!(
            ok("regex_replace_all", &[s("\\."), n(0.1), s(",")]),
            s("0,1")
        );
    }

    #[test]
    fn replace_all_errors() {
        assert_eq!(
            err("regex_replace_all", &[s("("), s("a"), s("b")]),
            "error parsing regexp: missing closing ): `(`"
        );
        assert_eq!(
            err("regex_replace_all", &[s("a)"), s("a"), s("b")]),
            "error parsing regexp: unexpected ): `a)`"
        );
        assert_eq!(
            err("regex_replace_all", &[s("[a"), s("a"), s("b")]),
            "error parsing regexp: missing closing ]: `[a`"
        );
        assert_eq!(
            err("regex_replace_all", &[s("*"), s("a"), s("b")]),
            "error parsing regexp: missing argument to repetition operator: `*`"
        );
        assert_eq!(
            err("regex_replace_all", &[s("(?=a)"), s("a"), s("b")]),
            "error parsing regexp: invalid or unsupported Perl syntax: `(?=`"
        );
        assert_eq!(
            err("regex_replace_all", &[s("(a)\\1"), s("a"), s("b")]),
            "error parsing regexp: invalid escape sequence: `\\1`"
        );
        assert_eq!(
            err("regex_replace_all", &[s("a{1001}"), s("a"), s("b")]),
            "error parsing regexp: invalid repeat count: `{1001}`"
        );
        assert_eq!(
            err("regex_replace_all", &[s("a\\"), s("a"), s("b")]),
            "error parsing regexp: trailing backslash at end of expression: ``"
        );
        assert_eq!(
            err("regex_replace_all", &[s("[z-a]"), s("a"), s("b")]),
            "error parsing regexp: invalid character class range: `z-a`"
        );
    }

    #[test]
    fn replace_all_literal_cases() {
        assert_eq!(
            ok(
                "regex_replace_all_literal",
                &[s("[Hh]el?"), s("Hello world, helworldlo"), s("G")]
            ),
            s("Glo world, Gworldlo")
        );
        assert_eq!(
            ok("regex_replace_all_literal", &[s("(a)"), s("a"), s("$1")]),
            s("$1")
        );
        assert_eq!(
            ok("regex_replace_all_literal", &[s("1"), n(121.0), n(0.5)]),
            s("0.520.5")
        );
        assert!(
            err("regex_replace_all_literal", &[s("("), s("a"), s("b")])
                .contains("missing closing )")
        );
    }

    #[test]
    fn match_cases() {
        assert_eq!(
            ok("regex_match", &[s("12.*"), s("hgf'b1a2r'b12g")]),
            Value::Bool(true)
        );
        assert_eq!(ok("regex_match", &[s("12.*"), n(12.0)]), Value::Bool(true));
        assert_eq!(ok("regex_match", &[s("^b"), s("abc")]), Value::Bool(false));
        // Substring semantics: unanchored.
        assert_eq!(ok("regex_match", &[s("b"), s("abc")]), Value::Bool(true));
        // Go's \d and \w are ASCII only.
        assert_eq!(ok("regex_match", &[s("^\\d$"), s("٣")]), Value::Bool(false));
        assert_eq!(
            ok("regex_match", &[s("^\\w+$"), s("é")]),
            Value::Bool(false)
        );
        assert_eq!(
            ok("regex_match", &[s("^[\\d]+$"), s("123")]),
            Value::Bool(true)
        );
        assert_eq!(
            ok("regex_match", &[s("^\\s$"), s("\u{b}")]),
            Value::Bool(false)
        );
        // `{` that is not a repeat is a literal; `[[]` is a class holding `[`.
        assert_eq!(ok("regex_match", &[s("a{x"), s("a{x")]), Value::Bool(true));
        assert_eq!(
            ok("regex_match", &[s("^a{01}$"), s("a{01}")]),
            Value::Bool(true)
        );
        assert_eq!(
            ok("regex_match", &[s("^a{2,}$"), s("aaa")]),
            Value::Bool(true)
        );
        assert_eq!(ok("regex_match", &[s("^[[]$"), s("[")]), Value::Bool(true));
        assert_eq!(
            ok("regex_match", &[s("^[a&&b]+$"), s("a&b")]),
            Value::Bool(true)
        );
        assert_eq!(ok("regex_match", &[s("a\\Bb"), s("ab")]), Value::Bool(true));
        assert_eq!(
            ok("regex_match", &[s("a\\bb"), s("ab")]),
            Value::Bool(false)
        );
        // é is not an ASCII word character, so there is no boundary before it.
        assert_eq!(ok("regex_match", &[s("\\bé"), s(" é")]), Value::Bool(false));
        assert_eq!(
            ok("regex_match", &[s("(?i)k"), s("\u{212A}")]),
            Value::Bool(true)
        );
        assert_eq!(
            ok("regex_match", &[s("\\Qa.b\\E"), s("a.b")]),
            Value::Bool(true)
        );
        assert_eq!(
            ok("regex_match", &[s("\\Qa.b\\E"), s("axb")]),
            Value::Bool(false)
        );
        // Numbers go through float32: 16777217 reads as 16777216.
        assert_eq!(
            ok("regex_match", &[s("^16777216$"), n(16777217.0)]),
            Value::Bool(true)
        );
        assert!(err("regex_match", &[s("("), s("x")]).contains("missing closing )"));
        // Unicode classes by name keep their braces, and `^` inside them negates.
        for (pattern, text, want) in [
            ("^\\p{L}+$", "😀", false),
            ("^\\p{L}+$", "été", true),
            ("^\\pL\\pN$", "a٣", true),
            ("^\\p{^L}$", "1", true),
            ("^\\P{^L}$", "1", false),
            ("^[\\p{Greek}x]+$", "αxβ", true),
            ("^\\p{L}{2}$", "ab", true),
        ] {
            assert_eq!(
                ok("regex_match", &[s(pattern), s(text)]),
                Value::Bool(want),
                "{pattern} on {text}"
            );
        }
        assert_eq!(
            err("regex_match", &[s("\\p{Foo}"), s("x")]),
            "error parsing regexp: invalid character class range: `\\p{Foo}`"
        );
    }

    #[test]
    fn pattern_match_cases() {
        assert_eq!(
            ok("pattern_match", &[s("prefix-*"), s("prefix-foo")]),
            Value::Bool(true)
        );
        assert_eq!(ok("pattern_match", &[s("12*"), n(12.0)]), Value::Bool(true));
        assert_eq!(ok("pattern_match", &[s(""), s("")]), Value::Bool(true));
        assert_eq!(ok("pattern_match", &[s(""), s("a")]), Value::Bool(false));
        assert_eq!(ok("pattern_match", &[s("*"), s("")]), Value::Bool(true));
        assert_eq!(ok("pattern_match", &[s("?"), s("é")]), Value::Bool(true));
        assert_eq!(
            ok("pattern_match", &[s("a?c"), s("a/c")]),
            Value::Bool(true)
        );
        assert_eq!(ok("pattern_match", &[s("[a]"), s("a")]), Value::Bool(false));
    }

    #[test]
    fn wildcard_table() {
        // The cases of Kyverno's ext/wildcard tests.
        let cases: &[(&str, &str, bool)] = &[
            ("*", "s3:GetObject", true),
            ("", "s3:GetObject", false),
            ("", "", true),
            ("s3:*", "s3:ListMultipartUploadParts", true),
            ("s3:ListBucketMultipartUploads", "s3:ListBucket", false),
            ("s3:ListBucket", "s3:ListBucket", true),
            ("my-bucket/oo*", "my-bucket/oo", true),
            ("my-bucket/In*", "my-bucket/India/Karnataka/", true),
            ("my-bucket/In*", "my-bucket/Karnataka/India/", false),
            (
                "my-bucket/In*/Ka*/Ban",
                "my-bucket/India/Karnataka/Ban",
                true,
            ),
            (
                "my-bucket/In*/Ka*/Ban",
                "my-bucket/India/Karnataka/Ban/Ban/Ban/Ban/Ban",
                true,
            ),
            (
                "my-bucket/In*/Ka*/Ban",
                "my-bucket/India/Karnataka/Area1/Area2/Area3/Ban",
                true,
            ),
            (
                "my-bucket/In*/Ka*/Ban",
                "my-bucket/India/Karnataka/Bangalore",
                false,
            ),
            (
                "my-bucket/In*/Ka*/Ban*",
                "my-bucket/India/Karnataka/Bangalore",
                true,
            ),
            ("my-bucket/oo*", "my-bucket/odo", false),
            ("my-bucket?/abc*", "mybucket/abc", false),
            ("my-bucket?/abc*", "my-bucket1/abc", true),
            ("my-?-bucket/abc*", "my--bucket/abc", false),
            ("my-?-bucket/abc*", "my-1-bucket/abc", true),
            ("my??bucket/abc*", "mybucket/abc", false),
            ("my??bucket/abc*", "my4abucket/abc", true),
            ("my-bucket/abc????", "my-bucket/abc", false),
            ("my-bucket/abc????", "my-bucket/abcdefg", true),
            ("my-bucket/abc?", "my-bucket/abcde", false),
            ("my-bucket/mnop*?", "my-bucket/mnop", false),
            ("my-bucket/mnop*?", "my-bucket/mnopqrst/mnopqr", true),
            ("my-bucket/mnop*?and", "my-bucket/mnopqand", true),
            ("my-bucket/mnop*?and", "my-bucket/mnopand", false),
            ("my-bucket/mnop*?and?", "my-bucket/mnopqanda", true),
            ("my-bucket/mnop*?and", "my-bucket/mnopqanda", false),
            ("my-bucket/mnop*??", "my-bucket/mnopqrst", true),
            (
                "a*a*a*a*b",
                "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                false,
            ),
        ];
        for &(p, t, want) in cases {
            assert_eq!(wildcard_match(p, t), want, "{p} vs {t}");
        }
    }

    #[test]
    fn patterns_past_the_size_limit_fail_with_the_limit() {
        // Counted repetition of a big Unicode class: a short pattern, a huge program.
        assert_eq!(
            err("regex_match", &[s(r"\pL{1,1000}"), s("abc")]),
            r"error parsing regexp: expression too large: `\pL{1,1000}` (kyverno-ls compiles regular expressions up to 1,048,576 bytes)"
        );
        // A long pattern is shown cut to 200 bytes.
        let long = "x".repeat(2_000_000);
        assert_eq!(
            err("regex_match", &[s(&long), s("abc")]),
            format!(
                "error parsing regexp: expression too large: `{}...` (kyverno-ls compiles regular expressions up to 1,048,576 bytes)",
                "x".repeat(200)
            )
        );
        // The compiled size itself is checked too, for what the estimate lets through.
        assert_eq!(
            err("regex_match", &[s(r"(?:[\pL\pN]{1,40}){1,2}"), s("a")]),
            r"error parsing regexp: expression too large: `(?:[\pL\pN]{1,40}){1,2}` (kyverno-ls compiles regular expressions up to 1,048,576 bytes)"
        );
        // Common patterns compile.
        assert_eq!(
            ok("regex_match", &[s(".{0,1000}"), s("abc")]),
            Value::Bool(true)
        );
    }

    #[test]
    fn replacements_past_the_string_limit_fail() {
        let message = "the result would be longer than 4,194,304 bytes, kyverno-ls's limit for a string a function builds";
        // An empty pattern matches 100,001 times: 100,001 copies of 100 bytes.
        let src = s(&"a".repeat(100_000));
        let repl = s(&"b".repeat(100));
        assert_eq!(
            err("regex_replace_all", &[s(""), src.clone(), repl.clone()]),
            message
        );
        assert_eq!(
            err(
                "regex_replace_all_literal",
                &[s("a"), src.clone(), repl.clone()]
            ),
            message
        );
        assert_eq!(
            err("replace_all", &[src.clone(), s(""), repl.clone()]),
            message
        );
        assert_eq!(
            err("replace", &[src.clone(), s("a"), repl.clone(), n(-1.0)]),
            message
        );
        // Just under the limit is fine: 40,000 copies of 100 bytes.
        let src = s(&"a".repeat(40_000));
        let out = ok(
            "regex_replace_all_literal",
            &[s("a"), src.clone(), repl.clone()],
        );
        assert_eq!(out.as_str().map(str::len), Some(4_000_000));
        let out = ok("replace", &[src, s("a"), repl, n(-1.0)]);
        assert_eq!(out.as_str().map(str::len), Some(4_000_000));
    }
}
