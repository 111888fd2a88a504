//! The Kubernetes API definitions embedded in `server/k8s/api.txt`:
//! - they are what the `k8s-openapi` crate (a dev-dependency, so that normal builds never
//!   compile it) generates for Kubernetes 1.37; `KYVERNO_LS_BLESS=1 cargo test --test k8s_api`
//!   rewrites the file;
//! - they agree with the OpenAPI definitions Kubernetes publishes (`../shared/k8s-openapi`,
//!   read through `shared_data`): the same kinds, the same fields, the same types.

use std::collections::{BTreeMap, BTreeSet, HashSet, VecDeque};

use k8s_openapi::Resource;
use kyverno_ls::k8s::{self, Api, Shape, TypeRef};
use schemars::JsonSchema;
use schemars::generate::SchemaSettings;
use serde_json::Value;

mod shared_data;

const QUANTITY: &str = "io.k8s.apimachinery.pkg.api.resource.Quantity";

/// What the generator collects from the crate: every schema by name, and the kinds.
#[derive(Default)]
struct Collected {
    defs: BTreeMap<String, Value>,
    /// (group, version, kind, plural, scope, schema name)
    kinds: Vec<(String, String, String, String, char, String)>,
}

impl Collected {
    fn add<T: Resource + JsonSchema>(&mut self) {
        let root = SchemaSettings::draft2020_12()
            .into_generator()
            .into_root_schema_for::<T>()
            .to_value();
        let Value::Object(mut root) = root else {
            panic!("{} has no object schema", T::KIND);
        };
        if let Some(Value::Object(defs)) = root.remove("$defs") {
            self.defs.extend(defs);
        }
        root.remove("$schema");
        root.remove("title");
        let name = T::schema_name().into_owned();
        self.defs.insert(name.clone(), Value::Object(root));
        let scope = std::any::type_name::<T::Scope>();
        let scope = if scope.ends_with("::NamespaceResourceScope") {
            'N'
        } else if scope.ends_with("::ClusterResourceScope") {
            'C'
        } else if scope.ends_with("::SubResourceScope") {
            'S'
        } else {
            panic!("{}: unknown scope {scope}", T::KIND)
        };
        self.kinds.push((
            T::GROUP.into(),
            T::VERSION.into(),
            T::KIND.into(),
            T::URL_PATH_SEGMENT.into(),
            scope,
            name,
        ));
    }
}

macro_rules! kinds {
    ($($($seg:ident)::+,)*) => {
        fn collect() -> Collected {
            let mut c = Collected::default();
            $( c.add::<k8s_openapi::$($seg)::+>(); )*
            c
        }
    };
}

// Every type of the crate that implements `Resource`, except the discovery and status types
// of `meta/v1` (APIGroup, Status…), which no admission request carries.
kinds! {
        api::admissionregistration::v1::MutatingAdmissionPolicy,
        api::admissionregistration::v1::MutatingAdmissionPolicyBinding,
        api::admissionregistration::v1::MutatingWebhookConfiguration,
        api::admissionregistration::v1::ValidatingAdmissionPolicy,
        api::admissionregistration::v1::ValidatingAdmissionPolicyBinding,
        api::admissionregistration::v1::ValidatingWebhookConfiguration,
        api::admissionregistration::v1alpha1::MutatingAdmissionPolicy,
        api::admissionregistration::v1alpha1::MutatingAdmissionPolicyBinding,
        api::admissionregistration::v1beta1::MutatingAdmissionPolicy,
        api::admissionregistration::v1beta1::MutatingAdmissionPolicyBinding,
        api::apiserverinternal::v1alpha1::StorageVersion,
        api::apps::v1::ControllerRevision,
        api::apps::v1::DaemonSet,
        api::apps::v1::Deployment,
        api::apps::v1::ReplicaSet,
        api::apps::v1::StatefulSet,
        api::authentication::v1::SelfSubjectReview,
        api::authentication::v1::TokenRequest,
        api::authentication::v1::TokenReview,
        api::authorization::v1::LocalSubjectAccessReview,
        api::authorization::v1::SelfSubjectAccessReview,
        api::authorization::v1::SelfSubjectRulesReview,
        api::authorization::v1::SubjectAccessReview,
        api::autoscaling::v1::HorizontalPodAutoscaler,
        api::autoscaling::v1::Scale,
        api::autoscaling::v2::HorizontalPodAutoscaler,
        api::batch::v1::CronJob,
        api::batch::v1::Job,
        api::certificates::v1::CertificateSigningRequest,
        api::certificates::v1::ClusterTrustBundle,
        api::certificates::v1::PodCertificateRequest,
        api::certificates::v1beta1::ClusterTrustBundle,
        api::certificates::v1beta1::PodCertificateRequest,
        api::coordination::v1::Lease,
        api::coordination::v1alpha2::LeaseCandidate,
        api::coordination::v1beta1::LeaseCandidate,
        api::core::v1::Binding,
        api::core::v1::ComponentStatus,
        api::core::v1::ConfigMap,
        api::core::v1::Endpoints,
        api::core::v1::Event,
        api::core::v1::LimitRange,
        api::core::v1::Namespace,
        api::core::v1::Node,
        api::core::v1::PersistentVolume,
        api::core::v1::PersistentVolumeClaim,
        api::core::v1::Pod,
        api::core::v1::PodTemplate,
        api::core::v1::ReplicationController,
        api::core::v1::ResourceQuota,
        api::core::v1::Secret,
        api::core::v1::Service,
        api::core::v1::ServiceAccount,
        api::discovery::v1::EndpointSlice,
        api::events::v1::Event,
        api::flowcontrol::v1::FlowSchema,
        api::flowcontrol::v1::PriorityLevelConfiguration,
        api::lifecycle::v1alpha1::Eviction,
        api::lifecycle::v1alpha1::EvictionRequest,
        api::networking::v1::IPAddress,
        api::networking::v1::Ingress,
        api::networking::v1::IngressClass,
        api::networking::v1::NetworkPolicy,
        api::networking::v1::ServiceCIDR,
        api::node::v1::RuntimeClass,
        api::policy::v1::Eviction,
        api::policy::v1::PodDisruptionBudget,
        api::rbac::v1::ClusterRole,
        api::rbac::v1::ClusterRoleBinding,
        api::rbac::v1::Role,
        api::rbac::v1::RoleBinding,
        api::resource::v1::DeviceClass,
        api::resource::v1::DeviceTaintRule,
        api::resource::v1::ResourceClaim,
        api::resource::v1::ResourceClaimTemplate,
        api::resource::v1::ResourceSlice,
        api::resource::v1alpha3::DeviceTaintRule,
        api::resource::v1alpha3::ResourcePoolStatusRequest,
        api::resource::v1beta1::DeviceClass,
        api::resource::v1beta1::ResourceClaim,
        api::resource::v1beta1::ResourceClaimTemplate,
        api::resource::v1beta1::ResourceSlice,
        api::resource::v1beta2::DeviceClass,
        api::resource::v1beta2::DeviceTaintRule,
        api::resource::v1beta2::ResourceClaim,
        api::resource::v1beta2::ResourceClaimTemplate,
        api::resource::v1beta2::ResourceSlice,
        api::scheduling::v1::PriorityClass,
        api::scheduling::v1alpha3::CompositePodGroup,
        api::scheduling::v1alpha3::PodGroup,
        api::scheduling::v1alpha3::Workload,
        api::scheduling::v1beta1::PodGroup,
        api::scheduling::v1beta1::Workload,
        api::storage::v1::CSIDriver,
        api::storage::v1::CSINode,
        api::storage::v1::CSIStorageCapacity,
        api::storage::v1::StorageClass,
        api::storage::v1::VolumeAttachment,
        api::storage::v1::VolumeAttributesClass,
        api::storagemigration::v1::StorageVersionMigration,
        api::storagemigration::v1beta1::StorageVersionMigration,
        apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition,
        kube_aggregator::pkg::apis::apiregistration::v1::APIService,
}

fn ref_name(node: &Value) -> Option<&str> {
    node.get("$ref")?.as_str()?.strip_prefix("#/$defs/")
}

fn has_properties(node: &Value) -> bool {
    node.get("properties").is_some()
}

fn type_of(node: &Value) -> Option<&str> {
    match node.get("type")? {
        Value::String(t) => Some(t),
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).find(|t| *t != "null"),
        _ => None,
    }
}

/// The shape of a schema node of the crate.
fn shape(c: &Collected, index: &BTreeMap<&str, u32>, node: &Value) -> Shape {
    if let Some(name) = ref_name(node) {
        if name == QUANTITY {
            return Shape::Quantity;
        }
        let def = &c.defs[name];
        if has_properties(def) {
            return Shape::Object(TypeRef(index[name]));
        }
        return shape(c, index, def);
    }
    if node.get("x-kubernetes-int-or-string") == Some(&Value::Bool(true)) {
        return Shape::IntOrString;
    }
    if node.get("x-kubernetes-preserve-unknown-fields") == Some(&Value::Bool(true)) {
        return Shape::Any;
    }
    match type_of(node) {
        Some("string") => Shape::String,
        Some("integer") => Shape::Integer,
        Some("number") => Shape::Number,
        Some("boolean") => Shape::Boolean,
        Some("array") => Shape::Array(Box::new(shape(c, index, &node["items"]))),
        Some("object") => {
            assert!(!has_properties(node), "an unnamed object type: {node}");
            match node.get("additionalProperties") {
                Some(v @ Value::Object(_)) => Shape::Map(Box::new(shape(c, index, v))),
                _ => Shape::Any,
            }
        }
        _ => Shape::Any,
    }
}

/// The named object types reachable from `from`.
fn refs(node: &Value, out: &mut Vec<String>) {
    match node {
        Value::Object(m) => {
            if let Some(n) = ref_name(node) {
                out.push(n.to_string());
            }
            m.values().for_each(|v| refs(v, out));
        }
        Value::Array(a) => a.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

fn description(node: &Value) -> String {
    k8s::escape(
        node.get("description")
            .and_then(Value::as_str)
            .unwrap_or(""),
    )
}

/// The text of `server/k8s/api.txt`, generated from the crate.
fn generate() -> String {
    let c = collect();
    // Every object type reachable from a kind, numbered in name order.
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut queue: VecDeque<String> = c.kinds.iter().map(|k| k.5.clone()).collect();
    while let Some(name) = queue.pop_front() {
        if !seen.insert(name.clone()) {
            continue;
        }
        let mut found = Vec::new();
        refs(&c.defs[&name], &mut found);
        queue.extend(found);
    }
    let objects: Vec<&str> = seen
        .iter()
        .map(String::as_str)
        .filter(|n| has_properties(&c.defs[*n]))
        .collect();
    let index: BTreeMap<&str, u32> = objects
        .iter()
        .enumerate()
        .map(|(i, n)| (*n, i as u32))
        .collect();
    let mut out = String::from(
        "# Kubernetes 1.37 API definitions for kyverno-ls, generated from the k8s-openapi crate\n\
         # by tests/k8s_api.rs: do not edit, run `KYVERNO_LS_BLESS=1 cargo test --test k8s_api`.\n\
         # Records (tab-separated): K group version kind plural scope(N|C|S) type;\n\
         # T name description (object types, numbered from 0); F name shape description.\n",
    );
    let mut kinds = c.kinds.clone();
    kinds.sort();
    for (group, version, kind, plural, scope, name) in &kinds {
        let ty = index[name.as_str()];
        out.push_str(&format!(
            "K\t{group}\t{version}\t{kind}\t{plural}\t{scope}\t{ty}\n"
        ));
    }
    for name in &objects {
        let def = &c.defs[*name];
        out.push_str(&format!("T\t{name}\t{}\n", description(def)));
        let props = def["properties"].as_object().expect("properties");
        let mut fields: Vec<(&String, &Value)> = props.iter().collect();
        fields.sort_by(|a, b| a.0.cmp(b.0));
        for (field, node) in fields {
            let mut s = String::new();
            k8s::write_shape(&shape(&c, &index, node), &mut s);
            out.push_str(&format!("F\t{field}\t{s}\t{}\n", description(node)));
        }
    }
    out
}

#[test]
fn embedded_definitions_are_what_k8s_openapi_generates() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/server/k8s/api.txt");
    let fresh = generate();
    if std::env::var("KYVERNO_LS_BLESS").is_ok_and(|v| v == "1") {
        std::fs::write(path, &fresh).expect("write api.txt");
        return;
    }
    let current = std::fs::read_to_string(path).expect("read api.txt");
    assert!(
        current == fresh,
        "server/k8s/api.txt is stale: run `KYVERNO_LS_BLESS=1 cargo test --test k8s_api`"
    );
    assert_eq!(k8s::parse(k8s::API_TEXT).map(|a| a.kinds.len()), Ok(103));
}

/// A shape as both sides can spell it.
fn our_shape(api: &Api, shape: &Shape) -> String {
    match shape {
        Shape::Object(r) => format!("object {}", api.ty(*r).name),
        Shape::Map(s) => format!("map of {}", our_shape(api, s)),
        Shape::Array(s) => format!("array of {}", our_shape(api, s)),
        other => format!("{other:?}"),
    }
}

/// The same for a node of Kubernetes' definitions.
fn their_shape(defs: &Value, node: &Value) -> String {
    if let Some(name) = ref_name(node) {
        if name == QUANTITY {
            return "Quantity".into();
        }
        let def = &defs[name];
        if has_properties(def) {
            return format!("object {name}");
        }
        return their_shape(defs, def);
    }
    if let Some(Value::Array(alts)) = node.get("oneOf") {
        let types: BTreeSet<&str> = alts.iter().filter_map(type_of).collect();
        return match types.into_iter().collect::<Vec<_>>().as_slice() {
            ["integer", "string"] => "IntOrString".into(),
            ["number", "string"] => "Quantity".into(),
            other => format!("oneOf {other:?}"),
        };
    }
    match type_of(node) {
        Some("string") => "String".into(),
        Some("integer") => "Integer".into(),
        Some("number") => "Number".into(),
        Some("boolean") => "Boolean".into(),
        Some("array") => format!("array of {}", their_shape(defs, &node["items"])),
        Some("object") if has_properties(node) => "an unnamed object".into(),
        Some("object") => match node.get("additionalProperties") {
            Some(v @ Value::Object(_)) => format!("map of {}", their_shape(defs, v)),
            _ => "Any".into(),
        },
        _ => "Any".into(),
    }
}

#[test]
fn embedded_definitions_agree_with_kubernetes_openapi() {
    let Some(path) = shared_data::path(
        "k8s-openapi/kubernetes-v1.37.0.json",
        "comparing the embedded API definitions with Kubernetes'",
    ) else {
        return;
    };
    let theirs: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("read")).expect("JSON");
    let defs = &theirs["$defs"];
    let api = k8s::api();
    let mut problems = Vec::new();

    // Kinds: the definitions with one group-version-kind, except lists and meta/v1's own.
    let mut their_kinds: BTreeMap<(String, String, String), &str> = BTreeMap::new();
    for (name, def) in defs.as_object().expect("$defs") {
        let Some(Value::Array(gvks)) = def.get("x-kubernetes-group-version-kind") else {
            continue;
        };
        if gvks.len() != 1 || name.ends_with("List") || name.contains(".meta.v1.") {
            continue;
        }
        let s = |k: &str| gvks[0][k].as_str().unwrap_or("").to_string();
        their_kinds.insert((s("group"), s("version"), s("kind")), name);
    }
    let ours: BTreeSet<(String, String, String)> = api
        .kinds
        .iter()
        .map(|k| {
            (
                k.group.to_string(),
                k.version.to_string(),
                k.kind.to_string(),
            )
        })
        .collect();
    let theirs_set: BTreeSet<_> = their_kinds.keys().cloned().collect();
    for k in ours.symmetric_difference(&theirs_set) {
        problems.push(format!("kind {k:?} is only on one side"));
    }

    // Fields: walk each kind on both sides, each pair of types once.
    let mut done: HashSet<(u32, String)> = HashSet::new();
    let mut queue: VecDeque<(String, TypeRef, String)> = VecDeque::new();
    for k in &api.kinds {
        if let Some(name) = their_kinds.get(&(
            k.group.to_string(),
            k.version.to_string(),
            k.kind.to_string(),
        )) {
            queue.push_back((k.kind.to_string(), k.ty, name.to_string()));
        }
    }
    let mut fields_compared = 0;
    while let Some((path, ours, their_name)) = queue.pop_front() {
        if !done.insert((ours.0, their_name.clone())) {
            continue;
        }
        let def = api.ty(ours);
        let their_props = defs[&their_name]["properties"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        let our_names: BTreeSet<&str> = def.fields.iter().map(|f| &*f.name).collect();
        let their_names: BTreeSet<&str> = their_props.keys().map(String::as_str).collect();
        for f in our_names.symmetric_difference(&their_names) {
            problems.push(format!("{path}.{f} is only on one side"));
        }
        for field in &def.fields {
            let Some(node) = their_props.get(&*field.name) else {
                continue;
            };
            fields_compared += 1;
            let (a, b) = (our_shape(api, &field.shape), their_shape(defs, node));
            if a != b {
                problems.push(format!("{path}.{}: ours {a}, Kubernetes' {b}", field.name));
                continue;
            }
            // Follow object types, also through maps and arrays.
            let (mut s, mut n) = (&field.shape, node);
            loop {
                match s {
                    Shape::Map(inner) => {
                        s = inner;
                        n = &n["additionalProperties"];
                    }
                    Shape::Array(inner) => {
                        s = inner;
                        n = &n["items"];
                    }
                    _ => break,
                }
            }
            if let (Shape::Object(r), Some(name)) = (s, ref_name(n)) {
                queue.push_back((format!("{path}.{}", field.name), *r, name.to_string()));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // Every field of ours was compared: none is out of reach of the walk.
    assert_eq!((their_kinds.len(), fields_compared), (103, 2983));
}
