//! Object metadata and the `apiVersion` / `kind` tags of the top-level policy documents.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Standard Kubernetes object metadata. Authors normally set only `name` (plus `namespace` for
/// a namespaced kind such as `Policy`), `labels` and `annotations`; the other fields are filled
/// in by the API server.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ObjectMeta {
    /// Name of the object, unique per kind (and per namespace for a namespaced kind such as
    /// `Policy`). Must be a valid DNS subdomain name: lowercase letters, digits, `-` and `.`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Prefix from which the API server generates a unique name when `name` is empty (only
    /// honoured by `kubectl create`, not `apply`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub generate_name: Option<String>,
    /// Namespace of a namespaced kind (`Policy`, the `Namespaced...` policies, a
    /// `PolicyException`, a `CleanupPolicy`); defaults to the namespace of the kubectl context.
    /// Leave it out for a cluster-scoped kind such as `ClusterPolicy`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Key/value labels used to organise and select objects. Values are strings: quote
    /// numbers and booleans.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub labels: Option<BTreeMap<String, String>>,
    /// Key/value annotations for tools and humans. Kyverno reads several, e.g.
    /// `policies.kyverno.io/title`, `policies.kyverno.io/severity` and
    /// `policies.kyverno.io/description`. Values are strings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub annotations: Option<BTreeMap<String, String>>,
    /// Unique identifier assigned by the API server. Do not set it in a manifest.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
    /// Opaque version token maintained by the API server for optimistic concurrency.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_version: Option<String>,
    /// Sequence number of the desired state, incremented by the API server on each spec change.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub generation: Option<i64>,
    /// Time the object was created (RFC 3339), set by the API server.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub creation_timestamp: Option<String>,
    /// Time at which deletion was requested (RFC 3339), set by the API server.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deletion_timestamp: Option<String>,
    /// Seconds allowed for graceful termination once deletion was requested; set by the API
    /// server.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deletion_grace_period_seconds: Option<i64>,
    /// Names of controllers that must finish cleaning up before the object is deleted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finalizers: Option<Vec<String>>,
    /// Objects that own this one; the policy is garbage-collected when its owners are gone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner_references: Option<Vec<OwnerReference>>,
    /// Server-side apply bookkeeping of which manager owns which field; written by the API
    /// server, not by authors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub managed_fields: Option<Vec<serde_json::Value>>,
    /// Legacy link to this object, no longer populated by current API servers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub self_link: Option<String>,
}

/// A reference to an object that owns this policy (used for garbage collection).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct OwnerReference {
    /// API version of the owner, e.g. `apps/v1`.
    pub api_version: String,
    /// Kind of the owner, e.g. `Deployment`.
    pub kind: String,
    /// Name of the owner.
    pub name: String,
    /// UID of the owner.
    pub uid: String,
    /// Whether this owner is the managing controller; at most one owner may set it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub controller: Option<bool>,
    /// When true, the owner cannot be deleted in the foreground before this object is gone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub block_owner_deletion: Option<bool>,
}

/// The `apiVersion` tag of a `kyverno.io/v1` document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[schemars(inline)]
pub enum V1ApiVersion {
    #[default]
    #[serde(rename = "kyverno.io/v1")]
    V1,
}

/// The `apiVersion` tag of a `kyverno.io/v2beta1` document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[schemars(inline)]
pub enum V2beta1ApiVersion {
    #[default]
    #[serde(rename = "kyverno.io/v2beta1")]
    V2beta1,
}

/// The `kind` tag of a `ClusterPolicy` document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[schemars(inline)]
pub enum ClusterPolicyKind {
    #[default]
    ClusterPolicy,
}

/// The `kind` tag of a `Policy` document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[schemars(inline)]
pub enum NamespacedPolicyKind {
    #[default]
    Policy,
}

/// The `apiVersion` tag of a `policies.kyverno.io/v1` document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[schemars(inline)]
pub enum PoliciesV1ApiVersion {
    #[default]
    #[serde(rename = "policies.kyverno.io/v1")]
    V1,
}

/// The `apiVersion` tag of a `policies.kyverno.io/v1beta1` document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[schemars(inline)]
pub enum PoliciesV1beta1ApiVersion {
    #[default]
    #[serde(rename = "policies.kyverno.io/v1beta1")]
    V1beta1,
}

/// The `apiVersion` tag of a `policies.kyverno.io/v1alpha1` document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[schemars(inline)]
pub enum PoliciesV1alpha1ApiVersion {
    #[default]
    #[serde(rename = "policies.kyverno.io/v1alpha1")]
    V1alpha1,
}

/// The `kind` tag of a `policies.kyverno.io` `PolicyException` document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[schemars(inline)]
pub enum CelPolicyExceptionKind {
    #[default]
    PolicyException,
}

/// The `apiVersion` tag of a `kyverno.io/v2` document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[schemars(inline)]
pub enum V2ApiVersion {
    #[default]
    #[serde(rename = "kyverno.io/v2")]
    V2,
}

/// The `apiVersion` tag of a `kyverno.io/v2alpha1` document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[schemars(inline)]
pub enum V2alpha1ApiVersion {
    #[default]
    #[serde(rename = "kyverno.io/v2alpha1")]
    V2alpha1,
}

/// The `apiVersion` tag of an `admissionregistration.k8s.io/v1` document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[schemars(inline)]
pub enum AdmissionV1ApiVersion {
    #[default]
    #[serde(rename = "admissionregistration.k8s.io/v1")]
    V1,
}
