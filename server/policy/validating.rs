//! `ValidatingPolicy` and `NamespacedValidatingPolicy` (`policies.kyverno.io`): CEL validations
//! of the resources that `matchConstraints` selects.
//!
//! Every served version has the same spec; the versions differ only in their `apiVersion` tag,
//! so each version module (declared by `cel_policy_kinds!`) holds just the document structs.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::cel::{
    CelMatchCondition, CelVariable, CelWebhookConfiguration, EvaluationConfiguration,
    MatchConstraints, ValidatingAutogen, ValidationAction, ValidationExpression,
};
use super::common::FailurePolicy;
use super::validate::AuditAnnotation;

/// The `spec` of a ValidatingPolicy: which requests it looks at and the CEL checks it runs on
/// them. Kyverno evaluates, in order: `matchConstraints`, policy exceptions,
/// `matchConditions`, then `validations`, stopping at the first one that fails.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ValidatingPolicySpec {
    /// The resources and operations the policy applies to: `resourceRules` with API groups,
    /// versions, operations and plural resource names, plus optional selectors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub match_constraints: Option<MatchConstraints>,
    /// CEL conditions that must all be true for a matched request to be validated; use them
    /// for what `matchConstraints` cannot express. At most 64.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub match_conditions: Option<Vec<CelMatchCondition>>,
    /// Named CEL expressions, computed on demand and read by the validations as
    /// `variables.<name>`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variables: Option<Vec<CelVariable>>,
    /// The CEL checks. A resource passes when every expression returns `true`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub validations: Option<Vec<ValidationExpression>>,
    /// What a failed validation does, as a set: `Deny` rejects the request, `Audit` records
    /// the failure in policy reports, `Warn` lets the request through with a warning to the
    /// client. Defaults to `[Deny]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub validation_actions: Option<Vec<ValidationAction>>,
    /// Annotations added to the API server's audit event, each computed by a CEL expression.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audit_annotations: Option<Vec<AuditAnnotation>>,
    /// What happens when the policy cannot be evaluated (a match condition errors, a timeout):
    /// `Fail` (the default) rejects the request, `Ignore` lets it through. A validation that
    /// returns `false` is governed by `validationActions`, not by this.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure_policy: Option<FailurePolicy>,
    /// Whether the policy runs on admission requests, in background scans, and on what kind
    /// of input.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evaluation: Option<EvaluationConfiguration>,
    /// Policies Kyverno derives from this one: for Pod controllers, and a native Kubernetes
    /// ValidatingAdmissionPolicy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub autogen: Option<ValidatingAutogen>,
    /// Settings of the admission webhook Kyverno registers for the policy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webhook_configuration: Option<CelWebhookConfiguration>,
}

cel_policy_kinds! {
    spec: ValidatingPolicySpec = "What the policy matches and the CEL checks it runs.",
    cluster: ValidatingPolicy / ValidatingPolicyKind =
        "A cluster-wide policy that validates resources with CEL expressions.",
    namespaced: NamespacedValidatingPolicy / NamespacedValidatingPolicyKind =
        "A policy that validates resources of its own namespace with CEL expressions.",
}
