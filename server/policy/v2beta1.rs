//! `kyverno.io/v2beta1` `ClusterPolicy` and `Policy`.
//!
//! Compared with `kyverno.io/v1`: `match`/`exclude` only take `any`/`all`, `preconditions` and
//! `validate.deny.conditions` are structured `any`/`all` lists whose operators exclude the
//! deprecated `In`/`NotIn`, `validate` has no `allowExistingViolations`, and `verifyImages` drops
//! the deprecated single-key fields. Shared types are re-exported here.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use super::common::*;
pub use super::conditions::*;
pub use super::context::*;
pub use super::generate::*;
pub use super::meta::*;
pub use super::mutate::*;
pub use super::validate::*;
pub use super::verify_images::*;

/// The `spec` of a `kyverno.io/v2beta1` policy.
pub type Spec = super::common::Spec<Rule>;

/// A cluster-wide Kyverno policy (`kyverno.io/v2beta1`): its rules apply to matching resources
/// in every namespace as well as to cluster-scoped resources.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ClusterPolicy {
    /// Always `kyverno.io/v2beta1` for this schema (`kyverno.io/v1` is the storage version).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_version: Option<V2beta1ApiVersion>,
    /// Always `ClusterPolicy`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<ClusterPolicyKind>,
    /// Name, labels and annotations of the policy. A `ClusterPolicy` has no namespace.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<ObjectMeta>,
    /// The rules of the policy and the settings shared by them.
    pub spec: Spec,
    /// Runtime state written by Kyverno (readiness, autogen rules...). Do not set it in a
    /// manifest.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<serde_json::Value>,
}

/// A namespaced Kyverno policy (`kyverno.io/v2beta1`): its rules only apply to resources in the
/// policy's own namespace.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Policy {
    /// Always `kyverno.io/v2beta1` for this schema (`kyverno.io/v1` is the storage version).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_version: Option<V2beta1ApiVersion>,
    /// Always `Policy`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<NamespacedPolicyKind>,
    /// Name, namespace, labels and annotations of the policy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<ObjectMeta>,
    /// The rules of the policy and the settings shared by them.
    pub spec: Spec,
    /// Runtime state written by Kyverno (readiness, autogen rules...). Do not set it in a
    /// manifest.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<serde_json::Value>,
}

/// A policy rule: which resources it `match`es (minus `exclude`), optional context and
/// preconditions, and one action: `validate`, `mutate`, `generate` or `verifyImages`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Rule {
    /// Rule name, unique within the policy; at most 63 characters.
    #[schemars(length(max = 63))]
    pub name: String,
    /// Which resources and requests the rule applies to, as `any` (OR) or `all` (AND) lists
    /// of filters.
    #[serde(rename = "match")]
    pub r#match: MatchResources,
    /// Resources and requests to leave out, even when they match.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exclude: Option<MatchResources>,
    /// Variables and external data (ConfigMaps, API calls, image data...) loaded before the
    /// rule runs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<Vec<ContextEntry>>,
    /// JMESPath conditions that must pass for the rule to apply, as `any` and/or `all` lists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preconditions: Option<RuleConditions>,
    /// CEL conditions that must all be true for the rule to apply; only used with
    /// `validate.cel` rules.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cel_preconditions: Option<Vec<MatchCondition>>,
    /// Checks matching resources with patterns, deny conditions, CEL, Pod Security or
    /// manifest signatures.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub validate: Option<Validation>,
    /// Changes matching (or other, existing) resources.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mutate: Option<Mutation>,
    /// Creates other resources when a matching resource is created or updated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub generate: Option<Generation>,
    /// Verifies signatures and attestations of container images, and can pin tags to digests.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verify_images: Option<Vec<ImageVerification>>,
    /// Where to find images in custom resources, keyed by kind; used by `verifyImages`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_extractors: Option<BTreeMap<String, Vec<ImageExtractorConfig>>>,
    /// Extra key/value properties copied into the policy report results of this rule.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report_properties: Option<BTreeMap<String, String>>,
    /// Ignore admission requests made by Kyverno's background controller. Defaults to
    /// `true`; set it to `false` so generate and mutate-existing rules also see them.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = true))]
    pub skip_background_requests: Option<bool>,
}

/// Selects resources and requests for `match` or `exclude`: `any` (at least one filter holds)
/// or `all` (every filter holds), not both.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(extend("not" = {"required": ["any", "all"]}))]
pub struct MatchResources {
    /// Applies when at least one of these filters holds (OR).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub any: Option<Vec<ResourceFilter>>,
    /// Applies when every one of these filters holds (AND).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub all: Option<Vec<ResourceFilter>>,
}

/// Conditions grouped as `any` (at least one must pass) and/or `all` (every one must pass).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RuleConditions {
    /// Passes when at least one of these conditions is true.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub any: Option<Vec<RuleCondition>>,
    /// Passes when every one of these conditions is true.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub all: Option<Vec<RuleCondition>>,
}

/// A condition comparing `key` with `value`, e.g. `key: "{{ request.operation }}"`,
/// `operator: AnyIn`, `value: [CREATE, UPDATE]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RuleCondition {
    /// Left-hand side: any value, usually a variable such as
    /// `"{{ request.object.metadata.name }}"`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<serde_json::Value>,
    /// How `key` is compared with `value`: `Equals`, `NotEquals`, `AnyIn`, `AllIn`,
    /// `AnyNotIn`, `AllNotIn`, `GreaterThan(OrEquals)`, `LessThan(OrEquals)` or the
    /// `Duration...` comparisons.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operator: Option<RuleConditionOperator>,
    /// Right-hand side: a scalar, a list or a variable. Lists and wildcards are allowed with
    /// the set operators.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<serde_json::Value>,
    /// Message reported when this condition causes a failure or skip.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// Comparison operator of a `kyverno.io/v2beta1` rule-level condition (no `In`/`NotIn`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[schemars(inline)]
pub enum RuleConditionOperator {
    Equals,
    NotEquals,
    AnyIn,
    AllIn,
    AnyNotIn,
    AllNotIn,
    GreaterThanOrEquals,
    GreaterThan,
    LessThanOrEquals,
    LessThan,
    DurationGreaterThanOrEquals,
    DurationGreaterThan,
    DurationLessThanOrEquals,
    DurationLessThan,
}

/// Fails validation when its conditions are true.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RuleDeny {
    /// The request is denied when these conditions pass (`any` and/or `all` lists).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conditions: Option<RuleConditions>,
}

/// Checks a matching resource. Use one of `pattern`, `anyPattern`, `deny`, `foreach`, `cel`,
/// `podSecurity` or `manifests`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Validation {
    /// Message reported when validation fails; variables allowed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// `Enforce` blocks violating requests; `Audit` allows them and records a policy report
    /// failure.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure_action: Option<FailureAction>,
    /// Per-namespace overrides of `failureAction` (ClusterPolicy only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure_action_overrides: Option<Vec<ValidationFailureActionOverride>>,
    /// Overlay pattern the resource must match. Supports wildcards, operators (`>`, `!`, `|`,
    /// ...) and anchors such as `=(key)` (optional) and `X(key)` (forbidden).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pattern: Option<serde_json::Value>,
    /// List of overlay patterns; the resource must match at least one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub any_pattern: Option<serde_json::Value>,
    /// Fails validation when its conditions are true.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deny: Option<RuleDeny>,
    /// Validates each element of one or more lists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub foreach: Option<Vec<ForEachValidation>>,
    /// Validates with CEL expressions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cel: Option<CelValidation>,
    /// Validates pods against a Pod Security Standard level, with exemptions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pod_security: Option<PodSecurity>,
    /// Verifies the signature of the resource's YAML manifest.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manifests: Option<Manifests>,
    /// Deprecated and ignored since Kyverno 1.19 (kyverno-json assertion tree).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assert: Option<serde_json::Value>,
}

/// Verifies the images of matching resources: signatures (`attestors`), attestations, and
/// optionally replaces tags with digests.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ImageVerification {
    /// Image patterns this entry applies to (wildcards allowed), e.g. `ghcr.io/acme/*`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_references: Option<Vec<String>>,
    /// Image patterns to skip even when they match `imageReferences`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skip_image_references: Option<Vec<String>>,
    /// Signature format: `Cosign` (the default), `SigstoreBundle` or `Notary`.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub r#type: Option<ImageVerificationType>,
    /// Authorities that must have signed the image.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attestors: Option<Vec<AttestorSet>>,
    /// Signed in-toto attestations the image must carry, with conditions on their content.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attestations: Option<Vec<Attestation>>,
    /// Alternate OCI repository where signatures and attestations are stored.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
    /// `Enforce` blocks requests with unverified images; `Audit` only reports them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure_action: Option<FailureAction>,
    /// Replace image tags with the verified digest. Defaults to `true`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = true))]
    pub mutate_digest: Option<bool>,
    /// Require images to be referenced by digest. Defaults to `true`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = true))]
    pub verify_digest: Option<bool>,
    /// Require the images to have passed verification. Defaults to `true`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = true))]
    pub required: Option<bool>,
    /// Cache verification results. Defaults to `true`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = true))]
    pub use_cache: Option<bool>,
    /// Credentials used to access the registries.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_registry_credentials: Option<ImageRegistryCredentials>,
    /// Extra checks across the verified attestations and context.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub validate: Option<ImageVerificationValidation>,
}
