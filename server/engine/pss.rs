//! `validate.podSecurity`: the Pod Security Standards checks.

use super::Value;

/// The outcome of `podSecurity` on one resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PssOutcome {
    Pass,
    /// Kyverno's failure message (`Validation rule '<rule>' failed. It violates PodSecurity "restricted:latest": ...`
    /// is built by the caller from `violations`).
    Fail { level_version: String, violations: Vec<String> },
    /// Not a Pod or pod controller, or DELETE: no response.
    NotApplicable,
    Error { message: String },
}

/// Evaluates `podSecurity` (`{level, version, exclude}`) on a Pod or pod-controller resource.
pub fn evaluate(pod_security: &Value, resource: &Value) -> PssOutcome {
    let _ = (pod_security, resource);
    PssOutcome::Error { message: "podSecurity is not implemented yet".into() }
}
