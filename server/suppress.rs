//! Ignore comments: `# kyverno-ls: ignore[code, …]` silences the listed diagnostic codes (all
//! of them when no list is given) on its own line when it trails some YAML, or on the next
//! line that is not a comment when it stands alone. `# kyverno-ls: ignore-document[code, …]`
//! before the first content of a YAML document silences them in the whole document. A comment
//! that silences nothing is itself reported (`unused-ignore`), so stale ones do not pile up.
//!
//! Ruff's `noqa` and ESLint's `eslint-disable-next-line` work the same way; the codes are the
//! stable diagnostic codes of the README's table.

use crate::diag::{Diagnostic, Span};

/// One ignore comment.
#[derive(Debug, Clone, PartialEq)]
struct Ignore {
    /// The comment, for `unused-ignore`.
    span: Span,
    /// Empty: every code.
    codes: Vec<String>,
    /// The bytes whose diagnostics it silences (those that start there).
    scope: Span,
    used: bool,
}

/// Drops the diagnostics that ignore comments in `text` silence, and reports the comments that
/// silenced nothing. Diagnostics stay sorted by position.
pub fn apply(text: &str, diagnostics: &mut Vec<Diagnostic>) {
    let mut ignores = parse(text);
    if ignores.is_empty() {
        return;
    }
    diagnostics.retain(|d| {
        let mut silenced = false;
        for i in ignores.iter_mut() {
            let in_scope =
                i.scope.start <= d.span.start && d.span.start < i.scope.end.max(i.scope.start + 1);
            if in_scope && (i.codes.is_empty() || i.codes.iter().any(|c| c == d.code)) {
                i.used = true;
                silenced = true;
            }
        }
        !silenced
    });
    for i in ignores.iter().filter(|i| !i.used) {
        let what = if i.codes.is_empty() {
            "no diagnostic".to_string()
        } else {
            format!(
                "no diagnostic with code {}",
                i.codes
                    .iter()
                    .map(|c| format!("`{c}`"))
                    .collect::<Vec<_>>()
                    .join(" or ")
            )
        };
        diagnostics.push(Diagnostic::warning(
            "unused-ignore",
            i.span.clone(),
            format!("This ignore comment silences nothing: {what} is reported where it applies. Remove it, or fix its codes."),
        ));
    }
    diagnostics.sort_by_key(|d| (d.span.start, d.span.end));
}

/// The ignore comments of `text`, with the range each one covers.
fn parse(text: &str) -> Vec<Ignore> {
    let lines: Vec<(usize, &str)> = {
        let mut at = 0;
        text.split_inclusive('\n')
            .map(|l| {
                let start = at;
                at += l.len();
                (start, l)
            })
            .collect()
    };
    let mut out = Vec::new();
    // Where the current YAML document starts, and whether content came since.
    let mut document = (0, false);
    for (n, (start, line)) in lines.iter().enumerate() {
        let body = line.trim_end_matches(['\n', '\r']);
        if body == "---" || body.starts_with("--- ") {
            document = (start + line.len(), false);
            continue;
        }
        let Some(hash) = comment_start(body) else {
            if !body.trim().is_empty() {
                document.1 = true;
            }
            continue;
        };
        let before = &body[..hash];
        let comment = &body[hash..];
        let Some((whole_document, codes)) = directive(comment) else {
            if !before.trim().is_empty() {
                document.1 = true;
            }
            continue;
        };
        let span = start + hash..start + body.len();
        let scope = if whole_document {
            if document.1 {
                // Too late in the document to cover it: reported as unused below.
                span.clone()
            } else {
                document.0..document_end(&lines, n)
            }
        } else if !before.trim().is_empty() {
            document.1 = true;
            *start..start + line.len()
        } else {
            // The next line that is neither blank nor a comment.
            match lines[n + 1..]
                .iter()
                .find(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
            {
                Some((s, l)) => *s..s + l.len(),
                None => span.clone(),
            }
        };
        out.push(Ignore {
            span,
            codes,
            scope,
            used: false,
        });
    }
    out
}

/// The end of the YAML document holding line `n`.
fn document_end(lines: &[(usize, &str)], n: usize) -> usize {
    lines[n..]
        .iter()
        .skip(1)
        .find(|(_, l)| {
            let b = l.trim_end_matches(['\n', '\r']);
            b == "---" || b.starts_with("--- ")
        })
        .map_or_else(|| lines.last().map_or(0, |(s, l)| s + l.len()), |(s, _)| *s)
}

/// Where a YAML comment starts on a line: a `#` at the start or after a space, outside quotes.
fn comment_start(line: &str) -> Option<usize> {
    let mut quote: Option<char> = None;
    let mut prev = ' ';
    for (i, c) in line.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '#' && (prev == ' ' || prev == '\t') => return Some(i),
            None if (c == '"' || c == '\'')
                && (prev == ' '
                    || prev == ':'
                    || prev == '-'
                    || prev == '['
                    || prev == ','
                    || prev == '{') =>
            {
                quote = Some(c)
            }
            None => {}
        }
        prev = c;
    }
    None
}

/// `# kyverno-ls: ignore[a, b]` → (false, [a, b]); `ignore-document` → (true, …).
fn directive(comment: &str) -> Option<(bool, Vec<String>)> {
    let rest = comment
        .strip_prefix('#')?
        .trim_start()
        .strip_prefix("kyverno-ls:")?
        .trim_start();
    let (whole, rest) = match rest.strip_prefix("ignore-document") {
        Some(r) => (true, r),
        None => (false, rest.strip_prefix("ignore")?),
    };
    let codes = match rest.trim_start().strip_prefix('[') {
        Some(list) => list
            .split(']')
            .next()?
            .split(',')
            .map(|c| c.trim().to_string())
            .filter(|c| !c.is_empty())
            .collect(),
        // `ignore` alone, or followed by a reason in words.
        None if rest.is_empty() || rest.starts_with(char::is_whitespace) => Vec::new(),
        None => return None,
    };
    Some((whole, codes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn diag(text: &str, code: &'static str, at: &str) -> Diagnostic {
        let start = text.find(at).unwrap();
        Diagnostic::warning(code, start..start + at.len(), "m")
    }

    /// What is left, as (code, flagged text).
    fn left(text: &str, mut ds: Vec<Diagnostic>) -> Vec<(&'static str, String)> {
        apply(text, &mut ds);
        ds.iter()
            .map(|d| (d.code, text[d.span.clone()].to_string()))
            .collect()
    }

    #[test]
    fn trailing_above_and_document_forms() {
        let text = "\
# kyverno-ls: ignore-document[deprecated]
spec:
  validationFailureAction: audit
  background: maybe # kyverno-ls: ignore[wrong-type]
  # kyverno-ls: ignore[unknown-field] reason: kept for an older Kyverno
  # another comment
  rulez: []
  other: x
---
kind: Pod # kyverno-ls: ignore
metadata: {name: \"a # not a comment\"}
";
        let ds = vec![
            diag(text, "deprecated", "validationFailureAction"),
            diag(text, "invalid-enum", "audit"),
            diag(text, "wrong-type", "maybe"),
            diag(text, "unknown-field", "rulez"),
            diag(text, "unknown-field", "other"),
            diag(text, "wrong-type", "Pod"),
            diag(text, "deprecated", "metadata"),
        ];
        assert_eq!(
            left(text, ds),
            vec![
                ("invalid-enum", "audit".to_string()),
                ("unknown-field", "other".to_string()),
                ("deprecated", "metadata".to_string()),
            ]
        );
    }

    #[test]
    fn a_comment_that_silences_nothing_is_reported() {
        let text = "a: 1 # kyverno-ls: ignore[wrong-type, deprecated]\nb: 2\n# kyverno-ls: ignore-document\n";
        let mut ds = vec![diag(text, "unknown-field", "b")];
        apply(text, &mut ds);
        let got: Vec<(&str, String, String)> = ds
            .iter()
            .map(|d| (d.code, text[d.span.clone()].to_string(), d.message.clone()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("unused-ignore", "# kyverno-ls: ignore[wrong-type, deprecated]".to_string(), "This ignore comment silences nothing: no diagnostic with code `wrong-type` or `deprecated` is reported where it applies. Remove it, or fix its codes.".to_string()),
                ("unknown-field", "b".to_string(), "m".to_string()),
                // After content: too late to cover the document.
                ("unused-ignore", "# kyverno-ls: ignore-document".to_string(), "This ignore comment silences nothing: no diagnostic is reported where it applies. Remove it, or fix its codes.".to_string()),
            ]
        );
    }

    #[test]
    fn other_comments_and_modelines_are_not_directives() {
        assert_eq!(directive("# kyverno-ls: resources=a.yaml"), None);
        assert_eq!(directive("# kyverno-ls: ignored"), None);
        assert_eq!(directive("# just a comment"), None);
        assert_eq!(
            directive("#kyverno-ls:ignore[ a ,b ]"),
            Some((false, vec!["a".to_string(), "b".to_string()]))
        );
        assert_eq!(comment_start("key: 'a # b' # c"), Some(13));
        assert_eq!(comment_start("key: a#b"), None);
    }
}
