//! Hover evaluation: the value of the expression under the cursor (a `{{ }}` template, a
//! `foreach` `list`, a condition's `key` or `value`) for the current sample, computed with the
//! engine's context as the rule sees it: request, user info, values, the rule's context
//! entries, and one line per element inside a `foreach`. Inlay hints show the same values,
//! shortened, after each `{{ }}` template.

use std::ops::Range;

use super::{Hover, InlayHint};
use crate::analysis::{Analysis, RuleSimulation};
use crate::checks::Seg;
use crate::engine::context::Context;
use crate::engine::{Env, Value, autogen, validate, vars};
use crate::jmespath::json::to_go_json;
use crate::model::Family;
use crate::samples::{Origin, Sample};
use crate::yaml::{Node, NodeKind};

/// Longest value shown in full; longer ones are cut.
pub(super) const MAX_VALUE_CHARS: usize = 1200;
/// Longest value shown on one element's line.
const MAX_LINE_CHARS: usize = 200;
/// Most elements of one `foreach` list shown.
const MAX_ELEMENTS: usize = 10;
/// Longest value an inlay hint shows; the tooltip has the rest.
pub(super) const MAX_HINT_CHARS: usize = 40;

/// What to evaluate.
enum What<'a> {
    /// A JMESPath expression.
    Expr(std::borrow::Cow<'a, str>),
    /// A condition key or value: substituted like Kyverno substitutes it.
    Value(serde_json::Value),
}

/// The value of one expression for one sample.
struct Evaluation<'a> {
    /// As the policy sees it (a namespaced Policy moves it into its namespace).
    sample: std::borrow::Cow<'a, Sample>,
    /// Whether the rule matches the sample.
    matched: bool,
    outcome: Outcome,
}

enum Outcome {
    /// Outside any `foreach`: one value, or the evaluation error.
    Single(Result<Value, String>),
    /// Inside a `foreach`: one line per element (`element #0 (nginx): "ALL"`), and each
    /// element's value alone (`"ALL"`, or `error`) for inlay hints.
    PerElement(Vec<String>, Vec<String>),
}

/// The evaluation hover at `offset`, or None when the cursor is not on something to evaluate
/// or there is no sample.
pub fn hover(text: &str, analysis: &Analysis, offset: usize) -> Option<Hover> {
    if analysis.samples.is_empty() {
        return None;
    }
    let di = analysis
        .documents
        .iter()
        .position(|d| d.doc.span.contains(&offset) || d.doc.span.end == offset)?;
    let root = analysis.documents[di].doc.root.as_ref()?;
    let rule = rule_at(analysis, di, offset)?;
    let (what, span) = match super::expr::site_at(text, analysis, offset) {
        // An outer template's value needs its inner ones' first: not shown.
        Some(at) if at.site.relative || at.site.masked.is_some() => return None,
        Some(at) => {
            let map = crate::yaml::value_map(text, at.node)?;
            (What::Expr(at.expr.into()), map.span(at.site.expr.clone()))
        }
        None => condition_operand(root, offset).or_else(|| patch_value(root, offset))?,
    };
    let ev = evaluate_for_rule(analysis, di, rule, &what, offset, &mut Memo::default())?;
    let mut md = format!("**`{}`** {}", ev.sample.label, describe(ev.sample.origin));
    if !ev.matched {
        md.push_str(" · the rule does not match it");
    }
    md.push_str("\n\n");
    match ev.outcome {
        Outcome::Single(Ok(v)) => {
            md.push_str("```json\n");
            md.push_str(&trim(&pretty(&v), MAX_VALUE_CHARS));
            md.push_str("\n```");
        }
        Outcome::Single(Err(e)) => {
            md.push_str(&format!("Error: `{}`", e.replace('`', "'")));
        }
        Outcome::PerElement(lines, _) => {
            md.push_str("```text\n");
            md.push_str(&lines.join("\n"));
            md.push_str("\n```");
        }
    }
    Some(Hover { markdown: md, span })
}

/// The rule of a ClusterPolicy or Policy (an item of `spec.rules`) containing `offset`.
fn rule_at(analysis: &Analysis, di: usize, offset: usize) -> Option<&Node> {
    let d = analysis.documents.get(di)?;
    let policy = d.policy.as_ref().filter(|p| p.family == Family::Jmespath)?;
    policy.rule_node(d.doc.root.as_ref()?, policy.rule_at(offset)?)
}

/// Evaluates `what`, found at `offset` inside `rule` of document `di`, for the current sample,
/// as the engine does: on the rule Kyverno evaluates for the sample (for a Pod controller, the
/// autogen rule, whose expressions read the Pod template), in the context the engine builds
/// for it.
/// What one request evaluates many times over, kept for its other expressions: each
/// document's JSON, and the rule the engine evaluates for a sample (autogen reads the whole
/// policy), by document and rule index.
#[derive(Default)]
struct Memo {
    json: std::collections::HashMap<usize, Value>,
    rules: std::collections::HashMap<(usize, usize), Option<autogen::ComputedRule>>,
}

fn evaluate_for_rule<'a>(
    analysis: &'a Analysis,
    di: usize,
    rule: &Node,
    what: &What,
    offset: usize,
    memo: &mut Memo,
) -> Option<Evaluation<'a>> {
    let sim = analysis
        .simulation
        .iter()
        .find(|s| s.document == di && s.span == rule.span);
    let (sample, matched) = pick_sample(analysis, sim)?;
    let d = analysis.documents.get(di)?;
    let policy = d.policy.as_ref()?;
    let sample = crate::simulate::sample_for_policy(policy, sample);
    let index = policy.rule_at(offset)?.index;
    let root = d.doc.root.as_ref()?;
    let json = memo
        .json
        .entry(di)
        .or_insert_with(|| Value::from_json(&root.to_json()));
    // The sample is the rule's own (its simulation picks it), so the rule it gets is too.
    let computed = memo
        .rules
        .entry((di, index))
        .or_insert_with(|| validate::rule_for(json, index, &sample.request).map(|(_, c)| c))
        .as_ref()?;
    let env = Env::fixed();
    let (mut ctx, _) = validate::rule_context(&computed.rule, &sample.request, &env);
    // The hovered text and the enclosing `foreach` lists, as they read in that rule.
    let in_rule = |v: Value| autogen::as_in(computed, &v);
    let what = match what {
        What::Expr(e) => {
            let rewritten = in_rule(Value::String(e.as_ref().into()));
            What::Expr(rewritten.as_str().unwrap_or(e).to_string().into())
        }
        What::Value(v) => What::Value(in_rule(Value::from_json(v)).to_json()),
    };
    // The enclosing `foreach` entries as that rule has them (autogen rewrites their lists).
    let chain: Vec<&Value> = foreach_chain(rule, offset)
        .iter()
        .map(|path| follow(&computed.rule, path))
        .collect::<Option<_>>()?;
    let scope = ForeachScope {
        rule: computed.rule.str_at(&["name"]),
        chain: &chain,
    };
    let mut lines = Vec::new();
    let mut values = Vec::new();
    let outcome = match evaluate_in(&mut ctx, &scope, 0, &what, "", &mut lines, &mut values) {
        Some(result) => Outcome::Single(result),
        None => Outcome::PerElement(lines, values),
    };
    Some(Evaluation {
        sample,
        matched,
        outcome,
    })
}

/// The `foreach` entries enclosing the hovered text in the rule the engine evaluates,
/// outermost first, and that rule's name (which keys the values file's per-element values).
struct ForeachScope<'a> {
    rule: &'a str,
    chain: &'a [&'a Value],
}

/// The value at `path` (object keys and list indices) below `v`.
fn follow<'v>(v: &'v Value, path: &[Seg]) -> Option<&'v Value> {
    path.iter().try_fold(v, |v, seg| match seg {
        Seg::Key(k) => v.as_object()?.get(k.as_str()),
        Seg::Index(i) => v.as_array()?.get(*i),
    })
}

/// The first error the checks found in an expression's span that makes it fail as a whole.
fn static_error(analysis: &Analysis, span: Range<usize>) -> Option<&crate::diag::Diagnostic> {
    analysis.diagnostics.iter().find(|d| {
        matches!(
            d.code,
            "jmespath-syntax" | "unknown-function" | "function-arity" | "function-argument-type"
        ) && d.span.start >= span.start
            && d.span.end <= span.end
    })
}

/// Inlay hints for the `{{ }}` templates of the policies whose text overlaps `range` (byte
/// offsets): after each template, its value for the sample hover would use.
pub fn inlay_hints(text: &str, analysis: &Analysis, range: Range<usize>) -> Vec<InlayHint> {
    let mut hints = Vec::new();
    let mut memo = Memo::default();
    if analysis.samples.is_empty() {
        return hints;
    }
    for (di, d) in analysis.documents.iter().enumerate() {
        if d.doc.span.end < range.start || d.doc.span.start > range.end {
            continue;
        }
        let (Some(root), Some(policy)) = (d.doc.root.as_ref(), d.policy.as_ref()) else {
            continue;
        };
        for site in &policy.jmespath {
            if site.relative || site.braceless || site.masked.is_some() {
                continue;
            }
            let Some(node) = site.node(root) else {
                continue;
            };
            let (Some(value), Some(map)) = (node.as_str(), crate::yaml::value_map(text, node))
            else {
                continue;
            };
            let Some(close) = value[site.expr.end..].find("}}") else {
                continue;
            };
            let after = site.expr.end + close + 2;
            let mut at = map.span(after..after).end;
            // After the closing quote when the template ends the value.
            let end = site.span.end;
            if after == value.len() && at <= end && !text[at..end].contains('\n') {
                at = end;
            }
            let start = map.span(site.expr.clone()).start;
            if at < range.start || at > range.end {
                continue;
            }
            let Some(rule) = rule_at(analysis, di, start) else {
                continue;
            };
            let what = What::Expr(value[site.expr.clone()].into());
            let Some(ev) = evaluate_for_rule(analysis, di, rule, &what, start, &mut memo) else {
                continue;
            };
            // An expression the checks reject has no value: a projection over nothing may
            // never reach the unknown function, but Kyverno never gets that far.
            if let Some(d) = static_error(analysis, start..at) {
                hints.push(InlayHint {
                    offset: at,
                    label: "= error".to_owned(),
                    tooltip: format!(
                        "{} {}\n\nError: {}",
                        ev.sample.label,
                        describe(ev.sample.origin),
                        d.message
                    ),
                });
                continue;
            }
            let shown = match &ev.outcome {
                Outcome::Single(Ok(v)) => to_go_json(v),
                Outcome::Single(Err(_)) => "error".to_owned(),
                Outcome::PerElement(_, values) => values.join(" · "),
            };
            let mut tooltip = format!("{} {}", ev.sample.label, describe(ev.sample.origin));
            if !ev.matched {
                tooltip.push_str(" · the rule does not match it");
            }
            match &ev.outcome {
                Outcome::Single(Err(e)) => tooltip.push_str(&format!("\n\nError: {e}")),
                Outcome::PerElement(lines, _) => {
                    tooltip.push_str("\n\n");
                    tooltip.push_str(&lines.join("\n"));
                }
                Outcome::Single(Ok(_)) => {}
            }
            hints.push(InlayHint {
                offset: at,
                label: format!("= {}", cut(&shown, MAX_HINT_CHARS)),
                tooltip,
            });
        }
    }
    hints
}

/// `s` cut to `max` characters, with an ellipsis when something was left out.
pub(super) fn cut(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let mut kept: String = s.chars().take(max - 1).collect();
    kept.push('…');
    kept
}

pub(super) fn describe(origin: Origin) -> &'static str {
    match origin {
        Origin::Builtin => "(built-in sample)",
        Origin::Settings => "(from the samples setting)",
        Origin::TestManifest => "(from kyverno-test.yaml)",
        Origin::Modeline => "(from the modeline)",
        Origin::SameFile => "(from this file)",
    }
}

/// The current sample (by label), else the first one the rule matches, else the first one;
/// with whether the rule matches it.
pub(super) fn pick_sample<'a>(
    analysis: &'a Analysis,
    sim: Option<&RuleSimulation>,
) -> Option<(&'a Sample, bool)> {
    let matched = |i: usize| sim.is_some_and(|s| s.results.iter().any(|r| r.sample == i));
    if let Some(label) = &analysis.current_sample {
        if let Some(i) = analysis.samples.iter().position(|s| &s.label == label) {
            return Some((&analysis.samples[i], matched(i)));
        }
    }
    if let Some(i) = sim.and_then(|s| s.results.iter().map(|r| r.sample).min()) {
        return Some((&analysis.samples[i], true));
    }
    analysis.samples.first().map(|s| (s, false))
}

/// A condition's `key` or `value` under the cursor (outside any `{{ }}`).
fn condition_operand(root: &Node, offset: usize) -> Option<(What<'static>, crate::diag::Span)> {
    let (path, _) = super::locate::path_in_tree(root, offset)?;
    let Some(Seg::Key(last)) = path.last() else {
        return None;
    };
    if last != "key" && last != "value" {
        return None;
    }
    let in_conditions = path
        .iter()
        .any(|s| matches!(s, Seg::Key(k) if k == "preconditions" || k == "conditions"));
    if !in_conditions {
        return None;
    }
    let node = follow_node(root, &path)?;
    Some((What::Value(node.to_json()), node.span.clone()))
}

/// A scalar of a mutate patch or of a generate rule with `{{ }}` in it: its value after
/// substitution, as the engine writes it into the resource.
fn patch_value(root: &Node, offset: usize) -> Option<(What<'static>, crate::diag::Span)> {
    let (path, target) = super::locate::path_in_tree(root, offset)?;
    if !matches!(target, super::locate::Target::Value(_)) {
        return None;
    }
    let has = |name: &str| path.iter().any(|s| matches!(s, Seg::Key(k) if k == name));
    let in_patch = has("mutate") && (has("patchStrategicMerge") || has("patchesJson6902"));
    if !in_patch && !has("generate") {
        return None;
    }
    let node = follow_node(root, &path)?;
    let text = node.as_str()?;
    text.contains("{{")
        .then(|| (What::Value(node.to_json()), node.span.clone()))
}

fn follow_node<'n>(root: &'n Node, path: &[Seg]) -> Option<&'n Node> {
    path.iter().try_fold(root, |node, seg| match seg {
        Seg::Key(k) => node.get(k),
        Seg::Index(i) => node.as_sequence()?.get(*i),
    })
}

/// The paths (from `rule`) of the `foreach` entries that enclose `offset` inside `rule`,
/// outermost first. A `list` is evaluated outside the entry it belongs to.
fn foreach_chain(rule: &Node, offset: usize) -> Vec<Vec<Seg>> {
    let inside = |n: &Node| n.span.start <= offset && offset <= n.span.end;
    let mut chain = Vec::new();
    let mut path = Vec::new();
    let mut node = rule;
    loop {
        match &node.kind {
            NodeKind::Mapping(entries) => {
                let Some(e) = entries.iter().find(|e| inside(&e.value)) else {
                    return chain;
                };
                path.push(Seg::Key(e.key.key_string()));
                if let (Some("foreach"), Some(items)) = (e.key.as_str(), e.value.as_sequence()) {
                    let Some((i, item)) = items.iter().enumerate().find(|(_, i)| inside(i)) else {
                        return chain;
                    };
                    if item.get("list").is_some_and(&inside) {
                        return chain;
                    }
                    path.push(Seg::Index(i));
                    chain.push(path.clone());
                    node = item;
                } else {
                    node = &e.value;
                }
            }
            NodeKind::Sequence(items) => match items.iter().enumerate().find(|(_, i)| inside(i)) {
                Some((i, item)) => {
                    path.push(Seg::Index(i));
                    node = item;
                }
                None => return chain,
            },
            NodeKind::Scalar(_) => return chain,
        }
    }
}

fn evaluate(ctx: &mut Context, what: &What) -> Result<Value, String> {
    match what {
        What::Expr(e) => ctx.query(e),
        What::Value(v) => vars::substitute_all(ctx, &Value::from_json(v)),
    }
}

/// Evaluates `what` below the `foreach` entries of `chain`. Outside any `foreach`, returns the
/// single result; inside, writes one line per element to `lines`, and its value alone to
/// `values`, and returns None.
fn evaluate_in(
    ctx: &mut Context,
    scope: &ForeachScope,
    depth: usize,
    what: &What,
    prefix: &str,
    lines: &mut Vec<String>,
    values: &mut Vec<String>,
) -> Option<Result<Value, String>> {
    let Some(fe) = scope.chain.get(depth) else {
        let result = evaluate(ctx, what);
        if depth == 0 {
            return Some(result);
        }
        let (shown, value) = match result {
            Ok(v) => {
                let json = trim(&to_go_json(&v), MAX_LINE_CHARS);
                (json.clone(), json)
            }
            Err(e) => (format!("error: {e}"), "error".to_owned()),
        };
        values.push(value);
        lines.push(format!("{prefix}: {shown}"));
        return None;
    };
    let at = if prefix.is_empty() { "list" } else { prefix };
    let elements = match validate::foreach_elements(ctx, fe) {
        Ok(elements) => elements,
        Err(e) => {
            lines.push(format!("{at}: error evaluating the list: {e}"));
            values.push("error".to_owned());
            return None;
        }
    };
    let before = lines.len();
    let mut shown = 0;
    for (i, el) in elements.iter().enumerate() {
        // The engine skips null elements too.
        if matches!(el, Value::Null) {
            continue;
        }
        if shown == MAX_ELEMENTS {
            lines.push(format!("… {} more elements", elements.len() - i));
            break;
        }
        shown += 1;
        let name = el
            .as_object()
            .and_then(|m| m.get("name"))
            .and_then(Value::as_str)
            .map(|n| format!(" ({n})"))
            .unwrap_or_default();
        let label = if prefix.is_empty() {
            format!("element #{i}{name}")
        } else {
            format!("{prefix} › element #{i}{name}")
        };
        match validate::element_context(ctx, scope.rule, fe, el, i, depth) {
            Ok(mut c) => {
                evaluate_in(&mut c, scope, depth + 1, what, &label, lines, values);
            }
            Err(e) => {
                lines.push(format!("{label}: error loading the context: {e}"));
                values.push("error".to_owned());
            }
        }
    }
    if lines.len() == before {
        lines.push(format!(
            "{at}: no elements (`{}` is empty)",
            fe.str_at(&["list"])
        ));
    }
    None
}

pub(super) fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(&v.to_json()).unwrap_or_else(|_| to_go_json(v))
}

/// `s` cut to `max` characters, saying how much was left out.
pub(super) fn trim(s: &str, max: usize) -> String {
    let count = s.chars().count();
    if count <= max {
        return s.to_string();
    }
    let kept: String = s.chars().take(max).collect();
    format!("{kept}… ({} more characters)", count - max)
}
