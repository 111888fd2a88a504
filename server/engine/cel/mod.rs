//! The simulator for CEL policies: one (policy JSON, request) → the rule responses Kyverno
//! reports. `vpol` evaluates ValidatingPolicy and NamespacedValidatingPolicy, `vap` Kubernetes'
//! ValidatingAdmissionPolicy with its bindings; the other CEL kinds answer `unsupported`.
//!
//! `matching` decides `matchConstraints`; `resources` knows the plural and scope of a kind;
//! `bindings` builds the variables of a request.

pub mod bindings;
pub mod matching;
pub mod params;
pub mod resources;
pub mod validate_cel;
pub mod vap;
pub mod vpol;

use super::{Env, Request, RuleResponse, Status, Value};

/// The kinds this module simulates.
pub const SIMULATED_KINDS: &[&str] = &[
    "ValidatingPolicy",
    "NamespacedValidatingPolicy",
    "ValidatingAdmissionPolicy",
];

/// The responses of a CEL policy of any kind for one request.
pub fn evaluate(policy: &Value, request: &Request, env: &Env) -> Vec<RuleResponse> {
    let kind = policy.str_at(&["kind"]);
    match kind {
        "ValidatingPolicy" | "NamespacedValidatingPolicy" => {
            return vpol::validate(policy, request, env);
        }
        "ValidatingAdmissionPolicy" => return vap::validate(policy, request, env),
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
