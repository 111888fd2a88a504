//! The `kyverno.io` kinds that accompany ClusterPolicy and Policy without being rule policies:
//! PolicyException (v2, v2beta1), CleanupPolicy and ClusterCleanupPolicy (v2, v2beta1), and
//! GlobalContextEntry (v2, v2beta1, v2alpha1). Their conditions and projections are JMESPath;
//! their match filters, conditions and context entries are the rule types of `kyverno.io`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::context::{ContextEntry, HttpMethod, RequestData, ServiceCall};
use super::deleting::DeletionPropagation;
use super::v2beta1::{MatchResources, RuleConditions};
use super::validate::PodSecurityExclusion;

/// The `spec` of a `kyverno.io` PolicyException: which rules of which policies it lifts, for
/// which resources.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PolicyExceptionSpec {
    /// The rules exempted, by policy name (`namespace/name` for a namespaced Policy) and rule
    /// names; autogen rules are named `autogen-<rule>` and `autogen-cronjob-<rule>`.
    pub exceptions: Vec<Exception>,
    /// The resources and requests exempted, as `any`/`all` lists of filters like a rule's
    /// `match`.
    #[serde(rename = "match")]
    pub r#match: MatchResources,
    /// JMESPath conditions that must pass too, as `any`/`all` lists of
    /// `key`/`operator`/`value` conditions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conditions: Option<RuleConditions>,
    /// Pod Security controls to exempt, for `podSecurity` rules: only these controls are
    /// lifted, optionally only for some images or values.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pod_security: Option<Vec<PodSecurityExclusion>>,
    /// Whether the exception also applies in background scans. Defaults to `true`; set it to
    /// `false` when it uses request-only data such as `request.userInfo`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub background: Option<bool>,
}

/// The rules of one policy that an exception lifts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Exception {
    /// Name of the policy; `namespace/name` for a namespaced Policy.
    pub policy_name: String,
    /// Names of the rules to lift.
    pub rule_names: Vec<String>,
}

/// The `spec` of a CleanupPolicy or ClusterCleanupPolicy: which resources to delete, when.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CleanupPolicySpec {
    /// When to look for resources to delete, as a cron expression such as `*/5 * * * *`
    /// (every five minutes).
    pub schedule: String,
    /// The resources to consider, as `any`/`all` lists of filters like a rule's `match`.
    #[serde(rename = "match")]
    pub r#match: MatchResources,
    /// Resources to leave alone even when they match.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exclude: Option<MatchResources>,
    /// Variables and external data loaded for each resource before the conditions run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<Vec<ContextEntry>>,
    /// JMESPath conditions a matched resource must pass to be deleted, as `any`/`all` lists
    /// of `key`/`operator`/`value` conditions; the resource is `target`, e.g.
    /// `{{ target.metadata.name }}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conditions: Option<RuleConditions>,
    /// What happens to the resources a deleted one owns: `Background` deletes them after it,
    /// `Foreground` before it, `Orphan` leaves them. Kubernetes' default for the kind applies
    /// when omitted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deletion_propagation_policy: Option<DeletionPropagation>,
}

/// The `spec` of a GlobalContextEntry: data Kyverno fetches and caches for every policy to
/// read with a `globalReference` context entry. Exactly one of `kubernetesResource` and
/// `apiCall`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(extend("oneOf" = [{"required": ["kubernetesResource"]}, {"required": ["apiCall"]}]))]
pub struct GlobalContextEntrySpec {
    /// Cache every resource of one type, kept up to date by a watch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kubernetes_resource: Option<KubernetesResource>,
    /// Cache the response of an API call, refreshed periodically.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_call: Option<GlobalApiCall>,
    /// Named JMESPath expressions computed on the cached data, which a `globalReference` can
    /// read by name instead of the whole data.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub projections: Option<Vec<Projection>>,
}

/// A type of Kubernetes resource to cache.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct KubernetesResource {
    /// API group of the resource, e.g. `apps`; empty for the core group.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// API version of the resource, e.g. `v1`.
    pub version: String,
    /// The resource, by its lowercase plural name, e.g. `deployments`.
    pub resource: String,
    /// Namespace to cache from. Leave it empty for a cluster-scoped resource; for a
    /// namespaced one, empty caches every namespace.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

/// An API call whose response is cached.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GlobalApiCall {
    /// Kubernetes API path, as for `kubectl get --raw`, e.g. `/apis/apps/v1/deployments`.
    /// Not together with `service`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url_path: Option<String>,
    /// Call to an external JSON web service instead of the API server.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<ServiceCall>,
    /// HTTP method: `GET` (the default) or `POST`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = "GET"))]
    pub method: Option<HttpMethod>,
    /// Body of a `POST` request, as a list of key/value pairs forming a JSON object.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<Vec<RequestData>>,
    /// How often to call again, as a Go duration such as `30s`, `10m` (the default) or
    /// `1h30m`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = "10m", "format" = "duration"))]
    pub refresh_interval: Option<String>,
    /// How many times to retry a failed call; at least 1, 3 by default.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1), extend("default" = 3))]
    pub retry_limit: Option<i32>,
}

/// A named JMESPath expression on cached data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Projection {
    /// Name a `globalReference` uses to read the result.
    pub name: String,
    /// JMESPath expression applied to the cached data, e.g. `items[].metadata.name`.
    pub jmes_path: String,
}

/// The `kind` tag of a `kyverno.io` `PolicyException` document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[schemars(inline)]
pub enum PolicyExceptionKind {
    #[default]
    PolicyException,
}

/// The `kind` tag of a `CleanupPolicy` document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[schemars(inline)]
pub enum CleanupPolicyKind {
    #[default]
    CleanupPolicy,
}

/// The `kind` tag of a `ClusterCleanupPolicy` document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[schemars(inline)]
pub enum ClusterCleanupPolicyKind {
    #[default]
    ClusterCleanupPolicy,
}

/// The `kind` tag of a `GlobalContextEntry` document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[schemars(inline)]
pub enum GlobalContextEntryKind {
    #[default]
    GlobalContextEntry,
}

/// Declares the documents of one `kyverno.io` version.
macro_rules! support_documents {
    ($version:ident, $tag:ident, $group_version:expr, $others:expr, [$($kind:ident),*]) => {
        #[doc = concat!("`", $group_version, "`.")]
        pub mod $version {
            use schemars::JsonSchema;
            use serde::{Deserialize, Serialize};

            $(support_documents!(@$kind $tag, $group_version, $others);)*
        }
    };
    (@PolicyException $tag:ident, $group_version:expr, $others:expr) => {
        document! {
            /// Lifts some rules of some ClusterPolicies and Policies for some resources.
            PolicyException {
                api_version: $crate::policy::meta::$tag = concat!("`", $group_version, "` for this schema (", $others, ")."),
                kind: super::PolicyExceptionKind = "Always `PolicyException`.",
                metadata = "Name, namespace, labels and annotations of the exception. Kyverno only honours exceptions in the namespaces it is configured to read them from.",
                spec: super::PolicyExceptionSpec = "The rules lifted and the resources they are lifted for.",
            }
        }
    };
    (@CleanupPolicy $tag:ident, $group_version:expr, $others:expr) => {
        document! {
            /// Deletes matching resources of its namespace on a schedule.
            CleanupPolicy {
                api_version: $crate::policy::meta::$tag = concat!("`", $group_version, "` for this schema (", $others, ")."),
                kind: super::CleanupPolicyKind = "Always `CleanupPolicy`.",
                metadata = "Name, namespace, labels and annotations of the policy. It deletes only resources in its namespace.",
                spec: super::CleanupPolicySpec = "Which resources to delete, and when.",
                status = "Runtime state written by Kyverno (conditions, last run). Do not set it in a manifest.",
            }
        }
    };
    (@ClusterCleanupPolicy $tag:ident, $group_version:expr, $others:expr) => {
        document! {
            /// Deletes matching resources across the cluster on a schedule.
            ClusterCleanupPolicy {
                api_version: $crate::policy::meta::$tag = concat!("`", $group_version, "` for this schema (", $others, ")."),
                kind: super::ClusterCleanupPolicyKind = "Always `ClusterCleanupPolicy`.",
                metadata = "Name, labels and annotations of the policy. A ClusterCleanupPolicy is cluster-scoped and has no namespace.",
                spec: super::CleanupPolicySpec = "Which resources to delete, and when.",
                status = "Runtime state written by Kyverno (conditions, last run). Do not set it in a manifest.",
            }
        }
    };
    (@GlobalContextEntry $tag:ident, $group_version:expr, $others:expr) => {
        document! {
            /// Data that Kyverno fetches once and caches for every policy to read.
            GlobalContextEntry {
                api_version: $crate::policy::meta::$tag = concat!("`", $group_version, "` for this schema (", $others, ")."),
                kind: super::GlobalContextEntryKind = "Always `GlobalContextEntry`.",
                metadata = "Name, labels and annotations of the entry; policies refer to it by name. A GlobalContextEntry is cluster-scoped.",
                spec: super::GlobalContextEntrySpec = "What to fetch and cache.",
                status = "Runtime state written by Kyverno (readiness, last refresh). Do not set it in a manifest.",
            }
        }
    };
}

support_documents!(
    v2,
    V2ApiVersion,
    "kyverno.io/v2",
    "`v2beta1` is also served",
    [
        PolicyException,
        CleanupPolicy,
        ClusterCleanupPolicy,
        GlobalContextEntry
    ]
);
support_documents!(
    v2beta1,
    V2beta1ApiVersion,
    "kyverno.io/v2beta1",
    "deprecated for PolicyException and the cleanup policies, which `v2` replaces",
    [
        PolicyException,
        CleanupPolicy,
        ClusterCleanupPolicy,
        GlobalContextEntry
    ]
);
support_documents!(
    v2alpha1,
    V2alpha1ApiVersion,
    "kyverno.io/v2alpha1",
    "deprecated: `kyverno.io/v2` takes the same spec",
    [GlobalContextEntry]
);
