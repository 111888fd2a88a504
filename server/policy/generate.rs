//! `generate` rules.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::common::LabelSelector;
use super::conditions::ForEachPreconditions;
use super::context::ContextEntry;

/// Creates (and optionally keeps in sync) another resource when the rule matches: from inline
/// `data`, by cloning an existing resource (`clone`, `cloneList`), or once per list element
/// (`foreach`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Generation {
    /// API version of the generated resource, e.g. `v1` or `networking.k8s.io/v1`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    /// Kind of the generated resource, e.g. `NetworkPolicy`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Name of the generated resource; variables allowed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Namespace of the generated resource (omit for cluster-scoped kinds); variables allowed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// UID of the generated resource.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
    /// Content of the generated resource (any fields, usually `spec`, `data`, `metadata`...).
    /// Mutually exclusive with `clone` and `cloneList`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<serde_json::Value>,
    /// Existing resource copied as the generated resource. Mutually exclusive with `data`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clone: Option<CloneFrom>,
    /// Several existing resources, selected by kinds and labels, to copy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clone_list: Option<CloneList>,
    /// Generates one resource per element of a list.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub foreach: Option<Vec<ForEachGeneration>>,
    /// Keep generated resources in sync with `data` or the clone source, overwriting manual
    /// changes and deleting them with their trigger. Defaults to `false`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub synchronize: Option<bool>,
    /// Also generate for resources that already existed when the policy was created.
    /// Defaults to `false`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub generate_existing: Option<bool>,
    /// With `synchronize`, keep the generated resources when the policy or rule is deleted.
    /// Defaults to `false`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub orphan_downstream_on_policy_delete: Option<bool>,
}

/// The source resource of a `clone`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CloneFrom {
    /// Name of the source resource.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Namespace of the source resource.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

/// Source resources of a `cloneList`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CloneList {
    /// Kinds to copy, as `version/Kind` or `group/version/Kind`, e.g. `v1/Secret`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kinds: Option<Vec<String>>,
    /// Namespace of the source resources.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Selects the source resources by their labels (no wildcards).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selector: Option<LabelSelector>,
}

/// A resource generated once per element of `list`; the element is `{{ element }}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ForEachGeneration {
    /// JMESPath expression selecting the elements to iterate over.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub list: Option<String>,
    /// Extra context entries evaluated for each element.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<Vec<ContextEntry>>,
    /// Conditions checked for each element; elements that fail them are skipped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preconditions: Option<ForEachPreconditions>,
    /// API version of the generated resource.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    /// Kind of the generated resource.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Name of the generated resource; variables allowed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Namespace of the generated resource; variables allowed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// UID of the generated resource.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
    /// Content of the generated resource. Mutually exclusive with `clone` and `cloneList`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<serde_json::Value>,
    /// Existing resource copied as the generated resource.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clone: Option<CloneFrom>,
    /// Several existing resources to copy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clone_list: Option<CloneList>,
}
