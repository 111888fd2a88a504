//! Kyverno policy model: typed structs for `ClusterPolicy` and `Policy` in `kyverno.io/v1` and
//! `kyverno.io/v2beta1`, and the JSON Schemas (draft 2020-12) generated from them.
//!
//! The structs mirror the Kyverno CRDs field for field (`tests/crd_schema.rs` walks both side by
//! side). Their doc comments become the schema `description`s, i.e. the editor hover text, so
//! they are written for policy authors. Free-form subtrees (patterns, patches, condition
//! keys/values, ...) are `serde_json::Value`, whose schema has no `type` constraint.
//!
//! Layout: [`meta`] (object metadata, `apiVersion`/`kind` tags), [`common`] (spec, match
//! filters, selectors), [`conditions`], [`context`], [`mutate`], [`generate`], [`validate`],
//! [`verify_images`] hold the types shared by both versions; [`v1`] and [`v2beta1`] hold the
//! version-specific ones and re-export the shared ones; `schema` generates the schemas.

pub mod common;
pub mod conditions;
pub mod context;
pub mod generate;
pub mod meta;
pub mod mutate;
mod schema;
pub mod v1;
pub mod v2beta1;
pub mod validate;
pub mod verify_images;

/// The two Kyverno policy kinds this crate understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PolicyKind {
    /// Cluster-scoped `ClusterPolicy`.
    ClusterPolicy,
    /// Namespaced `Policy`.
    Policy,
}

impl PolicyKind {
    /// All kinds, in a stable order.
    pub const ALL: [PolicyKind; 2] = [PolicyKind::ClusterPolicy, PolicyKind::Policy];

    /// The `kind` value as written in a manifest.
    pub fn as_str(self) -> &'static str {
        match self {
            PolicyKind::ClusterPolicy => "ClusterPolicy",
            PolicyKind::Policy => "Policy",
        }
    }

    /// Parses a manifest's `kind` (exact, case-sensitive match).
    pub fn from_kind(kind: &str) -> Option<Self> {
        match kind {
            "ClusterPolicy" => Some(PolicyKind::ClusterPolicy),
            "Policy" => Some(PolicyKind::Policy),
            _ => None,
        }
    }
}

/// The Kyverno API versions this crate understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ApiVersion {
    /// `kyverno.io/v1` (the storage version).
    V1,
    /// `kyverno.io/v2beta1`.
    V2beta1,
}

impl ApiVersion {
    /// All versions, in a stable order.
    pub const ALL: [ApiVersion; 2] = [ApiVersion::V1, ApiVersion::V2beta1];

    /// The `apiVersion` value as written in a manifest, e.g. `"kyverno.io/v1"`.
    pub fn as_str(self) -> &'static str {
        match self {
            ApiVersion::V1 => "kyverno.io/v1",
            ApiVersion::V2beta1 => "kyverno.io/v2beta1",
        }
    }

    /// Parses a manifest's `apiVersion` (exact match).
    pub fn from_api_version(s: &str) -> Option<Self> {
        match s {
            "kyverno.io/v1" => Some(ApiVersion::V1),
            "kyverno.io/v2beta1" => Some(ApiVersion::V2beta1),
            _ => None,
        }
    }
}

/// The generated JSON Schema (draft 2020-12) for one kind and version.
pub fn json_schema(kind: PolicyKind, version: ApiVersion) -> serde_json::Value {
    match (kind, version) {
        (PolicyKind::ClusterPolicy, ApiVersion::V1) => schema::generate::<v1::ClusterPolicy>(),
        (PolicyKind::Policy, ApiVersion::V1) => schema::generate::<v1::Policy>(),
        (PolicyKind::ClusterPolicy, ApiVersion::V2beta1) => {
            schema::generate::<v2beta1::ClusterPolicy>()
        }
        (PolicyKind::Policy, ApiVersion::V2beta1) => schema::generate::<v2beta1::Policy>(),
    }
}

/// All four schemas with their file names: clusterpolicy-v1.json, policy-v1.json,
/// clusterpolicy-v2beta1.json, policy-v2beta1.json.
pub fn all_schemas() -> Vec<(&'static str, serde_json::Value)> {
    vec![
        (
            "clusterpolicy-v1.json",
            json_schema(PolicyKind::ClusterPolicy, ApiVersion::V1),
        ),
        (
            "policy-v1.json",
            json_schema(PolicyKind::Policy, ApiVersion::V1),
        ),
        (
            "clusterpolicy-v2beta1.json",
            json_schema(PolicyKind::ClusterPolicy, ApiVersion::V2beta1),
        ),
        (
            "policy-v2beta1.json",
            json_schema(PolicyKind::Policy, ApiVersion::V2beta1),
        ),
    ]
}

#[cfg(test)]
mod tests;
