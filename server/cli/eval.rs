//! `kyverno-ls eval` (like `kyverno jp query`) and `kyverno-ls functions` (like
//! `kyverno jp function`).

use std::io::{IsTerminal, Read};
use std::path::PathBuf;

use crate::jmespath::Value;
use crate::jmespath::functions::{self, Env};
use crate::jmespath::interp::evaluate;
use crate::jmespath::parse::parse;

pub struct EvalOptions {
    pub input: Option<PathBuf>,
    pub expression: String,
    pub compact: bool,
    pub unquoted: bool,
    /// Evaluate a CEL expression with the input bound to `object`, instead of JMESPath.
    pub cel: bool,
}

impl EvalOptions {
    pub fn parse(args: &[String]) -> Result<EvalOptions, String> {
        let mut input = None;
        let mut expression = None;
        let (mut compact, mut unquoted, mut cel) = (false, false, false);
        let mut it = args.iter();
        while let Some(a) = it.next() {
            match a.as_str() {
                "-i" | "--input" => {
                    input = Some(PathBuf::from(it.next().ok_or("--input needs a file")?))
                }
                "-c" | "--compact" => compact = true,
                "-u" | "--unquoted" => unquoted = true,
                "--cel" => cel = true,
                "--" => {
                    expression = it.next().cloned();
                    break;
                }
                other if other.starts_with("--input=") => input = Some(PathBuf::from(&other[8..])),
                other
                    if other.starts_with('-')
                        && other.len() > 1
                        && expression.is_none()
                        && !looks_like_expression(other) =>
                {
                    return Err(format!("unknown option `{other}`"));
                }
                other => {
                    if expression.is_some() {
                        return Err("eval takes one expression".into());
                    }
                    expression = Some(other.to_string());
                }
            }
        }
        let expression = expression.ok_or("eval needs an expression")?;
        Ok(EvalOptions {
            input,
            expression,
            compact,
            unquoted,
            cel,
        })
    }
}

/// `-` alone or `-1`... are not options; JMESPath has no leading `-` anyway.
fn looks_like_expression(s: &str) -> bool {
    s[1..].starts_with(|c: char| c.is_ascii_digit())
}

/// Reads the input document: the file, else standard input when it is not a terminal, else
/// null. YAML and JSON are both read the way Kubernetes reads YAML.
fn input_value(opts: &EvalOptions) -> Result<Value, String> {
    let text = match &opts.input {
        Some(path) => std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?,
        None if !std::io::stdin().is_terminal() => {
            let mut s = String::new();
            std::io::stdin()
                .read_to_string(&mut s)
                .map_err(|e| format!("cannot read standard input: {e}"))?;
            s
        }
        None => return Ok(Value::Null),
    };
    document_value(&text)
}

/// The first document of a YAML or JSON text as a JMESPath value.
pub fn document_value(text: &str) -> Result<Value, String> {
    let docs = crate::yaml::parse(text, &crate::yaml::Limits::default());
    let Some(doc) = docs.first() else {
        return Ok(Value::Null);
    };
    if let Some(d) = doc.diagnostics.first() {
        let index = crate::text::LineIndex::new(text);
        let p = index.position_utf16(text, d.span.start);
        return Err(format!(
            "input line {}, column {}: {}",
            p.line + 1,
            p.character + 1,
            d.message
        ));
    }
    Ok(doc
        .root
        .as_ref()
        .map_or(Value::Null, |r| Value::from_json(&r.to_json())))
}

pub fn run(opts: &EvalOptions, out: &mut dyn std::io::Write, err: &mut dyn std::io::Write) -> i32 {
    let data = match input_value(opts) {
        Ok(v) => v,
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            return 1;
        }
    };
    if opts.cel {
        return run_cel(opts, &data, out, err);
    }
    let ast = match parse(&opts.expression) {
        Ok(a) => a,
        Err(e) => {
            let _ = writeln!(
                err,
                "error: syntax error at column {}: {}",
                e.offset + 1,
                e.message
            );
            return 1;
        }
    };
    match evaluate(&ast, &data, &system_env()) {
        Ok(v) => {
            let text = match (&v, opts.unquoted, opts.compact) {
                (Value::String(s), true, _) => s.to_string(),
                (_, _, true) => crate::jmespath::json::to_go_json(&v),
                _ => crate::jmespath::json::to_go_json_indent(&v),
            };
            let _ = writeln!(out, "{text}");
            0
        }
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            1
        }
    }
}

/// `eval --cel`: the expression with the input document bound to `object`, as a CEL policy
/// sees a resource in `kyverno test` (every number a double).
fn run_cel(
    opts: &EvalOptions,
    data: &Value,
    out: &mut dyn std::io::Write,
    err: &mut dyn std::io::Write,
) -> i32 {
    let program = match crate::cel::Program::compile(&opts.expression) {
        Ok(p) => p,
        Err(errors) => {
            for e in errors {
                let column = opts.expression[..e.span.start.min(opts.expression.len())]
                    .chars()
                    .count();
                let _ = writeln!(
                    err,
                    "error: syntax error at column {}: {}",
                    column + 1,
                    e.message
                );
            }
            return 1;
        }
    };
    let mut bindings = crate::cel::Bindings::new();
    bindings.set("object", crate::cel::Value::from_json(data));
    let env = crate::cel::Env {
        now: system_env().now,
        ..crate::cel::Env::fixed()
    };
    match program.eval(&bindings, &env) {
        Ok(v) => {
            let json = v.to_json();
            let text = match (&json, opts.unquoted, opts.compact) {
                (Value::String(s), true, _) => s.to_string(),
                (_, _, true) => crate::jmespath::json::to_go_json(&json),
                _ => crate::jmespath::json::to_go_json_indent(&json),
            };
            let _ = writeln!(out, "{text}");
            0
        }
        Err(e) => {
            let _ = writeln!(err, "error: {}", e.message);
            1
        }
    }
}

/// The shell owns the clock: the core's time functions read "now" from here.
pub(super) fn system_env() -> Env {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let now = chrono::DateTime::from_timestamp(since.as_secs() as i64, since.subsec_nanos())
        .unwrap_or_default();
    Env {
        now: now.fixed_offset(),
        seed: since.as_nanos() as u64,
    }
}

/// `kyverno-ls functions [NAME]`: every function's signature and summary, or one in full.
pub fn functions(
    args: &[String],
    out: &mut dyn std::io::Write,
    err: &mut dyn std::io::Write,
) -> i32 {
    if args.first().is_some_and(|a| a == "--cel") {
        return cel_functions(&args[1..], out, err);
    }
    match args {
        [] => {
            for f in functions::all() {
                let summary = f
                    .doc
                    .split(". ")
                    .next()
                    .unwrap_or(f.doc)
                    .trim_end_matches('.');
                let origin = if f.kyverno { "kyverno" } else { "jmespath" };
                let _ = writeln!(
                    out,
                    "{}  [{origin}]\n    {summary}.",
                    crate::checks::jmespath_lint::signature(f)
                );
            }
            0
        }
        [name] => match functions::lookup(name) {
            Some(f) => {
                let origin = if f.kyverno {
                    "Kyverno custom function"
                } else {
                    "JMESPath built-in function"
                };
                let _ = writeln!(
                    out,
                    "{}\n\n{origin}\n\n{}\n\nExample: {}",
                    crate::checks::jmespath_lint::signature(f),
                    f.doc,
                    f.example
                );
                0
            }
            None => {
                let mut msg = format!("error: unknown function `{name}`");
                if let Some(b) =
                    crate::checks::did_you_mean(name, functions::all().iter().map(|f| f.name))
                {
                    msg.push_str(&format!("; did you mean `{b}`?"));
                }
                let _ = writeln!(err, "{msg}");
                1
            }
        },
        _ => {
            let _ = writeln!(err, "error: functions takes at most one function name");
            2
        }
    }
}

/// The first sentence of a doc paragraph, without its full stop.
fn summary(doc: &str) -> &str {
    doc.split(". ").next().unwrap_or(doc).trim_end_matches('.')
}

/// `kyverno-ls functions --cel [NAME]`: the CEL function table, or every overload of one name
/// (several libraries may add overloads to a name).
fn cel_functions(
    args: &[String],
    out: &mut dyn std::io::Write,
    err: &mut dyn std::io::Write,
) -> i32 {
    use crate::cel::functions as cel;
    match args {
        [] => {
            // Names the parser makes up for macros (`@…`, `__…`) are not for users.
            let mut all: Vec<&cel::FunctionSpec> = cel::all()
                .filter(|f| !f.name.starts_with('@') && !f.name.starts_with("__"))
                .collect();
            all.sort_by_key(|f| f.name);
            for f in all {
                let _ = writeln!(
                    out,
                    "{}\n    {}.",
                    f.signatures().join("\n"),
                    summary(f.doc)
                );
            }
            0
        }
        [name] => match cel::lookup(name) {
            Some(specs) => {
                for f in specs {
                    let _ = writeln!(out, "{}\n\n{}\n", f.signatures().join("\n"), f.doc);
                }
                0
            }
            None => {
                let mut msg = format!("error: unknown CEL function `{name}`");
                if let Some(b) = crate::checks::did_you_mean(name, cel::all().map(|f| f.name)) {
                    msg.push_str(&format!("; did you mean `{b}`?"));
                }
                let _ = writeln!(err, "{msg}");
                1
            }
        },
        _ => {
            let _ = writeln!(
                err,
                "error: functions --cel takes at most one function name"
            );
            2
        }
    }
}
