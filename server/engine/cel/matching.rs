//! `matchConstraints` as Kubernetes' admission matcher decides them for CEL policies: the
//! namespace selector, then the object selector, then `excludeResourceRules`, then
//! `resourceRules` (Kyverno's `pkg/cel/matching`). `matchPolicy: Equivalent` is not applied:
//! Kyverno matches the exact group, version and resource too.

use std::collections::BTreeMap;

use super::resources::ApiType;
use crate::engine::{Request, Value};

fn strs(v: Option<&Value>) -> Vec<&str> {
    v.and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

pub(crate) fn labels(v: Option<&Value>) -> BTreeMap<String, String> {
    v.and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

/// A Kubernetes label selector (no wildcards, unlike Kyverno's own `match`). A missing or
/// empty selector matches everything.
pub fn label_selector_matches(selector: Option<&Value>, labels: &BTreeMap<String, String>) -> bool {
    let Some(sel) = selector.and_then(Value::as_object) else {
        return true;
    };
    for (k, v) in sel
        .get("matchLabels")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        if labels.get(k).map(String::as_str) != v.as_str() {
            return false;
        }
    }
    for e in sel
        .get("matchExpressions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let key = e.str_at(&["key"]);
        let values = strs(e.at(&["values"]));
        let found = labels.get(key).map(String::as_str);
        let ok = match e.str_at(&["operator"]) {
            "In" => found.is_some_and(|v| values.contains(&v)),
            "NotIn" => found.is_none_or(|v| !values.contains(&v)),
            "Exists" => found.is_some(),
            "DoesNotExist" => found.is_none(),
            _ => false,
        };
        if !ok {
            return false;
        }
    }
    true
}

fn listed(list: &[&str], value: &str) -> bool {
    list.iter().any(|x| *x == "*" || *x == value)
}

/// One `resourceRules` entry against the request.
fn rule_matches(rule: &Value, api: &ApiType, request: &Request, name: &str) -> bool {
    let resources = strs(rule.at(&["resources"]));
    // `pods` and `*` match a Pod, not its subresources; `pods/*`, `*/binding` and
    // `pods/binding` match only subresources; `*/*` matches both.
    let sub = request
        .subresource
        .as_ref()
        .map(|s| s.subresource.as_str())
        .unwrap_or_default();
    let resource_ok = resources.iter().any(|r| match r.split_once('/') {
        None => sub.is_empty() && (*r == "*" || *r == api.resource),
        Some((res, s)) if sub.is_empty() => res == "*" && s == "*",
        Some((res, s)) => (res == "*" || res == api.resource) && (s == "*" || s == sub),
    });
    let scope_ok = match rule.str_at(&["scope"]) {
        "Cluster" => !api.namespaced,
        "Namespaced" => api.namespaced,
        _ => true,
    };
    let names = strs(rule.at(&["resourceNames"]));
    listed(&strs(rule.at(&["operations"])), request.operation.as_str())
        && listed(&strs(rule.at(&["apiGroups"])), &api.group)
        && listed(&strs(rule.at(&["apiVersions"])), &api.version)
        && resource_ok
        && scope_ok
        && (names.is_empty() || names.contains(&name))
}

/// The object the request is about: the new object, or the old one on DELETE.
fn subject(request: &Request) -> &Value {
    match request.object.as_object() {
        Some(m) if !m.is_empty() => &request.object,
        _ => &request.old_object,
    }
}

/// Whether `constraints` (a `matchConstraints` value) match the request. None never matches,
/// as in Kyverno.
pub fn matches(constraints: Option<&Value>, request: &Request) -> bool {
    let Some(c) = constraints.filter(|c| c.as_object().is_some()) else {
        return false;
    };
    let object = subject(request);
    let mut api = super::resources::api_type(object);
    if let Some(s) = &request.subresource {
        // A subresource request is about its parent's resource.
        let (resource, namespaced) = super::resources::resource_of(&s.kind);
        api = super::resources::ApiType {
            group: s.group.clone(),
            version: s.version.clone(),
            kind: s.kind.clone(),
            resource,
            namespaced,
        };
    }
    let namespace = object.str_at(&["metadata", "namespace"]);
    let name = object.str_at(&["metadata", "name"]);
    if api.kind == "Namespace" {
        let own = labels(object.at(&["metadata", "labels"]));
        if !label_selector_matches(c.at(&["namespaceSelector"]), &own) {
            return false;
        }
    } else if api.namespaced {
        // A namespace the test does not describe has only its name label.
        let ns_labels = request
            .namespace_labels
            .get(namespace)
            .cloned()
            .unwrap_or_else(|| {
                BTreeMap::from([(
                    "kubernetes.io/metadata.name".to_string(),
                    namespace.to_string(),
                )])
            });
        if !label_selector_matches(c.at(&["namespaceSelector"]), &ns_labels) {
            return false;
        }
    }
    let mut object_ok = label_selector_matches(
        c.at(&["objectSelector"]),
        &labels(request.object.at(&["metadata", "labels"])),
    );
    if !object_ok && !matches!(request.old_object, Value::Null) {
        object_ok = label_selector_matches(
            c.at(&["objectSelector"]),
            &labels(request.old_object.at(&["metadata", "labels"])),
        );
    }
    if !object_ok {
        return false;
    }
    let rules = |key: &str| c.at(&[key]).and_then(Value::as_array).unwrap_or_default();
    if rules("excludeResourceRules")
        .iter()
        .any(|r| rule_matches(r, &api, request, name))
    {
        return false;
    }
    // No resource rules at all match every resource (the CLI's matcher; only an admission
    // policy's binding leaves them out in practice).
    let resource_rules = rules("resourceRules");
    resource_rules.is_empty()
        || resource_rules
            .iter()
            .any(|r| rule_matches(r, &api, request, name))
}

/// Whether `kyverno test` drops the response of a policy that does not match: only for
/// "simple" constraints (one resource rule, no names, no selectors, no exclusions). Otherwise
/// it keeps an empty response, and the row passes as excluded.
pub fn is_simple(constraints: Option<&Value>) -> bool {
    let Some(c) = constraints.and_then(Value::as_object) else {
        return false;
    };
    let empty = |k: &str| match c.get(k) {
        None | Some(Value::Null) => true,
        Some(Value::Array(a)) => a.is_empty(),
        Some(Value::Object(o)) => o.is_empty(),
        _ => false,
    };
    let rules = c
        .get("resourceRules")
        .and_then(Value::as_array)
        .unwrap_or_default();
    rules.len() == 1
        && strs(rules[0].at(&["resourceNames"])).is_empty()
        && empty("namespaceSelector")
        && empty("objectSelector")
        && empty("excludeResourceRules")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Operation;

    fn v(j: serde_json::Value) -> Value {
        Value::from_json(&j)
    }

    fn pod(ns: &str, labels: serde_json::Value) -> Request {
        Request {
            object: v(serde_json::json!({"apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": "p", "namespace": ns, "labels": labels}})),
            ..Request::default()
        }
    }

    fn pods_rule(extra: serde_json::Value) -> Value {
        let mut rule = serde_json::json!({"apiGroups": [""], "apiVersions": ["v1"],
            "operations": ["CREATE", "UPDATE"], "resources": ["pods"]});
        if let (Some(r), Some(e)) = (rule.as_object_mut(), extra.as_object()) {
            r.extend(e.clone());
        }
        v(serde_json::json!({ "resourceRules": [rule] }))
    }

    #[test]
    fn resource_rules_match_group_version_resource_and_operation() {
        let req = pod("default", serde_json::json!({}));
        assert!(matches(Some(&pods_rule(serde_json::json!({}))), &req));
        let deployments = v(serde_json::json!({"resourceRules": [{"apiGroups": ["apps"],
            "apiVersions": ["v1"], "operations": ["CREATE"], "resources": ["deployments"]}]}));
        assert!(!matches(Some(&deployments), &req));
        let delete = Request {
            operation: Operation::Delete,
            ..pod("default", serde_json::json!({}))
        };
        assert!(!matches(Some(&pods_rule(serde_json::json!({}))), &delete));
        assert!(!matches(None, &req), "no constraints never match");
        let cluster = pods_rule(serde_json::json!({"scope": "Cluster"}));
        assert!(!matches(Some(&cluster), &req));
    }

    #[test]
    fn subresource_rules_match_only_subresource_requests() {
        let binding = Request {
            object: v(serde_json::json!({"apiVersion": "v1", "kind": "Binding",
                "metadata": {"name": "p", "namespace": "default"}})),
            subresource: Some(crate::engine::SubresourceKind {
                group: String::new(),
                version: "v1".into(),
                kind: "Pod".into(),
                subresource: "binding".into(),
            }),
            ..Request::default()
        };
        let rule = |resources: serde_json::Value| {
            v(
                serde_json::json!({"resourceRules": [{"apiGroups": [""], "apiVersions": ["v1"],
                "operations": ["CREATE"], "resources": resources}]}),
            )
        };
        for yes in [
            serde_json::json!(["pods/binding"]),
            serde_json::json!(["pods/*"]),
            serde_json::json!(["*/binding"]),
            serde_json::json!(["*/*"]),
        ] {
            assert!(matches(Some(&rule(yes.clone())), &binding), "{yes}");
        }
        for no in [
            serde_json::json!(["pods"]),
            serde_json::json!(["*"]),
            serde_json::json!(["bindings"]),
            serde_json::json!(["pods/status"]),
        ] {
            assert!(!matches(Some(&rule(no.clone())), &binding), "{no}");
        }
        // A plain request is not a subresource one.
        let plain = pod("default", serde_json::json!({}));
        assert!(!matches(Some(&rule(serde_json::json!(["pods/*"]))), &plain));
        assert!(matches(Some(&rule(serde_json::json!(["*/*"]))), &plain));
    }

    #[test]
    fn selectors_and_exclusions() {
        let req = pod("team-a", serde_json::json!({"app": "web"}));
        let by_ns = v(serde_json::json!({"namespaceSelector": {"matchLabels":
            {"kubernetes.io/metadata.name": "team-a"}}, "resourceRules": [{"apiGroups": ["*"],
            "apiVersions": ["*"], "operations": ["*"], "resources": ["*"]}]}));
        assert!(matches(Some(&by_ns), &req));
        assert!(!matches(
            Some(&by_ns),
            &pod("team-b", serde_json::json!({}))
        ));
        let by_label = v(
            serde_json::json!({"objectSelector": {"matchExpressions": [{"key":
            "app", "operator": "NotIn", "values": ["web"]}]}, "resourceRules": [{"apiGroups":
            [""], "apiVersions": ["v1"], "operations": ["CREATE"], "resources": ["pods"]}]}),
        );
        assert!(!matches(Some(&by_label), &req));
        let excluded = v(serde_json::json!({"resourceRules": [{"apiGroups": ["*"],
            "apiVersions": ["*"], "operations": ["*"], "resources": ["*"]}],
            "excludeResourceRules": [{"apiGroups": [""], "apiVersions": ["v1"],
            "operations": ["*"], "resources": ["pods"], "resourceNames": ["p"]}]}));
        assert!(!matches(Some(&excluded), &req));
    }

    #[test]
    fn simple_constraints_are_one_plain_rule() {
        assert!(is_simple(Some(&pods_rule(serde_json::json!({})))));
        assert!(!is_simple(Some(&pods_rule(
            serde_json::json!({"resourceNames": ["x"]})
        ))));
        assert!(!is_simple(None));
    }
}
