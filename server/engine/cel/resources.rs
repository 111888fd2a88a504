//! What the simulator knows of a resource's API type without a cluster: its group, version,
//! plural resource name and scope, which CEL `resourceRules` match on.
//!
//! Kinds not in the table get the plural Kubernetes' REST mapper guesses (`meta.
//! UnsafeGuessKindToResource`: lowercase, then `-s`, `-es` after `s`, `-ies` for a final `y`)
//! and are taken as namespaced, which is what custom resources usually are.

use crate::engine::Value;

/// Kinds whose plural the guess gets wrong, or that are cluster-scoped: (kind, plural,
/// namespaced).
const KNOWN: &[(&str, &str, bool)] = &[
    ("APIService", "apiservices", false),
    ("CertificateSigningRequest", "certificatesigningrequests", false),
    ("ClusterCleanupPolicy", "clustercleanuppolicies", false),
    ("ClusterPolicy", "clusterpolicies", false),
    ("ClusterRole", "clusterroles", false),
    ("ClusterRoleBinding", "clusterrolebindings", false),
    ("ComponentStatus", "componentstatuses", false),
    ("CSIDriver", "csidrivers", false),
    ("CSINode", "csinodes", false),
    ("CustomResourceDefinition", "customresourcedefinitions", false),
    ("DeletingPolicy", "deletingpolicies", false),
    ("Endpoints", "endpoints", true),
    ("GeneratingPolicy", "generatingpolicies", false),
    ("ImageValidatingPolicy", "imagevalidatingpolicies", false),
    ("IngressClass", "ingressclasses", false),
    ("MutatingAdmissionPolicy", "mutatingadmissionpolicies", false),
    ("MutatingPolicy", "mutatingpolicies", false),
    ("MutatingWebhookConfiguration", "mutatingwebhookconfigurations", false),
    ("Namespace", "namespaces", false),
    ("Node", "nodes", false),
    ("PersistentVolume", "persistentvolumes", false),
    ("PriorityClass", "priorityclasses", false),
    ("RuntimeClass", "runtimeclasses", false),
    ("StorageClass", "storageclasses", false),
    ("ValidatingAdmissionPolicy", "validatingadmissionpolicies", false),
    ("ValidatingAdmissionPolicyBinding", "validatingadmissionpolicybindings", false),
    ("ValidatingPolicy", "validatingpolicies", false),
    ("ValidatingWebhookConfiguration", "validatingwebhookconfigurations", false),
    ("VolumeAttachment", "volumeattachments", false),
];

/// The API type of a resource, as an admission request names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiType {
    pub group: String,
    pub version: String,
    pub kind: String,
    pub resource: String,
    pub namespaced: bool,
}

/// The plural resource name of `kind` and whether it is namespaced.
pub fn resource_of(kind: &str) -> (String, bool) {
    if let Some((_, plural, namespaced)) = KNOWN.iter().find(|(k, _, _)| *k == kind) {
        return (plural.to_string(), *namespaced);
    }
    let lower = kind.to_ascii_lowercase();
    let plural = if lower.ends_with('s') {
        format!("{lower}es")
    } else if let Some(stem) = lower.strip_suffix('y') {
        format!("{stem}ies")
    } else {
        format!("{lower}s")
    };
    (plural, true)
}

/// The API type of `resource` (from its `apiVersion` and `kind`).
pub fn api_type(resource: &Value) -> ApiType {
    let api_version = resource.str_at(&["apiVersion"]);
    let (group, version) = match api_version.split_once('/') {
        Some((g, v)) => (g.to_string(), v.to_string()),
        None => (String::new(), api_version.to_string()),
    };
    let kind = resource.str_at(&["kind"]).to_string();
    let (resource, namespaced) = resource_of(&kind);
    ApiType {
        group,
        version,
        kind,
        resource,
        namespaced,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plurals_follow_the_rest_mapper_guess_with_exceptions() {
        assert_eq!(resource_of("Pod"), ("pods".into(), true));
        assert_eq!(resource_of("Ingress"), ("ingresses".into(), true));
        assert_eq!(resource_of("NetworkPolicy"), ("networkpolicies".into(), true));
        assert_eq!(resource_of("Endpoints"), ("endpoints".into(), true));
        assert_eq!(resource_of("Namespace"), ("namespaces".into(), false));
        assert_eq!(resource_of("ClusterRole"), ("clusterroles".into(), false));
    }

    #[test]
    fn the_api_type_comes_from_api_version_and_kind() {
        let v = Value::from_json(&serde_json::json!({"apiVersion": "apps/v1", "kind": "Deployment"}));
        assert_eq!(
            api_type(&v),
            ApiType {
                group: "apps".into(),
                version: "v1".into(),
                kind: "Deployment".into(),
                resource: "deployments".into(),
                namespaced: true
            }
        );
    }
}
