//! `ImageValidatingPolicy` and `NamespacedImageValidatingPolicy` (`policies.kyverno.io`):
//! verify the signatures and attestations of container images with CEL.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::cel::{
    CelMatchCondition, CelVariable, CelWebhookConfiguration, EvaluationConfiguration,
    MatchConstraints, PodControllersGeneration, ValidationAction, ValidationExpression,
};
use super::common::FailurePolicy;
use super::validate::AuditAnnotation;

/// The `spec` of an ImageValidatingPolicy: which requests it looks at, which images in them
/// it checks, who must have signed them, and CEL validations that call the verification
/// functions.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ImageValidatingPolicySpec {
    /// The resources and operations the policy applies to: `resourceRules` with API groups,
    /// versions, operations and plural resource names, plus optional selectors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub match_constraints: Option<MatchConstraints>,
    /// CEL conditions that must all be true for a matched request to be checked. At most 64.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub match_conditions: Option<Vec<CelMatchCondition>>,
    /// Which images to check, by `glob` or CEL `expression`; images that match none are
    /// skipped, even when passed to a verification function.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub match_image_references: Option<Vec<ImageReferenceMatch>>,
    /// Named CEL expressions that pick images out of the resource, read as
    /// `images.<name>`; the containers of Pods and Pod controllers are found without them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub images: Option<Vec<ImageExtractor>>,
    /// The trusted authorities, each named and read as `attestors.<name>` by the
    /// verification functions: a `cosign` or a `notary` configuration.
    pub attestors: Vec<Attestor>,
    /// Metadata attached to the images that the validations can verify, each named and read
    /// as `attestations.<name>`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attestations: Option<Vec<ImageAttestation>>,
    /// Named CEL expressions, read by the validations as `variables.<name>`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variables: Option<Vec<CelVariable>>,
    /// The CEL checks, typically calling `verifyImageSignatures(image, [attestors.x])` or
    /// `verifyAttestationSignatures(...)`. A resource passes when every expression returns
    /// `true`.
    pub validations: Vec<ValidationExpression>,
    /// What a failed validation does, as a set: `Deny` rejects the request, `Audit` records
    /// the failure in policy reports, `Warn` lets the request through with a warning to the
    /// client. Defaults to `[Deny]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub validation_actions: Option<Vec<ValidationAction>>,
    /// Digest handling and whether verified images are required.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = {}))]
    pub validation_configurations: Option<ImageValidationConfigurations>,
    /// How Kyverno authenticates to the registries holding the images and signatures.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credentials: Option<RegistryCredentials>,
    /// Annotations added to the API server's audit event, each computed by a CEL expression.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audit_annotations: Option<Vec<AuditAnnotation>>,
    /// What happens when the policy cannot be evaluated (an expression errors, a timeout):
    /// `Fail` (the default) rejects the request, `Ignore` lets it through.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure_policy: Option<FailurePolicy>,
    /// Whether the policy runs on admission requests, in background scans, and on what kind
    /// of input.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evaluation: Option<EvaluationConfiguration>,
    /// Policies Kyverno derives from this one for the controllers of Pods.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub autogen: Option<ImageValidatingAutogen>,
    /// Settings of the admission webhook Kyverno registers for the policy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webhook_configuration: Option<CelWebhookConfiguration>,
}

/// Selects images to check: exactly one of `glob` and `expression`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(extend("oneOf" = [{"required": ["glob"]}, {"required": ["expression"]}]))]
pub struct ImageReferenceMatch {
    /// Glob on the image reference, e.g. `ghcr.io/acme/*`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub glob: Option<String>,
    /// CEL expression on the image reference, available as `ref`, returning a bool, e.g.
    /// `ref.startsWith('ghcr.io/')`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expression: Option<String>,
}

/// A named list of images taken from the resource.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ImageExtractor {
    /// Name of the list, read as `images.<name>`.
    pub name: String,
    /// CEL expression returning the image references, e.g.
    /// `object.spec.template.spec.containers.map(c, c.image)`.
    pub expression: String,
}

/// A trusted authority: a name and exactly one of `cosign` and `notary`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(extend("oneOf" = [{"required": ["cosign"]}, {"required": ["notary"]}]))]
pub struct Attestor {
    /// Name of the attestor, read as `attestors.<name>` in the validations.
    pub name: String,
    /// Sigstore cosign signatures: checked with a public key, a certificate, or keyless
    /// identities.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cosign: Option<Cosign>,
    /// Notary signatures, checked against certificates.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notary: Option<Notary>,
}

/// How to check cosign signatures. Use one of `key`, `certificate` and `keyless`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Cosign {
    /// Check against a public key: inline, from a KMS, or computed by CEL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<CosignKey>,
    /// Check against a certificate and its chain.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate: Option<CosignCertificate>,
    /// Check keyless signatures: the signer's identity in the Fulcio certificate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub keyless: Option<Keyless>,
    /// Transparency log and certificate timestamp settings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ctlog: Option<CtLog>,
    /// Where signatures and attestations are stored, when not beside the image.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<SignatureSource>,
    /// Where to fetch Sigstore's trusted root from (a TUF mirror or a given root).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tuf: Option<Tuf>,
    /// Sigstore trust material (a `trusted_root.json`) given directly instead of fetched
    /// through TUF, e.g. for a private Sigstore deployment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trusted_root: Option<StringOrExpression>,
    /// Key/value pairs the signed payload must carry, with these values; other pairs are
    /// allowed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub annotations: Option<BTreeMap<String, String>>,
}

/// A public key for cosign.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CosignKey {
    /// The PEM-encoded public key itself.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
    /// URL of the key in a key management system, e.g. `awskms://...` or `gcpkms://...`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kms: Option<String>,
    /// CEL expression returning the public key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expression: Option<String>,
    /// Hash algorithm of the signature: `sha224`, `sha256` (the default), `sha384` or
    /// `sha512`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hash_algorithm: Option<String>,
}

/// A certificate for cosign.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CosignCertificate {
    /// The signing certificate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cert: Option<StringOrExpression>,
    /// The CA certificates (PEM) from the signing certificate's issuer up to the root.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cert_chain: Option<StringOrExpression>,
}

/// A string given as is (`value`) or computed by CEL (`expression`), exactly one of them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(extend("oneOf" = [{"required": ["value"]}, {"required": ["expression"]}]))]
pub struct StringOrExpression {
    /// The string itself, e.g. a PEM certificate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// CEL expression returning the string.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expression: Option<String>,
}

/// Keyless (Fulcio) signature checks.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Keyless {
    /// Signer identities to accept; a signature passes when one of them matches.
    pub identities: Vec<Identity>,
    /// PEM root certificates to trust instead of the system's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub roots: Option<String>,
    /// Certificate extensions the signing certificate must carry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub additional_extensions: Option<BTreeMap<String, String>>,
}

/// A signer identity: issuer and subject, matched exactly or by regular expression.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Identity {
    /// The OIDC issuer, exactly, e.g. `https://token.actions.githubusercontent.com`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    /// A regular expression the issuer must match.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issuer_reg_exp: Option<String>,
    /// The subject (e.g. a workflow URL or an e-mail address), exactly.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// A regular expression the subject must match.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject_reg_exp: Option<String>,
    /// CEL expression returning the subject, matched as a regular expression against the
    /// certificate's URI; not together with `subjectRegExp`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject_expression: Option<String>,
}

/// Transparency log (Rekor) and certificate timestamp settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CtLog {
    /// URL of the Rekor instance; the public `rekor.sigstore.dev` by default.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// PEM public key of a private Rekor instance.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rekor_pub_key: Option<String>,
    /// PEM public key to check signed certificate timestamps against a private CT log.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ct_log_pub_key: Option<String>,
    /// PEM certificate chain of an RFC 3161 timestamp authority, root included.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tsa_cert_chain: Option<String>,
    /// Skip the signed certificate timestamp check, for signatures made without one.
    /// Defaults to `false`.
    #[serde(rename = "insecureIgnoreSCT", skip_serializing_if = "Option::is_none")]
    pub insecure_ignore_sct: Option<bool>,
    /// Skip the transparency log check. Defaults to `false`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub insecure_ignore_tlog: Option<bool>,
}

/// Where cosign finds signatures and attestations.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SignatureSource {
    /// Repository holding the signatures and attestations.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
    /// Prefix of the tags of signatures and attestations.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tag_prefix: Option<String>,
    /// Secrets, in the namespace of the resource, used to pull the signatures. Note the
    /// capital `P`.
    #[serde(rename = "PullSecrets", skip_serializing_if = "Option::is_none")]
    pub pull_secrets: Option<Vec<SecretReference>>,
}

/// A Secret in the same namespace, by name.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SecretReference {
    /// Name of the Secret; leave it empty only by mistake.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = ""))]
    pub name: Option<String>,
}

/// Where Sigstore's trusted root comes from.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Tuf {
    /// Base URL of a mirror of Sigstore's TUF repository.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mirror: Option<String>,
    /// The initial TUF root to trust.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub root: Option<TufRoot>,
}

/// A TUF root, from a location or inline.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TufRoot {
    /// URL or file path of the root.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The root itself, base64-encoded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
}

/// How to check Notary signatures.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Notary {
    /// The certificate chain signatures must verify against.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certs: Option<StringOrExpression>,
    /// The certificate chain of the timestamp authority of the signatures.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tsa_certs: Option<StringOrExpression>,
}

/// Image metadata to verify, by name: an in-toto attestation or an OCI 1.1 referrer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ImageAttestation {
    /// Name of the attestation, read as `attestations.<name>` in the validations.
    pub name: String,
    /// An in-toto attestation, by predicate type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub intoto: Option<AttestationType>,
    /// An artifact attached to the image as an OCI 1.1 referrer, by artifact type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub referrer: Option<AttestationType>,
}

/// The type of an attestation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AttestationType {
    /// The predicate or artifact type, e.g. `https://slsa.dev/provenance/v0.2` or
    /// `application/vnd.cyclonedx+json`.
    #[serde(rename = "type")]
    pub r#type: String,
}

/// Digest handling and whether verified images are required.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ImageValidationConfigurations {
    /// Replace image tags with the digest that was verified. Defaults to `true`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = true))]
    pub mutate_digest: Option<bool>,
    /// Require images to be referenced by digest. Defaults to `true`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = true))]
    pub verify_digest: Option<bool>,
    /// Require every matched image to have passed verification. Defaults to `true`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = true))]
    pub required: Option<bool>,
}

/// Registry access for image verification.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RegistryCredentials {
    /// Allow registries over plain HTTP or with certificates that do not verify.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allow_insecure_registry: Option<bool>,
    /// Built-in credential helpers to use: `default`, `amazon`, `azure`, `google`, `github`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub providers: Option<Vec<CredentialProvider>>,
    /// Names of image pull Secrets, which must be in Kyverno's namespace.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secrets: Option<Vec<String>>,
}

/// A registry credential helper.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(inline)]
pub enum CredentialProvider {
    Default,
    Amazon,
    Azure,
    Google,
    Github,
}

/// Which extra policies Kyverno derives from an ImageValidatingPolicy.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ImageValidatingAutogen {
    /// Policies for the controllers of Pods (Deployments, CronJobs, ...) derived from a policy
    /// on Pods.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pod_controllers: Option<PodControllersGeneration>,
}

cel_policy_kinds! {
    spec: ImageValidatingPolicySpec = "What the policy matches, the images it checks and how.",
    cluster: ImageValidatingPolicy / ImageValidatingPolicyKind =
        "A cluster-wide policy that verifies the signatures and attestations of container images.",
    namespaced: NamespacedImageValidatingPolicy / NamespacedImageValidatingPolicyKind =
        "A policy that verifies the signatures and attestations of the images of resources in its own namespace.",
}
