//! Quick fixes: the diagnostics whose message ends in a "did you mean" (fields, enum values,
//! functions, variables, kinds, resource fields in patterns, patches and expressions) offer to
//! write the suggestion in place of the misspelt word, and only that word: an anchor around a
//! key, or a path around a field, stays as it is.

use crate::analysis::Analysis;
use crate::diag::{Diagnostic, Span};

/// One fix of one diagnostic.
#[derive(Debug, Clone, PartialEq)]
pub struct Fix {
    pub title: String,
    pub diagnostic: Diagnostic,
    /// The bytes to replace, and with what.
    pub span: Span,
    pub new_text: String,
}

/// The backticked words of a message, in order.
fn quoted(message: &str) -> Vec<&str> {
    message.split('`').skip(1).step_by(2).collect()
}

/// The fixes of the diagnostics that overlap `range`.
pub fn quick_fixes(text: &str, analysis: &Analysis, range: Span) -> Vec<Fix> {
    let mut out = Vec::new();
    for d in &analysis.diagnostics {
        let touches = d.span.start <= range.end && range.start <= d.span.end;
        if !touches {
            continue;
        }
        // "Did you mean `x`?" ends most messages; some ask it mid-sentence.
        let Some((_, tail)) = d.message.rsplit_once("id you mean `") else {
            continue;
        };
        let Some(suggestion) = tail.split('`').next().filter(|s| !s.is_empty()) else {
            continue;
        };
        let Some(written) = text.get(d.span.clone()) else {
            continue;
        };
        // The misspelt word is the quoted word of the message, found in the flagged text,
        // that is closest to the suggestion (`replica` rather than `/spec/replica`).
        let before_hint = &d.message[..d.message.len() - tail.len()];
        let word = quoted(before_hint)
            .into_iter()
            .filter(|w| !w.is_empty() && *w != suggestion && written.contains(w))
            .min_by_key(|w| strsim::levenshtein(w, suggestion));
        let span = match word {
            Some(w) => {
                let at = d.span.start + written.find(w).unwrap_or(0);
                at..at + w.len()
            }
            // A bare word flagged whole (an enum value, a function name).
            None if !written.contains(char::is_whitespace) => d.span.clone(),
            None => continue,
        };
        out.push(Fix {
            title: format!("Change to `{suggestion}`"),
            diagnostic: d.clone(),
            span,
            new_text: suggestion.to_string(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::analyze;

    #[test]
    fn a_suggestion_replaces_only_the_misspelt_word() {
        let text = "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata:\n  name: p\nspec:\n  rules:\n  - name: r\n    match:\n      any:\n      - resources:\n          kinds: [Pods]\n    validate:\n      failureAction: Audit\n      message: m\n      pattern:\n        spec:\n          =(securityContext):\n            =(runAsNonRot): true\n";
        let a = analyze(text);
        let fixes = quick_fixes(text, &a, 0..text.len());
        let got: Vec<(String, &str, String)> = fixes
            .iter()
            .map(|f| {
                (
                    f.diagnostic.code.to_string(),
                    &text[f.span.clone()],
                    f.new_text.clone(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![("unknown-kind".to_string(), "Pods", "Pod".to_string())],
            "a Pods kind hides the pattern check, which needs known kinds"
        );
        let text = text.replace("[Pods]", "[Pod]");
        let a = analyze(&text);
        let fixes = quick_fixes(&text, &a, 0..text.len());
        let got: Vec<(&str, &str, &str)> = fixes
            .iter()
            .map(|f| {
                (
                    f.diagnostic.code,
                    &text[f.span.clone()],
                    f.new_text.as_str(),
                )
            })
            .collect();
        // Inside the anchor: the parentheses stay.
        assert_eq!(
            got,
            vec![("pattern-unknown-field", "runAsNonRot", "runAsNonRoot")]
        );
        assert_eq!(fixes[0].title, "Change to `runAsNonRoot`");
        // Only the diagnostics under the range.
        assert!(quick_fixes(&text, &a, 0..10).is_empty());
    }
}
