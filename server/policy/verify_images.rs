//! Image and manifest signature verification: attestors, attestations and their settings.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::conditions::AnyAllConditions;
use super::validate::Deny;

/// A set of attestors (signing authorities), of which `count` must verify.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AttestorSet {
    /// How many `entries` must verify (at least 1). All of them when omitted.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub count: Option<i64>,
    /// The candidate attestors: public keys, certificates, keyless identities or nested sets.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entries: Option<Vec<Attestor>>,
}

/// One signing authority. Set one of `keys`, `certificates`, `keyless` or `attestor`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Attestor {
    /// Public keys (PEM, KMS URI or Secret) the signature must verify against.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub keys: Option<StaticKeyAttestor>,
    /// Certificates (PEM) the signature must verify against.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificates: Option<CertificateAttestor>,
    /// Sigstore keyless identity (OIDC issuer and subject) of the signer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub keyless: Option<KeylessAttestor>,
    /// A nested attestor set (`count` + `entries`) for more complex combinations.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attestor: Option<serde_json::Value>,
    /// Annotations that must be present with these values in the signed payload.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub annotations: Option<BTreeMap<String, String>>,
    /// Alternate OCI repository where the signatures for this attestor are stored.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
    /// Hash algorithm of the signature: `sha224`, `sha256` (the default), `sha384` or `sha512`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = "sha256"))]
    pub signature_algorithm: Option<String>,
}

/// Verification with public keys.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct StaticKeyAttestor {
    /// One or more PEM-encoded public keys, or a variable referring to them (e.g. from a
    /// ConfigMap).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_keys: Option<String>,
    /// URI of a key held in a key management system, e.g. `awskms:///alias/signing`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kms: Option<String>,
    /// Secret holding the public key under `cosign.pub`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<SecretReference>,
    /// Transparency log (Rekor) settings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rekor: Option<Rekor>,
    /// Certificate transparency log settings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ctlog: Option<CtLog>,
    /// Deprecated: use `signatureAlgorithm` on the attestor entry. Defaults to `sha256`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = "sha256"))]
    pub signature_algorithm: Option<String>,
}

/// A Secret holding a public key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SecretReference {
    /// Name of the Secret; it must contain the key `cosign.pub`.
    pub name: String,
    /// Namespace of the Secret.
    pub namespace: String,
}

/// Verification with certificates.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CertificateAttestor {
    /// PEM-encoded signing certificate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cert: Option<String>,
    /// PEM-encoded chain used to verify `cert`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cert_chain: Option<String>,
    /// Transparency log (Rekor) settings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rekor: Option<Rekor>,
    /// Certificate transparency log settings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ctlog: Option<CtLog>,
}

/// Sigstore keyless verification: the signer's identity from its short-lived certificate.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct KeylessAttestor {
    /// Expected OIDC issuer, e.g. `https://token.actions.githubusercontent.com`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    /// Regular expression the OIDC issuer must match (instead of `issuer`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issuer_reg_exp: Option<String>,
    /// Expected signer identity, e.g. an email address or workflow URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// Regular expression the signer identity must match (instead of `subject`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject_reg_exp: Option<String>,
    /// PEM-encoded trusted root certificates; the default trusted roots when omitted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub roots: Option<String>,
    /// Certificate extensions that must be present with these values.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub additional_extensions: Option<BTreeMap<String, String>>,
    /// Transparency log (Rekor) settings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rekor: Option<Rekor>,
    /// Certificate transparency log settings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ctlog: Option<CtLog>,
}

/// Settings of the Rekor transparency log; `{}` uses the public instance.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Rekor {
    /// Rekor address; defaults to `https://rekor.sigstore.dev`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// PEM-encoded public key of a custom Rekor instance.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pubkey: Option<String>,
    /// Skip transparency log verification.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ignore_tlog: Option<bool>,
}

/// Settings of certificate transparency (signed certificate timestamp) verification.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CtLog {
    /// Skip the signed certificate timestamp check (for signatures made without it).
    /// Defaults to `false`.
    #[serde(rename = "ignoreSCT", skip_serializing_if = "Option::is_none")]
    pub ignore_sct: Option<bool>,
    /// PEM-encoded public key of a custom certificate transparency log.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pubkey: Option<String>,
    /// PEM-encoded certificate chain (including the root) of an RFC 3161 timestamp authority.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tsa_cert_chain: Option<String>,
}

/// A signed in-toto attestation the image must carry, optionally with conditions on its
/// predicate (available as variables in `conditions`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Attestation {
    /// Predicate type of the attestation, e.g. `https://slsa.dev/provenance/v0.2`.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub r#type: Option<String>,
    /// Deprecated: use `type`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub predicate_type: Option<String>,
    /// Name under which the attestation is available in the context.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Authorities that must have signed the attestation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attestors: Option<Vec<AttestorSet>>,
    /// Conditions on the attestation's predicate; without them any attestation of the type
    /// passes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conditions: Option<Vec<AnyAllConditions>>,
}

/// Signature format checked by `verifyImages`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[schemars(inline)]
pub enum ImageVerificationType {
    Cosign,
    SigstoreBundle,
    Notary,
}

/// Extra checks across the verified attestations and context of an image.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ImageVerificationValidation {
    /// Message reported when the check fails.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Fails verification when its conditions are true.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deny: Option<Deny>,
}
