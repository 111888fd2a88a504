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
        doc: "The first match as an optional string: the capture group if the pattern has one, else the whole match; empty when nothing matches.",
        overloads: &[global(&[String, String], Optional, extract)],
    },
    FunctionSpec {
        name: "regex.extractAll",
        doc: "Every match (or its capture group) as a list of strings.",
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

/// Compiles an RE2-style pattern. The `regex` crate matches in linear time; the size bound
/// refuses patterns whose compiled program would be huge. Recent patterns are kept per
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
    let re = regex::RegexBuilder::new(pattern)
        .size_limit(MAX_REGEX_SIZE)
        .dfa_size_limit(MAX_REGEX_SIZE)
        .build()
        .map_err(|e| format!("error parsing regexp: {}", last_line(&e.to_string())))?;
    RECENT.with(|r| {
        let mut r = r.borrow_mut();
        if r.len() >= KEPT {
            r.remove(0);
        }
        r.push((pattern.to_string(), re.clone()));
    });
    Ok(re)
}

fn last_line(s: &str) -> std::string::String {
    let last = s.lines().last().unwrap_or(s).trim();
    last.strip_prefix("error: ").unwrap_or(last).to_string()
}

fn replace(args: &[Value], ctx: &mut Ctx) -> Out {
    let s = str_arg(&args[0]);
    let re = compile(str_arg(&args[1]))?;
    let repl = str_arg(&args[2]);
    let n = args.get(3).map_or(-1, int_arg);
    ctx.charge_size(s.len())?;
    if n == 0 {
        return Ok(Value::string(s));
    }
    // Translate \N group references to the regex crate's ${N}; a literal $ must not expand.
    let mut tmpl = std::string::String::new();
    let mut chars = repl.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '$' => tmpl.push_str("$$"),
            '\\' => match chars.next() {
                Some(d) if d.is_ascii_digit() => {
                    tmpl.push_str(&format!("${{{d}}}"));
                    if (d as u32 - '0' as u32) as usize > re.captures_len() - 1 {
                        return Err(format!(
                            "invalid replacement string: '{repl}' \\{d} refers to a missing group"
                        ));
                    }
                }
                Some('\\') => tmpl.push('\\'),
                _ => {
                    return Err(format!(
                        "invalid replacement string: '{repl}' \\ must be followed by a digit or \\"
                    ));
                }
            },
            c => tmpl.push(c),
        }
    }
    let limit = if n < 0 { 0 } else { n as usize };
    let out = re.replacen(s, limit, tmpl.as_str()).into_owned();
    if out.len() > MAX_BUILT_LEN {
        return Err("regex.replace: result too large".into());
    }
    Ok(Value::string(out))
}

fn group_of(re: &regex::Regex) -> Result<usize, std::string::String> {
    match re.captures_len() - 1 {
        0 => Ok(0),
        1 => Ok(1),
        _ => Err(format!(
            "regular expression has more than one capturing group: {:?}",
            re.as_str()
        )),
    }
}

fn extract(args: &[Value], ctx: &mut Ctx) -> Out {
    let s = str_arg(&args[0]);
    let re = compile(str_arg(&args[1]))?;
    let g = group_of(&re)?;
    ctx.charge_size(s.len())?;
    Ok(Value::Optional(
        re.captures(s)
            .and_then(|c| c.get(g))
            .map(|m| Box::new(Value::string(m.as_str()))),
    ))
}

fn extract_all(args: &[Value], ctx: &mut Ctx) -> Out {
    let s = str_arg(&args[0]);
    let re = compile(str_arg(&args[1]))?;
    let g = group_of(&re)?;
    ctx.charge_size(s.len())?;
    Ok(Value::list(
        re.captures_iter(s)
            .filter_map(|c| c.get(g).map(|m| Value::string(m.as_str())))
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
