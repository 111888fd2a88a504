//! Compares the schemas of Kubernetes' own admission policies (ValidatingAdmissionPolicy,
//! MutatingAdmissionPolicy and their bindings), for which there is no CRD, with Kubernetes'
//! OpenAPI definitions: the same fields, of the same types, at every depth.
//!
//! The definitions are read-only reference data outside the repository, in
//! `../shared/k8s-openapi/` (see `shared_data`). Only structure is compared: Kubernetes
//! enforces required fields and allowed values in Go, not in its OpenAPI document.

use std::collections::BTreeSet;

use kyverno_ls::policy::{ApiVersion, PolicyKind, json_schema};
use serde_json::Value;

mod shared_data;

/// Places where our model deliberately differs from the OpenAPI definitions, with the reason.
const ALLOW_LIST: &[(&str, &str)] = &[
    (
        "metadata",
        "ObjectMeta is modelled once for every kind (see crd_schema.rs); its fields are not \
         what these tests are about",
    ),
    (
        "status",
        "written by the API server, never by policy authors; kept free-form",
    ),
];

/// Follows `$ref`s (ours and Kubernetes') into their `$defs`.
fn resolve<'a>(defs: &'a Value, mut node: &'a Value) -> &'a Value {
    for _ in 0..32 {
        let Some(r) = node.get("$ref").and_then(Value::as_str) else {
            return node;
        };
        node = &defs[r.trim_start_matches("#/$defs/")];
    }
    panic!("$ref cycle");
}

/// The type of a node without `null`, which Kubernetes' definitions allow on optional fields.
fn ty(node: &Value) -> Option<String> {
    match node.get("type")? {
        Value::String(t) => Some(t.clone()),
        Value::Array(ts) => ts
            .iter()
            .filter_map(Value::as_str)
            .find(|t| *t != "null")
            .map(str::to_string),
        _ => None,
    }
}

struct Walk<'a> {
    ours: &'a Value,
    theirs: &'a Value,
    problems: Vec<String>,
    compared: usize,
}

impl Walk<'_> {
    fn walk(&mut self, path: &str, ours: &Value, theirs: &Value) {
        if ALLOW_LIST.iter().any(|(p, _)| *p == path) {
            return;
        }
        self.compared += 1;
        let ours = resolve(&self.ours["$defs"], ours);
        let theirs = resolve(&self.theirs["$defs"], theirs);
        let (our_ty, their_ty) = (ty(ours), ty(theirs));
        // Kubernetes' `Time`, `Quantity` and the like are strings without a declared type.
        if their_ty.is_some() && our_ty != their_ty {
            self.problems.push(format!(
                "{path}: type differs: ours {our_ty:?}, Kubernetes' {their_ty:?}"
            ));
            return;
        }
        let props = |n: &Value| -> BTreeSet<String> {
            n.get("properties")
                .and_then(Value::as_object)
                .map(|o| o.keys().cloned().collect())
                .unwrap_or_default()
        };
        let (our_props, their_props) = (props(ours), props(theirs));
        for missing in their_props.difference(&our_props) {
            self.problems.push(format!(
                "{path}.{missing}: in Kubernetes, missing from our schema"
            ));
        }
        for extra in our_props.difference(&their_props) {
            self.problems
                .push(format!("{path}.{extra}: in our schema, not in Kubernetes"));
        }
        for name in our_props.intersection(&their_props) {
            let child = if path.is_empty() {
                name.clone()
            } else {
                format!("{path}.{name}")
            };
            self.walk(
                &child,
                &ours["properties"][name.as_str()],
                &theirs["properties"][name.as_str()],
            );
        }
        if let (Some(o), Some(t)) = (ours.get("items"), theirs.get("items")) {
            self.walk(&format!("{path}[]"), o, t);
        }
        if let (Some(o @ Value::Object(_)), Some(t @ Value::Object(_))) = (
            ours.get("additionalProperties"),
            theirs.get("additionalProperties"),
        ) {
            self.walk(&format!("{path}{{}}"), o, t);
        }
    }
}

fn check(kind: PolicyKind, min_paths: usize) {
    let Some(file) = shared_data::path(
        "k8s-openapi/kubernetes-v1.37.0.json",
        &format!("k8s_schema ({})", kind.as_str()),
    ) else {
        return;
    };
    let text = std::fs::read_to_string(&file).expect("read the Kubernetes definitions");
    let theirs: Value = serde_json::from_str(&text).expect("parse the Kubernetes definitions");
    let root = format!("io.k8s.api.admissionregistration.v1.{}", kind.as_str());
    let definitions = serde_json::json!({"$defs": theirs["$defs"].clone()});
    let ours = json_schema(kind, ApiVersion::AdmissionV1).expect("a schema for v1");
    let mut walk = Walk {
        ours: &ours,
        theirs: &definitions,
        problems: Vec::new(),
        compared: 0,
    };
    walk.walk("", &ours, &theirs["$defs"][root.as_str()]);
    println!(
        "{}: {} property paths compared",
        kind.as_str(),
        walk.compared
    );
    assert!(
        walk.problems.is_empty(),
        "{} differs from Kubernetes at {} place(s):\n  {}",
        kind.as_str(),
        walk.problems.len(),
        walk.problems.join("\n  ")
    );
    assert!(
        walk.compared > min_paths,
        "only {} paths compared",
        walk.compared
    );
}

#[test]
fn validating_admission_policy_matches_kubernetes() {
    check(PolicyKind::ValidatingAdmissionPolicy, 65);
}

#[test]
fn validating_admission_policy_binding_matches_kubernetes() {
    check(PolicyKind::ValidatingAdmissionPolicyBinding, 60);
}

#[test]
fn mutating_admission_policy_matches_kubernetes() {
    check(PolicyKind::MutatingAdmissionPolicy, 65);
}

#[test]
fn mutating_admission_policy_binding_matches_kubernetes() {
    check(PolicyKind::MutatingAdmissionPolicyBinding, 60);
}
