//! Parameter resources of a `validate.cel` rule or a ValidatingAdmissionPolicy: the objects of
//! `paramKind` that `paramRef` selects, looked up among the objects `kyverno test` puts in its
//! fake cluster (`clusterResources` and `paramResources`), as Kyverno's `CollectParams` does
//! (K:pkg/admissionpolicy/utils.go).

use super::matching::label_selector_matches;
use crate::engine::{Request, Value};

fn is_set(v: Option<&Value>) -> bool {
    v.is_some_and(|v| !matches!(v, Value::Null))
}

/// `None` when the policy takes no parameters (Kyverno wants both `paramKind` and
/// `paramRef`), else the parameter objects, or the error Kyverno reports.
pub fn collect(
    kind: Option<&Value>,
    reference: Option<&Value>,
    namespace: &str,
    request: &Request,
) -> Option<Result<Vec<Value>, String>> {
    let (kind, reference) = match (kind, reference) {
        (Some(k), Some(r)) if is_set(Some(k)) && is_set(Some(r)) => (k, r),
        _ => return None,
    };
    Some(find(kind, reference, namespace, request))
}

fn find(
    kind: &Value,
    reference: &Value,
    namespace: &str,
    request: &Request,
) -> Result<Vec<Value>, String> {
    let api_version = kind.str_at(&["apiVersion"]);
    let kind_name = kind.str_at(&["kind"]);
    let (plural, namespaced) = super::resources::resource_of(kind_name);
    let wanted_namespace = reference.str_at(&["namespace"]);
    // A namespaced parameter defaults to the namespace of the object under admission.
    let namespace = if namespaced {
        if !wanted_namespace.is_empty() {
            wanted_namespace
        } else if namespace.is_empty() {
            return Err(
                "can't use namespaced paramRef to match cluster-scoped resources".to_string(),
            );
        } else {
            namespace
        }
    } else if !wanted_namespace.is_empty() {
        return Err(
            "paramRef.namespace must not be provided for a cluster-scoped `paramKind`".to_string(),
        );
    } else {
        ""
    };
    let candidates = request
        .cluster_resources
        .iter()
        .chain(&request.param_resources)
        .filter(|o| {
            o.str_at(&["apiVersion"]) == api_version
                && o.str_at(&["kind"]) == kind_name
                && o.str_at(&["metadata", "namespace"]) == namespace
        });
    let name = reference.str_at(&["name"]);
    let found: Vec<Value> = if !name.is_empty() {
        match candidates
            .clone()
            .find(|o| o.str_at(&["metadata", "name"]) == name)
        {
            Some(o) => vec![o.clone()],
            // The fake client's NotFound error.
            None => return Err(format!("{plural} \"{name}\" not found")),
        }
    } else if is_set(reference.at(&["selector"])) {
        candidates
            .filter(|o| {
                label_selector_matches(
                    reference.at(&["selector"]),
                    &super::matching::labels(o.at(&["metadata", "labels"])),
                )
            })
            .cloned()
            .collect()
    } else {
        Vec::new()
    };
    if found.is_empty() && reference.str_at(&["parameterNotFoundAction"]) == "Deny" {
        return Err("no params found".to_string());
    }
    Ok(found)
}
