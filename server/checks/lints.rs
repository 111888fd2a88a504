//! Lint rules: findings beyond what Kyverno rejects, about how a policy will behave or age.
//! Each has a stable code documented in the README with its default level. Those on by
//! default run with the other checks; the opt-in ones (conventions a team may not share) run
//! only when the configuration file or the editor's settings give them a level.
//!
//! - `failurepolicy-ignore-enforce` (warning): an Enforce policy that the API server skips
//!   whenever Kyverno does not answer.
//! - `preconditions-never-hold` (warning): preconditions made of fixed values that are false.
//! - `pattern-never-fails` (warning): an empty `pattern` (or `anyPattern` entry).
//! - opt-in `clusterpolicy-deprecated` (information): Kyverno 1.17 deprecated ClusterPolicy
//!   and Policy, and plans to remove them in 1.20, pointing to `kyverno-ls migrate`. Still
//!   opt-in: on by default it would mark every policy of a repository that cannot move yet.
//! - opt-in `policy-missing-annotations`: no `policies.kyverno.io/title` or `/description`.
//! - opt-in `enforce-without-test`: an Enforce policy that no `kyverno-test.yaml` lists.

use crate::diag::{DiagTag, Diagnostic};
use crate::engine::Value;
use crate::policy::PolicyKind;
use crate::yaml::{Node, NodeKind};

/// The lints that run only when asked for.
pub const OPT_IN: &[&str] = &[
    "clusterpolicy-deprecated",
    "policy-missing-annotations",
    "enforce-without-test",
];

/// The lints on by default, for a ClusterPolicy or Policy document.
pub fn check(root: &Node, out: &mut Vec<Diagnostic>) {
    let Some(spec) = root.get("spec") else {
        return;
    };
    failure_policy(spec, out);
    for rule in spec
        .get("rules")
        .and_then(Node::as_sequence)
        .unwrap_or_default()
    {
        if let Some(p) = rule.get("preconditions") {
            never_hold(p, out);
        }
        if let Some(validate) = rule.get("validate") {
            empty_patterns(validate, out);
        }
    }
}

fn deprecated_kind(root: &Node, kind: PolicyKind, out: &mut Vec<Diagnostic>) {
    let (name, successor) = match kind {
        PolicyKind::ClusterPolicy => ("ClusterPolicy", "ValidatingPolicy"),
        PolicyKind::Policy => ("Policy", "NamespacedValidatingPolicy"),
        _ => return,
    };
    let Some(k) = root.get("kind") else {
        return;
    };
    out.push(
        Diagnostic::new(
            "clusterpolicy-deprecated",
            crate::diag::Severity::Information,
            k.span.clone(),
            format!(
                "Kyverno 1.17 deprecated {name}, and plans to remove it in 1.20: its CEL successors are {successor} for validate rules, and the Mutating, Generating and ImageValidating policies for the others. `kyverno-ls migrate` (or the action \"Migrate to ValidatingPolicy\") rewrites validate rules and proves the result."
            ),
        )
        .with_tag(DiagTag::Deprecated),
    );
}

fn is_enforce(action: Option<&Node>) -> bool {
    action
        .and_then(Node::as_str)
        .is_some_and(|a| a.eq_ignore_ascii_case("enforce"))
}

/// The validate rules that block a failing request: their own `failureAction` says Enforce, or
/// they have none and the policy's `validationFailureAction` does.
fn enforcing_rules(spec: &Node) -> impl Iterator<Item = &Node> {
    let spec_enforce = is_enforce(spec.get("validationFailureAction"));
    spec.get("rules")
        .and_then(Node::as_sequence)
        .unwrap_or_default()
        .iter()
        .filter(move |r| {
            r.get("validate")
                .is_some_and(|v| match v.get("failureAction") {
                    Some(a) => is_enforce(Some(a)),
                    None => spec_enforce,
                })
        })
}

fn failure_policy(spec: &Node, out: &mut Vec<Diagnostic>) {
    let Some(fp) = spec.get("failurePolicy") else {
        return;
    };
    if fp.as_str() != Some("Ignore") {
        return;
    }
    if enforcing_rules(spec).next().is_some() {
        out.push(Diagnostic::warning(
            "failurepolicy-ignore-enforce",
            fp.span.clone(),
            "With `failurePolicy: Ignore` the API server admits a request whenever Kyverno does not answer (it is down, restarting or too slow), so this Enforce policy can be bypassed. Use `Fail` for a policy that must hold.",
        ));
    }
}

/// A condition whose key and value hold no variable: its outcome is fixed.
fn fixed_outcome(c: &Node) -> Option<(bool, String)> {
    let key = c.get("key")?;
    let value = c.get("value")?;
    let operator = c.get("operator")?.as_str()?;
    let dynamic = |n: &Node| {
        let json = n.to_json().to_string();
        json.contains("{{") || json.contains("$(")
    };
    if dynamic(key) || dynamic(value) {
        return None;
    }
    let (k, v) = (
        Value::from_json(&key.to_json()),
        Value::from_json(&value.to_json()),
    );
    let held = crate::engine::conditions::apply_operator(operator, &k, &v)?;
    Some((
        held,
        format!("`{}` {operator} `{}`", key.to_json(), value.to_json()),
    ))
}

/// Preconditions that are false whatever the resource: an `all` with a fixed false condition,
/// or an `any` whose conditions are all fixed and false.
fn never_hold(p: &Node, out: &mut Vec<Diagnostic>) {
    let mut report = |c: &Node, what: String| {
        out.push(Diagnostic::warning(
            "preconditions-never-hold",
            c.span.clone(),
            format!(
                "This condition compares fixed values, {what}, and is always false: the preconditions never hold, so the rule never applies. A `{{{{ }}}}` variable in its key or value makes it depend on the resource."
            ),
        ));
    };
    let all: Vec<&Node> = match &p.kind {
        NodeKind::Sequence(items) => items.iter().collect(),
        _ => p
            .get("all")
            .and_then(Node::as_sequence)
            .unwrap_or_default()
            .iter()
            .collect(),
    };
    for c in all {
        if let Some((false, what)) = fixed_outcome(c) {
            report(c, what);
        }
    }
    let any = p.get("any").and_then(Node::as_sequence).unwrap_or_default();
    let outcomes: Vec<Option<(bool, String)>> = any.iter().map(fixed_outcome).collect();
    if !any.is_empty() && outcomes.iter().all(|o| matches!(o, Some((false, _)))) {
        for (c, o) in any.iter().zip(outcomes) {
            if let Some((_, what)) = o {
                report(c, what);
            }
        }
    }
}

fn empty_patterns(validate: &Node, out: &mut Vec<Diagnostic>) {
    let mut patterns: Vec<(&Node, &str)> = Vec::new();
    if let Some(e) = validate.entry("pattern") {
        patterns.push((&e.value, "pattern"));
    }
    for p in validate
        .get("anyPattern")
        .and_then(Node::as_sequence)
        .unwrap_or_default()
    {
        patterns.push((p, "anyPattern entry"));
    }
    for (p, what) in patterns {
        if matches!(&p.kind, NodeKind::Mapping(m) if m.is_empty()) {
            out.push(Diagnostic::warning(
                "pattern-never-fails",
                p.span.clone(),
                format!("This {what} is empty, so every resource matches it and the rule never fails. Write the fields a compliant resource has."),
            ));
        }
    }
}

/// The opt-in lints asked for in `enabled`, for a policy document. `tested`: whether some
/// `kyverno-test.yaml` lists the file.
pub fn opt_in(
    root: &Node,
    kind: PolicyKind,
    enabled: &[String],
    tested: bool,
    out: &mut Vec<Diagnostic>,
) {
    let on = |code: &str| enabled.iter().any(|c| c == code);
    if on("clusterpolicy-deprecated") {
        deprecated_kind(root, kind, out);
    }
    let metadata = root.get("metadata");
    if on("policy-missing-annotations") {
        let annotations = metadata.and_then(|m| m.get("annotations"));
        let missing: Vec<&str> = [
            "policies.kyverno.io/title",
            "policies.kyverno.io/description",
        ]
        .into_iter()
        .filter(|a| annotations.and_then(|n| n.get(a)).is_none())
        .collect();
        if let (false, Some(at)) = (missing.is_empty(), root.entry("metadata")) {
            out.push(Diagnostic::warning(
                "policy-missing-annotations",
                at.key.span.clone(),
                format!(
                    "The policy has no {} annotation: the Kyverno policy library and report viewers show them to the people who read its results.",
                    missing
                        .iter()
                        .map(|a| format!("`{a}`"))
                        .collect::<Vec<_>>()
                        .join(" or ")
                ),
            ));
        }
    }
    if on("enforce-without-test") && !tested {
        let enforce_rule = root.get("spec").and_then(|s| enforcing_rules(s).next());
        if let Some(name) = enforce_rule.and_then(|r| r.get("name")) {
            out.push(Diagnostic::warning(
                "enforce-without-test",
                name.span.clone(),
                "This rule blocks requests (Enforce), but no `kyverno-test.yaml` lists its policy: a change that blocks the wrong resources would go unnoticed until it reaches a cluster. Add a test with a passing and a failing resource.",
            ));
        }
    }
}
