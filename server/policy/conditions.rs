//! JMESPath-based conditions (`key` `operator` `value`), grouped under `any` / `all`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A condition comparing `key` with `value`, e.g. `key: "{{ request.operation }}"`,
/// `operator: AnyIn`, `value: [CREATE, UPDATE]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Condition {
    /// Left-hand side: any value, usually a variable such as
    /// `"{{ request.object.metadata.name }}"`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<serde_json::Value>,
    /// How `key` is compared with `value`: `Equals`, `NotEquals`, `AnyIn`, `AllIn`,
    /// `AnyNotIn`, `AllNotIn`, `GreaterThan(OrEquals)`, `LessThan(OrEquals)`, the
    /// `Duration...` comparisons, or the deprecated `In`/`NotIn`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operator: Option<ConditionOperator>,
    /// Right-hand side: a scalar, a list or a variable. Lists and wildcards are allowed with
    /// the set operators.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<serde_json::Value>,
    /// Message reported when this condition causes a failure or skip.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// Comparison operator of a condition, including the deprecated `In` and `NotIn`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[schemars(inline)]
pub enum ConditionOperator {
    Equals,
    NotEquals,
    // Deprecated: use AnyIn / AllIn.
    In,
    AnyIn,
    AllIn,
    // Deprecated: use AnyNotIn / AllNotIn.
    NotIn,
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

/// Conditions grouped as `any` (at least one must pass) and/or `all` (every one must pass).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AnyAllConditions {
    /// Passes when at least one of these conditions is true.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub any: Option<Vec<Condition>>,
    /// Passes when every one of these conditions is true.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub all: Option<Vec<Condition>>,
}

/// Preconditions of a `foreach` entry: when they fail, the current element is skipped.
/// Conditions are grouped as `any` and/or `all`; other keys are accepted but ignored.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ForEachPreconditions {
    /// The element is processed when at least one of these conditions is true.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub any: Option<Vec<Condition>>,
    /// The element is processed only when every one of these conditions is true.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub all: Option<Vec<Condition>>,
}
