//! MutatingPolicy and NamespacedMutatingPolicy, as Kyverno's mpol engine applies one to one
//! request (K:pkg/cel/policies/mpol/engine/engine.go, compiler/policy.go):
//! matchConstraints (with the Pod controller variant autogen adds), CEL PolicyExceptions,
//! lazy variables, matchConditions, then each mutation in order, `object` being the result of
//! the ones before it. A JSONPatch mutation's operations apply as the apiserver applies them;
//! an ApplyConfiguration merges as server-side apply does (`mutate::apply`).
//!
//! Kyverno reports one rule with an empty name: pass ("success", whether or not anything
//! changed) with the patched resource, skip when a match condition is false, and errors under
//! `evaluation`. A mutating policy never fails.

use super::bindings;
use super::vpol::{self, Exempt, response};
use crate::cel;
use crate::engine::mutate::{apply, json_patch};
use crate::engine::{Env, Request, RuleResponse, Status, Value};

/// What a mutating policy did to one resource.
#[derive(Debug, Clone, PartialEq)]
pub struct Mutated {
    /// No response when the policy does not match the resource.
    pub responses: Vec<RuleResponse>,
    /// The resource after the mutations, when they ran.
    pub patched: Option<Value>,
}

/// The mpol autogen rewrite (K:pkg/cel/policies/mpol/autogen/autogen.go): only the match
/// conditions and the ApplyConfiguration expressions move to the Pod template, by plain text
/// replacement, and an `Object{…}` configuration is wrapped in the controller's template.
fn rewrite(variant: Value, cronjob: bool) -> Option<Value> {
    let mut spec = variant.as_object()?.clone();
    let convert = |list: &str, path: &[&str], spec: &mut crate::jmespath::value::Map| {
        let Some(Value::Array(items)) = spec.get(list) else {
            return;
        };
        let items: Vec<Value> = items
            .iter()
            .map(|item| {
                let text = item.str_at(path);
                if text.is_empty() {
                    return item.clone();
                }
                set_at(item, path, Value::from(to_template(text, cronjob).as_str()))
            })
            .collect();
        spec.insert(list.to_string(), Value::array(items));
    };
    convert("matchConditions", &["expression"], &mut spec);
    convert(
        "mutations",
        &["applyConfiguration", "expression"],
        &mut spec,
    );
    Some(Value::object(spec))
}

fn set_at(v: &Value, path: &[&str], new: Value) -> Value {
    let Some((first, rest)) = path.split_first() else {
        return new;
    };
    let mut m = v.as_object().cloned().unwrap_or_default();
    let child = m.get(*first).cloned().unwrap_or(Value::Null);
    m.insert(first.to_string(), set_at(&child, rest, new));
    Value::object(m)
}

/// One expression written for a Pod, rewritten for a controller's Pod template.
fn to_template(expr: &str, cronjob: bool) -> String {
    let (spec_to, meta_to) = if cronjob {
        (
            "spec.jobTemplate.spec.template.spec",
            "spec.jobTemplate.spec.template.metadata",
        )
    } else {
        ("spec.template.spec", "spec.template.metadata")
    };
    let mut out = expr.to_string();
    for root in ["object", "Object"] {
        out = out.replace(&format!("{root}.spec"), &format!("{root}.{spec_to}"));
        for field in ["labels", "annotations"] {
            out = out.replace(
                &format!("{root}.metadata.{field}"),
                &format!("{root}.{meta_to}.{field}"),
            );
        }
    }
    let trimmed = out.trim();
    let Some(inner) = trimmed.strip_prefix("Object{") else {
        return out;
    };
    // The configuration's top level goes under the template.
    let mut depth = 1usize;
    let mut end = None;
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    end = Some(i);
                    break;
                }
            }
            _ => {}
        }
    }
    let Some(end) = end.filter(|e| *e > 0) else {
        return out;
    };
    let (open, close) = if cronjob {
        (
            "Object{spec: Object.spec{jobTemplate: Object.spec.jobTemplate{spec: Object.spec.jobTemplate.spec{template: Object.spec.jobTemplate.spec.template{",
            "}}}}}",
        )
    } else {
        (
            "Object{spec: Object.spec{template: Object.spec.template{",
            "}}}",
        )
    };
    format!("{open}{}{close}{}", &inner[..end], &inner[end + 1..])
}

/// One compiled mutation.
enum Mutation {
    JsonPatch(vpol::Compiled),
    ApplyConfiguration(vpol::Compiled),
}

/// Applies the mutating policy to the request's resource.
pub fn mutate(policy: &Value, request: &Request, env: &Env) -> Mutated {
    let none = Mutated {
        responses: Vec::new(),
        patched: None,
    };
    let Some(written) = policy.at(&["spec"]) else {
        return none;
    };
    let Some(spec) = vpol::matching_spec(written, request, rewrite) else {
        return none;
    };
    run(policy, &spec, request, env)
}

/// Whether the policy mutates existing objects (`evaluation.mutateExisting.enabled`).
pub fn mutates_existing(policy: &Value) -> bool {
    matches!(
        policy.at(&["spec", "evaluation", "mutateExisting", "enabled"]),
        Some(Value::Bool(true))
    )
}

/// The keys (`namespace/name`, or `name`) of the objects that a policy's
/// `targetMatchConstraints.expression` selects for the trigger in `request`, as Kyverno's CLI
/// finds them before it evaluates the targets: the expression sees the trigger as `object`,
/// and gives one object or a list in `items`. None when the policy selects by resource
/// rules instead.
pub fn expression_targets(
    policy: &Value,
    request: &Request,
    env: &Env,
) -> Option<Result<Vec<String>, String>> {
    let expr = policy.str_at(&["spec", "targetMatchConstraints", "expression"]);
    if expr.trim().is_empty() {
        return None;
    }
    let cel_env = bindings::env_for_kind(env, policy.str_at(&["kind"]));
    let result = (|| -> Result<Vec<String>, String> {
        let program = vpol::compile(expr, "spec.targetMatchConstraints.expression")?;
        let spec = policy.at(&["spec"]).cloned().unwrap_or(Value::Null);
        let variables = vpol::expressions(&spec, "variables")
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let path = format!("spec.variables[{i}].expression");
                (
                    v.str_at(&["name"]).to_string(),
                    vpol::compile(v.str_at(&["expression"]), &path),
                )
            })
            .collect();
        let activation = vpol::activation(policy, request, variables);
        let out = program
            .eval(&activation, &cel_env)
            .map_err(|e| {
                format!(
                    "failed to evaluate the target selector expression: {}",
                    e.message
                )
            })?
            .to_json();
        if out.as_object().is_none() {
            return Err(format!(
                "the target selector expression must give a map, not {}",
                out.type_name()
            ));
        }
        let key = |o: &Value| {
            let (ns, name) = (
                o.str_at(&["metadata", "namespace"]),
                o.str_at(&["metadata", "name"]),
            );
            if ns.is_empty() {
                name.to_string()
            } else {
                format!("{ns}/{name}")
            }
        };
        Ok(match out.at(&["items"]).and_then(Value::as_array) {
            Some(items) => items
                .iter()
                .filter(|i| i.as_object().is_some())
                .map(key)
                .collect(),
            None => vec![key(&out)],
        })
    })();
    Some(result)
}

/// A mutateExisting policy on one existing object (`request.object`), as Kyverno's CLI runs
/// it on each of the test's `targetResources`: `targetMatchConstraints` (or, without resource
/// rules there, `matchConstraints`) select the object whatever the operation, or the keys
/// the expression selected (`selected`) name it; then the policy runs as on an admission
/// request, without its matchConstraints. None when the object is not a target.
pub fn mutate_target(
    policy: &Value,
    request: &Request,
    selected: Option<&[String]>,
    env: &Env,
) -> Option<Mutated> {
    if !mutates_existing(policy) {
        return None;
    }
    let spec = policy.at(&["spec"])?;
    let object = &request.object;
    let chosen = match selected {
        Some(keys) => {
            let (ns, name) = (
                object.str_at(&["metadata", "namespace"]),
                object.str_at(&["metadata", "name"]),
            );
            let key = if ns.is_empty() {
                name.to_string()
            } else {
                format!("{ns}/{name}")
            };
            keys.contains(&key)
        }
        None => {
            let targets = spec.at(&["targetMatchConstraints"]);
            let has_rules = targets
                .and_then(|t| t.at(&["resourceRules"]))
                .and_then(Value::as_array)
                .is_some_and(|r| !r.is_empty());
            let constraints = if has_rules {
                targets
            } else {
                spec.at(&["matchConstraints"])
            };
            let constraints = constraints.map(any_operation);
            crate::engine::cel::matching::matches(constraints.as_ref(), request)
        }
    };
    chosen.then(|| run(policy, spec, request, env))
}

/// `constraints` with every resource rule open to any operation: the background controller
/// finds targets whatever was done to them.
fn any_operation(constraints: &Value) -> Value {
    let mut c = constraints.as_object().cloned().unwrap_or_default();
    if let Some(Value::Array(rules)) = c.get("resourceRules") {
        let rules = rules
            .iter()
            .map(|r| set_at(r, &["operations"], Value::array(vec![Value::from("*")])))
            .collect();
        c.insert("resourceRules".into(), Value::array(rules));
    }
    Value::object(c)
}

/// The policy (whose spec, or autogen variant of it, is `spec`) on a request it matches.
fn run(policy: &Value, spec: &Value, request: &Request, env: &Env) -> Mutated {
    let error = |rule: &str, message: String| Mutated {
        responses: vec![response(Status::Error, rule, message)],
        patched: None,
    };
    let cel_env = bindings::env_for_kind(env, policy.str_at(&["kind"]));
    let compiled = (|| -> Result<_, String> {
        let mut conditions = Vec::new();
        for (i, c) in vpol::expressions(spec, "matchConditions")
            .iter()
            .enumerate()
        {
            let path = format!("spec.matchConditions[{i}].expression");
            conditions.push(vpol::compile(c.str_at(&["expression"]), &path)?);
        }
        let mut variables = Vec::new();
        for (i, v) in vpol::expressions(spec, "variables").iter().enumerate() {
            let path = format!("spec.variables[{i}].expression");
            variables.push((
                v.str_at(&["name"]).to_string(),
                vpol::compile(v.str_at(&["expression"]), &path),
            ));
        }
        let mut mutations = Vec::new();
        for (i, m) in vpol::expressions(spec, "mutations").iter().enumerate() {
            let (field, make): (&str, fn(vpol::Compiled) -> Mutation) =
                match m.str_at(&["patchType"]) {
                    "JSONPatch" => ("jsonPatch", Mutation::JsonPatch),
                    _ => ("applyConfiguration", Mutation::ApplyConfiguration),
                };
            let path = format!("spec.mutations[{i}].{field}.expression");
            let program = vpol::compile(m.str_at(&[field, "expression"]), &path)?;
            mutations.push(make(Ok(program)));
        }
        Ok((conditions, variables, mutations))
    })();
    let (conditions, variables, mutations) = match compiled {
        Ok(c) => c,
        Err(e) => return error("", e),
    };
    let mut activation = vpol::activation(policy, request, variables);
    let name = policy.str_at(&["metadata", "name"]);
    let kind = policy.str_at(&["kind"]);
    // Lenient, so never an error: an exception whose conditions fail does not apply.
    match vpol::exceptions(request, name, kind, &activation, &cel_env, false) {
        Ok(Exempt::Fully(names, pass)) => {
            return Mutated {
                responses: vec![vpol::exception_response(&names, pass)],
                patched: None,
            };
        }
        Ok(Exempt::Partly { images, values }) => {
            vpol::bind_allowed(&mut activation, images, values);
        }
        Err(_) => {}
    }
    let mut errors = Vec::new();
    for program in &conditions {
        match program.eval(&activation, &cel_env) {
            Ok(cel::Value::Bool(false)) => {
                return Mutated {
                    responses: vec![response(Status::Skip, "", "skip")],
                    patched: None,
                };
            }
            Ok(cel::Value::Bool(true)) => {}
            Ok(other) => errors.push(format!("expected a bool, got {}", other.type_name())),
            Err(e) => errors.push(e.message),
        }
    }
    if !errors.is_empty() {
        return error(
            "evaluation",
            format!("failed to evaluate policy: {}", errors.join("; ")),
        );
    }
    let mut object = request.object.clone();
    for (i, m) in mutations.iter().enumerate() {
        let (program, is_patch) = match m {
            Mutation::JsonPatch(p) => (p, true),
            Mutation::ApplyConfiguration(p) => (p, false),
        };
        let Ok(program) = program else { continue };
        let result = match program.eval(&activation, &cel_env) {
            Ok(v) => v.to_json(),
            Err(e) => {
                return error(
                    "evaluation",
                    format!("failed to evaluate policy: {}", e.message),
                );
            }
        };
        let next = if is_patch {
            let Value::Array(ops) = &result else {
                return error(
                    "evaluation",
                    format!(
                        "failed to evaluate policy: mutation {i}: a JSONPatch expression must give a list, not {}",
                        result.type_name()
                    ),
                );
            };
            json_patch::apply_admission(&object, ops)
        } else {
            apply::apply_configuration(&object, &result)
        };
        object = match next {
            Ok(v) => v,
            Err(e) => return error("evaluation", format!("failed to evaluate policy: {e}")),
        };
        activation.set("object", bindings::object_value(&object));
    }
    Mutated {
        responses: vec![response(Status::Pass, "", "success")],
        patched: Some(object),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(json: &str) -> Value {
        Value::from_json(&serde_json::from_str(json).expect("test JSON"))
    }

    fn policy(conditions: &str, mutations: &str) -> Value {
        v(&format!(
            r#"{{"apiVersion":"policies.kyverno.io/v1","kind":"MutatingPolicy","metadata":{{"name":"m"}},
                "spec":{{"matchConstraints":{{"resourceRules":[{{"apiGroups":[""],"apiVersions":["v1"],"operations":["CREATE"],"resources":["pods"]}}]}},
                "matchConditions":{conditions},"mutations":{mutations}}}}}"#
        ))
    }

    fn run(policy: &Value, object: &str) -> (Vec<String>, Option<String>) {
        let request = Request {
            object: v(object),
            ..Request::default()
        };
        let m = mutate(policy, &request, &Env::fixed());
        (
            m.responses
                .iter()
                .map(|r| format!("{:?} {} {:?}", r.rule, r.status.as_str(), r.message))
                .collect(),
            m.patched.map(|p| crate::jmespath::json::to_go_json(&p)),
        )
    }

    const POD: &str = r#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"dev"},"spec":{"containers":[{"name":"a","image":"nginx"}]}}"#;

    fn existing(targets: &str) -> Value {
        v(&format!(
            r#"{{"apiVersion":"policies.kyverno.io/v1beta1","kind":"MutatingPolicy","metadata":{{"name":"m"}},
                "spec":{{"evaluation":{{"mutateExisting":{{"enabled":true}}}},
                "matchConstraints":{{"resourceRules":[{{"apiGroups":[""],"apiVersions":["v1"],"operations":["CREATE"],"resources":["secrets"]}}]}},
                "targetMatchConstraints":{targets},
                "mutations":[{{"patchType":"ApplyConfiguration","applyConfiguration":{{"expression":"Object{{metadata: Object.metadata{{labels: {{'mutated': 'true'}}}}}}"}}}}]}}}}"#
        ))
    }

    const CM: &str = r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm","namespace":"ns"},"data":{"k":"v"}}"#;

    #[test]
    fn mutate_existing_targets_by_rules_whatever_the_operation_or_by_expression() {
        let on_cm = Request {
            object: v(CM),
            operation: crate::engine::Operation::Update,
            ..Request::default()
        };
        let by_rules = existing(
            r#"{"resourceRules":[{"apiGroups":[""],"apiVersions":["v1"],"operations":["CREATE"],"resources":["configmaps"]}]}"#,
        );
        let m = mutate_target(&by_rules, &on_cm, None, &Env::fixed()).expect("a target");
        assert_eq!(m.responses[0].status, Status::Pass);
        assert_eq!(
            m.patched
                .as_ref()
                .and_then(|p| p.at(&["metadata", "labels"])),
            Some(&v(r#"{"mutated":"true"}"#))
        );
        let secrets_only = existing(
            r#"{"resourceRules":[{"apiGroups":[""],"apiVersions":["v1"],"operations":["*"],"resources":["secrets"]}]}"#,
        );
        assert!(mutate_target(&secrets_only, &on_cm, None, &Env::fixed()).is_none());
        // Without `mutateExisting` nothing is a target.
        let plain = set_at(
            &by_rules,
            &["spec", "evaluation", "mutateExisting", "enabled"],
            Value::Bool(false),
        );
        assert!(mutate_target(&plain, &on_cm, None, &Env::fixed()).is_none());

        // The expression sees the trigger and reads the cluster through `resource.Get`.
        let by_expr = existing(
            r#"{"expression":"resource.get('v1', 'configmaps', object.metadata.namespace, 'cm')"}"#,
        );
        let trigger = Request {
            object: v(
                r#"{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s","namespace":"ns"}}"#,
            ),
            context_resources: vec![v(CM)],
            ..Request::default()
        };
        let keys = expression_targets(&by_expr, &trigger, &Env::fixed());
        assert_eq!(keys, Some(Ok(vec!["ns/cm".to_string()])));
        assert!(mutate_target(&by_expr, &on_cm, Some(&["ns/cm".into()]), &Env::fixed()).is_some());
        assert!(
            mutate_target(&by_expr, &on_cm, Some(&["ns/other".into()]), &Env::fixed()).is_none()
        );
        assert_eq!(expression_targets(&by_rules, &trigger, &Env::fixed()), None);
    }

    #[test]
    fn mutations_apply_in_order_each_seeing_the_last_result() {
        let p = policy(
            "[]",
            r#"[{"patchType":"JSONPatch","jsonPatch":{"expression":"[JSONPatch{op: 'add', path: '/metadata/labels', value: {'a': 'b'}}]"}},
                {"patchType":"ApplyConfiguration","applyConfiguration":{"expression":"Object{metadata: Object.metadata{labels: {'c': object.metadata.labels.a}}}"}}]"#,
        );
        assert_eq!(
            run(&p, POD),
            (
                vec![r#""" pass "success""#.to_string()],
                Some(
                    r#"{"apiVersion":"v1","kind":"Pod","metadata":{"labels":{"a":"b","c":"b"},"name":"p","namespace":"dev"},"spec":{"containers":[{"image":"nginx","name":"a"}]}}"#
                        .to_string()
                )
            )
        );
    }

    #[test]
    fn false_conditions_skip_and_errors_are_reported_under_evaluation() {
        let add = r#"[{"patchType":"JSONPatch","jsonPatch":{"expression":"[JSONPatch{op: 'add', path: '/metadata/labels/x', value: 'y'}]"}}]"#;
        let skipped = policy(
            r#"[{"name":"dev","expression":"object.metadata.namespace == 'prod'"}]"#,
            add,
        );
        assert_eq!(
            run(&skipped, POD),
            (vec![r#""" skip "skip""#.to_string()], None)
        );
        // The apiserver's JSON patch does not create missing parents.
        let p = policy("[]", add);
        assert_eq!(
            run(&p, POD),
            (
                vec![
                    r#""evaluation" error "failed to evaluate policy: JSONPath: add operation does not apply: doc is missing path: \"/metadata/labels/x\": missing value""#
                        .to_string()
                ],
                None
            )
        );
        // A resource the constraints do not match gets no response at all.
        let cm = r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"}}"#;
        assert_eq!(run(&p, cm), (vec![], None));
    }

    #[test]
    fn a_deployment_gets_the_pod_mutation_on_its_template() {
        let p = policy(
            "[]",
            r#"[{"patchType":"ApplyConfiguration","applyConfiguration":{"expression":"Object{metadata: Object.metadata{labels: {'team': 'a'}}}"}}]"#,
        );
        let deployment = r#"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d","namespace":"dev"},
            "spec":{"template":{"metadata":{"labels":{"app":"d"}},"spec":{"containers":[{"name":"a","image":"nginx"}]}}}}"#;
        let (responses, patched) = run(&p, deployment);
        assert_eq!(responses, vec![r#""" pass "success""#.to_string()]);
        assert_eq!(
            patched.unwrap(),
            r#"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d","namespace":"dev"},"spec":{"template":{"metadata":{"labels":{"app":"d","team":"a"}},"spec":{"containers":[{"image":"nginx","name":"a"}]}}}}"#
        );
    }

    #[test]
    fn autogen_moves_pod_paths_and_wraps_the_configuration() {
        assert_eq!(
            to_template(
                "Object{metadata: Object.metadata{labels: {'a': object.metadata.labels['b']}}}",
                false
            ),
            "Object{spec: Object.spec{template: Object.spec.template{metadata: Object.metadata{labels: {'a': object.spec.template.metadata.labels['b']}}}}}"
        );
        assert_eq!(
            to_template("has(object.spec.containers)", true),
            "has(object.spec.jobTemplate.spec.template.spec.containers)"
        );
    }
}
