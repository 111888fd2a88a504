//! `match` / `exclude`, as `pkg/engine/utils/match.go` and `pkg/utils/match/*.go` decide them.

use std::collections::BTreeMap;

use super::{Request, UserInfo, Value};

/// IGLOU-EU/go-wildcard v1.0.3 `Match(pattern, s)`: `*` any run (also empty), `?` exactly one
/// character, whole string, no escaping; an empty pattern matches only the empty string.
pub fn wildcard(pattern: &str, s: &str) -> bool {
    crate::wildcard::matches(pattern, s)
}

fn str_list(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn string_map(v: Option<&Value>) -> BTreeMap<String, String> {
    v.and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| {
                    let s = match v {
                        Value::String(s) => s.to_string(),
                        other => crate::jmespath::functions::go_format(other),
                    };
                    (k.clone(), s)
                })
                .collect()
        })
        .unwrap_or_default()
}

fn is_empty_value(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => true,
        Some(Value::Object(m)) => m.values().all(|x| is_empty_value(Some(x))),
        Some(Value::Array(a)) => a.is_empty(),
        Some(Value::String(s)) => s.is_empty(),
        Some(_) => false,
    }
}

/// `ParseKindSelector`: (group, version, kind, subresource).
pub fn parse_kind_selector(input: &str) -> (String, String, String, String) {
    let parts: Vec<&str> = input.split('/').collect();
    let lower = |s: &str| s.chars().next().is_some_and(|c| c.is_lowercase());
    let o = |s: &str| s.to_string();
    match parts.as_slice() {
        [k] => (o("*"), o("*"), o(k), o("")),
        ["*", "*"] => (o("*"), o("*"), o("*"), o("*")),
        [a, b] => {
            if lower(b) {
                (o("*"), o("*"), o(a), o(b))
            } else {
                (o("*"), o(a), o(b), o(""))
            }
        }
        [a, b, c] => {
            if lower(c) {
                (o("*"), o(a), o(b), o(c))
            } else {
                (o(a), o(b), o(c), o(""))
            }
        }
        [a, b, c, d, ..] => (o(a), o(b), o(c), o(d)),
        [] => (o(""), o(""), o(""), o("")),
    }
}

/// Group, version and kind of a resource.
pub fn resource_gvk(resource: &Value) -> (String, String, String) {
    let api_version = resource.str_at(&["apiVersion"]);
    let (group, version) = match api_version.split_once('/') {
        Some((g, v)) => (g.to_string(), v.to_string()),
        None => (String::new(), api_version.to_string()),
    };
    (group, version, resource.str_at(&["kind"]).to_string())
}

/// Whether a `kinds` entry selects the request's kind (K:pkg/utils/match/kind.go). On a
/// subresource the parent's kind is checked, and a plain kind selects only its
/// `ephemeralcontainers` subresource.
fn check_kind(kinds: &[String], request: &Request, resource: &Value) -> bool {
    let (group, version, kind, actual_sub) = match &request.subresource {
        Some(s) => (
            s.group.clone(),
            s.version.clone(),
            s.kind.clone(),
            s.subresource.as_str(),
        ),
        None => {
            let (g, v, k) = resource_gvk(resource);
            (g, v, k, "")
        }
    };
    kinds.iter().any(|k| {
        let (g, v, kk, sub) = parse_kind_selector(k);
        let sub_ok =
            wildcard(&sub, actual_sub) || (sub.is_empty() && actual_sub == "ephemeralcontainers");
        wildcard(&g, &group) && wildcard(&v, &version) && wildcard(&kk, &kind) && sub_ok
    })
}

fn resource_name(resource: &Value) -> &str {
    let name = resource.str_at(&["metadata", "name"]);
    if name.is_empty() {
        resource.str_at(&["metadata", "generateName"])
    } else {
        name
    }
}

fn resource_namespace(resource: &Value) -> &str {
    if resource.str_at(&["kind"]) == "Namespace" {
        resource.str_at(&["metadata", "name"])
    } else {
        resource.str_at(&["metadata", "namespace"])
    }
}

/// A LabelSelector against labels, with Kyverno's wildcard substitution in `matchLabels`.
pub fn selector_matches(selector: &Value, labels: &BTreeMap<String, String>) -> bool {
    let Some(sel) = selector.as_object() else {
        return matches!(selector, Value::Null);
    };
    if let Some(ml) = sel.get("matchLabels") {
        for (k, v) in string_map(Some(ml)) {
            let has_wild = |s: &str| s.contains('*') || s.contains('?');
            let (key, value) = if has_wild(&k) || has_wild(&v) {
                match labels
                    .iter()
                    .find(|(lk, lv)| wildcard(&k, lk) && wildcard(&v, lv))
                {
                    Some((lk, lv)) => (lk.clone(), lv.clone()),
                    None => (k.replace(['*', '?'], "0"), v.replace(['*', '?'], "0")),
                }
            } else {
                (k, v)
            };
            if labels.get(&key) != Some(&value) {
                return false;
            }
        }
    }
    if let Some(exprs) = sel.get("matchExpressions").and_then(Value::as_array) {
        for e in exprs {
            let key = e.str_at(&["key"]);
            let op = e.str_at(&["operator"]);
            let values = str_list(e.at(&["values"]));
            let ok = match op {
                "In" => labels.get(key).is_some_and(|v| values.contains(v)),
                "NotIn" => labels.get(key).is_none_or(|v| !values.contains(v)),
                "Exists" => labels.contains_key(key),
                "DoesNotExist" => !labels.contains_key(key),
                _ => false,
            };
            if !ok {
                return false;
            }
        }
    }
    true
}

fn check_annotations(expected: &Value, resource: &Value) -> bool {
    let actual = string_map(resource.at(&["metadata", "annotations"]));
    string_map(Some(expected)).iter().all(|(k, v)| {
        actual
            .iter()
            .any(|(ak, av)| wildcard(k, ak) && wildcard(v, av))
    })
}

fn check_subjects(subjects: &Value, user: &UserInfo) -> bool {
    let Some(list) = subjects.as_array() else {
        return false;
    };
    list.iter().any(|s| {
        let kind = s.str_at(&["kind"]);
        let name = s.str_at(&["name"]);
        match kind {
            "ServiceAccount" => {
                let ns = s.str_at(&["namespace"]);
                wildcard(
                    &format!("system:serviceaccount:{ns}:{name}"),
                    &user.username,
                )
            }
            "User" => wildcard(name, &user.username),
            "Group" => user.groups.iter().any(|g| wildcard(name, g)),
            _ => false,
        }
    })
}

/// `CheckMatchesResources`: every specified attribute of one filter holds.
fn filter_matches(filter: &Value, request: &Request, resource: &Value, ignore_user: bool) -> bool {
    let rd = filter.at(&["resources"]).cloned().unwrap_or(Value::Null);
    let has_user = ["roles", "clusterRoles", "subjects"]
        .iter()
        .any(|k| !is_empty_value(filter.at(&[k])));
    let user_info_ignored = ignore_user && request.user_info.is_none();
    if is_empty_value(Some(&rd)) && (!has_user || user_info_ignored) {
        // "match cannot be empty"
        return false;
    }
    let ops = str_list(rd.at(&["operations"]));
    if !ops.is_empty() && !ops.iter().any(|o| o == request.operation.as_str()) {
        return false;
    }
    let kinds = str_list(rd.at(&["kinds"]));
    if !kinds.is_empty() && !check_kind(&kinds, request, resource) {
        return false;
    }
    let mut names = str_list(rd.at(&["names"]));
    let name = rd.str_at(&["name"]);
    if !name.is_empty() {
        names.push(name.to_string());
    }
    if !names.is_empty() {
        let rn = resource_name(resource);
        if !names.iter().any(|n| wildcard(n, rn)) {
            return false;
        }
    }
    let namespaces = str_list(rd.at(&["namespaces"]));
    if !namespaces.is_empty() {
        let ns = resource_namespace(resource);
        if !namespaces.iter().any(|n| wildcard(n, ns)) {
            return false;
        }
    }
    if let Some(ann) = rd
        .at(&["annotations"])
        .filter(|v| !matches!(v, Value::Null))
    {
        if !check_annotations(ann, resource) {
            return false;
        }
    }
    if let Some(sel) = rd.at(&["selector"]).filter(|v| !matches!(v, Value::Null)) {
        let labels = string_map(resource.at(&["metadata", "labels"]));
        if !selector_matches(sel, &labels) {
            return false;
        }
    }
    if let Some(sel) = rd
        .at(&["namespaceSelector"])
        .filter(|v| !matches!(v, Value::Null))
    {
        if resource.str_at(&["kind"]) == "Namespace" {
            return false;
        }
        let ns = resource.str_at(&["metadata", "namespace"]);
        let labels = request
            .namespace_labels
            .get(ns)
            .cloned()
            .unwrap_or_default();
        if !selector_matches(sel, &labels) {
            return false;
        }
    }
    if has_user && !user_info_ignored {
        let empty = UserInfo::default();
        let user = request.user_info.as_ref().unwrap_or(&empty);
        let roles = str_list(filter.at(&["roles"]));
        if !roles.is_empty() && !roles.iter().any(|r| user.roles.contains(r)) {
            return false;
        }
        let cluster_roles = str_list(filter.at(&["clusterRoles"]));
        if !cluster_roles.is_empty()
            && !cluster_roles.iter().any(|r| user.cluster_roles.contains(r))
        {
            return false;
        }
        if let Some(subjects) = filter
            .at(&["subjects"])
            .filter(|v| !is_empty_value(Some(v)))
        {
            if !check_subjects(subjects, user) {
                return false;
            }
        }
    }
    true
}

/// A resource filter of a PolicyException's `match`: as a rule's, except that `operations`
/// are not read and a `namespaceSelector` does not rule out a Namespace (or a kindless
/// object). User information is checked against the request's (none: an empty user).
pub fn exception_filter_matches(filter: &Value, request: &Request, resource: &Value) -> bool {
    let (Some(f), Some(rd)) = (
        filter.as_object(),
        filter.at(&["resources"]).and_then(Value::as_object),
    ) else {
        return filter_matches(filter, request, resource, false);
    };
    let mut rd = rd.clone();
    rd.remove("operations");
    if matches!(resource.str_at(&["kind"]), "Namespace" | "") {
        rd.remove("namespaceSelector");
    }
    let mut f = f.clone();
    f.insert("resources".to_string(), Value::object(rd));
    filter_matches(&Value::object(f), request, resource, false)
}

fn block_filters(block: &Value, key: &str) -> Vec<Value> {
    block
        .at(&[key])
        .and_then(Value::as_array)
        .map(|a| a.to_vec())
        .unwrap_or_default()
}

/// The legacy form: `resources` + user fields directly on the block.
fn legacy_filter(block: &Value) -> Value {
    let mut m = crate::jmespath::value::Map::new();
    if let Some(obj) = block.as_object() {
        for k in ["resources", "roles", "clusterRoles", "subjects"] {
            if let Some(v) = obj.get(k) {
                m.insert(k.to_string(), v.clone());
            }
        }
    }
    Value::object(m)
}

/// The namespace a namespaced `Policy` confines its rules to; empty for a ClusterPolicy.
pub fn policy_namespace(policy: &Value) -> &str {
    if policy.str_at(&["kind"]) == "Policy" {
        policy.str_at(&["metadata", "namespace"])
    } else {
        ""
    }
}

/// Whether `rule` (its `match` and `exclude`) selects `resource` for this request.
/// `policy_namespace` is the namespace of a namespaced `Policy` (empty for ClusterPolicy).
pub fn rule_matches(
    rule: &Value,
    request: &Request,
    resource: &Value,
    policy_namespace: &str,
) -> bool {
    if !policy_namespace.is_empty()
        && policy_namespace != resource.str_at(&["metadata", "namespace"])
    {
        return false;
    }
    let m = rule.at(&["match"]).cloned().unwrap_or(Value::Null);
    let any = block_filters(&m, "any");
    let all = block_filters(&m, "all");
    let matched = if !any.is_empty() {
        any.iter()
            .any(|f| filter_matches(f, request, resource, true))
    } else if !all.is_empty() {
        all.iter()
            .all(|f| filter_matches(f, request, resource, true))
    } else {
        filter_matches(&legacy_filter(&m), request, resource, true)
    };
    if !matched {
        return false;
    }
    let Some(ex) = rule.at(&["exclude"]).filter(|v| !matches!(v, Value::Null)) else {
        return true;
    };
    let ex_any = block_filters(ex, "any");
    let ex_all = block_filters(ex, "all");
    let excluded = if !ex_any.is_empty() {
        ex_any
            .iter()
            .any(|f| exclude_filter_matches(f, request, resource))
    } else if !ex_all.is_empty() {
        ex_all
            .iter()
            .all(|f| exclude_filter_matches(f, request, resource))
    } else {
        exclude_filter_matches(&legacy_filter(ex), request, resource)
    };
    !excluded
}

fn exclude_filter_matches(filter: &Value, request: &Request, resource: &Value) -> bool {
    let rd_empty = is_empty_value(filter.at(&["resources"]));
    let user_empty = ["roles", "clusterRoles", "subjects"]
        .iter()
        .all(|k| is_empty_value(filter.at(&[k])));
    if rd_empty && user_empty {
        return false;
    }
    filter_matches(filter, request, resource, false)
}

/// Matching as the engine does it: the new object, else (or also) the old one.
pub fn matches_request(rule: &Value, request: &Request, policy_namespace: &str) -> bool {
    let new_empty = is_empty_value(Some(&request.object));
    if !new_empty && rule_matches(rule, request, &request.object, policy_namespace) {
        return true;
    }
    !is_empty_value(Some(&request.old_object))
        && rule_matches(rule, request, &request.old_object, policy_namespace)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Operation;

    fn v(json: &str) -> Value {
        Value::from_json(&serde_json::from_str(json).expect("json"))
    }

    fn pod() -> Value {
        v(
            r#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web-1","namespace":"prod",
             "labels":{"app":"web","tier":"front"},"annotations":{"team":"blue"}}}"#,
        )
    }

    fn req() -> Request {
        Request {
            object: pod(),
            ..Request::default()
        }
    }

    fn m(rule: &str) -> bool {
        matches_request(&v(rule), &req(), "")
    }

    #[test]
    fn subresource_requests_are_matched_as_their_parent() {
        let exec = Request {
            object: v(
                r#"{"apiVersion":"v1","kind":"PodExecOptions","metadata":{"name":"web-1","namespace":"prod"}}"#,
            ),
            subresource: Some(crate::engine::SubresourceKind {
                group: String::new(),
                version: "v1".into(),
                kind: "Pod".into(),
                subresource: "exec".into(),
            }),
            ..Request::default()
        };
        let on = |kinds: &str| {
            matches_request(
                &v(&format!(
                    r#"{{"match":{{"any":[{{"resources":{{"kinds":{kinds}}}}}]}}}}"#
                )),
                &exec,
                "",
            )
        };
        assert!(on(r#"["Pod/exec"]"#));
        assert!(on(r#"["v1/Pod/exec"]"#));
        assert!(on(r#"["*/exec"]"#));
        assert!(on(r#"["*/*"]"#));
        // Neither the plain parent nor the document's own kind selects the subresource.
        assert!(!on(r#"["Pod"]"#));
        assert!(!on(r#"["PodExecOptions"]"#));
        assert!(!on(r#"["Pod/log"]"#));
        // A plain kind does select its ephemeral containers.
        let mut ephemeral = exec.clone();
        if let Some(s) = ephemeral.subresource.as_mut() {
            s.subresource = "ephemeralcontainers".into();
        }
        assert!(matches_request(
            &v(r#"{"match":{"any":[{"resources":{"kinds":["Pod"]}}]}}"#),
            &ephemeral,
            ""
        ));
    }

    #[test]
    fn wildcards() {
        assert!(wildcard("*", ""));
        assert!(wildcard("a*c", "abbc"));
        assert!(wildcard("a?c", "abc"));
        assert!(!wildcard("a?c", "ac"));
        assert!(!wildcard("", "a"));
        assert!(wildcard("", ""));
        assert!(!wildcard("abc", "abcd"));
        assert!(wildcard("*:latest", "nginx:latest"));
    }

    #[test]
    fn kinds() {
        assert!(m(r#"{"match":{"any":[{"resources":{"kinds":["Pod"]}}]}}"#));
        assert!(m(
            r#"{"match":{"any":[{"resources":{"kinds":["v1/Pod"]}}]}}"#
        ));
        assert!(!m(
            r#"{"match":{"any":[{"resources":{"kinds":["apps/v1/Pod"]}}]}}"#
        ));
        assert!(m(r#"{"match":{"any":[{"resources":{"kinds":["*"]}}]}}"#));
        assert!(m(r#"{"match":{"any":[{"resources":{"kinds":["*/*"]}}]}}"#));
        assert!(!m(
            r#"{"match":{"any":[{"resources":{"kinds":["Pod/exec"]}}]}}"#
        ));
        assert!(!m(
            r#"{"match":{"any":[{"resources":{"kinds":["Deployment"]}}]}}"#
        ));
        assert_eq!(
            parse_kind_selector("batch/*/CronJob"),
            ("batch".into(), "*".into(), "CronJob".into(), "".into())
        );
        assert_eq!(
            parse_kind_selector("*/status"),
            ("*".into(), "*".into(), "*".into(), "status".into())
        );
    }

    #[test]
    fn names_namespaces_annotations_selectors() {
        assert!(m(
            r#"{"match":{"resources":{"kinds":["Pod"],"names":["web-*"]}}}"#
        ));
        assert!(!m(
            r#"{"match":{"resources":{"kinds":["Pod"],"name":"db"}}}"#
        ));
        assert!(m(r#"{"match":{"resources":{"namespaces":["pr?d"]}}}"#));
        assert!(!m(r#"{"match":{"resources":{"namespaces":["dev"]}}}"#));
        assert!(m(r#"{"match":{"resources":{"annotations":{"te*":"b*"}}}}"#));
        assert!(!m(
            r#"{"match":{"resources":{"annotations":{"team":"red"}}}}"#
        ));
        assert!(m(
            r#"{"match":{"resources":{"selector":{"matchLabels":{"app":"w*"}}}}}"#
        ));
        assert!(!m(
            r#"{"match":{"resources":{"selector":{"matchLabels":{"app":"db"}}}}}"#
        ));
        assert!(m(
            r#"{"match":{"resources":{"selector":{"matchExpressions":[{"key":"tier","operator":"In","values":["front"]}]}}}}"#
        ));
        assert!(!m(
            r#"{"match":{"resources":{"selector":{"matchExpressions":[{"key":"tier","operator":"DoesNotExist"}]}}}}"#
        ));
        // A Namespace is matched by its own name.
        let ns = v(r#"{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"prod"}}"#);
        let r = Request {
            object: ns,
            ..Request::default()
        };
        assert!(matches_request(
            &v(r#"{"match":{"resources":{"kinds":["Namespace"],"namespaces":["prod"]}}}"#),
            &r,
            ""
        ));
    }

    #[test]
    fn namespace_selector_and_operations() {
        let mut r = req();
        let rule = v(
            r#"{"match":{"any":[{"resources":{"kinds":["Pod"],"namespaceSelector":{"matchLabels":{"env":"prod"}}}}]}}"#,
        );
        assert!(!matches_request(&rule, &r, ""));
        r.namespace_labels.insert(
            "prod".into(),
            [("env".to_string(), "prod".to_string())]
                .into_iter()
                .collect(),
        );
        assert!(matches_request(&rule, &r, ""));
        let rule =
            v(r#"{"match":{"any":[{"resources":{"kinds":["Pod"],"operations":["UPDATE"]}}]}}"#);
        assert!(!matches_request(&rule, &r, ""));
        r.operation = Operation::Update;
        assert!(matches_request(&rule, &r, ""));
    }

    #[test]
    fn any_all_exclude_and_policy_namespace() {
        assert!(m(
            r#"{"match":{"any":[{"resources":{"kinds":["Deployment"]}},{"resources":{"kinds":["Pod"]}}]}}"#
        ));
        assert!(!m(
            r#"{"match":{"all":[{"resources":{"kinds":["Deployment"]}},{"resources":{"kinds":["Pod"]}}]}}"#
        ));
        assert!(!m(r#"{"match":{"any":[{"resources":{}}]}}"#));
        assert!(!m(
            r#"{"match":{"any":[{"resources":{"kinds":["Pod"]}}]},"exclude":{"any":[{"resources":{"namespaces":["prod"]}}]}}"#
        ));
        assert!(m(
            r#"{"match":{"any":[{"resources":{"kinds":["Pod"]}}]},"exclude":{"all":[{"resources":{"namespaces":["prod"]}},{"resources":{"names":["x"]}}]}}"#
        ));
        let rule = v(r#"{"match":{"any":[{"resources":{"kinds":["Pod"]}}]}}"#);
        assert!(matches_request(&rule, &req(), "prod"));
        assert!(!matches_request(&rule, &req(), "dev"));
    }

    #[test]
    fn user_info() {
        let rule = v(
            r#"{"match":{"any":[{"resources":{"kinds":["Pod"]},"subjects":[{"kind":"User","name":"alice"}]}]}}"#,
        );
        // No user info: ignored in match.
        assert!(matches_request(&rule, &req(), ""));
        let mut r = req();
        r.user_info = Some(UserInfo {
            username: "bob".into(),
            ..UserInfo::default()
        });
        assert!(!matches_request(&rule, &r, ""));
        r.user_info = Some(UserInfo {
            username: "alice".into(),
            ..UserInfo::default()
        });
        assert!(matches_request(&rule, &r, ""));
        let sa = v(
            r#"{"match":{"any":[{"resources":{"kinds":["Pod"]},"subjects":[{"kind":"ServiceAccount","name":"ci","namespace":"tools"}]}]}}"#,
        );
        r.user_info = Some(UserInfo {
            username: "system:serviceaccount:tools:ci".into(),
            ..UserInfo::default()
        });
        assert!(matches_request(&sa, &r, ""));
        let roles =
            v(r#"{"match":{"any":[{"resources":{"kinds":["Pod"]},"clusterRoles":["admin"]}]}}"#);
        assert!(!matches_request(&roles, &r, ""));
        r.user_info.as_mut().unwrap().cluster_roles = vec!["admin".into()];
        assert!(matches_request(&roles, &r, ""));
        // In exclude, user info without a user never matches.
        let ex = v(
            r#"{"match":{"any":[{"resources":{"kinds":["Pod"]}}]},"exclude":{"any":[{"clusterRoles":["admin"]}]}}"#,
        );
        assert!(matches_request(&ex, &req(), ""));
        assert!(!matches_request(&ex, &r, ""));
    }
}
