//! `DeletingPolicy` and `NamespacedDeletingPolicy` (`policies.kyverno.io`): delete matching
//! resources on a schedule when CEL conditions hold.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::cel::{CelVariable, MatchConstraints};

/// The `spec` of a DeletingPolicy: which resources to delete, when, and how.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DeletingPolicySpec {
    /// When to look for resources to delete, as a cron expression such as `0 * * * *`
    /// (every hour, on the hour).
    pub schedule: String,
    /// The resources the policy considers: `resourceRules` with API groups, versions and
    /// plural resource names, plus optional selectors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub match_constraints: Option<MatchConstraints>,
    /// CEL conditions that must all be true for a matched resource to be deleted; without
    /// any, every matched resource is. At most 64.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conditions: Option<Vec<DeletionCondition>>,
    /// Named CEL expressions, read by the conditions as `variables.<name>`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variables: Option<Vec<CelVariable>>,
    /// What happens to the resources a deleted one owns: `Background` deletes them after it,
    /// `Foreground` before it, `Orphan` leaves them. Kubernetes' default for the kind applies
    /// when omitted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deletion_propagation_policy: Option<DeletionPropagation>,
}

/// A named CEL condition on a resource to delete, e.g. `name: expired`,
/// `expression: "timestamp(object.metadata.annotations['expires']) < time.now()"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DeletionCondition {
    /// Name of the condition, unique in the list: letters, digits, `-`, `_` and `.`,
    /// starting and ending with a letter or digit.
    pub name: String,
    /// CEL expression returning a bool; the resource is `object`.
    pub expression: String,
}

/// How the deletion of a resource propagates to the resources it owns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[schemars(inline)]
pub enum DeletionPropagation {
    Foreground,
    Background,
    Orphan,
}

cel_policy_kinds! {
    spec: DeletingPolicySpec = "Which resources to delete, when, and how.",
    cluster: DeletingPolicy / DeletingPolicyKind =
        "A cluster-wide policy that deletes matching resources on a schedule.",
    namespaced: NamespacedDeletingPolicy / NamespacedDeletingPolicyKind =
        "A policy that deletes matching resources of its own namespace on a schedule.",
}
