//! Parts of `validate` rules shared by both API versions: `foreach`, `cel`, `manifests`,
//! `podSecurity` and the free-form `deny`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::common::LabelSelector;
use super::conditions::ForEachPreconditions;
use super::context::ContextEntry;
use super::verify_images::AttestorSet;

/// Fails validation when its conditions are true.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Deny {
    /// The request is denied when these conditions pass: usually `any` and/or `all` lists of
    /// `key`/`operator`/`value` conditions (a plain list of conditions is a legacy form).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conditions: Option<serde_json::Value>,
}

/// Validation applied to each element of `list`; the element is `{{ element }}` and its
/// position `{{ elementIndex }}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ForEachValidation {
    /// JMESPath expression selecting the elements to iterate over, e.g.
    /// `request.object.spec.containers`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub list: Option<String>,
    /// Extra context entries evaluated for each element.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<Vec<ContextEntry>>,
    /// Conditions checked for each element; elements that fail them are skipped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preconditions: Option<ForEachPreconditions>,
    /// When `true` (the default) `pattern`/`anyPattern` are matched against the element; when
    /// `false` against the whole resource.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub element_scope: Option<bool>,
    /// Overlay pattern each element must match.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pattern: Option<serde_json::Value>,
    /// List of overlay patterns; each element must match at least one of them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub any_pattern: Option<serde_json::Value>,
    /// Denies the request when these conditions are true for an element.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deny: Option<Deny>,
    /// A nested `foreach` (list of the same shape) iterating over a sub-list of each element.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub foreach: Option<serde_json::Value>,
}

/// Validation with Common Expression Language expressions, as in a Kubernetes
/// ValidatingAdmissionPolicy.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CelValidation {
    /// CEL expressions that must all evaluate to `true`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expressions: Option<Vec<CelExpression>>,
    /// Named CEL expressions, usable in other expressions as `variables.<name>`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variables: Option<Vec<CelVariable>>,
    /// Kind of the parameter resource made available as `params`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub param_kind: Option<ParamKind>,
    /// Which parameter resource(s) of `paramKind` to use.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub param_ref: Option<ParamRef>,
    /// Audit annotations added to the API server audit event.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audit_annotations: Option<Vec<AuditAnnotation>>,
    /// Generate a native Kubernetes ValidatingAdmissionPolicy from this rule. Defaults to
    /// `false`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = false))]
    pub generate: Option<bool>,
}

/// A CEL check, e.g. `expression: "object.spec.replicas <= 5"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CelExpression {
    /// CEL expression that must evaluate to `true`; it can use `object`, `oldObject`,
    /// `request`, `params`, `variables`, `namespaceObject` and `authorizer`.
    pub expression: String,
    /// Static failure message (single line).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// CEL expression producing the failure message; takes precedence over `message`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_expression: Option<String>,
    /// Machine-readable reason returned on failure, e.g. `Unauthorized`, `Forbidden`,
    /// `Invalid`, `RequestEntityTooLarge`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A named CEL expression, available to other expressions as `variables.<name>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CelVariable {
    /// Variable name; must be a valid CEL identifier, unique in the list.
    pub name: String,
    /// CEL expression computing the value.
    pub expression: String,
}

/// Group/version and kind of a CEL parameter resource.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ParamKind {
    /// API group and version, e.g. `rules.example.com/v1`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    /// Kind, e.g. `ReplicaLimit`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

/// Selects the CEL parameter resource(s), by `name` or by `selector` (not both).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ParamRef {
    /// Name of a single parameter resource.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Namespace to look for parameters in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Selects several parameter resources by label; `{}` selects all of them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selector: Option<LabelSelector>,
    /// What happens when no parameter matches: `Allow` or `Deny`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameter_not_found_action: Option<String>,
}

/// An audit annotation computed by CEL.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AuditAnnotation {
    /// Annotation key: a qualified name of at most 63 bytes, unique in the list.
    pub key: String,
    /// CEL expression producing the annotation value (a string, or null to skip it).
    pub value_expression: String,
}

/// Verifies signatures of the YAML manifest of the resource (sigstore signed manifests).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Manifests {
    /// Sets of authorities that must have signed the manifest.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attestors: Option<Vec<AttestorSet>>,
    /// Annotation domain holding message and signature; defaults to `cosign.sigstore.dev`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub annotation_domain: Option<String>,
    /// Fields ignored when comparing the signed manifest with the resource.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ignore_fields: Option<Vec<IgnoreFieldsEntry>>,
    /// Server-side dry-run settings used to fill in defaulted fields before comparing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dry_run: Option<DryRunOption>,
    /// Alternate OCI repository holding the signed resource bundle.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
}

/// Dry-run settings of manifest verification.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DryRunOption {
    /// Perform a server-side dry run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enable: Option<bool>,
    /// Namespace used for the dry run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

/// Fields to ignore on some objects during manifest verification.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct IgnoreFieldsEntry {
    /// Objects the ignored fields apply to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub objects: Option<Vec<ManifestObjectReference>>,
    /// Field paths to ignore, e.g. `spec.replicas`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fields: Option<Vec<String>>,
}

/// Identifies objects by group, version, kind, namespace and name.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ManifestObjectReference {
    /// API group, empty for the core group.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// API version, e.g. `v1`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Kind, e.g. `Deployment`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Namespace of the object.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Name of the object.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// Validates pods against a Kubernetes Pod Security Standard level, with optional exemptions.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PodSecurity {
    /// Pod Security Standard level: `privileged`, `baseline` or `restricted`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<PodSecurityLevel>,
    /// Kubernetes version of the standard (`v1.19` ... `v1.32`, or `latest`, the default).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<PodSecurityVersion>,
    /// Controls to exempt, optionally only for some images or values.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exclude: Option<Vec<PodSecurityExclusion>>,
}

/// Pod Security Standard level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(inline)]
pub enum PodSecurityLevel {
    Privileged,
    Baseline,
    Restricted,
}

/// Kubernetes version of the Pod Security Standards.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[schemars(inline)]
pub enum PodSecurityVersion {
    #[serde(rename = "v1.19")]
    V1_19,
    #[serde(rename = "v1.20")]
    V1_20,
    #[serde(rename = "v1.21")]
    V1_21,
    #[serde(rename = "v1.22")]
    V1_22,
    #[serde(rename = "v1.23")]
    V1_23,
    #[serde(rename = "v1.24")]
    V1_24,
    #[serde(rename = "v1.25")]
    V1_25,
    #[serde(rename = "v1.26")]
    V1_26,
    #[serde(rename = "v1.27")]
    V1_27,
    #[serde(rename = "v1.28")]
    V1_28,
    #[serde(rename = "v1.29")]
    V1_29,
    #[serde(rename = "v1.30")]
    V1_30,
    #[serde(rename = "v1.31")]
    V1_31,
    #[serde(rename = "v1.32")]
    V1_32,
    #[serde(rename = "latest")]
    Latest,
}

/// An exemption from one Pod Security Standard control.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PodSecurityExclusion {
    /// The control to exempt, e.g. `Capabilities`, `Host Namespaces`, `Running as Non-root`.
    pub control_name: PodSecurityControl,
    /// Restrict the exemption to containers whose image matches one of these patterns
    /// (wildcards allowed). Container-level controls only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub images: Option<Vec<String>>,
    /// The field of the control to exempt, e.g. `spec.containers[*].securityContext.capabilities.add`;
    /// all fields of the control when omitted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restricted_field: Option<String>,
    /// Values of `restrictedField` that are allowed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<String>>,
}

/// A Pod Security Standard control name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[schemars(inline)]
pub enum PodSecurityControl {
    HostProcess,
    #[serde(rename = "Host Namespaces")]
    HostNamespaces,
    #[serde(rename = "Privileged Containers")]
    PrivilegedContainers,
    Capabilities,
    #[serde(rename = "HostPath Volumes")]
    HostPathVolumes,
    #[serde(rename = "Host Ports")]
    HostPorts,
    AppArmor,
    #[serde(rename = "SELinux")]
    SeLinux,
    #[serde(rename = "/proc Mount Type")]
    ProcMountType,
    Seccomp,
    Sysctls,
    #[serde(rename = "Volume Types")]
    VolumeTypes,
    #[serde(rename = "Privilege Escalation")]
    PrivilegeEscalation,
    #[serde(rename = "Running as Non-root")]
    RunningAsNonRoot,
    #[serde(rename = "Running as Non-root user")]
    RunningAsNonRootUser,
}
