//! Kyverno policy model: typed structs for the policy kinds kyverno-ls checks, and the JSON
//! Schemas (draft 2020-12) generated from them.
//!
//! Two families of kinds:
//! - `kyverno.io` `ClusterPolicy` and `Policy` (v1 and v2beta1), whose rules use JMESPath,
//!   patterns and Kyverno's own match filters;
//! - `policies.kyverno.io` `ValidatingPolicy` and `NamespacedValidatingPolicy`, whose logic is
//!   CEL expressions and whose matching follows Kubernetes' admission policies, and the
//!   `PolicyException` of that group.
//!
//! The structs mirror the Kyverno CRDs field for field (`tests/crd_schema.rs` walks both side by
//! side). Their doc comments become the schema `description`s, i.e. the editor hover text, so
//! they are written for policy authors. Free-form subtrees (patterns, patches, condition
//! keys/values, ...) are `serde_json::Value`, whose schema has no `type` constraint.
//!
//! Layout: [`meta`] (object metadata, `apiVersion`/`kind` tags), [`common`] (spec, match
//! filters, selectors), [`conditions`], [`context`], [`mutate`], [`generate`], [`validate`],
//! [`verify_images`] hold the types shared by both `kyverno.io` versions; [`v1`] and
//! [`v2beta1`] hold the version-specific ones and re-export the shared ones. [`cel`] holds the
//! parts shared by the `policies.kyverno.io` kinds (match constraints, match conditions,
//! variables, validations, ...), [`validating`] the ValidatingPolicy kinds and
//! [`cel_exception`] the `policies.kyverno.io` PolicyException. `schema`
//! generates the schemas.

/// Declares the document struct of one kind in one version. The structs differ only in their
/// tags, their spec, whether the CRD has a `status`, and the wording of their docs, which must
/// be literals for schemars to read them.
macro_rules! document {
    (
        $(#[doc = $doc:tt])*
        $name:ident {
            api_version: $version:ty = $version_doc:tt,
            kind: $kind:ty = $kind_doc:tt,
            metadata = $meta_doc:tt,
            spec: $spec:ty = $spec_doc:tt,
            $(status = $status_doc:tt,)?
        }
    ) => {
        $(#[doc = $doc])*
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
        #[serde(deny_unknown_fields, rename_all = "camelCase")]
        pub struct $name {
            #[doc = $version_doc]
            #[serde(skip_serializing_if = "Option::is_none")]
            pub api_version: Option<$version>,
            #[doc = $kind_doc]
            #[serde(skip_serializing_if = "Option::is_none")]
            pub kind: Option<$kind>,
            #[doc = $meta_doc]
            #[serde(skip_serializing_if = "Option::is_none")]
            pub metadata: Option<$crate::policy::meta::ObjectMeta>,
            #[doc = $spec_doc]
            pub spec: $spec,
            $(
                #[doc = $status_doc]
                #[serde(skip_serializing_if = "Option::is_none")]
                pub status: Option<serde_json::Value>,
            )?
        }
    };
}

pub mod cel;
pub mod cel_exception;
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
pub mod validating;
pub mod verify_images;

/// The policy kinds this crate understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PolicyKind {
    /// Cluster-scoped `ClusterPolicy` (`kyverno.io`).
    ClusterPolicy,
    /// Namespaced `Policy` (`kyverno.io`).
    Policy,
    /// Cluster-scoped `ValidatingPolicy` (`policies.kyverno.io`).
    ValidatingPolicy,
    /// Namespaced `NamespacedValidatingPolicy` (`policies.kyverno.io`).
    NamespacedValidatingPolicy,
    /// Namespaced `PolicyException` of `policies.kyverno.io`, which exempts resources from the
    /// CEL policies.
    CelPolicyException,
}

/// How a kind expresses its logic, which decides which checks and tools apply to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PolicyFamily {
    /// `kyverno.io` rules: JMESPath `{{ }}` variables, patterns, conditions, context entries.
    /// The Kyverno-specific checks, the JMESPath lint and the simulator understand these.
    Jmespath,
    /// `policies.kyverno.io` kinds (and Kubernetes' admission policies): CEL expressions and
    /// Kubernetes-style match constraints.
    Cel,
}

impl PolicyKind {
    /// All kinds, in a stable order.
    pub const ALL: [PolicyKind; 5] = [
        PolicyKind::ClusterPolicy,
        PolicyKind::Policy,
        PolicyKind::ValidatingPolicy,
        PolicyKind::NamespacedValidatingPolicy,
        PolicyKind::CelPolicyException,
    ];

    /// The `kind` value as written in a manifest.
    pub fn as_str(self) -> &'static str {
        match self {
            PolicyKind::ClusterPolicy => "ClusterPolicy",
            PolicyKind::Policy => "Policy",
            PolicyKind::ValidatingPolicy => "ValidatingPolicy",
            PolicyKind::NamespacedValidatingPolicy => "NamespacedValidatingPolicy",
            PolicyKind::CelPolicyException => "PolicyException",
        }
    }

    /// Which family of checks applies to the kind.
    pub fn family(self) -> PolicyFamily {
        match self {
            PolicyKind::ClusterPolicy | PolicyKind::Policy => PolicyFamily::Jmespath,
            PolicyKind::ValidatingPolicy
            | PolicyKind::NamespacedValidatingPolicy
            | PolicyKind::CelPolicyException => PolicyFamily::Cel,
        }
    }

    /// Whether the kind's objects live in a namespace.
    pub fn is_namespaced(self) -> bool {
        matches!(
            self,
            PolicyKind::Policy
                | PolicyKind::NamespacedValidatingPolicy
                | PolicyKind::CelPolicyException
        )
    }

    /// The API versions Kyverno serves the kind in, newest (or storage) first.
    pub fn versions(self) -> &'static [ApiVersion] {
        match self {
            PolicyKind::ClusterPolicy | PolicyKind::Policy => {
                &[ApiVersion::V1, ApiVersion::V2beta1]
            }
            PolicyKind::ValidatingPolicy | PolicyKind::CelPolicyException => &[
                ApiVersion::PoliciesV1,
                ApiVersion::PoliciesV1beta1,
                ApiVersion::PoliciesV1alpha1,
            ],
            // The namespaced kinds arrived after v1alpha1.
            PolicyKind::NamespacedValidatingPolicy => {
                &[ApiVersion::PoliciesV1, ApiVersion::PoliciesV1beta1]
            }
        }
    }

    /// The API group of the kind, e.g. `kyverno.io`.
    pub fn group(self) -> &'static str {
        self.versions()[0].group()
    }

    /// Parses a manifest's `kind` within an API group (exact, case-sensitive match). The group
    /// matters because Kyverno serves a kind named `PolicyException` in both of its groups.
    pub fn from_kind(kind: &str, group: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == kind && k.group() == group)
    }

    /// The kind and version of a manifest, when Kyverno serves that kind in that version.
    pub fn served(api_version: &str, kind: &str) -> Option<(PolicyKind, ApiVersion)> {
        let version = ApiVersion::from_api_version(api_version)?;
        let kind = Self::from_kind(kind, version.group())?;
        kind.versions()
            .contains(&version)
            .then_some((kind, version))
    }

    /// Every (kind, version) pair Kyverno serves, in a stable order.
    pub fn all_served() -> impl Iterator<Item = (PolicyKind, ApiVersion)> {
        Self::ALL
            .into_iter()
            .flat_map(|k| k.versions().iter().map(move |v| (k, *v)))
    }
}

/// The Kyverno API versions this crate understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ApiVersion {
    /// `kyverno.io/v1` (the storage version of ClusterPolicy and Policy).
    V1,
    /// `kyverno.io/v2beta1`.
    V2beta1,
    /// `policies.kyverno.io/v1`.
    PoliciesV1,
    /// `policies.kyverno.io/v1beta1` (the storage version of the CEL kinds).
    PoliciesV1beta1,
    /// `policies.kyverno.io/v1alpha1`, deprecated.
    PoliciesV1alpha1,
}

impl ApiVersion {
    /// All versions, in a stable order.
    pub const ALL: [ApiVersion; 5] = [
        ApiVersion::V1,
        ApiVersion::V2beta1,
        ApiVersion::PoliciesV1,
        ApiVersion::PoliciesV1beta1,
        ApiVersion::PoliciesV1alpha1,
    ];

    /// The `apiVersion` value as written in a manifest, e.g. `"kyverno.io/v1"`.
    pub fn as_str(self) -> &'static str {
        match self {
            ApiVersion::V1 => "kyverno.io/v1",
            ApiVersion::V2beta1 => "kyverno.io/v2beta1",
            ApiVersion::PoliciesV1 => "policies.kyverno.io/v1",
            ApiVersion::PoliciesV1beta1 => "policies.kyverno.io/v1beta1",
            ApiVersion::PoliciesV1alpha1 => "policies.kyverno.io/v1alpha1",
        }
    }

    /// The API group, e.g. `kyverno.io`.
    pub fn group(self) -> &'static str {
        self.as_str().split_once('/').map_or("", |(g, _)| g)
    }

    /// The version within the group, e.g. `v1`.
    pub fn version(self) -> &'static str {
        self.as_str().split_once('/').map_or("", |(_, v)| v)
    }

    /// Parses a manifest's `apiVersion` (exact match).
    pub fn from_api_version(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// The generated JSON Schema (draft 2020-12) for one kind and version, or None when Kyverno
/// does not serve the kind in that version.
pub fn json_schema(kind: PolicyKind, version: ApiVersion) -> Option<serde_json::Value> {
    use ApiVersion as V;
    use PolicyKind as K;
    Some(match (kind, version) {
        (K::ClusterPolicy, V::V1) => schema::generate::<v1::ClusterPolicy>(),
        (K::Policy, V::V1) => schema::generate::<v1::Policy>(),
        (K::ClusterPolicy, V::V2beta1) => schema::generate::<v2beta1::ClusterPolicy>(),
        (K::Policy, V::V2beta1) => schema::generate::<v2beta1::Policy>(),
        (K::ValidatingPolicy, V::PoliciesV1) => {
            schema::generate::<validating::v1::ValidatingPolicy>()
        }
        (K::ValidatingPolicy, V::PoliciesV1beta1) => {
            schema::generate::<validating::v1beta1::ValidatingPolicy>()
        }
        (K::ValidatingPolicy, V::PoliciesV1alpha1) => {
            schema::generate::<validating::v1alpha1::ValidatingPolicy>()
        }
        (K::NamespacedValidatingPolicy, V::PoliciesV1) => {
            schema::generate::<validating::v1::NamespacedValidatingPolicy>()
        }
        (K::NamespacedValidatingPolicy, V::PoliciesV1beta1) => {
            schema::generate::<validating::v1beta1::NamespacedValidatingPolicy>()
        }
        (K::CelPolicyException, V::PoliciesV1) => {
            schema::generate::<cel_exception::v1::PolicyException>()
        }
        (K::CelPolicyException, V::PoliciesV1beta1) => {
            schema::generate::<cel_exception::v1beta1::PolicyException>()
        }
        (K::CelPolicyException, V::PoliciesV1alpha1) => {
            schema::generate::<cel_exception::v1alpha1::PolicyException>()
        }
        _ => return None,
    })
}

/// The file name of a schema in `schemas/`: the lowercase kind and the version, e.g.
/// `clusterpolicy-v1.json`, `validatingpolicy-v1beta1.json`.
pub fn schema_file_name(kind: PolicyKind, version: ApiVersion) -> String {
    format!(
        "{}-{}.json",
        kind.as_str().to_ascii_lowercase(),
        version.version()
    )
}

/// Every schema with its file name, one per kind and served version.
pub fn all_schemas() -> Vec<(String, serde_json::Value)> {
    PolicyKind::all_served()
        .filter_map(|(k, v)| Some((schema_file_name(k, v), json_schema(k, v)?)))
        .collect()
}

#[cfg(test)]
mod tests;
