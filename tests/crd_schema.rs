//! Compares the generated JSON Schemas with the Kyverno CRDs' `openAPIV3Schema`, property by
//! property, for every kind in every version Kyverno serves it in.
//!
//! The CRDs are read-only reference data kept outside the repository, in
//! `../shared/kyverno-crds/` relative to the crate root (see `shared_data`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use kyverno_ls::policy::{ApiVersion, PolicyKind, json_schema};
use saphyr::{LoadableYamlNode, Scalar, Yaml};
use serde_json::{Map, Value};

mod shared_data;

/// What an allow-list entry exempts from the comparison.
#[derive(Clone, Copy, PartialEq)]
enum Exempt {
    /// The whole subtree at the path.
    Subtree,
    /// Only this keyword at the path (the rest is still compared).
    Keyword(&'static str),
}

/// Places where our model deliberately differs from the CRD, with the reason. Each applies to
/// every kind that has the path (see [`applies`]).
const ALLOW_LIST: &[(&str, Exempt, &str)] = &[
    (
        "metadata",
        Exempt::Subtree,
        "the CRD only says `type: object`; we model Kubernetes ObjectMeta so that typos and \
         wrong types in metadata are caught and hover text is available",
    ),
    (
        "status",
        Exempt::Subtree,
        "written by Kyverno, never by policy authors; kept free-form instead of mirroring the \
         CRD's large status schema (conditions, autogen rules, ...)",
    ),
    (
        "apiVersion",
        Exempt::Keyword("enum"),
        "the CRD accepts any string (the API server routes on it before validating); each of \
         our schemas is for one version, so exactly one value is valid",
    ),
    (
        "spec.generate[]",
        Exempt::Keyword("oneOf"),
        "the CRD states `exactly one of expression or template` as a CEL rule \
         (`x-kubernetes-validations`, compared as is); `oneOf` is the same rule in JSON Schema, \
         which our checks and other tools understand",
    ),
    (
        "kind",
        Exempt::Keyword("enum"),
        "the CRD accepts any string (the API server routes on it before validating); each of \
         our schemas is for one kind, so exactly one value is valid",
    ),
];

/// CRD keywords that carry no validation we need to mirror.
const IGNORED_KEYWORDS: &[&str] = &[
    "description",
    "x-kubernetes-map-type",
    "x-kubernetes-list-type",
    "x-kubernetes-list-map-keys",
];

/// Validation keywords whose values must be equal in the CRD and in our schema. (`format` is
/// handled separately: schemars adds `int64` to every `i64`.)
const COMPARED_KEYWORDS: &[&str] = &[
    "enum",
    "default",
    "maxLength",
    "minLength",
    "minimum",
    "maximum",
    "pattern",
    "maxItems",
    "minItems",
    "oneOf",
    "not",
    "x-kubernetes-validations",
];

/// Structural keywords handled by the walk itself.
const STRUCTURAL_KEYWORDS: &[&str] = &[
    "type",
    "properties",
    "items",
    "additionalProperties",
    "required",
    "format",
    "x-kubernetes-preserve-unknown-fields",
    "x-kubernetes-int-or-string",
];

fn yaml_to_json(yaml: &Yaml) -> Value {
    match yaml {
        Yaml::Value(Scalar::Null) => Value::Null,
        Yaml::Value(Scalar::Boolean(b)) => Value::Bool(*b),
        Yaml::Value(Scalar::Integer(i)) => Value::from(*i),
        Yaml::Value(Scalar::FloatingPoint(f)) => Value::from(f.into_inner()),
        Yaml::Value(Scalar::String(s)) => Value::String(s.to_string()),
        Yaml::Representation(s, _, _) => Value::String(s.to_string()),
        Yaml::Sequence(items) => Value::Array(items.iter().map(yaml_to_json).collect()),
        Yaml::Mapping(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                let key = match yaml_to_json(k) {
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                out.insert(key, yaml_to_json(v));
            }
            Value::Object(out)
        }
        Yaml::Tagged(_, inner) => yaml_to_json(inner),
        other => panic!("unsupported YAML node in CRD: {other:?}"),
    }
}

/// The `openAPIV3Schema` of each version served by a CRD file.
fn crd_schemas(file: &Path) -> BTreeMap<String, Value> {
    let path = file.display();
    let text = std::fs::read_to_string(file).unwrap_or_else(|e| panic!("reading {path}: {e}"));
    let docs = Yaml::load_from_str(&text).unwrap_or_else(|e| panic!("parsing {path}: {e}"));
    assert_eq!(docs.len(), 1, "{path}: expected one YAML document");
    let crd = yaml_to_json(&docs[0]);
    let versions = crd["spec"]["versions"]
        .as_array()
        .unwrap_or_else(|| panic!("{path}: no spec.versions"));
    versions
        .iter()
        .map(|v| {
            let name = v["name"].as_str().expect("version name").to_string();
            let schema = v["schema"]["openAPIV3Schema"].clone();
            assert!(schema.is_object(), "{path} {name}: no openAPIV3Schema");
            (name, schema)
        })
        .collect()
}

/// Whether an allow-list entry concerns a kind: the PolicyExceptions of both groups have no
/// `status` at all, in the CRD as in our model, and only the GeneratingPolicy kinds have
/// `generate`.
fn applies(path: &str, kind: PolicyKind) -> bool {
    match path {
        "status" => !matches!(
            kind,
            PolicyKind::CelPolicyException | PolicyKind::PolicyException
        ),
        "spec.generate[]" => matches!(
            kind,
            PolicyKind::GeneratingPolicy | PolicyKind::NamespacedGeneratingPolicy
        ),
        _ => true,
    }
}

struct Walk<'a> {
    defs: &'a Map<String, Value>,
    problems: Vec<String>,
    /// Number of schema nodes (property paths) compared.
    compared: usize,
    allow_listed: BTreeSet<&'static str>,
}

impl<'a> Walk<'a> {
    /// Follows `$ref`s into `$defs`, keeping sibling keywords (e.g. `description`).
    fn resolve(&self, schema: &'a Value) -> Value {
        let mut current = schema.clone();
        for _ in 0..32 {
            let Some(reference) = current.get("$ref").and_then(Value::as_str) else {
                return current;
            };
            let name = reference
                .strip_prefix("#/$defs/")
                .unwrap_or_else(|| panic!("unexpected $ref {reference}"));
            let target = self
                .defs
                .get(name)
                .unwrap_or_else(|| panic!("dangling $ref {reference}"));
            let mut merged = target.as_object().cloned().unwrap_or_default();
            for (k, v) in current.as_object().unwrap() {
                if k != "$ref" {
                    merged.insert(k.clone(), v.clone());
                }
            }
            current = Value::Object(merged);
        }
        panic!("$ref cycle");
    }

    fn problem(&mut self, path: &str, msg: impl std::fmt::Display) {
        self.problems.push(format!("{}: {msg}", display(path)));
    }

    fn walk(&mut self, path: &str, crd: &Value, ours: &Value) {
        if let Some((entry, _, _)) = ALLOW_LIST
            .iter()
            .find(|(p, exempt, _)| *p == path && *exempt == Exempt::Subtree)
        {
            self.allow_listed.insert(entry);
            return;
        }
        self.compared += 1;
        let ours = self.resolve(ours);
        let crd_obj = crd.as_object().expect("CRD schema node is an object");
        let empty = Map::new();
        let ours_obj = match &ours {
            Value::Object(o) => o,
            Value::Bool(true) => &empty,
            other => {
                self.problem(path, format!("unexpected schema {other}"));
                return;
            }
        };

        for key in crd_obj.keys() {
            let k = key.as_str();
            if !IGNORED_KEYWORDS.contains(&k)
                && !COMPARED_KEYWORDS.contains(&k)
                && !STRUCTURAL_KEYWORDS.contains(&k)
            {
                self.problem(
                    path,
                    format!("CRD keyword `{k}` is not checked by this test"),
                );
            }
        }

        // Free-form subtrees: the CRD preserves unknown fields and declares no structure.
        let crd_preserve =
            crd_obj.get("x-kubernetes-preserve-unknown-fields") == Some(&Value::Bool(true));
        let crd_structured = ["properties", "items", "additionalProperties"]
            .iter()
            .any(|k| crd_obj.contains_key(*k));
        let crd_free = crd_preserve && !crd_structured;
        let ours_free = ![
            "type",
            "properties",
            "items",
            "additionalProperties",
            "enum",
            "anyOf",
            "oneOf",
            "allOf",
            "const",
        ]
        .iter()
        .any(|k| ours_obj.contains_key(*k));
        if crd_free != ours_free {
            self.problem(
                path,
                format!("free-form in CRD: {crd_free}, free-form in our schema: {ours_free}"),
            );
            return;
        }
        if crd_free {
            if let Some(t) = crd_obj.get("type") {
                self.problem(
                    path,
                    format!("CRD free-form node has type {t}, ours has none"),
                );
            }
            return;
        }

        // int-or-string
        if crd_obj.get("x-kubernetes-int-or-string") == Some(&Value::Bool(true)) {
            let expected = serde_json::json!([{"type": "integer"}, {"type": "string"}]);
            if ours_obj.get("anyOf") != Some(&expected) {
                self.problem(
                    path,
                    "CRD is int-or-string, ours is not anyOf [integer, string]",
                );
            }
        } else if crd_obj.get("type") != ours_obj.get("type") {
            self.problem(
                path,
                format!(
                    "type differs: CRD {}, ours {}",
                    show(crd_obj.get("type")),
                    show(ours_obj.get("type"))
                ),
            );
        }

        for k in COMPARED_KEYWORDS {
            if let Some((entry, _, _)) = ALLOW_LIST
                .iter()
                .find(|(p, exempt, _)| *p == path && *exempt == Exempt::Keyword(k))
            {
                self.allow_listed.insert(entry);
                continue;
            }
            if crd_obj.get(*k) != ours_obj.get(*k) {
                self.problem(
                    path,
                    format!(
                        "`{k}` differs: CRD {}, ours {}",
                        show(crd_obj.get(*k)),
                        show(ours_obj.get(*k))
                    ),
                );
            }
        }
        if let Some(format) = crd_obj.get("format") {
            if ours_obj.get("format") != Some(format) {
                self.problem(
                    path,
                    format!(
                        "`format` differs: CRD {format}, ours {}",
                        show(ours_obj.get("format"))
                    ),
                );
            }
        }

        let required = |o: &Map<String, Value>| -> BTreeSet<String> {
            o.get("required")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().map(String::from))
                        .collect()
                })
                .unwrap_or_default()
        };
        let (crd_req, our_req) = (required(crd_obj), required(ours_obj));
        if crd_req != our_req {
            self.problem(
                path,
                format!("required differs: CRD {crd_req:?}, ours {our_req:?}"),
            );
        }

        // Objects with declared properties.
        let crd_props = crd_obj.get("properties").and_then(Value::as_object);
        let our_props = ours_obj.get("properties").and_then(Value::as_object);
        match (crd_props, our_props) {
            (Some(crd_props), Some(our_props)) => {
                let closed = ours_obj.get("additionalProperties") == Some(&Value::Bool(false));
                if crd_preserve && closed {
                    self.problem(path, "CRD preserves unknown fields, ours rejects them");
                }
                if !crd_preserve && !closed {
                    self.problem(
                        path,
                        "CRD rejects unknown fields, ours lacks additionalProperties: false",
                    );
                }
                for (name, crd_child) in crd_props {
                    let child_path = join(path, name);
                    match our_props.get(name) {
                        Some(our_child) => self.walk(&child_path, crd_child, our_child),
                        None => self.problem(&child_path, "in the CRD, missing from our schema"),
                    }
                }
                for name in our_props.keys().filter(|n| !crd_props.contains_key(*n)) {
                    self.problem(&join(path, name), "in our schema, not in the CRD");
                }
            }
            (Some(_), None) => self.problem(path, "CRD declares properties, ours does not"),
            (None, Some(_)) => self.problem(path, "ours declares properties, the CRD does not"),
            (None, None) => {}
        }

        // Maps.
        match (
            crd_obj.get("additionalProperties"),
            ours_obj.get("additionalProperties"),
        ) {
            (Some(crd_ap @ Value::Object(_)), Some(our_ap @ Value::Object(_))) => {
                self.walk(&format!("{path}{{}}"), crd_ap, our_ap)
            }
            (Some(crd_ap), our_ap) if Some(crd_ap) != our_ap => self.problem(
                path,
                format!(
                    "additionalProperties differs: CRD {crd_ap}, ours {}",
                    show(our_ap)
                ),
            ),
            (None, Some(Value::Object(_))) => self.problem(path, "ours is a map, the CRD is not"),
            _ => {}
        }
        if crd_props.is_none()
            && crd_obj.get("type").and_then(Value::as_str) == Some("object")
            && !crd_obj.contains_key("additionalProperties")
            && !crd_preserve
        {
            self.problem(
                path,
                "CRD object without properties: add it to the allow-list",
            );
        }

        // Arrays.
        match (crd_obj.get("items"), ours_obj.get("items")) {
            (Some(crd_items), Some(our_items)) => {
                self.walk(&format!("{path}[]"), crd_items, our_items)
            }
            (Some(_), None) => self.problem(path, "CRD declares items, ours does not"),
            (None, Some(_)) => self.problem(path, "ours declares items, the CRD does not"),
            (None, None) => {}
        }
    }
}

fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_string()
    } else {
        format!("{path}.{name}")
    }
}

fn display(path: &str) -> &str {
    if path.is_empty() { "<root>" } else { path }
}

fn show(v: Option<&Value>) -> String {
    v.map_or_else(|| "<none>".to_string(), Value::to_string)
}

/// The CRD file that defines a kind; None for Kubernetes' built-in admission policies, which
/// `tests/k8s_schema.rs` compares with Kubernetes' OpenAPI definitions instead.
fn crd_file(kind: PolicyKind) -> Option<&'static str> {
    Some(match kind {
        PolicyKind::ClusterPolicy => "kyverno.io_clusterpolicies.yaml",
        PolicyKind::Policy => "kyverno.io_policies.yaml",
        PolicyKind::ValidatingPolicy => "policies.kyverno.io_validatingpolicies.yaml",
        PolicyKind::NamespacedValidatingPolicy => {
            "policies.kyverno.io_namespacedvalidatingpolicies.yaml"
        }
        PolicyKind::CelPolicyException => "policies.kyverno.io_policyexceptions.yaml",
        PolicyKind::MutatingPolicy => "policies.kyverno.io_mutatingpolicies.yaml",
        PolicyKind::NamespacedMutatingPolicy => {
            "policies.kyverno.io_namespacedmutatingpolicies.yaml"
        }
        PolicyKind::GeneratingPolicy => "policies.kyverno.io_generatingpolicies.yaml",
        PolicyKind::NamespacedGeneratingPolicy => {
            "policies.kyverno.io_namespacedgeneratingpolicies.yaml"
        }
        PolicyKind::DeletingPolicy => "policies.kyverno.io_deletingpolicies.yaml",
        PolicyKind::NamespacedDeletingPolicy => {
            "policies.kyverno.io_namespaceddeletingpolicies.yaml"
        }
        PolicyKind::ImageValidatingPolicy => "policies.kyverno.io_imagevalidatingpolicies.yaml",
        PolicyKind::NamespacedImageValidatingPolicy => {
            "policies.kyverno.io_namespacedimagevalidatingpolicies.yaml"
        }
        PolicyKind::PolicyException => "kyverno.io_policyexceptions.yaml",
        PolicyKind::CleanupPolicy => "kyverno.io_cleanuppolicies.yaml",
        PolicyKind::ClusterCleanupPolicy => "kyverno.io_clustercleanuppolicies.yaml",
        PolicyKind::GlobalContextEntry => "kyverno.io_globalcontextentries.yaml",
        PolicyKind::ValidatingAdmissionPolicy
        | PolicyKind::ValidatingAdmissionPolicyBinding
        | PolicyKind::MutatingAdmissionPolicy
        | PolicyKind::MutatingAdmissionPolicyBinding => return None,
    })
}

/// Compares one kind and version; returns (number of paths compared, problems).
fn compare(
    kind: PolicyKind,
    version: ApiVersion,
    crd_file: &str,
    crd_path: &Path,
) -> (usize, Vec<String>) {
    let crds = crd_schemas(crd_path);
    let crd = crds
        .get(version.version())
        .unwrap_or_else(|| panic!("{crd_file}: no version {}", version.version()));
    let ours =
        json_schema(kind, version).unwrap_or_else(|| panic!("no schema for {kind:?} {version:?}"));
    let defs = ours
        .get("$defs")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let mut walk = Walk {
        defs: &defs,
        problems: Vec::new(),
        compared: 0,
        allow_listed: BTreeSet::new(),
    };
    walk.walk("", crd, &ours);
    for (entry, _, _) in ALLOW_LIST {
        if applies(entry, kind) && !walk.allow_listed.contains(entry) {
            walk.problems
                .push(format!("{entry}: allow-list entry not used (stale?)"));
        }
    }
    (walk.compared, walk.problems)
}

/// Compares one kind and version with its CRD. `min_paths` guards against a walk that
/// silently stops early: a little under the number of paths the CRD has outside `metadata`
/// and `status`.
fn check(kind: PolicyKind, version: ApiVersion, min_paths: usize) {
    let crd_file = crd_file(kind).expect("a Kyverno kind has a CRD");
    let what = format!("crd_schema ({crd_file})");
    let Some(crd_path) = shared_data::path(&format!("kyverno-crds/{crd_file}"), &what) else {
        return;
    };
    let (compared, problems) = compare(kind, version, crd_file, &crd_path);
    println!(
        "{} {}: {compared} property paths compared with {crd_file}",
        kind.as_str(),
        version.as_str()
    );
    assert!(
        problems.is_empty(),
        "{} {} differs from {crd_file} at {} place(s):\n  {}",
        kind.as_str(),
        version.as_str(),
        problems.len(),
        problems.join("\n  ")
    );
    assert!(compared > min_paths, "only {compared} paths compared");
}

/// Lower bounds of [`check`]'s walk, by kind.
const CLUSTER_POLICY_PATHS: usize = 500;
const VALIDATING_POLICY_PATHS: usize = 80;
const CEL_POLICY_EXCEPTION_PATHS: usize = 20;
const MUTATING_POLICY_PATHS: usize = 130;
const GENERATING_POLICY_PATHS: usize = 75;
const DELETING_POLICY_PATHS: usize = 55;
const IMAGE_VALIDATING_POLICY_PATHS: usize = 160;
const POLICY_EXCEPTION_PATHS: usize = 110;
const CLEANUP_POLICY_PATHS: usize = 220;
const GLOBAL_CONTEXT_ENTRY_PATHS: usize = 25;

#[test]
fn cluster_policy_v1_matches_crd() {
    check(
        PolicyKind::ClusterPolicy,
        ApiVersion::V1,
        CLUSTER_POLICY_PATHS,
    );
}

#[test]
fn cluster_policy_v2beta1_matches_crd() {
    check(
        PolicyKind::ClusterPolicy,
        ApiVersion::V2beta1,
        CLUSTER_POLICY_PATHS,
    );
}

#[test]
fn policy_v1_matches_crd() {
    check(PolicyKind::Policy, ApiVersion::V1, CLUSTER_POLICY_PATHS);
}

#[test]
fn policy_v2beta1_matches_crd() {
    check(
        PolicyKind::Policy,
        ApiVersion::V2beta1,
        CLUSTER_POLICY_PATHS,
    );
}

#[test]
fn validating_policy_v1_matches_crd() {
    check(
        PolicyKind::ValidatingPolicy,
        ApiVersion::PoliciesV1,
        VALIDATING_POLICY_PATHS,
    );
}

#[test]
fn validating_policy_v1beta1_matches_crd() {
    check(
        PolicyKind::ValidatingPolicy,
        ApiVersion::PoliciesV1beta1,
        VALIDATING_POLICY_PATHS,
    );
}

#[test]
fn validating_policy_v1alpha1_matches_crd() {
    check(
        PolicyKind::ValidatingPolicy,
        ApiVersion::PoliciesV1alpha1,
        VALIDATING_POLICY_PATHS,
    );
}

#[test]
fn namespaced_validating_policy_v1_matches_crd() {
    check(
        PolicyKind::NamespacedValidatingPolicy,
        ApiVersion::PoliciesV1,
        VALIDATING_POLICY_PATHS,
    );
}

#[test]
fn namespaced_validating_policy_v1beta1_matches_crd() {
    check(
        PolicyKind::NamespacedValidatingPolicy,
        ApiVersion::PoliciesV1beta1,
        VALIDATING_POLICY_PATHS,
    );
}

#[test]
fn cel_policy_exception_v1_matches_crd() {
    check(
        PolicyKind::CelPolicyException,
        ApiVersion::PoliciesV1,
        CEL_POLICY_EXCEPTION_PATHS,
    );
}

#[test]
fn cel_policy_exception_v1beta1_matches_crd() {
    check(
        PolicyKind::CelPolicyException,
        ApiVersion::PoliciesV1beta1,
        CEL_POLICY_EXCEPTION_PATHS,
    );
}

#[test]
fn cel_policy_exception_v1alpha1_matches_crd() {
    check(
        PolicyKind::CelPolicyException,
        ApiVersion::PoliciesV1alpha1,
        CEL_POLICY_EXCEPTION_PATHS,
    );
}

/// The other `policies.kyverno.io` kinds, each in every version it is served in.
#[test]
fn other_cel_policies_match_crds() {
    for (kind, min_paths) in [
        (PolicyKind::MutatingPolicy, MUTATING_POLICY_PATHS),
        (PolicyKind::NamespacedMutatingPolicy, MUTATING_POLICY_PATHS),
        (PolicyKind::GeneratingPolicy, GENERATING_POLICY_PATHS),
        (
            PolicyKind::NamespacedGeneratingPolicy,
            GENERATING_POLICY_PATHS,
        ),
        (PolicyKind::DeletingPolicy, DELETING_POLICY_PATHS),
        (PolicyKind::NamespacedDeletingPolicy, DELETING_POLICY_PATHS),
        (
            PolicyKind::ImageValidatingPolicy,
            IMAGE_VALIDATING_POLICY_PATHS,
        ),
        (
            PolicyKind::NamespacedImageValidatingPolicy,
            IMAGE_VALIDATING_POLICY_PATHS,
        ),
    ] {
        for version in kind.versions() {
            check(kind, *version, min_paths);
        }
    }
}

/// The `kyverno.io` kinds that are not rule policies, each in every version it is served in.
#[test]
fn kyverno_io_support_kinds_match_crds() {
    for (kind, min_paths) in [
        (PolicyKind::PolicyException, POLICY_EXCEPTION_PATHS),
        (PolicyKind::CleanupPolicy, CLEANUP_POLICY_PATHS),
        (PolicyKind::ClusterCleanupPolicy, CLEANUP_POLICY_PATHS),
        (PolicyKind::GlobalContextEntry, GLOBAL_CONTEXT_ENTRY_PATHS),
    ] {
        for version in kind.versions() {
            check(kind, *version, min_paths);
        }
    }
}

/// Our list of served versions is the CRD's: no kind or version goes unchecked, and we serve
/// nothing the API server does not.
#[test]
fn served_versions_match_crds() {
    for kind in PolicyKind::ALL {
        let Some(crd_file) = crd_file(kind) else {
            continue;
        };
        let what = format!("crd_schema ({crd_file})");
        let Some(crd_path) = shared_data::path(&format!("kyverno-crds/{crd_file}"), &what) else {
            return;
        };
        let crd_versions: Vec<String> = crd_schemas(&crd_path).into_keys().collect();
        let mut ours: Vec<String> = kind
            .versions()
            .iter()
            .map(|v| v.version().to_string())
            .collect();
        ours.sort();
        assert_eq!(ours, crd_versions, "{}", kind.as_str());
        for v in kind.versions() {
            assert_eq!(v.group(), kind.group(), "{}", kind.as_str());
        }
    }
}

/// Every property of every generated schema carries a description (it is the hover text).
#[test]
fn every_property_is_documented() {
    fn visit(path: &str, schema: &Value, missing: &mut Vec<String>) {
        match schema {
            Value::Object(obj) => {
                if let Some(Value::Object(props)) = obj.get("properties") {
                    for (name, prop) in props {
                        let documented = prop
                            .get("description")
                            .and_then(Value::as_str)
                            .is_some_and(|d| !d.trim().is_empty());
                        if !documented {
                            missing.push(format!("{path}.{name}"));
                        }
                    }
                }
                for (k, v) in obj {
                    match (k.as_str(), v) {
                        // A map of schemas, not a schema: a property may be named `properties`
                        // (a CEL PolicyException's spec has one).
                        ("properties" | "$defs", Value::Object(children)) => {
                            for (name, child) in children {
                                visit(&format!("{path}/{k}/{name}"), child, missing);
                            }
                        }
                        _ => visit(&format!("{path}/{k}"), v, missing),
                    }
                }
            }
            Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    visit(&format!("{path}/{i}"), v, missing);
                }
            }
            _ => {}
        }
    }
    for (kind, version) in PolicyKind::all_served() {
        let schema = json_schema(kind, version).expect("a served version has a schema");
        let mut missing = Vec::new();
        visit("", &schema, &mut missing);
        if let Some(Value::Object(defs)) = schema.get("$defs") {
            for (name, def) in defs {
                if def.get("description").is_none() {
                    missing.push(format!("$defs/{name} (the type itself)"));
                }
            }
        }
        assert!(
            missing.is_empty(),
            "{} {}: undocumented: {missing:?}",
            kind.as_str(),
            version.as_str()
        );
    }
}
