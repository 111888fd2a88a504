//! The variables a CEL policy's expressions see for one request, built as Kyverno's engine
//! builds them in `kyverno test`: `object`, `oldObject`, `request`, `namespaceObject` and
//! `exceptions` (the policy's own `variables.<name>` are added lazily by the caller).

use std::sync::Arc;

use crate::cel::functions::LibrarySet;
use crate::cel::functions::context::{Context, ContextValue, Handle, HttpMock};
use crate::cel::{self, Bindings, Key};
use crate::engine::{Env, Request, Value};

/// The CEL environment for the engine's clock and seed, with Kyverno's `orValue`
/// compatibility and the libraries of the policy kind.
pub fn env(env: &Env, libraries: LibrarySet) -> cel::Env {
    cel::Env {
        now: env.now,
        seed: env.seed,
        libraries,
        ..cel::Env::fixed()
    }
}

/// The environment Kyverno compiles a kind's expressions in (cel.md §2.2): Kubernetes' own
/// libraries for `validate.cel` (kind `""`), ValidatingAdmissionPolicy and
/// MutatingAdmissionPolicy; Kyverno's on top for its own kinds. GeneratingPolicy and
/// DeletingPolicy run in a plain environment without a cost limit.
pub fn env_for_kind(engine: &Env, kind: &str) -> cel::Env {
    match kind {
        "" | "ValidatingAdmissionPolicy" | "MutatingAdmissionPolicy" => {
            env(engine, LibrarySet::KUBERNETES)
        }
        "GeneratingPolicy"
        | "NamespacedGeneratingPolicy"
        | "DeletingPolicy"
        | "NamespacedDeletingPolicy" => cel::Env {
            cost_limit: None,
            ..env(engine, LibrarySet::KYVERNO)
        },
        _ => env(engine, LibrarySet::KYVERNO),
    }
}

/// A resource of the context file as the CLI hands it to CEL: decoded as unstructured JSON,
/// so integral numbers are ints (unlike trigger resources, which the CLI turns into floats).
fn unstructured(v: &Value) -> cel::Value {
    match v {
        Value::Number(n)
            if n.fract() == 0.0
                && *n >= -9.223_372_036_854_776e18
                && *n < 9.223_372_036_854_776e18 =>
        {
            cel::Value::Int(*n as i64)
        }
        Value::Array(items) => cel::Value::list(items.iter().map(unstructured).collect()),
        Value::Object(o) => cel::Value::map(
            o.iter()
                .map(|(k, v)| (Key::String(k.as_str().into()), unstructured(v)))
                .collect(),
        ),
        other => cel::Value::from_json(other),
    }
}

/// `ToGVR`'s mapping: the simulator's table of plurals (a guess for unknown kinds, as the
/// REST mapper of `kyverno test` knows the built-in kinds and the CRDs it is given).
fn resource_of(_group: &str, _version: &str, kind: &str) -> Option<String> {
    (!kind.is_empty()).then(|| super::resources::resource_of(kind).0)
}

/// What Kyverno's context libraries read for this request, as `kyverno test` fills its fake
/// context: the context file's objects and images, `globalContextEntries` and the mocked
/// `apiCallResponses`.
pub fn context(request: &Request) -> Context {
    let mut c = Context {
        resource_of: Some(resource_of),
        ..Context::default()
    };
    // Kyverno's own CLI tests (test-context-configmap-vpol, test-context-apicall-vpol) read
    // `clusterResources` through `resource.Get` as well as the context file's objects.
    for r in request
        .cluster_resources
        .iter()
        .chain(&request.context_resources)
    {
        let api = super::resources::api_type(r);
        c.add_resource(&api.group, &api.version, &api.resource, unstructured(r));
    }
    c.images = request
        .images
        .iter()
        .map(|(k, v)| (k.clone(), cel::Value::from_json(v)))
        .collect();
    c.globals = request
        .global_context
        .iter()
        .map(|(k, v)| (k.clone(), cel::Value::from_json(v)))
        .collect();
    c.http = request
        .api_responses
        .iter()
        .map(|a| HttpMock {
            method: a.method.clone(),
            url: a.url.clone(),
            body: cel::Value::from_json(&a.response),
        })
        .collect();
    c
}

/// Binds Kyverno's context variables (`resource`, `image`, `globalContext`, `http`), which
/// only Kyverno's own kinds declare. `namespace` is the policy's for Namespaced kinds.
pub fn bind_context(b: &mut Bindings, request: &Request, namespace: Option<&str>) {
    let c = Arc::new(context(request));
    let ns = namespace.map(str::to_string);
    // Namespaced policies: `resource` implies the namespace, `globalContext` is refused
    // and `http` answers only mocked calls (cel.md §2.4).
    b.set(
        "resource",
        ContextValue::value(Handle::Resource, c.clone(), ns.clone()),
    )
    .set(
        "image",
        ContextValue::value(Handle::ImageData, c.clone(), None),
    )
    .set(
        "globalContext",
        ContextValue::value(Handle::GlobalContext, c.clone(), ns.clone()),
    )
    .set("http", ContextValue::value(Handle::Http, c, ns));
}

fn map(entries: Vec<(&str, cel::Value)>) -> cel::Value {
    cel::Value::map(
        entries
            .into_iter()
            .map(|(k, v)| (Key::String(k.into()), v))
            .collect(),
    )
}

fn s(text: &str) -> cel::Value {
    cel::Value::string(text)
}

/// A side of the request as the engine sees it: a missing object is an empty object, because
/// Kyverno hands CEL a zero-value unstructured object, not null (cel.md §3.6).
fn side(v: &Value) -> cel::Value {
    match v {
        Value::Null => cel::Value::map(Default::default()),
        other => cel::Value::from_json(other),
    }
}

/// `object` for a resource as the engine hands it to CEL.
pub fn object_value(v: &Value) -> cel::Value {
    side(v)
}

/// `exceptions`: what the applying CEL PolicyExceptions allow.
pub fn exceptions_value(images: Vec<String>, values: Vec<String>) -> cel::Value {
    cel::Value::map(
        [("allowedImages", images), ("allowedValues", values)]
            .into_iter()
            .map(|(k, v)| {
                (
                    Key::String(k.into()),
                    cel::Value::list(v.into_iter().map(cel::Value::string).collect()),
                )
            })
            .collect(),
    )
}

/// `object`, `oldObject`, `request`, `namespaceObject` and `exceptions` for `request`.
pub fn request_bindings(request: &Request) -> Bindings {
    let subject = match request.object.as_object() {
        Some(m) if !m.is_empty() => &request.object,
        _ => &request.old_object,
    };
    let api = super::resources::api_type(subject);
    let namespace = subject.str_at(&["metadata", "namespace"]);
    let name = subject.str_at(&["metadata", "name"]);
    let kind = map(vec![
        ("group", s(&api.group)),
        ("version", s(&api.version)),
        ("kind", s(&api.kind)),
    ]);
    let resource = map(vec![
        ("group", s(&api.group)),
        ("version", s(&api.version)),
        ("resource", s(&api.resource)),
    ]);
    let user = request.user_info.clone().unwrap_or_default();
    let user_info = map(vec![
        ("username", s(&user.username)),
        ("uid", s("")),
        (
            "groups",
            cel::Value::list(user.groups.iter().map(|g| s(g)).collect()),
        ),
        ("extra", cel::Value::map(Default::default())),
    ]);
    // Converted once: `object` and `request.object` share the value.
    let object = side(&request.object);
    let old_object = side(&request.old_object);
    let request_side = |raw: &Value, converted: &cel::Value| match raw {
        Value::Null => cel::Value::Null,
        _ => converted.clone(),
    };
    let req = map(vec![
        ("kind", kind.clone()),
        ("resource", resource.clone()),
        ("subResource", s("")),
        ("requestKind", kind),
        ("requestResource", resource),
        ("requestSubResource", s("")),
        ("name", s(name)),
        ("namespace", s(namespace)),
        ("operation", s(request.operation.as_str())),
        ("userInfo", user_info),
        ("dryRun", cel::Value::Bool(false)),
        ("options", cel::Value::Null),
        ("object", request_side(&request.object, &object)),
        ("oldObject", request_side(&request.old_object, &old_object)),
    ]);
    // `kyverno test` knows a namespace only from the values file.
    let namespace_object = match request.namespace_labels.get(namespace) {
        _ if namespace.is_empty() => cel::Value::Null,
        _ if request.namespaces.contains_key(namespace) => {
            cel::Value::from_json(&request.namespaces[namespace])
        }
        Some(labels) => map(vec![
            ("apiVersion", s("v1")),
            ("kind", s("Namespace")),
            (
                "metadata",
                map(vec![
                    ("name", s(namespace)),
                    (
                        "labels",
                        cel::Value::map(
                            labels
                                .iter()
                                .map(|(k, v)| (Key::String(k.as_str().into()), s(v)))
                                .collect(),
                        ),
                    ),
                ]),
            ),
        ]),
        _ => cel::Value::Null,
    };
    let mut b = Bindings::new();
    b.set("object", object)
        .set("oldObject", old_object)
        .set("request", req)
        .set("namespaceObject", namespace_object)
        .set(
            "exceptions",
            map(vec![
                ("allowedImages", cel::Value::list(Vec::new())),
                ("allowedValues", cel::Value::list(Vec::new())),
            ]),
        );
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_gets_its_libraries_and_cost_limit() {
        let e = Env::fixed();
        let vpol = env_for_kind(&e, "ValidatingPolicy");
        assert_eq!(vpol.libraries, LibrarySet::KYVERNO);
        assert_eq!(vpol.cost_limit, Some(cel::limits::COST_LIMIT));
        let rule = env_for_kind(&e, "");
        assert_eq!(rule.libraries, LibrarySet::KUBERNETES);
        assert_eq!(rule.cost_limit, Some(cel::limits::COST_LIMIT));
        assert_eq!(
            env_for_kind(&e, "ValidatingAdmissionPolicy").libraries,
            LibrarySet::KUBERNETES
        );
        let gpol = env_for_kind(&e, "GeneratingPolicy");
        assert_eq!(
            (gpol.libraries, gpol.cost_limit),
            (LibrarySet::KYVERNO, None)
        );
        assert_eq!(env_for_kind(&e, "DeletingPolicy").cost_limit, None);
    }
}
