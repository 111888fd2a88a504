//! Kubernetes' ValidatingAdmissionPolicy, as `kyverno test` evaluates one against one resource
//! (K:pkg/admissionpolicy/validate.go): always as a CREATE without an old object, with the
//! namespace object built from the values file's namespace labels.
//!
//! Without a binding, the policy's `matchConstraints` decide whether it applies. With bindings,
//! only the bindings count: the first whose `matchResources` match (or that has none) applies
//! the policy, and the policy's own constraints are not consulted, as in the CLI. A policy
//! that does not apply gives no rule response, which `kyverno test` reports as excluded.
//!
//! The decision is Kubernetes' validator's (`validate_cel::Validator`): a false match
//! condition skips, an error is `error` (whatever the failure policy), a validation that is
//! not true is `fail`. The binding's `validationActions` do not change the result.

use super::matching;
use super::validate_cel::{Validator, Verdict, bind_variables, items};
use crate::cel;
use crate::engine::{Env, Operation, Request, RuleResponse, Status, Value};

/// The request the CLI builds for a ValidatingAdmissionPolicy: the resource as a CREATE, and
/// only the namespaces the values file labels (an unknown namespace has no labels at all).
pub(super) fn admission_request(request: &Request) -> Request {
    let object = match request.object.as_object() {
        Some(m) if !m.is_empty() => request.object.clone(),
        _ => request.old_object.clone(),
    };
    let namespace = object.str_at(&["metadata", "namespace"]).to_string();
    let mut namespace_labels = request.namespace_labels.clone();
    if !namespace.is_empty() {
        namespace_labels.entry(namespace).or_default();
    }
    Request {
        operation: Operation::Create,
        object,
        old_object: Value::Null,
        namespace_labels,
        ..request.clone()
    }
}

/// Which of the test's bindings of a policy applies to a request.
pub(super) enum Selected<'a> {
    /// The test has no binding of the policy.
    NoBindings,
    /// The first binding whose `matchResources` match the request.
    Binding(&'a Value),
    /// The policy has bindings and none matches.
    NoneMatches,
}

/// The first of the request's bindings of kind `kind` for the policy `name` whose
/// `matchResources` match the request. A binding without `matchResources` matches everything
/// for a ValidatingAdmissionPolicy and nothing for a MutatingAdmissionPolicy
/// (`without_resources_applies`), as Kyverno's CLI has them.
pub(super) fn selected_binding<'a>(
    request: &'a Request,
    kind: &str,
    name: &str,
    without_resources_applies: bool,
) -> Selected<'a> {
    let mut bindings = request
        .admission_bindings
        .iter()
        .filter(|b| b.str_at(&["kind"]) == kind && b.str_at(&["spec", "policyName"]) == name)
        .peekable();
    if bindings.peek().is_none() {
        return Selected::NoBindings;
    }
    bindings
        .find(|b| match b.at(&["spec", "matchResources"]) {
            None | Some(Value::Null) => without_resources_applies,
            constraints => matching::matches(constraints, request),
        })
        .map_or(Selected::NoneMatches, Selected::Binding)
}

/// The policy's rule responses for `request`: none when it does not apply.
pub fn validate(policy: &Value, request: &Request, env: &Env) -> Vec<RuleResponse> {
    let name = policy.str_at(&["metadata", "name"]);
    let request = admission_request(request);
    let binding = match selected_binding(&request, "ValidatingAdmissionPolicyBinding", name, true) {
        Selected::NoBindings => {
            if !matching::matches(policy.at(&["spec", "matchConstraints"]), &request) {
                return Vec::new();
            }
            None
        }
        Selected::Binding(b) => Some(b),
        Selected::NoneMatches => return Vec::new(),
    };
    let spec = policy.at(&["spec"]).unwrap_or(&Value::Null);
    let respond = |status: Status, message: String| {
        vec![RuleResponse {
            rule: name.to_string(),
            source: 0,
            status,
            message,
            resource_path: None,
            policy_path: None,
        }]
    };
    let cel_env = super::bindings::env_for_kind(env, "ValidatingAdmissionPolicy");
    // The CLI's namespace object has only a name and the values file's labels; a Namespace
    // has none of its own.
    let subject = &request.object;
    let namespace = subject.str_at(&["metadata", "namespace"]);
    let namespace_object = if namespace.is_empty() || subject.str_at(&["kind"]) == "Namespace" {
        cel::Value::Null
    } else {
        let labels: serde_json::Map<String, serde_json::Value> = request
            .namespace_labels
            .get(namespace)
            .into_iter()
            .flatten()
            .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
            .collect();
        let mut metadata = serde_json::json!({ "name": namespace });
        if !labels.is_empty() {
            metadata["labels"] = serde_json::Value::Object(labels);
        }
        cel::Value::from_json(&Value::from_json(
            &serde_json::json!({ "metadata": metadata }),
        ))
    };
    // The parameters come from the binding's `paramRef`; without one, `params` is null.
    let params = match super::params::collect(
        spec.at(&["paramKind"]),
        binding.and_then(|b| b.at(&["spec", "paramRef"])),
        namespace,
        &request,
    ) {
        None => vec![cel::Value::Null],
        Some(Ok(found)) => found.iter().map(cel::Value::from_json).collect(),
        Some(Err(e)) => {
            return respond(Status::Error, format!("failed to find parameters: {e}"));
        }
    };
    let validator = Validator {
        conditions: &items(spec.at(&["matchConditions"])),
        validations: &items(spec.at(&["validations"])),
        audit_annotations: &items(spec.at(&["auditAnnotations"])),
        default_message: "",
    };
    // One evaluation per parameter object; the first decision that is not "admit" counts.
    for param in params {
        let mut activation = super::bindings::request_bindings(&request);
        activation.set("namespaceObject", namespace_object.clone());
        activation.set("params", param);
        bind_variables(&mut activation, &items(spec.at(&["variables"])));
        match validator.run(&activation, &cel_env) {
            Verdict::Admitted => continue,
            Verdict::NotMatched => {
                return respond(Status::Skip, "match conditions aren't met".to_string());
            }
            Verdict::Denied { message, .. } => return respond(Status::Fail, message),
            Verdict::Errored { message, .. } => return respond(Status::Error, message),
        }
    }
    respond(Status::Pass, String::new())
}
