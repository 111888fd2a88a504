//! The simulator for CEL policies: one (policy JSON, request) → the rule responses Kyverno
//! reports. `vpol` evaluates ValidatingPolicy and NamespacedValidatingPolicy, `vap` Kubernetes'
//! ValidatingAdmissionPolicy with its bindings, `dpol` DeletingPolicy and `gpol`
//! GeneratingPolicy (with `template` for its YAML templates), each with its Namespaced twin;
//! `ivpol` decides what it can of an ImageValidatingPolicy without a registry.
//!
//! `matching` decides `matchConstraints`; `resources` knows the plural and scope of a kind;
//! `bindings` builds the variables of a request.

pub mod bindings;
pub mod dpol;
pub mod gpol;
pub mod ivpol;
pub mod matching;
pub mod mpol;
pub mod mutating_admission;
pub mod params;
pub mod resources;
pub mod template;
pub mod validate_cel;
pub mod vap;
pub mod vpol;

use super::{Env, Request, RuleResponse, Status, Value};

/// The kinds this module simulates.
pub const SIMULATED_KINDS: &[&str] = &[
    "ValidatingPolicy",
    "NamespacedValidatingPolicy",
    "ValidatingAdmissionPolicy",
    "DeletingPolicy",
    "NamespacedDeletingPolicy",
    "GeneratingPolicy",
    "NamespacedGeneratingPolicy",
];

/// The node at `path` below `v`, list indexes written as numbers (`["validations", "0"]`).
pub(crate) fn node_at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Value> {
    let mut node = v;
    for step in path {
        node = match node {
            Value::Array(items) => items.get(step.parse::<usize>().ok()?)?,
            other => other.as_object()?.get(*step)?,
        };
    }
    Some(node)
}

/// The responses of a CEL policy of any kind for one request.
pub fn evaluate(policy: &Value, request: &Request, env: &Env) -> Vec<RuleResponse> {
    let kind = policy.str_at(&["kind"]);
    match kind {
        "ValidatingPolicy" | "NamespacedValidatingPolicy" => {
            return vpol::validate(policy, request, env);
        }
        "ValidatingAdmissionPolicy" => return vap::validate(policy, request, env),
        "MutatingPolicy" | "NamespacedMutatingPolicy" => {
            return mpol::mutate(policy, request, env).responses;
        }
        "MutatingAdmissionPolicy" => {
            return mutating_admission::mutate(policy, request, env).responses;
        }
        "DeletingPolicy" | "NamespacedDeletingPolicy" => {
            return dpol::evaluate(policy, request, env);
        }
        "GeneratingPolicy" | "NamespacedGeneratingPolicy" => {
            return gpol::generate(policy, request, env).responses;
        }
        "ImageValidatingPolicy" | "NamespacedImageValidatingPolicy" => {
            return ivpol::validate(policy, request, env);
        }
        _ => {}
    }
    vec![RuleResponse {
        rule: String::new(),
        source: 0,
        status: Status::Unsupported,
        message: format!("{kind} policies are not simulated yet"),
        resource_path: None,
        policy_path: None,
    }]
}

#[cfg(test)]
mod tests;
