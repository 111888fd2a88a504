//! Hover evaluation: the value of the expression under the cursor (a `{{ }}` template, a
//! `foreach` `list`, a condition's `key` or `value`) for the current sample, computed with the
//! engine's context as the rule sees it: request, user info, values, the rule's context
//! entries, and one line per element inside a `foreach`.

use super::Hover;
use crate::analysis::{Analysis, RuleSimulation};
use crate::checks::Seg;
use crate::engine::context::Context;
use crate::engine::{Env, Value, vars};
use crate::jmespath::json::to_go_json;
use crate::samples::{Origin, Sample};
use crate::yaml::{Node, NodeKind};

/// Longest value shown in full; longer ones are cut.
const MAX_VALUE_CHARS: usize = 1200;
/// Longest value shown on one element's line.
const MAX_LINE_CHARS: usize = 200;
/// Most elements of one `foreach` list shown.
const MAX_ELEMENTS: usize = 10;

/// What to evaluate.
enum What<'a> {
    /// A JMESPath expression.
    Expr(&'a str),
    /// A condition key or value: substituted like Kyverno substitutes it.
    Value(serde_json::Value),
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
    let rule = root
        .get("spec")?
        .get("rules")?
        .as_sequence()?
        .iter()
        .find(|r| r.span.start <= offset && offset <= r.span.end)?;
    let (what, span) = match super::expr::site_at(text, analysis, offset) {
        Some(at) if at.site.relative => return None,
        Some(at) => {
            let map = crate::yaml::value_map(text, at.site.node)?;
            (What::Expr(at.expr), map.span(at.site.expr.clone()))
        }
        None => condition_operand(root, offset)?,
    };
    let sim = analysis
        .simulation
        .iter()
        .find(|s| s.document == di && s.span == rule.span);
    let (sample, matched) = pick_sample(analysis, sim)?;
    let rule_name = rule.get("name").and_then(Node::as_str).unwrap_or("");
    let env = Env::fixed();
    let mut ctx = Context::new(&sample.request, &env);
    let mut skip = Vec::new();
    if let Some(values) = sample.request.rule_values.get(rule_name) {
        for (k, v) in values {
            ctx.set(k, v.clone());
            skip.push(k.clone());
        }
    }
    if let Some(c) = rule.get("context") {
        let _ = ctx.register(&Value::from_json(&c.to_json()), &skip);
    }
    let chain = foreach_chain(rule, offset);
    let mut lines = Vec::new();
    let single = evaluate_in(&mut ctx, &chain, 0, &what, "", &mut lines);
    let mut md = format!("**`{}`** {}", sample.label, describe(sample.origin));
    if !matched {
        md.push_str(" · the rule does not match it");
    }
    md.push_str("\n\n");
    match single {
        Some(Ok(v)) => {
            md.push_str("```json\n");
            md.push_str(&trim(&pretty(&v), MAX_VALUE_CHARS));
            md.push_str("\n```");
        }
        Some(Err(e)) => {
            md.push_str(&format!("Error: `{}`", e.replace('`', "'")));
        }
        None => {
            md.push_str("```text\n");
            md.push_str(&lines.join("\n"));
            md.push_str("\n```");
        }
    }
    Some(Hover { markdown: md, span })
}

fn describe(origin: Origin) -> &'static str {
    match origin {
        Origin::Builtin => "(built-in sample)",
        Origin::TestManifest => "(from kyverno-test.yaml)",
        Origin::Modeline => "(from the modeline)",
        Origin::SameFile => "(from this file)",
    }
}

/// The current sample (by label), else the first one the rule matches, else the first one;
/// with whether the rule matches it.
fn pick_sample<'a>(
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
    let mut node = root;
    for seg in &path {
        node = match seg {
            Seg::Key(k) => node.get(k)?,
            Seg::Index(i) => node.as_sequence()?.get(*i)?,
        };
    }
    Some((What::Value(node.to_json()), node.span.clone()))
}

/// The `foreach` entries that enclose `offset` inside `rule`, outermost first. A `list` is
/// evaluated outside the entry it belongs to.
fn foreach_chain(rule: &Node, offset: usize) -> Vec<&Node> {
    let inside = |n: &Node| n.span.start <= offset && offset <= n.span.end;
    let mut chain = Vec::new();
    let mut node = rule;
    loop {
        match &node.kind {
            NodeKind::Mapping(entries) => {
                let Some(e) = entries.iter().find(|e| inside(&e.value)) else {
                    return chain;
                };
                if let (Some("foreach"), Some(items)) = (e.key.as_str(), e.value.as_sequence()) {
                    let Some(item) = items.iter().find(|i| inside(i)) else {
                        return chain;
                    };
                    if item.get("list").is_some_and(&inside) {
                        return chain;
                    }
                    chain.push(item);
                    node = item;
                } else {
                    node = &e.value;
                }
            }
            NodeKind::Sequence(items) => match items.iter().find(|i| inside(i)) {
                Some(i) => node = i,
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
/// single result; inside, writes one line per element to `lines` and returns None.
fn evaluate_in(
    ctx: &mut Context,
    chain: &[&Node],
    depth: usize,
    what: &What,
    prefix: &str,
    lines: &mut Vec<String>,
) -> Option<Result<Value, String>> {
    let Some((item, rest)) = chain.split_first() else {
        let result = evaluate(ctx, what);
        if depth == 0 {
            return Some(result);
        }
        let shown = match result {
            Ok(v) => trim(&to_go_json(&v), MAX_LINE_CHARS),
            Err(e) => format!("error: {e}"),
        };
        lines.push(format!("{prefix}: {shown}"));
        return None;
    };
    let list = item.get("list").and_then(Node::as_str).unwrap_or("");
    let elements = match ctx.query(list) {
        Ok(Value::Array(items)) => items.to_vec(),
        Ok(other) => vec![other],
        Err(e) => {
            let at = if prefix.is_empty() { "list" } else { prefix };
            lines.push(format!("{at}: error evaluating the list: {e}"));
            return None;
        }
    };
    let before = lines.len();
    let mut shown = 0;
    for (i, el) in elements.iter().enumerate() {
        if matches!(el, Value::Null) {
            continue;
        }
        if shown == MAX_ELEMENTS {
            lines.push(format!("… {} more elements", elements.len() - i));
            break;
        }
        shown += 1;
        let mut c = ctx.clone();
        c.add_element(el, i, depth);
        if let Some(context) = item.get("context") {
            let _ = c.register(&Value::from_json(&context.to_json()), &[]);
        }
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
        evaluate_in(&mut c, rest, depth + 1, what, &label, lines);
    }
    if lines.len() == before {
        let at = if prefix.is_empty() { "list" } else { prefix };
        lines.push(format!("{at}: no elements (`{list}` is empty)"));
    }
    None
}

fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(&v.to_json()).unwrap_or_else(|_| to_go_json(v))
}

/// `s` cut to `max` characters, saying how much was left out.
fn trim(s: &str, max: usize) -> String {
    let count = s.chars().count();
    if count <= max {
        return s.to_string();
    }
    let kept: String = s.chars().take(max).collect();
    format!("{kept}… ({} more characters)", count - max)
}
