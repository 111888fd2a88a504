//! Quick fixes. The diagnostics whose message ends in a "did you mean" (fields, enum values,
//! functions, variables, kinds, resource fields in patterns, patches and expressions) offer to
//! write the suggestion in place of the misspelt word, and only that word: an anchor around a
//! key, or a path around a field, stays as it is. Deprecated forms have mechanical rewrites:
//! operators, lowercase failure actions, the policy-wide `validationFailureAction` (and its
//! overrides) moved into each rule, the legacy `match.resources`, and `background: false` for
//! a policy that reads admission-only variables.
//!
//! Edits are the smallest change that fixes the finding: the rest of each line, comments and
//! quoting are kept, and moved blocks keep their own layout, shifted to the new indentation.

use crate::analysis::Analysis;
use crate::diag::{Diagnostic, Span};
use crate::yaml::{Node, NodeKind};

/// One text replacement.
#[derive(Debug, Clone, PartialEq)]
pub struct Edit {
    pub span: Span,
    pub new_text: String,
}

/// One fix of one diagnostic.
#[derive(Debug, Clone, PartialEq)]
pub struct Fix {
    pub title: String,
    pub diagnostic: Diagnostic,
    /// Non-overlapping, in text order.
    pub edits: Vec<Edit>,
    /// The one fix that makes sense for the diagnostic: the editor marks it preferred, and
    /// "fix all" and `check --fix` apply it. A choice between fixes has none preferred.
    pub preferred: bool,
}

/// The backticked words of a message, in order.
fn quoted(message: &str) -> Vec<&str> {
    message.split('`').skip(1).step_by(2).collect()
}

/// The fixes of the diagnostics that overlap `range`.
pub fn quick_fixes(text: &str, analysis: &Analysis, range: Span) -> Vec<Fix> {
    let mut out = Vec::new();
    let mut check = Checker::new(text);
    for d in &analysis.diagnostics {
        let touches = d.span.start <= range.end && range.start <= d.span.end;
        if touches {
            out.extend(check.demote(fixes_for(text, analysis, d)));
        }
    }
    out
}

/// Demotes a preferred fix when applying it alone makes an error that was not there (a field
/// renamed to one that takes another type: `ruleName: x` is not a valid `ruleNames`). Such a
/// fix is still offered, for the author to finish by hand. The text's own errors are found
/// once, on the first preferred fix, however many diagnostics ask.
struct Checker<'a> {
    text: &'a str,
    before: Option<Vec<(&'static str, String)>>,
}

impl<'a> Checker<'a> {
    fn new(text: &'a str) -> Self {
        Checker { text, before: None }
    }

    fn errors(text: &str) -> Vec<(&'static str, String)> {
        crate::analysis::analyze(text)
            .diagnostics
            .into_iter()
            .filter(|d| d.severity == crate::diag::Severity::Error)
            .map(|d| (d.code, d.message))
            .collect()
    }

    fn demote(&mut self, mut fixes: Vec<Fix>) -> Vec<Fix> {
        for f in fixes.iter_mut().filter(|f| f.preferred) {
            let text = self.text;
            let before = self.before.get_or_insert_with(|| Self::errors(text));
            let after = Self::errors(&apply(text, &f.edits));
            if after.iter().any(|e| !before.contains(e)) {
                f.preferred = false;
            }
        }
        fixes
    }
}

/// The preferred fix of every diagnostic, as one list of non-overlapping edits in text order:
/// where two fixes touch the same text, the first one wins and the other waits for the next
/// round (the caller analyses again and repeats).
pub fn fix_all(text: &str, analysis: &Analysis) -> Vec<Edit> {
    let mut edits: Vec<Edit> = Vec::new();
    let mut check = Checker::new(text);
    for d in &analysis.diagnostics {
        let fixes = check.demote(fixes_for(text, analysis, d));
        for fix in fixes.into_iter().filter(|f| f.preferred) {
            let clashes = fix
                .edits
                .iter()
                .any(|e| edits.iter().any(|o| overlaps(&e.span, &o.span)));
            if !clashes {
                edits.extend(fix.edits);
            }
        }
    }
    edits.sort_by_key(|e| e.span.start);
    edits
}

/// Whether two edits touch the same text: overlapping ranges, an insertion inside a range, or
/// two insertions at one place.
fn overlaps(a: &Span, b: &Span) -> bool {
    (a.start < b.end && b.start < a.end) || a.start == b.start
}

/// `text` with `edits` (non-overlapping) applied.
pub fn apply(text: &str, edits: &[Edit]) -> String {
    let mut sorted: Vec<&Edit> = edits.iter().collect();
    sorted.sort_by_key(|e| e.span.start);
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for e in sorted {
        if e.span.start < at || e.span.end > text.len() {
            continue;
        }
        out.push_str(&text[at..e.span.start]);
        out.push_str(&e.new_text);
        at = e.span.end;
    }
    out.push_str(&text[at..]);
    out
}

fn fixes_for(text: &str, analysis: &Analysis, d: &Diagnostic) -> Vec<Fix> {
    let fix = |title: String, edits: Vec<Edit>, preferred: bool| Fix {
        title,
        diagnostic: d.clone(),
        edits,
        preferred,
    };
    match d.code {
        "deprecated" => deprecated(text, analysis, d)
            .into_iter()
            .map(|(title, edits, preferred)| fix(title, edits, preferred))
            .collect(),
        "background-variable" => background_false(text, analysis, d)
            .map(|edits| fix("Set `spec.background: false`".into(), edits, true))
            .into_iter()
            .collect(),
        _ => did_you_mean(text, d)
            .map(|(suggestion, span)| {
                fix(
                    format!("Change to `{suggestion}`"),
                    vec![Edit {
                        span,
                        new_text: suggestion,
                    }],
                    true,
                )
            })
            .into_iter()
            .collect(),
    }
}

/// The suggestion of a "did you mean" message, and the span of the word it replaces.
fn did_you_mean(text: &str, d: &Diagnostic) -> Option<(String, Span)> {
    // "Did you mean `x`?" ends most messages; some ask it mid-sentence.
    let (_, tail) = d.message.rsplit_once("id you mean `")?;
    let suggestion = tail.split('`').next().filter(|s| !s.is_empty())?;
    let written = text.get(d.span.clone())?;
    // The misspelt word is the quoted word of the message, found in the flagged text, that is
    // closest to the suggestion (`replica` rather than `/spec/replica`).
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
        None => return None,
    };
    Some((suggestion.to_string(), span))
}

type Choice = (String, Vec<Edit>, bool);

/// The rewrites of a `deprecated` finding, told apart by what it flags.
fn deprecated(text: &str, analysis: &Analysis, d: &Diagnostic) -> Vec<Choice> {
    let written = text.get(d.span.clone()).unwrap_or("");
    let word = written.trim_matches(|c| c == '"' || c == '\'');
    let root = analysis
        .document_at(d.span.start)
        .and_then(|doc| doc.doc.root.as_ref());
    let Some(root) = root else {
        return Vec::new();
    };
    if d.message.starts_with("The operator `") {
        return operator(text, root, d, word);
    }
    if d.message.starts_with("The lowercase `") {
        let fixed = if word == "audit" { "Audit" } else { "Enforce" };
        return vec![(
            format!("Write `{fixed}`"),
            vec![replace_word(d, written, word, fixed)],
            true,
        )];
    }
    if word == "validationFailureAction" || word == "validationFailureActionOverrides" {
        return move_into_rules(text, root, word).into_iter().collect();
    }
    if d.message.contains("is the legacy form") {
        return legacy_match(text, root, d).into_iter().collect();
    }
    Vec::new()
}

/// `word` inside the flagged text replaced by `new`, quotes kept.
fn replace_word(d: &Diagnostic, written: &str, word: &str, new: &str) -> Edit {
    let at = d.span.start + written.find(word).unwrap_or(0);
    Edit {
        span: at..at + word.len(),
        new_text: new.to_string(),
    }
}

/// `Equal` and `NotEqual` have one successor. `In` and `NotIn` have two, which agree when the
/// key is a single value; for a list key the old operator meant "all in" and "any not in".
/// A key computed by `{{ }}` could be either, so both are offered.
fn operator(text: &str, root: &Node, d: &Diagnostic, word: &str) -> Vec<Choice> {
    let written = text.get(d.span.clone()).unwrap_or("");
    let edit = |new: &str| vec![replace_word(d, written, word, new)];
    let title = |new: &str| format!("Replace `{word}` with `{new}`");
    let single = |new: &str| vec![(title(new), edit(new), true)];
    match word {
        "Equal" => return single("Equals"),
        "NotEqual" => return single("NotEquals"),
        _ => {}
    }
    let (any, all, list_means) = match word {
        "In" => ("AnyIn", "AllIn", "AllIn"),
        "NotIn" => ("AnyNotIn", "AllNotIn", "AnyNotIn"),
        _ => return Vec::new(),
    };
    let key = condition_of(root, d.span.start).and_then(|c| c.get("key"));
    match key.map(|k| &k.kind) {
        Some(NodeKind::Sequence(_)) => single(list_means),
        Some(NodeKind::Scalar(s)) if !s.text.contains("{{") => single(any),
        _ => vec![
            (title(any), edit(any), false),
            (title(all), edit(all), false),
        ],
    }
}

/// The mapping that holds the scalar at `offset` as a value.
fn condition_of(root: &Node, offset: usize) -> Option<&Node> {
    let mut node = root;
    let mut parent = None;
    loop {
        match &node.kind {
            NodeKind::Mapping(entries) => {
                let e = entries.iter().find(|e| contains(&e.value, offset))?;
                parent = Some(node);
                node = &e.value;
            }
            NodeKind::Sequence(items) => {
                node = items.iter().find(|i| contains(i, offset))?;
            }
            NodeKind::Scalar(_) => return parent,
        }
    }
}

fn contains(n: &Node, offset: usize) -> bool {
    n.span.start <= offset && offset < n.span.end.max(n.span.start + 1)
}

fn line_start(text: &str, at: usize) -> usize {
    text[..at].rfind('\n').map_or(0, |i| i + 1)
}

/// The end of the line holding `at`, past its newline.
fn line_end(text: &str, at: usize) -> usize {
    text[at..].find('\n').map_or(text.len(), |i| at + i + 1)
}

fn column(text: &str, at: usize) -> usize {
    at - line_start(text, at)
}

/// Whether only spaces precede `at` on its line.
fn starts_line(text: &str, at: usize) -> bool {
    text[line_start(text, at)..at].chars().all(|c| c == ' ')
}

/// The whole lines of an entry written in block style, from its key's line through its
/// value's last line: None when something else shares those lines.
fn entry_lines(text: &str, key: &Node, value: &Node) -> Option<Span> {
    if !starts_line(text, key.span.start) {
        return None;
    }
    let end = line_end(text, value.span.end.max(key.span.end));
    let rest = text[value.span.end.max(key.span.end)..end].trim();
    (rest.is_empty() || rest.starts_with('#')).then(|| line_start(text, key.span.start)..end)
}

/// Each line of `block` indented by `by` more spaces (blank lines stay empty).
fn indent(block: &str, by: usize) -> String {
    let pad = " ".repeat(by);
    block
        .split_inclusive('\n')
        .map(|l| {
            if l.trim().is_empty() {
                l.to_string()
            } else {
                format!("{pad}{l}")
            }
        })
        .collect()
}

/// `spec.validationFailureAction` (or its overrides) removed, and written into each rule's
/// `validate` that does not set its own. Rules other than validate rules read the policy-wide
/// value too (verifyImages), so a policy with them gets no fix.
fn move_into_rules(text: &str, root: &Node, field: &str) -> Option<Choice> {
    let spec = root.get("spec")?;
    let entry = spec.entry(field)?;
    let removal = entry_lines(text, &entry.key, &entry.value)?;
    let new_field = if field == "validationFailureAction" {
        "failureAction"
    } else {
        "failureActionOverrides"
    };
    let rules = spec.get("rules")?.as_sequence()?;
    let mut edits = vec![Edit {
        span: removal,
        new_text: String::new(),
    }];
    for rule in rules {
        if rule.get("verifyImages").is_some() {
            return None;
        }
        let Some(validate) = rule.get("validate") else {
            continue;
        };
        if validate.get(new_field).is_some() {
            continue;
        }
        let first = validate.as_mapping()?.first()?;
        if !starts_line(text, first.key.span.start) {
            return None;
        }
        let col = column(text, first.key.span.start);
        let value = &entry.value;
        let moved = if text[entry.key.span.end..value.span.start].contains('\n') {
            // A block value: its lines move with it, shifted to the new indentation.
            let block = &text[line_start(text, value.span.start)..line_end(text, value.span.end)];
            let from = column(text, entry.key.span.start);
            format!(
                "{}{new_field}:\n{}",
                " ".repeat(col),
                indent(block, col.saturating_sub(from))
            )
        } else {
            // A comment after the value travels with it.
            let after = &text[value.span.end..line_end(text, value.span.end)];
            let comment = after.trim_end_matches('\n');
            let comment = if comment.trim_start().starts_with('#') {
                comment
            } else {
                ""
            };
            // The rule's field takes only the capitalised values.
            let written = &text[value.span.clone()];
            let moved = match written.trim_matches(|c| c == '"' || c == '\'') {
                "audit" => written.replace("audit", "Audit"),
                "enforce" => written.replace("enforce", "Enforce"),
                _ => written.to_string(),
            };
            format!("{}{new_field}: {moved}{comment}\n", " ".repeat(col))
        };
        let at = line_start(text, first.key.span.start);
        edits.push(Edit {
            span: at..at,
            new_text: moved,
        });
    }
    edits.sort_by_key(|e| e.span.start);
    Some((
        format!("Move `{field}` into each rule's `validate.{new_field}`"),
        edits,
        true,
    ))
}

/// The filter fields that the legacy form writes straight under `match` or `exclude`.
const FILTER_FIELDS: &[&str] = &["resources", "subjects", "roles", "clusterRoles"];

/// `match: {resources: ...}` rewritten as `match: {any: [{resources: ...}]}`: the entries
/// become the one item of `any`, their lines indented under the new `- `.
fn legacy_match(text: &str, root: &Node, d: &Diagnostic) -> Option<Choice> {
    let block = containing_mapping(root, d.span.start)?;
    let entries = block.as_mapping()?;
    if entries
        .iter()
        .any(|e| !FILTER_FIELDS.contains(&e.key.as_str().unwrap_or("")))
    {
        return None;
    }
    let first = entries.first()?;
    let last = entries.last()?;
    if !starts_line(text, first.key.span.start) {
        return None;
    }
    let lines = line_start(text, first.key.span.start)..line_end(text, last.value.span.end);
    let col = column(text, first.key.span.start);
    let body = &text[lines.clone()];
    let (head, rest) = body.split_at(body.find('\n').map_or(body.len(), |i| i + 1));
    let new_text = format!(
        "{pad}any:\n{pad}  - {}{}",
        &head[col..],
        indent(rest, 4),
        pad = " ".repeat(col)
    );
    Some((
        "Rewrite as `any: [{resources: ...}]`".into(),
        vec![Edit {
            span: lines,
            new_text,
        }],
        true,
    ))
}

/// The mapping whose key spans `offset`.
fn containing_mapping(root: &Node, offset: usize) -> Option<&Node> {
    let mut node = root;
    loop {
        match &node.kind {
            NodeKind::Mapping(entries) => {
                if entries.iter().any(|e| contains(&e.key, offset)) {
                    return Some(node);
                }
                node = &entries.iter().find(|e| contains(&e.value, offset))?.value;
            }
            NodeKind::Sequence(items) => node = items.iter().find(|i| contains(i, offset))?,
            NodeKind::Scalar(_) => return None,
        }
    }
}

/// `spec.background: false`: the value changed where it is written, else the field added as
/// the first of `spec`.
fn background_false(text: &str, analysis: &Analysis, d: &Diagnostic) -> Option<Vec<Edit>> {
    let root = analysis.document_at(d.span.start)?.doc.root.as_ref()?;
    let spec = root.get("spec")?;
    if let Some(value) = spec.get("background") {
        let written = text.get(value.span.clone())?;
        let word = written.trim_matches(|c| c == '"' || c == '\'');
        let at = value.span.start + written.find(word)?;
        return Some(vec![Edit {
            span: at..at + word.len(),
            new_text: "false".into(),
        }]);
    }
    let first = spec.as_mapping()?.first()?;
    if !starts_line(text, first.key.span.start) {
        return None;
    }
    let at = line_start(text, first.key.span.start);
    Some(vec![Edit {
        span: at..at,
        new_text: format!(
            "{}background: false\n",
            " ".repeat(column(text, first.key.span.start))
        ),
    }])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::analyze;

    /// The fixes of `text`, as (code, replaced text, new text).
    fn fixes(text: &str) -> Vec<(String, String, String)> {
        let a = analyze(text);
        quick_fixes(text, &a, 0..text.len())
            .iter()
            .flat_map(|f| {
                f.edits.iter().map(|e| {
                    (
                        f.diagnostic.code.to_string(),
                        text[e.span.clone()].to_string(),
                        e.new_text.clone(),
                    )
                })
            })
            .collect()
    }

    #[test]
    fn a_suggestion_replaces_only_the_misspelt_word() {
        let text = "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata:\n  name: p\nspec:\n  rules:\n  - name: r\n    match:\n      any:\n      - resources:\n          kinds: [Pods]\n    validate:\n      failureAction: Audit\n      message: m\n      pattern:\n        spec:\n          =(securityContext):\n            =(runAsNonRot): true\n";
        assert_eq!(
            fixes(text),
            vec![("unknown-kind".into(), "Pods".into(), "Pod".into())],
            "a Pods kind hides the pattern check, which needs known kinds"
        );
        let text = text.replace("[Pods]", "[Pod]");
        // Inside the anchor: the parentheses stay.
        assert_eq!(
            fixes(&text),
            vec![(
                "pattern-unknown-field".into(),
                "runAsNonRot".into(),
                "runAsNonRoot".into()
            )]
        );
        let a = analyze(&text);
        assert_eq!(
            quick_fixes(&text, &a, 0..text.len())[0].title,
            "Change to `runAsNonRoot`"
        );
        // Only the diagnostics under the range.
        assert!(quick_fixes(&text, &a, 0..10).is_empty());
    }

    /// `text` after every preferred fix, repeated until nothing changes.
    fn fixed(text: &str) -> String {
        let mut text = text.to_string();
        for _ in 0..5 {
            let a = analyze(&text);
            let edits = fix_all(&text, &a);
            if edits.is_empty() {
                break;
            }
            text = apply(&text, &edits);
        }
        text
    }

    const LEGACY: &str = "apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: legacy
spec:
  validationFailureAction: enforce # block in production
  background: true
  rules:
  - name: team
    match:
      resources:
        kinds:
        - Pod
        # every namespace
        namespaces: [\"*\"]
    preconditions:
      all:
      - key: \"{{ request.operation }}\"
        operator: In
        value: [CREATE, UPDATE]
      - key: \"{{ request.object.metadata.labels.team || '' }}\"
        operator: NotIn
        value: [\"\"]
      - key: [a, b]
        operator: In
        value: [a, b, c]
      - key: '1'
        operator: Equal
        value: '1'
    validate:
      message: \"by {{ request.userInfo.username }}\"
      pattern:
        metadata:
          labels:
            team: \"?*\"
";

    #[test]
    fn fix_all_rewrites_every_deprecated_form_and_keeps_comments_and_quotes() {
        let after = fixed(LEGACY);
        assert_eq!(
            after,
            "apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: legacy
spec:
  background: false
  rules:
  - name: team
    match:
      any:
        - resources:
            kinds:
            - Pod
            # every namespace
            namespaces: [\"*\"]
    preconditions:
      all:
      - key: \"{{ request.operation }}\"
        operator: In
        value: [CREATE, UPDATE]
      - key: \"{{ request.object.metadata.labels.team || '' }}\"
        operator: NotIn
        value: [\"\"]
      - key: [a, b]
        operator: AllIn
        value: [a, b, c]
      - key: '1'
        operator: Equals
        value: '1'
    validate:
      failureAction: Enforce # block in production
      message: \"by {{ request.userInfo.username }}\"
      pattern:
        metadata:
          labels:
            team: \"?*\"
"
        );
        // What is left needs a choice: `In` on a value `{{ }}` computes.
        let a = analyze(&after);
        let left: Vec<&str> = a.diagnostics.iter().map(|d| d.code).collect();
        assert_eq!(left, ["deprecated", "deprecated"]);
        let choices: Vec<(String, bool)> = quick_fixes(&after, &a, 0..after.len())
            .into_iter()
            .map(|f| (f.title, f.preferred))
            .collect();
        assert_eq!(
            choices,
            [
                ("Replace `In` with `AnyIn`".to_string(), false),
                ("Replace `In` with `AllIn`".to_string(), false),
                ("Replace `NotIn` with `AnyNotIn`".to_string(), false),
                ("Replace `NotIn` with `AllNotIn`".to_string(), false),
            ]
        );
    }

    #[test]
    fn the_lowercase_action_is_capitalised_when_moved() {
        // The rule's `failureAction` takes only `Audit` and `Enforce`.
        let a = analyze(LEGACY);
        let titles: Vec<String> = quick_fixes(LEGACY, &a, 0..LEGACY.len())
            .into_iter()
            .filter(|f| f.preferred)
            .map(|f| f.title)
            .collect();
        assert!(
            titles.contains(&"Write `Enforce`".to_string()),
            "{titles:?}"
        );
        assert!(
            titles.contains(
                &"Move `validationFailureAction` into each rule's `validate.failureAction`"
                    .to_string()
            ),
            "{titles:?}"
        );
    }

    #[test]
    fn overrides_move_as_a_block() {
        let text = "apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: o
spec:
  validationFailureActionOverrides:
    - action: Audit
      namespaces: [dev]
  rules:
    - name: r
      match:
        any:
          - resources:
              kinds: [Pod]
      validate:
        failureAction: Enforce
        message: m
        pattern:
          metadata:
            name: \"?*\"
";
        assert_eq!(
            fixed(text),
            "apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: o
spec:
  rules:
    - name: r
      match:
        any:
          - resources:
              kinds: [Pod]
      validate:
        failureActionOverrides:
          - action: Audit
            namespaces: [dev]
        failureAction: Enforce
        message: m
        pattern:
          metadata:
            name: \"?*\"
"
        );
    }

    #[test]
    fn background_is_added_when_absent() {
        let text = "apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: b
spec:
  rules:
  - name: r
    match:
      any:
      - resources:
          kinds: [Pod]
    validate:
      failureAction: Audit
      message: \"{{ request.userInfo.username }}\"
      deny: {}
";
        assert_eq!(
            fixed(text),
            text.replace("spec:\n  rules:", "spec:\n  background: false\n  rules:")
        );
    }
}
