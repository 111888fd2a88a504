//! `MutatingPolicy` and `NamespacedMutatingPolicy` (`policies.kyverno.io`): CEL mutations of
//! the requests `matchConstraints` selects, or of existing resources.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::cel::{
    AdmissionConfiguration, BackgroundConfiguration, CelMatchCondition, CelVariable,
    CelWebhookConfiguration, MatchConstraints, OffByDefault, PodControllersGeneration,
};
use super::common::{FailurePolicy, LabelSelector};
use super::validate::AuditAnnotation;

/// The `spec` of a MutatingPolicy: which requests it looks at and the changes it makes to
/// them. The mutations run in order, each on the result of the previous one.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct MutatingPolicySpec {
    /// The resources and operations the policy applies to: `resourceRules` with API groups,
    /// versions, operations and plural resource names, plus optional selectors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub match_constraints: Option<MatchConstraints>,
    /// CEL conditions that must all be true for a matched request to be mutated. At most 64.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub match_conditions: Option<Vec<CelMatchCondition>>,
    /// Named CEL expressions, read by the other expressions as `variables.<name>`. A
    /// MutatingPolicy computes them before its match conditions, which may use them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variables: Option<Vec<CelVariable>>,
    /// The changes to make, in order: each is an apply configuration or a JSON patch built by
    /// a CEL expression. At least one is needed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mutations: Option<Vec<CelMutation>>,
    /// For mutating existing resources: which resources to change, resolved after the
    /// variables. Same fields as `matchConstraints`, plus an `expression` that returns the
    /// target objects.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_match_constraints: Option<TargetMatchConstraints>,
    /// CEL conditions that must all be true for a resolved target to be mutated; they can use
    /// the variables and see the target as `object`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_match_conditions: Option<Vec<CelMatchCondition>>,
    /// `Never` runs the mutations once per request; `IfNeeded` may run them again when a later
    /// admission plugin or webhook changed the object.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reinvocation_policy: Option<String>,
    /// Annotations added to the API server's audit event, each computed by a CEL expression.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audit_annotations: Option<Vec<AuditAnnotation>>,
    /// What happens when the policy cannot be evaluated (an expression errors, a timeout):
    /// `Fail` (the default) rejects the request, `Ignore` lets it through unchanged.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure_policy: Option<FailurePolicy>,
    /// Whether the policy runs on admission requests and in the background, and whether it
    /// also changes existing resources.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evaluation: Option<MutatingEvaluation>,
    /// Policies Kyverno derives from this one: for Pod controllers, and a native Kubernetes
    /// MutatingAdmissionPolicy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub autogen: Option<MutatingAutogen>,
    /// Settings of the admission webhook Kyverno registers for the policy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webhook_configuration: Option<CelWebhookConfiguration>,
}

/// One change to the object: set `patchType` and the matching field.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(rename = "Mutation")]
pub struct CelMutation {
    /// `ApplyConfiguration` (merge the object returned by `applyConfiguration.expression`)
    /// or `JSONPatch` (apply the operations returned by `jsonPatch.expression`).
    pub patch_type: String,
    /// The fields to set, as an object built in CEL, e.g.
    /// `Object{metadata: Object.metadata{labels: {"team": "a"}}}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub apply_configuration: Option<ApplyConfiguration>,
    /// JSON patch operations built in CEL, e.g.
    /// `[JSONPatch{op: "add", path: "/metadata/labels/team", value: "a"}]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub json_patch: Option<JsonPatch>,
}

/// A mutation written as an apply configuration.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ApplyConfiguration {
    /// CEL expression returning the partial object to merge, built with `Object{...}`. It
    /// cannot change atomic lists or maps unless `evaluation.useServerSideApply` is set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expression: Option<String>,
}

/// A mutation written as a JSON patch.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct JsonPatch {
    /// CEL expression returning a list of `JSONPatch{op, path, value}` operations. Escape
    /// `/` and `~` in keys of a path with `jsonpatch.escapeKey(...)`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expression: Option<String>,
}

/// Which existing resources a MutatingPolicy changes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TargetMatchConstraints {
    /// CEL expression returning the object, or list of objects, to mutate; it can use the
    /// variables computed from the triggering request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expression: Option<String>,
    /// Operations on resources that select targets; a target must match at least one rule.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_rules: Option<Vec<super::cel::ResourceRule>>,
    /// Operations on resources to leave out even when a `resourceRules` entry matches them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exclude_resource_rules: Option<Vec<super::cel::ResourceRule>>,
    /// Label selector on the namespace of the target.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace_selector: Option<LabelSelector>,
    /// Label selector on the target itself.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object_selector: Option<LabelSelector>,
    /// `Equivalent` or `Exact`, as in `matchConstraints`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub match_policy: Option<String>,
}

/// When and where a MutatingPolicy is evaluated.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct MutatingEvaluation {
    /// Evaluation of API requests in the admission webhook.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub admission: Option<AdmissionConfiguration>,
    /// Evaluation in background scans.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub background: Option<BackgroundConfiguration>,
    /// What the policy evaluates: `Kubernetes` (the default) for Kubernetes resources and
    /// admission requests, `JSON` for arbitrary JSON payloads.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    /// Also change existing resources (the targets of `targetMatchConstraints`), not only
    /// those in admission requests.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mutate_existing: Option<OffByDefault>,
    /// Ignore admission requests made by Kyverno's background controller. Defaults to
    /// `true`; set it to `false` so that mutations of existing resources also apply to them.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = true))]
    pub skip_background_requests: Option<bool>,
    /// Apply `ApplyConfiguration` mutations with server-side apply, which can set atomic
    /// fields (a container's `args`, a projected volume) by replacing them whole, dropping
    /// what the patch leaves out. Defaults to `false`, as in a Kubernetes
    /// MutatingAdmissionPolicy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub use_server_side_apply: Option<bool>,
}

/// Which extra policies Kyverno derives from a MutatingPolicy.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct MutatingAutogen {
    /// Policies for the controllers of Pods (Deployments, CronJobs, ...) derived from a policy
    /// on Pods.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pod_controllers: Option<PodControllersGeneration>,
    /// Also create a native Kubernetes MutatingAdmissionPolicy (and its binding) from this
    /// policy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mutating_admission_policy: Option<MapGeneration>,
}

/// Switch for generating a MutatingAdmissionPolicy.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct MapGeneration {
    /// Whether to generate the MutatingAdmissionPolicy. Defaults to `false`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
}

cel_policy_kinds! {
    spec: MutatingPolicySpec = "What the policy matches and the CEL mutations it makes.",
    cluster: MutatingPolicy / MutatingPolicyKind =
        "A cluster-wide policy that changes resources with CEL expressions.",
    namespaced: NamespacedMutatingPolicy / NamespacedMutatingPolicyKind =
        "A policy that changes resources of its own namespace with CEL expressions.",
}
