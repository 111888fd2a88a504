//! `{{ expression }}` templates inside policy strings, found the way Kyverno finds them.
//!
//! Kyverno's pattern is `(^|[^\\])(\{\{(?:\{[^{}]*\}|[^{}])*\}\})`: a `{{` not preceded by a
//! backslash, a body of non-brace characters or single-level `{...}` groups (multi-select
//! hashes, JSON objects), then `}}`. A nested `{{ a-{{ b }} }}` therefore matches only the
//! inner `{{ b }}`; the outer one is evaluated after the inner is substituted.

use std::ops::Range;

/// One `{{ ... }}` occurrence in a string value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    /// Byte range of the whole `{{ ... }}` in the value.
    pub range: Range<usize>,
    /// Byte range of the expression (trimmed, without a leading `-`).
    pub expr: Range<usize>,
    /// `{{- expr }}`: substituted once, its result not scanned again.
    pub shallow: bool,
}

/// The templates of `s`, in order, non-overlapping.
pub fn find(s: &str) -> Vec<Template> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i + 1 < b.len() {
        if b[i] == b'{' && b[i + 1] == b'{' && (i == 0 || b[i - 1] != b'\\') {
            if let Some(end) = body_end(b, i + 2) {
                out.push(template(s, i, end));
                i = end;
                continue;
            }
        }
        i += 1;
    }
    out
}

/// The end (exclusive, after `}}`) of a template body starting at `j`, if it closes.
fn body_end(b: &[u8], mut j: usize) -> Option<usize> {
    while j < b.len() {
        match b[j] {
            b'}' => return (b.get(j + 1) == Some(&b'}')).then_some(j + 2),
            b'{' => {
                // A single-level group: `{` then non-braces then `}`.
                let close = b[j + 1..].iter().position(|&c| c == b'{' || c == b'}')?;
                if b[j + 1 + close] != b'}' {
                    return None;
                }
                j += close + 2;
            }
            _ => j += 1,
        }
    }
    None
}

fn template(s: &str, start: usize, end: usize) -> Template {
    let inner = start + 2..end - 2;
    let text = &s[inner.clone()];
    let lead = text.len() - text.trim_start().len();
    let mut expr_start = inner.start + lead;
    let expr_end = inner.start + text.trim_end().len().max(lead);
    let mut shallow = false;
    if s[expr_start..expr_end].starts_with('-') {
        shallow = true;
        let after = &s[expr_start + 1..expr_end];
        expr_start += 1 + (after.len() - after.trim_start().len());
    }
    Template {
        range: start..end,
        expr: expr_start..expr_end.max(expr_start),
        shallow,
    }
}

/// Whether `s` is exactly one template and nothing else: its value then keeps the result's
/// type (number, object...) instead of becoming a string.
pub fn is_whole(s: &str) -> bool {
    matches!(find(s).as_slice(), [t] if t.range == (0..s.len()))
}

/// `$(./../key)` references inside patterns, found as Kyverno finds them
/// (`^\$\(.[^ ]*\)|[^\\]\$\(.[^ ]*\)`): `$(` not preceded by a backslash, at least one
/// character, then everything up to the last `)` before a space. Returns the byte ranges of
/// the whole references and of their paths (which may start with an operator like `<=`).
pub fn find_references(s: &str) -> Vec<(Range<usize>, Range<usize>)> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i + 1 < b.len() {
        if b[i] == b'$' && b[i + 1] == b'(' && (i == 0 || b[i - 1] != b'\\') {
            let run_end = b[i + 2..]
                .iter()
                .position(|&c| c == b' ')
                .map_or(b.len(), |p| i + 2 + p);
            // The greedy `[^ ]*` backs off to the last `)` of the run, past at least one char
            // (which may take several bytes).
            let first = s[i + 2..run_end]
                .chars()
                .next()
                .map_or(run_end, |c| i + 2 + c.len_utf8());
            if let Some(close) = s[first..run_end].rfind(')') {
                let end = first + close + 1;
                if end > i + 3 {
                    out.push((i..end, i + 2..end - 1));
                    i = end;
                    continue;
                }
            }
        }
        i += 1;
    }
    out
}

/// Why substituting a string's templates failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubstError {
    /// Evaluating `expr` failed with `message` (Kyverno's wording).
    Eval { expr: String, message: String },
    /// Results kept producing new templates.
    TooManyPasses,
}

/// Most passes over one string: every pass resolves a template unless results contain new
/// ones, so more than this means a loop.
pub const MAX_PASSES: usize = crate::limits::MAX_SUBSTITUTION_PASSES;

/// Substitutes every template of `s` as Kyverno does: innermost first, re-scanning until none
/// remain. A string that is exactly one template becomes the typed result; embedded results
/// are inserted as text (strings) or JSON (anything else). `\{{` escapes are kept from
/// evaluation and unescaped at the end. On a DELETE request `request.object` reads
/// `request.oldObject`.
pub fn substitute(
    s: &str,
    delete: bool,
    eval: &mut dyn FnMut(&str) -> Result<super::Value, String>,
) -> Result<super::Value, SubstError> {
    use super::Value;
    let mut value = s.to_string();
    for _ in 0..MAX_PASSES {
        let found = find(&value);
        let Some(t) = found.first() else {
            return Ok(Value::string(unescape(&value)));
        };
        let mut expr = value[t.expr.clone()].to_string();
        if delete {
            expr = expr.replace("request.object", "request.oldObject");
        }
        let result = eval(&expr).map_err(|message| SubstError::Eval {
            expr: expr.clone(),
            message,
        })?;
        if t.range == (0..value.len()) && !t.shallow {
            match result {
                Value::String(text) => {
                    value = text.to_string();
                    continue;
                }
                other => return Ok(other),
            }
        }
        let mut text = match &result {
            Value::String(text) => text.to_string(),
            other => super::json::to_go_json(other),
        };
        if t.shallow {
            // The result is final: its own templates are not evaluated.
            text = text.replace("{{", "\\{{");
        }
        value.replace_range(t.range.clone(), &text);
    }
    Err(SubstError::TooManyPasses)
}

/// `\{{` back to `{{` once substitution is done.
fn unescape(s: &str) -> String {
    s.replace("\\{{", "{{")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exprs(s: &str) -> Vec<&str> {
        find(s).into_iter().map(|t| &s[t.expr]).collect()
    }

    #[test]
    fn finds_templates_like_kyverno() {
        assert_eq!(
            exprs("{{ request.object.metadata.name }}"),
            ["request.object.metadata.name"]
        );
        assert_eq!(exprs("a-{{x}}-b {{ y }}"), ["x", "y"]);
        assert_eq!(exprs(r"not \{{ this }} but {{ that }}"), ["that"]);
        assert_eq!(exprs("{{ a-{{ b }} }}"), ["b"]);
        assert_eq!(
            exprs("{{ {name: metadata.name} }}"),
            ["{name: metadata.name}"]
        );
        assert_eq!(exprs("{{ unclosed"), Vec::<&str>::new());
        assert_eq!(exprs("{{}}"), [""]);
        let t = &find("{{- element.name }}")[0];
        assert!(t.shallow);
        assert_eq!(&"{{- element.name }}"[t.expr.clone()], "element.name");
        assert!(is_whole("{{ a }}"));
        assert!(!is_whole(" {{ a }}"));
        assert!(!is_whole("{{ a }}{{ b }}"));
    }

    #[test]
    fn finds_pattern_references() {
        let refs = |s: &str| {
            find_references(s)
                .into_iter()
                .map(|(_, p)| s[p].to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(refs("$(./../name)"), ["./../name"]);
        assert_eq!(
            refs("<=$(<=./../../limits/memory)"),
            ["<=./../../limits/memory"]
        );
        assert_eq!(refs(r"\$(not) but $(yes)"), ["yes"]);
        assert_eq!(refs("$()"), Vec::<String>::new());
        assert_eq!(refs("$(a) $(b)"), ["a", "b"]);
        // Found by the template fuzz target: a multi-byte first character panicked.
        assert_eq!(refs("$(é"), Vec::<String>::new());
        assert_eq!(refs("$(é)"), ["é"]);
        assert_eq!(refs("$(é))"), ["é)"]);
        assert_eq!(refs("$(x)é)"), ["x)é"]);
    }

    #[test]
    fn substitution_keeps_types_and_embeds_json() {
        use crate::jmespath::Value;
        let mut eval = |e: &str| -> Result<Value, String> {
            match e {
                "n" => Ok(Value::Number(3.0)),
                "s" => Ok(Value::from("x")),
                "l" => Ok(Value::array(vec![Value::from("a"), Value::Number(1.5)])),
                "inner" => Ok(Value::from("n")),
                "request.oldObject.a" => Ok(Value::from("old")),
                "t" => Ok(Value::from("{{ n }}")),
                other => Err(format!("Unknown key \"{other}\" in path")),
            }
        };
        assert_eq!(
            substitute("{{ n }}", false, &mut eval),
            Ok(Value::Number(3.0))
        );
        assert_eq!(
            substitute("n={{ n }}, s={{s}}, l={{ l }}", false, &mut eval),
            Ok(Value::from("n=3, s=x, l=[\"a\",1.5]"))
        );
        assert_eq!(
            substitute("{{ {{ inner }} }}", false, &mut eval),
            Ok(Value::Number(3.0))
        );
        assert_eq!(
            substitute("keep \\{{ n }}", false, &mut eval),
            Ok(Value::from("keep {{ n }}"))
        );
        assert_eq!(
            substitute("{{ request.object.a }}", true, &mut eval),
            Ok(Value::from("old"))
        );
        assert_eq!(
            substitute("{{ t }}", false, &mut eval),
            Ok(Value::Number(3.0))
        );
        assert_eq!(
            substitute("x{{- t }}", false, &mut eval),
            Ok(Value::from("x{{ n }}"))
        );
        assert_eq!(
            substitute("{{ missing }}", false, &mut eval),
            Err(SubstError::Eval {
                expr: "missing".into(),
                message: "Unknown key \"missing\" in path".into()
            })
        );
    }
}
