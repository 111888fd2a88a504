//! DeletingPolicy and NamespacedDeletingPolicy, as `kyverno test` evaluates one against one
//! resource: would the cleanup controller delete it on its schedule?
//!
//! A resource outside `matchConstraints` gets no response at all (operations play no part:
//! a deletion scan has no admission operation). A JSON payload, which has no kind, is not
//! matched, only evaluated. Then the variables and the `conditions`: all true means the
//! resource would be deleted (pass, `resource matched`), any false that it stays (fail,
//! `resource did not match`). A CEL PolicyException that applies keeps the resource too.
//! Kyverno reports the policy as one rule named after the policy.

use super::matching;
use super::vpol::{self, Exempt};
use crate::engine::{Env, Request, RuleResponse, Status, Value};

/// The constraints with every resource rule's operations widened to all: the cleanup scan
/// lists resources, it does not watch requests.
fn any_operation(constraints: &Value) -> Value {
    let mut c = constraints.as_object().cloned().unwrap_or_default();
    if let Some(rules) = c.get("resourceRules").and_then(Value::as_array) {
        let widened = rules
            .iter()
            .map(|r| {
                let mut r = r.as_object().cloned().unwrap_or_default();
                r.insert("operations".into(), Value::array(vec![Value::from("*")]));
                Value::object(r)
            })
            .collect();
        c.insert("resourceRules".into(), Value::array(widened));
    }
    Value::object(c)
}

/// Whether the request is about a Kubernetes object (it has a kind) rather than a JSON
/// payload.
fn has_kind(request: &Request) -> bool {
    let object = match request.object.as_object() {
        Some(m) if !m.is_empty() => &request.object,
        _ => &request.old_object,
    };
    !object.str_at(&["apiVersion"]).is_empty() && !object.str_at(&["kind"]).is_empty()
}

/// The response of a DeletingPolicy for one resource (none when it is out of reach).
pub fn evaluate(policy: &Value, request: &Request, env: &Env) -> Vec<RuleResponse> {
    let Some(spec) = policy.at(&["spec"]) else {
        return Vec::new();
    };
    if has_kind(request) {
        let constraints = spec.at(&["matchConstraints"]).map(any_operation);
        if !matching::matches(constraints.as_ref(), request) {
            return Vec::new();
        }
    }
    let name = policy.str_at(&["metadata", "name"]);
    let kind = policy.str_at(&["kind"]);
    let respond = |status: Status, message: String| vec![vpol::response(status, name, message)];
    // Kyverno compiles the policy before it looks at any resource.
    let compiled = (|| -> Result<_, String> {
        let mut variables = Vec::new();
        for (i, v) in vpol::expressions(spec, "variables").iter().enumerate() {
            let path = format!("spec.variables[{i}].expression");
            variables.push((
                v.str_at(&["name"]).to_string(),
                vpol::compile(v.str_at(&["expression"]), &path)?,
            ));
        }
        let mut conditions = Vec::new();
        for (i, c) in vpol::expressions(spec, "conditions").iter().enumerate() {
            let path = format!("spec.conditions[{i}].expression");
            conditions.push(vpol::compile(c.str_at(&["expression"]), &path)?);
        }
        Ok((variables, conditions))
    })();
    let (variables, conditions) = match compiled {
        Ok(c) => c,
        Err(e) => return respond(Status::Error, e),
    };
    let variables = variables.into_iter().map(|(n, p)| (n, Ok(p))).collect();
    let activation = vpol::activation(policy, request, variables);
    let cel_env = super::bindings::env_for_kind(env, kind);
    match vpol::exceptions(request, name, kind, &activation, &cel_env, true) {
        Err(e) => return respond(Status::Error, e),
        // Any applying exception, even one that only allows some values, keeps the resource.
        Ok(Exempt::Fully(..)) => return respond(Status::Fail, "resource did not match".into()),
        Ok(Exempt::Partly { images, values }) if !images.is_empty() || !values.is_empty() => {
            return respond(Status::Fail, "resource did not match".into());
        }
        Ok(Exempt::Partly { .. }) => {}
    }
    match vpol::conditions_hold(&conditions, &activation, &cel_env) {
        Ok(true) => respond(Status::Pass, "resource matched".into()),
        Ok(false) => respond(Status::Fail, "resource did not match".into()),
        Err(e) => respond(Status::Error, e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Operation;

    fn yaml(text: &str) -> Value {
        let docs = crate::yaml::parse(text, &crate::yaml::Limits::default());
        Value::from_json(&docs[0].root.as_ref().expect("a document").to_json())
    }

    fn pod(ns: &str, name: &str) -> Request {
        Request {
            object: yaml(&format!(
                "apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}, namespace: {ns}}}\nspec: {{}}\n"
            )),
            ..Request::default()
        }
    }

    const POLICY: &str = "apiVersion: policies.kyverno.io/v1
kind: DeletingPolicy
metadata:
  name: old-test-pods
spec:
  schedule: '0 1 * * *'
  matchConstraints:
    resourceRules:
    - apiGroups: ['']
      apiVersions: [v1]
      operations: [CREATE]
      resources: [pods]
  variables:
  - name: ns
    expression: object.metadata.namespace
  conditions:
  - name: in-test
    expression: variables.ns == 'test'
  - name: named
    expression: object.metadata.name.startsWith('nginx')
";

    fn run(policy: &str, request: &Request) -> Vec<(String, &'static str, String)> {
        evaluate(&yaml(policy), request, &Env::fixed())
            .into_iter()
            .map(|r| (r.rule, r.status.as_str(), r.message))
            .collect()
    }

    fn one(status: &'static str, message: &str) -> Vec<(String, &'static str, String)> {
        vec![("old-test-pods".to_string(), status, message.to_string())]
    }

    #[test]
    fn all_conditions_true_means_the_resource_would_be_deleted() {
        assert_eq!(
            run(POLICY, &pod("test", "nginx-1")),
            one("pass", "resource matched")
        );
        assert_eq!(
            run(POLICY, &pod("default", "nginx-1")),
            one("fail", "resource did not match")
        );
        assert_eq!(
            run(POLICY, &pod("test", "web")),
            one("fail", "resource did not match")
        );
    }

    #[test]
    fn resources_out_of_reach_get_no_response_whatever_the_operation() {
        let secret = Request {
            object: yaml("apiVersion: v1\nkind: Secret\nmetadata: {name: s, namespace: test}\n"),
            ..Request::default()
        };
        assert_eq!(run(POLICY, &secret), vec![]);
        // The rule lists CREATE only; a deletion scan ignores operations.
        let update = Request {
            operation: Operation::Update,
            ..pod("test", "nginx-1")
        };
        assert_eq!(run(POLICY, &update), one("pass", "resource matched"));
        let without = POLICY.replace(
            "  matchConstraints:\n    resourceRules:\n    - apiGroups: ['']\n      apiVersions: [v1]\n      operations: [CREATE]\n      resources: [pods]\n",
            "",
        );
        assert_eq!(run(&without, &pod("test", "nginx-1")), vec![]);
    }

    #[test]
    fn a_json_payload_is_evaluated_without_matching() {
        let policy = "apiVersion: policies.kyverno.io/v1beta1
kind: DeletingPolicy
metadata:
  name: old-test-pods
spec:
  schedule: '* * * * *'
  conditions:
  - name: key
    expression: object.MetaArgs[0].Key == 'BUILD_PLATFORM'
";
        let payload = Request {
            object: yaml("MetaArgs: [{Key: BUILD_PLATFORM}]\n"),
            ..Request::default()
        };
        assert_eq!(run(policy, &payload), one("pass", "resource matched"));
        let other = Request {
            object: yaml("MetaArgs: [{Key: OTHER}]\n"),
            ..Request::default()
        };
        assert_eq!(run(policy, &other), one("fail", "resource did not match"));
    }

    #[test]
    fn errors_and_false_conditions() {
        let broken = POLICY.replace(
            "variables.ns == 'test'",
            "object.metadata.labels.team == 'a'",
        );
        // An error alone is an error; a false condition wins over an error.
        assert_eq!(
            run(&broken, &pod("test", "nginx-1")),
            one("error", "no such key: labels")
        );
        assert_eq!(
            run(&broken, &pod("test", "web")),
            one("fail", "resource did not match")
        );
        let not_bool = POLICY.replace("variables.ns == 'test'", "variables.ns");
        assert_eq!(
            run(&not_bool, &pod("test", "nginx-1")),
            one("error", "expected a bool, got string")
        );
        let syntax = POLICY.replace("variables.ns == 'test'", "variables.ns ==");
        let got = run(&syntax, &pod("test", "nginx-1"));
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].1, "error");
        assert!(
            got[0]
                .2
                .starts_with("failed to compile policy: spec.conditions[0].expression: Invalid value: \"variables.ns ==\": "),
            "{got:?}"
        );
    }

    #[test]
    fn context_objects_and_namespace_objects_are_readable() {
        let policy = POLICY.replace(
            "variables.ns == 'test'",
            "resource.Get('v1', 'configmaps', 'test', 'settings').data.mode == 'cleanup' && namespaceObject != null && namespaceObject.metadata.labels.env == 'test'",
        );
        let mut req = pod("test", "nginx-1");
        req.context_resources = vec![yaml(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: test}\ndata: {mode: cleanup}\n",
        )];
        req.namespace_labels.insert(
            "test".into(),
            [("env".to_string(), "test".to_string())].into(),
        );
        assert_eq!(run(&policy, &req), one("pass", "resource matched"));
        req.namespace_labels.clear();
        assert_eq!(
            run(&policy, &req),
            one("fail", "resource did not match"),
            "without the namespace in the values file, namespaceObject is null"
        );
    }

    #[test]
    fn an_applying_exception_keeps_the_resource() {
        let mut req = pod("test", "nginx-1");
        req.cel_exceptions = vec![yaml(
            "apiVersion: policies.kyverno.io/v1\nkind: PolicyException\nmetadata: {name: keep, namespace: test}\nspec:\n  policyRefs: [{name: old-test-pods, kind: DeletingPolicy}]\n  matchConditions:\n  - {name: n, expression: \"object.metadata.name == 'nginx-1'\"}\n",
        )];
        assert_eq!(run(POLICY, &req), one("fail", "resource did not match"));
        let mut other = pod("test", "nginx-2");
        other.cel_exceptions = req.cel_exceptions.clone();
        assert_eq!(run(POLICY, &other), one("pass", "resource matched"));
    }
}
