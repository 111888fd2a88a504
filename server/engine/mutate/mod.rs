//! Mutate rules of a ClusterPolicy or Policy (K:pkg/engine/mutation.go and
//! K:pkg/engine/mutate): each rule, in order (written rules, then autogen ones), sees the
//! resource as the rules before it left it. A rule that matches loads its context, checks its
//! preconditions and the PolicyExceptions, substitutes `{{ }}` in its patch, and applies its
//! `patchStrategicMerge` (anchors resolved, then merged) or `patchesJson6902`. It passes
//! ("mutated Kind/name") when the resource changed, and is skipped ("no patches applied")
//! otherwise. `foreach` patches and mutations of existing resources (`targets`) answer
//! `unsupported`.

pub mod anchors;
pub mod json_patch;
pub mod merge;

#[cfg(test)]
mod tests;

use super::context::Context;
use super::validate::{precondition_outcome, prepare_rule_context};
use super::{Env, Request, RuleResponse, Status, Value, autogen, exceptions, matching, vars};

/// What a policy's mutate rules did to a resource.
#[derive(Debug, Clone)]
pub struct Mutation {
    /// One response per mutate rule that matched.
    pub responses: Vec<RuleResponse>,
    /// The resource after all of them.
    pub patched: Value,
    /// Whether a rule that could change the resource was not simulated (`foreach`), so that
    /// `patched` is not what Kyverno would have. Rules on existing resources (`targets`) leave
    /// the request's resource alone.
    pub unfinished: bool,
}

fn present(v: Option<&Value>) -> Option<&Value> {
    v.filter(|x| !matches!(x, Value::Null))
}

/// Whether `policy` has a mutate rule.
pub fn has_mutate_rules(policy: &Value) -> bool {
    policy
        .at(&["spec", "rules"])
        .and_then(Value::as_array)
        .is_some_and(|rules| rules.iter().any(|r| present(r.at(&["mutate"])).is_some()))
}

/// Applies the mutate rules of `policy` to the request's resource.
pub fn mutate(policy: &Value, request: &Request, env: &Env) -> Mutation {
    let mut patched = request.object.clone();
    let mut responses = Vec::new();
    let policy_ns = if policy.str_at(&["kind"]) == "Policy" {
        policy.str_at(&["metadata", "namespace"])
    } else {
        ""
    };
    let policy_key = match policy_ns {
        "" => policy.str_at(&["metadata", "name"]).to_string(),
        ns => format!("{ns}/{}", policy.str_at(&["metadata", "name"])),
    };
    let apply_one = policy.str_at(&["spec", "applyRules"]) == "One";
    let mut unfinished = false;
    let kind = patched.str_at(&["kind"]).to_string();
    for computed in autogen::compute_rules(policy, &kind) {
        let rule = &computed.rule;
        let Some(mutate) = present(rule.at(&["mutate"])) else {
            continue;
        };
        let current = Request {
            object: patched.clone(),
            ..request.clone()
        };
        if !matching::matches_request(rule, &current, policy_ns) {
            continue;
        }
        let name = rule.str_at(&["name"]).to_string();
        let (status, message, result) = run_rule(rule, mutate, &name, &current, env, &policy_key);
        if let Some(r) = result {
            patched = r;
        }
        unfinished |= status == Status::Unsupported && present(mutate.at(&["targets"])).is_none();
        responses.push(RuleResponse {
            rule: name,
            source: computed.source,
            status,
            message,
            resource_path: None,
            policy_path: None,
        });
        if apply_one && matches!(status, Status::Pass | Status::Fail) {
            break;
        }
    }
    Mutation {
        responses,
        patched,
        unfinished,
    }
}

/// One matched rule: its status, message, and the patched resource when it changed it.
fn run_rule(
    rule: &Value,
    mutate: &Value,
    name: &str,
    request: &Request,
    env: &Env,
    policy_key: &str,
) -> (Status, String, Option<Value>) {
    for (key, what) in [("targets", "mutate.targets"), ("foreach", "mutate.foreach")] {
        if present(mutate.at(&[key])).is_some() {
            return (
                Status::Unsupported,
                format!("kyverno-ls does not simulate `{what}` rules yet"),
                None,
            );
        }
    }
    let mut ctx = Context::new(request, env);
    if let Err(e) = prepare_rule_context(&mut ctx, rule, request) {
        return (Status::Error, format!("failed to load context: {e}"), None);
    }
    if let Some((status, message)) = precondition_outcome(&mut ctx, rule.at(&["preconditions"])) {
        return (status, message, None);
    }
    let named = exceptions::naming(&request.exceptions, policy_key, name);
    if !named.is_empty() {
        let applying = exceptions::applying(&named, &mut ctx);
        if !applying.is_empty() {
            let keys: Vec<String> = applying.iter().map(|e| exceptions::key(e)).collect();
            return (
                Status::Skip,
                format!(
                    "rule is skipped due to policy exceptions{}",
                    keys.join(", ")
                ),
                None,
            );
        }
    }
    let mutate = match vars::substitute_all(&mut ctx, mutate) {
        Ok(m) => m,
        Err(e) => {
            return (
                Status::Error,
                format!("variable substitution failed: {e}"),
                None,
            );
        }
    };
    let resource = &request.object;
    let patched = match apply(&mutate, resource) {
        Ok(p) => p,
        Err(e) => return (Status::Error, e, None),
    };
    if &patched == resource {
        return (Status::Skip, "no patches applied".into(), None);
    }
    let (kind, name, ns) = (
        patched.str_at(&["kind"]),
        patched.str_at(&["metadata", "name"]),
        patched.str_at(&["metadata", "namespace"]),
    );
    let message = if ns.is_empty() {
        format!("mutated {kind}/{name}")
    } else {
        format!("mutated {kind}/{name} in namespace {ns}")
    };
    (Status::Pass, message, Some(patched))
}

/// The resource after a substituted `mutate` block's patch.
fn apply(mutate: &Value, resource: &Value) -> Result<Value, String> {
    let mut out = resource.clone();
    if let Some(psm) = present(mutate.at(&["patchStrategicMerge"])) {
        let mut patch = psm.clone();
        match anchors::preprocess(&mut patch, resource) {
            Ok(()) => {}
            // A failed condition leaves nothing to merge.
            Err(anchors::PreError::Condition(_) | anchors::PreError::Global(_)) => {
                patch = Value::object(Default::default());
            }
            Err(anchors::PreError::Other(e)) => {
                return Err(format!("failed to preProcess rule: {e}"));
            }
        }
        out = merge::strategic_merge(&out, &patch);
    }
    if let Some(text) = present(mutate.at(&["patchesJson6902"])) {
        let ops = match text {
            Value::String(s) => json_patch::parse(s)?,
            Value::Array(a) => a.to_vec(),
            _ => return Err("failed to decode JSON patch: expected a string".into()),
        };
        out =
            json_patch::apply(&out, &ops).map_err(|e| format!("failed to patch resource: {e}"))?;
    }
    Ok(out)
}
