//! Parts shared by the `policies.kyverno.io` kinds (ValidatingPolicy, and later its siblings):
//! Kubernetes-style match constraints, CEL match conditions, variables, validations, audit
//! annotations and the evaluation, autogen and webhook settings.
//!
//! These kinds borrow their matching and their expression lists from Kubernetes'
//! ValidatingAdmissionPolicy, so the shapes here follow `admissionregistration.k8s.io`, not the
//! `match`/`exclude` filters of a ClusterPolicy.
//!
//! Some Rust names carry a `Cel` prefix to keep them apart from the `kyverno.io` types of the
//! same shape; `#[schemars(rename)]` keeps the schema's `$defs` names (shown in hover) short.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::common::LabelSelector;

/// Which API requests and resources the policy looks at, in the style of a Kubernetes
/// admission policy. A request must pass every constraint given here; an omitted selector
/// selects everything.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct MatchConstraints {
    /// Operations on resources the policy applies to; a request is in scope when it matches
    /// at least one of these rules. Kyverno expects at least one rule here: without it, the
    /// policy matches nothing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_rules: Option<Vec<ResourceRule>>,
    /// Operations on resources to leave out even when a `resourceRules` entry matches them;
    /// exclusion wins.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exclude_resource_rules: Option<Vec<ResourceRule>>,
    /// Label selector on the namespace of the resource. For a Namespace itself its own labels
    /// are used; other cluster-scoped resources always pass. For example
    /// `matchExpressions: [{key: environment, operator: In, values: [prod]}]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace_selector: Option<LabelSelector>,
    /// Label selector on the resource itself. It passes when either the new or the old object
    /// carries matching labels.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object_selector: Option<LabelSelector>,
    /// `Equivalent` (the Kubernetes default) also matches a request made through another group
    /// or version of a listed resource, e.g. `extensions/v1beta1` for `apps/v1` deployments;
    /// `Exact` matches only the groups and versions listed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub match_policy: Option<String>,
}

/// One set of operations on resources, e.g. `apiGroups: [apps]`, `apiVersions: [v1]`,
/// `operations: [CREATE, UPDATE]`, `resources: [deployments]`. `*` in a list means "all" and
/// must then be the only entry.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ResourceRule {
    /// API groups of the resources: `""` for the core group (pods, services, ...), `apps`,
    /// `batch`, ... or `*` for all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_groups: Option<Vec<String>>,
    /// API versions of the resources, e.g. `v1`, or `*` for all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_versions: Option<Vec<String>>,
    /// Request operations: `CREATE`, `UPDATE`, `DELETE`, `CONNECT`, or `*` for all of them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operations: Option<Vec<String>>,
    /// Resources by their lowercase plural name, not their kind: `pods`, `deployments`.
    /// `pods/log` names a subresource, `pods/*` all subresources of pods, `*` all resources
    /// (without subresources) and `*/*` everything.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resources: Option<Vec<String>>,
    /// Names of the resources the rule is limited to; empty or omitted means any name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_names: Option<Vec<String>>,
    /// `Namespaced` for namespaced resources only, `Cluster` for cluster-scoped ones only
    /// (Namespaces themselves are cluster-scoped), `*` (the default) for both. A subresource
    /// has its parent's scope.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

/// A named CEL condition that further narrows the matched requests, e.g. `name: not-dry-run`,
/// `expression: "!request.dryRun"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(rename = "MatchCondition")]
pub struct CelMatchCondition {
    /// Name of the condition, unique in the list and used in logs: letters, digits, `-`, `_`
    /// and `.`, starting and ending with a letter or digit.
    pub name: String,
    /// CEL expression returning a bool; a request is in scope only when every condition is
    /// true. It can use `object`, `oldObject` (null on CREATE) and `request`. In a
    /// ValidatingPolicy the conditions run before `variables` are computed, so they cannot
    /// use them.
    pub expression: String,
}

/// A named CEL expression whose value other expressions read as `variables.<name>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(rename = "Variable")]
pub struct CelVariable {
    /// Name of the variable, a CEL identifier unique in the list, e.g. `containers` for
    /// `variables.containers`.
    pub name: String,
    /// CEL expression computing the value. It sees what validations see, and the variables
    /// listed before this one.
    pub expression: String,
}

/// One CEL check. The request fails the policy when the expression is `false`, e.g.
/// `expression: "object.spec.replicas <= 5"`, `message: at most 5 replicas`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ValidationExpression {
    /// CEL expression that must return `true` for the resource to pass. It can use `object`,
    /// `oldObject`, `request`, `namespaceObject`, `variables` and Kyverno's CEL libraries.
    pub expression: String,
    /// Fixed message reported when the check fails; one line. Without it, Kyverno reports the
    /// failed expression.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// CEL expression returning the failure message as a string; used instead of `message`
    /// when both are set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_expression: Option<String>,
    /// Reason code of a denied request, as in Kubernetes: `Unauthorized`, `Forbidden`,
    /// `Invalid` (the default) or `RequestEntityTooLarge`. Kyverno accepts the field but its
    /// ValidatingPolicy engine does not use it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// What happens to a request that fails a validation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[schemars(inline)]
pub enum ValidationAction {
    Deny,
    Audit,
    Warn,
}

/// When and where the policy is evaluated.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct EvaluationConfiguration {
    /// Evaluation of API requests in the admission webhook.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub admission: Option<AdmissionConfiguration>,
    /// Evaluation of existing resources in background scans, which write policy reports.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub background: Option<BackgroundConfiguration>,
    /// What the policy evaluates: `Kubernetes` (the default) for Kubernetes resources and
    /// admission requests, `Envoy` or `HTTP` for requests sent to Kyverno's authorization
    /// servers, `JSON` for arbitrary JSON payloads.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
}

/// Switch for evaluation at admission time.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AdmissionConfiguration {
    /// Whether the policy runs on API requests. Defaults to `true`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = true))]
    pub enabled: Option<bool>,
}

/// Switch for evaluation in background scans.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct BackgroundConfiguration {
    /// Whether the policy also checks existing resources, reporting results in policy
    /// reports. Defaults to `true`; set it to `false` when expressions read request-only data
    /// such as `request.userInfo`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = true))]
    pub enabled: Option<bool>,
}

/// Which extra policies Kyverno derives from this one.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ValidatingAutogen {
    /// Policies for the controllers of Pods (Deployments, CronJobs, ...) derived from a policy
    /// on Pods.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pod_controllers: Option<PodControllersGeneration>,
    /// Also create a native Kubernetes ValidatingAdmissionPolicy (and its binding) from this
    /// policy, so that the API server enforces it without calling Kyverno.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub validating_admission_policy: Option<VapGeneration>,
}

/// Which Pod controllers get derived policies.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PodControllersGeneration {
    /// Controllers to derive policies for, e.g. `deployments`, `cronjobs`; an empty list
    /// turns the derivation off.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub controllers: Option<Vec<String>>,
}

/// Switch for generating a ValidatingAdmissionPolicy.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct VapGeneration {
    /// Whether to generate the ValidatingAdmissionPolicy. Defaults to `false`. Only policies
    /// whose expressions Kubernetes can evaluate on its own, without Kyverno's CEL libraries,
    /// can be converted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
}

/// Settings of the admission webhook Kyverno registers for the policy.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(rename = "WebhookConfiguration")]
pub struct CelWebhookConfiguration {
    /// Seconds the webhook may take for this policy, between 1 and 30 (10 by default); after
    /// that, `failurePolicy` decides.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout_seconds: Option<i32>,
}

/// A feature that is off unless turned on.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct OffByDefault {
    /// Turns the feature on. Defaults to `false`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = false))]
    pub enabled: Option<bool>,
}
