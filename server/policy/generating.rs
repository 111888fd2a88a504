//! `GeneratingPolicy` and `NamespacedGeneratingPolicy` (`policies.kyverno.io`): create
//! resources with CEL when a matching resource is created or changed.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::cel::{
    AdmissionConfiguration, CelMatchCondition, CelVariable, CelWebhookConfiguration,
    MatchConstraints, OffByDefault,
};
use super::validate::AuditAnnotation;

/// The `spec` of a GeneratingPolicy: which requests trigger it and what it creates.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GeneratingPolicySpec {
    /// The resources and operations that trigger the policy: `resourceRules` with API groups,
    /// versions, operations and plural resource names, plus optional selectors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub match_constraints: Option<MatchConstraints>,
    /// CEL conditions that must all be true for a matched request to trigger the policy. At
    /// most 64.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub match_conditions: Option<Vec<CelMatchCondition>>,
    /// Named CEL expressions, read by the other expressions as `variables.<name>`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variables: Option<Vec<CelVariable>>,
    /// What to create: each entry is a CEL `expression` (usually calling
    /// `generator.Apply(namespace, [objects])`) or a YAML `template`. At least one.
    #[schemars(length(min = 1))]
    pub generate: Vec<Generation>,
    /// Annotations added to the API server's audit event, each computed by a CEL expression.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audit_annotations: Option<Vec<AuditAnnotation>>,
    /// Whether the policy runs on admission requests, on existing triggers, and what happens
    /// to the generated resources later.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evaluation: Option<GeneratingEvaluation>,
    /// Create and update the generated resources with server-side apply instead of
    /// create/update. Defaults to `false`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub use_server_side_apply: Option<bool>,
    /// Settings of the admission webhook Kyverno registers for the policy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webhook_configuration: Option<CelWebhookConfiguration>,
}

/// One thing to generate: exactly one of `expression` and `template`.
// The CRD states that rule in CEL (`x-kubernetes-validations`), which the API server enforces;
// `oneOf` is the same rule in JSON Schema, for our checks and for other tools, and the walk
// reports it with the rule's message.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(extend(
    "oneOf" = [{"required": ["expression"]}, {"required": ["template"]}],
    "x-kubernetes-validations" = [{
        "message": "exactly one of expression or template must be set",
        "rule": "(has(self.expression) && !has(self.template)) || (!has(self.expression) && has(self.template))"
    }]
))]
pub struct Generation {
    /// CEL expression that creates the resources, e.g.
    /// `generator.Apply(object.metadata.name, [variables.configmap])`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expression: Option<String>,
    /// The resources to create written as YAML, with optional `(( ... ))` CEL placeholders.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub template: Option<GenerationTemplate>,
}

/// Resources to generate, written as YAML.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GenerationTemplate {
    /// One or more YAML documents, each a resource to create. A resource is created in the
    /// namespace its `metadata.namespace` names, or as cluster-scoped without one.
    #[schemars(length(min = 1))]
    pub value: String,
    /// `none` (the default) takes `value` as plain YAML; `cel` first replaces each
    /// `(( expression ))` with its CEL value (write `\((` for a literal `((`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = "none"))]
    pub interpolate: Option<Interpolate>,
}

/// How a generation template is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(inline)]
pub enum Interpolate {
    None,
    Cel,
}

/// When a GeneratingPolicy runs and what happens to what it generated.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GeneratingEvaluation {
    /// Evaluation of API requests in the admission webhook.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub admission: Option<AdmissionConfiguration>,
    /// Also generate for triggers that already exist when the policy is created or changed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub generate_existing: Option<OffByDefault>,
    /// Keep the generated resources in step with the policy and the trigger: Kyverno reverts
    /// changes made to them and recreates them when they are deleted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub synchronize: Option<OffByDefault>,
    /// Leave the generated resources in place when the policy is deleted, instead of deleting
    /// them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub orphan_downstream_on_policy_delete: Option<OffByDefault>,
    /// Ignore admission requests made by Kyverno's background controller. Defaults to
    /// `true`; set it to `false` so that `generateExisting` also applies to them.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = true))]
    pub skip_background_requests: Option<bool>,
}

cel_policy_kinds! {
    spec: GeneratingPolicySpec = "What triggers the policy and the resources it creates.",
    cluster: GeneratingPolicy / GeneratingPolicyKind =
        "A cluster-wide policy that creates resources with CEL when a matching resource is created or changed.",
    namespaced: NamespacedGeneratingPolicy / NamespacedGeneratingPolicyKind =
        "A policy that creates resources in its own namespace when a matching resource there is created or changed.",
}
