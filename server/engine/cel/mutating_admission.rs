//! Kubernetes' MutatingAdmissionPolicy, as `kyverno test` applies one to one resource
//! (K:pkg/admissionpolicy/mutate.go): as a CREATE without an old object. The policy's
//! `matchConstraints` must match; with bindings, so must the `matchResources` of one of them
//! (a binding without `matchResources` is passed over), and that binding's `paramRef` gives
//! `params`: the object it names, or a list (`items`) of those its selector selects.
//! `namespaceObject` has only the namespace's name.
//!
//! Every response carries the policy's name as its rule: a skip when a match condition does
//! not hold (or fails), then one per mutation, in order: pass when it changed the resource,
//! skip when it had no effect, error when it failed (the next mutation still runs). Apply
//! configurations merge without a schema, as the CLI's deduced type converter has none.

use super::matching;
use super::mpol::Mutated;
use super::validate_cel::{bind_variables, items};
use crate::cel;
use crate::engine::mutate::{apply, json_patch};
use crate::engine::{Env, RuleResponse, Status, Value};

/// Applies the policy to the request's resource.
pub fn mutate(policy: &Value, request: &crate::engine::Request, env: &Env) -> Mutated {
    let none = Mutated {
        responses: Vec::new(),
        patched: None,
    };
    let name = policy.str_at(&["metadata", "name"]);
    let request = super::vap::admission_request(request);
    let spec = policy.at(&["spec"]).unwrap_or(&Value::Null);
    if !matching::matches(spec.at(&["matchConstraints"]), &request) {
        return none;
    }
    use super::vap::{Selected, selected_binding};
    let binding = match selected_binding(&request, "MutatingAdmissionPolicyBinding", name, false) {
        Selected::NoBindings => None,
        Selected::Binding(b) => Some(b),
        Selected::NoneMatches => return none,
    };
    let respond = |status: Status, message: String| RuleResponse {
        rule: name.to_string(),
        source: 0,
        status,
        message,
        resource_path: None,
        policy_path: None,
    };
    let subject = &request.object;
    let namespace = match subject.str_at(&["kind"]) {
        "Namespace" => "",
        _ => subject.str_at(&["metadata", "namespace"]),
    };
    let namespace_object = if namespace.is_empty() {
        cel::Value::Null
    } else {
        cel::Value::from_json(&Value::from_json(
            &serde_json::json!({ "metadata": { "name": namespace } }),
        ))
    };
    let params = match super::params::collect(
        spec.at(&["paramKind"]),
        binding.and_then(|b| b.at(&["spec", "paramRef"])),
        subject.str_at(&["metadata", "namespace"]),
        &request,
    ) {
        None => cel::Value::Null,
        // A reference by name gives the object; one by selector gives the list of the objects
        // it selects, as `items`.
        Some(Ok(found))
            if binding.is_some_and(|b| !b.str_at(&["spec", "paramRef", "name"]).is_empty()) =>
        {
            found
                .first()
                .map(cel::Value::from_json)
                .unwrap_or(cel::Value::Null)
        }
        Some(Ok(found)) => cel::Value::from_json(&Value::object(
            [("items".to_string(), Value::array(found.to_vec()))]
                .into_iter()
                .collect(),
        )),
        Some(Err(e)) => {
            return Mutated {
                responses: vec![respond(
                    Status::Error,
                    format!("failed to find parameters: {e}"),
                )],
                patched: None,
            };
        }
    };
    let cel_env = super::bindings::env_for_kind(env, "MutatingAdmissionPolicy");
    let mut activation = super::bindings::request_bindings(&request);
    activation.set("namespaceObject", namespace_object);
    activation.set("params", params);
    bind_variables(&mut activation, &items(spec.at(&["variables"])));
    for c in items(spec.at(&["matchConditions"])) {
        let holds = super::validate_cel::compile(c.str_at(&["expression"]))
            .ok()
            .and_then(|p| p.eval(&activation, &cel_env).ok());
        if !matches!(holds, Some(cel::Value::Bool(true))) {
            return Mutated {
                responses: vec![respond(Status::Skip, "match conditions not met".into())],
                patched: None,
            };
        }
    }
    let mut responses = Vec::new();
    let mut object = request.object.clone();
    for m in items(spec.at(&["mutations"])) {
        let json = m.str_at(&["patchType"]) == "JSONPatch";
        let field = if json {
            "jsonPatch"
        } else {
            "applyConfiguration"
        };
        let result = super::validate_cel::compile(m.str_at(&[field, "expression"]))
            .and_then(|p| {
                p.eval(&activation, &cel_env)
                    .map(|v| v.to_json())
                    .map_err(|e| e.message)
            })
            .and_then(|v| {
                if json {
                    match &v {
                        Value::Array(ops) => json_patch::apply_admission(&object, ops),
                        other => Err(format!(
                            "a JSONPatch expression must give a list, not {}",
                            other.type_name()
                        )),
                    }
                } else {
                    apply::apply_untyped(&object, &v)
                }
            });
        match result {
            Err(e) => responses.push(respond(Status::Error, e)),
            Ok(next) if next == object => {
                responses.push(respond(Status::Skip, "mutation had no effect".into()))
            }
            Ok(next) => {
                object = next;
                activation.set("object", super::bindings::object_value(&object));
                responses.push(respond(Status::Pass, String::new()));
            }
        }
    }
    if responses.is_empty() {
        responses.push(respond(
            Status::Pass,
            "mutation returned no patchers".into(),
        ));
    }
    Mutated {
        responses,
        patched: Some(object),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Request;

    fn v(json: &str) -> Value {
        Value::from_json(&serde_json::from_str(json).expect("test JSON"))
    }

    const POLICY: &str = r#"{"apiVersion":"admissionregistration.k8s.io/v1alpha1","kind":"MutatingAdmissionPolicy","metadata":{"name":"label"},
        "spec":{"matchConstraints":{"resourceRules":[{"apiGroups":[""],"apiVersions":["v1"],"operations":["CREATE"],"resources":["configmaps"]}]},
        "mutations":[
          {"patchType":"ApplyConfiguration","applyConfiguration":{"expression":"Object{metadata: Object.metadata{labels: {'a': 'b'}}}"}},
          {"patchType":"ApplyConfiguration","applyConfiguration":{"expression":"Object{metadata: Object.metadata{labels: {'a': 'b'}}}"}},
          {"patchType":"JSONPatch","jsonPatch":{"expression":"[JSONPatch{op: 'remove', path: '/data/missing'}]"}}]}}"#;

    fn run(bindings: &[&str]) -> Vec<String> {
        let request = Request {
            object: v(
                r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","namespace":"dev"},"data":{"k":"v"}}"#,
            ),
            admission_bindings: bindings.iter().map(|b| v(b)).collect(),
            ..Request::default()
        };
        mutate(&v(POLICY), &request, &Env::fixed())
            .responses
            .iter()
            .map(|r| format!("{} {} {:?}", r.rule, r.status.as_str(), r.message))
            .collect()
    }

    #[test]
    fn each_mutation_answers_and_an_error_does_not_stop_the_next() {
        assert_eq!(
            run(&[]),
            vec![
                r#"label pass """#,
                r#"label skip "mutation had no effect""#,
                r#"label error "JSONPath: remove operation does not apply: doc is missing path: \"/data/missing\": missing value""#,
            ]
        );
    }

    #[test]
    fn only_a_binding_with_matching_resources_applies_the_policy() {
        let bare = r#"{"kind":"MutatingAdmissionPolicyBinding","spec":{"policyName":"label"}}"#;
        assert_eq!(run(&[bare]), Vec::<String>::new());
        let other = r#"{"kind":"MutatingAdmissionPolicyBinding","spec":{"policyName":"label",
            "matchResources":{"resourceRules":[{"apiGroups":[""],"apiVersions":["v1"],"operations":["CREATE"],"resources":["secrets"]}]}}}"#;
        assert_eq!(run(&[other]), Vec::<String>::new());
        let this = r#"{"kind":"MutatingAdmissionPolicyBinding","spec":{"policyName":"label",
            "matchResources":{"resourceRules":[{"apiGroups":[""],"apiVersions":["v1"],"operations":["CREATE"],"resources":["configmaps"]}]}}}"#;
        assert_eq!(run(&[bare, this]).len(), 3);
    }
}
