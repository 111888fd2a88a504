//! `mutate` rules.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::common::LabelSelector;
use super::conditions::ForEachPreconditions;
use super::context::ContextEntry;

/// Modifies the matching resource (or other `targets`) with a strategic merge patch, a JSON
/// patch, or per-element `foreach` patches.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Mutation {
    /// Strategic-merge-style overlay applied to the resource. Supports anchors such as
    /// `+(key)` (add if absent) and `(key)` (conditional).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub patch_strategic_merge: Option<serde_json::Value>,
    /// RFC 6902 JSON Patch operations written as a string, usually a YAML block (`|-`) listing
    /// `op`/`path`/`value` entries.
    #[serde(rename = "patchesJson6902", skip_serializing_if = "Option::is_none")]
    pub patches_json6902: Option<String>,
    /// Applies patches once per element of a list selected by a JMESPath expression.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub foreach: Option<Vec<ForEachMutation>>,
    /// Existing resources to mutate instead of the admission request's resource
    /// ("mutate existing" rules).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub targets: Option<Vec<TargetResource>>,
    /// Also apply this mutate-existing rule when the policy is created or updated, not only on
    /// matching admission requests.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mutate_existing_on_policy_update: Option<bool>,
}

/// Patches applied to each element of `list`; the element is available as `{{ element }}`
/// and its position as `{{ elementIndex }}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ForEachMutation {
    /// JMESPath expression selecting the elements to iterate over, e.g.
    /// `request.object.spec.containers`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub list: Option<String>,
    /// Iteration order: `Ascending` (first to last) or `Descending` (last to first, useful when
    /// removing elements by index).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order: Option<ForEachOrder>,
    /// Extra context entries evaluated for each element.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<Vec<ContextEntry>>,
    /// Conditions checked for each element; elements that fail them are skipped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preconditions: Option<ForEachPreconditions>,
    /// Strategic-merge-style overlay applied for each element.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub patch_strategic_merge: Option<serde_json::Value>,
    /// RFC 6902 JSON Patch operations (as a string) applied for each element.
    #[serde(rename = "patchesJson6902", skip_serializing_if = "Option::is_none")]
    pub patches_json6902: Option<String>,
    /// A nested `foreach` (list of the same shape) iterating over a sub-list of each element.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub foreach: Option<serde_json::Value>,
}

/// Iteration order of a mutate `foreach`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[schemars(inline)]
pub enum ForEachOrder {
    Ascending,
    Descending,
}

/// An existing resource to mutate, identified by kind and name/selector; variables allowed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TargetResource {
    /// API version of the target, e.g. `v1` or `apps/v1`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    /// Kind of the target, e.g. `ConfigMap`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Name of the target; wildcards allowed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Namespace of the target.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// UID of the target.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
    /// Selects targets by their labels.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selector: Option<LabelSelector>,
    /// Extra context entries evaluated for each target; the target is `{{ target }}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<Vec<ContextEntry>>,
    /// Conditions checked for each target, as `any`/`all` lists (or a plain list of
    /// conditions); targets that fail them are not mutated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preconditions: Option<serde_json::Value>,
}
