//! ValidatingPolicy and NamespacedValidatingPolicy, as Kyverno's vpol engine evaluates one
//! against one request: matchConstraints (with the Pod controller variants autogen adds),
//! matchConditions, lazy variables, then the validations in order, stopping at the first that
//! is false or fails.
//!
//! Kyverno reports each policy as one rule with an empty name; `validationActions` never change
//! the result, only what admission does with it.

use std::rc::Rc;
use std::sync::Arc;

use super::bindings;
use super::matching;
use crate::cel::{self, Bindings, Program};
use crate::engine::{Env, Request, RuleResponse, Status, Value};

/// The Pod controllers autogen can target: (controllers-list name, group, version, kind, resource,
/// cronjob variant).
const CONTROLLERS: &[(&str, &str, &str, &str, bool)] = &[
    ("daemonsets", "apps", "v1", "DaemonSet", false),
    ("deployments", "apps", "v1", "Deployment", false),
    ("replicasets", "apps", "v1", "ReplicaSet", false),
    ("statefulsets", "apps", "v1", "StatefulSet", false),
    ("jobs", "batch", "v1", "Job", false),
    ("cronjobs", "batch", "v1", "CronJob", true),
];

pub(super) fn response(status: Status, rule: &str, message: impl Into<String>) -> RuleResponse {
    RuleResponse {
        rule: rule.to_string(),
        source: 0,
        status,
        message: message.into(),
        resource_path: None,
        policy_path: None,
    }
}

fn is_empty(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => true,
        Some(Value::Array(a)) => a.is_empty(),
        Some(Value::Object(o)) => o.is_empty(),
        _ => false,
    }
}

/// Kyverno's `CanAutoGen`: one plain `pods` rule and nothing that filters by name or label.
fn can_autogen(constraints: &Value) -> bool {
    let selector_set = |k: &str| {
        let sel = constraints.at(&[k]);
        !is_empty(sel.and_then(|s| s.at(&["matchLabels"])))
            || !is_empty(sel.and_then(|s| s.at(&["matchExpressions"])))
    };
    if selector_set("namespaceSelector")
        || selector_set("objectSelector")
        || !is_empty(constraints.at(&["excludeResourceRules"]))
    {
        return false;
    }
    let Some([rule]) = constraints.at(&["resourceRules"]).and_then(Value::as_array) else {
        return false;
    };
    let only = |k: &str, want: &str| matches!(rule.at(&[k]).and_then(Value::as_array), Some([one]) if one.as_str() == Some(want));
    is_empty(rule.at(&["resourceNames"]))
        && only("apiGroups", "")
        && only("apiVersions", "v1")
        && only("resources", "pods")
}

/// Rewrites `object.<from>` and `oldObject.<from>` to `.<to>`, except before `.name` and
/// `.namespace`, which stay on the controller's own metadata (Kyverno's autogen replacement).
fn replace(text: &str, from: &str, to: &str) -> String {
    let mut out = text.to_string();
    for root in ["object.", "oldObject."] {
        let needle = format!("{root}{from}");
        let with = format!("{root}{to}");
        let mut next = String::with_capacity(out.len());
        let mut rest = out.as_str();
        while let Some(i) = rest.find(&needle) {
            next.push_str(&rest[..i]);
            let after = &rest[i + needle.len()..];
            let protected = [".namespace", ".name"].iter().any(|s| {
                after.strip_prefix(s).is_some_and(|n| {
                    !n.starts_with(|c: char| c == '_' || c.is_ascii_alphanumeric())
                })
            });
            next.push_str(if protected { &needle } else { &with });
            rest = after;
        }
        next.push_str(rest);
        out = next;
    }
    out
}

/// `evaluation.mode: JSON`: the policy checks any JSON document (`object`), not a
/// Kubernetes admission request.
fn json_mode(spec: &Value) -> bool {
    spec.str_at(&["evaluation", "mode"]) == "JSON"
}

/// The spec Kyverno evaluates for the resource: the policy's own when its constraints match,
/// else the autogen variant for the resource's controller kind, if any.
fn spec_for(spec: &Value, request: &Request) -> Option<Value> {
    if json_mode(spec) {
        // No matcher in JSON mode: every payload and every resource is evaluated.
        return Some(spec.clone());
    }
    matching_spec(spec, request, rewrite_paths)
}

/// The whole spec, written for the Pod template of a controller (`cronjob`: of a CronJob's job
/// template): vpol's autogen rewrites every `object` and `oldObject` path.
fn rewrite_paths(variant: Value, cronjob: bool) -> Option<Value> {
    let json = crate::jmespath::json::to_go_json(&variant);
    let (spec_to, meta_to) = if cronjob {
        (
            "spec.jobTemplate.spec.template.spec",
            "spec.jobTemplate.spec.template.metadata",
        )
    } else {
        ("spec.template.spec", "spec.template.metadata")
    };
    let json = replace(&json, "spec", spec_to);
    let json = replace(&json, "metadata", meta_to);
    Some(Value::from_json(&serde_json::from_str(&json).ok()?))
}

/// `spec` when its matchConstraints match the request, else its autogen variant for the
/// request's Pod controller (its constraints narrowed to that controller, and its expressions
/// rewritten by `rewrite`) when that matches.
pub(super) fn matching_spec(
    spec: &Value,
    request: &Request,
    rewrite: fn(Value, bool) -> Option<Value>,
) -> Option<Value> {
    let constraints = spec.at(&["matchConstraints"]);
    if matching::matches(constraints, request) {
        return Some(spec.clone());
    }
    let constraints = constraints?;
    if !can_autogen(constraints) {
        return None;
    }
    let object = match request.object.as_object() {
        Some(m) if !m.is_empty() => &request.object,
        _ => &request.old_object,
    };
    let api = super::resources::api_type(object);
    let selected: Vec<&str> = match spec
        .at(&["autogen", "podControllers", "controllers"])
        .and_then(Value::as_array)
    {
        Some(list) => list.iter().filter_map(Value::as_str).collect(),
        None => CONTROLLERS.iter().map(|c| c.0).collect(),
    };
    let (name, group, version, _, cronjob) = CONTROLLERS
        .iter()
        .find(|(_, g, v, k, _)| *g == api.group && *v == api.version && *k == api.kind)?;
    if !selected.contains(name) {
        return None;
    }
    let operations = constraints
        .at(&["resourceRules"])
        .and_then(Value::as_array)
        .and_then(|r| r.first())
        .and_then(|r| r.at(&["operations"]))
        .cloned()
        .unwrap_or(Value::Null);
    let variant_rules = Value::from_json(&serde_json::json!([{
        "apiGroups": [group],
        "apiVersions": [version],
        "resources": [name],
    }]));
    let mut rule = variant_rules.as_array()?.first()?.as_object()?.clone();
    rule.insert("operations".into(), operations);
    let mut c = crate::jmespath::value::Map::new();
    c.insert(
        "resourceRules".into(),
        Value::array(vec![Value::object(rule)]),
    );
    let mut variant = spec.as_object()?.clone();
    variant.insert("matchConstraints".into(), Value::object(c));
    let variant = rewrite(Value::object(variant), *cronjob)?;
    matching::matches(variant.at(&["matchConstraints"]), request).then_some(variant)
}

/// Programs by expression text. A policy is evaluated once per sample and per edit, and its
/// expressions rarely change: parsing dominates otherwise. Bounded: cleared when full.
pub(super) fn parsed(expr: &str) -> Result<Arc<Program>, Vec<cel::SyntaxError>> {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    type Memo = Mutex<HashMap<String, Result<Arc<Program>, Vec<cel::SyntaxError>>>>;
    static MEMO: OnceLock<Memo> = OnceLock::new();
    const MAX_ENTRIES: usize = 4096;
    let memo = MEMO.get_or_init(|| Mutex::new(HashMap::new()));
    if let Some(hit) = memo.lock().ok().and_then(|m| m.get(expr).cloned()) {
        return hit;
    }
    let result = Program::compile(expr).map(Arc::new);
    if let Ok(mut m) = memo.lock() {
        if m.len() >= MAX_ENTRIES {
            m.clear();
        }
        m.insert(expr.to_string(), result.clone());
    }
    result
}

/// A compiled expression, or the response that its syntax errors give.
pub(super) fn compile(expr: &str, path: &str) -> Result<Arc<Program>, String> {
    parsed(expr).map_err(|errors| {
        let detail: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        format!(
            "failed to compile policy: {path}: Invalid value: {expr:?}: {}",
            detail.join("; ")
        )
    })
}

pub(super) fn expressions(spec: &Value, list: &str) -> Vec<Value> {
    spec.at(&[list])
        .and_then(Value::as_array)
        .map(<[Value]>::to_vec)
        .unwrap_or_default()
}

/// What the test's CEL PolicyExceptions do to a policy for one request.
pub(super) enum Exempt {
    /// Exceptions without `images` or `allowedValues` apply: the policy is skipped, or passes
    /// when the first of them says `reportResult: pass` (their `namespace/name`s).
    Fully(Vec<String>, bool),
    /// Otherwise, the images and values the applying exceptions allow (`exceptions.*`).
    Partly {
        images: Vec<String>,
        values: Vec<String>,
    },
}

/// Kyverno's match of a list of conditions: false as soon as one is false, even after
/// errors; otherwise the errors, if any, joined by `; `; otherwise true.
pub(super) fn conditions_hold(
    programs: &[Arc<Program>],
    activation: &dyn cel::Activation,
    env: &cel::Env,
) -> Result<bool, String> {
    let mut errors = Vec::new();
    for program in programs {
        match program.eval(activation, env) {
            Ok(cel::Value::Bool(false)) => return Ok(false),
            Ok(cel::Value::Bool(true)) => {}
            Ok(other) => errors.push(format!("expected a bool, got {}", other.type_name())),
            Err(e) => errors.push(e.message),
        }
    }
    if errors.is_empty() {
        Ok(true)
    } else {
        Err(errors.join("; "))
    }
}

/// The exceptions that name the policy (`policyRefs`, same name and kind) and whose
/// matchConditions all hold. An exception whose conditions fail to evaluate does not apply,
/// unless `strict`: then the first such failure is the answer (GeneratingPolicy and
/// DeletingPolicy stop there, where ValidatingPolicy moves on).
pub(super) fn exceptions(
    request: &Request,
    name: &str,
    kind: &str,
    activation: &Bindings,
    env: &cel::Env,
    strict: bool,
) -> Result<Exempt, String> {
    let mut full = Vec::new();
    let mut pass = false;
    let mut images = Vec::new();
    let mut values = Vec::new();
    for e in &request.cel_exceptions {
        let refs = e
            .at(&["spec", "policyRefs"])
            .and_then(Value::as_array)
            .unwrap_or_default();
        if !refs
            .iter()
            .any(|r| r.str_at(&["name"]) == name && r.str_at(&["kind"]) == kind)
        {
            continue;
        }
        let programs: Result<Vec<_>, String> =
            expressions(e.at(&["spec"]).unwrap_or(&Value::Null), "matchConditions")
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let path = format!("spec.matchConditions[{i}].expression");
                    compile(c.str_at(&["expression"]), &path)
                })
                .collect();
        let held = programs.and_then(|p| conditions_hold(&p, activation, env));
        match held {
            Ok(true) => {}
            Ok(false) => continue,
            Err(_) if !strict => continue,
            Err(e) => return Err(e),
        }
        let strings = |key: &str| -> Vec<String> {
            e.at(&["spec", key])
                .and_then(Value::as_array)
                .unwrap_or_default()
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        };
        let (i, v) = (strings("images"), strings("allowedValues"));
        if i.is_empty() && v.is_empty() {
            if full.is_empty() {
                pass = e.str_at(&["spec", "reportResult"]) == "pass";
            }
            let ns = e.str_at(&["metadata", "namespace"]);
            let n = e.str_at(&["metadata", "name"]);
            full.push(if ns.is_empty() {
                n.to_string()
            } else {
                format!("{ns}/{n}")
            });
        } else {
            images.extend(i);
            values.extend(v);
        }
    }
    Ok(if full.is_empty() {
        Exempt::Partly { images, values }
    } else {
        Exempt::Fully(full, pass)
    })
}

/// The response of a policy the exceptions exempt: skipped, or passed when the first of them
/// says `reportResult: pass`.
pub(super) fn exception_response(names: &[String], pass: bool) -> RuleResponse {
    let (status, verb) = if pass {
        (Status::Pass, "passed")
    } else {
        (Status::Skip, "skipped")
    };
    response(
        status,
        "exception",
        format!(
            "rule is {verb} due to policy exception: {}",
            names.join(", ")
        ),
    )
}

/// `exceptions.allowedImages` and `exceptions.allowedValues`, from the exceptions that
/// allow only some images or values.
pub(super) fn bind_allowed(activation: &mut Bindings, images: Vec<String>, values: Vec<String>) {
    activation.set("exceptions", bindings::exceptions_value(images, values));
}

pub(super) type Compiled = Result<Arc<Program>, String>;

/// The namespace of a Namespaced kind, which its libraries imply. A namespaced kind with no
/// namespace gets the cluster library, as Kyverno's does.
pub(super) fn policy_namespace(policy: &Value) -> Option<&str> {
    Some(policy.str_at(&["metadata", "namespace"]))
        .filter(|ns| !ns.is_empty() && policy.str_at(&["kind"]).starts_with("Namespaced"))
}

/// The request's variables plus the policy's `variables.<name>`, each evaluated on first use
/// (an expression that did not compile gives its error there).
pub(super) fn activation(
    policy: &Value,
    request: &Request,
    variables: Vec<(String, Compiled)>,
) -> Bindings {
    let mut activation = bindings::request_bindings(request);
    bindings::bind_context(&mut activation, request, policy_namespace(policy));
    if policy.at(&["spec"]).is_some_and(json_mode) {
        // The same declarations type-check, but only `object` has a value.
        for name in ["request", "oldObject", "namespaceObject"] {
            activation.set(name, cel::Value::Null);
        }
    }
    bind_variables(&mut activation, variables);
    activation
}

/// Adds `variables.<name>` for each variable, evaluated on first use.
pub(super) fn bind_variables(activation: &mut Bindings, variables: Vec<(String, Compiled)>) {
    for (name, program) in variables {
        activation.set_lazy(
            format!("variables.{name}"),
            Rc::new(
                move |a: &dyn cel::Activation, e: &cel::Env| match &program {
                    Ok(p) => p.eval(a, e),
                    Err(m) => Err(cel::EvalError::new(m.clone(), 0..0)),
                },
            ),
        );
    }
}

/// The value of one expression of the policy for a request, computed as the pipeline would:
/// on the autogen variant for a Pod controller, with the same variables. `path` is the
/// expression's place in the spec (`["validations", "0", "expression"]`). Also says whether
/// the policy matches the request; when it does not, the expression is evaluated on the
/// policy as written, for the editor to show what it would give.
pub fn site_value(
    policy: &Value,
    request: &Request,
    env: &Env,
    path: &[&str],
) -> Option<(bool, Result<cel::Value, String>)> {
    let written = policy.at(&["spec"])?;
    let (matched, spec) = match spec_for(written, request) {
        Some(spec) => (true, spec),
        None => (false, written.clone()),
    };
    let expr = super::node_at(&spec, path)?.as_str()?.to_string();
    let variables = expressions(&spec, "variables")
        .iter()
        .map(|v| {
            let expr = v.str_at(&["expression"]);
            (v.str_at(&["name"]).to_string(), compile(expr, "variables"))
        })
        .collect();
    let activation = activation(policy, request, variables);
    let result = compile(&expr, &path.join(".")).and_then(|p| {
        p.eval(
            &activation,
            &bindings::env_for_kind(env, policy.str_at(&["kind"])),
        )
        .map_err(|e| e.message)
    });
    Some((matched, result))
}

/// The rule responses of a ValidatingPolicy for one request (none when it does not match).
pub fn validate(policy: &Value, request: &Request, env: &Env) -> Vec<RuleResponse> {
    let Some(spec) = policy.at(&["spec"]) else {
        return Vec::new();
    };
    let Some(spec) = spec_for(spec, request) else {
        return Vec::new();
    };
    let cel_env = bindings::env_for_kind(env, policy.str_at(&["kind"]));
    // Everything compiles before anything runs, as Kyverno compiles the policy first.
    let compiled = (|| -> Result<_, String> {
        let mut conditions = Vec::new();
        for (i, c) in expressions(&spec, "matchConditions").iter().enumerate() {
            let path = format!("spec.matchConditions[{i}].expression");
            conditions.push(compile(c.str_at(&["expression"]), &path)?);
        }
        let mut variables = Vec::new();
        for (i, v) in expressions(&spec, "variables").iter().enumerate() {
            let path = format!("spec.variables[{i}].expression");
            variables.push((
                v.str_at(&["name"]).to_string(),
                compile(v.str_at(&["expression"]), &path)?,
            ));
        }
        let mut validations = Vec::new();
        for (i, v) in expressions(&spec, "validations").iter().enumerate() {
            let path = format!("spec.validations[{i}].expression");
            let program = compile(v.str_at(&["expression"]), &path)?;
            let message = match v.at(&["messageExpression"]).and_then(Value::as_str) {
                Some(m) if !m.is_empty() => Some(compile(
                    m,
                    &format!("spec.validations[{i}].messageExpression"),
                )?),
                _ => None,
            };
            validations.push((program, message, v.str_at(&["message"]).to_string()));
        }
        Ok((conditions, variables, validations))
    })();
    let (conditions, variables, validations) = match compiled {
        Ok(c) => c,
        Err(e) => return vec![response(Status::Error, "", e)],
    };
    let variables = variables.into_iter().map(|(n, p)| (n, Ok(p))).collect();
    let mut activation = activation(policy, request, variables);
    let name = policy.str_at(&["metadata", "name"]);
    let kind = policy.str_at(&["kind"]);
    // Lenient, so never an error: an exception whose conditions fail does not apply.
    match exceptions(request, name, kind, &activation, &cel_env, false) {
        Ok(Exempt::Fully(names, pass)) => return vec![exception_response(&names, pass)],
        Ok(Exempt::Partly { images, values }) => bind_allowed(&mut activation, images, values),
        Err(_) => {}
    }
    // Any false condition means no match, even after errors; errors alone follow
    // failurePolicy (Fail by default).
    let mut errors = Vec::new();
    for program in &conditions {
        match program.eval(&activation, &cel_env) {
            Ok(cel::Value::Bool(false)) => return vec![response(Status::Skip, "", "skip")],
            Ok(cel::Value::Bool(true)) => {}
            Ok(other) => errors.push(format!("expected a bool, got {}", other.type_name())),
            Err(e) => errors.push(e.message),
        }
    }
    if !errors.is_empty() {
        if spec.str_at(&["failurePolicy"]) == "Ignore" {
            return vec![response(Status::Skip, "", "skip")];
        }
        return vec![response(
            Status::Error,
            "evaluation",
            format!("failed to load context: {}", errors.join("; ")),
        )];
    }
    for (i, (program, message_expr, message)) in validations.iter().enumerate() {
        match program.eval(&activation, &cel_env) {
            Ok(cel::Value::Bool(true)) => {}
            Ok(cel::Value::Bool(false)) => {
                let text = match message_expr {
                    None => message.clone(),
                    Some(m) => match m.eval(&activation, &cel_env) {
                        Ok(cel::Value::String(s)) => s.to_string(),
                        Ok(other) => format!(
                            "failed to convert message expression to string: got {}",
                            other.type_name()
                        ),
                        Err(e) => format!("failed to evaluate message expression: {}", e.message),
                    },
                };
                let text = if text.is_empty() {
                    format!("CEL expression validation failed at index {i}")
                } else {
                    text
                };
                let mut r = response(Status::Fail, "", text);
                r.policy_path = Some(format!("/spec/validations/{i}/expression"));
                return vec![r];
            }
            Ok(other) => {
                return vec![response(
                    Status::Error,
                    "",
                    format!(
                        "error: validation {i} gave a {}, not a bool",
                        other.type_name()
                    ),
                )];
            }
            Err(e) => {
                let mut r = response(Status::Error, "", format!("error: {}", e.message));
                r.policy_path = Some(format!("/spec/validations/{i}/expression"));
                return vec![r];
            }
        }
    }
    vec![response(Status::Pass, "", "success")]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn autogen_rewrites_object_paths_but_not_the_controllers_own_name() {
        assert_eq!(
            replace(
                "object.spec.containers.all(c, object.metadata.name != '' && has(oldObject.spec.x)) && object.metadata.labels.a == object.metadata.namespace",
                "spec",
                "spec.template.spec"
            ),
            "object.spec.template.spec.containers.all(c, object.metadata.name != '' && has(oldObject.spec.template.spec.x)) && object.metadata.labels.a == object.metadata.namespace"
        );
        assert_eq!(
            replace(
                "object.metadata.labels + object.metadata.names",
                "metadata",
                "spec.template.metadata"
            ),
            "object.spec.template.metadata.labels + object.spec.template.metadata.names"
        );
    }
}
