//! `kyverno.io` PolicyExceptions (v2 and v2beta1) for the rules of a ClusterPolicy or Policy,
//! as Kyverno's engine consults them (K:pkg/engine/utils/exceptions.go, and the rule handlers
//! under K:pkg/engine/handlers): an exception names the policy by its key and the rules by
//! wildcard, selects resources with `match` (`any` or `all`; `operations` are not read) and
//! may add JMESPath `conditions`, evaluated in the rule's context. `kyverno test` applies every
//! exception it loads, whatever its namespace.

use super::conditions;
use super::context::Context;
use super::matching::{exception_filter_matches, wildcard};
use crate::jmespath::value::Value;

/// The exceptions among `candidates` that name rule `rule` of the policy whose key is
/// `policy_key` (`namespace/name` for a Policy, `name` for a ClusterPolicy).
pub fn naming<'a>(candidates: &'a [Value], policy_key: &str, rule: &str) -> Vec<&'a Value> {
    candidates
        .iter()
        .filter(|e| {
            e.at(&["spec", "exceptions"])
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .any(|x| {
                    x.str_at(&["policyName"]) == policy_key
                        && x.at(&["ruleNames"])
                            .and_then(Value::as_array)
                            .into_iter()
                            .flatten()
                            .filter_map(Value::as_str)
                            .any(|r| wildcard(r, rule))
                })
        })
        .collect()
}

/// The exceptions among `named` that apply to the request's resource (its new object, else
/// its old one) in `ctx`. As in Kyverno, an error in any exception's conditions means that
/// none applies.
pub fn applying<'a>(named: &[&'a Value], ctx: &mut Context) -> Vec<&'a Value> {
    let request = ctx.request;
    let resource = match request.object.as_object() {
        Some(m) if !m.is_empty() => &request.object,
        _ => &request.old_object,
    };
    let mut out = Vec::new();
    for &e in named {
        let m = e.at(&["spec", "match"]);
        let filters = |k: &str| {
            m.and_then(|m| m.at(&[k]))
                .and_then(Value::as_array)
                .map(|a| a.to_vec())
                .unwrap_or_default()
        };
        let (any, all) = (filters("any"), filters("all"));
        let matched = if !any.is_empty() {
            any.iter()
                .any(|f| exception_filter_matches(f, request, resource))
        } else if !all.is_empty() {
            all.iter()
                .all(|f| exception_filter_matches(f, request, resource))
        } else {
            false
        };
        if !matched {
            continue;
        }
        if let Some(c) = e
            .at(&["spec", "conditions"])
            .filter(|c| !matches!(c, Value::Null))
        {
            match conditions::evaluate_block(ctx, c) {
                Err(_) => return Vec::new(),
                Ok(v) if !v.passed => continue,
                Ok(_) => {}
            }
        }
        out.push(e);
    }
    out
}

/// The keys of `applying`, as Kyverno lists them in messages.
pub fn keys(applying: &[&Value]) -> String {
    let keys: Vec<String> = applying.iter().map(|e| key(e)).collect();
    keys.join(", ")
}

/// Kyverno's message for a rule that `applying` skip, with no space before the keys (its
/// words for validate and mutate rules; podSecurity rules have their own).
pub fn skipped(applying: &[&Value]) -> String {
    format!("rule is skipped due to policy exceptions{}", keys(applying))
}

/// How exceptions name `policy`: `namespace/name` for a Policy, `name` for a ClusterPolicy.
pub fn policy_key(policy: &Value) -> String {
    match super::matching::policy_namespace(policy) {
        "" => policy.str_at(&["metadata", "name"]).to_string(),
        ns => format!("{ns}/{}", policy.str_at(&["metadata", "name"])),
    }
}

/// How Kyverno names an exception in messages: `namespace/name`, or `name`.
pub fn key(e: &Value) -> String {
    match e.str_at(&["metadata", "namespace"]) {
        "" => e.str_at(&["metadata", "name"]).to_string(),
        ns => format!("{ns}/{}", e.str_at(&["metadata", "name"])),
    }
}

/// A podSecurity rule's check under `applying` exceptions: the first that exempts the rule
/// whole (it lists no `podSecurity` controls), or else the rule's `podSecurity` block with the
/// exceptions' controls added to its `exclude` list.
pub enum PodSecurityExemption<'a> {
    Whole(&'a Value),
    Narrowed(Value),
}

pub fn pod_security<'a>(applying: &[&'a Value], ps: &Value) -> PodSecurityExemption<'a> {
    let controls = |e: &Value| -> Vec<Value> {
        e.at(&["spec", "podSecurity"])
            .and_then(Value::as_array)
            .map(|a| a.to_vec())
            .unwrap_or_default()
    };
    if let Some(whole) = applying.iter().find(|e| controls(e).is_empty()) {
        return PodSecurityExemption::Whole(whole);
    }
    let mut exclude: Vec<Value> = ps
        .at(&["exclude"])
        .and_then(Value::as_array)
        .map(|a| a.to_vec())
        .unwrap_or_default();
    for e in applying {
        exclude.extend(controls(e));
    }
    let mut block = ps.as_object().cloned().unwrap_or_default();
    block.insert("exclude".to_string(), Value::array(exclude));
    PodSecurityExemption::Narrowed(Value::object(block))
}
