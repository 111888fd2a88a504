//! Types shared by both API versions: the policy spec, webhook settings, failure actions,
//! match/exclude filters and label selectors.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The `spec` of a policy: its rules plus settings that apply to all of them. Generic over the
/// rule type, which is the only difference between `kyverno.io/v1` and `kyverno.io/v2beta1`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(rename = "Spec")]
pub struct Spec<R> {
    /// The rules of the policy, evaluated in order. Each rule matches resources and then
    /// validates, mutates, generates or verifies images.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rules: Option<Vec<R>>,
    /// Whether the rules run in the admission webhook, i.e. on API requests. Defaults to `true`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = true))]
    pub admission: Option<bool>,
    /// Whether the rules also run in background scans of existing resources, producing policy
    /// reports. Defaults to `true`; set it to `false` when a rule uses request-only data such as
    /// `request.userInfo`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = true))]
    pub background: Option<bool>,
    /// `All` (the default) applies every matching rule; `One` stops after the first rule that
    /// applies (whether it passes, fails or errors).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub apply_rules: Option<ApplyRules>,
    /// Also return admission warnings for mutate rules and for audit-mode validate rules.
    /// Slows admission down a little. Defaults to `false`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = false))]
    pub emit_warning: Option<bool>,
    /// Use server-side apply instead of create/update when generate rules write resources.
    /// Defaults to `false`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub use_server_side_apply: Option<bool>,
    /// Settings of the admission webhook registered for this policy: failure policy, timeout
    /// and CEL match conditions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webhook_configuration: Option<WebhookConfiguration>,
    /// Deprecated: set `failureAction` in each rule's `validate` instead. `Enforce` blocks
    /// violating requests, `Audit` (the default) only reports them. The lowercase spellings
    /// are accepted for backward compatibility.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = "Audit"))]
    pub validation_failure_action: Option<ValidationFailureAction>,
    /// Deprecated: use `failureActionOverrides` in each rule's `validate` instead. Per-namespace
    /// overrides of `validationFailureAction`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub validation_failure_action_overrides: Option<Vec<ValidationFailureActionOverride>>,
    /// Deprecated: use `webhookConfiguration.failurePolicy` instead. `Fail` rejects requests
    /// when the policy cannot be evaluated, `Ignore` lets them through.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure_policy: Option<FailurePolicy>,
    /// Deprecated: use `webhookConfiguration.timeoutSeconds` instead. Webhook timeout in
    /// seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webhook_timeout_seconds: Option<i32>,
    /// Deprecated: use `generateExisting` in each rule's `generate` instead.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub generate_existing: Option<bool>,
    /// Deprecated: use `generateExisting` in each rule's `generate` instead.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub generate_existing_on_policy_update: Option<bool>,
    /// Deprecated: use `mutateExistingOnPolicyUpdate` in each rule's `mutate` instead.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mutate_existing_on_policy_update: Option<bool>,
    /// Deprecated and ignored.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schema_validation: Option<bool>,
}

/// How many matching rules of a policy are applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[schemars(inline)]
pub enum ApplyRules {
    All,
    One,
}

/// What the webhook does when a policy cannot be evaluated (error or timeout).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[schemars(inline)]
pub enum FailurePolicy {
    Ignore,
    Fail,
}

/// Whether a validation failure blocks the request (`Enforce`) or is only reported (`Audit`);
/// the lowercase spellings are legacy aliases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[schemars(inline)]
pub enum ValidationFailureAction {
    // Legacy lowercase alias of `Audit`.
    #[serde(rename = "audit")]
    AuditLowercase,
    // Legacy lowercase alias of `Enforce`.
    #[serde(rename = "enforce")]
    EnforceLowercase,
    Audit,
    Enforce,
}

impl ValidationFailureAction {
    /// True for `Enforce` and its lowercase alias.
    pub fn is_enforce(self) -> bool {
        matches!(self, Self::Enforce | Self::EnforceLowercase)
    }
}

/// Whether a failing rule blocks the request (`Enforce`) or is only reported (`Audit`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[schemars(inline)]
pub enum FailureAction {
    Audit,
    Enforce,
}

/// Overrides the validation failure action for some namespaces.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ValidationFailureActionOverride {
    /// The action to use in the selected namespaces: `Audit` or `Enforce` (lowercase spellings
    /// are legacy aliases).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<ValidationFailureAction>,
    /// Namespace names (wildcards `*` and `?` allowed) the override applies to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespaces: Option<Vec<String>>,
    /// Selects the namespaces the override applies to by their labels.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace_selector: Option<LabelSelector>,
}

/// Settings of the admission webhook Kyverno registers for the policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct WebhookConfiguration {
    /// `Fail` rejects requests when the policy cannot be evaluated (error or timeout);
    /// `Ignore` lets them through.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure_policy: Option<FailurePolicy>,
    /// Maximum time in seconds the webhook may take for this policy before `failurePolicy`
    /// applies (1-30 in Kubernetes, 10 by default).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout_seconds: Option<i32>,
    /// CEL conditions that must all be true for a request to be sent to the webhook at all.
    /// Requires Kubernetes 1.27 or later.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub match_conditions: Option<Vec<MatchCondition>>,
}

/// A named CEL expression that must evaluate to `true`, e.g.
/// `name: not-kube-system`, `expression: "object.metadata.namespace != 'kube-system'"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct MatchCondition {
    /// Identifier of the condition, unique in its list; letters, digits, `-`, `_` and `.`.
    pub name: String,
    /// CEL expression returning a bool. It can use `object`, `oldObject`, `request` and
    /// `authorizer`.
    pub expression: String,
}

/// One element of `match.any`/`match.all` (or `exclude.any`/`exclude.all`): resource criteria
/// and/or who made the request. All criteria given in one element must hold.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ResourceFilter {
    /// Criteria on the resource itself: kinds, names, namespaces, labels, operations.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resources: Option<ResourceDescription>,
    /// Users, groups or service accounts that made the request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subjects: Option<Vec<Subject>>,
    /// Namespaced roles (`namespace:name`) the requesting user must have.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub roles: Option<Vec<String>>,
    /// Cluster roles the requesting user must have.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster_roles: Option<Vec<String>>,
}

/// Criteria on a resource. Every criterion given must hold; list values are alternatives.
/// Names and namespaces accept the wildcards `*` and `?`. `name` and `names` are mutually
/// exclusive.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(extend("not" = {"required": ["name", "names"]}))]
pub struct ResourceDescription {
    /// Resource kinds, as `Kind`, `group/version/Kind`, `version/Kind` or with a subresource
    /// such as `Pod/exec`; `*` matches every kind.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kinds: Option<Vec<String>>,
    /// Deprecated: use `names`. A single resource name, wildcards allowed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Resource names, wildcards `*` and `?` allowed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub names: Option<Vec<String>>,
    /// Namespace names, wildcards `*` and `?` allowed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespaces: Option<Vec<String>>,
    /// Annotations the resource must carry; keys and values accept wildcards.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub annotations: Option<BTreeMap<String, String>>,
    /// Label selector on the resource; `matchLabels` keys and values accept wildcards.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selector: Option<LabelSelector>,
    /// Label selector on the resource's namespace; `matchLabels` keys and values accept
    /// wildcards.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace_selector: Option<LabelSelector>,
    /// Admission operations to match: `CREATE`, `CONNECT`, `UPDATE`, `DELETE`. Any operation
    /// when omitted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operations: Option<Vec<Operation>>,
}

/// An admission request operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "UPPERCASE")]
#[schemars(inline)]
pub enum Operation {
    Create,
    Connect,
    Update,
    Delete,
}

/// A Kubernetes label selector. `matchLabels` and `matchExpressions` are ANDed; an empty
/// selector matches everything.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct LabelSelector {
    /// Labels that must be present with exactly these values.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub match_labels: Option<BTreeMap<String, String>>,
    /// Set-based requirements on labels, all of which must hold.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub match_expressions: Option<Vec<LabelSelectorRequirement>>,
}

/// A set-based label requirement, e.g. `key: tier`, `operator: In`, `values: [web]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct LabelSelectorRequirement {
    /// The label key.
    pub key: String,
    /// One of `In`, `NotIn`, `Exists`, `DoesNotExist`.
    pub operator: String,
    /// Values for `In`/`NotIn` (must be non-empty); must be empty for `Exists`/`DoesNotExist`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<String>>,
}

/// A user, group or service account, e.g. `kind: ServiceAccount`, `name: builder`,
/// `namespace: ci`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Subject {
    /// `User`, `Group` or `ServiceAccount`.
    pub kind: String,
    /// Name of the user, group or service account.
    pub name: String,
    /// Namespace of a `ServiceAccount`; leave empty for users and groups.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// API group of the subject: empty for `ServiceAccount`, `rbac.authorization.k8s.io` for
    /// `User` and `Group` (the defaults).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_group: Option<String>,
}

/// Tells `verifyImages` where to find image references in a custom resource.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ImageExtractorConfig {
    /// Slash-separated path to the object holding the image, e.g. `/spec/containers/*/`;
    /// `*` expands over arrays and maps.
    pub path: String,
    /// Name of the field under `path` that holds the image, when `path` points to an object
    /// rather than to the image string itself.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// Name of the field under `path` that uniquely identifies each image (values must be
    /// unique).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Extracted images are available as `images.<name>`; defaults to `custom`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// JMESPath applied to the extracted value, e.g. `trim_prefix(@, 'docker://')`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jmes_path: Option<String>,
}
