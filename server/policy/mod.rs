//! Kyverno policy model: typed structs for the policy kinds kyverno-ls checks, and the JSON
//! Schemas (draft 2020-12) generated from them.
//!
//! Two families of kinds:
//! - `kyverno.io` `ClusterPolicy` and `Policy` (v1 and v2beta1), whose rules use JMESPath,
//!   patterns and Kyverno's own match filters;
//! - the `policies.kyverno.io` kinds (ValidatingPolicy, MutatingPolicy, GeneratingPolicy,
//!   DeletingPolicy, ImageValidatingPolicy and their Namespaced twins), whose logic is CEL expressions and whose
//!   matching follows Kubernetes' admission policies, and the `PolicyException` of that
//!   group;
//! - the other `kyverno.io` kinds: PolicyException, CleanupPolicy, ClusterCleanupPolicy and
//!   GlobalContextEntry ([`support`]);
//! - Kubernetes' ValidatingAdmissionPolicy and MutatingAdmissionPolicy with their bindings
//!   (`admissionregistration.k8s.io/v1`, [`admission`]).
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
//! variables, validations, ...); [`validating`], [`mutating`], [`generating`], [`deleting`]
//! and [`imagevalidating`] the kinds with their Namespaced twins, and [`cel_exception`] the
//! `policies.kyverno.io` PolicyException. `schema`
//! generates the schemas.

/// Declares the document struct of one kind in one version. The structs differ only in their
/// tags, their spec, whether the CRD has a `status`, and the wording of their docs.
macro_rules! document {
    (
        $(#[doc = $doc:expr])*
        $name:ident {
            api_version: $version:ty = $version_doc:expr,
            kind: $kind:ty = $kind_doc:expr,
            metadata = $meta_doc:expr,
            spec: $spec:ty = $spec_doc:expr,
            $(status = $status_doc:expr,)?
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

/// Declares a `policies.kyverno.io` policy kind and its Namespaced twin: their `kind` tags and
/// one module per served version (`v1`, `v1beta1`, and `v1alpha1` for the cluster kind only,
/// as the namespaced kinds came later), each with the document structs. Every version takes
/// the same spec.
macro_rules! cel_policy_kinds {
    (
        spec: $spec:ident = $spec_doc:expr,
        cluster: $cluster:ident / $cluster_tag:ident = $cluster_doc:expr,
        namespaced: $ns:ident / $ns_tag:ident = $ns_doc:expr,
    ) => {
        #[doc = concat!("The `kind` tag of a `", stringify!($cluster), "` document.")]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
        #[schemars(inline)]
        pub enum $cluster_tag {
            #[default]
            $cluster,
        }

        #[doc = concat!("The `kind` tag of a `", stringify!($ns), "` document.")]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
        #[schemars(inline)]
        pub enum $ns_tag {
            #[default]
            $ns,
        }

        cel_policy_kinds!(@cluster v1, PoliciesV1ApiVersion, $spec, $spec_doc, $cluster, $cluster_tag, $cluster_doc,
            "Always `policies.kyverno.io/v1` for this schema (`v1beta1` and the deprecated `v1alpha1` are also served).",
            $ns, $ns_tag, $ns_doc,
            "Always `policies.kyverno.io/v1` for this schema (`v1beta1` is also served).");
        cel_policy_kinds!(@cluster v1beta1, PoliciesV1beta1ApiVersion, $spec, $spec_doc, $cluster, $cluster_tag, $cluster_doc,
            "Always `policies.kyverno.io/v1beta1` for this schema (`v1` and the deprecated `v1alpha1` are also served).",
            $ns, $ns_tag, $ns_doc,
            "Always `policies.kyverno.io/v1beta1` for this schema (`v1` is also served).");

        /// `policies.kyverno.io/v1alpha1`, deprecated; served for the cluster kind only.
        pub mod v1alpha1 {
            use schemars::JsonSchema;
            use serde::{Deserialize, Serialize};

            document! {
                #[doc = $cluster_doc]
                $cluster {
                    api_version: $crate::policy::meta::PoliciesV1alpha1ApiVersion = "`policies.kyverno.io/v1alpha1` for this schema. The version is deprecated: `policies.kyverno.io/v1` takes the same spec.",
                    kind: super::$cluster_tag = concat!("Always `", stringify!($cluster), "`."),
                    metadata = concat!("Name, labels and annotations of the policy. A ", stringify!($cluster), " is cluster-scoped and has no namespace."),
                    spec: super::$spec = $spec_doc,
                    status = "Runtime state written by Kyverno (readiness, generated policies...). Do not set it in a manifest.",
                }
            }
        }
    };
    (@cluster $version:ident, $tag:ident, $spec:ident, $spec_doc:expr,
        $cluster:ident, $cluster_tag:ident, $cluster_doc:expr, $cluster_version_doc:expr,
        $ns:ident, $ns_tag:ident, $ns_doc:expr, $ns_version_doc:expr) => {
        #[doc = concat!("`policies.kyverno.io/", stringify!($version), "`.")]
        pub mod $version {
            use schemars::JsonSchema;
            use serde::{Deserialize, Serialize};

            document! {
                #[doc = $cluster_doc]
                $cluster {
                    api_version: $crate::policy::meta::$tag = $cluster_version_doc,
                    kind: super::$cluster_tag = concat!("Always `", stringify!($cluster), "`."),
                    metadata = concat!("Name, labels and annotations of the policy. A ", stringify!($cluster), " is cluster-scoped and has no namespace."),
                    spec: super::$spec = $spec_doc,
                    status = "Runtime state written by Kyverno (readiness, generated policies...). Do not set it in a manifest.",
                }
            }

            document! {
                #[doc = $ns_doc]
                $ns {
                    api_version: $crate::policy::meta::$tag = $ns_version_doc,
                    kind: super::$ns_tag = concat!("Always `", stringify!($ns), "`."),
                    metadata = "Name, namespace, labels and annotations of the policy. It applies only to resources in its namespace.",
                    spec: super::$spec = $spec_doc,
                    status = "Runtime state written by Kyverno (readiness, generated policies...). Do not set it in a manifest.",
                }
            }
        }
    };
}

pub mod admission;
pub mod cel;
pub mod cel_exception;
pub mod common;
pub mod conditions;
pub mod context;
pub mod deleting;
pub mod generate;
pub mod generating;
pub mod imagevalidating;
pub mod meta;
pub mod mutate;
pub mod mutating;
mod schema;
pub mod support;
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
    /// Cluster-scoped `MutatingPolicy` (`policies.kyverno.io`).
    MutatingPolicy,
    /// Namespaced `NamespacedMutatingPolicy` (`policies.kyverno.io`).
    NamespacedMutatingPolicy,
    /// Cluster-scoped `GeneratingPolicy` (`policies.kyverno.io`).
    GeneratingPolicy,
    /// Namespaced `NamespacedGeneratingPolicy` (`policies.kyverno.io`).
    NamespacedGeneratingPolicy,
    /// Cluster-scoped `DeletingPolicy` (`policies.kyverno.io`).
    DeletingPolicy,
    /// Namespaced `NamespacedDeletingPolicy` (`policies.kyverno.io`).
    NamespacedDeletingPolicy,
    /// Cluster-scoped `ImageValidatingPolicy` (`policies.kyverno.io`).
    ImageValidatingPolicy,
    /// Namespaced `NamespacedImageValidatingPolicy` (`policies.kyverno.io`).
    NamespacedImageValidatingPolicy,
    /// Namespaced `PolicyException` of `kyverno.io`, which lifts rules of ClusterPolicies and
    /// Policies.
    PolicyException,
    /// Namespaced `CleanupPolicy` (`kyverno.io`).
    CleanupPolicy,
    /// Cluster-scoped `ClusterCleanupPolicy` (`kyverno.io`).
    ClusterCleanupPolicy,
    /// Cluster-scoped `GlobalContextEntry` (`kyverno.io`).
    GlobalContextEntry,
    /// Kubernetes' `ValidatingAdmissionPolicy` (`admissionregistration.k8s.io`).
    ValidatingAdmissionPolicy,
    /// Kubernetes' `ValidatingAdmissionPolicyBinding` (`admissionregistration.k8s.io`).
    ValidatingAdmissionPolicyBinding,
    /// Kubernetes' `MutatingAdmissionPolicy` (`admissionregistration.k8s.io`).
    MutatingAdmissionPolicy,
    /// Kubernetes' `MutatingAdmissionPolicyBinding` (`admissionregistration.k8s.io`).
    MutatingAdmissionPolicyBinding,
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
    /// The `kyverno.io` kinds that accompany the rule policies: PolicyException,
    /// CleanupPolicy, ClusterCleanupPolicy and GlobalContextEntry. Their conditions and
    /// projections are JMESPath, but the checks of rules, the lint and the simulator are for
    /// ClusterPolicy and Policy; only the schema applies to these so far.
    Auxiliary,
}

impl PolicyKind {
    /// All kinds, in a stable order.
    pub const ALL: [PolicyKind; 21] = [
        PolicyKind::ClusterPolicy,
        PolicyKind::Policy,
        PolicyKind::ValidatingPolicy,
        PolicyKind::NamespacedValidatingPolicy,
        PolicyKind::CelPolicyException,
        PolicyKind::MutatingPolicy,
        PolicyKind::NamespacedMutatingPolicy,
        PolicyKind::GeneratingPolicy,
        PolicyKind::NamespacedGeneratingPolicy,
        PolicyKind::DeletingPolicy,
        PolicyKind::NamespacedDeletingPolicy,
        PolicyKind::ImageValidatingPolicy,
        PolicyKind::NamespacedImageValidatingPolicy,
        PolicyKind::PolicyException,
        PolicyKind::CleanupPolicy,
        PolicyKind::ClusterCleanupPolicy,
        PolicyKind::GlobalContextEntry,
        PolicyKind::ValidatingAdmissionPolicy,
        PolicyKind::ValidatingAdmissionPolicyBinding,
        PolicyKind::MutatingAdmissionPolicy,
        PolicyKind::MutatingAdmissionPolicyBinding,
    ];

    /// The `kind` value as written in a manifest.
    pub fn as_str(self) -> &'static str {
        match self {
            PolicyKind::ClusterPolicy => "ClusterPolicy",
            PolicyKind::Policy => "Policy",
            PolicyKind::ValidatingPolicy => "ValidatingPolicy",
            PolicyKind::NamespacedValidatingPolicy => "NamespacedValidatingPolicy",
            PolicyKind::CelPolicyException => "PolicyException",
            PolicyKind::MutatingPolicy => "MutatingPolicy",
            PolicyKind::NamespacedMutatingPolicy => "NamespacedMutatingPolicy",
            PolicyKind::GeneratingPolicy => "GeneratingPolicy",
            PolicyKind::NamespacedGeneratingPolicy => "NamespacedGeneratingPolicy",
            PolicyKind::DeletingPolicy => "DeletingPolicy",
            PolicyKind::NamespacedDeletingPolicy => "NamespacedDeletingPolicy",
            PolicyKind::ImageValidatingPolicy => "ImageValidatingPolicy",
            PolicyKind::NamespacedImageValidatingPolicy => "NamespacedImageValidatingPolicy",
            PolicyKind::PolicyException => "PolicyException",
            PolicyKind::CleanupPolicy => "CleanupPolicy",
            PolicyKind::ClusterCleanupPolicy => "ClusterCleanupPolicy",
            PolicyKind::GlobalContextEntry => "GlobalContextEntry",
            PolicyKind::ValidatingAdmissionPolicy => "ValidatingAdmissionPolicy",
            PolicyKind::ValidatingAdmissionPolicyBinding => "ValidatingAdmissionPolicyBinding",
            PolicyKind::MutatingAdmissionPolicy => "MutatingAdmissionPolicy",
            PolicyKind::MutatingAdmissionPolicyBinding => "MutatingAdmissionPolicyBinding",
        }
    }

    /// Which family of checks applies to the kind.
    pub fn family(self) -> PolicyFamily {
        match self {
            PolicyKind::ClusterPolicy | PolicyKind::Policy => PolicyFamily::Jmespath,
            PolicyKind::ValidatingPolicy
            | PolicyKind::NamespacedValidatingPolicy
            | PolicyKind::CelPolicyException
            | PolicyKind::MutatingPolicy
            | PolicyKind::NamespacedMutatingPolicy
            | PolicyKind::GeneratingPolicy
            | PolicyKind::NamespacedGeneratingPolicy
            | PolicyKind::DeletingPolicy
            | PolicyKind::NamespacedDeletingPolicy
            | PolicyKind::ImageValidatingPolicy
            | PolicyKind::NamespacedImageValidatingPolicy
            | PolicyKind::ValidatingAdmissionPolicy
            | PolicyKind::ValidatingAdmissionPolicyBinding
            | PolicyKind::MutatingAdmissionPolicy
            | PolicyKind::MutatingAdmissionPolicyBinding => PolicyFamily::Cel,
            PolicyKind::PolicyException
            | PolicyKind::CleanupPolicy
            | PolicyKind::ClusterCleanupPolicy
            | PolicyKind::GlobalContextEntry => PolicyFamily::Auxiliary,
        }
    }

    /// Whether the kind's objects live in a namespace.
    pub fn is_namespaced(self) -> bool {
        matches!(
            self,
            PolicyKind::Policy
                | PolicyKind::NamespacedValidatingPolicy
                | PolicyKind::CelPolicyException
                | PolicyKind::NamespacedMutatingPolicy
                | PolicyKind::NamespacedGeneratingPolicy
                | PolicyKind::NamespacedDeletingPolicy
                | PolicyKind::NamespacedImageValidatingPolicy
                | PolicyKind::PolicyException
                | PolicyKind::CleanupPolicy
        )
    }

    /// The API versions Kyverno serves the kind in, newest (or storage) first.
    pub fn versions(self) -> &'static [ApiVersion] {
        match self {
            PolicyKind::ClusterPolicy | PolicyKind::Policy => {
                &[ApiVersion::V1, ApiVersion::V2beta1]
            }
            // v2beta1 is deprecated for these three.
            PolicyKind::PolicyException
            | PolicyKind::CleanupPolicy
            | PolicyKind::ClusterCleanupPolicy => &[ApiVersion::V2, ApiVersion::V2beta1],
            // Only v1: Kyverno reads VAPs from v1 alone. MAPs are also served as v1beta1 and
            // v1alpha1, which are not modelled yet.
            PolicyKind::ValidatingAdmissionPolicy
            | PolicyKind::ValidatingAdmissionPolicyBinding
            | PolicyKind::MutatingAdmissionPolicy
            | PolicyKind::MutatingAdmissionPolicyBinding => &[ApiVersion::AdmissionV1],
            // v2beta1 is the storage version; v2alpha1 is deprecated.
            PolicyKind::GlobalContextEntry => {
                &[ApiVersion::V2, ApiVersion::V2beta1, ApiVersion::V2alpha1]
            }
            PolicyKind::ValidatingPolicy
            | PolicyKind::CelPolicyException
            | PolicyKind::MutatingPolicy
            | PolicyKind::GeneratingPolicy
            | PolicyKind::DeletingPolicy
            | PolicyKind::ImageValidatingPolicy => &[
                ApiVersion::PoliciesV1,
                ApiVersion::PoliciesV1beta1,
                ApiVersion::PoliciesV1alpha1,
            ],
            // The namespaced kinds arrived after v1alpha1.
            PolicyKind::NamespacedValidatingPolicy
            | PolicyKind::NamespacedMutatingPolicy
            | PolicyKind::NamespacedGeneratingPolicy
            | PolicyKind::NamespacedDeletingPolicy
            | PolicyKind::NamespacedImageValidatingPolicy => {
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
    /// `kyverno.io/v2` (PolicyException, the cleanup policies, GlobalContextEntry).
    V2,
    /// `kyverno.io/v2alpha1`, deprecated (GlobalContextEntry).
    V2alpha1,
    /// `policies.kyverno.io/v1`.
    PoliciesV1,
    /// `policies.kyverno.io/v1beta1` (the storage version of the CEL kinds).
    PoliciesV1beta1,
    /// `policies.kyverno.io/v1alpha1`, deprecated.
    PoliciesV1alpha1,
    /// `admissionregistration.k8s.io/v1`, Kubernetes' admission policies.
    AdmissionV1,
}

impl ApiVersion {
    /// All versions, in a stable order.
    pub const ALL: [ApiVersion; 8] = [
        ApiVersion::V1,
        ApiVersion::V2beta1,
        ApiVersion::V2,
        ApiVersion::V2alpha1,
        ApiVersion::PoliciesV1,
        ApiVersion::PoliciesV1beta1,
        ApiVersion::PoliciesV1alpha1,
        ApiVersion::AdmissionV1,
    ];

    /// The `apiVersion` value as written in a manifest, e.g. `"kyverno.io/v1"`.
    pub fn as_str(self) -> &'static str {
        match self {
            ApiVersion::V1 => "kyverno.io/v1",
            ApiVersion::V2beta1 => "kyverno.io/v2beta1",
            ApiVersion::V2 => "kyverno.io/v2",
            ApiVersion::V2alpha1 => "kyverno.io/v2alpha1",
            ApiVersion::PoliciesV1 => "policies.kyverno.io/v1",
            ApiVersion::PoliciesV1beta1 => "policies.kyverno.io/v1beta1",
            ApiVersion::PoliciesV1alpha1 => "policies.kyverno.io/v1alpha1",
            ApiVersion::AdmissionV1 => "admissionregistration.k8s.io/v1",
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
    use schema::generate as g;
    // A `policies.kyverno.io` kind in its three versions (the Namespaced ones have no
    // v1alpha1, and the match below never asks for it).
    macro_rules! cel {
        ($module:ident :: $ty:ident) => {
            match version {
                V::PoliciesV1 => g::<$module::v1::$ty>(),
                V::PoliciesV1beta1 => g::<$module::v1beta1::$ty>(),
                _ => g::<$module::v1alpha1::$ty>(),
            }
        };
    }
    if !kind.versions().contains(&version) {
        return None;
    }
    Some(match kind {
        K::ClusterPolicy if version == V::V1 => g::<v1::ClusterPolicy>(),
        K::Policy if version == V::V1 => g::<v1::Policy>(),
        K::ClusterPolicy => g::<v2beta1::ClusterPolicy>(),
        K::Policy => g::<v2beta1::Policy>(),
        K::ValidatingPolicy => cel!(validating::ValidatingPolicy),
        K::CelPolicyException => cel!(cel_exception::PolicyException),
        K::MutatingPolicy => cel!(mutating::MutatingPolicy),
        K::GeneratingPolicy => cel!(generating::GeneratingPolicy),
        K::DeletingPolicy => cel!(deleting::DeletingPolicy),
        K::ImageValidatingPolicy => cel!(imagevalidating::ImageValidatingPolicy),
        K::NamespacedValidatingPolicy => match version {
            V::PoliciesV1 => g::<validating::v1::NamespacedValidatingPolicy>(),
            _ => g::<validating::v1beta1::NamespacedValidatingPolicy>(),
        },
        K::NamespacedMutatingPolicy => match version {
            V::PoliciesV1 => g::<mutating::v1::NamespacedMutatingPolicy>(),
            _ => g::<mutating::v1beta1::NamespacedMutatingPolicy>(),
        },
        K::NamespacedGeneratingPolicy => match version {
            V::PoliciesV1 => g::<generating::v1::NamespacedGeneratingPolicy>(),
            _ => g::<generating::v1beta1::NamespacedGeneratingPolicy>(),
        },
        K::NamespacedDeletingPolicy => match version {
            V::PoliciesV1 => g::<deleting::v1::NamespacedDeletingPolicy>(),
            _ => g::<deleting::v1beta1::NamespacedDeletingPolicy>(),
        },
        K::ValidatingAdmissionPolicy => g::<admission::v1::ValidatingAdmissionPolicy>(),
        K::ValidatingAdmissionPolicyBinding => {
            g::<admission::v1::ValidatingAdmissionPolicyBinding>()
        }
        K::MutatingAdmissionPolicy => g::<admission::v1::MutatingAdmissionPolicy>(),
        K::MutatingAdmissionPolicyBinding => g::<admission::v1::MutatingAdmissionPolicyBinding>(),
        K::PolicyException => match version {
            V::V2 => g::<support::v2::PolicyException>(),
            _ => g::<support::v2beta1::PolicyException>(),
        },
        K::CleanupPolicy => match version {
            V::V2 => g::<support::v2::CleanupPolicy>(),
            _ => g::<support::v2beta1::CleanupPolicy>(),
        },
        K::ClusterCleanupPolicy => match version {
            V::V2 => g::<support::v2::ClusterCleanupPolicy>(),
            _ => g::<support::v2beta1::ClusterCleanupPolicy>(),
        },
        K::GlobalContextEntry => match version {
            V::V2 => g::<support::v2::GlobalContextEntry>(),
            V::V2beta1 => g::<support::v2beta1::GlobalContextEntry>(),
            _ => g::<support::v2alpha1::GlobalContextEntry>(),
        },
        K::NamespacedImageValidatingPolicy => match version {
            V::PoliciesV1 => g::<imagevalidating::v1::NamespacedImageValidatingPolicy>(),
            _ => g::<imagevalidating::v1beta1::NamespacedImageValidatingPolicy>(),
        },
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
