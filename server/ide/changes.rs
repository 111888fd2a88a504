//! What mutate and generate rules change in the samples, for the editor: a lens over each such
//! rule (`✎ mutates 2 of 5 samples`, `✚ creates 1 resource for 2 of 5 samples`) and the
//! documents its command shows, written as YAML: each mutated sample before and after the
//! policy's mutations, and each created resource. The objects are the simulation's own
//! (`RuleSimulation::changes`), so the view and the verdicts cannot disagree.

use serde_json::json;

use super::CodeLens;
use crate::analysis::{Analysis, RuleSimulation};
use crate::engine::Value;

pub const SHOW_MUTATIONS: &str = "kyverno.showMutations";
pub const SHOW_GENERATED: &str = "kyverno.showGenerated";

fn mutating_form(form: &str) -> bool {
    matches!(
        form,
        "mutate" | "MutatingPolicy" | "NamespacedMutatingPolicy" | "MutatingAdmissionPolicy"
    )
}

/// The form of a simulated rule, as the policy model has it.
fn form_of<'a>(analysis: &'a Analysis, sim: &RuleSimulation) -> Option<&'a str> {
    let model = analysis.documents.get(sim.document)?.policy.as_ref()?;
    model
        .rules
        .iter()
        .find(|r| r.name == sim.rule)
        .map(|r| r.form)
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A lens over each mutate rule, mutating policy and generate rule that was simulated.
pub fn change_lenses(analysis: &Analysis) -> Vec<CodeLens> {
    let total = analysis.samples.len();
    let mut out = Vec::new();
    for sim in &analysis.simulation {
        let Some(form) = form_of(analysis, sim) else {
            continue;
        };
        let argument = json!({ "document": sim.document, "rule": sim.rule });
        if mutating_form(form) {
            let n = sim.changes.iter().filter(|c| c.patched.is_some()).count();
            out.push(CodeLens {
                span: sim.name_span.clone(),
                title: format!("✎ mutates {n} of {}", plural(total, "sample", "samples")),
                command: SHOW_MUTATIONS.to_string(),
                arguments: vec![argument],
            });
        } else if matches!(
            form,
            "generate" | "GeneratingPolicy" | "NamespacedGeneratingPolicy"
        ) {
            let with: Vec<_> = sim
                .changes
                .iter()
                .filter(|c| !c.generated.is_empty())
                .collect();
            let made: usize = with.iter().map(|c| c.generated.len()).sum();
            out.push(CodeLens {
                span: sim.name_span.clone(),
                title: format!(
                    "✚ creates {} for {} of {}",
                    plural(made, "resource", "resources"),
                    with.len(),
                    plural(total, "sample", "samples")
                ),
                command: SHOW_GENERATED.to_string(),
                arguments: vec![argument],
            });
        }
    }
    out
}

/// The rules a command's arguments name: `{document, rule}` objects as the lenses give them;
/// none: every rule.
fn named<'a>(analysis: &'a Analysis, args: &[serde_json::Value]) -> Vec<&'a RuleSimulation> {
    analysis
        .simulation
        .iter()
        .filter(|sim| {
            args.is_empty()
                || args.iter().any(|a| {
                    a.get("rule").and_then(|r| r.as_str()) == Some(sim.rule.as_str())
                        && a.get("document")
                            .and_then(|d| d.as_u64())
                            .is_none_or(|d| d as usize == sim.document)
                })
        })
        .collect()
}

/// `kyverno.showMutations`: per mutated sample, `{rule, sample, original, mutated}` with the
/// two sides as YAML.
pub fn mutations(analysis: &Analysis, args: &[serde_json::Value]) -> serde_json::Value {
    let mut out = Vec::new();
    for sim in named(analysis, args) {
        let model = analysis
            .documents
            .get(sim.document)
            .and_then(|d| d.policy.as_ref());
        for change in &sim.changes {
            let (Some(patched), Some(sample), Some(model)) =
                (&change.patched, analysis.samples.get(change.sample), model)
            else {
                continue;
            };
            let seen = crate::simulate::sample_for_policy(model, sample);
            out.push(json!({
                "rule": sim.rule,
                "sample": sample.label,
                "original": to_yaml(&seen.request.object),
                "mutated": to_yaml(patched),
            }));
        }
    }
    serde_json::Value::Array(out)
}

/// `kyverno.showGenerated`: per sample that gets resources, `{rule, sample, resources}`, the
/// resources as one YAML stream.
pub fn generated(analysis: &Analysis, args: &[serde_json::Value]) -> serde_json::Value {
    let mut out = Vec::new();
    for sim in named(analysis, args) {
        for change in sim.changes.iter().filter(|c| !c.generated.is_empty()) {
            let Some(sample) = analysis.samples.get(change.sample) else {
                continue;
            };
            let docs: Vec<String> = change.generated.iter().map(to_yaml).collect();
            out.push(json!({
                "rule": sim.rule,
                "sample": sample.label,
                "resources": docs.join("---\n"),
            }));
        }
    }
    serde_json::Value::Array(out)
}

/// `v` as block-style YAML, keys in order, strings quoted where YAML would read them as
/// something else.
pub fn to_yaml(v: &Value) -> String {
    let mut out = String::new();
    match v {
        Value::Object(m) if !m.is_empty() => write_map(m, 0, &mut out),
        Value::Array(a) if !a.is_empty() => write_list(a, 0, &mut out),
        other => {
            out.push_str(&scalar(other));
            out.push('\n');
        }
    }
    out
}

fn pad(indent: usize, out: &mut String) {
    out.extend(std::iter::repeat_n(' ', indent));
}

fn write_map(m: &crate::jmespath::value::Map, indent: usize, out: &mut String) {
    for (i, (k, v)) in m.iter().enumerate() {
        // The first key of a list item follows its `- `.
        if i > 0 || !out.ends_with("- ") {
            pad(indent, out);
        }
        out.push_str(&string(k));
        out.push(':');
        write_value(v, indent, out);
    }
}

fn write_list(items: &[Value], indent: usize, out: &mut String) {
    for item in items {
        pad(indent, out);
        out.push_str("- ");
        match item {
            Value::Object(m) if !m.is_empty() => write_map(m, indent + 2, out),
            Value::Array(a) if !a.is_empty() => {
                out.push('\n');
                write_list(a, indent + 2, out);
            }
            other => {
                out.push_str(&scalar(other));
                out.push('\n');
            }
        }
    }
}

/// A value after its key's `:`.
fn write_value(v: &Value, indent: usize, out: &mut String) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            out.push('\n');
            write_map(m, indent + 2, out);
        }
        Value::Array(a) if !a.is_empty() => {
            out.push('\n');
            write_list(a, indent, out);
        }
        other => {
            out.push(' ');
            out.push_str(&scalar(other));
            out.push('\n');
        }
    }
}

fn scalar(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(_) => crate::jmespath::json::to_go_json(v),
        Value::String(s) => string(s),
        Value::Object(_) => "{}".into(),
        Value::Array(_) => "[]".into(),
    }
}

/// A string plain when YAML reads it back as the same string, else double-quoted (JSON's
/// escapes are YAML's).
fn string(s: &str) -> String {
    let reserved = [
        "true", "false", "null", "yes", "no", "on", "off", "y", "n", "~",
    ];
    let first = s.chars().next();
    let plain = !s.is_empty()
        && !reserved.contains(&s.to_ascii_lowercase().as_str())
        && !first.is_some_and(|c| "-?:,[]{}#&*!|>'\"%@`".contains(c) || c.is_ascii_digit())
        && !s.starts_with('.')
        && !s.starts_with(['+', ' '])
        && !s.ends_with([' ', ':'])
        && !s.contains(": ")
        && !s.contains(" #")
        && !s.chars().any(|c| c.is_control());
    if plain {
        s.to_string()
    } else {
        serde_json::to_string(s).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_is_block_style_and_quotes_what_would_read_back_otherwise() {
        // `n` is a boolean to YAML 1.1, as Kubernetes reads it: quoted even as a key.
        let v = Value::from_json(&serde_json::json!({
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "p", "labels": {"app": "true", "n": "8080", "x": ""}},
            "spec": {
                "containers": [{"name": "c", "args": ["--a", "b: c"], "ports": [{"containerPort": 80}]}],
                "volumes": [],
                "nodeSelector": {}
            }
        }));
        assert_eq!(
            to_yaml(&v),
            "apiVersion: v1\nkind: Pod\nmetadata:\n  labels:\n    app: \"true\"\n    \"n\": \"8080\"\n    x: \"\"\n  name: p\nspec:\n  containers:\n  - args:\n    - \"--a\"\n    - \"b: c\"\n    name: c\n    ports:\n    - containerPort: 80\n  nodeSelector: {}\n  volumes: []\n"
        );
    }
}
