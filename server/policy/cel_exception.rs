//! `PolicyException` of the `policies.kyverno.io` group: exempts resources from CEL policies
//! (ValidatingPolicy and its siblings). Not to be confused with the `kyverno.io`
//! PolicyException, which exempts from ClusterPolicy and Policy rules.
//!
//! Every served version has the same spec and, unlike the policies, no `status`.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::cel::CelMatchCondition;

/// The `spec` of a CEL PolicyException: which policies it applies to and which resources it
/// exempts from them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CelPolicyExceptionSpec {
    /// The policies the exception applies to, each by `name` and exact `kind`, e.g.
    /// `{name: disallow-latest-tag, kind: ValidatingPolicy}`.
    pub policy_refs: Vec<PolicyRef>,
    /// CEL conditions that must all be true for a resource to be exempted. Without them the
    /// exception exempts every resource the referenced policies match.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub match_conditions: Option<Vec<CelMatchCondition>>,
    /// Container images to let through, which the policies' expressions read as
    /// `exceptions.allowedImages`. With `images` or `allowedValues` the exception no longer
    /// exempts resources outright: it only hands these lists to the policies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub images: Option<Vec<String>>,
    /// Values to let through, which the policies' expressions read as
    /// `exceptions.allowedValues`. With `images` or `allowedValues` the exception no longer
    /// exempts resources outright: it only hands these lists to the policies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_values: Option<Vec<String>>,
    /// How an exempted resource appears in policy reports: `skip` (the default) or `pass`.
    /// When several exceptions exempt a resource, the one with the highest
    /// `polex.kyverno.io/priority` label decides.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = "skip"))]
    pub report_result: Option<ReportResult>,
    /// When the exception stops applying, as an RFC 3339 date-time such as
    /// `2026-05-01T00:00:00Z`. It applies indefinitely when omitted.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(extend("format" = "date-time"))]
    pub expires_at: Option<String>,
    /// Which Kyverno controller compiles and applies the exception, named by evaluation mode
    /// as in a policy's `evaluation.mode`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evaluation_mode: Option<String>,
    /// Free key/value notes about the exception for the people who review it, such as
    /// `reason`, `ticket` or `approved-by`. Values are strings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub properties: Option<BTreeMap<String, String>>,
}

/// A policy an exception applies to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PolicyRef {
    /// Name of the policy (`metadata.name`).
    pub name: String,
    /// Kind of the policy, exactly as written in it, e.g. `ValidatingPolicy` or
    /// `NamespacedValidatingPolicy`.
    pub kind: String,
}

/// The policy report result of an exempted resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(inline)]
pub enum ReportResult {
    Skip,
    Pass,
}

/// Declares the exception document of one version.
macro_rules! exception {
    ($version:ident, $tag:ty, $doc:tt, $version_doc:tt) => {
        /// The exception document of one API version.
        pub mod $version {
            use schemars::JsonSchema;
            use serde::{Deserialize, Serialize};

            use super::super::meta::CelPolicyExceptionKind;
            use super::CelPolicyExceptionSpec;

            document! {
                #[doc = $doc]
                PolicyException {
                    api_version: $tag = $version_doc,
                    kind: CelPolicyExceptionKind = "Always `PolicyException`.",
                    metadata = "Name, namespace, labels and annotations of the exception. The label `polex.kyverno.io/priority` (a number) ranks exceptions that exempt the same resource.",
                    spec: CelPolicyExceptionSpec = "The policies the exception applies to and the resources it exempts.",
                }
            }
        }
    };
}

exception!(
    v1,
    super::super::meta::PoliciesV1ApiVersion,
    "Exempts resources from CEL policies such as ValidatingPolicy (`policies.kyverno.io/v1`).",
    "Always `policies.kyverno.io/v1` for this schema (`v1beta1` and the deprecated `v1alpha1` are also served)."
);
exception!(
    v1beta1,
    super::super::meta::PoliciesV1beta1ApiVersion,
    "Exempts resources from CEL policies such as ValidatingPolicy (`policies.kyverno.io/v1beta1`).",
    "Always `policies.kyverno.io/v1beta1` for this schema (`v1` and the deprecated `v1alpha1` are also served)."
);
exception!(
    v1alpha1,
    super::super::meta::PoliciesV1alpha1ApiVersion,
    "Exempts resources from CEL policies such as ValidatingPolicy (`policies.kyverno.io/v1alpha1`, deprecated: use `v1`).",
    "`policies.kyverno.io/v1alpha1` for this schema. The version is deprecated: `policies.kyverno.io/v1` takes the same spec."
);
