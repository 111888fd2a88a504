//! Mutate rules of a ClusterPolicy or Policy (K:pkg/engine/mutation.go and
//! K:pkg/engine/mutate): each rule, in order (written rules, then autogen ones), sees the
//! resource as the rules before it left it. A rule that matches loads its context, checks its
//! preconditions and the PolicyExceptions, substitutes `{{ }}` in its patch, and applies its
//! `patchStrategicMerge` (anchors resolved, then merged) or `patchesJson6902`. It passes
//! ("mutated Kind/name") when the resource changed, and is skipped ("no patches applied")
//! otherwise. `foreach` patches element by element. A rule with `targets` patches existing
//! objects instead of the resource (`existing.rs`), with one response per object.

pub mod anchors;
pub mod apply;
mod existing;
pub mod json_patch;
pub mod merge;

#[cfg(test)]
mod tests;

use super::context::Context;
use super::validate::{self, precondition_outcome, prepare_rule_context};
use super::{Env, Request, RuleResponse, Status, Value, autogen, exceptions, matching, vars};

/// What a policy's mutate rules did to a resource.
#[derive(Debug, Clone)]
pub struct Mutation {
    /// One response per mutate rule that matched.
    pub responses: Vec<RuleResponse>,
    /// The resource after all of them. Rules on existing resources (`targets`) leave it
    /// alone, as in Kyverno.
    pub patched: Value,
    /// The existing objects that rules with `targets` patched: the index in `responses` of
    /// the response that reports each, and the object after the patch.
    pub targets: Vec<(usize, Value)>,
    /// A rule that could have changed the resource was not simulated: `patched` may not be
    /// what Kyverno has.
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
    let policy_ns = matching::policy_namespace(policy);
    let policy_key = exceptions::policy_key(policy);
    let apply_one = policy.str_at(&["spec", "applyRules"]) == "One";
    let mut unfinished = false;
    let mut targets = Vec::new();
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
        let respond = |status, message| RuleResponse {
            rule: name.clone(),
            source: computed.source,
            status,
            message,
            resource_path: None,
            policy_path: None,
        };
        let before = responses.len();
        if present(mutate.at(&["targets"])).is_some() {
            match prepare(rule, &name, &current, env, &policy_key) {
                Err((status, message)) => responses.push(respond(status, message)),
                Ok(mut ctx) => {
                    let ns = (policy.str_at(&["kind"]) == "Policy").then_some(policy_ns);
                    for (status, message, target) in
                        existing::run(mutate, &name, &mut ctx, ns, &current.existing)
                    {
                        if let Some(t) = target {
                            targets.push((responses.len(), t));
                        }
                        responses.push(respond(status, message));
                    }
                }
            }
        } else {
            let (status, message, result) =
                run_rule(rule, mutate, &name, &current, env, &policy_key);
            if let Some(r) = result {
                patched = r;
            }
            unfinished |= status == Status::Unsupported;
            responses.push(respond(status, message));
        }
        if apply_one
            && responses[before..]
                .iter()
                .any(|r| matches!(r.status, Status::Pass | Status::Fail))
        {
            break;
        }
    }
    Mutation {
        responses,
        patched,
        targets,
        unfinished,
    }
}

/// What every matched rule does before its patch: the values file's values and its context
/// entries, its preconditions, then the PolicyExceptions. `Err` is the rule's response when
/// it stops there.
fn prepare<'a>(
    rule: &Value,
    name: &str,
    request: &'a Request,
    env: &'a Env,
    policy_key: &str,
) -> Result<Context<'a>, (Status, String)> {
    let mut ctx = Context::new(request, env);
    if let Err(e) = prepare_rule_context(&mut ctx, rule, request) {
        return Err((Status::Error, format!("failed to load context: {e}")));
    }
    if let Some(outcome) = precondition_outcome(&mut ctx, rule.at(&["preconditions"])) {
        return Err(outcome);
    }
    let named = exceptions::naming(&request.exceptions, policy_key, name);
    if !named.is_empty() {
        let applying = exceptions::applying(&named, &mut ctx);
        if !applying.is_empty() {
            return Err((Status::Skip, exceptions::skipped(&applying)));
        }
    }
    Ok(ctx)
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
    let mut ctx = match prepare(rule, name, request, env, policy_key) {
        Ok(ctx) => ctx,
        Err((status, message)) => return (status, message, None),
    };
    patch_object(mutate, &mut ctx, name, &request.object)
}

/// A matched rule's patch applied to `resource` in `ctx`: its status and message, and the
/// patched object when the patch changed it.
fn patch_object(
    mutate: &Value,
    ctx: &mut Context,
    name: &str,
    resource: &Value,
) -> (Status, String, Option<Value>) {
    if let Some(entries) = present(mutate.at(&["foreach"])).and_then(Value::as_array) {
        return match foreach(entries, ctx, name, resource.clone(), 0) {
            Err(ForeachError::Failed(e)) => (Status::Error, e, None),
            Err(ForeachError::Unknown(e)) => (
                Status::Unsupported,
                format!(
                    "kyverno-ls does not simulate a foreach patch whose variables do not resolve yet ({e})"
                ),
                None,
            ),
            Ok(patched) if &patched == resource => {
                (Status::Skip, "0 elements processed".into(), None)
            }
            Ok(patched) => (Status::Pass, mutated(&patched), Some(patched)),
        };
    }
    let mutate = match vars::substitute_all(ctx, mutate) {
        Ok(m) => m,
        Err(e) => {
            return (
                Status::Error,
                format!("variable substitution failed: {e}"),
                None,
            );
        }
    };
    let patched = match apply(&mutate, resource) {
        Ok(p) => p,
        Err(e) => return (Status::Error, e, None),
    };
    if &patched == resource {
        return (Status::Skip, "no patches applied".into(), None);
    }
    (Status::Pass, mutated(&patched), Some(patched))
}

/// Why a `foreach` stopped.
enum ForeachError {
    /// Kyverno's error for the rule.
    Failed(String),
    /// A case whose outcome in Kyverno is not known yet.
    Unknown(String),
}

impl From<String> for ForeachError {
    fn from(e: String) -> Self {
        ForeachError::Failed(e)
    }
}

/// Kyverno's message for a rule that changed the resource.
fn mutated(patched: &Value) -> String {
    let (kind, name, ns) = (
        patched.str_at(&["kind"]),
        patched.str_at(&["metadata", "name"]),
        patched.str_at(&["metadata", "namespace"]),
    );
    if ns.is_empty() {
        format!("mutated {kind}/{name}")
    } else {
        format!("mutated {kind}/{name} in namespace {ns}")
    }
}

/// `mutate.foreach` (K:pkg/engine/handlers/mutation/common.go): each entry's list is read
/// once; each element, in the entry's order (a strategic merge patch goes from the last
/// element to the first unless `order` says otherwise), gets its own context and
/// preconditions (false: the element is left out) and patches the resource as the elements
/// before it left it. `request.object` shows the result only from the next entry on.
fn foreach(
    entries: &[Value],
    ctx: &mut Context,
    rule: &str,
    resource: Value,
    nesting: usize,
) -> Result<Value, ForeachError> {
    if nesting >= crate::limits::MAX_FOREACH_NESTING {
        return Err(format!(
            "foreach nested more than {} levels; kyverno-ls evaluates no deeper",
            crate::limits::MAX_FOREACH_NESTING
        )
        .into());
    }
    let mut resource = resource;
    for fe in entries {
        let list = fe.str_at(&["list"]);
        let elements = validate::foreach_elements(ctx, fe)
            .map_err(|e| format!("failed to evaluate list {list}: {e}: {e}"))?;
        if elements.len() > crate::limits::MAX_FOREACH_ELEMENTS {
            return Err(format!(
                "foreach list {list} has {} elements; kyverno-ls evaluates at most {}",
                crate::limits::thousands(elements.len() as u64),
                crate::limits::thousands(crate::limits::MAX_FOREACH_ELEMENTS as u64)
            )
            .into());
        }
        let patched =
            elements_of(fe, &elements, ctx, rule, &resource, nesting).map_err(|e| match e {
                ForeachError::Failed(e) => {
                    ForeachError::Failed(format!("failed to mutate elements: {e}"))
                }
                unknown => unknown,
            })?;
        if patched != resource {
            resource = patched;
            ctx.set("request.object", resource.clone());
        }
    }
    Ok(resource)
}

fn elements_of(
    fe: &Value,
    elements: &[Value],
    ctx: &Context,
    rule: &str,
    resource: &Value,
    nesting: usize,
) -> Result<Value, ForeachError> {
    let descending = match fe.str_at(&["order"]) {
        "Descending" => true,
        "Ascending" => false,
        _ => present(fe.at(&["patchStrategicMerge"])).is_some(),
    };
    let mut order: Vec<usize> = (0..elements.len()).collect();
    if descending {
        order.reverse();
    }
    let mut patched = resource.clone();
    for i in order {
        let el = &elements[i];
        if matches!(el, Value::Null) {
            continue;
        }
        let mut c = validate::element_context(ctx, rule, fe, el, i, nesting)
            .map_err(|e| format!("failed to load to mutate.foreach[{i}].context: {e}"))?;
        match precondition_outcome(&mut c, present(fe.at(&["preconditions"]))) {
            None => {}
            Some((Status::Skip, _)) => continue,
            Some((_, e)) => {
                return Err(
                    format!("failed to evaluate mutate.foreach[{i}].preconditions: {e}").into(),
                );
            }
        }
        patched = match present(fe.at(&["foreach"])).and_then(Value::as_array) {
            Some(nested) => foreach(nested, &mut c, rule, patched, nesting + 1)?,
            None => {
                // Only the entry's patch is substituted, in the element's context.
                let mut patch = crate::jmespath::value::Map::new();
                for key in ["patchStrategicMerge", "patchesJson6902"] {
                    if let Some(v) = present(fe.at(&[key])) {
                        patch.insert(key.to_string(), v.clone());
                    }
                }
                let patch = match vars::substitute_all(&mut c, &Value::object(patch)) {
                    Ok(p) => p,
                    // Kyverno's CLI does not fail the rule on a key missing from an element
                    // (the policy library expects a verdict there), and we do not know yet
                    // what it does instead.
                    Err(e) if e.contains("Unknown key") => {
                        return Err(ForeachError::Unknown(format!(
                            "variable substitution failed: {e}"
                        )));
                    }
                    Err(e) => {
                        return Err(format!("variable substitution failed: {e}").into());
                    }
                };
                apply(&patch, &patched)?
            }
        };
    }
    Ok(patched)
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
