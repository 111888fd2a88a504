//! The variables a CEL policy's expressions see for one request, built as Kyverno's engine
//! builds them in `kyverno test`: `object`, `oldObject`, `request`, `namespaceObject` and
//! `exceptions` (the policy's own `variables.<name>` are added lazily by the caller).

use crate::cel::{self, Bindings, Key};
use crate::engine::{Env, Request, Value};

/// The CEL environment for the engine's clock, with Kubernetes' per-expression cost limit and
/// Kyverno's `orValue` compatibility.
pub fn env(env: &Env) -> cel::Env {
    cel::Env {
        now: env.now,
        ..cel::Env::fixed()
    }
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
        Some(labels) if !namespace.is_empty() => map(vec![
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
