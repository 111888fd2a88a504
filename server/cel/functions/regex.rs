//! Regular expressions: cel-go's regex extension (regex.replace, regex.extract,
//! regex.extractAll), Kubernetes' `find`/`findAll`, and the compilation with a size bound
//! that `matches` shares.

use super::Ty::*;
use super::{Ctx, FunctionSpec, Out, global, int_arg, member, str_arg};
use crate::cel::limits::{MAX_BUILT_LEN, MAX_REGEX_SIZE};
use crate::cel::value::Value;

/// cel-go's regex extension, which Kyverno's kinds add and Kubernetes' environment lacks.
pub const EXT_FUNCTIONS: &[FunctionSpec] = &[
    FunctionSpec {
        name: "regex.replace",
        doc: "The string with matches of the pattern replaced: all, or the given count (negative: all). In the replacement, \\1 to \\9 refer to capture groups and \\\\ is a backslash.",
        overloads: &[
            global(&[String, String, String], String, replace),
            global(&[String, String, String, Int], String, replace),
        ],
    },
    FunctionSpec {
        name: "regex.extract",
        doc: "The first match as an optional string: the capture group if the pattern has one, else the whole match; none when nothing matches or the group captured nothing.",
        overloads: &[global(&[String, String], Optional, extract)],
    },
    FunctionSpec {
        name: "regex.extractAll",
        doc: "Every match (or its capture group, leaving out empty captures) as a list of strings.",
        overloads: &[global(&[String, String], List, extract_all)],
    },
];

/// Kubernetes' regex library, in every environment.
pub const FUNCTIONS: &[FunctionSpec] = &[
    FunctionSpec {
        name: "find",
        doc: "The first match of the pattern in the string, or \"\".",
        overloads: &[member(&[String, String], String, find)],
    },
    FunctionSpec {
        name: "findAll",
        doc: "Every match of the pattern in the string, or at most the given count (negative: all).",
        overloads: &[
            member(&[String, String], List, find_all),
            member(&[String, String, Int], List, find_all),
        ],
    },
];

/// Compiles a pattern as Go's regexp does (the syntax and error words that Kyverno's JMESPath
/// functions share). The `regex` crate matches in linear time; the size bound refuses patterns
/// whose compiled program would be huge. Recent patterns are kept per
/// thread, since a comprehension calls `matches` with the same pattern for every element.
pub fn compile(pattern: &str) -> Result<regex::Regex, std::string::String> {
    const KEPT: usize = 32;
    thread_local! {
        static RECENT: std::cell::RefCell<Vec<(std::string::String, regex::Regex)>> =
            const { std::cell::RefCell::new(Vec::new()) };
    }
    if let Some(re) = RECENT.with(|r| {
        r.borrow()
            .iter()
            .find(|(p, _)| p == pattern)
            .map(|(_, re)| re.clone())
    }) {
        return Ok(re);
    }
    let re = crate::jmespath::functions::kyverno::compile_go_regex(pattern, MAX_REGEX_SIZE)?;
    RECENT.with(|r| {
        let mut r = r.borrow_mut();
        if r.len() >= KEPT {
            r.remove(0);
        }
        r.push((pattern.to_string(), re.clone()));
    });
    Ok(re)
}

fn replace(args: &[Value], ctx: &mut Ctx) -> Out {
    let s = str_arg(&args[0]);
    let repl = str_arg(&args[2]);
    let n = args.get(3).map_or(-1, int_arg);
    if n == 0 {
        return Ok(Value::string(s));
    }
    if n > i64::from(i32::MAX) {
        return Err("integer overflow".into());
    }
    let re = compile(str_arg(&args[1]))?;
    ctx.charge_size(s.len())?;
    let limit = if n < 0 { usize::MAX } else { n as usize };
    let mut out = std::string::String::new();
    let mut last = 0;
    // As cel-go, the replacement is read at each match: with no match to replace, a
    // malformed one is no error.
    for caps in re.captures_iter(s).take(limit) {
        let Some(whole) = caps.get(0) else { continue };
        out.push_str(&s[last..whole.start()]);
        expand(&caps, repl, re.captures_len() - 1, &mut out)?;
        last = whole.end();
        if out.len() > MAX_BUILT_LEN {
            return Err("regex.replace: result too large".into());
        }
    }
    out.push_str(&s[last..]);
    if out.len() > MAX_BUILT_LEN {
        return Err("regex.replace: result too large".into());
    }
    Ok(Value::string(out))
}

/// Appends `repl` for one match: `\0` to `\9` are the match and its groups (a group that
/// took no part is empty), `\\` a backslash; every other backslash is an error, with
/// cel-go's messages.
fn expand(
    caps: &regex::Captures,
    repl: &str,
    groups: usize,
    out: &mut std::string::String,
) -> Result<(), std::string::String> {
    let mut chars = repl.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            None => {
                return Err(format!(
                    "invalid replacement string: '{repl}' \\ not allowed at end"
                ));
            }
            Some('\\') => out.push('\\'),
            Some(d) if d.is_ascii_digit() => {
                let g = (d as u8 - b'0') as usize;
                if g > groups {
                    return Err(format!(
                        "replacement string references group {g} but regex has only {groups} group(s)"
                    ));
                }
                out.push_str(caps.get(g).map_or("", |m| m.as_str()));
            }
            Some(_) => {
                return Err(format!(
                    "invalid replacement string: '{repl}' \\ must be followed by a digit or \\"
                ));
            }
        }
    }
    Ok(())
}

/// The capture group extract and extractAll return for `re`, compiled from `pattern` (which
/// the error quotes as written).
fn group_of(re: &regex::Regex, pattern: &str) -> Result<usize, std::string::String> {
    match re.captures_len() - 1 {
        0 => Ok(0),
        1 => Ok(1),
        _ => Err(format!(
            "regular expression has more than one capturing group: {pattern:?}"
        )),
    }
}

/// As `compile`, with the prefix cel-go's extract and extractAll put on a bad pattern.
fn compile_extract(pattern: &str) -> Result<regex::Regex, std::string::String> {
    compile(pattern).map_err(|e| format!("given regex is invalid: {e}"))
}

fn extract(args: &[Value], ctx: &mut Ctx) -> Out {
    let s = str_arg(&args[0]);
    let pattern = str_arg(&args[1]);
    let re = compile_extract(pattern)?;
    let g = group_of(&re, pattern)?;
    ctx.charge_size(s.len())?;
    // cel-go answers none for a group that captured nothing, as for no match.
    Ok(Value::Optional(
        re.captures(s)
            .and_then(|c| c.get(g))
            .filter(|m| g == 0 || !m.is_empty())
            .map(|m| Box::new(Value::string(m.as_str()))),
    ))
}

fn extract_all(args: &[Value], ctx: &mut Ctx) -> Out {
    let s = str_arg(&args[0]);
    let pattern = str_arg(&args[1]);
    let re = compile_extract(pattern)?;
    let g = group_of(&re, pattern)?;
    ctx.charge_size(s.len())?;
    // Empty captures are left out, as cel-go does; whole matches are kept even when empty.
    Ok(Value::list(
        re.captures_iter(s)
            .filter_map(|c| c.get(g))
            .filter(|m| g == 0 || !m.is_empty())
            .map(|m| Value::string(m.as_str()))
            .collect(),
    ))
}

fn find(args: &[Value], ctx: &mut Ctx) -> Out {
    let s = str_arg(&args[0]);
    let re = compile(str_arg(&args[1]))?;
    ctx.charge_size(s.len())?;
    Ok(Value::string(re.find(s).map_or("", |m| m.as_str())))
}

fn find_all(args: &[Value], ctx: &mut Ctx) -> Out {
    let s = str_arg(&args[0]);
    let re = compile(str_arg(&args[1]))?;
    let n = args.get(2).map_or(-1, int_arg);
    ctx.charge_size(s.len())?;
    let it = re.find_iter(s).map(|m| Value::string(m.as_str()));
    Ok(Value::list(if n < 0 {
        it.collect()
    } else {
        it.take(n as usize).collect()
    }))
}
