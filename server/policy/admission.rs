//! Kubernetes' own CEL admission policies (`admissionregistration.k8s.io/v1`):
//! ValidatingAdmissionPolicy, MutatingAdmissionPolicy and their bindings. Kyverno can generate
//! them from its policies and `kyverno test` evaluates them.
//!
//! There is no CRD for these built-in kinds; the API server's Go validation is the reference,
//! and `tests/k8s_schema.rs` compares the fields with Kubernetes' OpenAPI definitions.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::cel::{CelMatchCondition, CelVariable, MatchConstraints, ValidationAction};
use super::common::FailurePolicy;
use super::mutating::CelMutation;
use super::validate::{AuditAnnotation, ParamKind, ParamRef};

/// The `spec` of a ValidatingAdmissionPolicy: what it matches and the CEL checks it runs. It
/// does nothing until a ValidatingAdmissionPolicyBinding names it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ValidatingAdmissionPolicySpec {
    /// The resources and operations the policy applies to; bindings can narrow it further.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub match_constraints: Option<MatchConstraints>,
    /// CEL conditions that must all be true for a matched request to be validated. At most 64.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub match_conditions: Option<Vec<CelMatchCondition>>,
    /// Named CEL expressions, read by the validations as `variables.<name>`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variables: Option<Vec<CelVariable>>,
    /// The CEL checks; a request passes when every expression returns `true`. A policy needs
    /// `validations`, `auditAnnotations` or both.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub validations: Option<Vec<AdmissionValidation>>,
    /// Annotations added to the audit event, each computed by a CEL expression.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audit_annotations: Option<Vec<AuditAnnotation>>,
    /// The kind of the parameter resources bindings may point to, available to expressions
    /// as `params`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub param_kind: Option<ParamKind>,
    /// What happens when the policy cannot be evaluated (an expression errors, a binding or
    /// parameter is missing): `Fail` (the default) rejects the request, `Ignore` lets it
    /// through.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure_policy: Option<FailurePolicy>,
}

/// One CEL check of a ValidatingAdmissionPolicy, e.g.
/// `expression: "object.spec.replicas <= 5"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AdmissionValidation {
    /// CEL expression that must return `true`. It can use `object`, `oldObject`, `request`,
    /// `params`, `namespaceObject`, `variables` and `authorizer`.
    pub expression: String,
    /// Fixed failure message; one line. Required when the expression spans several lines.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// CEL expression returning the failure message; used instead of `message` when both are
    /// set, falling back to `message` if it fails.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_expression: Option<String>,
    /// Reason of the rejection returned to the client: `Unauthorized`, `Forbidden`,
    /// `Invalid` (the default) or `RequestEntityTooLarge`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// The `spec` of a ValidatingAdmissionPolicyBinding: which policy it puts into force, where,
/// with which parameters, and what a failure does.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ValidatingAdmissionPolicyBindingSpec {
    /// Name of the ValidatingAdmissionPolicy to bind.
    pub policy_name: String,
    /// What a failed validation does, as a set: `Deny` rejects the request, `Warn` returns a
    /// warning to the client, `Audit` records the failure in the audit event. `Deny` and
    /// `Warn` cannot be combined.
    pub validation_actions: Vec<ValidationAction>,
    /// Narrows the requests the policy applies to through this binding; it cannot widen the
    /// policy's `matchConstraints`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub match_resources: Option<MatchConstraints>,
    /// The parameter resource(s), of the policy's `paramKind`, available as `params`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub param_ref: Option<ParamRef>,
}

/// The `spec` of a MutatingAdmissionPolicy: what it matches and the CEL mutations it makes.
/// It does nothing until a MutatingAdmissionPolicyBinding names it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct MutatingAdmissionPolicySpec {
    /// The resources and operations the policy applies to; bindings can narrow it further.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub match_constraints: Option<MatchConstraints>,
    /// CEL conditions that must all be true for a matched request to be mutated. At most 64.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub match_conditions: Option<Vec<CelMatchCondition>>,
    /// Named CEL expressions, read by the mutations as `variables.<name>`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variables: Option<Vec<CelVariable>>,
    /// The changes to make, in order: apply configurations or JSON patches built by CEL. At
    /// least one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mutations: Option<Vec<CelMutation>>,
    /// `Never` runs the mutations once per binding and request; `IfNeeded` may run them again
    /// when a later admission plugin changed the object.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reinvocation_policy: Option<String>,
    /// The kind of the parameter resources bindings may point to, available to expressions
    /// as `params`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub param_kind: Option<ParamKind>,
    /// What happens when the policy cannot be evaluated: `Fail` (the default) rejects the
    /// request, `Ignore` lets it through unchanged.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure_policy: Option<FailurePolicy>,
}

/// The `spec` of a MutatingAdmissionPolicyBinding: which policy it puts into force, where and
/// with which parameters.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct MutatingAdmissionPolicyBindingSpec {
    /// Name of the MutatingAdmissionPolicy to bind.
    pub policy_name: String,
    /// Narrows the requests the policy applies to through this binding; it cannot widen the
    /// policy's `matchConstraints`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub match_resources: Option<MatchConstraints>,
    /// The parameter resource(s), of the policy's `paramKind`, available as `params`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub param_ref: Option<ParamRef>,
}

/// Declares the `kind` tag of a document.
macro_rules! kind_tag {
    ($tag:ident, $kind:ident) => {
        #[doc = concat!("The `kind` tag of a `", stringify!($kind), "` document.")]
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema,
        )]
        #[schemars(inline)]
        pub enum $tag {
            #[default]
            $kind,
        }
    };
}

kind_tag!(ValidatingAdmissionPolicyKind, ValidatingAdmissionPolicy);
kind_tag!(
    ValidatingAdmissionPolicyBindingKind,
    ValidatingAdmissionPolicyBinding
);
kind_tag!(MutatingAdmissionPolicyKind, MutatingAdmissionPolicy);
kind_tag!(
    MutatingAdmissionPolicyBindingKind,
    MutatingAdmissionPolicyBinding
);

/// `admissionregistration.k8s.io/v1`.
pub mod v1 {
    use schemars::JsonSchema;
    use serde::{Deserialize, Serialize};

    use super::super::meta::AdmissionV1ApiVersion;

    document! {
        /// A Kubernetes-native policy that validates requests with CEL expressions, enforced by
        /// the API server itself.
        ValidatingAdmissionPolicy {
            api_version: AdmissionV1ApiVersion = "Always `admissionregistration.k8s.io/v1` for this schema.",
            kind: super::ValidatingAdmissionPolicyKind = "Always `ValidatingAdmissionPolicy`.",
            metadata = "Name, labels and annotations of the policy; bindings refer to it by name. It is cluster-scoped.",
            spec: super::ValidatingAdmissionPolicySpec = "What the policy matches and the CEL checks it runs.",
            status = "Type-checking results and conditions written by the API server. Do not set it in a manifest.",
        }
    }

    document! {
        /// Puts a ValidatingAdmissionPolicy into force for some resources, with parameters and
        /// validation actions.
        ValidatingAdmissionPolicyBinding {
            api_version: AdmissionV1ApiVersion = "Always `admissionregistration.k8s.io/v1` for this schema.",
            kind: super::ValidatingAdmissionPolicyBindingKind = "Always `ValidatingAdmissionPolicyBinding`.",
            metadata = "Name, labels and annotations of the binding. It is cluster-scoped.",
            spec: super::ValidatingAdmissionPolicyBindingSpec = "The policy bound, where, with which parameters and actions.",
        }
    }

    document! {
        /// A Kubernetes-native policy that changes requests with CEL expressions, applied by
        /// the API server itself.
        MutatingAdmissionPolicy {
            api_version: AdmissionV1ApiVersion = "Always `admissionregistration.k8s.io/v1` for this schema.",
            kind: super::MutatingAdmissionPolicyKind = "Always `MutatingAdmissionPolicy`.",
            metadata = "Name, labels and annotations of the policy; bindings refer to it by name. It is cluster-scoped.",
            spec: super::MutatingAdmissionPolicySpec = "What the policy matches and the CEL mutations it makes.",
        }
    }

    document! {
        /// Puts a MutatingAdmissionPolicy into force for some resources, with parameters.
        MutatingAdmissionPolicyBinding {
            api_version: AdmissionV1ApiVersion = "Always `admissionregistration.k8s.io/v1` for this schema.",
            kind: super::MutatingAdmissionPolicyBindingKind = "Always `MutatingAdmissionPolicyBinding`.",
            metadata = "Name, labels and annotations of the binding. It is cluster-scoped.",
            spec: super::MutatingAdmissionPolicyBindingSpec = "The policy bound, where and with which parameters.",
        }
    }
}
